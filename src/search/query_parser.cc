// ParseQuery: the query syntax of Collection::Search.
//
// Grammar (whitespace separates clauses; ASCII whitespace, U+00A0 and U+3000
// count as whitespace):
//
//   clause   := [+|-] ( phrase | field ':' value | word )
//   phrase   := '"' chars '"' [ '^' number ]
//   value    := phrase | range | ('>=' | '>' | '<=' | '<') bound | word
//   range    := ('[' | '{') bound 'TO' bound (']' | '}')   '*' = open end
//   word     := bytes up to whitespace [ '^' number ]
//   field    := [A-Za-z_][A-Za-z0-9_.]*
//
// A `name:` prefix is a field only when `name` is a valid field name and the
// byte after ':' is neither '/' nor ':' (so "http://x", "std::map" and
// "10:30" stay words). '\' escapes the next byte anywhere. A '^' preceded by
// at least one byte of a word starts its boost. A bare `name^w` (no +/-, no
// field, name a valid field name) becomes a FieldBoost; the binder decides.
// A lone '+' or '-' is ignored, as is an empty phrase "".
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "search/query.h"

namespace glassbox::search {
namespace {

constexpr size_t kMaxQueryBytes = 4096;
constexpr size_t kMaxClauses = 256;

bool IsFieldStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsFieldChar(char c) { return IsFieldStart(c) || (c >= '0' && c <= '9') || c == '.'; }

bool IsFieldName(std::string_view s) {
  if (s.empty() || !IsFieldStart(s[0])) return false;
  for (char c : s) {
    if (!IsFieldChar(c)) return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view q) : q_(q) {}

  Result<ParsedQuery> Parse() {
    if (q_.size() > kMaxQueryBytes) {
      return Error(kMaxQueryBytes, "query longer than " + std::to_string(kMaxQueryBytes) + " bytes");
    }
    size_t pos = 0;
    while (true) {
      pos = SkipSpace(pos);
      if (pos >= q_.size()) break;
      GB_RETURN_IF_ERROR(ParseClause(pos));
    }
    if (out_.clauses.empty() && out_.ranges.empty() && out_.boosts.empty()) {
      return Status::InvalidArgument("query is empty");
    }
    return std::move(out_);
  }

 private:
  static Status Error(size_t offset, std::string_view what) {
    return Status::InvalidArgument("query:" + std::to_string(offset) + ": " + std::string(what));
  }

  // Length of the whitespace character at pos (0 if none).
  size_t SpaceLen(size_t pos) const {
    if (pos >= q_.size()) return 0;
    const auto c = static_cast<unsigned char>(q_[pos]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
    if (c == 0xC2 && pos + 1 < q_.size() && static_cast<unsigned char>(q_[pos + 1]) == 0xA0) return 2;
    if (c == 0xE3 && pos + 2 < q_.size() && static_cast<unsigned char>(q_[pos + 1]) == 0x80 &&
        static_cast<unsigned char>(q_[pos + 2]) == 0x80) {
      return 3;
    }
    return 0;
  }
  // True at the end of a token: end of input or whitespace.
  bool AtBoundary(size_t pos) const { return pos >= q_.size() || SpaceLen(pos) > 0; }
  size_t SkipSpace(size_t pos) const {
    while (size_t n = SpaceLen(pos)) pos += n;
    return pos;
  }

  Status CountClause(size_t offset) {
    if (++clauses_ > kMaxClauses) {
      return Error(offset, "more than " + std::to_string(kMaxClauses) + " clauses");
    }
    return Status::OK();
  }

  // Parses "^number" at pos (pos points at '^'); the number runs to the next
  // whitespace. Advances pos past it.
  Status ParseBoost(size_t& pos, double& boost) {
    const size_t start = pos + 1;
    size_t end = start;
    while (!AtBoundary(end)) ++end;
    pos = end;
    return ParseNumber(start, end, boost);
  }

  Status ParseNumber(size_t start, size_t end, double& boost) {
    const char* first = q_.data() + start;
    const char* last = q_.data() + end;
    double v = 0;
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (start == end || ec != std::errc() || ptr != last || !std::isfinite(v) || !(v > 0)) {
      return Error(start, "bad boost number");
    }
    boost = v;
    return Status::OK();
  }

  // Reads a quoted string starting at the '"' at pos; pos ends after the
  // closing quote. Returns false if unterminated.
  bool ReadQuoted(size_t& pos, std::string& text) {
    size_t i = pos + 1;
    while (i < q_.size()) {
      const char c = q_[i];
      if (c == '\\' && i + 1 < q_.size()) {
        text.push_back(q_[i + 1]);
        i += 2;
      } else if (c == '"') {
        pos = i + 1;
        return true;
      } else {
        text.push_back(c);
        ++i;
      }
    }
    return false;
  }

  // Reads a word up to whitespace, unescaping. If `allow_boost`, an unescaped
  // '^' after at least one byte ends the word and starts a boost. Sets
  // `plain` when the word had no escapes.
  Status ReadWord(size_t& pos, std::string& text, double& boost, bool& plain, bool allow_boost,
                  bool* boosted = nullptr) {
    plain = true;
    while (!AtBoundary(pos)) {
      const char c = q_[pos];
      if (c == '\\' && pos + 1 < q_.size()) {
        text.push_back(q_[pos + 1]);
        pos += 2;
        plain = false;
      } else if (c == '^' && allow_boost && !text.empty()) {
        if (boosted) *boosted = true;
        return ParseBoost(pos, boost);
      } else {
        text.push_back(c);
        ++pos;
      }
    }
    return Status::OK();
  }

  Status ParseClause(size_t& pos) {
    const size_t start = pos;
    Occur occur = Occur::kShould;
    bool has_prefix = false;
    if (q_[pos] == '+' || q_[pos] == '-') {
      occur = q_[pos] == '+' ? Occur::kMust : Occur::kMustNot;
      has_prefix = true;
      ++pos;
      if (AtBoundary(pos)) return Status::OK();  // a lone operator
    }
    if (q_[pos] == '"') return ParsePhrase(pos, start, occur, std::string());

    // field prefix?
    size_t name_end = pos;
    if (IsFieldStart(q_[name_end])) {
      ++name_end;
      while (name_end < q_.size() && IsFieldChar(q_[name_end])) ++name_end;
    }
    if (name_end > pos && name_end < q_.size() && q_[name_end] == ':') {
      const size_t v = name_end + 1;
      const bool url_like = v < q_.size() && (q_[v] == '/' || q_[v] == ':');
      if (!url_like) {
        std::string field(q_.substr(pos, name_end - pos));
        if (AtBoundary(v)) return Error(v, "empty field value");
        pos = v;
        return ParseFieldValue(pos, start, occur, std::move(field));
      }
    }

    // a plain word
    Clause clause;
    clause.occur = occur;
    bool plain = true;
    bool boosted = false;
    GB_RETURN_IF_ERROR(ReadWord(pos, clause.text, clause.boost, plain, /*allow_boost=*/true, &boosted));
    if (clause.text.empty()) return Status::OK();
    if (boosted && !has_prefix && plain && IsFieldName(clause.text)) {
      GB_RETURN_IF_ERROR(CountClause(start));
      out_.boosts.push_back(FieldBoost{std::move(clause.text), clause.boost});
      return Status::OK();
    }
    GB_RETURN_IF_ERROR(CountClause(start));
    out_.clauses.push_back(std::move(clause));
    return Status::OK();
  }

  Status ParsePhrase(size_t& pos, size_t start, Occur occur, std::string field) {
    const size_t quote = pos;
    Clause clause;
    clause.kind = Clause::Kind::kPhrase;
    clause.occur = occur;
    clause.field = std::move(field);
    if (!ReadQuoted(pos, clause.text)) return Error(quote, "unterminated phrase");
    if (pos < q_.size() && q_[pos] == '^') GB_RETURN_IF_ERROR(ParseBoost(pos, clause.boost));
    if (clause.text.empty()) {
      if (!clause.field.empty()) return Error(quote, "empty field value");
      return Status::OK();
    }
    GB_RETURN_IF_ERROR(CountClause(start));
    out_.clauses.push_back(std::move(clause));
    return Status::OK();
  }

  Status ParseFieldValue(size_t& pos, size_t start, Occur occur, std::string field) {
    const char c = q_[pos];
    if (c == '"') return ParsePhrase(pos, start, occur, std::move(field));
    RangeClause range;
    range.occur = occur == Occur::kMustNot ? Occur::kMustNot : Occur::kMust;
    range.field = std::move(field);
    if (c == '[' || c == '{') {
      GB_RETURN_IF_ERROR(ParseRange(pos, range));
      GB_RETURN_IF_ERROR(CountClause(start));
      out_.ranges.push_back(std::move(range));
      return Status::OK();
    }
    if (c == '>' || c == '<') {
      const bool inclusive = pos + 1 < q_.size() && q_[pos + 1] == '=';
      pos += inclusive ? 2 : 1;
      if (AtBoundary(pos)) return Error(pos, "empty field value");
      std::string value;
      double unused = 1;
      bool plain = true;
      GB_RETURN_IF_ERROR(ReadWord(pos, value, unused, plain, /*allow_boost=*/false));
      if (c == '>') {
        range.lo = std::move(value);
        range.lo_inclusive = inclusive;
      } else {
        range.hi = std::move(value);
        range.hi_inclusive = inclusive;
      }
      GB_RETURN_IF_ERROR(CountClause(start));
      out_.ranges.push_back(std::move(range));
      return Status::OK();
    }
    Clause clause;
    clause.occur = occur;
    clause.field = std::move(range.field);
    bool plain = true;
    GB_RETURN_IF_ERROR(ReadWord(pos, clause.text, clause.boost, plain, /*allow_boost=*/true));
    if (clause.text.empty()) return Error(pos, "empty field value");
    GB_RETURN_IF_ERROR(CountClause(start));
    out_.clauses.push_back(std::move(clause));
    return Status::OK();
  }

  // One bound of a range: a quoted string, or bytes up to whitespace or a
  // closing bracket. An unquoted, unescaped '*' is an open end ("").
  Status ReadBound(size_t& pos, std::string& out) {
    if (q_[pos] == '"') {
      const size_t quote = pos;
      if (!ReadQuoted(pos, out)) return Error(quote, "unterminated phrase");
      return Status::OK();
    }
    bool escaped = false;
    while (!AtBoundary(pos) && q_[pos] != ']' && q_[pos] != '}') {
      if (q_[pos] == '\\' && pos + 1 < q_.size()) {
        out.push_back(q_[pos + 1]);
        pos += 2;
        escaped = true;
      } else {
        out.push_back(q_[pos++]);
      }
    }
    if (!escaped && out == "*") out.clear();
    return Status::OK();
  }

  Status ParseRange(size_t& pos, RangeClause& range) {
    const size_t open = pos;
    range.lo_inclusive = q_[pos] == '[';
    pos = SkipSpace(pos + 1);
    if (pos >= q_.size()) return Error(open, "unterminated range");
    GB_RETURN_IF_ERROR(ReadBound(pos, range.lo));
    pos = SkipSpace(pos);
    if (pos >= q_.size()) return Error(open, "unterminated range");
    if (q_.compare(pos, 2, "TO") != 0 || !AtBoundary(pos + 2)) return Error(pos, "missing TO");
    pos = SkipSpace(pos + 2);
    if (pos >= q_.size()) return Error(open, "unterminated range");
    GB_RETURN_IF_ERROR(ReadBound(pos, range.hi));
    pos = SkipSpace(pos);
    if (pos >= q_.size()) return Error(open, "unterminated range");
    if (q_[pos] != ']' && q_[pos] != '}') return Error(pos, "expected ']' or '}' to close the range");
    range.hi_inclusive = q_[pos] == ']';
    ++pos;
    if (pos < q_.size() && q_[pos] == '^') return Error(pos, "a range cannot be boosted");
    return Status::OK();
  }

  std::string_view q_;
  ParsedQuery out_;
  size_t clauses_ = 0;
};

}  // namespace

Result<ParsedQuery> ParseQuery(std::string_view query) { return Parser(query).Parse(); }

}  // namespace glassbox::search
