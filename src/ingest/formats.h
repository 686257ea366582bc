// One parser per file format (internal to ingestion; reader.cc dispatches).
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
Result<std::vector<SourceDocument>> ReadCsv(std::string_view data, const std::string& name, const ReaderOptions& options);

// The id of a document that has none of its own: "<name>:<line>".
std::string PositionalId(const std::string& name, size_t line);

}  // namespace glassbox::ingest
