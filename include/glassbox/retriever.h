// Retrievers an application adds to a collection's hybrid search.
//
// A hybrid search runs retrievers in two phases: each returns its own best
// candidates (phase 1), then each scores the candidates the others found
// (phase 2), and fusion (glassbox/search.h FusionMethod) combines the rows
// into one ranking whose every score is explained per retriever. BM25 and
// vector similarity are built in; an application plugs in more (an FAQ
// matcher, a rules engine, a test double) by implementing this interface and
// listing it in SearchOptions::retrievers with a weight:
//
//   struct Boost : glassbox::ExternalRetriever { ... };
//   glassbox::SearchOptions o;
//   o.mode = glassbox::SearchMode::kHybrid;
//   o.retrievers.push_back({std::make_shared<Boost>(), 0.5});
//
// Its candidates go through the search's filters and access control like any
// other: a document the principal may not see, or that the query's required
// terms, exclusions or metadata filters reject, never reaches the results.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/status.h"

namespace glassbox {

class ExternalRetriever {
 public:
  virtual ~ExternalRetriever() = default;
  // Its name in explanations ("faq", ...); must differ from "bm25" and "vector".
  virtual std::string name() const = 0;
  // Phase 1: at most `want` (document id, raw score) pairs, best first.
  virtual Result<std::vector<std::pair<std::string, double>>> Retrieve(const std::string& query, size_t want) const = 0;
  // Phase 2: the raw score of a document it did not return (0 when it has none).
  virtual double Score(const std::string& query, const std::string& id) const = 0;
};

struct WeightedRetriever {
  std::shared_ptr<const ExternalRetriever> retriever;
  double weight = 1.0;
};

}  // namespace glassbox
