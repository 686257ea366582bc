#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "ingest/reader.h"
#include "table/catalog.h"
#include "table/guard.h"
#include "table/nl2sql.h"
#include "table/table_store.h"

namespace glassbox::table {
namespace {

namespace fs = std::filesystem;

const char* kPurchases =
    "date,material,supplier,quantity,unit,unit_price,amount,project\n"
    "2022-01-25,cement,Huaxin Cement,153,tonne,438.00,67014.00,Eastgate\n"
    "2023-11-02,cement,Huaxin Cement,100,tonne,440.00,44000.00,Harbour\n"
    "2024-03-12,cement,Tiger Cement,50,tonne,450.00,22500.00,Harbour\n"
    "2024-05-01,sand,Jianghe Aggregates,400,tonne,88.00,35200.00,Harbour\n"
    "2025-02-21,cement,Huaxin Cement,20,tonne,430.00,8600.00,Eastgate\n"
    "2025-07-07,steel rebar,Eastline Steel,48,tonne,4320.00,207360.00,Harbour\n"
    "2026-08-15,paint,Brightcoat,600,litre,32.50,19500.00,Eastgate\n";

const char* kSidecar = R"({"description": "Material purchases",
  "columns": {"amount": {"description": "money paid", "currency": "CNY", "synonyms": ["金额"]},
              "quantity": {"description": "quantity delivered"}},
  "values": {"material": {"cement": ["水泥"], "steel rebar": ["钢筋"]}}})";

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gb_table_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Load(const std::string& csv, const std::string& source = "data/purchases.csv", const std::string& sidecar = kSidecar) {
    std::vector<ingest::Table> tables;
    auto docs = ingest::ReadBuffer(csv, "csv", source, ReaderOptions{}, &tables);
    ASSERT_TRUE(docs.ok()) << docs.status().message();
    ASSERT_EQ(tables.size(), 1u);
    auto store = TableStore::OpenForWriting(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    Status st = (*store)->ReplaceFile(source, tables, sidecar);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  TableAnswer Ask(const std::string& q, bool ask_back = true) {
    AnswerOptions o;
    o.today = "2026-10-20";
    o.allow_ask_back = ask_back;
    auto a = AnswerQuestion(dir_.string(), q, o);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : TableAnswer{};
  }

  fs::path dir_;
};

TEST(TableUnits, HeadersAndValues) {
  EXPECT_EQ(UnitFromHeader("amount_cny").currency, "CNY");
  EXPECT_EQ(UnitFromHeader("qty (t)").unit, "t");
  EXPECT_EQ(UnitFromHeader("Price [USD]").currency, "USD");
  EXPECT_EQ(UnitFromHeader("supplier").unit, "");
  EXPECT_EQ(CurrencyFromValue("¥1,200"), "CNY");
  double v = 0;
  EXPECT_TRUE(ParseMoney("¥1,200.50", &v));
  EXPECT_DOUBLE_EQ(v, 1200.5);
  EXPECT_FALSE(ParseMoney("cement", &v));
  EXPECT_EQ(SanitizeName("qty (t)", 0), "qty_t");
  EXPECT_EQ(SanitizeName("", 2), "column3");
  EXPECT_EQ(IsoDate(0), "1970-01-01");
  EXPECT_EQ(IsoDate(1700000000 - 1700000000 % 86400), "2023-11-14");
}

TEST_F(TableTest, StoreTypedColumnsCatalogAndProvenance) {
  Load(kPurchases);
  auto db = ReadOnlyDatabase::Open((dir_ / kTablesFile).string());
  ASSERT_TRUE(db.ok());
  auto r = (*db)->Run("SELECT typeof(date), date, typeof(quantity), typeof(amount), _source, _row FROM purchases ORDER BY _row LIMIT 1");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0].text, "text");
  EXPECT_EQ(r->rows[0][1].text, "2022-01-25");
  EXPECT_EQ(r->rows[0][2].text, "integer");
  EXPECT_EQ(r->rows[0][3].text, "real");
  EXPECT_EQ(r->rows[0][4].text, "data/purchases.csv");
  EXPECT_EQ(r->rows[0][5].integer, 2);  // header is row 1
  auto cat = Catalog::Load(**db);
  ASSERT_TRUE(cat.ok());
  ASSERT_EQ((*cat)->tables().size(), 1u);
  const auto& t = (*cat)->tables()[0];
  EXPECT_EQ(t.description, "Material purchases");
  EXPECT_EQ(t.columns[t.Find("amount")].currency, "CNY");
  EXPECT_EQ(t.columns[t.Find("quantity")].unit_column, "unit");
  EXPECT_EQ(t.columns[t.Find("date")].type, "date");
  EXPECT_EQ(t.columns[t.Find("material")].values.size(), 4u);
}

