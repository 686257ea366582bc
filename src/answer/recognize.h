// Recognisers the reader and the verifier share: numbers (digits, 1,000,
// 一千, English number words), amounts with units or currencies, dates
// (2026-01-01, 1 January 2026, January 1, 2026, 2026年1月1日) and capitalised
// names, each with a normalised form so that different spellings compare equal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace glassbox::answer {

struct Entity {
  enum class Kind { kNumber, kDate, kName };
  Kind kind = Kind::kNumber;
  size_t begin = 0, end = 0;  // byte offsets in the text
  std::string norm;           // number: canonical decimal ("1000", "2.5"); date: "YYYY", "YYYY-MM", "YYYY-MM-DD"
                              // or "--MM-DD"; name: lower-cased words
  bool has_unit = false;      // number followed by a unit or currency (or preceded by a currency sign)
  bool is_year = false;       // a lone number 1000..2099 that reads as a year
};

const char* EntityKindName(Entity::Kind k);

// All entities of `text`, ordered by begin. Numbers inside dates are not
// reported separately.
std::vector<Entity> FindEntities(std::string_view text);

// The value of a Chinese numeral ("一千" 1000, "两万三千" 23000, "二〇二六" 2026);
// false when `s` is not one.
bool ParseChineseNumber(std::string_view s, double* value);

// Canonical decimal text of a number (no exponent, no trailing zeros).
std::string FormatNumber(double v);

// One UTF-8 code point at s[i] (U+FFFD for a bad byte); *len its byte length.
char32_t DecodeAt(std::string_view s, size_t i, size_t* len);
bool IsHan(char32_t c);

}  // namespace glassbox::answer
