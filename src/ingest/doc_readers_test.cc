// The document readers (PDF, DOCX, XLSX, PPTX, HTML, mail, images) on fixtures
// generated at test time by tests/fixtures/make_documents.py (reportlab, PIL,
// zipfile): nothing binary is committed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include "ingest/doc_formats.h"
#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

namespace fs = std::filesystem;

class DocReadersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string((fs::temp_directory_path() / ("gb_doc_fixtures_" + std::to_string(getpid()))).string());
    std::string cmd = std::string("/usr/bin/python3 ") + GLASSBOX_SOURCE_DIR +
                      "/tests/fixtures/make_documents.py " + *dir_;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }
  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }
  static std::string Bytes(const std::string& name) {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static const MetadataValue* Meta(const SourceDocument& d, const std::string& key) {
    for (const auto& [k, v] : d.metadata)
      if (k == key) return &v;
    return nullptr;
  }
  static std::string PageText(const SourceDocument& d, size_t i) {
    return d.body.substr(d.pages[i].begin, d.pages[i].end - d.pages[i].begin);
  }
  static std::string SectionOf(const SourceDocument& d, const std::string& needle) {
    size_t at = d.body.find(needle);
    for (const auto& s : d.sections)
      if (at >= s.begin && at < s.end) return s.heading_path;
    return "";
  }
  static std::string* dir_;
};
std::string* DocReadersTest::dir_ = nullptr;