TEST_F(TableTest, ReingestReplacesTheFilesTables) {
  Load(kPurchases);
  Load("date,material,quantity\n2026-01-01,cement,5\n");
  auto db = ReadOnlyDatabase::Open((dir_ / kTablesFile).string());
  ASSERT_TRUE(db.ok());
  auto r = (*db)->Run("SELECT COUNT(*) FROM purchases");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows[0][0].integer, 1);
  auto n = (*db)->Run("SELECT COUNT(*) FROM _gb_tables");
  EXPECT_EQ(n->rows[0][0].integer, 1);
  // Another file with the same stem gets its own name.
  Load("a,b\n1,2\n", "other/purchases.csv", "");
  auto cat = Catalog::Load(**ReadOnlyDatabase::Open((dir_ / kTablesFile).string()));
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ((*cat)->tables().size(), 2u);
}

TEST(TimeRanges, ResolvedAgainstTheReferenceDate) {
  Date today{2026, 10, 20};
  auto r = FindTimeRange("How much cement did we buy in the last three years?", today);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.from.Iso(), "2023-10-20");
  EXPECT_EQ(r.to.Iso(), "2026-10-20");
  EXPECT_EQ(FindTimeRange("过去三年我们买了多少水泥？", today).from.Iso(), "2023-10-20");
  EXPECT_EQ(FindTimeRange("近三年水泥采购量", today).from.Iso(), "2023-10-20");
  auto y = FindTimeRange("total spent in 2025", today);
  EXPECT_EQ(y.from.Iso(), "2025-01-01");
  EXPECT_EQ(y.to.Iso(), "2025-12-31");
  EXPECT_EQ(FindTimeRange("去年花了多少钱", today).from.Iso(), "2025-01-01");
  EXPECT_EQ(FindTimeRange("今年", today).from.Iso(), "2026-01-01");
  auto q = FindTimeRange("上个季度买了多少钢筋", today);
  EXPECT_EQ(q.from.Iso(), "2026-07-01");
  EXPECT_EQ(q.to.Iso(), "2026-09-30");
  auto m = FindTimeRange("spent last month", today);
  EXPECT_EQ(m.from.Iso(), "2026-09-01");
  EXPECT_EQ(m.to.Iso(), "2026-09-30");
  EXPECT_EQ(FindTimeRange("since March", today).from.Iso(), "2026-03-01");
  EXPECT_EQ(FindTimeRange("since November", today).from.Iso(), "2025-11-01");
  EXPECT_FALSE(FindTimeRange("how much cement", today).found);
}

TEST(TimeRanges, HalvesAndQuartersOfAYear) {
  Date today{2026, 10, 20};
  for (auto [q, from, to] : {std::tuple{"How many purchases in the first half of 2025?", "2025-01-01", "2025-06-30"},
                             std::tuple{"spent in H2 2024", "2024-07-01", "2024-12-31"},
                             std::tuple{"spent in Q4 2025", "2025-10-01", "2025-12-31"},
                             std::tuple{"spent in the third quarter of 2023", "2023-07-01", "2023-09-30"},
                             std::tuple{"2024年上半年采购了多少次？", "2024-01-01", "2024-06-30"},
                             std::tuple{"2024年下半年", "2024-07-01", "2024-12-31"},
                             std::tuple{"2025年第四季度花了多少钱？", "2025-10-01", "2025-12-31"},
                             std::tuple{"2025年第2季度", "2025-04-01", "2025-06-30"}}) {
    auto r = FindTimeRange(q, today);
    ASSERT_TRUE(r.found) << q;
    EXPECT_EQ(r.from.Iso(), from) << q;
    EXPECT_EQ(r.to.Iso(), to) << q;
  }
  EXPECT_EQ(FindTimeRange("spent in 2025", today).to.Iso(), "2025-12-31");  // a year alone stays the whole year
}

