// ConjunctionTopK: queries with must clauses. The rarest must cursor leads;
// the others leapfrog to it. Should clauses are probed per candidate in
// descending MaxScore order, MaxScore-style, while the candidate can still
// beat the threshold. With block_max, the must cursors' block maxima (plus
// the should clauses' MaxScore) bound a window of documents up to the
// smallest block end; windows that cannot beat the threshold are skipped.
#include <algorithm>
#include <vector>

#include "search/topk.h"
#include "search/topk_internal.h"

namespace glassbox::search::topk_internal {

namespace {

struct MustSlot {
  ScoringCursor* cursor;
  float max;
  uint32_t index;  // canonical clause index
  bool block_valid;
  DocId block_end;
  float block_max;
};

struct ShouldSlot {
  ScoringCursor* cursor;
  DocId doc;
  float max;
  uint32_t index;
};

}  // namespace

TopKResult ConjunctionTopK(const TopKQuery& q, bool block_max) {
  TopKResult result;
  const size_t m = q.must.size();
  const size_t s = q.should.size();
  const size_t n = m + s;
  if (q.k == 0 || m == 0) return result;
  TopKCollector top(q, n);
  const bool early_accept = q.acceptor != nullptr && q.acceptor->Selective();

  std::vector<MustSlot> req(m);
  float must_max = 0;
  for (size_t i = 0; i < m; ++i) {
    req[i] = {q.must[i], q.must[i]->MaxScore(), static_cast<uint32_t>(i), false, 0, 0.0f};
    must_max += req[i].max;
  }
  std::stable_sort(req.begin(), req.end(),
                   [](const MustSlot& a, const MustSlot& b) { return a.cursor->cost() < b.cursor->cost(); });
  std::vector<ShouldSlot> opt(s);
  for (size_t i = 0; i < s; ++i) {
    ScoringCursor* c = q.should[i];
    opt[i] = {c, c->doc(), c->MaxScore(), static_cast<uint32_t>(m + i)};
  }
  std::stable_sort(opt.begin(), opt.end(), [](const ShouldSlot& a, const ShouldSlot& b) { return a.max > b.max; });
  // rest[i] = sum of the bounds of opt[i..s)
  std::vector<float> rest(s + 1, 0.0f);
  for (size_t i = s; i-- > 0;) rest[i] = rest[i + 1] + opt[i].max;
  const float should_max = rest[0];
  std::vector<float> scores(n, 0.0f);

  ScoringCursor* lead = req[0].cursor;
  DocId target = 0;
  DocId window_end = 0;
  bool window_valid = false;
  float window_sum = 0;

  while (true) {
    if (OutOfTime(q)) break;
    const float limit = top.limit();
    if (must_max + should_max <= limit) break;  // nothing can enter any more

    if (block_max && limit != kNegInf) {
      if (!window_valid || target > window_end) {
        float sum = should_max;
        DocId end = kNoMoreDocs;
        for (MustSlot& r : req) {
          if (!r.block_valid || r.block_end < target) {
            r.block_end = r.cursor->ShallowAdvance(target);
            r.block_max = r.cursor->BlockMaxScore();
            r.block_valid = true;
          }
          sum += r.block_max;
          end = std::min(end, r.block_end);
        }
        window_end = end;
        window_valid = true;
        window_sum = sum;
      }
      if (window_sum <= limit) {
        if (window_end == kNoMoreDocs) break;
        target = window_end + 1;
        continue;
      }
    }

    // Must clauses that score nothing (keyword filters such as kind:faq):
    // once a score of 0 cannot enter, the lead skips to the next document one
    // of the essential should clauses matches (MaxScore: those whose bounds,
    // with every lower one's, can beat the threshold; a document only the
    // others match cannot enter) instead of visiting every document the
    // filters pass.
    if (must_max == 0 && s > 0 && limit >= 0) {
      DocId next = kNoMoreDocs;
      for (size_t i = 0; i < s && rest[i] > limit; ++i) {
        ShouldSlot& o = opt[i];
        if (o.doc < target) {
          o.cursor->Advance(target);
          o.doc = o.cursor->doc();
        }
        next = std::min(next, o.doc);
      }
      if (next == kNoMoreDocs) break;
      target = next;
    }
    if (lead->doc() < target) lead->Advance(target);
    const DocId d = lead->doc();
    if (d == kNoMoreDocs) break;
    if (block_max && window_valid && d > window_end) {
      target = d;
      continue;
    }
    bool aligned = true;
    for (size_t i = 1; i < m; ++i) {
      ScoringCursor* c = req[i].cursor;
      if (c->doc() < d) c->Advance(d);
      const DocId di = c->doc();
      if (di != d) {
        target = di;
        aligned = false;
        break;
      }
    }
    if (!aligned) {
      if (target == kNoMoreDocs) break;
      continue;
    }
    target = d + 1;  // d < kNoMoreDocs, so no overflow
    // A selective acceptor is asked before scoring (see DocAcceptor::Selective).
    if (early_accept && !q.acceptor->Accept(d)) continue;

    float partial = 0;
    for (const MustSlot& r : req) {
      const float v = r.cursor->Score();
      scores[r.index] = v;
      partial += v;
    }
    bool complete = true;
    for (size_t i = 0; i < s; ++i) {
      if (partial + rest[i] <= limit) {
        complete = false;
        break;
      }
      ShouldSlot& o = opt[i];
      if (o.doc < d) {
        o.cursor->Advance(d);
        o.doc = o.cursor->doc();
      }
      if (o.doc == d) {
        const float v = o.cursor->Score();
        scores[o.index] = v;
        partial += v;
      }
    }
    if (complete && partial > limit) {
      const float score = CanonicalSum(scores.data(), n);
      if (score > top.threshold() && (q.acceptor == nullptr || early_accept || q.acceptor->Accept(d))) {
        ++result.matched;
        top.Push(d, score);
      }
    }
    std::fill(scores.begin() + m, scores.end(), 0.0f);
  }
  result.hits = top.TakeSorted();
  return result;
}

}  // namespace glassbox::search::topk_internal
