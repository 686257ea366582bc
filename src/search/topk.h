// Top-k algorithms over ScoringCursors. One function per algorithm; all return
// the same hits as ExhaustiveTopK (ties broken by smaller doc id first).
#pragma once

#include <cstdint>
#include <vector>

#include "glassbox/search.h"
#include "search/cursor.h"
#include "search/deadline.h"

namespace glassbox::search {

struct ScoredDoc {
  DocId doc;
  float score;
};

// Inputs for one segment. A document matches when every `must` cursor is on
// it, and, if `must` is empty, at least one `should` cursor is; its score is
// the sum, in clause order (must first, then should), of the scores of the
// cursors positioned on it. `acceptor` (may be null) rejects documents.
struct TopKQuery {
  std::vector<ScoringCursor*> must;
  std::vector<ScoringCursor*> should;
  DocAcceptor* acceptor = nullptr;
  size_t k = 10;
  // Hits of earlier segments: a document must score strictly above this to
  // enter (the k-th best score so far), or 0 when fewer than k are known.
  float initial_threshold = 0;
  // The call's time budget (may be null): once it expires the algorithms stop
  // early and return what they have, which the caller must discard.
  Deadline* deadline = nullptr;
};

struct TopKResult {
  std::vector<ScoredDoc> hits;  // best first
  uint64_t matched = 0;         // documents fully scored (exact count only for exhaustive)
};

TopKResult ExhaustiveTopK(const TopKQuery& q);
TopKResult WandTopK(const TopKQuery& q);
TopKResult MaxScoreTopK(const TopKQuery& q);
TopKResult BlockMaxWandTopK(const TopKQuery& q);
TopKResult RunTopK(TopKAlgorithm algorithm, const TopKQuery& q);

}  // namespace glassbox::search
