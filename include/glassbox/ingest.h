// Ingesting files and folders into a collection.
//
// Readers by type (detected from the extension and the content; see
// src/ingest/reader.h for the registry): .txt, .md/.markdown (headings kept
// as sections), .json/.jsonl (fields mapped by options), .csv (one document
// per row, typed columns as metadata). A folder is walked for files of those
// extensions and files without one; a file of a type no reader takes is
// skipped when walked, and fails when named. Each document is split into
// passages ("chunks"); each chunk is indexed as its own document whose id is
// "<doc id>#<n>" and which carries provenance metadata (see
// glassbox/document.h). A file that cannot be read or parsed is skipped whole
// with an error naming the file and position; the run continues.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "glassbox/collection.h"
#include "glassbox/status.h"

namespace glassbox {

struct ReaderOptions {
  // .json / .jsonl: which keys hold the id, the title and the text.
  // Every other scalar key becomes metadata (numbers as numbers, ISO dates as dates).
  std::string id_key = "_id";        // falls back to "id"; absent: "<file>:<line>"
  std::string title_key = "title";
  std::vector<std::string> text_keys = {"text", "body", "content"};
  // .csv: columns whose values are text to search; empty: every column that is not a number or a date.
  std::vector<std::string> csv_text_columns;
  std::string csv_id_column;         // empty: "<file>:<row>"
  // Images and PDF pages without a text layer: Tesseract languages ("eng+chi_sim";
  // those without installed data are left out). Empty: no OCR (such pages stay empty).
  std::string ocr_languages = "eng+chi_sim";
  // Encrypted PDFs: the password to open them (tried as the owner and the
  // user password). Empty: an encrypted PDF that needs one is an error.
  std::string pdf_password;
};

struct ChunkOptions {
  enum class Unit { kParagraph, kSentence };
  Unit unit = Unit::kParagraph;
  size_t target_chars = 1200;   // aim for passages about this long; 0 = one chunk per document
  size_t overlap_chars = 150;   // text repeated from the previous chunk
};

struct IngestOptions {
  std::vector<std::string> paths;          // files or folders (folders are walked recursively)
  std::vector<std::string> include;        // glob patterns on the relative path; empty = all readable
  std::vector<std::string> exclude;        // glob patterns to skip
  ReaderOptions reader;
  ChunkOptions chunking;
  // On whose behalf the files are written: a document this principal may not
  // see is not replaced or deleted (the file fails with an error saying so).
  std::optional<Principal> writer;
  // Each file is written all-or-nothing. With all_or_nothing, so is the whole
  // run: if any file fails to read or validate, nothing is written and the
  // report lists the errors (used by the server's upload, one request).
  bool all_or_nothing = false;
  // Tables the readers find (a CSV file is one) are written to
  // <collection dir>/tables.sqlite, one transaction per file, replacing that
  // file's earlier tables (docs/tables.md); false: tables are not stored.
  bool store_tables = true;
  // Threads that read and chunk files ahead of the writer (PDF, OCR and
  // Office parsing run on all of them); 0: one per core. The writer applies
  // files in order, so the result does not depend on it.
  size_t threads = 0;
  // Called after each file with (files done, files total, documents so far).
  std::function<void(size_t, size_t, uint64_t)> progress;
};

struct IngestError {
  std::string path;
  std::string message;   // "line 17: expected ':'"
};

struct IngestReport {
  size_t files_seen = 0;     // files_ok + files_failed + files_skipped
  size_t files_ok = 0;
  size_t files_failed = 0;
  size_t files_skipped = 0;  // found by walking a folder, of a type no reader takes
  uint64_t documents = 0;    // source documents read
  uint64_t chunks = 0;       // chunks indexed
  std::vector<IngestError> errors;
  double seconds = 0;
  bool written = true;       // false: all_or_nothing and some file failed, so nothing was written
};

// Reads every matching file and adds its chunks to the collection, then commits.
// Fails only if the collection itself fails (I/O); bad files are reported in the report.
Result<IngestReport> Ingest(Collection& collection, const IngestOptions& options);

// Removes the collection's copies of PDFs and images kept for the page view
// (<dir>/originals) that no committed live document names any more: after a
// changed file is ingested again or documents are deleted. Ingest calls it
// after its commit, as do `glassbox delete` and the server's delete; returns
// how many copies were removed. One metadata search per copy. Callers treat
// a failure as a warning: the commit before it stands (Ingest puts it in the
// report's errors). Assumes one writer at a time: a copy stored by another
// thread's ingest that has not committed yet would be removed.
Result<size_t> RemoveUnreferencedOriginals(Collection& collection);

}  // namespace glassbox
