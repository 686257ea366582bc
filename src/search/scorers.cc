#include "search/scorers.h"
#include "index/bits.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace glassbox::search {

using index::DocId;
using index::Impact;
using index::PostingIterator;

Bm25Weight::Bm25Weight(double idf_, double boost_, double k1_, double b_, double avgdl_)
    : idf(idf_), boost(boost_), k1(k1_), b(b_), avgdl(avgdl_ > 0 ? avgdl_ : 1) {
  weight = static_cast<float>(boost * idf * (k1 + 1));
  norm_a = static_cast<float>(k1 * (1 - b));
  norm_b = static_cast<float>(k1 * b / avgdl);
}

double Bm25Weight::Idf(uint64_t df, uint64_t n) {
  double d = static_cast<double>(df), N = static_cast<double>(n);
  return std::log(1.0 + (N - d + 0.5) / (d + 0.5));
}

float Bm25Weight::MaxOver(const std::vector<Impact>& impacts, float tf_scale, float dl_scale) const {
  float best = 0;
  for (const Impact& p : impacts) best = std::max(best, Score(p.tf * tf_scale, p.doc_length * dl_scale));
  return best;
}

namespace {

// Shared block-max bookkeeping for cursors led by one posting iterator.
class ImpactBound {
 public:
  ImpactBound(const Bm25Weight& w, float tf_scale, float dl_scale) : w_(w), tf_scale_(tf_scale), dl_scale_(dl_scale) {}
  float TermMax(const PostingIterator& it) {
    it.TermImpacts(&scratch_);
    return w_.MaxOver(scratch_, tf_scale_, dl_scale_);
  }
  float BlockMax(const PostingIterator& it) {
    if (it.shallow_block() != cached_block_) {
      cached_block_ = it.shallow_block();
      it.BlockImpacts(&scratch_);
      cached_ = w_.MaxOver(scratch_, tf_scale_, dl_scale_);
    }
    return cached_;
  }

 private:
  const Bm25Weight& w_;
  float tf_scale_, dl_scale_;
  size_t cached_block_ = std::numeric_limits<size_t>::max();
  float cached_ = 0;
  std::vector<Impact> scratch_;
};

// Per-field token counts of one document, from the segment norms.
struct FieldLayout {
  // Fills starts[f] (first position of field f) and returns the weighted length.
  static float Weighted(const index::SegmentReader* seg, DocId d, const FieldWeights& fw, std::vector<uint32_t>* starts) {
    float dl = 0;
    uint32_t s = 0;
    starts->resize(seg->num_fields() + 1);
    for (int f = 0; f < seg->num_fields(); ++f) {
      (*starts)[f] = s;
      uint32_t len = seg->FieldLength(d, f);
      dl += fw.w[f] * static_cast<float>(len);
      s += len + 1;
    }
    (*starts)[seg->num_fields()] = s;
    return dl;
  }
  static int FieldOf(const std::vector<uint32_t>& starts, uint32_t pos) {
    return static_cast<int>(std::upper_bound(starts.begin(), starts.end(), pos) - starts.begin()) - 1;
  }
};

class TermCursor final : public ExplainableCursor {
 public:
  TermCursor(const index::SegmentReader* seg, const index::TermInfo& info, const Bm25Weight& w, const FieldWeights& fw)
      : seg_(seg), it_(seg, info), w_(w), fw_(fw), lengths_(seg->doc_lengths()),
        bound_(w_, fw.unit ? 1.0f : fw.max, fw.unit ? 1.0f : fw.min) {
    max_ = bound_.TermMax(it_);
    if (!fw_.unit) SkipNonMatching();
  }
  DocId doc() const override { return it_.doc(); }
  void Next() override {
    it_.Next();
    if (!fw_.unit) SkipNonMatching();
  }
  void Advance(DocId target) override {
    it_.Advance(target);
    if (!fw_.unit) SkipNonMatching();
  }
  float Score() override {
    if (fw_.unit) return w_.Score(static_cast<float>(it_.tf()), static_cast<float>(lengths_[it_.doc()]));
    return w_.Score(wtf_, wdl_);
  }
  float MaxScore() const override { return max_; }
  DocId ShallowAdvance(DocId target) override { return it_.ShallowAdvance(target); }
  float BlockMaxScore() const override { return bound_.BlockMax(it_); }
  uint64_t cost() const override { return it_.df(); }
  void Describe(TermExplanation* out) override {
    if (fw_.unit) {
      out->tf = it_.tf();
      out->doc_length = lengths_[it_.doc()];
    } else {
      out->tf = wtf_;
      out->doc_length = wdl_;
    }
    out->avg_doc_length = w_.avgdl;
    out->length_norm = w_.Norm(static_cast<float>(out->doc_length));
    out->contribution = Score();
  }

