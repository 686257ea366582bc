// Which segments to merge after a commit: a tiered (log-structured) policy.
//
// A segment of s live documents sits in tier floor(log_F(s)) (F = kMergeFactor;
// an empty segment in tier 0). When the lowest crowded tier holds F or more
// segments, all of them are merged into one. The merged segment holds at
// least F * F^t documents, so it lands in a higher tier: every document
// climbs at least one tier each time it is rewritten. Hence, with N live
// documents and no deletions,
//   - at most (F - 1) segments per tier and floor(log_F N) + 1 tiers:
//     fewer than (F - 1) * (log_F N + 1) segments (21 for N = 5,000);
//   - each document is rewritten at most floor(log_F N) times, so merges
//     write at most N * log_F N documents (write amplification <= log_F N),
//     whatever the sizes of the commits;
//   - a large segment is rewritten only when its own tier fills up: a trickle
//     of small commits merges among itself and never touches it.
// Deletions only lower the tier of a segment; explicit Merge() reclaims them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace glassbox::engine {

inline constexpr uint64_t kMergeFactor = 4;

// Tier of a segment with `live_docs` live documents.
int MergeTier(uint64_t live_docs);

// The most segments the policy leaves once merging has caught up, for `docs`
// live documents in all: (F - 1) per tier, tiers 0 to MergeTier(docs).
size_t TieredSegmentBound(uint64_t docs);

// The segments (indices into live_docs, ascending) to merge next, or an empty
// vector when no tier holds kMergeFactor segments. Indices in `busy` (being
// merged already) are neither chosen nor counted.
std::vector<size_t> ChooseTieredMerge(const std::vector<uint64_t>& live_docs, const std::vector<bool>& busy = {});

}  // namespace glassbox::engine
