// Internal to src/index: constants and the pieces shared by segment writing,
// merging and reading.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/segment.h"

namespace glassbox::index {

inline constexpr char kSegmentMagic[8] = {'G', 'B', 'S', 'E', 'G', '0', '0', '1'};
inline constexpr char kSegmentEndMagic[8] = {'G', 'B', 'S', 'E', 'G', 'E', 'N', 'D'};

enum Section : int {
  kPostings = 0,
  kPositions,
  kTerms,
  kNorms,
  kIds,
  kColumns,
  kDocStore,
  kSchema,
  kNumSections
};
inline constexpr const char* kSectionNames[kNumSections] = {"postings", "positions", "terms", "norms",
                                                             "ids",      "columns",   "docstore", "schema"};
inline constexpr size_t kTermRecordSize = 24;
inline constexpr size_t kSkipEntrySize = 16;
inline constexpr size_t kChunkIndexEntrySize = 16;
inline constexpr size_t kDocStoreChunkBytes = 16 * 1024;
inline constexpr size_t kMaxFrontier = 16;

// Pareto frontier of (tf, doc length): pairs not dominated by another pair
// with tf >= and length <=. Sorted by tf descending. Capped at kMaxFrontier by
// collapsing to the single (max tf, min length) pair, which still bounds the score.
std::vector<Impact> ParetoFrontier(std::vector<Impact> pairs);

// Encodes one term's postings. positions holds, per document in order, tf
// absolute positions (ignored when !has_positions).
void EncodeTerm(const std::vector<uint32_t>& docs, const std::vector<uint32_t>& tfs,
                const std::vector<uint32_t>& positions, bool has_positions,
                const std::vector<uint32_t>& doc_lengths, std::string* postings, std::string* positions_out,
                TermInfo* info);

}  // namespace glassbox::index