 private:
  // With field weights, a document whose matching fields all weigh 0 does not match.
  void SkipNonMatching() {
    while (it_.doc() != index::kNoDoc) {
      DocId d = it_.doc();
      wdl_ = FieldLayout::Weighted(seg_, d, fw_, &starts_);
      it_.Positions(&pos_);
      wtf_ = 0;
      for (uint32_t p : pos_) wtf_ += fw_.w[FieldLayout::FieldOf(starts_, p)];
      if (wtf_ > 0) return;
      it_.Next();
    }
  }
  const index::SegmentReader* seg_;
  mutable PostingIterator it_;
  Bm25Weight w_;
  FieldWeights fw_;
  const uint32_t* lengths_;
  mutable ImpactBound bound_;
  float max_ = 0;
  float wtf_ = 0, wdl_ = 0;
  std::vector<uint32_t> starts_, pos_;
};

// Phrase matching costs O(sum of the distinct terms' positions + m * w) per
// candidate document, m the phrase length and w the words of a bitmap over
// the surviving phrase starts (at most positions/64 + 1, shrinking as terms
// rule starts out), never O(m * positions * log positions): each distinct
// term's positions are decoded once and set as bits, and the bitmap of
// possible starts is ANDed with that bitmap shifted by each of the term's
// offsets. A repeated term ("a b a b ...") is decoded once.
class PhraseCursor final : public ExplainableCursor {
 public:
  PhraseCursor(const index::SegmentReader* seg, const std::vector<index::TermInfo>& terms,
               const std::vector<uint32_t>& offsets, const Bm25Weight& w, const FieldWeights& fw, Deadline* deadline)
      : seg_(seg), w_(w), fw_(fw), bound_(w_, fw.unit ? 1.0f : fw.max, fw.unit ? 1.0f : fw.min),
        deadline_(deadline), what_("matching a phrase of " + std::to_string(terms.size()) + " words") {
    // One iterator per distinct term (same postings = same term), in order of first use.
    for (size_t i = 0; i < terms.size(); ++i) {
      size_t s = 0;
      while (s < infos_.size() && infos_[s].postings_offset != terms[i].postings_offset) ++s;
      if (s == infos_.size()) {
        infos_.push_back(terms[i]);
        its_.emplace_back(seg, terms[i]);
        uses_.emplace_back();
      }
      uses_[s].push_back(offsets[i]);
    }
    lead_ = 0;
    for (size_t i = 1; i < its_.size(); ++i)
      if (its_[i].df() < its_[lead_].df()) lead_ = i;
    max_ = bound_.TermMax(its_[lead_]);
    pos_.resize(its_.size());
    FindMatch(0);
  }
  DocId doc() const override { return doc_; }
  void Next() override {
    if (doc_ != index::kNoDoc) FindMatch(doc_ + 1);
  }
  void Advance(DocId target) override {
    if (doc_ != index::kNoDoc && target > doc_) FindMatch(target);
  }
  float Score() override { return w_.Score(freq_, dl_); }
  float MaxScore() const override { return max_; }
  DocId ShallowAdvance(DocId target) override { return its_[lead_].ShallowAdvance(target); }
  float BlockMaxScore() const override { return bound_.BlockMax(its_[lead_]); }
  uint64_t cost() const override { return its_[lead_].df(); }
  void Describe(TermExplanation* out) override {
    out->tf = freq_;
    out->doc_length = dl_;
    out->avg_doc_length = w_.avgdl;
    out->length_norm = w_.Norm(dl_);
    out->contribution = Score();
  }

 private:
  bool OutOfTime(uint64_t work) { return deadline_ != nullptr && deadline_->Expired(work, what_); }

  void FindMatch(DocId target) {
    DocId d = target;
    while (!OutOfTime(its_.size())) {
      its_[lead_].Advance(d);
      d = its_[lead_].doc();
      if (d == index::kNoDoc) break;
      bool all = true;
      for (size_t i = 0; i < its_.size(); ++i) {
        if (i == lead_) continue;
        its_[i].Advance(d);
        if (its_[i].doc() != d) {
          d = its_[i].doc();
          all = false;
          break;
        }
      }
      if (d == index::kNoDoc) break;
      if (!all) continue;
      if (CountPhrase(d)) {
        doc_ = d;
        return;
      }
      ++d;
    }
    doc_ = index::kNoDoc;
  }

  // Bits [pos, pos + 64) of `bits` (zero beyond its end).
  static uint64_t Extract(const std::vector<uint64_t>& bits, uint64_t pos) {
    const uint64_t k = pos >> 6, s = pos & 63;
    const uint64_t lo = k < bits.size() ? bits[k] : 0;
    if (s == 0) return lo;
    const uint64_t hi = k + 1 < bits.size() ? bits[k + 1] : 0;
    return (lo >> s) | (hi << (64 - s));
  }
  static void Grow(std::vector<uint64_t>* bits, const std::vector<uint32_t>& pos) {
    if (!pos.empty() && bits->size() <= (pos.back() >> 6)) bits->resize((pos.back() >> 6) + 1, 0);
  }