TEST_F(TableTest, CementQuestionEnglishAndChinese) {
  Load(kPurchases);
  for (const char* q : {"How much cement did we buy in the last three years?", "过去三年我们买了多少水泥？"}) {
    TableAnswer a = Ask(q);
    ASSERT_EQ(a.status, "answered") << q << " " << a.answer;
    EXPECT_NE(a.sql.find("\"material\" = 'cement'"), std::string::npos) << a.sql;
    EXPECT_NE(a.sql.find("BETWEEN '2023-10-20' AND '2026-10-20'"), std::string::npos) << a.sql;
    ASSERT_EQ(a.rows.size(), 1u) << a.sql;
    EXPECT_EQ(a.rows[0][0].ToString(), "170");    // 100 + 50 + 20 tonnes
    EXPECT_EQ(a.rows[0][1].ToString(), "75100");  // 44000 + 22500 + 8600
    EXPECT_EQ(a.evidence_rows.size(), 3u);        // the rows behind the figure
    EXPECT_FALSE(a.explanation.empty());
  }
}

TEST_F(TableTest, AggregatesGroupsComparisons) {
  Load(kPurchases);
  TableAnswer a = Ask("How much did we spend on steel rebar in 2025?");
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_EQ(a.rows[0][0].ToString(), "207360") << a.sql;
  a = Ask("Which supplier did we buy the most cement from?");
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_EQ(a.rows[0][0].text, "Huaxin Cement") << a.sql;
  a = Ask("How many purchases over 40000?");
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_EQ(a.rows[0][0].integer, 3) << a.sql;
  a = Ask("average unit price of cement");
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_NEAR(a.rows[0][0].real, (438.0 + 440 + 450 + 430) / 4, 1e-9) << a.sql;
  a = Ask("total amount by supplier");
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_EQ(a.rows.size(), 5u) << a.sql;
  EXPECT_EQ(a.rows[0][0].text, "Eastline Steel") << a.sql;
  a = Ask("去年买了多少钢筋？");
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_EQ(a.rows[0][0].ToString(), "48") << a.sql;
}

// "How many deliveries": the word names the rows (a table synonym), so it counts them, although a numeric
// column's description ("money paid for the delivery") also holds it.
TEST_F(TableTest, HowManyOfTheTablesOwnWordCountsRows) {
  Load(kPurchases, "data/purchases.csv", R"({"description": "Material purchases", "synonyms": ["deliveries"],
    "columns": {"amount": {"description": "money paid for the delivery", "currency": "CNY"}}})");
  TableAnswer a = Ask("How many deliveries did Huaxin Cement make?");
  ASSERT_EQ(a.status, "answered") << a.answer;
  ASSERT_EQ(a.rows.size(), 1u) << a.sql;
  EXPECT_EQ(a.rows[0][0].ToString(), "3") << a.sql;
}

// 金额最高的三个供应商: "the three with the highest amount" is a top 3, as 前三 and "top 3" are.
TEST_F(TableTest, ChineseTopNAfterASuperlative) {
  Load(kPurchases);
  for (const char* q : {"采购金额最高的三个供应商", "采购金额最高的3家供应商", "采购金额前三的供应商"}) {
    TableAnswer a = Ask(q);
    ASSERT_EQ(a.status, "answered") << q << " " << a.answer;
    ASSERT_EQ(a.rows.size(), 3u) << q << " " << a.sql;
    EXPECT_EQ(a.rows[0][0].text, "Eastline Steel") << q << " " << a.sql;
    EXPECT_EQ(a.rows[1][0].text, "Huaxin Cement") << q << " " << a.sql;  // 67014 + 44000 + 8600
  }
}

