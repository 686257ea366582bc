// The Searcher runs queries on one Snapshot: binds the parsed query to the
// snapshot's statistics (the "weight"), builds scorers per segment, runs a
// top-k algorithm, and explains hits and misses with the same scorers.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "glassbox/search.h"
#include "index/bits.h"
#include "glassbox/status.h"
#include "search/snapshot.h"

namespace glassbox::search {

// Finds a document by external id: (segment index, local doc), live only.
bool FindLiveDocument(const Snapshot& snap, const std::string& id, size_t* seg, index::DocId* doc);

// The documents of one segment a principal may see (see glassbox::Principal).
class AclFilter {
 public:
  AclFilter() = default;  // no principal: everything visible
  // The documents of the segment that `principal` may see: computed once per
  // (segment, principal) and cached in the segment, so a query pays a lookup.
  AclFilter(const SegmentView& view, const Principal& principal);
  bool Visible(index::DocId d) const { return !visible_ || TestBit(*visible_, d); }
  bool active() const { return visible_ != nullptr; }
  const uint64_t* bits() const { return visible_ ? visible_->data() : nullptr; }  // null: everything visible
  // ANDs visibility into `bits`, a bitset over the segment's documents.
  void Restrict(std::vector<uint64_t>* bits) const {
    if (!visible_) return;
    for (size_t w = 0; w < bits->size(); ++w) (*bits)[w] &= (*visible_)[w];
  }

 private:
  std::shared_ptr<const std::vector<uint64_t>> visible_;  // null: everything visible
};

// The cache key of a principal: its user and its groups in sorted order.
std::string PrincipalKey(const Principal& principal);

class Searcher {
 public:
  explicit Searcher(std::shared_ptr<const Snapshot> snapshot) : snap_(std::move(snapshot)) {}
  Result<SearchResponse> Search(const std::string& query, const SearchOptions& options) const;
  Result<CorpusStatistics> QueryStatistics(const std::string& query, const SearchOptions& options) const;
  Result<WhyNot> WhyNotInResults(const std::string& query, const SearchOptions& options, const std::string& id) const;
  // time_budget: as SearchOptions::time_budget (0 = unlimited).
  Result<Explanation> Explain(const std::string& query, const std::string& id, const Principal* principal,
                              std::chrono::milliseconds time_budget = std::chrono::milliseconds(0)) const;
  Result<WhyNot> WhyNotInTopK(const std::string& query, const std::string& id, size_t k, const Principal* principal,
                              std::chrono::milliseconds time_budget = std::chrono::milliseconds(0)) const;

 private:
  std::shared_ptr<const Snapshot> snap_;
};

// Highlights the terms of `terms` (analyzed) in `text`: the best window of
// about `max_chars` bytes, matched tokens between open/close marks.
std::string MakeSnippet(const text::Analyzer& analyzer, const std::string& text,
                        const std::vector<std::string>& terms, size_t max_chars, const std::string& open,
                        const std::string& close);

}  // namespace glassbox::search
