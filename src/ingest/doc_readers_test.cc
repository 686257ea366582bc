// The document readers (PDF, DOCX, XLSX, PPTX, HTML, mail, images) on fixtures
// generated at test time by tests/fixtures/make_documents.py (reportlab, PIL,
// zipfile): nothing binary is committed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST_F(DocReadersTest, EncryptedPdfIsAClearError) {
  auto docs = ReadFile(Path("locked.pdf"), ReaderOptions{});
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), Path("locked.pdf") + ": encrypted PDF (password required)");
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

}  // namespace
}  // namespace glassbox::ingest
