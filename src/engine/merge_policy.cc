#include "engine/merge_policy.h"

#include <map>

namespace glassbox::engine {

int MergeTier(uint64_t live_docs) {
  int tier = 0;
  for (uint64_t s = live_docs; s >= kMergeFactor; s /= kMergeFactor) ++tier;
  return tier;
}

size_t TieredSegmentBound(uint64_t docs) {
  return static_cast<size_t>(kMergeFactor - 1) * static_cast<size_t>(MergeTier(docs) + 1);
}

std::vector<size_t> ChooseTieredMerge(const std::vector<uint64_t>& live_docs, const std::vector<bool>& busy) {
  std::map<int, std::vector<size_t>> tiers;  // ordered: lowest tier first
  for (size_t i = 0; i < live_docs.size(); ++i)
    if (i >= busy.size() || !busy[i]) tiers[MergeTier(live_docs[i])].push_back(i);
  for (auto& [tier, members] : tiers)
    if (members.size() >= kMergeFactor) return std::move(members);
  return {};
}

}  // namespace glassbox::engine
