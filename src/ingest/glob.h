// Glob patterns on relative paths (internal to ingestion).
#pragma once

#include <string_view>

namespace glassbox::ingest {

// Matches `path` (components separated by '/') against a glob `pattern`:
//   *       any run of characters within one path component (not '/')
//   ?       one character (a whole UTF-8 sequence), not '/'
//   **      any run of characters, '/' included; "a/**/b" also matches "a/b"
//   [abc]   one character of the set; ranges [a-z]; negation [!abc] or [^abc]
//   \x      the character x literally
// An unclosed '[' is a literal '['. The whole path must match.
bool GlobMatch(std::string_view pattern, std::string_view path);

// How ingestion applies a pattern to a path relative to the walked root:
// a pattern without '/' is matched against the last component only
// ("*.md" selects Markdown files at any depth), other patterns against the
// whole relative path.
bool GlobMatchRelative(std::string_view pattern, std::string_view relative_path);

}  // namespace glassbox::ingest