  // Sets freq_ (the number of starts p where every term i stands at
  // p + offsets[i], each weighted by the field of p) and dl_; false when the
  // terms never stand in phrase order. starts_ and term_bits_ are all zero
  // between calls.
  bool CountPhrase(DocId d) {
    for (size_t i = 0; i < its_.size(); ++i) its_[i].Positions(&pos_[i]);
    if (!fw_.unit) dl_ = FieldLayout::Weighted(seg_, d, fw_, &field_starts_);
    freq_ = 0;
    // Rarest term first: it bounds the possible starts, and an empty set ends the work.
    order_.resize(its_.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(),
                     [&](size_t a, size_t b) { return pos_[a].size() < pos_[b].size(); });
    const size_t first = order_[0];
    Grow(&starts_, pos_[first]);
    live_.clear();
    const uint32_t off0 = uses_[first][0];
    for (uint32_t p : pos_[first]) {
      if (p < off0) continue;
      const uint32_t c = p - off0;
      SetBit(starts_, c);
      if (live_.empty() || live_.back() != (c >> 6)) live_.push_back(c >> 6);
    }
    bool out_of_time = false;
    for (size_t o = 0; o < order_.size() && !live_.empty() && !out_of_time; ++o) {
      const size_t t = order_[o];
      const size_t from = o == 0 ? 1 : 0;
      if (from >= uses_[t].size()) continue;
      Grow(&term_bits_, pos_[t]);
      for (uint32_t p : pos_[t]) SetBit(term_bits_, p);
      for (size_t u = from; u < uses_[t].size() && !live_.empty(); ++u) {
        const uint64_t off = uses_[t][u];
        size_t kept = 0;
        for (uint32_t wi : live_) {
          const uint64_t m = starts_[wi] & Extract(term_bits_, uint64_t{wi} * 64 + off);
          starts_[wi] = m;
          if (m != 0) live_[kept++] = wi;
        }
        live_.resize(kept);
        if (OutOfTime(kept + 1)) {
          out_of_time = true;
          break;
        }
      }
      for (uint32_t p : pos_[t]) term_bits_[p >> 6] = 0;
      if (OutOfTime(pos_[t].size())) out_of_time = true;
    }
    // Count the surviving starts in increasing order (the float sum's order
    // matters with field weights), clearing the bitmap behind.
    for (uint32_t wi : live_) {
      for (uint64_t m = starts_[wi]; m != 0 && !out_of_time; m &= m - 1) {
        const uint32_t c = wi * 64 + static_cast<uint32_t>(__builtin_ctzll(m));
        freq_ += fw_.unit ? 1.0f : fw_.w[FieldLayout::FieldOf(field_starts_, c)];
      }
      starts_[wi] = 0;
    }
    if (fw_.unit) dl_ = static_cast<float>(seg_->DocLength(d));
    return !out_of_time && freq_ > 0;
  }

  const index::SegmentReader* seg_;
  std::vector<index::TermInfo> infos_;          // distinct terms
  mutable std::vector<PostingIterator> its_;    // one per distinct term
  std::vector<std::vector<uint32_t>> uses_;     // per distinct term: its offsets in the phrase
  size_t lead_ = 0;
  Bm25Weight w_;
  FieldWeights fw_;
  mutable ImpactBound bound_;
  Deadline* deadline_;
  std::string what_;  // for the deadline's message
  float max_ = 0;
  DocId doc_ = 0;
  float freq_ = 0, dl_ = 0;
  std::vector<std::vector<uint32_t>> pos_;
  std::vector<uint32_t> field_starts_;
  std::vector<size_t> order_;
  std::vector<uint64_t> starts_, term_bits_;  // bitmaps over positions
  std::vector<uint32_t> live_;                // words of starts_ that are not zero, ascending
};

class FilterCursor final : public ExplainableCursor {
 public:
  FilterCursor(const index::SegmentReader* seg, const index::TermInfo& info) : it_(seg, info) {}
  DocId doc() const override { return it_.doc(); }
  void Next() override { it_.Next(); }
  void Advance(DocId target) override { it_.Advance(target); }
  float Score() override { return 0; }
  float MaxScore() const override { return 0; }
  DocId ShallowAdvance(DocId target) override { return it_.ShallowAdvance(target); }
  float BlockMaxScore() const override { return 0; }
  uint64_t cost() const override { return it_.df(); }
  void Describe(TermExplanation* out) override { out->tf = 1; }

 private:
  PostingIterator it_;
};

}  // namespace

std::unique_ptr<ExplainableCursor> MakeTermCursor(const index::SegmentReader* seg, const index::TermInfo& info,
                                                  const Bm25Weight& w, const FieldWeights& fields) {
  return std::make_unique<TermCursor>(seg, info, w, fields);
}

std::unique_ptr<ExplainableCursor> MakePhraseCursor(const index::SegmentReader* seg,
                                                    const std::vector<index::TermInfo>& terms,
                                                    const std::vector<uint32_t>& offsets, const Bm25Weight& w,
                                                    const FieldWeights& fields, Deadline* deadline) {
  return std::make_unique<PhraseCursor>(seg, terms, offsets, w, fields, deadline);
}

std::unique_ptr<ExplainableCursor> MakeFilterCursor(const index::SegmentReader* seg, const index::TermInfo& info) {
  return std::make_unique<FilterCursor>(seg, info);
}

}  // namespace glassbox::search
