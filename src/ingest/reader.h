// Readers: how a file's bytes become documents (internal to ingestion).
//
// Read this first to add a format (docs/readers.md walks through it). A
// reader is one file, foo_reader.cc, that defines `Reader FooReader()`
// describing itself (name, media types, extensions, whether it needs UTF-8
// text) and its read function; one line in builtin_readers.cc registers it.
// ReadFile / ReadBuffer detect the media type of the bytes, find the reader
// registered for it and call it; Chunk() then cuts its documents into
// passages with provenance.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/document.h"
#include "glassbox/ingest.h"
#include "glassbox/status.h"

namespace glassbox::ingest {

// A heading path over a range of the body (Markdown headings; DOCX/HTML later).
struct Section {
  std::string heading_path;  // "Leave > Sick leave"
  size_t begin = 0;          // byte offsets into SourceDocument::body
  size_t end = 0;
};

// A word on a page and its box, in the page's units (PDF: points, 1/72 inch;
// images: pixels), origin at the page's top left corner, y downwards.
struct WordBox {
  size_t begin = 0;  // byte offsets into SourceDocument::body
  size_t end = 0;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// A page over a range of the body (PDF, slides, image frames). Chunks never
// span pages: each chunk carries its page as provenance::kPage and, when the
// page has word boxes, the union of its words' boxes (provenance::kBox) and
// the page size (provenance::kPageSize).
struct Page {
  int64_t number = 0;  // 1-based, as printed by a viewer's page counter
  size_t begin = 0;    // byte offsets into SourceDocument::body
  size_t end = 0;
  double width = 0, height = 0;  // page size in the boxes' units; 0: unknown
  std::vector<WordBox> words;    // in body order, inside [begin, end)
};

// One document as read from a file, before chunking. Sections and pages are
// each in body order and do not overlap; ranges lie inside the body.
struct SourceDocument {
  std::string id;
  std::string source;        // file path as given (ReadFile sets it)
  std::string title;
  std::string body;          // valid UTF-8
  std::vector<Section> sections;
  std::vector<Page> pages;
  std::vector<std::pair<std::string, MetadataValue>> metadata;  // typed fields (json keys, csv columns)
};

// A table found in a file (a CSV file, a spreadsheet sheet, a table in a
// document), with typed columns, for structured questions. Readers fill it in
// addition to the documents they yield; ingestion does not store it yet.
enum class ColumnType : uint8_t { kInteger, kReal, kDate, kText };
const char* ColumnTypeName(ColumnType t);  // "integer", "real", "date", "text"

struct TableColumn {
  std::string name;
  ColumnType type = ColumnType::kText;
};

// One cell. An empty cell is null. Otherwise `text` is its trimmed spelling
// and, by the column's type, `integer` (kInteger) or `real` (kReal; kDate:
// seconds since 1970-01-01 UTC) holds the value.
struct TableCell {
  bool null = true;
  std::string text;
  int64_t integer = 0;
  double real = 0;
};

struct TableRow {
  size_t row = 0;   // provenance: 1-based row as a spreadsheet numbers it (the header row is row 1)
  size_t line = 0;  // text formats: the line of the file where the row starts; else 0
  std::vector<TableCell> cells;  // one per column
};

struct Table {
  std::string name;     // the sheet or table name; a CSV file: its stem ("purchases")
  std::string source;   // provenance: file path as given (ReadFile sets it)
  std::string sheet;    // provenance: sheet name in a workbook; "" for CSV
  std::vector<TableColumn> columns;
  std::vector<TableRow> rows;
};

// What a reader is given. For a text reader (Reader::text), `data` is valid
// UTF-8 without a byte-order mark and not blank; otherwise it is the file's bytes.
struct ReadInput {
  std::string_view data;
  const std::string& name;        // normalized path: use it in ids ("<name>:<line>") and fallback titles
  const std::string& media_type;  // as detected, one of the reader's media_types
  const ReaderOptions& options;
};

// What a reader yields: every document of the input, and its tables.
struct ReadOutput {
  std::vector<SourceDocument> documents;
  std::vector<Table> tables;
};

// A reader of one format. The read function returns OK with everything in the
// input, or an InvalidArgument whose message starts with the position
// ("line 5: ...", "page 3: ...") — never part of the documents. It must be
// safe to call from several threads at once. ReadBuffer checks what it yields
// (UTF-8 text, ranges inside the body) and turns a violation into an error.
struct Reader {
  std::string name;                      // short and unique: "csv"; ReadBuffer accepts it as a type
  std::vector<std::string> media_types;  // the first is the canonical one: {"text/csv"}
  std::vector<std::string> extensions;   // lower case, with the dot: {".csv"}
  // Leading bytes that identify the format ("%PDF-"). For a binary reader
  // they decide over the extension; for a text reader they are only used
  // when the extension is unknown or absent.
  std::vector<std::string> signatures;
  bool text = true;  // needs UTF-8 text (see ReadInput); false: gets the raw bytes
  std::function<Status(const ReadInput&, ReadOutput*)> read;
};

// The readers, by name, media type and extension, and media type detection.
// Readers are never removed, so a Reader* stays valid; thread-safe.
class ReaderRegistry {
 public:
  // The built-in readers (builtin_readers.cc), registered on first use.
  static ReaderRegistry& Default();

