// The fusion pipeline of a hybrid search: a bound request (plan.h) gets its
// retrievers (retrievers.h: BM25, vector, the application's) with their
// weights; Run takes each one's candidates (phase 1), has every retriever
// score every candidate (phase 2) and fuses the rows (hybrid/fusion.h).
// Searcher::Search ranks by the fused rows; WhyNotInResults explains one.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/search.h"
#include "glassbox/status.h"
#include "hybrid/fusion.h"
#include "search/plan.h"
#include "search/retrievers.h"

namespace glassbox::search::internal {

// The fused ranking of several retrievers over their global candidate set.
struct FusionRun {
  std::vector<std::unique_ptr<Retriever>> retrievers;
  std::vector<double> weights;
  std::vector<Ranked> cands;  // the candidate set, in order of discovery
  hybrid::FusionInput fin;
  std::vector<hybrid::FusedRow> fused;

  std::vector<const ExternalRetrieverAdapter*> external;
  const FaqRetriever* faq = nullptr;
  size_t vector_index = SIZE_MAX;  // BM25 is retriever 0; vectors 1 when the search embeds (else none)
  double min_similarity = -1;  // SearchOptions::min_similarity

  void Add(std::unique_ptr<Retriever> r, double w) {
    retrievers.push_back(std::move(r));
    weights.push_back(w);
  }

  // The retrievers of a hybrid search and their weights (the collection's
  // calibrated ones unless the options override them); returns the fusion.
  // No vector retriever when `q` is empty (a BM25 search fused with the FAQ
  // retriever, SearchOptions::faq_weight).
  FusionMethod AddRetrievers(const Snapshot& snap, const BoundQuery& bq, const SearchOptions& options,
                             const std::vector<float>& q, size_t ef);

  // The first error the FAQ retriever or an application's retriever reported (its candidates are then missing).
  Status ExternalError() const;

  // Phase 1 (n candidates from each retriever that weighs something), then
  // phase 2 (every candidate scored by every retriever), then fusion. `also`:
  // a document to score and fuse even if no retriever lists it (why-not).
  void Run(FusionMethod method, double rrf_k, size_t n, const std::pair<size_t, DocId>* also = nullptr);

  // The fusion and each retriever's weight, as "minmax bm25=0.5 vector=0.5".
  std::string Describe(FusionMethod method) const;

  // Every retriever's part of one fused row.
  std::vector<RetrieverScore> Explain(const hybrid::FusedRow& row) const;
};

}  // namespace glassbox::search::internal
