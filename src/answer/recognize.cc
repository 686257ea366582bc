#include "answer/recognize.h"
#include "ingest/text_util.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace glassbox::answer {
namespace {

struct Atom {
  enum class T { kDigits, kHanNum, kWord, kHan, kPunct, kSpace };
  T t = T::kPunct;
  size_t b = 0, e = 0;
  std::string text;
  double value = 0;
  char32_t cp = 0;  // kHan / kPunct: the code point
};

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int HanDigit(char32_t c) {
  switch (c) {
    case U'零': case U'〇': return 0;
    case U'一': return 1; case U'二': case U'两': return 2; case U'三': return 3; case U'四': return 4;
    case U'五': return 5; case U'六': return 6; case U'七': return 7; case U'八': return 8; case U'九': return 9;
    default: return -1;
  }
}
double HanUnit(char32_t c) {
  switch (c) {
    case U'十': return 10; case U'百': return 100; case U'千': return 1000;
    case U'万': case U'萬': return 1e4; case U'亿': case U'億': return 1e8;
    default: return 0;
  }
}
bool IsHanNumChar(char32_t c) { return HanDigit(c) >= 0 || HanUnit(c) > 0; }

int MonthOf(const std::string& w) {
  if (w.empty() || !std::isupper(static_cast<unsigned char>(w[0]))) return 0;
  static const char* kFull[] = {"january", "february", "march", "april", "may", "june", "july",
                                "august", "september", "october", "november", "december"};
  static const char* kShort[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string l = ingest::AsciiLower(w);
  for (int i = 0; i < 12; ++i)
    if (l == kFull[i] || l == kShort[i] || (i == 8 && l == "sept")) return i + 1;
  return 0;
}

double NumberWord(const std::string& w) {
  static const char* kSmall[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                 "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                                 "seventeen", "eighteen", "nineteen", "twenty"};
  std::string l = ingest::AsciiLower(w);
  for (int i = 0; i <= 20; ++i)
    if (l == kSmall[i]) return i;
  static const char* kTens[] = {"thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
  for (int i = 0; i < 7; ++i)
    if (l == kTens[i]) return 30 + 10 * i;
  if (l == "hundred") return 100;
  if (l == "thousand") return 1000;
  if (l == "dozen") return 12;
  return -1;
}

double Multiplier(const std::string& w) {
  std::string l = ingest::AsciiLower(w);
  if (l == "thousand") return 1e3;
  if (l == "million") return 1e6;
  if (l == "billion") return 1e9;
  if (l == "trillion") return 1e12;
  return 0;
}

bool IsUnitWord(const std::string& w) {
  static const char* kUnits[] = {"percent", "per", "tonnes", "tonne", "tons", "ton", "kg", "kilograms", "g", "grams",
                                 "km", "kilometres", "kilometers", "miles", "mile", "m", "metres", "meters", "feet",
                                 "foot", "ft", "inches", "cm", "mm", "dollars", "dollar", "euros", "euro", "pounds",
                                 "yuan", "cny", "usd", "eur", "gbp", "rmb", "hkd", "twd", "yen", "hours", "hour",
                                 "minutes", "days", "day", "weeks", "months", "years", "year", "acres", "hectares",
                                 "square", "mph", "kmh", "degrees", "°c", "points", "people", "students", "times"};
  std::string l = ingest::AsciiLower(w);
  for (const char* u : kUnits)
    if (l == u) return true;
  return false;
}

bool IsHanUnit(char32_t c) {
  static const char32_t kUnits[] = U"元块吨斤克米里人个岁天年月日号次%％亩平方件名位座所家条种部本台辆倍度分秒";
  for (const char32_t* p = kUnits; *p; ++p)
    if (*p == c) return true;
  return false;
}

bool IsCurrencySign(char32_t c) { return c == U'$' || c == U'€' || c == U'£' || c == U'¥' || c == U'￥'; }

bool IsNameConnector(const std::string& w) { return w == "of" || w == "de" || w == "von" || w == "van" || w == "da" || w == "del" || w == "la"; }

bool IsFunctionWord(const std::string& w) {
  static const char* kWords[] = {"the", "a", "an", "in", "on", "at", "it", "this", "that", "these", "those", "he",
                                 "she", "they", "we", "i", "you", "his", "her", "their", "its", "our", "and", "but",
                                 "or", "if", "when", "while", "after", "before", "during", "as", "by", "for", "from",
                                 "with", "to", "of", "there", "what", "who", "which", "where", "how", "why", "is",
                                 "was", "were", "are", "be", "since", "although", "however", "also", "some", "many",
                                 "most", "all", "both", "each", "other", "such", "one", "not", "no"};
  std::string l = ingest::AsciiLower(w);
  for (const char* f : kWords)
    if (l == f) return true;
  return false;
}

std::vector<Atom> Atomize(std::string_view s) {
  std::vector<Atom> out;
  size_t i = 0;
  while (i < s.size()) {
    Atom a;
    a.b = i;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsAsciiDigit(s[i])) {
      size_t j = i;
      std::string digits;
      while (j < s.size()) {
        if (IsAsciiDigit(s[j])) {
          digits += s[j++];
        } else if (s[j] == ',' && !digits.empty() && j + 3 < s.size() && IsAsciiDigit(s[j + 1]) &&
                   IsAsciiDigit(s[j + 2]) && IsAsciiDigit(s[j + 3]) && (j + 4 >= s.size() || !IsAsciiDigit(s[j + 4]))) {
          j++;  // thousands separator
        } else if (s[j] == '.' && j + 1 < s.size() && IsAsciiDigit(s[j + 1]) && digits.find('.') == std::string::npos) {
          digits += s[j++];
        } else {
          break;
        }
      }
      a.t = Atom::T::kDigits;
      a.e = j;
      a.text = digits;
      a.value = std::strtod(digits.c_str(), nullptr);
      out.push_back(a);
      i = j;
      continue;
    }
    if (IsAsciiAlpha(s[i])) {
      size_t j = i;
      while (j < s.size()) {
        if (IsAsciiAlpha(s[j]) || ((s[j] == '\'' || s[j] == '-') && j + 1 < s.size() && IsAsciiAlpha(s[j + 1]))) {
          ++j;
          continue;
        }
        size_t l2 = 1;
        char32_t c2 = static_cast<unsigned char>(s[j]) >= 0x80 ? DecodeAt(s, j, &l2) : 0;
        if (c2 >= 0xC0 && c2 <= 0x24F && c2 != 0xD7 && c2 != 0xF7) {  // Latin letters with accents: Bogusławski
          j += l2;
          continue;
        }
        break;
      }
      a.t = Atom::T::kWord;
      a.e = j;
      a.text = std::string(s.substr(i, j - i));
      out.push_back(a);
      i = j;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) ++j;
      a.t = Atom::T::kSpace;
      a.e = j;
      out.push_back(a);
      i = j;
      continue;
    }
    size_t len = 1;
    char32_t cp = DecodeAt(s, i, &len);
    if (IsHanNumChar(cp)) {
      size_t j = i;
      while (j < s.size()) {
        size_t l2 = 1;
        char32_t c2 = DecodeAt(s, j, &l2);
        if (!IsHanNumChar(c2)) break;
        j += l2;
      }
      a.t = Atom::T::kHanNum;
      a.e = j;
      a.text = std::string(s.substr(i, j - i));
      if (!ParseChineseNumber(a.text, &a.value)) a.t = Atom::T::kHan;
      out.push_back(a);
      i = j;
      continue;
    }
    a.t = IsHan(cp) ? Atom::T::kHan : Atom::T::kPunct;
    a.cp = cp;
    a.e = i + len;
    a.text = std::string(s.substr(i, len));
    out.push_back(a);
    i += len;
  }
  return out;
}

bool IsNum(const Atom& a) { return a.t == Atom::T::kDigits || a.t == Atom::T::kHanNum; }
bool IsChar(const Atom& a, char32_t c) { return (a.t == Atom::T::kHan || a.t == Atom::T::kPunct) && a.cp == c; }

std::string Pad2(double v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(v));
  return buf;
}

}  // namespace

