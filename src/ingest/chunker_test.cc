#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "ingest/chunk_check.h"
#include "ingest/reader.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

SourceDocument Doc(std::string body) {
  SourceDocument d;
  d.id = "doc";
  d.source = "kb/doc.txt";
  d.title = "Doc";
  d.body = std::move(body);
  d.metadata.emplace_back("dept", MetadataValue::Keyword("HR"));
  return d;
}

ChunkOptions Options(size_t target, size_t overlap, ChunkOptions::Unit unit = ChunkOptions::Unit::kParagraph) {
  ChunkOptions o;
  o.target_chars = target;
  o.overlap_chars = overlap;
  o.unit = unit;
  return o;
}

std::vector<std::string> Bodies(const std::vector<Document>& chunks) {
  std::vector<std::string> out;
  for (const auto& c : chunks) out.push_back(*c.Text("body"));
  return out;
}

TEST(ChunkTest, ShortDocumentIsOneChunkWithTheDocumentId) {
  SourceDocument d = Doc("Short text.");
  auto chunks = Chunk(d, Options(100, 10));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].id, "doc");
  EXPECT_EQ(*chunks[0].Text("title"), "Doc");
  EXPECT_EQ(*chunks[0].Text("body"), "Short text.");
  EXPECT_EQ(chunks[0].Meta("doc_id")->text, "doc");
  EXPECT_EQ(chunks[0].Meta("source")->text, "kb/doc.txt");
  EXPECT_EQ(chunks[0].Meta("chunk")->number, 0);
  EXPECT_EQ(chunks[0].Meta("start")->number, 0);
  EXPECT_EQ(chunks[0].Meta("end")->number, 11);
  EXPECT_EQ(chunks[0].Meta("dept")->text, "HR");
  EXPECT_EQ(chunks[0].Meta("section"), nullptr);
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, TargetZeroMeansOneChunk) {
  SourceDocument d = Doc(std::string(5000, 'x'));
  EXPECT_EQ(Chunk(d, Options(0, 10)).size(), 1u);
}

TEST(ChunkTest, EmptyBody) {
  SourceDocument d = Doc("");
  auto chunks = Chunk(d, Options(10, 5));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, PacksParagraphsGreedily) {
  SourceDocument d = Doc("aaaa aaaa\n\nbbbb bbbb\n\ncccc cccc\n\ndddd");
  auto chunks = Chunk(d, Options(24, 0));
  EXPECT_EQ(Bodies(chunks), (std::vector<std::string>{"aaaa aaaa\n\nbbbb bbbb\n\n", "cccc cccc\n\ndddd"}));
  EXPECT_EQ(chunks[0].id, "doc#0");
  EXPECT_EQ(chunks[1].id, "doc#1");
  EXPECT_EQ(chunks[1].Meta("start")->number, 22);
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, OverlapStartsAtAWord) {
  SourceDocument d = Doc("one two three four\n\nfive six seven eight");
  auto chunks = Chunk(d, Options(22, 8));
  ASSERT_EQ(chunks.size(), 2u);
  // 8 characters back from "five" lands inside "four\n\n"... the overlap starts at "four".
  EXPECT_EQ(*chunks[1].Text("body"), "four\n\nfive six seven eight");
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, SentencesIncludingChinese) {
  const std::string s4 = "\xE7\xAC\xAC\xE5\x9B\x9B\xE5\x8F\xA5\xE3\x80\x82";  // 第四句。
  const std::string s5 = "\xE7\xAC\xAC\xE4\xBA\x94\xE5\x8F\xA5\xEF\xBC\x81";  // 第五句！
  SourceDocument d = Doc("First one. Second one! Third? " + s4 + s5 + "End 3.14 x.");
  auto chunks = Chunk(d, Options(12, 0, ChunkOptions::Unit::kSentence));
  // Units: "First one. " (11), "Second one! " (12), "Third? " (7), s4 (4), s5 (4), "End 3.14 x." (11).
  EXPECT_EQ(Bodies(chunks), (std::vector<std::string>{"First one. ", "Second one! ", "Third? " + s4, s5,
                                                      "End 3.14 x."}));
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, LongUnitIsCutAtWhitespace) {
  std::string body;
  for (int i = 0; i < 50; ++i) body += "word" + std::to_string(i) + " ";
  SourceDocument d = Doc(body);
  auto chunks = Chunk(d, Options(40, 0));
  ASSERT_GT(chunks.size(), 5u);
  for (const auto& c : chunks) {
    const std::string& t = *c.Text("body");
    EXPECT_LE(CountChars(t), 40u);
    EXPECT_EQ(t.substr(0, 4), "word") << t;  // never starts mid-word
  }
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, LongChineseIsCutAtCharacterBoundaries) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "\xE5\x81\x87\xE6\x9C\x9F";  // 假期
  SourceDocument d = Doc(body);
  auto chunks = Chunk(d, Options(30, 7));
  ASSERT_GT(chunks.size(), 5u);
  for (const auto& c : chunks) EXPECT_LE(CountChars(*c.Text("body")), 37u);
  EXPECT_EQ(CountChars(*chunks[1].Text("body")), 37u);  // 7 characters of overlap
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, MarkdownSectionsInTitlesAndProvenance) {
  auto r = ReadBuffer(
      "# Leave Policy\n\nIntro paragraph here.\n\n## Sick leave\n\nTell your manager on the first day.\n\n"
      "## Annual leave\n\nTwenty five days a year, booked ahead.\n",
      "md", "kb/leave.md", ReaderOptions{});
  ASSERT_TRUE(r.ok());
  const SourceDocument& d = r.value()[0];
  auto chunks = Chunk(d, Options(60, 10));
  ASSERT_EQ(chunks.size(), 3u) << ::testing::PrintToString(Bodies(chunks));

  EXPECT_EQ(*chunks[0].Text("title"), "Leave Policy");
  EXPECT_EQ(chunks[0].Meta("section")->text, "Leave Policy");
  EXPECT_EQ(*chunks[1].Text("title"), "Leave Policy \u2014 Sick leave");
  EXPECT_EQ(chunks[1].Meta("section")->text, "Leave Policy > Sick leave");
  EXPECT_EQ(*chunks[2].Text("title"), "Leave Policy \u2014 Annual leave");
  // No overlap into a new section; the heading stays with its text.
  EXPECT_EQ(*chunks[1].Text("body"), "Sick leave\n\nTell your manager on the first day.\n\n");
  EXPECT_EQ(CheckChunks(d, chunks), "");
}

