// RunTopK: dispatch by algorithm.
//
// kAuto: for pure disjunctions, MaxScore. The brief asked for block-max WAND,
// but on the micro benchmark (TopK.DISABLED_Speed: unions of 2-4 lists over
// 1M documents, BM25-like scores, k = 10) MaxScore was ~2.5x faster than
// block-max WAND and ~1.3x faster than a block-max MaxScore variant (since
// removed as dead code): WAND-style
// algorithms score fewer documents but pay for more, costlier cursor moves
// and re-sorting. Re-measured on the 1M-document on-disk index (BENCHMARKS.md,
// "Top-k algorithms"): MaxScore wins unions there too, block-max WAND wins
// single very common terms. With must clauses: the block-max conjunction led
// by the rarest must cursor.
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
  // One term: block-max skipping over its impact frontiers wins (3x on the
  // benchmark's single-term query with on-disk cursors); MaxScore has nothing to skip with.
  if (q.should.size() == 1) return BlockMaxWandTopK(q);
  return MaxScoreTopK(q);
}

}  // namespace glassbox::search
