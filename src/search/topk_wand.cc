// WandTopK: Broder et al.'s WAND over the should clauses. Cursors are kept
// sorted by current document; the pivot is the first cursor at which the sum
// of MaxScore() of the cursors before it (inclusive) exceeds the threshold.
// Queries with must clauses run the conjunction (without block-max skipping).
#include <vector>

#include "search/topk.h"
#include "search/topk_internal.h"

namespace glassbox::search {

using topk_internal::CanonicalSum;
using topk_internal::ResortSlots;
using topk_internal::TopKCollector;

namespace {

struct Slot {
  ScoringCursor* cursor;
  DocId doc;
  float max;
  uint32_t index;  // canonical clause index
};

}  // namespace

TopKResult WandTopK(const TopKQuery& q) {
  if (!q.must.empty()) return topk_internal::ConjunctionTopK(q, /*block_max=*/false);
  TopKResult result;
  const size_t n = q.should.size();
  if (q.k == 0 || n == 0) return result;
  TopKCollector top(q, n);
  std::vector<Slot> slots(n);
  for (size_t i = 0; i < n; ++i) {
    ScoringCursor* c = q.should[i];
    slots[i] = {c, c->doc(), c->MaxScore(), static_cast<uint32_t>(i)};
  }
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.doc < b.doc; });
  std::vector<float> scores(n, 0.0f);
  Slot* s = slots.data();

  while (true) {
    if (topk_internal::OutOfTime(q)) break;
    const float limit = top.limit();
    float acc = 0;
    size_t p = n;
    for (size_t i = 0; i < n && s[i].doc != kNoMoreDocs; ++i) {
      acc += s[i].max;
      if (acc > limit) {
        p = i;
        break;
      }
    }
    if (p == n) break;
    const DocId pivot = s[p].doc;
    if (s[0].doc == pivot) {
      size_t e = p + 1;
      while (e < n && s[e].doc == pivot) ++e;
      topk_internal::ScorePivot(s, e, n, pivot, scores, q, top, result);
    } else {
      topk_internal::AdvanceToPivot(s, p, n, pivot);
    }
  }
  result.hits = top.TakeSorted();
  return result;
}

}  // namespace glassbox::search
