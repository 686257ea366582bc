// Byte-level text helpers shared by the readers and the chunker (internal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "glassbox/document.h"

namespace glassbox::ingest {

// Offset of the first byte that does not start or continue a well-formed UTF-8
// sequence (overlong forms, surrogates and code points past U+10FFFF are
// ill-formed), or std::string_view::npos when `s` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view s);

// Length in bytes of the UTF-8 sequence starting with `lead` (1 for a
// continuation byte or an invalid lead, so that scanning always advances).
inline size_t Utf8SeqLen(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}
inline bool IsUtf8Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes the code point at s[i] (s must be valid UTF-8); *len gets its length.
char32_t DecodeUtf8(std::string_view s, size_t i, size_t* len);

// Number of code points in s (s valid UTF-8).
size_t CountChars(std::string_view s);

// Byte offset reached by advancing `n` code points from `from` (clamped to s.size()).
size_t AdvanceChars(std::string_view s, size_t from, size_t n);
// Byte offset reached by going back `n` code points from `from` (clamped to 0).
size_t RetreatChars(std::string_view s, size_t from, size_t n);

inline bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// True for code points of scripts written without spaces between words
// (CJK ideographs, kana, Hangul, CJK punctuation, fullwidth forms): text in
// these may be cut between any two characters.
bool IsWideScript(char32_t c);

std::string_view TrimAscii(std::string_view s);
// ASCII letters lower-cased; every other byte (UTF-8 included) unchanged.
std::string AsciiLower(std::string_view s);

// 1-based line and column (in bytes) of byte offset `pos` in `s`.
struct LineCol {
  size_t line = 1;
  size_t column = 1;
};
LineCol LineColOf(std::string_view s, size_t pos);

// A string value typed as JSON strings and CSV cells are: an ISO date
// (MetadataValue::ParseDate) becomes a Date, anything else a Keyword.
MetadataValue TypedString(const std::string& s);

// Parses a whole decimal number ("12", "-3.5", "1e6", "+2"); rejects inf/nan,
// hex and anything with trailing characters.
bool ParseNumber(std::string_view s, double* out);

// A title from the start of a text: the first non-empty line, trimmed, when it
// is shorter than kMaxTitleChars characters; otherwise "".
inline constexpr size_t kMaxTitleChars = 120;
std::string FirstLineTitle(std::string_view text);

// The file name without directory and extension ("a/b/leave.md" -> "leave").
std::string FileStem(const std::string& name);

}  // namespace glassbox::ingest