TEST(ChunkTest, ReservedMetadataNamesAreDropped) {
  SourceDocument d = Doc("x");
  d.metadata.emplace_back("source", MetadataValue::Keyword("wikipedia"));
  auto chunks = Chunk(d, Options(100, 0));
  int n = 0;
  for (const auto& [k, v] : chunks[0].metadata) n += k == "source";
  EXPECT_EQ(n, 1);
  EXPECT_EQ(chunks[0].Meta("source")->text, "kb/doc.txt");
}

// Property test: random bodies of mixed scripts, whitespace and punctuation.
TEST(ChunkTest, RandomBodiesKeepTheInvariants) {
  const char* pieces[] = {"a", "bb", "word", " ", " ", "\n", "\n\n", "\r\n\r\n", ". ", "! ", "?", "\xE5\x81\x87",
                          "\xE3\x80\x82", "\xEF\xBC\x81", "\xF0\x9F\x98\x80", "\xC3\xA9", "\"", "\xE2\x80\x9D", "\t",
                          "...", "3.14", "#"};
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string body;
    size_t len = rng() % 300;
    while (body.size() < len) body += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    SourceDocument d = Doc(body);
    if (iter % 3 == 0) {
      // Random sections at line starts.
      std::string path = "A";
      for (size_t i = 0; i < body.size(); ++i)
        if ((i == 0 || body[i - 1] == '\n') && rng() % 3 == 0) {
          if (!d.sections.empty()) d.sections.back().end = i;
          d.sections.push_back({path, i, body.size()});
          path += " > B";
        }
    }
    ChunkOptions o = Options(rng() % 60, rng() % 30, rng() % 2 ? ChunkOptions::Unit::kSentence
                                                                : ChunkOptions::Unit::kParagraph);
    auto chunks = Chunk(d, o);
    ASSERT_EQ(CheckChunks(d, chunks), "") << "iter " << iter << " target " << o.target_chars << " overlap "
                                          << o.overlap_chars << " body " << ::testing::PrintToString(body);
    if (o.target_chars > 0 && o.unit == ChunkOptions::Unit::kParagraph && d.sections.empty()) {
      // Each chunk's own text (without the overlap) is at most the target.
      for (size_t k = 0; k < chunks.size(); ++k) {
        size_t own_start = k == 0 ? 0 : static_cast<size_t>(chunks[k - 1].Meta("end")->number);
        size_t end = static_cast<size_t>(chunks[k].Meta("end")->number);
        ASSERT_LE(CountChars(std::string_view(body).substr(own_start, end - own_start)), o.target_chars)
            << "iter " << iter;
      }
    }
  }
}

}  // namespace
}  // namespace glassbox::ingest

