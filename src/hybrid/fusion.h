// Fusion of ranked lists from several retrievers into one ranking, with the
// arithmetic kept so that every fused score can be explained.
//
// Candidates are the union of the retrievers' lists ("the global candidate
// set"). Each retriever scores every candidate (a candidate it did not return
// still has a raw score, e.g. its BM25 or its cosine), so normalization and
// fusion see complete rows. Ranks are 1-based positions in the retriever's own
// list; 0 means "not in its list".
//
//   kRrf     fused = sum_r w_r / (k + rank_r)            (rank 0 contributes 0)
//   kMinMax  fused = sum_r w_r * (raw - min_r) / (max_r - min_r)
//   kZScore  fused = sum_r w_r * (raw - mean_r) / stddev_r
// (statistics over the candidate set). A constant column normalizes to 0 in
// z-score; in min-max to 1 when its value is positive (every candidate is the
// best), else 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glassbox::hybrid {

enum class FusionMethod { kRrf, kMinMax, kZScore };

const char* FusionName(FusionMethod m);
bool ParseFusion(const std::string& s, FusionMethod* m);

struct FusionInput {
  size_t retrievers = 0;
  std::vector<double> weights;            // per retriever
  // rows[c][r]: retriever r's raw score and rank for candidate c.
  std::vector<std::vector<double>> raw;
  std::vector<std::vector<uint32_t>> rank;
  double rrf_k = 60;
};

struct FusedPart {
  double raw = 0, normalized = 0, contribution = 0, share = 0;
  uint32_t rank = 0;
};

struct FusedRow {
  size_t candidate = 0;  // index into the input rows
  double score = 0;
  std::vector<FusedPart> parts;  // per retriever; contributions sum to score
};

// Fuses and sorts best first (ties: lower candidate index first).
std::vector<FusedRow> Fuse(FusionMethod method, const FusionInput& in);

}  // namespace glassbox::hybrid
