// The LLM text-to-SQL path (table/llm_sql.h) through the shared chat call
// (answer/chat.h): a stand-in OpenAI-compatible endpoint, and the tiny
// generated GGUF chat model for the in-process plumbing.
#include <httplib.h>
#include <sqlite3.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "answer/chat.h"
#include "glassbox/answer.h"
#include "table/eval_sql.h"
#include "table/nl2sql.h"

#ifdef GLASSBOX_HAVE_LLAMA
#include "answer/gguf_chat_testing.h"
#endif

namespace glassbox {
namespace {

namespace fs = std::filesystem;

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << " in " << sql;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class LlmSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gb_llm_sql_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_path_ = (dir_ / "db.sqlite").string();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    Exec(db, "CREATE TABLE suppliers (supplier_id INTEGER PRIMARY KEY, supplier_name TEXT, city TEXT)");
    Exec(db, "CREATE TABLE projects (project_id INTEGER PRIMARY KEY, project_name TEXT, site TEXT)");
    Exec(db, "CREATE TABLE purchases (purchase_id INTEGER PRIMARY KEY, date DATE, material TEXT, "
             "supplier_id INTEGER REFERENCES suppliers(supplier_id), project_id INTEGER REFERENCES projects(project_id), "
             "quantity REAL, amount REAL)");
    Exec(db, "INSERT INTO suppliers VALUES (1,'Huaxin Cement','Wuhan'),(2,'Tiger Cement','Hefei'),(3,'Eastline Steel','Nanjing')");
    Exec(db, "INSERT INTO projects VALUES (1,'Harbour','north pier'),(2,'Eastgate','east gate')");
    Exec(db, "INSERT INTO purchases VALUES (1,'2023-11-02','cement',1,1,100,44000),(2,'2024-03-12','cement',2,1,50,22500),"
             "(3,'2025-02-21','cement',1,2,20,8600),(4,'2025-07-07','steel rebar',3,1,48,207360),"
             "(5,'2025-09-01','cement',2,2,30,13200)");
    // 47 more tables that have nothing to do with cement, suppliers or projects.
    const char* kWords[] = {"badge", "locker", "parking", "canteen", "laptop", "printer", "vacation", "training",
                            "visitor", "courier", "plant", "aquarium", "library", "gym"};
    for (int i = 0; i < 47; ++i) {
      const std::string name = std::string("office_") + kWords[i % 14] + "_" + std::to_string(i);
      Exec(db, "CREATE TABLE " + name + " (entry_no INTEGER, holder TEXT, note TEXT)");
      Exec(db, "INSERT INTO " + name + " VALUES (1, 'Ann Lee', 'spare'), (2, 'Bo Chen', 'lost')");
    }
    sqlite3_close(db);

    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      ++calls_;
      last_request_ = req.body;
      if (mode_ == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      if (mode_ == "garbage") return res.set_content("<html>oops</html>", "text/html");
      nlohmann::json j = {{"choices", {{{"message", {{"role", "assistant"}, {"content", reply_}}}}}}};
      res.set_content(j.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ask_.llm_url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/chat/completions";
    ask_.llm_timeout_ms = 1000;
    ask_.sql_mode = "llm";
    ask_.today = "2026-10-20";
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
    fs::remove_all(dir_);
  }

  Result<table::TableAnswer> Sql(const std::string& question) {
    table::AnswerOptions o;
    answer::TableOptionsFrom(ask_, &o);
    return table::AnswerQuestion(db_path_, question, o);
  }
  // The user message the endpoint was sent.
  std::string LastPrompt() const {
    auto j = nlohmann::json::parse(last_request_);
    return j["messages"][1]["content"].get<std::string>();
  }

  fs::path dir_;
  std::string db_path_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::string reply_, mode_, last_request_;
  AskOptions ask_;
};

TEST_F(LlmSqlTest, PromptHoldsOnlyTheRetrievedTablesWithTypesValuesKeysAndDate) {
  reply_ = "UNANSWERABLE";
  auto a = Sql("How much cement did each supplier deliver to the Harbour project?");
  ASSERT_TRUE(a.ok()) << a.status().message();
  const std::string p = LastPrompt();
  EXPECT_NE(p.find("TABLE \"purchases\""), std::string::npos) << p;
  EXPECT_NE(p.find("TABLE \"suppliers\""), std::string::npos) << p;
  EXPECT_NE(p.find("TABLE \"projects\""), std::string::npos) << p;
  EXPECT_EQ(p.find("office_"), std::string::npos) << p;  // none of the other 47 tables
  size_t n = 0;
  for (size_t at = p.find("TABLE \""); at != std::string::npos; at = p.find("TABLE \"", at + 1)) ++n;
  EXPECT_EQ(n, 3u) << p;
  EXPECT_NE(p.find("\"amount\" real"), std::string::npos) << p;       // types
  EXPECT_NE(p.find("'cement'"), std::string::npos) << p;              // distinct values
  EXPECT_NE(p.find("\"purchases\".\"supplier_id\" = \"suppliers\".\"supplier_id\""), std::string::npos) << p;  // keys
  EXPECT_NE(p.find("Reference date (today): 2026-10-20"), std::string::npos) << p;
  EXPECT_NE(LastPrompt().find("Question: How much cement"), std::string::npos);
  ASSERT_EQ(a->llm.prompt_tables.size(), 3u);
}

TEST_F(LlmSqlTest, CorrectSelectGivesTheDeterministicRows) {
  const std::string q = "What was the total amount spent on cement in 2025?";
  table::AnswerOptions det;
  det.today = "2026-10-20";
  auto d = table::AnswerQuestion(db_path_, q, det);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->status, "answered") << d->answer;
  reply_ = "Here it is:\n```sql\nSELECT SUM(p.amount) AS spent FROM purchases AS p\n"
           "WHERE p.material = 'cement' AND strftime('%Y', p.date) = '2025'\n```";
  auto a = Sql(q);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, "answered");
  EXPECT_EQ(a->path, "llm");
  EXPECT_NE(a->sql.find("SUM(p.amount)"), std::string::npos);
  EXPECT_EQ(a->llm.model_sql, a->sql);
  EXPECT_NE(a->llm.verdict.find("passed"), std::string::npos);
  EXPECT_EQ(a->table, "purchases");
  // The same figure as the parser's, compared as the evaluation does.
  ASSERT_EQ(a->rows.size(), 1u);
  EXPECT_EQ(a->rows[0][0].ToString(), "21800");
  EXPECT_TRUE(table::SameRows(a->rows, d->rows)) << d->sql;
  EXPECT_EQ(a->answer.rfind("21800", 0), 0u) << a->answer;
  auto j = table::AnswerToJson(*a);
  EXPECT_EQ(j["path"], "llm");
  EXPECT_EQ(j["llm"]["prompt_tables"].size(), a->llm.prompt_tables.size());
}

