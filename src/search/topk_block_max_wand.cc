// BlockMaxWandTopK: Ding & Suel's block-max WAND over the should clauses.
// The WAND pivot (by MaxScore) is then checked against the block maxima of
// the cursors up to the pivot (ShallowAdvance to the pivot document); when
// they cannot beat the threshold, the cursor with the largest bound skips to
// min(block ends) + 1 (or the next cursor's document, if smaller). Queries
// with must clauses run the block-max conjunction.
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
  uint32_t index;      // canonical clause index
  bool block_valid;    // block_end/block_max describe a ShallowAdvance result
  DocId block_end;
  float block_max;
};

// Slot i moved forward; every other slot is sorted.
inline void BubbleForward(Slot* s, size_t i, size_t n) {
  const Slot x = s[i];
  while (i + 1 < n && s[i + 1].doc < x.doc) {
    s[i] = s[i + 1];
    ++i;
  }
  s[i] = x;
}

}  // namespace

TopKResult BlockMaxWandTopK(const TopKQuery& q) {
  if (!q.must.empty()) return topk_internal::ConjunctionTopK(q, /*block_max=*/true);
  TopKResult result;
  const size_t n = q.should.size();
  if (q.k == 0 || n == 0) return result;
  TopKCollector top(q, n);
  std::vector<Slot> slots(n);
  for (size_t i = 0; i < n; ++i) {
    ScoringCursor* c = q.should[i];
    slots[i] = {c, c->doc(), c->MaxScore(), static_cast<uint32_t>(i), false, 0, 0.0f};
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
    while (p + 1 < n && s[p + 1].doc == pivot) ++p;

    bool block_ok = true;
    DocId min_end = kNoMoreDocs;
    if (limit != topk_internal::kNegInf) {
      float block_sum = 0;
      for (size_t i = 0; i <= p; ++i) {
        Slot& x = s[i];
        if (!x.block_valid || x.block_end < pivot) {
          x.block_end = x.cursor->ShallowAdvance(pivot);
          x.block_max = x.cursor->BlockMaxScore();
          x.block_valid = true;
        }
        block_sum += x.block_max;
        min_end = std::min(min_end, x.block_end);
      }
      block_ok = block_sum > limit;
    }

    if (block_ok) {
      if (s[0].doc == pivot) {
        const size_t e = p + 1;
        topk_internal::ScorePivot(s, e, n, pivot, scores, q, top, result);
      } else {
        topk_internal::AdvanceToPivot(s, p, n, pivot);
      }
      continue;
    }

    // No document in [pivot, next) can beat the threshold.
    DocId next = min_end == kNoMoreDocs ? kNoMoreDocs : min_end + 1;
    if (p + 1 < n && s[p + 1].doc < next) next = s[p + 1].doc;
    size_t best = 0;
    for (size_t i = 1; i <= p; ++i) {
      if (s[i].max > s[best].max) best = i;
    }
    s[best].cursor->Advance(next);
    s[best].doc = s[best].cursor->doc();
    BubbleForward(s, best, n);
  }
  result.hits = top.TakeSorted();
  return result;
}

}  // namespace glassbox::search