TEST_F(DocReadersTest, PdfPagesTitleAndAuthor) {
  auto docs = ReadFile(Path("report.pdf"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs.value().size(), 1u);
  const SourceDocument& d = docs.value()[0];
  EXPECT_EQ(d.title, "Quarterly Harbour Report");
  ASSERT_EQ(d.pages.size(), 2u);
  EXPECT_EQ(d.pages[0].number, 1);
  EXPECT_EQ(d.pages[1].number, 2);
  EXPECT_NE(PageText(d, 0).find("aardvark inspected the pelican"), std::string::npos) << d.body;
  EXPECT_EQ(PageText(d, 0).find("zebra"), std::string::npos);
  EXPECT_NE(PageText(d, 1).find("zebra counted the marmalade"), std::string::npos);
  // Reading order: the heading line before the sentence.
  EXPECT_LT(d.body.find("Chapter one"), d.body.find("aardvark"));
  ASSERT_NE(Meta(d, "author"), nullptr);
  EXPECT_EQ(Meta(d, "author")->text, "Ada Lovelace");
  ASSERT_NE(Meta(d, "pages"), nullptr);
  EXPECT_EQ(Meta(d, "pages")->number, 2);
}

TEST_F(DocReadersTest, PdfChunksCarryTheirPage) {
  auto docs = ReadFile(Path("report.pdf"), ReaderOptions{});
  ASSERT_TRUE(docs.ok());
  ChunkOptions opts;
  opts.target_chars = 40;
  opts.overlap_chars = 0;
  auto chunks = Chunk(docs.value()[0], opts);
  bool saw_zebra_on_2 = false;
  for (const auto& c : chunks) {
    const std::string* body = c.Text("body");
    if (body == nullptr || body->find("zebra") == std::string::npos) continue;
    for (const auto& [k, v] : c.metadata)
      if (k == provenance::kPage && v.number == 2) saw_zebra_on_2 = true;
  }
  EXPECT_TRUE(saw_zebra_on_2);
}

// tests/fixtures/make_documents.py PAGES3: (x, baseline y from the bottom, text) on A4.
struct DrawnText {
  double x, y;
  const char* text;
};
constexpr DrawnText kPages3[] = {{72, 700, "ocelot"}, {300, 400, "narwhal"}, {100, 150, "quetzal"}};
constexpr double kA4Height = 841.89;

std::string MetaText(const Document& d, const char* key) {
  const MetadataValue* v = d.Meta(key);
  return v == nullptr ? "" : v->text;
}

TEST_F(DocReadersTest, ShortPdfGetsOneChunkPerPage) {
  auto docs = ReadFile(Path("pages3.pdf"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs.value()[0].pages.size(), 3u);
  for (size_t target : {size_t{1200}, size_t{0}}) {
    ChunkOptions opts;
    opts.target_chars = target;  // the whole document is far shorter than 1200 characters
    auto chunks = Chunk(docs.value()[0], opts);
    ASSERT_EQ(chunks.size(), 3u) << "target " << target;
    for (size_t i = 0; i < 3; ++i) {
      const Document& c = chunks[i];
      ASSERT_NE(c.Meta(provenance::kPage), nullptr);
      EXPECT_EQ(c.Meta(provenance::kPage)->number, static_cast<double>(i + 1));
      const std::string* body = c.Text("body");
      ASSERT_NE(body, nullptr);
      for (size_t j = 0; j < 3; ++j)
        EXPECT_EQ(body->find(kPages3[j].text) != std::string::npos, i == j) << "chunk " << i << ": " << *body;
    }
  }
}

TEST_F(DocReadersTest, PdfChunkBoxContainsWhereTheTextWasDrawn) {
  auto docs = ReadFile(Path("pages3.pdf"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  auto chunks = Chunk(docs.value()[0], ChunkOptions{});
  ASSERT_EQ(chunks.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(MetaText(chunks[i], provenance::kPageSize), "595.3x841.9");
    double x0, y0, x1, y1;
    std::string box = MetaText(chunks[i], provenance::kBox);
    ASSERT_EQ(std::sscanf(box.c_str(), "%lf,%lf,%lf,%lf", &x0, &y0, &x1, &y1), 4) << "chunk " << i << ": " << box;
    // The baseline's start, from the top: inside the box (within 2 points), and the box is one line of text.
    double x = kPages3[i].x, y = kA4Height - kPages3[i].y;
    EXPECT_NEAR(x0, x, 2) << box;
    EXPECT_GT(y, y0) << box;
    EXPECT_LT(y, y1 + 2) << box;
    EXPECT_LT(y1 - y0, 20) << box;
    EXPECT_GT(x1, x + 100) << box;  // a sentence of 12-point text is wider than 100 points
  }
}

std::vector<std::string> Tokens(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// One pass over poppler's words builds the page text and the boxes: every word
// of the text has a box, the hyphenated "manu-" / "script" included (joined
// as poppler's own text joins it), and boxes point at their words.
TEST_F(DocReadersTest, PdfEveryWordOfThePageHasABox) {
  auto docs = ReadFile(Path("layout.pdf"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  const SourceDocument& d = docs.value()[0];
  ASSERT_EQ(d.pages.size(), 1u);
  const Page& page = d.pages[0];
  EXPECT_NE(d.body.find("manuscript by the river"), std::string::npos) << d.body;
  size_t at = 0;
  for (const std::string& token : Tokens(d.body)) {
    at = d.body.find(token, at);
    bool covered = false;
    for (const WordBox& w : page.words) covered |= w.begin <= at && at < w.end;
    EXPECT_TRUE(covered) << "no box for \"" << token << "\" at " << at;
    at += token.size();
  }
  for (const WordBox& w : page.words) {
    ASSERT_LE(w.end, d.body.size());
    EXPECT_LT(w.begin, w.end);
    EXPECT_LT(w.x0, w.x1);
    EXPECT_LT(w.y0, w.y1);
  }
  // "manu" (of "manu-") is boxed on its own line (baseline y 725 from the bottom).
  size_t manu = d.body.find("manuscript");
  const WordBox* box = nullptr;
  for (const WordBox& w : page.words)
    if (w.begin == manu) box = &w;
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(d.body.substr(box->begin, box->end - box->begin), "manu");
  EXPECT_NEAR(box->x0, 72, 1);
  EXPECT_GT(kA4Height - 725, box->y0);
  EXPECT_LT(kA4Height - 725, box->y1 + 1);
}

// The page text has the words of poppler's own page text (what `pdftotext`
// writes), in the same order, on every fixture PDF with a text layer.
TEST_F(DocReadersTest, PdfPageTextHasPopplersWords) {
  for (const char* name : {"report.pdf", "pages3.pdf", "layout.pdf"}) {
    auto docs = ReadFile(Path(name), ReaderOptions{});
    ASSERT_TRUE(docs.ok()) << docs.status().ToString();
    const SourceDocument& d = docs.value()[0];
    std::unique_ptr<poppler::document> pdf(poppler::document::load_from_file(Path(name)));
    ASSERT_NE(pdf, nullptr);
    ASSERT_EQ(static_cast<int>(d.pages.size()), pdf->pages()) << name;
    for (int i = 0; i < pdf->pages(); ++i) {
      std::unique_ptr<poppler::page> page(pdf->create_page(i));
      poppler::byte_array utf8 = page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
      std::string expected(utf8.begin(), utf8.end());
      EXPECT_EQ(Tokens(PageText(d, i)), Tokens(expected)) << name << " page " << i + 1;
    }
  }
}

// OCR word boxes: words.png (1600x400 pixels) has its words drawn from (60, 60)
// to about (1000, 290); scan.pdf shows that image at x 40-560, y 500-630 points
// from the bottom of an A4 page.
TEST_F(DocReadersTest, OcrChunksHaveTheBoxOfTheirWords) {
  struct Case {
    const char* file;
    const char* size;
    double x0, y0, x1, y1;  // where the text is, with some margin
  };
  for (const Case& c : {Case{"words.png", "1600x400", 40, 40, 1200, 320},
                        Case{"scan.pdf", "595.3x841.9", 40, kA4Height - 630, 560, kA4Height - 500}}) {
    auto docs = ReadFile(Path(c.file), ReaderOptions{});
    ASSERT_TRUE(docs.ok()) << docs.status().ToString();
    auto chunks = Chunk(docs.value()[0], ChunkOptions{});
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(MetaText(chunks[0], provenance::kPageSize), c.size);
    double x0, y0, x1, y1;
    std::string box = MetaText(chunks[0], provenance::kBox);
    ASSERT_EQ(std::sscanf(box.c_str(), "%lf,%lf,%lf,%lf", &x0, &y0, &x1, &y1), 4) << c.file << ": " << box;
    EXPECT_GE(x0, c.x0) << c.file << ": " << box;
    EXPECT_GE(y0, c.y0) << c.file << ": " << box;
    EXPECT_LE(x1, c.x1) << c.file << ": " << box;
    EXPECT_LE(y1, c.y1) << c.file << ": " << box;
    // Two lines of words: the box is more than a third of the text area each way.
    EXPECT_GT(x1 - x0, (c.x1 - c.x0) / 3) << c.file << ": " << box;
    EXPECT_GT(y1 - y0, (c.y1 - c.y0) / 3) << c.file << ": " << box;
  }
}

TEST_F(DocReadersTest, EncryptedPdfIsAClearError) {
  auto docs = ReadFile(Path("locked.pdf"), ReaderOptions{});
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), Path("locked.pdf") + ": encrypted PDF (password required)");
}

TEST_F(DocReadersTest, EncryptedPdfOpensWithItsPassword) {
  ReaderOptions right;
  right.pdf_password = "secret";  // locked.pdf: user password "secret"
  auto docs = ReadFile(Path("locked.pdf"), right);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  EXPECT_NE(docs.value()[0].body.find("Classified walrus text."), std::string::npos) << docs.value()[0].body;
  // locked_owner.pdf: user password "reader", owner password "owner": either opens it.
  for (const char* pw : {"reader", "owner"}) {
    ReaderOptions o;
    o.pdf_password = pw;
    auto d = ReadFile(Path("locked_owner.pdf"), o);
    ASSERT_TRUE(d.ok()) << pw << ": " << d.status().ToString();
    EXPECT_NE(d.value()[0].body.find("Owner walrus text."), std::string::npos) << pw;
  }
  ReaderOptions wrong;
  wrong.pdf_password = "guess";
  for (const char* name : {"locked.pdf", "locked_owner.pdf"}) {
    auto d = ReadFile(Path(name), wrong);
    ASSERT_FALSE(d.ok()) << name;
    EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(d.status().message(), Path(name) + ": encrypted PDF: the password (--pdf-password) is wrong");
  }
  // A password for a PDF that has none is ignored.
  auto plain = ReadFile(Path("pages3.pdf"), wrong);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
}

TEST_F(DocReadersTest, TruncatedPdfIsAClearError) {
  auto docs = ReadFile(Path("truncated.pdf"), ReaderOptions{});
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(docs.status().message().find("truncated.pdf: "), std::string::npos) << docs.status().message();
  EXPECT_NE(docs.status().message().find("PDF"), std::string::npos) << docs.status().message();
}

TEST_F(DocReadersTest, GarbageAfterPdfSignatureFails) {
  auto docs = ReadBuffer("%PDF-1.4\nthis is not a pdf at all", "", "x.pdf", ReaderOptions{});
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), Status::Code::kInvalidArgument);
}

bool HasWords(const std::string& text, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (text.find(w) == std::string::npos) return false;
  return true;
}

TEST_F(DocReadersTest, ImageOcrRecoversWordsWithConfidence) {
  auto docs = ReadFile(Path("words.png"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs.value().size(), 1u);
  const SourceDocument& d = docs.value()[0];
  EXPECT_TRUE(HasWords(d.body, {"Harbour", "invoice", "seventeen", "lighthouse"})) << d.body;
  ASSERT_EQ(d.pages.size(), 1u);
  const MetadataValue* conf = Meta(d, "ocr_confidence");
  ASSERT_NE(conf, nullptr);
  EXPECT_GT(conf->number, kLowOcrConfidence);
  EXPECT_EQ(Meta(d, "ocr_low_confidence"), nullptr);
}

TEST_F(DocReadersTest, ScannedPdfPageGoesToOcr) {
  auto docs = ReadFile(Path("scan.pdf"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  const SourceDocument& d = docs.value()[0];
  EXPECT_TRUE(HasWords(d.body, {"Harbour", "lighthouse"})) << d.body;
  ASSERT_EQ(d.pages.size(), 1u);
  EXPECT_EQ(d.pages[0].number, 1);
  ASSERT_NE(Meta(d, "ocr_pages"), nullptr);
  EXPECT_NE(Meta(d, "ocr_confidence"), nullptr);
  // Without OCR the scanned page stays empty.
  ReaderOptions no_ocr;
  no_ocr.ocr_languages = "";
  auto plain = ReadFile(Path("scan.pdf"), no_ocr);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain.value()[0].body.empty());
}

TEST_F(DocReadersTest, CorruptImageFailsWithTheFileName) {
  std::string png = Bytes("words.png");
  auto docs = ReadBuffer(std::string_view(png).substr(0, 60), "", "cut.png", ReaderOptions{});
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), Status::Code::kInvalidArgument);
}

TEST_F(DocReadersTest, DocxHeadingsBecomeSectionsAndTablesTables) {
  std::vector<Table> tables;
  auto docs = ReadFile(Path("policy.docx"), ReaderOptions{}, &tables);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs.value().size(), 1u);
  const SourceDocument& d = docs.value()[0];
  EXPECT_EQ(d.title, "Leave Policy 2024");  // core.xml wins over the Title paragraph
  // Paragraph order.
  EXPECT_LT(d.body.find("okapi"), d.body.find("Employees may"));
  EXPECT_LT(d.body.find("quokka"), d.body.find("narwhals"));
  EXPECT_EQ(SectionOf(d, "okapi"), "");
  EXPECT_EQ(SectionOf(d, "Employees may"), "Leave");
  EXPECT_EQ(SectionOf(d, "quokka"), "Leave > Sick leave");
  EXPECT_EQ(SectionOf(d, "Parental leave | 90"), "Leave > Sick leave");  // table text kept in the body
  EXPECT_EQ(SectionOf(d, "narwhals"), "Travel");
  EXPECT_NE(d.body.find("Trains are\tpreferred"), std::string::npos);
  EXPECT_NE(d.body.find("preferred over narwhals."), std::string::npos) << d.body;  // a run of one space is kept
  ASSERT_NE(Meta(d, "author"), nullptr);
  EXPECT_EQ(Meta(d, "author")->text, "Grace Hopper");
  ASSERT_NE(Meta(d, "created"), nullptr);
  EXPECT_EQ(Meta(d, "created")->type, MetadataValue::Type::kDate);
  ASSERT_EQ(tables.size(), 1u);
  const Table& t = tables[0];
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[0].name, "Name");
  EXPECT_EQ(t.columns[1].name, "Days");
  EXPECT_EQ(t.columns[1].type, ColumnType::kInteger);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].cells[0].text, "Parental leave");
  EXPECT_EQ(t.rows[1].cells[1].integer, 90);
  EXPECT_EQ(t.rows[1].row, 3u);
  EXPECT_EQ(t.source, Path("policy.docx"));
}

