#include "ingest/text_util.h"

#include <charconv>
#include <cmath>
#include <filesystem>

namespace glassbox::ingest {

size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;          // overlong
      if (c == 0xED) hi = 0x9F;          // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;          // overlong
      if (c == 0xF4) hi = 0x8F;          // past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if (!IsUtf8Continuation(p[i + k])) return i;
    i += len;
  }
  return std::string_view::npos;
}

char32_t DecodeUtf8(std::string_view s, size_t i, size_t* len) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t l = Utf8SeqLen(c);
  if (i + l > s.size()) l = 1;
  *len = l;
  if (l == 1) return c;
  char32_t cp = c & (0x7F >> l);
  for (size_t k = 1; k < l; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if (!IsUtf8Continuation(static_cast<unsigned char>(c))) ++n;
  return n;
}

size_t AdvanceChars(std::string_view s, size_t from, size_t n) {
  size_t i = from;
  while (i < s.size() && n > 0) {
    ++i;
    while (i < s.size() && IsUtf8Continuation(static_cast<unsigned char>(s[i]))) ++i;
    --n;
  }
  return i < s.size() ? i : s.size();
}

size_t RetreatChars(std::string_view s, size_t from, size_t n) {
  size_t i = from;
  while (i > 0 && n > 0) {
    --i;
    while (i > 0 && IsUtf8Continuation(static_cast<unsigned char>(s[i]))) --i;
    --n;
  }
  return i;
}

bool IsWideScript(char32_t c) {
  return (c >= 0x1100 && c <= 0x11FF) ||    // Hangul Jamo
         (c >= 0x2E80 && c <= 0x303F) ||    // CJK radicals, Kangxi, CJK symbols and punctuation
         (c >= 0x3040 && c <= 0x31FF) ||    // kana, bopomofo, Hangul compatibility
         (c >= 0x3400 && c <= 0x4DBF) ||    // CJK extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||    // CJK unified ideographs
         (c >= 0xAC00 && c <= 0xD7AF) ||    // Hangul syllables
         (c >= 0xF900 && c <= 0xFAFF) ||    // CJK compatibility ideographs
         (c >= 0xFE30 && c <= 0xFE4F) ||    // CJK compatibility forms
         (c >= 0xFF00 && c <= 0xFFEF) ||    // fullwidth forms
         (c >= 0x20000 && c <= 0x3FFFF);    // supplementary ideographic planes
}

std::string_view TrimAscii(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsAsciiSpace(s[b])) ++b;
  while (e > b && IsAsciiSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

LineCol LineColOf(std::string_view s, size_t pos) {
  LineCol lc;
  if (pos > s.size()) pos = s.size();
  size_t line_start = 0;
  for (size_t i = 0; i < pos; ++i) {
    if (s[i] == '\n') {
      ++lc.line;
      line_start = i + 1;
    }
  }
  lc.column = pos - line_start + 1;
  return lc;
}

MetadataValue TypedString(const std::string& s) {
  MetadataValue v;
  if (MetadataValue::ParseDate(s, &v)) return v;
  return MetadataValue::Keyword(s);
}

bool ParseNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  if (s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  // from_chars also accepts "inf", "nan" and hex floats only with a format flag;
  // insist on a digit or a dot after the sign so that words are never numbers.
  size_t first = s[0] == '-' ? 1 : 0;
  if (first >= s.size() || !((s[first] >= '0' && s[first] <= '9') || s[first] == '.')) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::string FirstLineTitle(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = TrimAscii(text.substr(pos, nl - pos));
    if (!line.empty()) return CountChars(line) < kMaxTitleChars ? std::string(line) : std::string();
    pos = nl + 1;
  }
  return {};
}

std::string FileStem(const std::string& name) {
  return std::filesystem::path(name).stem().string();
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace glassbox::ingest
