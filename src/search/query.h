// The logical query: what the user asked, before it is bound to an index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::search {

enum class Occur { kShould, kMust, kMustNot };

// A word or phrase clause. `text` is raw (not yet analyzed); analysis may
// turn one word into several terms (e.g. a Chinese word), which are then
// scored as a bag (kTerm) or must be consecutive (kPhrase).
struct Clause {
  enum class Kind { kTerm, kPhrase };
  Kind kind = Kind::kTerm;
  Occur occur = Occur::kShould;
  std::string field;   // "" = all default text fields; otherwise a text or metadata field
  std::string text;
  double boost = 1.0;  // word^3
};

// field:[lo TO hi], field:{lo TO hi}, field:>=lo, field:<hi ...
struct RangeClause {
  Occur occur = Occur::kMust;  // kMustNot for -field:[..]
  std::string field;
  std::string lo, hi;          // "" or "*" = open
  bool lo_inclusive = true, hi_inclusive = true;
};

// A bare `name^w`: the binder treats it as a field weight if `name` is a text
// field of the collection, else as a boosted term.
struct FieldBoost {
  std::string field;
  double weight = 1.0;
};

struct ParsedQuery {
  std::vector<Clause> clauses;
  std::vector<RangeClause> ranges;
  std::vector<FieldBoost> boosts;  // every name^w with no field prefix
};

// Parses the query syntax (see Collection::Search). InvalidArgument with the
// byte offset of the problem, e.g. "query:12: unterminated phrase".
Result<ParsedQuery> ParseQuery(std::string_view query);

}  // namespace glassbox::search
