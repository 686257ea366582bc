// Invariants of Chunk(), shared by the tests and the fuzz targets (internal).
#pragma once

#include <string>
#include <vector>

#include "glassbox/document.h"
#include "ingest/reader.h"

namespace glassbox::ingest {

// Returns "" if `chunks` are a valid chunking of `doc`, else what is wrong:
// every chunk body is body[start, end); chunks are in order, cover the whole
// body and overlap only backwards; no offset splits a UTF-8 sequence; ids are
// unique and follow "<id>" (one chunk) / "<id>#<n>"; provenance is present.
std::string CheckChunks(const SourceDocument& doc, const std::vector<Document>& chunks);

}  // namespace glassbox::ingest
