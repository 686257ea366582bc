// What every reader fuzz target does with one input (header-only, fuzz/ only).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/chunk_check.h"
#include "ingest/reader.h"
#include "ingest/text_util.h"

namespace glassbox::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "invariant violated: %s\n", what.c_str());
  std::abort();
}

// Reads `data` as `format`; on success checks the documents and chunks them
// with options derived from the input's first bytes, checking the chunk invariants.
// `line_errors`: text formats' errors start with "line N: " (binary formats
// name parts, pages or sheets instead).
inline void ReadAndChunk(std::string_view data, const std::string& format, const ReaderOptions& options = {},
                         bool line_errors = true) {
  auto docs = ingest::ReadBuffer(data, format, "fuzz." + format, options);
  if (!docs.ok()) {
    const std::string& m = docs.status().message();
    if (m.empty()) Fail("error without a message");
    // Every error names a position, or the format.
    if (line_errors && m.rfind("line ", 0) != 0) Fail("error without a position: " + m);
    if (m == "line 1: could not locate the array elements") Fail("JSON element scanner disagrees");
    return;
  }
  unsigned seed = data.empty() ? 0 : static_cast<unsigned char>(data[0]);
  unsigned seed2 = data.size() < 2 ? 0 : static_cast<unsigned char>(data[1]);
  ChunkOptions chunking;
  chunking.target_chars = seed % 64;             // small targets exercise the cutting paths
  chunking.overlap_chars = seed2 % 24;
  chunking.unit = seed & 64 ? ChunkOptions::Unit::kSentence : ChunkOptions::Unit::kParagraph;
  for (const auto& doc : docs.value()) {
    if (ingest::FindInvalidUtf8(doc.id) != std::string_view::npos ||
        ingest::FindInvalidUtf8(doc.title) != std::string_view::npos ||
        ingest::FindInvalidUtf8(doc.body) != std::string_view::npos)
      Fail("reader produced invalid UTF-8");
    size_t prev_end = 0;
    for (const auto& s : doc.sections) {
      if (s.begin > s.end || s.end > doc.body.size() || s.begin < prev_end) Fail("bad section range");
      prev_end = s.end;
    }
    std::string problem = ingest::CheckChunks(doc, ingest::Chunk(doc, chunking));
    if (!problem.empty()) Fail(problem);
  }
}

}  // namespace glassbox::fuzz