TEST_F(DocReadersTest, XlsxSheetsBecomeTablesAndDocuments) {
  std::vector<Table> tables;
  auto docs = ReadFile(Path("ledger.xlsx"), ReaderOptions{}, &tables);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(tables.size(), 2u);
  const Table& t = tables[0];
  EXPECT_EQ(t.name, "Purchases");
  EXPECT_EQ(t.sheet, "Purchases");
  ASSERT_EQ(t.columns.size(), 4u);
  EXPECT_EQ(t.columns[0].name, "Item");
  EXPECT_EQ(t.columns[1].type, ColumnType::kReal);  // 12.5, 7, 3
  EXPECT_EQ(t.columns[2].name, "Bought");
  EXPECT_EQ(t.columns[2].type, ColumnType::kDate);
  EXPECT_EQ(t.columns[3].type, ColumnType::kText);  // TRUE / FALSE
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].row, 2u);
  EXPECT_EQ(t.rows[0].cells[0].text, "Widget");        // shared string
  EXPECT_EQ(t.rows[0].cells[1].text, "12.5");
  EXPECT_EQ(t.rows[0].cells[2].text, "2024-03-01");    // serial 45352, built-in format 14
  EXPECT_EQ(t.rows[0].cells[3].text, "TRUE");
  EXPECT_EQ(t.rows[1].cells[0].text, "Sprocket of the capybara");  // inline string
  EXPECT_EQ(t.rows[1].cells[2].text, "2024-03-02T12:00:00");      // custom format yyyy-mm-dd, half a day
  EXPECT_EQ(t.rows[1].cells[3].text, "FALSE");
  EXPECT_EQ(t.rows[2].row, 5u);  // the sheet's own numbering (row 4 is empty)
  EXPECT_TRUE(t.rows[2].cells[2].null);
  ASSERT_EQ(docs.value().size(), 2u);
  const SourceDocument& d = docs.value()[0];
  EXPECT_EQ(d.id, Path("ledger.xlsx") + ":Purchases");
  EXPECT_NE(d.body.find("Item: Widget\nPrice: 12.5\nBought: 2024-03-01\nPaid: TRUE"), std::string::npos) << d.body;
  ASSERT_NE(Meta(d, "sheet"), nullptr);
  EXPECT_EQ(Meta(d, "sheet")->text, "Purchases");
  ASSERT_NE(Meta(d, "range"), nullptr);
  EXPECT_EQ(Meta(d, "range")->text, "A1:D5");
  EXPECT_EQ(Meta(docs.value()[1], "sheet")->text, "Regions");
  EXPECT_NE(docs.value()[1].body.find("Region: Patagonia"), std::string::npos);
}

