#include "eval/beir.h"

#include <filesystem>
#include <cmath>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "eval/metrics.h"

namespace glassbox::eval {
namespace {

namespace fs = std::filesystem;

class BeirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gb_beir_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "qrels");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& content) {
    std::ofstream(dir_ / rel, std::ios::binary) << content;
  }
  fs::path dir_;
};

TEST_F(BeirTest, LoadsAndKeepsOnlyJudgedQueries) {
  Write("corpus.jsonl",
        "{\"_id\": \"d1\", \"title\": \"T1\", \"text\": \"one\", \"metadata\": {}}\n"
        "\n"
        "{\"_id\": 2, \"text\": \"two\"}\n");
  Write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"first\"}\n{\"_id\": \"q2\", \"text\": \"second\"}\n");
  Write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t2\t2\n");
  auto ds = LoadBeir(dir_.string());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->corpus.size(), 2u);
  EXPECT_EQ(ds->corpus[0].title, "T1");
  EXPECT_EQ(ds->corpus[1].id, "2");
  EXPECT_EQ(ds->corpus[1].title, "");
  ASSERT_EQ(ds->queries.size(), 1u);
  EXPECT_EQ(ds->queries[0].id, "q1");
  EXPECT_EQ(ds->queries_without_qrels, 1u);
  EXPECT_EQ(ds->qrels.at("q1").at("2"), 2);
}

TEST_F(BeirTest, BadJsonNamesFileAndLine) {
  Write("corpus.jsonl", "{\"_id\": \"d1\", \"text\": \"one\"}\n{\"_id\": \"d2\", \"text\": }\n");
  auto c = LoadBeirCorpus((dir_ / "corpus.jsonl").string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("corpus.jsonl:2:"), std::string::npos) << c.status().message();
}

TEST_F(BeirTest, MissingIdNamesFileAndLine) {
  Write("queries.jsonl", "{\"text\": \"no id\"}\n");
  auto q = LoadBeirQueries((dir_ / "queries.jsonl").string());
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("queries.jsonl:1: missing \"_id\""), std::string::npos)
      << q.status().message();
}

TEST_F(BeirTest, BadQrelsNamesFileAndLine) {
  Write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\tx\n");
  auto q = LoadQrels((dir_ / "qrels/test.tsv").string());
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("test.tsv:3:"), std::string::npos) << q.status().message();
}

TEST_F(BeirTest, MissingFileIsNotFound) {
  auto ds = LoadBeir((dir_ / "nope").string());
  ASSERT_FALSE(ds.ok());
  EXPECT_EQ(ds.status().code(), Status::Code::kNotFound);
}

TEST_F(BeirTest, ScoreRunFile) {
  Write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n");
  Write("run.txt", "q1 Q0 d1 1 2.0 t\nq2 Q0 d9 1 2.0 t\nq2 Q0 d2 2 1.0 t\n");
  auto m = ScoreRunFile((dir_ / "run.txt").string(), dir_.string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->queries, 2u);
  EXPECT_NEAR(m->mrr10, (1.0 + 0.5) / 2, 1e-12);
  EXPECT_NEAR(m->ndcg10, (1.0 + 1.0 / std::log2(3.0)) / 2, 1e-12);
}

// The shared collections load, when present.
TEST(BeirSharedTest, SharedDatasetsLoad) {
  std::string root = DataRoot() + "/datasets";
  if (!fs::exists(root + "/scifact")) GTEST_SKIP() << "no " << root;
  struct Want { const char* name; size_t docs, queries; };
  for (Want w : {Want{"scifact", 5183, 300}, Want{"cranfield", 1400, 225}, Want{"cmrc2018-dev", 848, 3219}}) {
    auto ds = LoadBeir(root + "/" + w.name);
    ASSERT_TRUE(ds.ok()) << ds.status().ToString();
    EXPECT_EQ(ds->corpus.size(), w.docs) << w.name;
    EXPECT_EQ(ds->queries.size(), w.queries) << w.name;
  }
}

}  // namespace
}  // namespace glassbox::eval
