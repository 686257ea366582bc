// Format dispatch, UTF-8 validation, plain text and file reading.
#include "ingest/reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

std::vector<SourceDocument> MustRead(std::string_view data, const std::string& format, const std::string& name = "t") {
  auto r = ReadBuffer(data, format, name, ReaderOptions{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::vector<SourceDocument>{};
}

std::string MustFail(std::string_view data, const std::string& format) {
  auto r = ReadBuffer(data, format, "t", ReaderOptions{});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

TEST(ReaderForPathTest, ByExtension) {
  auto name_of = [](const std::string& path) {
    const Reader* r = ReaderRegistry::Default().ForPath(path);
    return r == nullptr ? std::string() : r->name;
  };
  EXPECT_EQ(name_of("a/b.txt"), "txt");
  EXPECT_EQ(name_of("a/b.MD"), "md");
  EXPECT_EQ(name_of("b.markdown"), "md");
  EXPECT_EQ(name_of("b.json"), "json");
  EXPECT_EQ(name_of("b.jsonl"), "jsonl");
  EXPECT_EQ(name_of("b.ndjson"), "jsonl");
  EXPECT_EQ(name_of("b.csv"), "csv");
  EXPECT_EQ(name_of("b.pdf"), "pdf");
  EXPECT_EQ(name_of("b.gif"), "");
  EXPECT_EQ(name_of("README"), "");
}

TEST(Utf8Test, FindsFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("plain"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("\xE5\x81\x87\xE6\x9C\x9F"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x98\x80"), std::string_view::npos);  // emoji
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);               // truncated
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);              // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);          // overlong
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);         // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);      // past U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xE5\x81"), 0u);
  EXPECT_EQ(FindInvalidUtf8("a\x80"), 1u);
}

TEST(ReadBufferTest, RejectsInvalidUtf8WithPosition) {
  std::string msg = MustFail("first line\nsecond \xE9t\xE9\n", "txt");
  EXPECT_EQ(msg.rfind("line 2: invalid UTF-8 at byte 18 (column 8)", 0), 0u) << msg;
  msg = MustFail("a,b\n1,\xFF\n", "csv");
  EXPECT_EQ(msg.rfind("line 2: invalid UTF-8", 0), 0u) << msg;
}

TEST(ReadBufferTest, EmptyInputsYieldNoDocuments) {
  for (const char* format : {"txt", "md", "json", "jsonl", "csv"}) {
    EXPECT_TRUE(MustRead("", format).empty()) << format;
    EXPECT_TRUE(MustRead(" \n\t\r\n", format).empty()) << format;
    EXPECT_TRUE(MustRead("\xEF\xBB\xBF", format).empty()) << format;
  }
}

TEST(ReadBufferTest, UnknownFormat) {
  auto r = ReadBuffer("x", "image/gif", "t", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(r.status().message(), "GIF images are not supported yet (no reader registered for image/gif)");
  r = ReadBuffer("x", "gif", "t", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "gif files are not supported (no reader registered for gif)");
}

TEST(TextReaderTest, TitleIsShortFirstLine) {
  auto docs = MustRead("\n\n  Leave policy  \n\nEmployees get 25 days.\n", "txt", "kb/leave.txt");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, "kb/leave.txt");
  EXPECT_EQ(docs[0].source, "kb/leave.txt");
  EXPECT_EQ(docs[0].title, "Leave policy");
  EXPECT_EQ(docs[0].body, "\n\n  Leave policy  \n\nEmployees get 25 days.\n");
}

TEST(TextReaderTest, LongFirstLineFallsBackToStem) {
  std::string text(200, 'x');
  auto docs = MustRead(text + "\nmore", "txt", "kb/notes.v2.txt");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].title, "notes.v2");
}

TEST(TextReaderTest, ByteOrderMarkIsDropped) {
  auto docs = MustRead("\xEF\xBB\xBFHello\n", "txt");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].body, "Hello\n");
  EXPECT_EQ(docs[0].title, "Hello");
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gb_reader_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& rel, const std::string& content) {
    auto p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::filesystem::path dir_;
};

using ReadFileTest = TempDir;

TEST_F(ReadFileTest, PrefixesErrorsWithThePath) {
  std::string path = Write("x.csv", "a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n");
  auto r = ReadFile(path, ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), path + ": line 5: expected 4 columns, found 3");
}

TEST_F(ReadFileTest, SetsSourceAndNormalizedIds) {
  std::string path = Write("sub/a.txt", "Title\n\nBody\n");
  std::string odd = (dir_ / "sub" / "." / "a.txt").string();
  auto r = ReadFile(odd, ReaderOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r.value()[0].source, odd);
  EXPECT_EQ(r.value()[0].id, path);
}

TEST_F(ReadFileTest, MissingAndUnsupported) {
  auto r = ReadFile((dir_ / "nope.txt").string(), ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  std::string pdf = Write("a.gif", "GIF89a");
  r = ReadFile(pdf, ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(r.status().message(),
            pdf + ": GIF images are not supported yet (no reader registered for image/gif)");
}

}  // namespace
}  // namespace glassbox::ingest
