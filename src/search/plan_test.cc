// The per-segment plan's acceptor: metadata filters.
#include "search/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "index/segment.h"
#include "search/snapshot.h"
#include "text/analyzer.h"

namespace glassbox::search {
namespace {

using internal::CachedFilterDocSet;
using internal::FilterDocSet;
using internal::ParseAndBind;
using internal::PlanSegment;

// A segment of 500 documents, each "alpha" with metadata n = its number.
std::shared_ptr<Snapshot> NumberedSnapshot(const std::string& path) {
  index::SegmentWriter w;
  for (int d = 0; d < 500; ++d) {
    Document doc;
    doc.id = "d" + std::to_string(d);
    doc.text.emplace_back("body", "alpha");
    doc.metadata.emplace_back("n", MetadataValue::Number(d));
    EXPECT_TRUE(w.Add(doc, {index::AnalyzedField{"body", {"alpha"}}}).ok());
  }
  EXPECT_TRUE(w.Finish(path).ok());
  auto r = index::SegmentReader::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  auto snap = std::make_shared<Snapshot>();
  auto an = text::MakeAnalyzer("standard");
  EXPECT_TRUE(an.ok());
  snap->analyzer = an.value();
  snap->segments.push_back({r.value(), nullptr, nullptr, 0});
  snap->ComputeStats();
  return snap;
}

// A BM25 plan tests a filter it sees for the first time on each candidate's
// column value (no pass over every document to build its bitset); once the
// bitset is cached (the vector retriever builds it, or a repeated filter), the
// plan tests the bitset. Both accept exactly the same documents.
TEST(Plan, AFilterSeenOnceCostsNoPassOverTheSegment) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("gb_plan_test_" + std::to_string(getpid()) + ".gbs")).string();
  auto snap = NumberedSnapshot(path);
  auto bq = ParseAndBind(*snap, "alpha n:[100 TO 199]", false, false);
  ASSERT_TRUE(bq.ok()) << bq.status().ToString();
  ASSERT_EQ(bq->filters.size(), 1u);
  const SegmentView& view = snap->segments[0];
  const index::SegmentReader& seg = *view.reader;

  auto first = PlanSegment(*bq, view);
  ASSERT_EQ(first->acceptor.filters.size(), 1u);
  EXPECT_EQ(first->acceptor.filters[0].bits, nullptr);
  EXPECT_EQ(CachedFilterDocSet(seg, bq->filters[0]), nullptr);  // planning built nothing

  ASSERT_NE(FilterDocSet(seg, bq->filters[0]), nullptr);  // as the vector retriever does
  auto cached = PlanSegment(*bq, view);
  EXPECT_NE(cached->acceptor.filters[0].bits, nullptr);

  for (index::DocId d = 0; d < 500; ++d) {
    const bool want = d >= 100 && d <= 199;
    EXPECT_EQ(first->acceptor.Accept(d), want) << d;
    EXPECT_EQ(cached->acceptor.Accept(d), want) << d;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace glassbox::search
