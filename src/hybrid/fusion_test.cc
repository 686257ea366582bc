#include "hybrid/fusion.h"

#include <gtest/gtest.h>

namespace glassbox::hybrid {
namespace {

FusionInput Example() {
  FusionInput in;
  in.retrievers = 2;
  in.weights = {0.7, 0.3};
  // candidate: (bm25 raw, rank), (cosine raw, rank)
  in.raw = {{10, 0.2}, {5, 0.9}, {0, 0.5}};
  in.rank = {{1, 3}, {2, 1}, {0, 2}};
  return in;
}

TEST(Fusion, RrfUsesRanksAndSkipsMissing) {
  auto rows = Fuse(FusionMethod::kRrf, Example());
  ASSERT_EQ(rows.size(), 3u);
  // c0: .7/61 + .3/63; c1: .7/62 + .3/61; c2: .3/62
  EXPECT_EQ(rows[0].candidate, 0u);
  EXPECT_NEAR(rows[0].score, 0.7 / 61 + 0.3 / 63, 1e-12);
  EXPECT_EQ(rows[2].candidate, 2u);
  EXPECT_EQ(rows[2].parts[0].contribution, 0);
}

TEST(Fusion, MinMaxAndZScoreExplainExactly) {
  for (auto m : {FusionMethod::kMinMax, FusionMethod::kZScore}) {
    auto rows = Fuse(m, Example());
    for (const auto& row : rows) {
      double sum = 0, share = 0;
      for (const auto& p : row.parts) {
        sum += p.contribution;
        share += p.share;
      }
      EXPECT_NEAR(sum, row.score, 1e-12);
      if (row.score != 0) EXPECT_NEAR(share, 1.0, 1e-9);
    }
  }
  auto rows = Fuse(FusionMethod::kMinMax, Example());
  // c0: .7*1 + .3*0 = .7; c1: .7*.5 + .3*1 = .65; c2: 0 + .3*(.3/.7)
  EXPECT_EQ(rows[0].candidate, 0u);
  EXPECT_NEAR(rows[0].score, 0.7, 1e-12);
  EXPECT_NEAR(rows[1].score, 0.65, 1e-12);
}

TEST(Fusion, ConstantColumnsAndEmptyInput) {
  FusionInput in;
  in.retrievers = 1;
  in.weights = {1};
  in.raw = {{3}, {3}};
  in.rank = {{1}, {2}};
  auto rows = Fuse(FusionMethod::kZScore, in);
  EXPECT_EQ(rows[0].score, 0);
  EXPECT_EQ(rows[0].candidate, 0u);  // ties keep input order
  rows = Fuse(FusionMethod::kMinMax, in);
  EXPECT_EQ(rows[0].score, 1);  // every candidate is the best
  in.raw = {{0}, {0}};
  rows = Fuse(FusionMethod::kMinMax, in);
  EXPECT_EQ(rows[0].score, 0);  // nobody scored anything
  in.raw.clear();
  in.rank.clear();
  EXPECT_TRUE(Fuse(FusionMethod::kRrf, in).empty());
}

TEST(Fusion, ParseNames) {
  FusionMethod m;
  EXPECT_TRUE(ParseFusion("rrf", &m));
  EXPECT_EQ(m, FusionMethod::kRrf);
  EXPECT_TRUE(ParseFusion("z-score", &m));
  EXPECT_EQ(m, FusionMethod::kZScore);
  EXPECT_FALSE(ParseFusion("magic", &m));
}

}  // namespace
}  // namespace glassbox::hybrid