TEST_F(LlmSqlTest, HostileRepliesAreRefusedNamingWhatAndNeverRun) {
  const std::string before = ReadAll(db_path_);
  struct Case {
    std::string reply, expect;
  } cases[] = {
      {"```sql\nDROP TABLE purchases\n```", "DROP TABLE"},
      {"```sql\nSELECT 1 FROM purchases; DELETE FROM purchases\n```", "second statement"},
      {"```sql\nATTACH DATABASE '/tmp/gb_x.sqlite' AS x\n```", "ATTACH"},
      {"```sql\nPRAGMA writable_schema = 1\n```", "PRAGMA"},
      {"```sql\nSELECT load_extension('/tmp/evil')\n```", "load_extension"},
      {"```sql\nSELECT * FROM office_badge_0\n```", "office_badge_0"},  // a table not in the prompt
      {"```sql\nSELECT name FROM sqlite_master\n```", "sqlite_master"},
      {"```sql\nSELECT * FROM no_such_table\n```", "no_such_table"},
      {"```sql\nINSERT INTO purchases (material) VALUES ('x')\n```", "INSERT"},
  };
  for (const auto& c : cases) {
    reply_ = c.reply;
    auto a = Sql("How much cement did we buy in 2025?");
    ASSERT_FALSE(a.ok()) << c.reply;
    const std::string why = a.status().message().substr(0, a.status().message().find("; SQL: "));  // not the SQL itself
    EXPECT_NE(why.find(c.expect), std::string::npos) << a.status().message();
    EXPECT_NE(a.status().message().find("the model's SQL was not run"), std::string::npos) << a.status().message();
  }
  EXPECT_EQ(ReadAll(db_path_), before);
  EXPECT_FALSE(fs::exists("/tmp/gb_x.sqlite"));
}

TEST_F(LlmSqlTest, UnanswerableGarbageAndTimeout) {
  reply_ = "UNANSWERABLE";
  auto a = Sql("What is the colour of the sky over the Harbour project?");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, "unanswerable");
  EXPECT_EQ(a->answer.rfind("the data has no", 0), 0u) << a->answer;
  EXPECT_TRUE(a->sql.empty());

  reply_ = "```\nUNANSWERABLE\n```";  // the word inside a block is not SQL
  a = Sql("What is the colour of the sky over the Harbour project?");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, "unanswerable");

  reply_ = "Without more data I cannot say.";  // "with" only as a word starts SQL
  a = Sql("How much cement did we buy in 2025?");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("holds no SQL"), std::string::npos) << a.status().message();

  reply_ = "I think you should look at the purchases table, maybe.";
  a = Sql("How much cement did we buy in 2025?");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(a.status().message().find("holds no SQL"), std::string::npos) << a.status().message();

  reply_ = "```sql\nSELECT SUM(amount) FROM purchases";  // never closed
  a = Sql("How much cement did we buy in 2025?");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("never closes"), std::string::npos) << a.status().message();

  mode_ = "garbage";
  a = Sql("How much cement did we buy in 2025?");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kIOError) << a.status().message();
  EXPECT_NE(a.status().message().find("the model call failed"), std::string::npos) << a.status().message();

  mode_ = "slow";
  a = Sql("How much cement did we buy in 2025?");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kDeadlineExceeded) << a.status().message();
}

