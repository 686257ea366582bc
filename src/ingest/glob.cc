#include "ingest/glob.h"

#include <vector>

#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

// Parses the bracket expression at pattern[p] ('['). Returns the offset just
// past the closing ']', or 0 if the bracket is not closed. *matched tells
// whether character `c` (one code point, encoded in `ch`) belongs to the set.
size_t MatchBracket(std::string_view pat, size_t p, std::string_view ch, bool* matched) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pat.size() && (pat[i] == '!' || pat[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pat.size() && (pat[i] != ']' || first)) {
    first = false;
    // One set member: a (possibly escaped) character, or a range lo-hi.
    size_t lo_len;
    if (pat[i] == '\\' && i + 1 < pat.size()) ++i;
    DecodeUtf8(pat, i, &lo_len);
    std::string_view lo = pat.substr(i, lo_len);
    i += lo_len;
    if (i + 1 < pat.size() && pat[i] == '-' && pat[i + 1] != ']') {
      ++i;
      if (pat[i] == '\\' && i + 1 < pat.size()) ++i;
      size_t hi_len;
      DecodeUtf8(pat, i, &hi_len);
      std::string_view hi = pat.substr(i, hi_len);
      i += hi_len;
      size_t l;
      char32_t c = DecodeUtf8(ch, 0, &l);
      if (c >= DecodeUtf8(lo, 0, &l) && c <= DecodeUtf8(hi, 0, &l)) found = true;
    } else if (lo == ch) {
      found = true;
    }
  }
  if (i >= pat.size()) return 0;
  *matched = (found != negate) && ch != "/";
  return i + 1;
}

class Matcher {
 public:
  Matcher(std::string_view pat, std::string_view text)
      : pat_(pat), text_(text), memo_((pat.size() + 1) * (text.size() + 1), kUnknown) {}

  // Memoized so that patterns like "*a*a*a*b" stay polynomial.
  bool Match(size_t p, size_t t) {
    char& m = memo_[p * (text_.size() + 1) + t];
    if (m == kUnknown) m = Compute(p, t) ? kYes : kNo;
    return m == kYes;
  }

 private:
  static constexpr char kUnknown = 0, kYes = 1, kNo = 2;

  bool Compute(size_t p, size_t t) {
    if (p == pat_.size()) return t == text_.size();
    char pc = pat_[p];
    if (pc == '*') {
      if (p + 1 < pat_.size() && pat_[p + 1] == '*') {
        size_t after = p + 2;
        // "**/" at the start of a component also matches zero directories.
        bool component_start = p == 0 || pat_[p - 1] == '/';
        if (component_start && after < pat_.size() && pat_[after] == '/' && Match(after + 1, t)) return true;
        if (Match(after, t)) return true;
        return t < text_.size() && Match(p, t + 1);
      }
      if (Match(p + 1, t)) return true;
      return t < text_.size() && text_[t] != '/' && Match(p, t + 1);
    }
    if (t == text_.size()) return false;
    size_t tlen;
    DecodeUtf8(text_, t, &tlen);
    if (pc == '?') return text_[t] != '/' && Match(p + 1, t + tlen);
    if (pc == '[') {
      bool matched = false;
      size_t next = MatchBracket(pat_, p, text_.substr(t, tlen), &matched);
      if (next != 0) return matched && Match(next, t + tlen);
      // Unclosed: a literal '['.
    }
    if (pc == '\\' && p + 1 < pat_.size()) {
      ++p;
      pc = pat_[p];
    }
    return text_[t] == pc && Match(p + 1, t + 1);
  }

  std::string_view pat_, text_;
  std::vector<char> memo_;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  return Matcher(pattern, path).Match(0, 0);
}

bool GlobMatchRelative(std::string_view pattern, std::string_view relative_path) {
  if (pattern.find('/') == std::string_view::npos) {
    size_t slash = relative_path.rfind('/');
    std::string_view base = slash == std::string_view::npos ? relative_path : relative_path.substr(slash + 1);
    return GlobMatch(pattern, base);
  }
  return GlobMatch(pattern, relative_path);
}

}  // namespace glassbox::ingest