TEST_F(DocReadersTest, PptxSlidesArePagesInPresentationOrder) {
  auto docs = ReadFile(Path("deck.pptx"), ReaderOptions{});
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  const SourceDocument& d = docs.value()[0];
  EXPECT_EQ(d.title, "Roadmap of the wombat");
  ASSERT_EQ(d.pages.size(), 2u);
  EXPECT_EQ(d.pages[0].number, 1);
  EXPECT_NE(PageText(d, 0).find("gazelles"), std::string::npos) << d.body;
  EXPECT_NE(PageText(d, 1).find("Budget for the ibex\nSecond line"), std::string::npos) << d.body;
  EXPECT_EQ(Meta(d, "slides")->number, 2);
}

TEST_F(DocReadersTest, OdtHeadingsBecomeSectionsAndTablesTables) {
  std::vector<Table> tables;
  auto docs = ReadFile(Path("policy.odt"), ReaderOptions{}, &tables);
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs.value().size(), 1u);
  const SourceDocument& d = docs.value()[0];
  EXPECT_EQ(d.title, "Leave Policy 2025");
  // ODF white space: runs in the XML are one space; text:s is N spaces, text:tab a tab, text:line-break a newline.
  EXPECT_NE(d.body.find("Introductory words about the okapi."), std::string::npos) << d.body;
  EXPECT_NE(d.body.find("Employees  may take leave."), std::string::npos) << d.body;  // text:s c=2
  EXPECT_NE(d.body.find("Trains are\tpreferred over\nnarwhals."), std::string::npos) << d.body;
  // Footnotes and the generated table of contents are left out.
  EXPECT_EQ(d.body.find("yak"), std::string::npos) << d.body;
  EXPECT_EQ(d.body.find("Leave 1"), std::string::npos) << d.body;
  EXPECT_LT(d.body.find("okapi"), d.body.find("Employees"));
  EXPECT_EQ(SectionOf(d, "okapi"), "");
  EXPECT_EQ(SectionOf(d, "Employees"), "Leave");
  EXPECT_EQ(SectionOf(d, "quokka"), "Leave > Sick leave");
  EXPECT_EQ(SectionOf(d, "lemurs"), "Leave > Sick leave");  // nested lists are read
  EXPECT_EQ(SectionOf(d, "Parental leave | 90"), "Leave > Sick leave");
  EXPECT_EQ(SectionOf(d, "narwhals"), "Travel");
  ASSERT_NE(Meta(d, "author"), nullptr);
  EXPECT_EQ(Meta(d, "author")->text, "Ada Lovelace");
  ASSERT_NE(Meta(d, "created"), nullptr);
  EXPECT_EQ(Meta(d, "created")->type, MetadataValue::Type::kDate);
  ASSERT_EQ(tables.size(), 1u);
  ASSERT_EQ(tables[0].columns.size(), 2u);
  EXPECT_EQ(tables[0].columns[1].name, "Days");
  EXPECT_EQ(tables[0].columns[1].type, ColumnType::kInteger);
  ASSERT_EQ(tables[0].rows.size(), 1u);
  EXPECT_EQ(tables[0].rows[0].cells[1].integer, 90);
  // Detected by extension inside the zip container; a zip without content.xml is a clear error.
  std::string xlsx = Bytes("ledger.xlsx");
  auto r = ReadBuffer(xlsx, "", "wrong.odt", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "not an OpenDocument text (no content.xml)");
}

