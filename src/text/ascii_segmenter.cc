// UAX #29 word boundaries restricted to ASCII, as ICU's root word rules apply them.
//
// ASCII word-break classes:
//   ALetter       A-Z a-z
//   Numeric       0-9
//   ExtendNumLet  _
//   MidNumLetQ    .  '      (MidNumLet and Single_Quote)
//   MidNum        ,  ;
//   MidLetter     (none: ICU's root rules remove ':' from MidLetter)
//   everything else breaks on both sides.
// ICU 72 (CLDR 42) also treats '@' as ALetter (so "john@example.com" and
// "@handle" are single words); we do the same.
//
// Agreement by construction: the first time the fast path is used, every
// printable ASCII character is checked against ICU in a set of contexts; a
// character on which the two disagree (e.g. with another ICU version) is marked
// "complex", and AsciiFastPathSafe() returns false for any chunk containing it,
// so that chunk goes through ICU.
// Rules that can join two ASCII characters:
//   WB5  AL x AL        WB6/7  AL x (MidNumLetQ) AL
//   WB8  NU x NU        WB11/12 NU x (MidNum|MidNumLetQ) NU
//   WB9  AL x NU        WB10  NU x AL
//   WB13a (AL|NU|EX) x EX   WB13b EX x (AL|NU)
// A segment is kept when it contains a letter or digit (so "___" is dropped,
// by the same rule IcuWordSpans applies).
#include <cstdint>

#include "text/text_internal.h"

namespace glassbox::text::internal {
namespace {

enum : uint8_t { kOther = 0, kLetter = 1, kDigit = 2, kExtend = 3, kMidNumLet = 4, kMidNum = 5 };

struct ClassTable {
  uint8_t c[256];
  constexpr ClassTable() : c() {
    for (int i = 0; i < 256; ++i) c[i] = kOther;
    for (int i = 'a'; i <= 'z'; ++i) c[i] = kLetter;
    for (int i = 'A'; i <= 'Z'; ++i) c[i] = kLetter;
    for (int i = '0'; i <= '9'; ++i) c[i] = kDigit;
    c[static_cast<unsigned char>('_')] = kExtend;
    c[static_cast<unsigned char>('.')] = kMidNumLet;
    c[static_cast<unsigned char>('\'')] = kMidNumLet;
    c[static_cast<unsigned char>(',')] = kMidNum;
    c[static_cast<unsigned char>(';')] = kMidNum;
    c[static_cast<unsigned char>('@')] = kLetter;
  }
};
constexpr ClassTable kClass;

inline bool IsAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

}  // namespace

void AsciiWordSpans(std::string_view text, uint32_t base, std::vector<Span>* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    uint8_t c = kClass.c[s[i]];
    if (c != kLetter && c != kDigit && c != kExtend) {
      ++i;
      continue;
    }
    const size_t start = i;
    bool alnum = IsAlnum(s[i]);
    uint8_t prev = c;
    ++i;
    while (i < n) {
      uint8_t next = kClass.c[s[i]];
      if (next == kLetter || next == kDigit || next == kExtend) {
        // WB5, WB8, WB9, WB10, WB13a, WB13b: prev is AL, NU or EX here.
        alnum |= IsAlnum(s[i]);
        prev = next;
        ++i;
        continue;
      }
      if (i + 1 < n && (next == kMidNumLet || next == kMidNum)) {
        uint8_t after = kClass.c[s[i + 1]];
        if ((prev == kLetter && after == kLetter && next == kMidNumLet) ||  // WB6/7
            (prev == kDigit && after == kDigit)) {                         // WB11/12
          prev = after;
          alnum |= IsAlnum(s[i + 1]);
          i += 2;
          continue;
        }
      }
      break;
    }
    if (alnum) out->emplace_back(static_cast<uint32_t>(base + start), static_cast<uint32_t>(base + i));
  }
}

namespace {

std::string ShowSpans(std::string_view text, const std::vector<Span>& spans) {
  std::string s;
  for (const auto& sp : spans) {
    s += '[';
    s.append(text.substr(sp.first, sp.second - sp.first));
    s += ']';
  }
  return s;
}

AsciiRouteTable BuildRouteTable() {
  AsciiRouteTable t;
  for (int b = 0; b < 256; ++b) t.to_icu[b] = b >= 0x80;
  static const char* kContexts[] = {"a%ca", "1%c1", "a%c1", "1%ca", "_%c_", "%ca", "a%c", "%c1", "1%c",
                                    "%c",   "%c%c", "a%c%ca", "1%c%c1", "a.%ca", "1.%c1", "a%c.a", "1%c,1",
                                    "a'%c", "%c'a", "a_%c",  "%c_a",  "@%ca",  "a%c@"};
  for (int c = 1; c < 0x80; ++c) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) continue;  // chunk separators
    for (const char* ctx : kContexts) {
      std::string s;
      for (const char* p = ctx; *p; ++p) {
        if (p[0] == '%' && p[1] == 'c') {
          s += static_cast<char>(c);
          ++p;
        } else {
          s += *p;
        }
      }
      std::vector<Span> fast, icu;
      AsciiWordSpans(s, 0, &fast);
      IcuWordSpans(s, 0, &icu);
      if (ShowSpans(s, fast) != ShowSpans(s, icu)) {
        t.to_icu[c] = true;
        break;
      }
    }
  }
  return t;
}

}  // namespace

const AsciiRouteTable& AsciiRoutes() {
  static const AsciiRouteTable t = BuildRouteTable();
  return t;
}

}  // namespace glassbox::text::internal
