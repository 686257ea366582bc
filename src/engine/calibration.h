// Choosing hybrid fusion weights without relevance labels.
//
// Opt-in (CollectionOptions::calibrate_fusion): leave-one-
// collection-out on the shared labelled sets, the fixed prior
// (index::kPriorVectorWeight) scored higher on every set (EVALUATION.md).
//
// Method: pseudo-queries drawn from the collection itself. For up to
// kCalibrationQueries documents (spread evenly over the collection), take a
// sentence from the middle of the body, drop every third word (a crude
// paraphrase, so that exact wording does not decide everything), and treat
// the document it came from as the one relevant answer. Each pseudo-query runs
// once in hybrid mode; for every vector weight w in a grid from 0 to 1 the
// min-max fused ranking (1 - w) * bm25 + w * vector is recomputed from the
// retrievers' normalized scores, and w with the best mean reciprocal rank
// (@10) wins; ties go to the smaller vector weight, which protects precision
// when the vector model is weak. If the model cannot embed most pseudo-queries at all (no word it
// knows: the English static model on Chinese text), the vector weight is 0.
// The result is stored in the manifest and recomputed when the collection has
// doubled in size.
#pragma once

#include <cstdint>
#include <memory>

#include "glassbox/status.h"
#include "search/snapshot.h"

namespace glassbox::engine {

inline constexpr uint64_t kMinCalibrationDocs = 50;
inline constexpr size_t kCalibrationQueries = 200;

struct Calibration {
  double bm25_weight = 1, vector_weight = 0;
  double mrr_bm25 = 0, mrr_vector = 0, mrr_fused = 0;  // pseudo-query MRR@10 at w = 0, 1 and the chosen w
  size_t queries = 0;
  size_t unembeddable = 0;  // pseudo-queries the model could not embed
};

Result<Calibration> CalibrateFusion(const std::shared_ptr<const search::Snapshot>& snap);

}  // namespace glassbox::engine
