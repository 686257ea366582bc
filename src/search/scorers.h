// Scorers: ScoringCursors over one segment's postings, each able to explain
// its own score (so an explanation can never drift from the real score).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "glassbox/search.h"
#include "index/segment.h"
#include "search/cursor.h"
#include "search/deadline.h"

namespace glassbox::search {

// BM25 for one clause, with the collection statistics bound in.
//   score = weight * tf / (tf + norm(dl)),  weight = boost * idf * (k1 + 1),
//   norm(dl) = k1 * (1 - b + b * dl / avgdl)
struct Bm25Weight {
  float weight = 0;    // boost * idf * (k1 + 1)
  float norm_a = 0;    // k1 * (1 - b)
  float norm_b = 0;    // k1 * b / avgdl
  double idf = 0, boost = 1, k1 = 0, b = 0, avgdl = 0;
  Bm25Weight() = default;
  Bm25Weight(double idf, double boost, double k1, double b, double avgdl);
  static double Idf(uint64_t df, uint64_t n);
  float Norm(float dl) const { return norm_a + norm_b * dl; }
  float Score(float tf, float dl) const { return weight * tf / (tf + Norm(dl)); }
  float MaxOver(const std::vector<index::Impact>& impacts, float tf_scale, float dl_scale) const;
};

// Weights of text fields for one clause, in the segment's field id order.
// Unit weights on every field take the fast path (total tf, total length).
struct FieldWeights {
  std::vector<float> w;  // per segment field id
  bool unit = true;
  float max = 1, min = 1;
};

class ExplainableCursor : public ScoringCursor {
 public:
  // Fills tf, doc_length, length_norm and contribution for the current doc.
  virtual void Describe(TermExplanation* out) = 0;
};

// A single term over the default fields or some fields, scored by BM25(F).
std::unique_ptr<ExplainableCursor> MakeTermCursor(const index::SegmentReader* seg, const index::TermInfo& info,
                                                  const Bm25Weight& w, const FieldWeights& fields);
// An exact phrase scored by BM25 with the summed idf: term i must stand at
// position p + offsets[i] (offsets from the analyzer, so a removed stop word
// leaves its gap). Matching one document costs O(its positions of the
// phrase's distinct terms + m * positions / 64) for m terms, never
// quadratic. With a deadline, an expired budget ends the cursor early
// (doc() becomes kNoMoreDocs; the caller checks the deadline).
std::unique_ptr<ExplainableCursor> MakePhraseCursor(const index::SegmentReader* seg,
                                                    const std::vector<index::TermInfo>& terms,
                                                    const std::vector<uint32_t>& offsets, const Bm25Weight& w,
                                                    const FieldWeights& fields, Deadline* deadline = nullptr);
// A keyword metadata match: matches, scores 0.
std::unique_ptr<ExplainableCursor> MakeFilterCursor(const index::SegmentReader* seg, const index::TermInfo& info);

}  // namespace glassbox::search
