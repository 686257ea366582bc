#include "glassbox/request.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace glassbox {
namespace {

constexpr size_t kMaxK = 10000, kMaxOffset = 100000, kMaxCandidates = 10000, kMaxEf = 100000;
constexpr size_t kMaxSnippetChars = 100000, kMaxHighlightBytes = 64, kMaxFacets = 32;
constexpr size_t kMaxFeedback = 1000;

Status Invalid(std::string_view name, const std::string& what) {
  return Status::InvalidArgument("option \"" + std::string(name) + "\" " + what);
}

bool ParseWhole(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 19) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseReal(std::string_view s, double* out) {
  std::string t(s);
  if (t.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && std::isfinite(*out);
}

bool ParseFlag(std::string_view s, bool* out) {
  if (s == "true" || s == "1") *out = true;
  else if (s == "false" || s == "0") *out = false;
  else return false;
  return true;
}

// "bm25=0.8,vector=0.2" or "0.8,0.2" (BM25 first).
Status ParseWeights(std::string_view s, SearchOptions* o) {
  double w[3] = {NAN, NAN, NAN};  // NaN: not given
  size_t positional = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string_view part = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    size_t eq = part.find('=');
    double v;
    if (eq == std::string_view::npos) {
      if (positional > 1 || !ParseReal(part, &v))
        return Invalid("weights", "is bm25=W,vector=W or W,W (e.g. 0.8,0.2); got '" + std::string(s) + "'");
      w[positional++] = v;
    } else {
      std::string_view name = part.substr(0, eq);
      if (!ParseReal(part.substr(eq + 1), &v))
        return Invalid("weights", "needs a number after '" + std::string(name) + "='");
      if (name == "bm25") w[0] = v;
      else if (name == "vector") w[1] = v;
      else if (name == "faq") w[2] = v;
      else return Invalid("weights", "names an unknown retriever '" + std::string(name) + "' (bm25, vector, faq)");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (std::isnan(w[0]) && std::isnan(w[1]) && std::isnan(w[2])) return Invalid("weights", "is empty");
  if (w[0] < 0 || w[1] < 0 || w[2] < 0) return Invalid("weights", "must not be negative");
  o->bm25_weight = std::isnan(w[0]) ? 0 : w[0];
  o->vector_weight = std::isnan(w[1]) ? 0 : w[1];
  o->faq_weight = std::isnan(w[2]) ? 0 : w[2];
  o->use_collection_fusion = false;
  return Status::OK();
}

// "docs=10,terms=10,weight=0.5" (any of them; the others keep their
// defaults), "on"/"true" (all defaults) or "off"/"false".
Status ParseFeedback(std::string_view s, SearchOptions::Feedback* f) {
  const std::string syntax = "is docs=N,terms=N,weight=X (any of them), on or off; got '" + std::string(s) + "'";
  SearchOptions::Feedback out;
  out.docs = 10;
  if (s == "off" || s == "false" || s == "0") out.docs = 0;
  else if (s == "on" || s == "true" || s == "1") {}
  else {
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      std::string_view part = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) return Invalid("feedback", syntax);
      std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
      bool ok = key == "docs"     ? ParseWhole(value, &out.docs)
                : key == "terms"  ? ParseWhole(value, &out.terms)
                : key == "weight" ? ParseReal(value, &out.weight)
                                  : false;
      if (!ok) {
        if (key != "docs" && key != "terms" && key != "weight")
          return Invalid("feedback", "names an unknown setting '" + std::string(key) + "' (docs, terms, weight)");
        return Invalid("feedback", "needs a " + std::string(key == "weight" ? "number" : "whole number") +
                                       " after '" + std::string(key) + "=', not '" + std::string(value) + "'");
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  *f = out;
  return Status::OK();
}

}  // namespace

const std::vector<SearchOptionSpec>& SearchOptionSpecs() {
  static const std::vector<SearchOptionSpec> kSpecs = {
      {"k", "N", "hits to return (default 10, at most 10000)"},
      {"offset", "N", "hits to skip, for paging (default 0)"},
      {"mode", "auto|bm25|vector|hybrid", "retrievers to run (auto: hybrid when the collection has vectors)"},
      {"fusion", "rrf|minmax|zscore", "how hybrid fuses the rankings (default: the collection's calibrated fusion)"},
      {"weights", "bm25=W,vector=W,faq=W | W,W", "retriever weights for fusion (default: the collection's; faq: 0)"},
      {"rrf_k", "X", "RRF constant, > 0 (default 60)"},
      {"candidates", "N", "hits taken from each retriever before fusion (default 100)"},
      {"ef_search", "N", "HNSW search breadth (default max(candidates, 64))"},
      {"min_similarity", "X", "hybrid: drop hits with no query word whose vector similarity is below X (default: the collection's, -1 = keep)"},
      {"algorithm", "auto|exhaustive|wand|maxscore|bmw", "BM25 top-k algorithm (all return the same hits)"},
      {"explain", "true|false", "attach each hit's explanation"},
      {"explain_words", "true|false", "with explain: the built-in model's word pairs (default true)"},
      {"plain", "true|false", "treat the query as plain words, no operators"},
      {"documents", "true|false", "roll chunks up to one hit per document"},
      {"snippet", "true|false", "build highlighted snippets (default true)"},
      {"snippet_chars", "N", "snippet length in bytes (default 240)"},
      {"highlight_open", "TEXT", "mark before a highlighted word (default '[', at most 64 bytes)"},
      {"highlight_close", "TEXT", "mark after a highlighted word (default ']', at most 64 bytes)"},
      {"time_budget", "MS", "give up after MS milliseconds (default 0 = no limit)"},
      {"principal_statistics", "true|false", "with a principal: BM25 statistics over only the documents it may see"},
      {"facets", "FIELD,FIELD | *", "count the top 10 values of these keyword metadata fields over every visible match"},
      {"feedback", "docs=N,terms=N,weight=X | on | off",
       "pseudo-relevance feedback (RM3): expand the query with the top terms of the top docs, weighted (on: 10,10,0.5)"},
  };
  return kSpecs;
}

const char* SearchModeName(SearchMode m) {
  switch (m) {
    case SearchMode::kAuto: return "auto";
    case SearchMode::kBm25: return "bm25";
    case SearchMode::kVector: return "vector";
    case SearchMode::kHybrid: return "hybrid";
  }
  return "auto";
}

bool ParseSearchMode(std::string_view s, SearchMode* m) {
  for (SearchMode x : {SearchMode::kAuto, SearchMode::kBm25, SearchMode::kVector, SearchMode::kHybrid})
    if (s == SearchModeName(x)) return *m = x, true;
  return false;
}

const char* FusionMethodName(FusionMethod f) {
  switch (f) {
    case FusionMethod::kRrf: return "rrf";
    case FusionMethod::kMinMax: return "minmax";
    case FusionMethod::kZScore: return "zscore";
  }
  return "minmax";
}

bool ParseFusionMethod(std::string_view s, FusionMethod* f) {
  for (FusionMethod x : {FusionMethod::kRrf, FusionMethod::kMinMax, FusionMethod::kZScore})
    if (s == FusionMethodName(x)) return *f = x, true;
  return false;
}

const char* TopKAlgorithmName(TopKAlgorithm a) {
  switch (a) {
    case TopKAlgorithm::kAuto: return "auto";
    case TopKAlgorithm::kExhaustive: return "exhaustive";
    case TopKAlgorithm::kWand: return "wand";
    case TopKAlgorithm::kMaxScore: return "maxscore";
    case TopKAlgorithm::kBlockMaxWand: return "bmw";
  }
  return "auto";
}

bool ParseTopKAlgorithm(std::string_view s, TopKAlgorithm* a) {
  if (s == "block-max-wand") return *a = TopKAlgorithm::kBlockMaxWand, true;
  for (TopKAlgorithm x : {TopKAlgorithm::kAuto, TopKAlgorithm::kExhaustive, TopKAlgorithm::kWand,
                          TopKAlgorithm::kMaxScore, TopKAlgorithm::kBlockMaxWand})
    if (s == TopKAlgorithmName(x)) return *a = x, true;
  return false;
}

Status SetSearchOption(SearchOptions* o, std::string_view name, std::string_view value) {
  auto whole = [&](size_t* out) -> Status {
    if (!ParseWhole(value, out)) return Invalid(name, "needs a whole number, not '" + std::string(value) + "'");
    return Status::OK();
  };
  auto flag = [&](bool* out) -> Status {
    if (!ParseFlag(value, out)) return Invalid(name, "is true or false, not '" + std::string(value) + "'");
    return Status::OK();
  };
  if (name == "k") return whole(&o->k);
  if (name == "offset") return whole(&o->offset);
  if (name == "candidates") return whole(&o->candidates);
  if (name == "ef_search") return whole(&o->ef_search);
  if (name == "snippet_chars") return whole(&o->snippet_chars);
  if (name == "mode") {
    if (!ParseSearchMode(value, &o->mode))
      return Invalid(name, "is auto, bm25, vector or hybrid, not '" + std::string(value) + "'");
    return Status::OK();
  }
  if (name == "fusion") {
    if (!ParseFusionMethod(value, &o->fusion))
      return Invalid(name, "is rrf, minmax or zscore, not '" + std::string(value) + "'");
    o->use_collection_fusion = false;
    return Status::OK();
  }
  if (name == "weights") return ParseWeights(value, o);
  if (name == "feedback") return ParseFeedback(value, &o->feedback);
  if (name == "algorithm") {
    if (!ParseTopKAlgorithm(value, &o->algorithm))
      return Invalid(name, "is auto, exhaustive, wand, maxscore or bmw, not '" + std::string(value) + "'");
    return Status::OK();
  }
  if (name == "rrf_k") {
    if (!ParseReal(value, &o->rrf_k)) return Invalid(name, "needs a number, not '" + std::string(value) + "'");
    return Status::OK();
  }
  if (name == "explain") return flag(&o->with_explanation);
  if (name == "explain_words") return flag(&o->explain_words);
  if (name == "plain") return flag(&o->plain);
  if (name == "documents") return flag(&o->rollup_documents);
  if (name == "snippet") return flag(&o->with_snippet);
  if (name == "principal_statistics") return flag(&o->principal_statistics);
  if (name == "highlight_open") return o->highlight_open = std::string(value), Status::OK();
  if (name == "highlight_close") return o->highlight_close = std::string(value), Status::OK();
  if (name == "facets") {  // "dept,supplier"; "" = none
    o->facets.clear();
    size_t start = 0;
    while (start < value.size()) {
      size_t comma = value.find(',', start);
      std::string_view f = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
      while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
      if (f.empty()) return Invalid(name, "has an empty field name in '" + std::string(value) + "'");
      o->facets.emplace_back(f);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return Status::OK();
  }
  if (name == "min_similarity") {
    std::string v(value);
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size()) return Invalid(name, "needs a number, not '" + v + "'");
    o->min_similarity = x;
    return Status::OK();
  }
  if (name == "time_budget") {
    size_t ms;
    GB_RETURN_IF_ERROR(whole(&ms));
    o->time_budget = std::chrono::milliseconds(ms);
    return Status::OK();
  }
  std::string known;
  for (const auto& s : SearchOptionSpecs()) known += (known.empty() ? "" : ", ") + std::string(s.name);
  return Status::InvalidArgument("unknown search option \"" + std::string(name) + "\" (known: " + known + ")");
}

Status ValidateSearchOptions(const SearchOptions& o) {
  if (o.k > kMaxK) return Invalid("k", "must be at most " + std::to_string(kMaxK));
  if (o.offset > kMaxOffset) return Invalid("offset", "must be at most " + std::to_string(kMaxOffset));
  if (o.candidates == 0 || o.candidates > kMaxCandidates)
    return Invalid("candidates", "must be between 1 and " + std::to_string(kMaxCandidates));
  if (o.ef_search > kMaxEf) return Invalid("ef_search", "must be at most " + std::to_string(kMaxEf));
  if (o.snippet_chars == 0 || o.snippet_chars > kMaxSnippetChars)
    return Invalid("snippet_chars", "must be between 1 and " + std::to_string(kMaxSnippetChars));
  if (!std::isfinite(o.rrf_k) || o.rrf_k <= 0) return Invalid("rrf_k", "must be a number above 0");
  if (!o.use_collection_fusion) {
    if (!std::isfinite(o.bm25_weight) || !std::isfinite(o.vector_weight) || o.bm25_weight < 0 ||
        o.vector_weight < 0)
      return Invalid("weights", "must be finite and not negative");
    if (o.bm25_weight == 0 && o.vector_weight == 0 && !(o.faq_weight > 0)) return Invalid("weights", "must not all be 0");
  }
  if (!std::isfinite(o.faq_weight) || o.faq_weight < 0) {
    return Invalid("weights", "faq=W must be finite and not negative");
  }
  if (o.highlight_open.size() > kMaxHighlightBytes || o.highlight_close.size() > kMaxHighlightBytes)
    return Invalid("highlight_open", "and highlight_close must be at most " + std::to_string(kMaxHighlightBytes) +
                                         " bytes");
  if (o.time_budget.count() < 0) return Invalid("time_budget", "must not be negative");
  if (o.min_similarity && !(*o.min_similarity >= -1 && *o.min_similarity <= 1))
    return Invalid("min_similarity", "must be between -1 and 1");
  if (o.feedback.docs > kMaxFeedback) return Invalid("feedback", "docs must be at most " + std::to_string(kMaxFeedback));
  if (o.feedback.terms == 0 || o.feedback.terms > kMaxFeedback)
    return Invalid("feedback", "terms must be between 1 and " + std::to_string(kMaxFeedback));
  if (!(o.feedback.weight >= 0 && o.feedback.weight <= 1)) return Invalid("feedback", "weight must be between 0 and 1");
  if (o.facets.size() > kMaxFacets) return Invalid("facets", "names at most " + std::to_string(kMaxFacets) + " fields");
  std::vector<std::string> names = {"bm25", "vector"};
  if (o.faq_weight > 0) names.push_back("faq");  // the built-in FAQ retriever runs
  for (const auto& wr : o.retrievers) {
    if (!wr.retriever) return Status::InvalidArgument("a retriever in SearchOptions::retrievers is null");
    std::string name = wr.retriever->name();
    if (name.empty() || std::find(names.begin(), names.end(), name) != names.end())
      return Status::InvalidArgument("retriever name '" + name + "' is empty or already used");
    if (!std::isfinite(wr.weight) || wr.weight < 0)
      return Status::InvalidArgument("the weight of retriever '" + name + "' must be finite and not negative");
    names.push_back(name);
  }
  return Status::OK();
}

}  // namespace glassbox
