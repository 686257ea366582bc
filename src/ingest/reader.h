// File readers and the chunker (internal to ingestion).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "glassbox/document.h"
#include "glassbox/ingest.h"
#include "glassbox/status.h"

namespace glassbox::ingest {

struct Section {
  std::string heading_path;  // "Leave > Sick leave"
  size_t begin = 0;          // byte offsets into SourceDocument::body
  size_t end = 0;
};

// One document as read from a file, before chunking.
struct SourceDocument {
  std::string id;
  std::string source;        // file path as given
  std::string title;
  std::string body;
  std::vector<Section> sections;                                // markdown headings
  std::vector<std::pair<std::string, MetadataValue>> metadata;  // typed fields (json keys, csv columns)
};

// Format from the file extension: "txt", "md", "json", "jsonl", "csv"; "" if unsupported.
std::string FormatOf(const std::string& path);

// Parses `data` as `format`. `name` is used in ids and error messages.
// Errors name the position: "line 17: unterminated string".
Result<std::vector<SourceDocument>> ReadBuffer(std::string_view data, const std::string& format,
                                               const std::string& name, const ReaderOptions& options);
// Reads and parses a file. Errors name the file.
Result<std::vector<SourceDocument>> ReadFile(const std::string& path, const ReaderOptions& options);

// Splits a document into chunks with provenance metadata (glassbox::provenance).
// With target_chars == 0 or a short body, yields one chunk whose id is the document id.
std::vector<Document> Chunk(const SourceDocument& doc, const ChunkOptions& options);

// Lists readable files under `paths` (recursively), filtered by include/exclude globs,
// sorted for determinism. Missing paths are reported in *errors.
std::vector<std::string> ListFiles(const std::vector<std::string>& paths, const std::vector<std::string>& include,
                                   const std::vector<std::string>& exclude, std::vector<IngestError>* errors);

}  // namespace glassbox::ingest
