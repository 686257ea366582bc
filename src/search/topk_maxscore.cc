// MaxScoreTopK: Turtle & Flood's MaxScore over the should clauses. Cursors
// are ordered by ascending MaxScore(); the first `ne` of them, whose bounds
// sum to <= the threshold, are non-essential: a document found only there
// cannot enter, so candidates come from the essential cursors and the
// non-essential ones are probed (descending bound) only while the document
// can still make it. Queries with must clauses run the conjunction.
#include <vector>

#include "search/topk.h"
#include "search/topk_internal.h"

namespace glassbox::search {

using topk_internal::CanonicalSum;
using topk_internal::TopKCollector;

namespace {

struct Slot {
  ScoringCursor* cursor;
  DocId doc;
  float max;
  uint32_t index;  // canonical clause index
};

}  // namespace

TopKResult MaxScoreTopK(const TopKQuery& q) {
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
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.max < b.max; });
  // prefix[i] = sum of the bounds of slots [0, i)
  std::vector<float> prefix(n + 1, 0.0f);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + slots[i].max;
  std::vector<float> scores(n, 0.0f);
  Slot* s = slots.data();

  const bool early_accept = q.acceptor != nullptr && q.acceptor->Selective();
  size_t ne = 0;
  float limit = top.limit();
  while (ne < n && prefix[ne + 1] <= limit) ++ne;

  while (ne < n) {
    if (topk_internal::OutOfTime(q)) break;
    DocId d = kNoMoreDocs;
    for (size_t i = ne; i < n; ++i) d = std::min(d, s[i].doc);
    if (d == kNoMoreDocs) break;

    float ub = prefix[ne];
    for (size_t i = ne; i < n; ++i) {
      if (s[i].doc == d) ub += s[i].max;
    }
    // A selective acceptor is asked first: a rejected candidate is stepped
    // over without scoring it or moving the non-essential cursors.
    if (ub <= limit || (early_accept && !q.acceptor->Accept(d))) {
      for (size_t i = ne; i < n; ++i) {
        if (s[i].doc == d) {
          s[i].cursor->Next();
          s[i].doc = s[i].cursor->doc();
        }
      }
      continue;
    }
    float partial = 0;
    for (size_t i = ne; i < n; ++i) {
      if (s[i].doc == d) {
        const float v = s[i].cursor->Score();
        scores[s[i].index] = v;
        partial += v;
        s[i].cursor->Next();
        s[i].doc = s[i].cursor->doc();
      }
    }
    bool complete = true;
    for (size_t i = ne; i-- > 0;) {
      if (partial + prefix[i + 1] <= limit) {
        complete = false;
        break;
      }
      if (s[i].doc < d) {
        s[i].cursor->Advance(d);
        s[i].doc = s[i].cursor->doc();
      }
      if (s[i].doc == d) {
        const float v = s[i].cursor->Score();
        scores[s[i].index] = v;
        partial += v;
      }
    }
    if (complete) {
      const float score = CanonicalSum(scores.data(), n);
      if (score > top.threshold() && (q.acceptor == nullptr || early_accept || q.acceptor->Accept(d))) {
        ++result.matched;
        if (top.Push(d, score)) {
          limit = top.limit();
          while (ne < n && prefix[ne + 1] <= limit) ++ne;
        }
      }
    }
    std::fill(scores.begin(), scores.end(), 0.0f);
  }
  result.hits = top.TakeSorted();
  return result;
}

}  // namespace glassbox::search
