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
    for (const char* f : {"b.md", "a.txt", "notes.pdf", "data/x.csv", "data/y.jsonl", "data/deep/z.json",
                          "drafts/d.md", ".hidden.md", ".git/config.md", "data/.cache/c.txt"}) {
      fs::create_directories((root_ / f).parent_path());
      std::ofstream(root_ / f) << "x";
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> Rel(const std::vector<std::string>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(fs::path(f).lexically_relative(root_).generic_string());
    return out;
  }
  std::vector<std::string> List(std::vector<std::string> include = {}, std::vector<std::string> exclude = {}) {
    errors_.clear();
    return Rel(ListFiles({root_.string()}, include, exclude, &errors_));
  }

  fs::path root_;
  std::vector<IngestError> errors_;
};

TEST_F(ListFilesTest, WalksSortedSkippingHiddenAndUnsupported) {
  EXPECT_EQ(List(), (std::vector<std::string>{"a.txt", "b.md", "data/deep/z.json", "data/x.csv", "data/y.jsonl",
                                              "drafts/d.md"}));
  EXPECT_TRUE(errors_.empty());
}

TEST_F(ListFilesTest, IncludeAndExclude) {
  EXPECT_EQ(List({"*.md"}), (std::vector<std::string>{"b.md", "drafts/d.md"}));
  EXPECT_EQ(List({"data/**"}, {"*.csv"}), (std::vector<std::string>{"data/deep/z.json", "data/y.jsonl"}));
  EXPECT_EQ(List({}, {"drafts", "data/deep/**"}),
            (std::vector<std::string>{"a.txt", "b.md", "data/x.csv", "data/y.jsonl"}));
  EXPECT_EQ(List({"[ab].*"}), (std::vector<std::string>{"a.txt", "b.md"}));
  EXPECT_TRUE(errors_.empty());
}

TEST_F(ListFilesTest, IncludedUnsupportedFormatIsAnError) {
  EXPECT_EQ(List({"*.pdf", "a.txt"}), (std::vector<std::string>{"a.txt"}));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].path, (root_ / "notes.pdf").string());
  EXPECT_EQ(errors_[0].message, "unsupported format");
}

TEST_F(ListFilesTest, FilesAndMissingPaths) {
  std::vector<IngestError> errors;
  auto files = ListFiles({(root_ / "b.md").string(), (root_ / "missing").string(), (root_ / "a.txt").string(),
                          (root_ / "b.md").string()},
                         {}, {}, &errors);
  EXPECT_EQ(Rel(files), (std::vector<std::string>{"a.txt", "b.md"}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, (root_ / "missing").string());
  EXPECT_EQ(errors[0].message, "no such file or folder");
}

}  // namespace
}  // namespace glassbox::ingest