  // Fails (AlreadyExists) if the name, a media type or an extension is taken,
  // or (InvalidArgument) if the reader has no name, media type or read function.
  Status Register(Reader reader);

  // By media type ("text/csv") or name ("csv"); nullptr if none.
  const Reader* Find(std::string_view type_or_name) const;
  // By file extension of `path` (case-insensitive); nullptr if none.
  const Reader* ForPath(std::string_view path) const;

  // The media type of a file named `path` whose content starts with `head`
  // (at least the first kSniffBytes bytes, or all of a shorter file):
  //  1. a binary signature (a known format's: %PDF, PK zip, PNG, JPEG, TIFF,
  //     GIF, OLE; else a binary reader's) decides, except that an extension
  //     keeps its type when that format is stored in that container (a .docx
  //     is a zip) or its binary reader lists that signature;
  //  2. else the extension, registered or known (.txt stays text/plain even
  //     when it holds JSON: the name is the author's word, and text never
  //     fails to read);
  //  3. else (no or unknown extension) the content: a text reader's
  //     signature, "From " (mbox), "<!DOCTYPE html"/"<html", '[' or '{'
  //     (JSON; one object per line: JSON Lines), other UTF-8 without NUL
  //     bytes: text/plain; anything else application/octet-stream.
  std::string Detect(std::string_view path, std::string_view head) const;
  static constexpr size_t kSniffBytes = 4096;

  // Whether a file found by walking a folder is worth opening: its extension
  // has a reader, or it has no extension (the content will tell).
  bool Listable(std::string_view path) const;

  // "PDF documents are not supported yet (no reader registered for application/pdf)".
  static std::string UnsupportedMessage(const std::string& media_type);

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Reader>> readers_;
};

// The built-in readers, in registration order (builtin_readers.cc).
std::vector<Reader> BuiltinReaders();

// Reads `data` with the default registry. `type` is a media type or a reader
// name ("csv"); empty: detected from `name` and the content. Errors name the
// position ("line 17: unterminated string"); a type without a reader is
// Unsupported. Tables go to *tables when given.
Result<std::vector<SourceDocument>> ReadBuffer(std::string_view data, const std::string& type,
                                               const std::string& name, const ReaderOptions& options,
                                               std::vector<Table>* tables = nullptr);
// Reads and parses a file, detecting its type; reads only the first
// kSniffBytes of a file no reader takes. Errors name the file; a type without
// a reader is Unsupported ("x.pdf: PDF documents are not supported yet ...").
Result<std::vector<SourceDocument>> ReadFile(const std::string& path, const ReaderOptions& options,
                                             std::vector<Table>* tables = nullptr);

// Splits a document into chunks with provenance metadata (glassbox::provenance).
// With target_chars == 0 or a short body, yields one chunk whose id is the
// document id, except that a document with several pages gets at least one
// chunk per page (chunks never span pages).
std::vector<Document> Chunk(const SourceDocument& doc, const ChunkOptions& options);

// A file to read; `named`: given as a path, not found by walking a folder
// (an unsupported type is then an error, not a skip).
struct ListedFile {
  std::string path;
  bool named = false;
};

// Lists the files under `paths` (recursively) to read, filtered by
// include/exclude globs, sorted for determinism. Missing paths are reported in
// *errors; walked files no reader takes by name are counted in *skipped.
std::vector<ListedFile> ListFiles(const std::vector<std::string>& paths, const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude, std::vector<IngestError>* errors,
                                  size_t* skipped = nullptr);

}  // namespace glassbox::ingest