TEST_F(DocReadersTest, BrokenZipsFailNamingThePart) {
  std::string docx = Bytes("policy.docx");
  auto r = ReadBuffer(std::string_view(docx).substr(0, docx.size() / 2), "", "half.docx", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  // A zip without the Word part.
  std::string xlsx = Bytes("ledger.xlsx");
  r = ReadBuffer(xlsx, "", "wrong.docx", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "not a Word document (no word/document.xml)");
}

TEST_F(DocReadersTest, ZipBombIsRefused) {
  auto r = ReadFile(Path("bomb.docx"), ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), Path("bomb.docx") + ": part word/document.xml: compression ratio over 200 (zip bomb?)");
}

}  // namespace
}  // namespace glassbox::ingest

namespace glassbox::ingest {
namespace {

const MetadataValue* MetaOf(const SourceDocument& d, const std::string& key) {
  for (const auto& [k, v] : d.metadata)
    if (k == key) return &v;
  return nullptr;
}

std::string SectionAt(const SourceDocument& d, const std::string& needle) {
  size_t at = d.body.find(needle);
  for (const auto& s : d.sections)
    if (at >= s.begin && at < s.end) return s.heading_path;
  return "";
}

TEST(HtmlReaderTest, HeadingsTablesAndBoilerplate) {
  std::vector<Table> tables;
  auto r = ReadBuffer(
      "<!DOCTYPE html><html><head><title>Price list</title><style>p{color:red}</style>"
      "<script>var tracking = 1;</script></head><body>"
      "<nav>Home | Menu navigation</nav><header>Site header banner</header>"
      "<p>Intro about <b>ferrets</b>\n and   otters.</p>"
      "<h1>Pricing</h1><p>All prices in euro.</p>"
      "<h2>Discounts</h2><ul><li>Students pay half</li><li>Seniors pay less</li></ul>"
      "<table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea</td><td>3</td></tr><tr><td>Cake</td><td>4.5</td></tr></table>"
      "<h1>Contact</h1><p>Write to the heron.</p>"
      "<aside>Related links</aside><footer>Copyright footer</footer><noscript>enable js</noscript></body></html>",
      "", "prices.html", ReaderOptions{}, &tables);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SourceDocument& d = r.value()[0];
  EXPECT_EQ(d.title, "Price list");
  for (const char* gone : {"tracking", "color:red", "navigation", "banner", "Related", "footer", "enable js"})
    EXPECT_EQ(d.body.find(gone), std::string::npos) << gone << " in " << d.body;
  EXPECT_NE(d.body.find("Intro about ferrets and otters."), std::string::npos) << d.body;
  EXPECT_EQ(SectionAt(d, "All prices"), "Pricing");
  EXPECT_EQ(SectionAt(d, "Students pay half"), "Pricing > Discounts");
  EXPECT_NE(d.body.find("Students pay half\n\nSeniors pay less"), std::string::npos) << d.body;
  EXPECT_EQ(SectionAt(d, "Tea | 3"), "Pricing > Discounts");
  EXPECT_EQ(SectionAt(d, "heron"), "Contact");
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].columns[1].name, "Price");
  EXPECT_EQ(tables[0].columns[1].type, ColumnType::kReal);
  EXPECT_EQ(tables[0].rows[1].cells[0].text, "Cake");
}

