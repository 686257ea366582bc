// Shared pieces of the top-k algorithms (internal to src/search/topk*.cc).
//
// Exactness. A document's score is always computed the same way, whatever the
// algorithm: the float sum, in canonical clause order (must, then should, in
// vector order), of the scores of the cursors positioned on it (absent
// cursors add +0.0f, which leaves a float sum unchanged). Pruning compares
// float sums of upper bounds taken in other orders, so a bound may round
// below the true score by a few ulps; a bound `ub` only prunes when
// ub <= limit(), where limit() = the threshold divided by a slack factor
// (1 + (n+4)*2^-22 for n clauses, several times the worst float summation
// error of n non-negative terms), rounded down.
//
// Threshold. A document enters when its score is > threshold(): the k-th best
// score once k are held, else the query's initial_threshold when it is > 0,
// else -infinity (so documents that only match zero-scoring filter clauses
// are still returned when there is room).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "search/topk.h"

namespace glassbox::search::topk_internal {

inline constexpr float kNegInf = -std::numeric_limits<float>::infinity();

class TopKCollector {
 public:
  TopKCollector(const TopKQuery& q, size_t num_clauses)
      : k_(q.k),
        floor_(q.initial_threshold > 0 ? q.initial_threshold : kNegInf),
        factor_(1.0 + static_cast<double>(num_clauses + 4) * 0x1p-22) {
    heap_.reserve(std::min<size_t>(k_, 4096));
    SetThreshold(floor_);
  }

  // A document must score strictly above this to enter.
  float threshold() const { return threshold_; }
  // An upper bound <= limit() proves a document cannot enter.
  float limit() const { return limit_; }

  // Adds a document whose score is > threshold(), with a doc id larger than
  // every document added before. Returns true when the threshold rose.
  bool Push(DocId doc, float score) {
    if (heap_.size() < k_) {
      heap_.push_back({doc, score});
      SiftUp(heap_.size() - 1);
      if (heap_.size() == k_) {
        SetThreshold(std::max(floor_, heap_[0].score));
        return true;
      }
      return false;
    }
    heap_[0] = {doc, score};
    SiftDown(0);
    const float old = threshold_;
    SetThreshold(std::max(floor_, heap_[0].score));
    return threshold_ != old;
  }

  std::vector<ScoredDoc> TakeSorted() {
    std::sort(heap_.begin(), heap_.end(),
              [](const ScoredDoc& a, const ScoredDoc& b) { return Worse(b, a); });
    return std::move(heap_);
  }

 private:
  // a ranks below b: lower score, or equal score and larger doc id.
  static bool Worse(const ScoredDoc& a, const ScoredDoc& b) {
    return a.score < b.score || (a.score == b.score && a.doc > b.doc);
  }
  void SiftUp(size_t i) {
    const ScoredDoc x = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!Worse(x, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = x;
  }
  void SiftDown(size_t i) {
    const size_t n = heap_.size();
    const ScoredDoc x = heap_[i];
    while (true) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Worse(heap_[child + 1], heap_[child])) ++child;
      if (!Worse(heap_[child], x)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = x;
  }
  void SetThreshold(float t) {
    threshold_ = t;
    if (t == kNegInf) {
      limit_ = kNegInf;
      return;
    }
    const double x = static_cast<double>(t) / factor_;
    float f = static_cast<float>(x);
    if (static_cast<double>(f) > x) f = std::nextafter(f, kNegInf);
    limit_ = f;
  }

  size_t k_;
  float floor_;
  double factor_;
  float threshold_ = kNegInf;
  float limit_ = kNegInf;
  std::vector<ScoredDoc> heap_;
};

// Checked once per loop iteration of every algorithm (the clock is read once
// per Deadline::kStride calls).
inline bool OutOfTime(const TopKQuery& q) {
  return q.deadline != nullptr && q.deadline->Expired(1, "ranking documents");
}

// The canonical score: float sum in clause order; absent clauses hold 0.
inline float CanonicalSum(const float* scores, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += scores[i];
  return sum;
}

// WAND-family steps over slots sorted by doc (any slot type with cursor, doc
// and index members).

// Slots [0, moved) advanced; [moved, n) still sorted. Restores doc order.
template <typename SlotT>
void ResortSlots(SlotT* s, size_t moved, size_t n) {
  for (size_t i = moved; i-- > 0;) {
    const SlotT x = s[i];
    size_t j = i;
    while (j + 1 < n && s[j + 1].doc < x.doc) {
      s[j] = s[j + 1];
      ++j;
    }
    s[j] = x;
  }
}

// Slots [0, e) are all on `doc`: scores it in canonical order, offers it to
// the collector, moves those cursors on and restores the order.
template <typename SlotT>
void ScorePivot(SlotT* s, size_t e, size_t n, DocId doc, std::vector<float>& scores, const TopKQuery& q,
                TopKCollector& top, TopKResult& result) {
  for (size_t i = 0; i < e; ++i) scores[s[i].index] = s[i].cursor->Score();
  const float score = CanonicalSum(scores.data(), scores.size());
  for (size_t i = 0; i < e; ++i) scores[s[i].index] = 0.0f;
  if (score > top.threshold() && (q.acceptor == nullptr || q.acceptor->Accept(doc))) {
    ++result.matched;
    top.Push(doc, score);
  }
  for (size_t i = 0; i < e; ++i) {
    s[i].cursor->Next();
    s[i].doc = s[i].cursor->doc();
  }
  ResortSlots(s, e, n);
}

// Moves the slots before position p that lag behind the pivot up to it.
template <typename SlotT>
void AdvanceToPivot(SlotT* s, size_t p, size_t n, DocId pivot) {
  size_t j = 0;
  for (; j < p && s[j].doc < pivot; ++j) {
    s[j].cursor->Advance(pivot);
    s[j].doc = s[j].cursor->doc();
  }
  ResortSlots(s, j, n);
}

// Must clauses present: a conjunction led by the rarest must cursor; the
// should clauses only add to the score. With `block_max`, windows of
// documents where the must cursors' block maxima plus every should clause's
// MaxScore cannot beat the threshold are skipped without decoding.
TopKResult ConjunctionTopK(const TopKQuery& q, bool block_max);

}  // namespace glassbox::search::topk_internal