// 是多少 asks for the figure ("what is"), not for a total: with a superlative it is MIN/MAX, as in English.
TEST_F(TableTest, ChineseSuperlativeOfANamedColumnIsMinOrMax) {
  Load(kPurchases);
  for (auto [q, want] : {std::pair{"水泥的最低单价是多少？", "430"}, std::pair{"水泥的最高单价是多少？", "450"},
                         std::pair{"What is the lowest unit price of cement?", "430"}}) {
    TableAnswer a = Ask(q);
    ASSERT_EQ(a.status, "answered") << q << " " << a.answer;
    ASSERT_EQ(a.rows.size(), 1u) << a.sql;
    EXPECT_EQ(a.rows[0][0].ToString(), want) << q << " " << a.sql;
  }
  TableAnswer a = Ask("水泥一共花了多少钱？");  // a total stays a total
  ASSERT_EQ(a.status, "answered") << a.answer;
  EXPECT_EQ(a.rows[0][0].ToString(), "142114") << a.sql;
}

TEST_F(TableTest, UnanswerableAndAskBack) {
  Load(kPurchases);
  TableAnswer a = Ask("What is the weather in Paris?");
  EXPECT_EQ(a.status, "unanswerable") << a.sql;
  EXPECT_NE(a.answer.find("the data has no"), std::string::npos);
  // Two tables that both hold cement purchases: asked back, with both ranked.
  Load("date,material,quantity,supplier\n2026-01-01,cement,5,X\n", "data/orders.csv", "");
  a = Ask("how much cement quantity");
  EXPECT_EQ(a.status, "ask_back") << a.sql;
  EXPECT_GE(a.alternatives.size(), 2u);
}

TEST_F(TableTest, GuardReadsOnlyTheAllowedTables) {
  Load(kPurchases);
  auto db = ReadOnlyDatabase::Open((dir_ / kTablesFile).string());
  ASSERT_TRUE(db.ok());
  QueryLimits limits;
  limits.tables = {"purchases"};
  auto r = (*db)->Run("SELECT SUM(amount) FROM Purchases WHERE material = 'cement'", limits);
  ASSERT_TRUE(r.ok()) << r.status().message();
  r = (*db)->Run("SELECT name FROM sqlite_master", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("sqlite_master"), std::string::npos) << r.status().message();
  r = (*db)->Run("SELECT name FROM sqlite_master");  // no allow-list: any table may be read
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST_F(TableTest, GuardRefusesHostileSql) {
  Load(kPurchases);
  auto db = ReadOnlyDatabase::Open((dir_ / kTablesFile).string());
  ASSERT_TRUE(db.ok());
  auto r = (*db)->Run("SELECT 1; DROP TABLE purchases");
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied) << r.status().message();
  r = (*db)->Run("DROP TABLE purchases");
  EXPECT_FALSE(r.ok());
  r = (*db)->Run("ATTACH DATABASE '/tmp/x.db' AS x");
  EXPECT_FALSE(r.ok());
  r = (*db)->Run("PRAGMA table_info(purchases)");
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  r = (*db)->Run("SELECT load_extension('/tmp/evil.so')");
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  r = (*db)->Run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c");
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  QueryLimits limits;
  limits.timeout_ms = 200;
  r = (*db)->Run("SELECT COUNT(*) FROM purchases a, purchases b, purchases c, purchases d, purchases e, purchases f, "
                 "purchases g, purchases h, purchases i, purchases j, purchases k, purchases l", limits);
  EXPECT_EQ(r.status().code(), Status::Code::kDeadlineExceeded) << r.status().message();
  limits.max_rows = 2;
  r = (*db)->Run("SELECT * FROM purchases", limits);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.size(), 2u);
  EXPECT_TRUE(r->truncated);
  // The data is still there.
  r = (*db)->Run("SELECT COUNT(*) FROM purchases");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows[0][0].integer, 7);
  // A question carrying SQL is treated as words: no statement runs but the generated one.
  TableAnswer a = Ask("how much cement; DROP TABLE purchases");
  EXPECT_EQ(a.sql.find("DROP"), std::string::npos);
  r = (*db)->Run("SELECT COUNT(*) FROM purchases");
  EXPECT_EQ(r->rows[0][0].integer, 7);
}

