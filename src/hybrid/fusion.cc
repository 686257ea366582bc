#include "hybrid/fusion.h"

#include <algorithm>
#include <cmath>

namespace glassbox::hybrid {

const char* FusionName(FusionMethod m) {
  switch (m) {
    case FusionMethod::kRrf: return "rrf";
    case FusionMethod::kMinMax: return "minmax";
    case FusionMethod::kZScore: return "zscore";
  }
  return "?";
}

bool ParseFusion(const std::string& s, FusionMethod* m) {
  if (s == "rrf") *m = FusionMethod::kRrf;
  else if (s == "minmax" || s == "min-max") *m = FusionMethod::kMinMax;
  else if (s == "zscore" || s == "z-score") *m = FusionMethod::kZScore;
  else return false;
  return true;
}

std::vector<FusedRow> Fuse(FusionMethod method, const FusionInput& in) {
  const size_t n = in.raw.size(), R = in.retrievers;
  // Per-retriever statistics over the candidate set.
  std::vector<double> lo(R, INFINITY), hi(R, -INFINITY), mean(R, 0), sd(R, 0);
  for (size_t r = 0; r < R; ++r) {
    for (size_t c = 0; c < n; ++c) {
      lo[r] = std::min(lo[r], in.raw[c][r]);
      hi[r] = std::max(hi[r], in.raw[c][r]);
      mean[r] += in.raw[c][r];
    }
    if (n) mean[r] /= static_cast<double>(n);
    for (size_t c = 0; c < n; ++c) sd[r] += (in.raw[c][r] - mean[r]) * (in.raw[c][r] - mean[r]);
    if (n) sd[r] = std::sqrt(sd[r] / static_cast<double>(n));
  }
  std::vector<FusedRow> rows(n);
  for (size_t c = 0; c < n; ++c) {
    FusedRow& row = rows[c];
    row.candidate = c;
    row.parts.resize(R);
    for (size_t r = 0; r < R; ++r) {
      FusedPart& p = row.parts[r];
      p.raw = in.raw[c][r];
      p.rank = in.rank[c][r];
      switch (method) {
        case FusionMethod::kRrf:
          p.normalized = p.rank ? 1.0 / (in.rrf_k + p.rank) : 0.0;
          break;
        case FusionMethod::kMinMax:
          // All candidates equal: each is the best there is (1), unless they all score nothing.
          p.normalized = hi[r] > lo[r] ? (p.raw - lo[r]) / (hi[r] - lo[r]) : (p.raw > 0 ? 1.0 : 0.0);
          break;
        case FusionMethod::kZScore:
          p.normalized = sd[r] > 0 ? (p.raw - mean[r]) / sd[r] : 0.0;
          break;
      }
      p.contribution = in.weights[r] * p.normalized;
      row.score += p.contribution;
    }
    for (size_t r = 0; r < R; ++r)
      row.parts[r].share = row.score != 0 ? row.parts[r].contribution / row.score : 0.0;
  }
  std::stable_sort(rows.begin(), rows.end(), [](const FusedRow& a, const FusedRow& b) { return a.score > b.score; });
  return rows;
}

}  // namespace glassbox::hybrid
