// The question parser (text-to-SQL) over a small fixed schema with a join: any
// bytes as a question must give an answer, a refusal or a question back, or an
// error with a message — never a crash — and every SQL it ran is one SELECT
// that the guard accepted (AnswerWithCatalog runs it through the guard).
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "fuzz_common.h"
#include "table/catalog.h"
#include "table/nl2sql.h"

namespace {

struct Fixture {
  std::string path;
  std::unique_ptr<glassbox::table::ReadOnlyDatabase> db;
  std::unique_ptr<glassbox::table::Catalog> catalog;
  Fixture() {
    path = std::filesystem::temp_directory_path().string() + "/gb_fuzz_nl2sql_" + std::to_string(::getpid()) + ".sqlite";
    std::filesystem::remove(path);
    sqlite3* s = nullptr;
    if (sqlite3_open(path.c_str(), &s) != SQLITE_OK) glassbox::fuzz::Fail("cannot create the fixture database");
    sqlite3_exec(s,
                 "CREATE TABLE department(dept_name text, budget int, city text, opened date);"
                 "INSERT INTO department VALUES('sales', 500, 'boston', '2024-01-02'), ('research', 900, 'denver', '2025-03-04'),"
                 "('legal', 100, 'austin', '2026-05-06');"
                 "CREATE TABLE employee(emp_name text, salary real, dept text, hired date);"
                 "INSERT INTO employee VALUES('ann', 70.5, 'sales', '2023-01-01'), ('bob', 50, 'sales', '2024-02-02'),"
                 "('cyd', 90, 'research', '2025-03-03'), ('张三', 60, 'legal', '2026-04-04');",
                 nullptr, nullptr, nullptr);
    sqlite3_close(s);
    auto d = glassbox::table::ReadOnlyDatabase::Open(path);
    if (!d.ok()) glassbox::fuzz::Fail("cannot open the fixture: " + d.status().message());
    db = std::move(*d);
    auto c = glassbox::table::Catalog::Load(*db);
    if (!c.ok()) glassbox::fuzz::Fail("cannot load the fixture catalog: " + c.status().message());
    catalog = std::move(*c);
  }
  ~Fixture() { std::filesystem::remove(path); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  std::string question(reinterpret_cast<const char*>(data), std::min<size_t>(size, 512));
  glassbox::table::AnswerOptions o;
  o.today = "2026-10-20";
  o.allow_ask_back = size % 2 == 0;
  o.limits.max_rows = 50;
  auto a = glassbox::table::AnswerWithCatalog(*f.db, *f.catalog, question, o);
  if (!a.ok()) {
    if (a.status().message().empty()) glassbox::fuzz::Fail("error without a message");
    return 0;
  }
  if (a->status != "answered" && a->status != "ask_back" && a->status != "unanswerable")
    glassbox::fuzz::Fail("unknown status " + a->status);
  if (a->status == "answered") {
    if (a->sql.rfind("SELECT ", 0) != 0) glassbox::fuzz::Fail("answered without a SELECT: " + a->sql);
    if (a->rows.size() > 50) glassbox::fuzz::Fail("row limit ignored");
  }
  if (a->answer.empty()) glassbox::fuzz::Fail("no answer sentence");
  return 0;
}