TEST_F(TableTest, AnySqliteDatabaseWithForeignKeys) {
  std::string path = (dir_ / "geo.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db,
               "CREATE TABLE state(state_name text, population int, area double, capital text);"
               "INSERT INTO state VALUES('texas', 14229000, 266807, 'austin'), ('ohio', 10798000, 41330, 'columbus'),"
               "('alaska', 401800, 591004, 'juneau');"
               "CREATE TABLE city(city_name text, population int, state_name text);"
               "INSERT INTO city VALUES('houston', 1595138, 'texas'), ('dallas', 904078, 'texas'), ('columbus', 564871, 'ohio');",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  AnswerOptions o;
  o.allow_ask_back = false;
  auto a = AnswerQuestion(path, "what is the capital of texas", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->rows.size(), 1u) << a->sql;
  EXPECT_EQ(a->rows[0][0].text, "austin") << a->sql;
  a = AnswerQuestion(path, "what is the biggest city in texas", o);
  ASSERT_TRUE(a.ok());
  ASSERT_FALSE(a->rows.empty()) << a->sql;
  EXPECT_EQ(a->rows[0][0].text, "houston") << a->sql;
  a = AnswerQuestion(path, "what is the largest state", o);
  ASSERT_TRUE(a.ok());
  ASSERT_FALSE(a->rows.empty()) << a->sql;
  EXPECT_EQ(a->rows[0][0].text, "alaska") << a->sql;
}


// Joins and nested queries over a small generic schema: employee.dept joins department.dept_name only by value
// overlap (different names), project.owner joins employee.emp_name the same way.
class JoinTest : public TableTest {
 protected:
  std::string Make() {
    std::string path = (dir_ / "company.sqlite").string();
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db,
                 "CREATE TABLE department(dept_name text, budget int, city text);"
                 "INSERT INTO department VALUES('sales', 500, 'boston'), ('research', 900, 'denver'),"
                 "('support', 900, 'boston'), ('legal', 100, 'austin');"
                 "CREATE TABLE employee(emp_name text, salary int, dept text);"
                 "INSERT INTO employee VALUES('ann', 70, 'sales'), ('bob', 50, 'sales'), ('cyd', 90, 'research'),"
                 "('dee', 60, 'support'), ('eve', 80, 'research'), ('fay', 40, 'sales');",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return path;
  }
  TableAnswer Run(const std::string& path, const std::string& q) {
    AnswerOptions o;
    o.allow_ask_back = false;
    auto a = AnswerQuestion(path, q, o);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : TableAnswer{};
  }
  static std::multiset<std::string> Texts(const TableAnswer& a) {
    std::multiset<std::string> out;
    for (auto& r : a.rows) out.insert(r.empty() ? "" : r[0].ToString());
    return out;
  }
  static std::string Trace(const TableAnswer& a) {
    std::string s = a.sql;
    for (auto& e : a.explanation) s += "\n" + e;
    return s;
  }
};

TEST_F(JoinTest, SuperlativeReturnsEveryTiedEntityThroughANestedQuery) {
  std::string path = Make();
  TableAnswer a = Run(path, "which department has the largest budget");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"research", "support"})) << Trace(a);
  EXPECT_NE(a.sql.find("(SELECT MAX("), std::string::npos) << a.sql;
  a = Run(path, "what department has the smallest budget");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"legal"})) << Trace(a);
}

