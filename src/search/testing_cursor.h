// Test helpers for the top-k algorithms: an in-memory ScoringCursor and a
// few DocAcceptors. Header-only; for tests and micro benchmarks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "search/cursor.h"
#include "search/topk.h"

namespace glassbox::search::testing {

// A posting list in memory, cut into blocks of `block_size` postings, each
// with the maximum score of its postings. With `inflation` > 1 every block
// maximum (and the global maximum) is multiplied by a random factor in
// [1, inflation], rounded up, to exercise loose bounds.
class VectorCursor : public ScoringCursor {
 public:
  // `postings` sorted by doc, doc ids unique and < kNoMoreDocs, scores >= 0.
  VectorCursor(std::vector<ScoredDoc> postings, size_t block_size, double inflation = 1.0,
               uint64_t seed = 0)
      : block_size_(std::max<size_t>(1, block_size)) {
    docs_.reserve(postings.size());
    scores_.reserve(postings.size());
    for (const ScoredDoc& p : postings) {
      docs_.push_back(p.doc);
      scores_.push_back(p.score);
    }
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> factor(1.0, std::max(1.0, inflation));
    for (size_t start = 0; start < docs_.size(); start += block_size_) {
      const size_t end = std::min(docs_.size(), start + block_size_);
      float bm = 0;
      for (size_t i = start; i < end; ++i) bm = std::max(bm, scores_[i]);
      if (inflation > 1.0) bm = Inflate(bm, factor(rng));
      block_last_.push_back(docs_[end - 1]);
      block_max_.push_back(bm);
      max_ = std::max(max_, bm);
    }
    if (inflation > 1.0) max_ = Inflate(max_, factor(rng));
  }

  DocId doc() const override { return pos_ < docs_.size() ? docs_[pos_] : kNoMoreDocs; }
  void Next() override {
    ++nexts_;
    if (pos_ < docs_.size()) ++pos_;
  }
  void Advance(DocId target) override {
    ++advances_;
    if (pos_ >= docs_.size() || docs_[pos_] >= target) return;
    // gallop, then binary search
    size_t lo = pos_ + 1, step = 1, hi = lo;
    while (hi < docs_.size() && docs_[hi] < target) {
      lo = hi + 1;
      hi += step;
      step *= 2;
    }
    hi = std::min(hi, docs_.size());
    pos_ = std::lower_bound(docs_.begin() + lo, docs_.begin() + hi, target) - docs_.begin();
  }
  float Score() override {
    ++scored_;
    return scores_[pos_];
  }
  float MaxScore() const override { return max_; }
  DocId ShallowAdvance(DocId target) override {
    ++shallow_;
    const size_t b = std::lower_bound(block_last_.begin(), block_last_.end(), target) - block_last_.begin();
    block_ = b;
    return b < block_last_.size() ? block_last_[b] : kNoMoreDocs;
  }
  float BlockMaxScore() const override { return block_ < block_max_.size() ? block_max_[block_] : 0.0f; }
  uint64_t cost() const override { return docs_.size(); }

  void Reset() { pos_ = 0; block_ = 0; }
  uint64_t scored() const { return scored_; }
  uint64_t advances() const { return advances_ + nexts_; }

 private:
  static float Inflate(float v, double f) {
    const double x = static_cast<double>(v) * f;
    float r = static_cast<float>(x);
    if (static_cast<double>(r) < x) r = std::nextafter(r, INFINITY);
    return std::max(r, v);
  }

  size_t block_size_;
  std::vector<DocId> docs_;
  std::vector<float> scores_;
  std::vector<DocId> block_last_;
  std::vector<float> block_max_;
  float max_ = 0;
  size_t pos_ = 0;
  size_t block_ = 0;
  uint64_t scored_ = 0, advances_ = 0, nexts_ = 0, shallow_ = 0;
};

// Rejects a pseudo-random `reject_permille` of the documents (a fixed
// function of the doc id) and checks that calls come in non-decreasing order.
class HashAcceptor : public DocAcceptor {
 public:
  HashAcceptor(uint32_t reject_permille, uint64_t salt) : reject_(reject_permille), salt_(salt) {}
  bool Accept(DocId doc) override {
    if (doc < last_) out_of_order_ = true;
    last_ = doc;
    ++calls_;
    return Accepts(doc);
  }
  bool Accepts(DocId doc) const {
    uint64_t x = (doc + 1) * 0x9E3779B97F4A7C15ull ^ salt_;
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return x % 1000 >= reject_;
  }
  bool Selective() const override { return selective_; }
  void set_selective(bool selective) { selective_ = selective; }
  void Reset() { last_ = 0; out_of_order_ = false; calls_ = 0; }
  bool out_of_order() const { return out_of_order_; }
  uint64_t calls() const { return calls_; }

 private:
  uint32_t reject_;
  uint64_t salt_;
  DocId last_ = 0;
  bool out_of_order_ = false;
  uint64_t calls_ = 0;
  bool selective_ = false;
};

}  // namespace glassbox::search::testing