namespace glassbox::ingest {
namespace {

// Inputs that would be quadratic with a naive implementation.
TEST(ChunkScaleTest, LargeInputsStayLinear) {
  auto started = std::chrono::steady_clock::now();
  std::string words;
  while (words.size() < (4u << 20)) words += "lorem ipsum dolor sit amet ";
  SourceDocument d = Doc(words);  // one 4 MiB paragraph
  auto chunks = Chunk(d, Options(1200, 150));
  EXPECT_GT(chunks.size(), 3000u);
  EXPECT_EQ(CheckChunks(d, chunks), "");

  std::string md;
  for (int i = 0; i < 50000; ++i) md += "## H" + std::to_string(i) + "\n";
  md += std::string(1 << 20, '[') + "\n" + std::string(1 << 20, '!') + "](" + "\n";
  auto r = ReadBuffer(md, "md", "big.md", ReaderOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()[0].sections.size(), 50000u);
  auto md_chunks = Chunk(r.value()[0], Options(1200, 150));
  EXPECT_EQ(CheckChunks(r.value()[0], md_chunks), "");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 10.0);
}

TEST(ChunkTest, ChunksNeverSpanPages) {
  // Pages 7, 8, 9 of 100 characters each: every page start closes a chunk.
  std::string p7, p8, p9;
  for (int i = 0; i < 20; ++i) p7 += "aaaa ", p8 += "bbbb ", p9 += "cccc ";
  SourceDocument d = Doc(p7 + "\n\n" + p8 + "\n\n" + p9);
  d.pages = {{7, 0, 100}, {8, 102, 202}, {9, 204, 304}};
  d.metadata.emplace_back("page", MetadataValue::Keyword("from the data"));  // a provenance name: dropped
  // A target that would take a page and a half, overlap, and no target at all: one chunk a page.
  for (auto [target, overlap] : {std::pair<size_t, size_t>{110, 0}, {160, 0}, {160, 20}, {1200, 150}, {0, 0}}) {
    auto chunks = Chunk(d, Options(target, overlap));
    ASSERT_EQ(chunks.size(), 3u) << target << "/" << overlap;
    EXPECT_EQ(CheckChunks(d, chunks), "");
    for (size_t k = 0; k < 3; ++k) {
      const MetadataValue* page = chunks[k].Meta(provenance::kPage);
      ASSERT_NE(page, nullptr) << k;
      EXPECT_EQ(page->type, MetadataValue::Type::kNumber);
      EXPECT_EQ(page->number, 7.0 + k) << k;
      const std::string own(4, static_cast<char>('a' + k));
      std::string body = *chunks[k].Text("body");
      EXPECT_EQ(body.substr(0, 4), own) << target << "/" << overlap << " chunk " << k << ": " << body;
      for (char other : {'a', 'b', 'c'})  // no text of another page
        if (other != own[0]) EXPECT_EQ(body.find(other), std::string::npos) << body;
    }
  }
  // A long page is still cut into several chunks, all on that page.
  auto small = Chunk(d, Options(40, 0));
  EXPECT_GT(small.size(), 3u);
  EXPECT_EQ(CheckChunks(d, small), "");
  for (const auto& c : small) {
    const std::string& body = *c.Text("body");
    const int page = static_cast<int>(c.Meta(provenance::kPage)->number);
    EXPECT_EQ(body.find_first_not_of(std::string(1, static_cast<char>('a' + page - 7)) + " \n"), std::string::npos)
        << body;
  }
  // A document without pages: no page field; one page: one chunk.
  EXPECT_EQ(Chunk(Doc("no pages"), Options(0, 0))[0].Meta(provenance::kPage), nullptr);
  SourceDocument one = Doc(p7);
  one.pages = {{1, 0, 100}};
  EXPECT_EQ(Chunk(one, Options(0, 0)).size(), 1u);
}

TEST(ChunkTest, ChunkBoxIsTheUnionOfItsWordsBoxes) {
  SourceDocument d = Doc("alpha beta\n\ngamma");
  Page p{1, 0, d.body.size(), 600, 800, {}};
  p.words = {{0, 5, 10, 20, 40, 30}, {6, 10, 45, 20, 70, 31.3}, {12, 17, 10, 50, 50, 60}};
  d.pages = {p};
  auto chunks = Chunk(d, Options(0, 0));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].Meta(provenance::kBox)->text, "10,20,70,60");
  EXPECT_EQ(chunks[0].Meta(provenance::kPageSize)->text, "600x800");
  // Two chunks: each gets the box of its own words.
  chunks = Chunk(d, Options(12, 0));
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].Meta(provenance::kBox)->text, "10,20,70,31.3");
  EXPECT_EQ(chunks[1].Meta(provenance::kBox)->text, "10,50,50,60");
  // No page size: no box.
  d.pages[0].width = 0;
  EXPECT_EQ(Chunk(d, Options(0, 0))[0].Meta(provenance::kBox), nullptr);
}

}  // namespace
}  // namespace glassbox::ingest
