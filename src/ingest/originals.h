// Copies of PDF and image source files kept in a collection's directory, so
// that the page view can render a page whatever became of the file since
// (docs/readers.md, "Page view"). Internal to Glassbox.
//
// Content-addressed: <collection dir>/originals/<sha256 hex>. Ingest writes a
// copy (temporary file, fsync, rename, fsync of the folder) before it applies
// the chunks naming it in their `original` field, so a committed chunk never
// names a missing copy; a crash in between leaves an unreferenced copy, which
// is harmless. Copies no live document names are removed after an ingest
// run and a delete (RemoveUnreferencedOriginals, glassbox/ingest.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::ingest {

// Metadata field of a chunk: the SHA-256 (hex) of its source file when the
// collection keeps a copy of it.
inline constexpr const char* kOriginalField = "original";

std::string Sha256Hex(std::string_view bytes);
// Whether the bytes are a PDF or an image the page view can show.
bool IsPageViewable(std::string_view bytes);
// Stores the bytes as <dir>/originals/<hash> unless present.
Status StoreOriginal(const std::string& dir, const std::string& hash, std::string_view bytes);
// The stored copy; InvalidArgument for a hash that is not 64 hex digits,
// NotFound when missing, Corruption when its content no longer has the hash.
// The hash is checked once per copy and process while the file's size and
// modification time stay the same (the page view reads the copy on every
// request).
Result<std::string> LoadOriginal(const std::string& dir, const std::string& hash);
// How many times LoadOriginal hashed a copy (for tests).
uint64_t OriginalHashChecks();
// The hashes of the copies stored under dir (temporary files left out).
std::vector<std::string> ListOriginals(const std::string& dir);
// Removes the copy (absent: OK).
Status RemoveOriginal(const std::string& dir, const std::string& hash);

}  // namespace glassbox::ingest