TEST_F(JoinTest, NestedClauseIsJoinedByInferredKey) {
  std::string path = Make();
  // employee.dept IN (the departments with the largest budget), joined by value overlap.
  TableAnswer a = Run(path, "which employees work in the department with the largest budget");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"cyd", "dee", "eve"})) << Trace(a);
  std::string trace = Trace(a);
  EXPECT_NE(trace.find("nested"), std::string::npos) << trace;
  EXPECT_NE(trace.find("employee.dept = department.dept_name"), std::string::npos) << trace;
  // The same table: a column of the entity the clause picks.
  a = Run(path, "what is the city of the department with the smallest budget");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"austin"})) << Trace(a);
}

TEST_F(JoinTest, CountAcrossAJoinAndWhichHasMost) {
  std::string path = Make();
  // 'boston' is a value of department.city only: employees are counted through the join.
  TableAnswer a = Run(path, "how many employees are in boston");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_EQ(a.rows[0][0].integer, 4) << Trace(a);
  EXPECT_NE(Trace(a).find("join employee.dept = department.dept_name"), std::string::npos) << Trace(a);
  a = Run(path, "which department has the most employees");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"sales"})) << Trace(a);
  a = Run(path, "which department has the fewest employees");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"support"})) << Trace(a);
}

TEST_F(JoinTest, Negation) {
  std::string path = Make();
  TableAnswer a = Run(path, "which employees are not in sales");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"cyd", "dee", "eve"})) << Trace(a);
  a = Run(path, "which departments have no employees");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"legal"})) << Trace(a);
}

// Entities: a table's entity column (its name holds the table's name), values that are both an entity name and
// another column's value, and nouns that name another table. A small schema of towns, provinces and canals.
class EntityTest : public JoinTest {
 protected:
  std::string MakeEntities() {
    std::string path = (dir_ / "places.sqlite").string();
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db,
                 "CREATE TABLE province(province_name text, population int, area real, capital text);"
                 "INSERT INTO province VALUES('york', 500, 30.0, 'ashby'), ('kent', 800, 20.0, 'dover'),"
                 "('essex', 300, 50.0, 'colne');"
                 "CREATE TABLE town(town_name text, population int, nation text, province text);"
                 "INSERT INTO town VALUES('ashby', 100, 'xland', 'york'), ('york', 250, 'xland', 'york'),"
                 "('lakeside', 40, 'xland', 'kent'), ('dover', 300, 'xland', 'kent'), ('colne', 90, 'xland', 'essex'),"
                 "('york', 20, 'xland', 'essex');"
                 "CREATE TABLE canal(canal_name text, length int, crosses text);"
                 "INSERT INTO canal VALUES('york', 120, 'york'), ('york', 120, 'kent'), ('grand', 300, 'essex'),"
                 "('grand', 300, 'kent');",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return path;
  }
};

TEST_F(EntityTest, ValueInTheEntityColumnAndElsewhere) {
  std::string path = MakeEntities();
  // 'york' is a town and a province: the question asks for towns, so 'in york' filters the province column.
  TableAnswer a = Run(path, "what is the most populous town in york");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"york"})) << Trace(a);
  EXPECT_NE(a.sql.find("\"province\" = 'york'"), std::string::npos) << Trace(a);
  // 'ashby' is a town's name and a province's capital: the town (its entity column) wins the tie.
  a = Run(path, "what is the population of ashby");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_EQ(a.rows[0][0].integer, 100) << Trace(a);
}

TEST_F(EntityTest, EntityNameQualifiedByAnotherValue) {
  std::string path = MakeEntities();
  // 'colne essex': the town colne (entity) in the province essex, not the province essex whose capital is colne.
  TableAnswer a = Run(path, "what is the population of colne essex");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_EQ(a.rows[0][0].integer, 90) << Trace(a);
  EXPECT_EQ(a.table, "town") << Trace(a);
}

TEST_F(EntityTest, DefaultAnswerSkipsSingleValuedColumns) {
  std::string path = MakeEntities();
  // The entity column is the filter; 'nation' has one value everywhere, so the province is the answer.
  TableAnswer a = Run(path, "where is lakeside");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"kent"})) << Trace(a);
}

