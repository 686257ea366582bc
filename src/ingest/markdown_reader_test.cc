#include <gtest/gtest.h>

#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

SourceDocument Md(std::string_view data, const std::string& name = "kb/leave.md") {
  auto r = ReadBuffer(data, "md", name, ReaderOptions{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 1u);
  return r->empty() ? SourceDocument{} : r.value()[0];
}

std::string SectionText(const SourceDocument& d, size_t i) {
  return d.body.substr(d.sections[i].begin, d.sections[i].end - d.sections[i].begin);
}

TEST(MarkdownReaderTest, HeadingsBecomeSections) {
  auto d = Md(
      "Intro text.\n"
      "# Leave Policy\n"
      "All staff.\n"
      "## Sick leave ##\n"
      "See [the form](forms/sick.pdf) and ![chart](c.png).\n"
      "### Notes\n"
      "x\n"
      "## Annual leave\n"
      "25 days.\n");
  EXPECT_EQ(d.title, "Leave Policy");
  EXPECT_EQ(d.body,
            "Intro text.\nLeave Policy\nAll staff.\nSick leave\nSee the form and chart.\nNotes\nx\nAnnual leave\n25 days.\n");
  ASSERT_EQ(d.sections.size(), 4u);
  EXPECT_EQ(d.sections[0].heading_path, "Leave Policy");
  EXPECT_EQ(d.sections[1].heading_path, "Leave Policy > Sick leave");
  EXPECT_EQ(d.sections[2].heading_path, "Leave Policy > Sick leave > Notes");
  EXPECT_EQ(d.sections[3].heading_path, "Leave Policy > Annual leave");
  EXPECT_EQ(SectionText(d, 0), "Leave Policy\nAll staff.\n");
  EXPECT_EQ(SectionText(d, 1), "Sick leave\nSee the form and chart.\n");
  EXPECT_EQ(SectionText(d, 3), "Annual leave\n25 days.\n");
  EXPECT_EQ(d.sections[3].end, d.body.size());
}

TEST(MarkdownReaderTest, TitleFallsBackToStem) {
  auto d = Md("## Only a subsection\ntext", "notes/hr-faq.md");
  EXPECT_EQ(d.title, "hr-faq");
  EXPECT_EQ(d.body, "Only a subsection\ntext");  // no line end invented
}

TEST(MarkdownReaderTest, CodeFencesAreVerbatim) {
  auto d = Md("# T\n```bash\n# not a heading\n[x](y)\n```\n#hashtag is text\n");
  ASSERT_EQ(d.sections.size(), 1u);
  EXPECT_EQ(d.body, "T\n```bash\n# not a heading\n[x](y)\n```\n#hashtag is text\n");
}

TEST(MarkdownReaderTest, FrontMatter) {
  auto d = Md("---\ntitle: \"Handbook\"\nversion: 3\nupdated: 2024-02-01\ntags:\n  - a\n---\n# Heading\nBody\n");
  EXPECT_EQ(d.title, "Handbook");
  EXPECT_EQ(d.body, "Heading\nBody\n");
  ASSERT_EQ(d.metadata.size(), 2u);
  EXPECT_EQ(d.metadata[0].first, "version");
  EXPECT_EQ(d.metadata[0].second.type, MetadataValue::Type::kNumber);
  EXPECT_EQ(d.metadata[1].second.type, MetadataValue::Type::kDate);
}

TEST(MarkdownReaderTest, CrlfIsNormalized) {
  auto d = Md("# A\r\ntext\r\n## B\r\nmore\r\n");
  EXPECT_EQ(d.body, "A\ntext\nB\nmore\n");
  ASSERT_EQ(d.sections.size(), 2u);
  EXPECT_EQ(SectionText(d, 1), "B\nmore\n");
}

}  // namespace
}  // namespace glassbox::ingest
