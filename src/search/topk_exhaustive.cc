// ExhaustiveTopK: visits every matching document. The reference the pruning
// algorithms are tested against, and the only one whose `matched` is exact.
#include <vector>

#include "search/topk.h"
#include "search/topk_internal.h"

namespace glassbox::search {

using topk_internal::CanonicalSum;
using topk_internal::TopKCollector;

TopKResult ExhaustiveTopK(const TopKQuery& q) {
  TopKResult result;
  const size_t m = q.must.size();
  const size_t s = q.should.size();
  const size_t n = m + s;
  if (q.k == 0 || n == 0) return result;
  TopKCollector top(q, n);
  std::vector<float> scores(n, 0.0f);

  auto consider = [&](DocId d) {
    if (q.acceptor != nullptr && !q.acceptor->Accept(d)) return;
    ++result.matched;
    for (size_t i = 0; i < m; ++i) scores[i] = q.must[i]->Score();
    for (size_t i = 0; i < s; ++i) {
      ScoringCursor* c = q.should[i];
      scores[m + i] = c->doc() == d ? c->Score() : 0.0f;
    }
    const float score = CanonicalSum(scores.data(), n);
    if (score > top.threshold()) top.Push(d, score);
  };

  if (m > 0) {
    DocId d = 0;
    while (true) {
      if (topk_internal::OutOfTime(q)) break;
      // Leapfrog until every must cursor sits on d.
      for (bool moved = true; moved;) {
        moved = false;
        for (ScoringCursor* c : q.must) {
          if (c->doc() < d) c->Advance(d);
          if (c->doc() > d) {
            d = c->doc();
            moved = true;
          }
        }
      }
      if (d == kNoMoreDocs) break;
      for (ScoringCursor* c : q.should) {
        if (c->doc() < d) c->Advance(d);
      }
      consider(d);
      if (d == kNoMoreDocs - 1) break;
      ++d;
    }
  } else {
    while (true) {
      if (topk_internal::OutOfTime(q)) break;
      DocId d = kNoMoreDocs;
      for (ScoringCursor* c : q.should) d = std::min(d, c->doc());
      if (d == kNoMoreDocs) break;
      consider(d);
      for (ScoringCursor* c : q.should) {
        if (c->doc() == d) c->Next();
      }
    }
  }
  result.hits = top.TakeSorted();
  return result;
}

}  // namespace glassbox::search
