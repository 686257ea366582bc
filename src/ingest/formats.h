// The built-in text parsers (internal to ingestion). Each reader file also
// defines the Reader that describes it (listed in builtin_readers.cc).
//
// Each takes valid UTF-8 without a byte-order mark, and returns either every
// document of the input or an InvalidArgument whose message starts with the
// position ("line 5: ..."); never part of the documents.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "glassbox/ingest.h"
#include "glassbox/status.h"
#include "ingest/reader.h"

namespace glassbox::ingest {

Result<std::vector<SourceDocument>> ReadText(std::string_view data, const std::string& name);
Result<std::vector<SourceDocument>> ReadMarkdown(std::string_view data, const std::string& name);
Result<std::vector<SourceDocument>> ReadJson(std::string_view data, const std::string& name, const ReaderOptions& options);
Result<std::vector<SourceDocument>> ReadJsonLines(std::string_view data, const std::string& name,
                                                  const ReaderOptions& options);
// Also fills *table (when given) with the file as one table of typed columns.
Result<std::vector<SourceDocument>> ReadCsv(std::string_view data, const std::string& name, const ReaderOptions& options,
                                            Table* table = nullptr);

// The id of a document that has none of its own: "<name>:<line>".
std::string PositionalId(const std::string& name, size_t line);

// Moves a parser's documents into *out, or returns its error.
inline Status YieldDocuments(Result<std::vector<SourceDocument>> docs, ReadOutput* out) {
  if (!docs.ok()) return docs.status();
  out->documents = std::move(docs.value());
  return Status::OK();
}

}  // namespace glassbox::ingest