TEST(HtmlReaderTest, Latin1MetaCharsetIsConverted) {
  auto r = ReadBuffer("<html><head><meta charset=\"iso-8859-1\"><title>Caf\xE9</title></head>"
                      "<body><p>cr\xE8me br\xFBl\xE9" "e</p></body></html>",
                      "", "menu.html", ReaderOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()[0].title, "Caf\xC3\xA9");
  EXPECT_NE(r.value()[0].body.find("cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e"), std::string::npos) << r.value()[0].body;
  // Without a charset, invalid UTF-8 does not fail the page.
  r = ReadBuffer("<p>bad \xFF byte</p>", "html", "x.html", ReaderOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r.value()[0].body.find("bad"), std::string::npos);
}

// gumbo's time grows with the square of the nesting depth (5,000 divs: about a
// second; 100,000: minutes): tags past depth 512 are flattened before parsing.
TEST(HtmlReaderTest, VeryDeepNestingIsFlattenedFast) {
  for (const char* tag : {"div", "span", "b"}) {
    std::string html = "<html><body><h1>Deep page</h1>";
    for (int i = 0; i < 100000; ++i) html += std::string("<") + tag + " class=\"x>y\">";
    html += "abyssal plankton";
    for (int i = 0; i < 100000; ++i) html += std::string("</") + tag + ">";
    html += "<p>shallow tail</p></body></html>";
    const auto started = std::chrono::steady_clock::now();
    auto r = ReadBuffer(html, "html", "deep.html", ReaderOptions{});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const std::string& body = r.value()[0].body;
    EXPECT_NE(body.find("abyssal plankton"), std::string::npos) << tag;  // the deep text is kept
    EXPECT_NE(body.find("shallow tail"), std::string::npos) << tag;
    EXPECT_LT(seconds, 3.0) << tag;
  }
}