char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      *len = 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *len = n;
  return cp;
}

bool IsHan(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0xF900 && c <= 0xFAFF);
}

const char* EntityKindName(Entity::Kind k) {
  switch (k) {
    case Entity::Kind::kNumber: return "number";
    case Entity::Kind::kDate: return "date";
    case Entity::Kind::kName: return "name";
  }
  return "?";
}

bool ParseChineseNumber(std::string_view s, double* value) {
  std::vector<char32_t> cps;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    cps.push_back(DecodeAt(s, i, &len));
    i += len;
  }
  if (cps.empty()) return false;
  bool has_unit = false;
  for (char32_t c : cps) {
    if (!IsHanNumChar(c)) return false;
    if (HanUnit(c) > 0) has_unit = true;
  }
  if (!has_unit) {  // digit by digit: 二〇二六
    if (cps.size() == 1) {
      *value = HanDigit(cps[0]);
      return true;
    }
    double v = 0;
    for (char32_t c : cps) v = v * 10 + HanDigit(c);
    *value = v;
    return true;
  }
  double total = 0, section = 0, digit = -1;
  for (char32_t c : cps) {
    int d = HanDigit(c);
    if (d >= 0) {
      digit = d;
      continue;
    }
    double u = HanUnit(c);
    if (u >= 1e4) {
      total = (total + section + std::max(digit, 0.0)) * u;
      if (total == 0) total = u;
      section = 0;
    } else {
      section += (digit < 0 ? 1 : digit) * u;
    }
    digit = -1;
  }
  *value = total + section + std::max(digit, 0.0);
  return true;
}