TEST_F(LlmSqlTest, FallbackAsksTheModelOnlyWhenTheParserRefuses) {
  ask_.sql_mode = "llm-fallback";
  reply_ = "```sql\nSELECT COUNT(*) FROM purchases\n```";
  auto a = Sql("What was the total amount spent on cement in 2025?");  // the parser answers this one
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->path, "deterministic");
  EXPECT_EQ(calls_.load(), 0);
  a = Sql("What share of the cement came from Huaxin Cement?");  // the parser asks back (suppliers or purchases)
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(a->path, "llm");
  EXPECT_EQ(a->status, "answered");
  ASSERT_FALSE(a->explanation.empty());
  EXPECT_NE(a->explanation[0].find("llm-fallback"), std::string::npos);

  // A refused fallback leaves the parser's answer, saying why.
  reply_ = "```sql\nDROP TABLE purchases\n```";
  a = Sql("What share of the cement came from Huaxin Cement?");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->path, "deterministic");
  EXPECT_EQ(a->status, "ask_back");
  EXPECT_NE(a->status, "answered");
  EXPECT_NE(a->explanation.back().find("DROP TABLE"), std::string::npos) << a->explanation.back();
}

TEST_F(LlmSqlTest, OptionIsDeclaredOnceAndNeedsAModel) {
  AskOptions o;
  EXPECT_EQ(o.sql_mode, "deterministic");
  EXPECT_TRUE(SetAskOption(&o, "sql_mode", "llm").ok());
  EXPECT_FALSE(ValidateAskOptions(o).ok());  // no model
  EXPECT_NE(ValidateAskOptions(o).message().find("llm_url"), std::string::npos);
  EXPECT_TRUE(SetAskOption(&o, "llm_url", "http://127.0.0.1:1/v1/chat/completions").ok());
  EXPECT_TRUE(ValidateAskOptions(o).ok()) << ValidateAskOptions(o).message();
  EXPECT_FALSE(SetAskOption(&o, "sql_mode", "guess").ok());
  bool listed = false;
  for (const auto& s : AskOptionSpecs()) listed |= s.name == "sql_mode";
  EXPECT_TRUE(listed);
  // table options without a model: the llm path says what is missing.
  table::AnswerOptions t;
  t.sql_mode = "llm";
  auto a = table::AnswerQuestion(db_path_, "How much cement?", t);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("needs a model"), std::string::npos);
  t.sql_mode = "sometimes";
  a = table::AnswerQuestion(db_path_, "How much cement?", t);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("sql_mode"), std::string::npos);
}

#ifdef GLASSBOX_HAVE_LLAMA
// The in-process path's plumbing: the tiny generated model's text is noise, so the answer is a clean refusal
// (no SQL in the reply, or SQL the guard refuses) or UNANSWERABLE -- never rows from unchecked SQL.
TEST_F(LlmSqlTest, GgufReplyIsCheckedNeverRunUnchecked) {
  const std::string model = (dir_ / "tiny-chat.gguf").string();
  ASSERT_EQ(answer::testing::WriteTinyChatGguf(model), "");
  const std::string before = ReadAll(db_path_);
  ask_.llm_url.clear();
  ask_.llm_gguf = model;
  ask_.llm_threads = 1;
  ask_.llm_max_tokens = 24;
  ask_.llm_timeout_ms = 60000;
  ASSERT_TRUE(ValidateAskOptions(ask_).ok()) << ValidateAskOptions(ask_).message();
  auto a = Sql("How much cement did we buy in 2025?");
  if (a.ok()) {
    EXPECT_EQ(a->status, "unanswerable");
    EXPECT_TRUE(a->rows.empty());
  } else {
    const std::string m = a.status().message();
    EXPECT_TRUE(m.find("the model's reply") != std::string::npos || m.find("the model's SQL was not run") != std::string::npos)
        << m;
  }
  EXPECT_EQ(calls_.load(), 0);  // the endpoint was not used
  EXPECT_EQ(ReadAll(db_path_), before);
}
#endif

}  // namespace
}  // namespace glassbox