TEST(HtmlReaderTest, DeepNestingDoesNotCrash) {
  std::string html = "<html><body>";
  for (int i = 0; i < 1000; ++i) html += "<div>";
  html += "deep text";
  html += "<p>shallow tail</p>";
  auto r = ReadBuffer(html, "html", "deep.html", ReaderOptions{});
  ASSERT_TRUE(r.ok());
}

const char* kMail =
    "From: =?utf-8?Q?Ren=C3=A9e?= <renee@example.com>\r\n"
    "To: team@example.com\r\n"
    "Subject: =?iso-8859-1?B?UmFwcG9ydCBmaW5hbA==?= about\r\n the =?utf-8?Q?caf=C3=A9?=\r\n"
    "Date: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
    "Message-ID: <abc123@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "The pelican ate the cr=E8me br=FBl=E9e and a very long line that is wrapp=\r\n"
    "ed softly.\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>HTML version with flamingo</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: text/csv; name=\"budget.csv\"\r\n"
    "Content-Disposition: attachment; filename=\"../../budget.csv\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aXRlbSxjb3N0CmdpcmFmZmUgZm9vZCwxMgo=\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=anim.gif\r\n"
    "\r\n"
    "GIF89a\x01\x02\r\n"
    "--outer--\r\n";

TEST(MailReaderTest, HeadersBodyAndAttachments) {
  std::vector<Table> tables;
  auto r = ReadBuffer(kMail, "", "inbox/m1.eml", ReaderOptions{}, &tables);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().size(), 2u);
  const SourceDocument& mail = r.value()[0];
  EXPECT_EQ(mail.id, "abc123@example.com");
  EXPECT_EQ(mail.title, "Rapport final about the caf\xC3\xA9");
  EXPECT_EQ(MetaOf(mail, "from")->text, "Ren\xC3\xA9" "e <renee@example.com>");
  EXPECT_EQ(MetaOf(mail, "to")->text, "team@example.com");
  ASSERT_NE(MetaOf(mail, "date"), nullptr);
  EXPECT_EQ(MetaOf(mail, "date")->type, MetadataValue::Type::kDate);
  EXPECT_EQ(MetaOf(mail, "date")->text, "2024-03-05T09:15:00Z");
  // text/plain preferred; quoted-printable and Latin-1 decoded; soft break joined.
  EXPECT_NE(mail.body.find("cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e"), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("wrapped softly"), std::string::npos) << mail.body;
  EXPECT_EQ(mail.body.find("flamingo"), std::string::npos);
  EXPECT_EQ(MetaOf(mail, "attachments_skipped")->number, 1);  // anim.gif: no reader
  const SourceDocument& att = r.value()[1];
  EXPECT_EQ(att.id.rfind("abc123@example.com/budget.csv", 0), 0u) << att.id;  // no path from the sender
  EXPECT_NE(att.body.find("giraffe food"), std::string::npos);
  EXPECT_EQ(MetaOf(att, "mail")->text, "abc123@example.com");
  EXPECT_EQ(MetaOf(att, "mail_part")->text, "2");
  ASSERT_EQ(tables.size(), 1u);
}