TEST_F(EntityTest, RankingTheTablesOwnEntityIsNotAGroup) {
  std::string path = MakeEntities();
  TableAnswer a = Run(path, "what town has the largest population");
  EXPECT_EQ(a.columns.size(), 1u) << Trace(a);
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"dover"})) << Trace(a);
  EXPECT_EQ(a.sql.find("GROUP BY"), std::string::npos) << Trace(a);
}

TEST_F(EntityTest, HeadNounMeasureDistinctAndCombined) {
  std::string path = MakeEntities();
  // 'population area' is no phrase of this schema, but two measures side by side name the last one.
  TableAnswer a = Run(path, "what is the population area of kent");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_DOUBLE_EQ(a.rows[0][0].kind == Value::Kind::kReal ? a.rows[0][0].real : a.rows[0][0].integer, 20.0) << Trace(a);
  // The york canal is listed once per province it crosses: its length once.
  a = Run(path, "what is the length of the york canal");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_EQ(a.rows[0][0].integer, 120) << Trace(a);
  // 'combined' asks for a sum.
  a = Run(path, "what is the combined population of all provinces");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_EQ(a.rows[0][0].kind == Value::Kind::kReal ? static_cast<int64_t>(a.rows[0][0].real) : a.rows[0][0].integer, 1600)
      << Trace(a);
}

TEST_F(EntityTest, HowAdjectiveAsksForTheMeasure) {
  std::string path = (dir_ / "relief.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db,
               "CREATE TABLE relief(region text, highest_point text, highest_elevation text, lowest_elevation text);"
               "INSERT INTO relief VALUES('york', 'fell top', '950', '0'), ('kent', 'hill end', '250', '-2');",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  // 'highest point' names a text column; 'how high' asks for the elevation.
  TableAnswer a = Run(path, "how high is the highest point in york");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"950"})) << Trace(a);
}

TEST_F(EntityTest, NounOfAnotherTableAsksForTheJoiningColumn) {
  std::string path = MakeEntities();
  // 'york canal' names a canal; 'provinces' asks for the canal's column that joins province names.
  TableAnswer a = Run(path, "which provinces does the york canal cross");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"york", "kent"})) << Trace(a);
  EXPECT_EQ(a.table, "canal") << Trace(a);
  // The same through a superlative: the province(s) of the longest canal.
  a = Run(path, "which province has the longest canal");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"essex", "kent"})) << Trace(a);
}