std::string FormatNumber(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6f", v);
    std::string s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  return buf;
}

std::vector<Entity> FindEntities(std::string_view text) {
  std::vector<Atom> at = Atomize(text);
  std::vector<Entity> out;
  const size_t n = at.size();
  // Next non-space atom after index i (n when none).
  auto next = [&](size_t i) {
    size_t j = i + 1;
    while (j < n && at[j].t == Atom::T::kSpace) ++j;
    return j;
  };
  auto prev = [&](size_t i) -> long {
    long j = static_cast<long>(i) - 1;
    while (j >= 0 && at[j].t == Atom::T::kSpace) --j;
    return j;
  };
  size_t i = 0;
  while (i < n) {
    const Atom& a = at[i];
    // Chinese dates: 2026年1月1日, 2026年1月, 1月1日, 二〇二六年.
    if (IsNum(a) && i + 1 < n && (IsChar(at[i + 1], U'年') || IsChar(at[i + 1], U'月'))) {
      Entity e;
      e.kind = Entity::Kind::kDate;
      e.begin = a.b;
      size_t j = i;
      std::string year, month, day;
      if (IsChar(at[i + 1], U'年') && a.value >= 100 && a.value < 3000) {
        year = FormatNumber(a.value);
        j = i + 2;
        e.end = at[i + 1].e;
        if (j + 1 < n && IsNum(at[j]) && IsChar(at[j + 1], U'月') && at[j].value >= 1 && at[j].value <= 12) {
          month = Pad2(at[j].value);
          e.end = at[j + 1].e;
          j += 2;
        }
      } else if (IsChar(at[i + 1], U'月') && a.value >= 1 && a.value <= 12) {
        month = Pad2(a.value);
        e.end = at[i + 1].e;
        j = i + 2;
      }
      if (!year.empty() || !month.empty()) {
        if (!month.empty() && j + 1 < n && IsNum(at[j]) && (IsChar(at[j + 1], U'日') || IsChar(at[j + 1], U'号')) &&
            at[j].value >= 1 && at[j].value <= 31) {
          day = Pad2(at[j].value);
          e.end = at[j + 1].e;
          j += 2;
        }
        e.norm = year.empty() ? "--" + month + (day.empty() ? "" : "-" + day)
                              : year + (month.empty() ? "" : "-" + month + (day.empty() ? "" : "-" + day));
        out.push_back(e);
        i = j;
        continue;
      }
    }
    // ISO dates: 2026-01-01.
    if (a.t == Atom::T::kDigits && a.text.size() == 4 && i + 4 < n && IsChar(at[i + 1], U'-') &&
        at[i + 2].t == Atom::T::kDigits && IsChar(at[i + 3], U'-') && at[i + 4].t == Atom::T::kDigits &&
        at[i + 2].value >= 1 && at[i + 2].value <= 12 && at[i + 4].value >= 1 && at[i + 4].value <= 31) {
      out.push_back({Entity::Kind::kDate, a.b, at[i + 4].e,
                     a.text + "-" + Pad2(at[i + 2].value) + "-" + Pad2(at[i + 4].value), false, false});
      i = i + 5;
      continue;
    }
    // English dates: 1 January 2026; January 1, 2026; January 2026; January 1.
    if (a.t == Atom::T::kDigits && a.text.size() <= 2 && a.value >= 1 && a.value <= 31) {
      size_t m = next(i);
      if (m < n && at[m].t == Atom::T::kWord && MonthOf(at[m].text)) {
        size_t y = next(m);
        Entity e{Entity::Kind::kDate, a.b, at[m].e, "--" + Pad2(MonthOf(at[m].text)) + "-" + Pad2(a.value), false, false};
        size_t after = m + 1;
        if (y < n && at[y].t == Atom::T::kDigits && at[y].text.size() == 4) {
          e.norm = at[y].text + "-" + Pad2(MonthOf(at[m].text)) + "-" + Pad2(a.value);
          e.end = at[y].e;
          after = y + 1;
        }
        out.push_back(e);
        i = after;
        continue;
      }
    }
    if (a.t == Atom::T::kWord && MonthOf(a.text)) {
      const int month = MonthOf(a.text);
      size_t d = next(i);
      if (d < n && at[d].t == Atom::T::kDigits) {
        if (at[d].text.size() == 4) {
          out.push_back({Entity::Kind::kDate, a.b, at[d].e, at[d].text + "-" + Pad2(month), false, false});
          i = d + 1;
          continue;
        }
        if (at[d].text.size() <= 2 && at[d].value >= 1 && at[d].value <= 31) {
          Entity e{Entity::Kind::kDate, a.b, at[d].e, "--" + Pad2(month) + "-" + Pad2(at[d].value), false, false};
          size_t y = next(d);
          if (y < n && IsChar(at[y], U',')) y = next(y);
          size_t after = d + 1;
          if (y < n && at[y].t == Atom::T::kDigits && at[y].text.size() == 4) {
            e.norm = at[y].text + "-" + Pad2(month) + "-" + Pad2(at[d].value);
            e.end = at[y].e;
            after = y + 1;
          }
          out.push_back(e);
          i = after;
          continue;
        }
      }
    }
    // Numbers, with multipliers and units.
    double word_value = a.t == Atom::T::kWord ? NumberWord(a.text) : -1;
    if (IsNum(a) || word_value >= 0) {
      Entity e;
      e.kind = Entity::Kind::kNumber;
      e.begin = a.b;
      e.end = a.e;
      double v = IsNum(a) ? a.value : word_value;
      size_t j = i + 1;
      // 3万, 1.5亿
      if (j < n && at[j].t == Atom::T::kHanNum && (at[j].text == "万" || at[j].text == "亿" || at[j].text == "萬" ||
                                                  at[j].text == "億")) {
        v *= at[j].text == "万" || at[j].text == "萬" ? 1e4 : 1e8;
        e.end = at[j].e;
        ++j;
      }
      size_t k = next(j - 1);
      if (k < n && at[k].t == Atom::T::kWord && Multiplier(at[k].text) > 0 && !(word_value >= 0 && k == i)) {
        v *= Multiplier(at[k].text);
        e.end = at[k].e;
        j = k + 1;
        k = next(j - 1);
      }
      long p = prev(i);
      if (p >= 0 && (at[p].t == Atom::T::kPunct) && IsCurrencySign(at[p].cp)) {
        e.has_unit = true;
        e.begin = at[p].b;
      }
      if (k < n && ((at[k].t == Atom::T::kWord && IsUnitWord(at[k].text)) ||
                    ((at[k].t == Atom::T::kHan || at[k].t == Atom::T::kPunct) &&
                     (k == j || (k == j + 1 && at[j].t == Atom::T::kSpace && at[j].e - at[j].b == 1)) &&
                     IsHanUnit(at[k].cp)))) {
        e.has_unit = true;
        e.end = at[k].e;
        j = k + 1;
      } else if (k < n && at[k].t == Atom::T::kPunct && at[k].cp == U'°' &&
                 (k == j || (k == j + 1 && at[j].t == Atom::T::kSpace && at[j].e - at[j].b == 1))) {
        // Degrees with their scale or compass point: 565 °C, 28.5°E (the letter is no name).
        e.has_unit = true;
        e.end = at[k].e;
        j = k + 1;
        if (j < n && at[j].t == Atom::T::kWord && at[j].text.size() == 1) e.end = at[j++].e;
      }
      e.norm = FormatNumber(v);
      e.is_year = a.t == Atom::T::kDigits && a.text.size() == 4 && v >= 1000 && v < 2100 && !e.has_unit;
      out.push_back(e);
      i = j;
      continue;
    }
    // Capitalised names: Kawann Short, University of Notre Dame.
    if (a.t == Atom::T::kWord && std::isupper(static_cast<unsigned char>(a.text[0])) && !IsFunctionWord(a.text)) {
      Entity e{Entity::Kind::kName, a.b, a.e, ingest::AsciiLower(a.text), false, false};
      size_t j = i + 1;
      while (true) {
        size_t k = next(j - 1);
        if (k >= n || at[k].t != Atom::T::kWord || k - (j - 1) > 2) break;
        if (std::isupper(static_cast<unsigned char>(at[k].text[0])) && !IsFunctionWord(at[k].text)) {
          e.end = at[k].e;
          e.norm += " " + ingest::AsciiLower(at[k].text);
          j = k + 1;
          continue;
        }
        size_t k2 = next(k);
        if (IsNameConnector(at[k].text) && k2 < n && at[k2].t == Atom::T::kWord &&
            std::isupper(static_cast<unsigned char>(at[k2].text[0])) && !IsFunctionWord(at[k2].text)) {
          e.end = at[k2].e;
          e.norm += " " + at[k].text + " " + ingest::AsciiLower(at[k2].text);
          j = k2 + 1;
          continue;
        }
        break;
      }
      out.push_back(e);
      i = j;
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace glassbox::answer
