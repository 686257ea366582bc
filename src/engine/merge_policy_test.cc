// The tiered merge policy, simulated: the segment count stays logarithmic and
// merges write O(N log N) documents under any pattern of commit sizes.
#include "engine/merge_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

namespace glassbox::engine {
namespace {

struct Simulation {
  std::vector<uint64_t> segments;  // live documents
  uint64_t docs = 0, rewritten = 0;

  // Commits a segment of n documents, then merges as the policy says.
  void Commit(uint64_t n) {
    segments.push_back(n);
    docs += n;
    for (;;) {
      auto chosen = ChooseTieredMerge(segments);
      if (chosen.empty()) break;
      ASSERT_GE(chosen.size(), 2u);
      uint64_t merged = 0;
      for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) {
        merged += segments[*it];
        segments.erase(segments.begin() + static_cast<std::ptrdiff_t>(*it));
      }
      rewritten += merged;
      segments.push_back(merged);
    }
  }
  // The bound from merge_policy.h: (F - 1) segments in each of log_F(N) + 1 tiers.
  size_t MaxSegments() const { return TieredSegmentBound(docs); }
};

void CheckPattern(const std::string& name, const std::function<uint64_t(size_t)>& next_commit, uint64_t total) {
  SCOPED_TRACE(name);
  Simulation sim;
  for (size_t i = 0; sim.docs < total; ++i) {
    sim.Commit(next_commit(i));
    ASSERT_LE(sim.segments.size(), sim.MaxSegments()) << "after commit " << i << " (" << sim.docs << " docs)";
  }
  // Write amplification: every document is rewritten at most log_F(N) times.
  EXPECT_LE(sim.rewritten, sim.docs * static_cast<uint64_t>(MergeTier(sim.docs)));
}

TEST(MergePolicy, SegmentCountIsLogarithmicUnderAnyCommitPattern) {
  std::mt19937 rng(7);
  CheckPattern("random batches of 1-40", [&](size_t) { return 1 + rng() % 40; }, 5000);
  CheckPattern("single documents", [](size_t) { return 1; }, 20000);
  CheckPattern("batches of 3 (just under a tier)", [](size_t) { return 3; }, 20000);
  CheckPattern("log-uniform sizes 1-100000", [&](size_t) {
    return static_cast<uint64_t>(std::exp(std::uniform_real_distribution<double>(0, std::log(1e5))(rng)));
  }, 3000000);
  CheckPattern("one bulk load then a trickle", [](size_t i) { return i == 0 ? 100000 : 1 + i % 7; }, 120000);
  CheckPattern("growing batches", [](size_t i) { return i + 1; }, 200000);
  // For 5,000 documents in batches of 1-40 (the HTTP trickle of issue 7): at most 21.
  Simulation sim;
  std::mt19937 r2(11);
  while (sim.docs < 5000) sim.Commit(1 + r2() % 40);
  EXPECT_LE(sim.MaxSegments(), 21u);
}

TEST(MergePolicy, ATrickleNeverRewritesALargeSegment) {
  // One large segment, then many small commits: only the small ones merge.
  Simulation sim;
  sim.Commit(100000);
  for (int i = 0; i < 5000; ++i) {
    sim.Commit(1 + i % 40);
    ASSERT_NE(std::find(sim.segments.begin(), sim.segments.end(), 100000u), sim.segments.end())
        << "the large segment was merged after small commit " << i;
  }
}

TEST(MergePolicy, ChoosesTheLowestFullTierAndSkipsBusySegments) {
  EXPECT_EQ(MergeTier(0), 0);
  EXPECT_EQ(MergeTier(3), 0);
  EXPECT_EQ(MergeTier(4), 1);
  EXPECT_EQ(MergeTier(15), 1);
  EXPECT_EQ(MergeTier(16), 2);
  EXPECT_EQ(TieredSegmentBound(5000), 21u);
  EXPECT_TRUE(ChooseTieredMerge({1, 2, 3}).empty());
  EXPECT_EQ(ChooseTieredMerge({500, 1, 20, 2, 3, 1}), (std::vector<size_t>{1, 3, 4, 5}));
  EXPECT_EQ(ChooseTieredMerge({5, 6, 7, 8, 1, 1}), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_TRUE(ChooseTieredMerge({1, 1, 1, 1}, {true, false, false, false}).empty());
}

}  // namespace
}  // namespace glassbox::engine
