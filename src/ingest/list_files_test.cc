#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

namespace fs = std::filesystem;

class ListFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("gb_list_test_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    for (const char* f : {"b.md", "a.txt", "notes.gif", "data/x.csv", "data/y.jsonl", "data/deep/z.json",
                          "drafts/d.md", ".hidden.md", ".git/config.md", "data/.cache/c.txt"}) {
      fs::create_directories((root_ / f).parent_path());
      std::ofstream(root_ / f) << "x";
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> Rel(const std::vector<ListedFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(fs::path(f.path).lexically_relative(root_).generic_string());
    return out;
  }
  std::vector<std::string> List(std::vector<std::string> include = {}, std::vector<std::string> exclude = {}) {
    errors_.clear();
    auto files = ListFiles({root_.string()}, include, exclude, &errors_, &skipped_);
    for (const auto& f : files) EXPECT_FALSE(f.named) << f.path;
    return Rel(files);
  }

  fs::path root_;
  std::vector<IngestError> errors_;
  size_t skipped_ = 0;
};

TEST_F(ListFilesTest, WalksSortedSkippingHiddenAndUnsupported) {
  EXPECT_EQ(List(), (std::vector<std::string>{"a.txt", "b.md", "data/deep/z.json", "data/x.csv", "data/y.jsonl",
                                              "drafts/d.md"}));
  EXPECT_TRUE(errors_.empty());
  EXPECT_EQ(skipped_, 1u);  // notes.gif; hidden files are not counted
}

TEST_F(ListFilesTest, FilesWithoutExtensionAreListedForTheirContent) {
  std::ofstream(root_ / "README") << "x";
  std::ofstream(root_ / "tool.py") << "x";
  EXPECT_EQ(List({"README", "tool.py"}), (std::vector<std::string>{"README"}));
  EXPECT_EQ(skipped_, 1u);  // tool.py: an extension no reader takes
}

TEST_F(ListFilesTest, IncludeAndExclude) {
  EXPECT_EQ(List({"*.md"}), (std::vector<std::string>{"b.md", "drafts/d.md"}));
  EXPECT_EQ(List({"data/**"}, {"*.csv"}), (std::vector<std::string>{"data/deep/z.json", "data/y.jsonl"}));
  EXPECT_EQ(List({}, {"drafts", "data/deep/**"}),
            (std::vector<std::string>{"a.txt", "b.md", "data/x.csv", "data/y.jsonl"}));
  EXPECT_EQ(List({"[ab].*"}), (std::vector<std::string>{"a.txt", "b.md"}));
  EXPECT_TRUE(errors_.empty());
}

TEST_F(ListFilesTest, IncludedUnsupportedTypeIsSkippedAndCounted) {
  EXPECT_EQ(List({"*.gif", "a.txt"}), (std::vector<std::string>{"a.txt"}));
  EXPECT_TRUE(errors_.empty());
  EXPECT_EQ(skipped_, 1u);
}

TEST_F(ListFilesTest, FilesAndMissingPaths) {
  std::vector<IngestError> errors;
  size_t skipped = 0;
  auto files = ListFiles({(root_ / "b.md").string(), (root_ / "missing").string(), (root_ / "a.txt").string(),
                          (root_ / "b.md").string(), (root_ / "notes.gif").string(), root_.string()},
                         {}, {}, &errors, &skipped);
  // Named files are listed whatever their type (reading them says whether a
  // reader takes them); a file both named and walked counts as named.
  EXPECT_EQ(Rel(files), (std::vector<std::string>{"a.txt", "b.md", "data/deep/z.json", "data/x.csv", "data/y.jsonl",
                                                  "drafts/d.md", "notes.gif"}));
  for (const auto& f : files) {
    std::string rel = Rel({f})[0];
    EXPECT_EQ(f.named, rel == "a.txt" || rel == "b.md" || rel == "notes.gif") << rel;
  }
  EXPECT_EQ(skipped, 0u);  // the walk skipped notes.gif, but it was named: it is read
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, (root_ / "missing").string());
  EXPECT_EQ(errors[0].message, "no such file or folder");
}

}  // namespace
}  // namespace glassbox::ingest
