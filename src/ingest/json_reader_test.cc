#include <gtest/gtest.h>

#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

Result<std::vector<SourceDocument>> Read(std::string_view data, const std::string& format, ReaderOptions o = {}) {
  return ReadBuffer(data, format, "c.json", o);
}

std::vector<std::pair<std::string, std::string>> MetaTexts(const SourceDocument& d) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : d.metadata) out.emplace_back(k, v.text);
  return out;
}

TEST(JsonLinesReaderTest, MapsKeys) {
  auto r = Read(
      "{\"_id\": \"a\", \"title\": \"Leave\", \"text\": \"Annual leave.\", \"body\": \"More.\", \"year\": 2024, "
      "\"published\": \"2024-05-01\", \"dept\": \"HR\", \"draft\": false, \"none\": null}\n"
      "\n"
      "{\"id\": 7, \"content\": \"Seven\"}\n"
      "{\"text\": \"no id\"}\n",
      "jsonl");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  const auto& a = r.value()[0];
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.title, "Leave");
  EXPECT_EQ(a.body, "Annual leave.\n\nMore.");
  ASSERT_EQ(a.metadata.size(), 4u);
  EXPECT_EQ(a.metadata[0].first, "year");
  EXPECT_EQ(a.metadata[0].second.type, MetadataValue::Type::kNumber);
  EXPECT_EQ(a.metadata[0].second.number, 2024);
  EXPECT_EQ(a.metadata[1].second.type, MetadataValue::Type::kDate);
  EXPECT_EQ(a.metadata[2].second.type, MetadataValue::Type::kKeyword);
  EXPECT_EQ(a.metadata[3].second.text, "false");
  EXPECT_EQ(r.value()[1].id, "7");
  EXPECT_EQ(r.value()[1].body, "Seven");
  EXPECT_EQ(r.value()[2].id, "c.json:4");
}

TEST(JsonLinesReaderTest, AccessControlFieldsFailClosed) {
  for (const char* bad : {"{\"id\":\"a\",\"acl_users\":[]}", "{\"id\":\"a\",\"acl_groups\":[1001]}",
                          "{\"id\":\"a\",\"acl_users\":\"\"}", "{\"id\":\"a\",\"acl_users\":null}",
                          "{\"id\":\"a\",\"acl_users\":true}"}) {
    auto r = ReadBuffer(bad, "jsonl", "d.jsonl", {});
    EXPECT_FALSE(r.ok()) << bad;
  }
  auto r = ReadBuffer("{\"id\":\"a\",\"acl_users\":\"2024-01-01\",\"acl_groups\":[\"eng\",\"ops\"]}", "jsonl", "d.jsonl", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  size_t groups = 0;
  for (const auto& [k, v] : r.value()[0].metadata) {
    if (k == "acl_users") EXPECT_EQ(v.type, MetadataValue::Type::kKeyword);
    if (k == "acl_groups") ++groups;
  }
  EXPECT_EQ(groups, 2u);
}

TEST(JsonLinesReaderTest, NestedValues) {
  auto r = Read(R"({"id":"x","author":{"name":"Ann","org":{"unit":"HR"}},"tags":["a","b",{"skip":1},[1]],"body":["p1","p2"]})",
                "jsonl");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& d = r.value()[0];
  EXPECT_EQ(d.body, "p1\n\np2");
  std::vector<std::pair<std::string, std::string>> want = {
      {"author.name", "Ann"}, {"author.org.unit", "HR"}, {"tags", "a"}, {"tags", "b"}};
  EXPECT_EQ(MetaTexts(d), want);
}

TEST(JsonLinesReaderTest, Errors) {
  auto msg = [](std::string_view data) {
    auto r = Read(data, "jsonl");
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  std::string m = msg("{\"id\":1}\n\n{\"id\": 2, \"x\": tru}\n");
  EXPECT_EQ(m.rfind("line 3: JSON parse error at byte ", 0), 0u) << m;
  EXPECT_EQ(msg("{\"id\":1}\n[1,2]\n"), "line 2: expected a JSON object, found array");
  EXPECT_EQ(msg("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"a\"}\n"), "line 3: duplicate id 'a' (first on line 1)");
  EXPECT_EQ(msg(std::string_view("{\"id\":1}\n{\"id\":2}\0x\n", 20)),
            "line 2: JSON parse error at byte 9: NUL character");
  EXPECT_EQ(msg("{\"id\":[1]}\n"), "line 1: id \"id\" must be a string or a number");
  EXPECT_EQ(msg("{\"id\":\"\"}\n"), "line 1: empty id \"id\"");
  // A number too large for a double (found by fuzzing: nlohmann throws out_of_range).
  m = msg("{\"id\":1}\n{\"n\": 1E999}\n");
  EXPECT_EQ(m, "line 2: JSON parse error at byte 11: number overflow parsing '1E999'") << m;
}

TEST(JsonReaderTest, ArrayOfObjectsWithLines) {
  auto r = Read("[\n  {\"text\": \"one\"},\n  {\"text\": \"two, [x] {y}\"\n  },\n\n  {\"text\": \"three\"}\n]\n", "json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(r.value()[0].id, "c.json:2");
  EXPECT_EQ(r.value()[1].id, "c.json:3");
  EXPECT_EQ(r.value()[2].id, "c.json:6");
  EXPECT_EQ(r.value()[1].body, "two, [x] {y}");
}

TEST(JsonReaderTest, SingleObject) {
  auto r = Read("\n{\"id\": \"only\", \"title\": 5}", "json");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r.value()[0].id, "only");
  EXPECT_EQ(r.value()[0].title, "5");
}

TEST(JsonReaderTest, Errors) {
  auto msg = [](std::string_view data) {
    auto r = Read(data, "json");
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  std::string m = msg("[\n {\"a\": 1},\n {\"a\": 2,}\n]");
  EXPECT_EQ(m.rfind("line 3: JSON parse error at byte 10: ", 0), 0u) << m;
  EXPECT_EQ(msg("[{\"id\":1},\n 2]"), "line 2: expected a JSON object, found number");
  EXPECT_EQ(msg("\"text\""), "line 1: expected an array of objects or an object, found string");
  EXPECT_EQ(msg("[{\"id\":1},\n{\"id\":1}]"), "line 2: duplicate id '1' (first on line 1)");
  EXPECT_EQ(msg("[\n 1e400]"), "line 2: JSON parse error at byte 6: number overflow parsing '1e400'");
  // Found by fuzzing: nlohmann stops at a NUL byte, which would drop the rest of the file.
  EXPECT_EQ(msg(std::string_view("[]\0{\"id\":1}", 12)), "line 1: JSON parse error at byte 3: NUL character");
  m = msg("[{\"id\":1}");
  EXPECT_EQ(m.rfind("line 1: JSON parse error", 0), 0u) << m;
}

TEST(JsonReaderTest, DeepNestingIsNotACrash) {
  std::string deep = "{\"id\":\"d\",\"m\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
  auto r = Read(deep, "json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r.value()[0].metadata.empty());
}

}  // namespace
}  // namespace glassbox::ingest
