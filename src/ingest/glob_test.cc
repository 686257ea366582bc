#include "ingest/glob.h"

#include <gtest/gtest.h>

namespace glassbox::ingest {
namespace {

TEST(GlobTest, LiteralAndStar) {
  EXPECT_TRUE(GlobMatch("a.md", "a.md"));
  EXPECT_FALSE(GlobMatch("a.md", "b.md"));
  EXPECT_TRUE(GlobMatch("*.md", "leave.md"));
  EXPECT_TRUE(GlobMatch("*.md", ".md"));
  EXPECT_FALSE(GlobMatch("*.md", "dir/leave.md"));  // * stays within a component
  EXPECT_TRUE(GlobMatch("dir/*.md", "dir/leave.md"));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_FALSE(GlobMatch("*", "a/b"));
  EXPECT_TRUE(GlobMatch("a*b*c", "a__b__c"));
  EXPECT_FALSE(GlobMatch("a*b*c", "a__b__"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

TEST(GlobTest, QuestionMarkMatchesOneCharacter) {
  EXPECT_TRUE(GlobMatch("?.md", "a.md"));
  EXPECT_FALSE(GlobMatch("?.md", "ab.md"));
  EXPECT_FALSE(GlobMatch("a?b", "a/b"));
  EXPECT_TRUE(GlobMatch("?.md", "\xE5\x81\x87.md"));  // one Chinese character, three bytes
  EXPECT_FALSE(GlobMatch("???.md", "\xE5\x81\x87.md"));
}

TEST(GlobTest, DoubleStarCrossesFolders) {
  EXPECT_TRUE(GlobMatch("**/*.md", "a/b/c.md"));
  EXPECT_TRUE(GlobMatch("**/*.md", "c.md"));  // zero folders
  EXPECT_TRUE(GlobMatch("a/**/c.md", "a/c.md"));
  EXPECT_TRUE(GlobMatch("a/**/c.md", "a/x/y/c.md"));
  EXPECT_FALSE(GlobMatch("a/**/c.md", "b/x/c.md"));
  EXPECT_TRUE(GlobMatch("drafts/**", "drafts/x/y.txt"));
  EXPECT_TRUE(GlobMatch("**", "a/b/c"));
  EXPECT_TRUE(GlobMatch("a**z", "a/b/z"));
}

TEST(GlobTest, BracketSets) {
  EXPECT_TRUE(GlobMatch("[abc].txt", "b.txt"));
  EXPECT_FALSE(GlobMatch("[abc].txt", "d.txt"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "cx"));
  EXPECT_FALSE(GlobMatch("[a-c]x", "dx"));
  EXPECT_TRUE(GlobMatch("[!a-c]x", "dx"));
  EXPECT_TRUE(GlobMatch("[^a-c]x", "dx"));
  EXPECT_FALSE(GlobMatch("[!a-c]x", "ax"));
  EXPECT_FALSE(GlobMatch("a[!x]b", "a/b"));
  EXPECT_TRUE(GlobMatch("[]]", "]"));
  EXPECT_TRUE(GlobMatch("[", "["));       // unclosed: literal
  EXPECT_TRUE(GlobMatch("a[b", "a[b"));
  EXPECT_TRUE(GlobMatch("x[\xE5\x81\x87\xE6\x9C\x9F]", "x\xE6\x9C\x9F"));
}

TEST(GlobTest, Escapes) {
  EXPECT_TRUE(GlobMatch("\\*.md", "*.md"));
  EXPECT_FALSE(GlobMatch("\\*.md", "a.md"));
  EXPECT_TRUE(GlobMatch("\\[a]", "[a]"));
}

TEST(GlobTest, PathologicalPatternStaysFast) {
  std::string text(200, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(GlobMatch("**a**a**a**a**a**a**b", text));
}

TEST(GlobTest, RelativeMatchUsesBaseNameForPatternsWithoutSlash) {
  EXPECT_TRUE(GlobMatchRelative("*.md", "a/b/c.md"));
  EXPECT_FALSE(GlobMatchRelative("a/*.md", "a/b/c.md"));
  EXPECT_TRUE(GlobMatchRelative("a/**/*.md", "a/b/c.md"));
  EXPECT_TRUE(GlobMatchRelative("drafts", "x/drafts"));
}

}  // namespace
}  // namespace glassbox::ingest