// Large columns (more distinct values than a dictionary holds), the <table>_id = id join and counting.
class LargeTest : public JoinTest {
 protected:
  std::string MakeShops() {
    std::string path = (dir_ / "shops.sqlite").string();
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string n = std::to_string(kMaxDictionary + 200);
    sqlite3_exec(db,
                 ("CREATE TABLE shop(id int, name text, kind text, town text);"
                  "CREATE TABLE address(shop_id int, number int, street text, town text);"
                  "CREATE TABLE town(town_name text, region text);"
                  "INSERT INTO town VALUES('york', 'north'), ('kent', 'south');"
                  "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " + n + ") "
                  "INSERT INTO shop SELECT i, 'shop ' || i, CASE WHEN i % 3 = 0 THEN 'bakery' ELSE 'cafe' END,"
                  " CASE WHEN i % 2 = 0 THEN 'york' ELSE 'kent' END FROM k;"
                  "INSERT INTO address SELECT id, id * 10, 'street ' || id, town FROM shop;").c_str(),
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return path;
  }
};

TEST_F(LargeTest, ValuesOfLargeColumnsAreLookedUpAndJoinedById) {
  std::string path = MakeShops();
  // 'street 6' is in address.street, too large for the catalog's dictionary: looked up, then joined on
  // address.shop_id = shop.id.
  TableAnswer a = Run(path, "what is the town of the bakery on street 6");
  EXPECT_EQ(Texts(a), (std::multiset<std::string>{"york"})) << Trace(a);
  EXPECT_NE(Trace(a).find("'street 6' → address.street = 'street 6' (value (looked up)"), std::string::npos) << Trace(a);
  EXPECT_NE(Trace(a).find("address.shop_id = shop.id (inferred: <table>_id = id)"), std::string::npos) << Trace(a);
  // Shop 7 is a cafe: joined by id, no row (joined by town, every york bakery would match).
  a = Run(path, "what is the town of the bakery on street 7");
  EXPECT_EQ(a.status, "answered") << Trace(a);
  EXPECT_TRUE(a.rows.empty()) << Trace(a);
}

TEST_F(LargeTest, HowManyCountsTheTableOfTheValueAfterIt) {
  std::string path = MakeShops();
  // 'bakery' (shop.kind) and 'north' (town.region) tie between the tables; 'how many bakery' counts shops.
  TableAnswer a = Run(path, "how many bakery are there in the north");
  ASSERT_EQ(a.rows.size(), 1u) << Trace(a);
  EXPECT_EQ(a.rows[0][0].integer, (kMaxDictionary + 200) / 6) << Trace(a);
  EXPECT_EQ(a.table, "shop") << Trace(a);
}

TEST_F(JoinTest, RetrieveRanksAWholeSynonymPhraseAboveScatteredWords) {
  std::string path = (dir_ / "shards.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // Catalog tables as the table store writes them: two shards with a synonym each, one with a 'east' value.
  sqlite3_exec(db,
               "CREATE TABLE _gb_tables(name TEXT PRIMARY KEY, source TEXT NOT NULL, sheet TEXT, description TEXT, "
               "synonyms TEXT, row_count INTEGER);"
               "CREATE TABLE _gb_columns(table_name TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, "
               "header TEXT, type TEXT NOT NULL, unit TEXT, currency TEXT, unit_column TEXT, description TEXT, "
               "synonyms TEXT, PRIMARY KEY(table_name, position));"
               "CREATE TABLE _gb_values(table_name TEXT NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL, synonym TEXT NOT NULL);"
               "CREATE TABLE sales_orders_east(region text, route text, amount real);"
               "INSERT INTO sales_orders_east VALUES('east', 'r1', 1);"
               "CREATE TABLE support_assets_east(region text, route text, amount real);"
               "INSERT INTO support_assets_east VALUES('east', 'r2', 2);"
               "INSERT INTO _gb_tables VALUES('sales_orders_east', 's.csv', '', '', '[\"selling bookings east\"]', 1),"
               "('support_assets_east', 'a.csv', '', '', '[\"helpdesk equipment east\"]', 1);"
               "INSERT INTO _gb_columns VALUES('sales_orders_east', 0, 'region', 'region', 'text', '', '', '', '', '[]'),"
               "('sales_orders_east', 1, 'route', 'route', 'text', '', '', '', '', '[\"lane\"]'),"
               "('sales_orders_east', 2, 'amount', 'amount', 'real', '', '', '', '', '[]'),"
               "('support_assets_east', 0, 'region', 'region', 'text', '', '', '', '', '[]'),"
               "('support_assets_east', 1, 'route', 'route', 'text', '', '', '', '', '[\"lane\"]'),"
               "('support_assets_east', 2, 'amount', 'amount', 'real', '', '', '', '', '[]');",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto ro = ReadOnlyDatabase::Open(path);
  ASSERT_TRUE(ro.ok());
  auto cat = Catalog::Load(**ro);
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  auto r = (*cat)->Retrieve("show the lane of helpdesk equipment in the east", 2);
  ASSERT_FALSE(r.tables.empty());
  EXPECT_EQ((*cat)->tables()[r.tables[0].table].name, "support_assets_east") << r.tables[0].why;
  ASSERT_FALSE(r.columns.empty());
  EXPECT_EQ((*cat)->tables()[r.columns[0].table].name, "support_assets_east");
  EXPECT_EQ((*cat)->tables()[r.columns[0].table].columns[r.columns[0].column].name, "route") << r.columns[0].why;
  // One word of a synonym alone still points at its table.
  r = (*cat)->Retrieve("helpdesk amount", 1);
  ASSERT_FALSE(r.tables.empty());
  EXPECT_EQ((*cat)->tables()[r.tables[0].table].name, "support_assets_east") << r.tables[0].why;
}

}  // namespace
}  // namespace glassbox::table
