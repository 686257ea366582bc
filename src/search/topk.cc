// RunTopK: dispatch by algorithm. kAuto: block-max WAND for pure disjunctions,
// the block-max conjunction when there are must clauses.
#include "search/topk.h"
#include "search/topk_internal.h"

namespace glassbox::search {

TopKResult RunTopK(TopKAlgorithm algorithm, const TopKQuery& q) {
  switch (algorithm) {
    case TopKAlgorithm::kExhaustive: return ExhaustiveTopK(q);
    case TopKAlgorithm::kWand: return WandTopK(q);
    case TopKAlgorithm::kMaxScore: return MaxScoreTopK(q);
    case TopKAlgorithm::kBlockMaxWand: return BlockMaxWandTopK(q);
    case TopKAlgorithm::kAuto: break;
  }
  if (!q.must.empty()) return topk_internal::ConjunctionTopK(q, /*block_max=*/true);
  return BlockMaxWandTopK(q);
}

}  // namespace glassbox::search
