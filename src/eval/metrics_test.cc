#include "eval/metrics.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace glassbox::eval {
namespace {

std::vector<ScoredDoc> Hits(std::initializer_list<const char*> ids) {
  std::vector<ScoredDoc> v;
  double s = 100;
  for (const char* id : ids) v.push_back({id, s--});
  return v;
}

const std::map<std::string, int> kJudged = {{"d1", 3}, {"d2", 2}, {"d3", 0}, {"d4", 1}};

TEST(MetricsTest, HandComputedQuery) {
  // DCG = 2/log2(2) + 3/log2(4) = 3.5; IDCG = 3 + 2/log2(3) + 1/log2(4) = 4.7618595...
  auto q = EvaluateQuery("q", kJudged, Hits({"d2", "d5", "d1", "d3"}));
  EXPECT_NEAR(q.ndcg10, 0.7350069851388743, 1e-12);
  EXPECT_NEAR(q.recall100, 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(q.mrr10, 1.0);
  EXPECT_EQ(q.relevant, 3u);
  EXPECT_EQ(q.retrieved, 4u);
}

TEST(MetricsTest, ZeroGradeIsNotRelevant) {
  auto q = EvaluateQuery("q", kJudged, Hits({"d5", "d3", "d4"}));
  EXPECT_NEAR(q.ndcg10, 0.10500099787698204, 1e-12);
  EXPECT_NEAR(q.recall100, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(q.mrr10, 1.0 / 3.0, 1e-12);
}

TEST(MetricsTest, PerfectRankingIsOne) {
  auto q = EvaluateQuery("q", kJudged, Hits({"d1", "d2", "d4"}));
  EXPECT_NEAR(q.ndcg10, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(q.recall100, 1.0);
}

TEST(MetricsTest, CutOffs) {
  std::vector<ScoredDoc> hits;
  for (int i = 0; i < 150; ++i) hits.push_back({"x" + std::to_string(i), 0});
  hits[10] = {"d1", 0};   // rank 11: outside @10
  hits[99] = {"d2", 0};   // rank 100: inside @100
  hits[100] = {"d4", 0};  // rank 101: outside @100
  auto q = EvaluateQuery("q", kJudged, hits);
  EXPECT_DOUBLE_EQ(q.ndcg10, 0.0);
  EXPECT_DOUBLE_EQ(q.mrr10, 0.0);
  EXPECT_NEAR(q.recall100, 2.0 / 3.0, 1e-12);  // d1 and d2, not d4
  EXPECT_NEAR(MrrAt(kJudged, hits, 11), 1.0 / 11.0, 1e-12);
}

TEST(MetricsTest, TiesKeepGivenOrderAndDuplicatesCountOnce) {
  std::vector<ScoredDoc> hits = {{"d5", 1}, {"d1", 1}, {"d1", 1}, {"d2", 1}};
  // d1 at rank 2, d2 at rank 3 (the duplicate is dropped).
  double idcg = 3 + 2 / std::log2(3.0) + 0.5;
  double dcg = 3 / std::log2(3.0) + 2 / std::log2(4.0);
  EXPECT_NEAR(NdcgAt(kJudged, hits, 10), dcg / idcg, 1e-12);
  EXPECT_DOUBLE_EQ(MrrAt(kJudged, hits, 10), 0.5);
}

TEST(MetricsTest, MeanCountsMissingQueriesAsZero) {
  Qrels qrels = {{"q1", {{"a", 1}}}, {"q2", {{"b", 1}}}};
  ::glassbox::eval::Run run = {{"q1", Hits({"a"})}, {"q9", Hits({"a"})}};
  Metrics m = Evaluate(qrels, run);
  EXPECT_EQ(m.queries, 2u);
  EXPECT_EQ(m.queries_missing, 1u);
  EXPECT_EQ(m.run_queries_unjudged, 1u);
  EXPECT_DOUBLE_EQ(m.ndcg10, 0.5);
  EXPECT_DOUBLE_EQ(m.recall100, 0.5);
  EXPECT_DOUBLE_EQ(m.mrr10, 0.5);
}

TEST(MetricsTest, QueryWithNoRelevantDocsScoresZero) {
  auto q = EvaluateQuery("q", {{"a", 0}}, Hits({"a"}));
  EXPECT_DOUBLE_EQ(q.ndcg10, 0.0);
  EXPECT_DOUBLE_EQ(q.recall100, 0.0);
  EXPECT_DOUBLE_EQ(q.mrr10, 0.0);
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/gb_metrics_" + name;
}

TEST(TrecRunTest, WriteThenReadRoundTrips) {
  ::glassbox::eval::Run run = {{"q1", {{"a", 3.5}, {"b", 2.25}}}, {"q2", {{"c", 1}}}};
  std::string path = TempPath("roundtrip.run");
  ASSERT_TRUE(WriteTrecRun(path, run, "test").ok());
  auto back = ReadTrecRun(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 2u);
  ASSERT_EQ(back->at("q1").size(), 2u);
  EXPECT_EQ(back->at("q1")[0].id, "a");
  EXPECT_DOUBLE_EQ(back->at("q1")[1].score, 2.25);
  EXPECT_EQ(back->at("q2")[0].id, "c");
  std::remove(path.c_str());
}

TEST(TrecRunTest, OrdersByRankColumn) {
  std::string path = TempPath("order.run");
  std::ofstream(path) << "q1 Q0 b 2 1.0 t\nq1 Q0 a 1 1.0 t\nq1 Q0 c 3 1.0 t\n";
  auto run = ReadTrecRun(path);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->at("q1")[0].id, "a");
  EXPECT_EQ(run->at("q1")[1].id, "b");
  EXPECT_EQ(run->at("q1")[2].id, "c");
  std::remove(path.c_str());
}

TEST(TrecRunTest, ErrorsNameFileAndLine) {
  std::string path = TempPath("bad.run");
  std::ofstream(path) << "q1 Q0 a 1 1.0 t\nq1 Q0 b two 0.5 t\n";
  auto run = ReadTrecRun(path);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("bad.run:2:"), std::string::npos) << run.status().message();
  std::ofstream(path) << "q1 Q0 a 1\n";
  run = ReadTrecRun(path);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find(":1: expected 6 columns"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_EQ(ReadTrecRun(path).status().code(), Status::Code::kNotFound);
}

TEST(MetricsJsonTest, HasMeans) {
  Metrics m;
  m.queries = 2;
  m.ndcg10 = 0.5;
  std::string j = MetricsToJson(m);
  EXPECT_NE(j.find("\"ndcg@10\":0.5"), std::string::npos) << j;
  EXPECT_NE(j.find("\"queries\":2"), std::string::npos) << j;
}

}  // namespace
}  // namespace glassbox::eval
