// Helpers shared by the document readers (PDF, Office, HTML, mail, images).
// Internal to ingestion; each function documents its limits.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/ingest.h"
#include "glassbox/status.h"
#include "ingest/reader.h"

namespace glassbox::ingest {

// ---- Zip containers (DOCX, XLSX, PPTX), with limits against zip bombs ----
// At most kMaxZipEntries entries; an entry expands to at most kMaxZipEntryBytes
// and at most kMaxZipRatio times its compressed size (when larger than 1 MiB).
inline constexpr size_t kMaxZipEntries = 20000;
inline constexpr uint64_t kMaxZipEntryBytes = 256ull << 20;
inline constexpr uint64_t kMaxZipRatio = 200;

class ZipArchive {
 public:
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;
  // Opens the bytes (which must outlive the archive).
  static Result<std::unique_ptr<ZipArchive>> Open(std::string_view data);
  bool Has(const std::string& entry) const;
  // The entry's bytes; NotFound if absent, InvalidArgument past the limits.
  Result<std::string> Read(const std::string& entry) const;

 private:
  ZipArchive() = default;
  struct zip* zip_ = nullptr;
};

// The target of an OOXML relationship part ("word/_rels/document.xml.rels")
// by id, resolved against `base_dir` ("word/"): "word/media/image1.png".
std::string ResolvePartPath(const std::string& base_dir, const std::string& target);

// The OOXML core properties (docProps/core.xml): title, creator, created.
struct CoreProperties {
  std::string title, author, created, modified;  // dates as ISO "YYYY-MM-DDTHH:MM:SSZ"
};
CoreProperties ReadCoreProperties(const ZipArchive& zip);
// Adds author / created / modified metadata (when present).
void AddCoreMetadata(const CoreProperties& core, SourceDocument* doc);

// ---- Text ----
// Converts `bytes` in `charset` (an IANA name: "ISO-8859-1", "windows-1252",
// "GB2312") to UTF-8 with ICU; unknown charsets fail. Invalid sequences become
// U+FFFD.
Result<std::string> ToUtf8(std::string_view bytes, const std::string& charset);
// Collapses runs of whitespace into one space and trims.
std::string CollapseSpace(std::string_view s);

// Word-processor headings as sections: closes the open section at the end of
// the body and opens one at `level` whose path is the headings above it
// joined by " > " (`stack` holds the open headings, outermost first).
void OpenHeadingSection(int level, const std::string& heading, std::vector<std::pair<int, std::string>>* stack,
                        SourceDocument* doc);

// ---- Tables (the CSV rules, shared with spreadsheets and tables in documents) ----
struct CellRow {
  size_t row = 0;   // 1-based row as a spreadsheet numbers it
  size_t line = 0;  // text formats: line of the file; else 0
  std::vector<std::string> fields;
};
// Header names trimmed; an empty name becomes "column<N>"; a repeated name
// gets " (2)", " (3)"... (CSV instead rejects duplicates).
std::vector<std::string> UniqueColumnNames(const std::vector<std::string>& header);
// A table named `name` from data rows (cells beyond the columns are dropped,
// missing ones are null), typed by the CSV rules (csv_reader.cc).
Table BuildTable(const std::string& name, const std::vector<std::string>& columns, std::span<const CellRow> rows);
// A table inside a document (DOCX, HTML): its rows go into the body as
// "a | b" lines after a blank line, and when it has at least `min_rows` rows
// (the first is the header) it becomes Table "<stem> table <n>".
void AddDocumentTable(const std::vector<std::vector<std::string>>& rows, const std::string& stem, size_t min_rows,
                      std::string* body, std::vector<Table>* tables);
// Appends one "column: value" line per non-empty cell of a row, as the CSV
// reader's bodies are written.
void AppendRowLines(const std::vector<std::string>& columns, const std::vector<std::string>& cells, std::string* body);

// ---- HTML (html_reader.cc), used for mail bodies too ----
// Reads an HTML page (bytes in `charset`; empty: from a BOM or <meta charset>,
// else UTF-8) as one document with id `id`.
Status ReadHtml(std::string_view bytes, const std::string& id, const std::string& charset, ReadOutput* out);

// ---- Word boxes (doc_util.cc) ----
// A word as a layout engine reports it (poppler's text_list, Tesseract's
// word iterator), with its box.
struct PlacedWord {
  std::string text;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
// Finds the words, in order, in `text` (the page text the same engine wrote,
// in the same reading order): each is looked for from where the previous one
// ended, at most 256 bytes further on; a word not found there is left out.
// Offsets are into `text`.
std::vector<WordBox> AlignWords(std::string_view text, const std::vector<PlacedWord>& words);

// ---- OCR (ocr.cc) ----
// Tesseract, one engine per thread and language set (initialised once).
// Documents whose mean word confidence is below kLowOcrConfidence get
// metadata ocr_low_confidence=true.
inline constexpr double kLowOcrConfidence = 60;
struct OcrText {
  std::string text;
  double confidence = 0;  // mean word confidence, 0-100
  size_t words = 0;
  std::vector<WordBox> boxes;  // word boxes in pixels, offsets into `text`
  int width = 0, height = 0;   // the image's size in pixels
};
// Whether Tesseract and at least one of the languages' data are installed.
bool OcrAvailable(const std::string& languages);
// OCR of an 8-bit grey (bytes_per_pixel 1), RGB (3) or RGBA (4) image.
Result<OcrText> OcrPixels(const unsigned char* pixels, int width, int height, int bytes_per_pixel, int bytes_per_line,
                          int dpi, const std::string& languages);
// OCR of an encoded image (PNG, JPEG, TIFF: every page of a multi-page TIFF).
// Images over kMaxOcrPixels pixels are refused.
inline constexpr uint64_t kMaxOcrPixels = 100'000'000;
Result<std::vector<OcrText>> OcrEncodedImage(std::string_view data, const std::string& languages);
// Adds ocr_confidence (and ocr_low_confidence) metadata.
void AddOcrMetadata(double confidence, SourceDocument* doc);

}  // namespace glassbox::ingest