TEST(MailReaderTest, HtmlOnlyMailUsesTheHtmlReader) {
  auto r = ReadBuffer("Subject: hi\nContent-Type: text/html\n\n<html><body><script>x()</script><p>Only heron html</p></body></html>\n",
                      "", "h.eml", ReaderOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()[0].id, "h.eml");
  EXPECT_EQ(r.value()[0].body, "Only heron html");
}

TEST(MailReaderTest, MboxOneDocumentPerMessage) {
  auto r = ReadBuffer(
      "From alice@example.com Mon Jan  1 00:00:00 2024\nSubject: first\n\nHello badger.\n>From the hills.\n\n"
      "From bob@example.com Mon Jan  1 00:00:00 2024\nSubject: second\n\nHello lynx.\n",
      "", "box.mbox", ReaderOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_EQ(r.value()[0].id, "box.mbox:1");
  EXPECT_EQ(r.value()[0].body, "Hello badger.\nFrom the hills.");
  EXPECT_EQ(r.value()[1].title, "second");
  EXPECT_EQ(r.value()[1].id, "box.mbox:7");
}

TEST(MailReaderTest, BrokenMimeIsAnErrorNamingThePart) {
  auto r = ReadBuffer("Subject: x\nContent-Type: multipart/mixed\n\nbody\n", "", "b.eml", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "part 1: multipart without a boundary");
  // A failing attachment fails the mail, naming the part and the file.
  r = ReadBuffer("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
                 "--b\nContent-Disposition: attachment; filename=bad.csv\n\na,b\n1,2,3\n--b--\n",
                 "", "c.eml", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("part 2 (bad.csv): line 2:", 0), 0u) << r.status().message();
}

}  // namespace
}  // namespace glassbox::ingest
