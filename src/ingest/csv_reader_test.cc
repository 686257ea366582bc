#include <gtest/gtest.h>

#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

Result<std::vector<SourceDocument>> Csv(std::string_view data, ReaderOptions options = {}) {
  return ReadBuffer(data, "csv", "d.csv", options);
}

const MetadataValue* Meta(const SourceDocument& d, const std::string& key) {
  for (const auto& [k, v] : d.metadata)
    if (k == key) return &v;
  return nullptr;
}

TEST(CsvReaderTest, TypedColumnsAndBody) {
  auto r = Csv(
      "name,price,released,notes\n"
      "Widget,9.5,2023-01-02,\"Small, blue\"\n"
      "Gadget,12,2024-03-04T10:00:00Z,\"Says \"\"hi\"\"\nand more\"\n"
      "Gizmo,,,\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  const auto& w = r.value()[0];
  EXPECT_EQ(w.id, "d.csv:2");
  EXPECT_EQ(w.source, "d.csv");
  EXPECT_EQ(w.title, "Widget");
  EXPECT_EQ(w.body, "name: Widget\nnotes: Small, blue");
  ASSERT_NE(Meta(w, "price"), nullptr);
  EXPECT_EQ(Meta(w, "price")->type, MetadataValue::Type::kNumber);
  EXPECT_EQ(Meta(w, "price")->number, 9.5);
  EXPECT_EQ(Meta(w, "released")->type, MetadataValue::Type::kDate);
  EXPECT_EQ(Meta(w, "name")->type, MetadataValue::Type::kKeyword);
  EXPECT_EQ(Meta(w, "notes")->text, "Small, blue");

  const auto& g = r.value()[1];
  EXPECT_EQ(g.id, "d.csv:3");
  EXPECT_EQ(g.body, "name: Gadget\nnotes: Says \"hi\"\nand more");
  EXPECT_EQ(Meta(g, "price")->text, "12");

  const auto& z = r.value()[2];
  EXPECT_EQ(z.id, "d.csv:5");  // the previous record spans lines 3-4
  EXPECT_EQ(Meta(z, "price"), nullptr);  // empty cells give no metadata
}

TEST(CsvReaderTest, AccessControlColumnsHoldNamesAndFailClosed) {
  // Numbers and dates in acl columns stay names, and are not searchable text.
  auto r = Csv("title,acl_groups,acl_users\nPlan,1001,2024-01-01\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Meta(r.value()[0], "acl_groups")->type, MetadataValue::Type::kKeyword);
  EXPECT_EQ(Meta(r.value()[0], "acl_groups")->text, "1001");
  EXPECT_EQ(Meta(r.value()[0], "acl_users")->type, MetadataValue::Type::kKeyword);
  EXPECT_EQ(r.value()[0].body.find("1001"), std::string::npos) << r.value()[0].body;
  // An empty cell would make the row public: the file fails.
  auto bad = Csv("title,acl_groups\nPlan,eng\nOpen,\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().ToString();
}

TEST(CsvReaderTest, MixedColumnIsText) {
  auto r = Csv("code,when\n12,2020-01-01\nA7,soon\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Meta(r.value()[0], "code")->type, MetadataValue::Type::kKeyword);
  EXPECT_EQ(Meta(r.value()[0], "when")->type, MetadataValue::Type::kKeyword);
  EXPECT_EQ(r.value()[0].body, "code: 12\nwhen: 2020-01-01");
}

TEST(CsvReaderTest, CrlfAndBlankLinesAndNoFinalNewline) {
  auto r = Csv("a,b\r\nx,1\r\n\r\n\r\ny,2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r.value()[0].body, "a: x");
  EXPECT_EQ(r.value()[1].id, "d.csv:5");
  EXPECT_EQ(Meta(r.value()[1], "b")->number, 2);
}

TEST(CsvReaderTest, HeaderOnlyIsEmpty) {
  auto r = Csv("a,b\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(CsvReaderTest, OptionsChooseIdTitleAndTextColumns) {
  ReaderOptions o;
  o.csv_id_column = "sku";
  o.csv_text_columns = {"description", "missing"};
  auto r = Csv("sku,title,description,color\nA1,Lamp,A warm lamp,red\nB2,Desk,Oak desk,brown\n", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()[0].id, "A1");
  EXPECT_EQ(r.value()[0].title, "Lamp");  // the title_key column
  EXPECT_EQ(r.value()[0].body, "description: A warm lamp");
  EXPECT_EQ(Meta(r.value()[1], "color")->text, "brown");
}

TEST(CsvReaderTest, LongTitleIsCut) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "word ";
  auto r = Csv("text\n" + text + "\n");
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r.value()[0].title.size(), 121u);
  EXPECT_EQ(r.value()[0].title.substr(0, 10), "word word ");
  EXPECT_NE(r.value()[0].title.back(), ' ');
}

TEST(CsvReaderTest, Errors) {
  auto msg = [](std::string_view data, ReaderOptions o = {}) {
    auto r = Csv(data, o);
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  EXPECT_EQ(msg("a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n"), "line 5: expected 4 columns, found 3");
  EXPECT_EQ(msg("a,b\n1,2\n3,\"open\n\n\n"), "line 3: unterminated quoted field");
  EXPECT_EQ(msg("a,b\n1,\"x\"y\n"), "line 2: unexpected character after closing quote");
  EXPECT_EQ(msg("a,a\n1,2\n"), "line 1: duplicate column name 'a'");
  ReaderOptions o;
  o.csv_id_column = "id";
  EXPECT_EQ(msg("id,v\nx,1\ny,2\nx,3\n", o), "line 4: duplicate id 'x' (first on line 2)");
  EXPECT_EQ(msg("id,v\n ,1\n", o), "line 2: empty id in column 'id'");
}

TEST(CsvReaderTest, StrayQuoteInUnquotedFieldIsLiteral) {
  auto r = Csv("screen,n\n5\" wide,1\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()[0].body, "screen: 5\" wide");
}

TEST(CsvReaderTest, EmptyHeaderNamesAreNumbered) {
  auto r = Csv(",b\nx,y\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()[0].body, "column1: x\nb: y");
}

TEST(CsvReaderTest, FillsATableWithTypedColumns) {
  std::vector<Table> tables;
  auto r = ReadBuffer(
      "id,qty,price,day,name,mixed\n"
      "1,7,9.5,2024-01-02,Widget,3\n"
      "\n"
      "2,-3,12,2024-03-04,\"Gad\nget\",x\n"
      "3,,1e3,,,\n",
      "csv", "data/parts.csv", ReaderOptions{}, &tables);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 3u);  // the per-row documents are still there
  ASSERT_EQ(tables.size(), 1u);
  const Table& t = tables[0];
  EXPECT_EQ(t.name, "parts");
  EXPECT_EQ(t.source, "data/parts.csv");
  EXPECT_EQ(t.sheet, "");
  ASSERT_EQ(t.columns.size(), 6u);
  std::vector<std::string> types;
  for (const auto& c : t.columns) types.push_back(c.name + ":" + ColumnTypeName(c.type));
  EXPECT_EQ(types, (std::vector<std::string>{"id:integer", "qty:integer", "price:real", "day:date", "name:text",
                                             "mixed:text"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].row, 2u);
  EXPECT_EQ(t.rows[0].line, 2u);
  EXPECT_EQ(t.rows[1].row, 3u);   // the blank line is no row
  EXPECT_EQ(t.rows[1].line, 4u);
  EXPECT_EQ(t.rows[2].row, 4u);
  EXPECT_EQ(t.rows[2].line, 6u);  // the quoted field spans two lines
  const auto& row1 = t.rows[1].cells;
  EXPECT_EQ(row1[1].integer, -3);
  EXPECT_FALSE(row1[1].null);
  EXPECT_EQ(row1[2].real, 12.0);
  EXPECT_EQ(row1[3].real, 1709510400.0);  // 2024-03-04 UTC
  EXPECT_EQ(row1[3].text, "2024-03-04");
  EXPECT_EQ(row1[4].text, "Gad\nget");
  const auto& row2 = t.rows[2].cells;
  EXPECT_TRUE(row2[1].null);
  EXPECT_EQ(row2[2].real, 1000.0);
  EXPECT_TRUE(row2[5].null);
}

TEST(CsvReaderTest, HeaderOnlyFileIsAnEmptyTable) {
  std::vector<Table> tables;
  auto r = ReadBuffer("a,b\n", "csv", "d.csv", ReaderOptions{}, &tables);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].columns.size(), 2u);
  EXPECT_TRUE(tables[0].rows.empty());
}

}  // namespace
}  // namespace glassbox::ingest
