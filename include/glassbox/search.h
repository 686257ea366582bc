// Search requests, hits and explanations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "glassbox/document.h"

namespace glassbox {

// How the top k is found. All algorithms return identical results (a test
// checks this against kExhaustive on randomized indexes); they differ in speed.
enum class TopKAlgorithm { kAuto, kExhaustive, kWand, kMaxScore, kBlockMaxWand };

struct SearchOptions {
  size_t k = 10;           // number of hits to return
  size_t offset = 0;       // hits to skip (paging)
  TopKAlgorithm algorithm = TopKAlgorithm::kAuto;
  // Treat the query as plain text (e.g. a question): no operators, every word
  // an optional term. Use for text typed by people who do not know the syntax.
  bool plain = false;
  bool with_fields = true;      // load stored fields of each hit
  bool with_snippet = true;     // build a highlighted snippet
  bool with_explanation = false;
  size_t snippet_chars = 240;
  // Snippet highlighting marks; defaults suit terminals and HTML alike.
  std::string highlight_open = "[";
  std::string highlight_close = "]";
};

// One query term's part of a BM25 score:
//   idf = ln(1 + (N - df + 0.5) / (df + 0.5))
//   norm = k1 * (1 - b + b * dl / avgdl)
//   contribution = boost * idf * tf * (k1 + 1) / (tf + norm)
struct TermExplanation {
  std::string term;        // analyzed term
  std::string field;       // "" when matched across all default fields
  double boost = 1.0;
  double tf = 0;           // (field-weighted) term frequency in the document
  uint64_t df = 0;         // documents containing the term (whole snapshot)
  uint64_t doc_count = 0;  // N: documents in the snapshot
  double idf = 0;
  double doc_length = 0;   // (field-weighted) length of the document in tokens
  double avg_doc_length = 0;
  double length_norm = 0;  // k1 * (1 - b + b * dl / avgdl)
  double contribution = 0;
};

struct Explanation {
  bool matched = false;     // false: the document does not match the query
  double score = 0;         // equals the sum of terms[i].contribution
  double k1 = 0, b = 0;
  std::vector<TermExplanation> terms;
  std::string summary;      // one line a person can read
};

struct Hit {
  std::string id;
  double score = 0;
  std::vector<std::pair<std::string, std::string>> text;        // stored text fields
  std::vector<std::pair<std::string, MetadataValue>> metadata;  // stored metadata
  std::string snippet;            // best passage, matched terms between highlight marks
  std::optional<Explanation> explanation;
};

struct SearchResponse {
  std::vector<Hit> hits;
  uint64_t total_hits = 0;        // matching documents; exact only if total_exact
  bool total_exact = false;       // pruning algorithms do not count every match
  double took_ms = 0;
};

// Why is a document not in the top k?
struct WhyNot {
  enum class Reason {
    kInTopK,          // it is there, at `rank`
    kNoSuchDocument,  // the id is unknown (or deleted)
    kMissingTerms,    // it lacks required terms, or all scoring terms
    kExcluded,        // it contains a -excluded term
    kFiltered,        // a metadata filter rejects it
    kPhraseNotFound,  // it has the words but not as the phrase
    kRankedBelow,     // it matches, but k other documents score higher
  };
  Reason reason = Reason::kNoSuchDocument;
  std::vector<std::string> missing_terms;  // query terms absent from the document
  std::string detail;                      // e.g. the filter that rejected it
  uint64_t rank = 0;                       // 1-based rank when it matches
  double score = 0;
  double kth_score = 0;                    // score of the k-th hit
  std::string message;                     // one line a person can read
};

}  // namespace glassbox
