// The retrievers a search ranks with. A bound request (plan.h) flows into
// each: phase 1 (Retrieve) ranks its own candidates, phase 2 (Score) scores
// the candidates the others found. BM25 runs each segment's plan through a
// top-k algorithm; the vector retriever searches HNSW under the query's
// RandomAccessConstraints; an application's retriever is adapted from
// document ids. FusionRun (fusion_run.h) combines any number of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/retriever.h"
#include "glassbox/search.h"
#include "glassbox/status.h"
#include "search/plan.h"

namespace glassbox::search::internal {

// One ranked document of a retriever or of the fused list.
struct Ranked {
  size_t seg;
  DocId doc;
  double score;
  size_t fused_row = SIZE_MAX;  // hybrid: row in the fusion output
};

bool RankedBefore(const Ranked& a, const Ranked& b);

// BM25 top `want` over all segments.
std::vector<Ranked> Bm25Ranked(const Snapshot& snap, const BoundQuery& bq, size_t want, TopKAlgorithm algo,
                               uint64_t* total);

// The query's hard constraints on one segment (live, visible to the
// principal, required and excluded clauses, metadata filters) in random-access
// form, for a retriever that visits documents in no particular order (the
// HNSW graph search). Building it reads only the postings of the required and
// excluded clauses (one bitset each) and the cached access-control and filter
// bitsets; every check is then O(1) per document.
class RandomAccessConstraints {
 public:
  RandomAccessConstraints(const BoundQuery& bq, const SegmentView& view);
  bool none_pass() const { return none_pass_; }
  bool constrained() const {
    return acl_.active() || !filters_.empty() || !required_.empty() || !excluded_.empty();
  }
  // When at most `limit` documents pass the constraints (live, access
  // control, required and excluded clauses, filters), those, in id order;
  // else false. A filter this selective makes a
  // graph search wander (most neighbours rejected), so they are scored
  // exactly instead.
  bool SmallPassSet(size_t limit, std::vector<DocId>* out) const;
  // Every constraint as one bitset over the segment's documents (bit set =
  // passes), computed on first use: O(documents / 64) word operations.
  const std::vector<uint64_t>& PassBits() const;
  bool Accept(DocId d) const;

 private:
  const SegmentView& view_;
  AclFilter acl_;
  std::vector<std::shared_ptr<const std::vector<uint64_t>>> filters_;  // FilterDocSet per filter
  std::vector<std::vector<uint64_t>> required_, excluded_;
  bool none_pass_ = false;
  mutable std::vector<uint64_t> pass_;  // PassBits, once computed
};

// Vector top `want` over all segments, honouring the query's constraints.
std::vector<Ranked> VectorRanked(const Snapshot& snap, const BoundQuery& bq, const std::vector<float>& q, size_t want,
                                 size_t ef);

// Embeds the query's words with the snapshot's embedder.
Status EmbedQuery(const Snapshot& snap, const std::string& text, std::vector<float>* q);

// ---------------------------------------------------------------------------
// Retrievers: phase 1 ranks a retriever's own candidates, phase 2 scores the
// candidates other retrievers found. Fusion runs over any number of them.

// A document another retriever found, to be scored (phase 2).
struct Pending {
  size_t seg;
  DocId doc;
  double* raw;
};

class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual std::string name() const = 0;
  virtual std::vector<Ranked> Retrieve(size_t want) = 0;
  virtual void Score(std::vector<Pending>& docs) = 0;
};

class Bm25Retriever final : public Retriever {
 public:
  Bm25Retriever(const Snapshot& snap, const BoundQuery& bq, TopKAlgorithm algo) : snap_(snap), bq_(bq), algo_(algo) {}
  std::string name() const override { return "bm25"; }
  std::vector<Ranked> Retrieve(size_t want) override;
  // Scores each document as ExplainInPlan would (cursors move forward only: by segment, then id).
  void Score(std::vector<Pending>& docs) override;

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  TopKAlgorithm algo_;
};

class VectorRetriever final : public Retriever {
 public:
  VectorRetriever(const Snapshot& snap, const BoundQuery& bq, const std::vector<float>& q, size_t ef)
      : snap_(snap), bq_(bq), q_(q), ef_(ef) {}
  std::string name() const override { return "vector"; }
  std::vector<Ranked> Retrieve(size_t want) override { return VectorRanked(snap_, bq_, q_, want, ef_); }
  void Score(std::vector<Pending>& docs) override;

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  const std::vector<float>& q_;
  size_t ef_;
};

// Whether document d of segment s satisfies the query's constraints (live,
// visible to the principal, required clauses, exclusions, filters): the same
// rule the vector retriever applies inside the graph search.
bool Admissible(const Snapshot& snap, const BoundQuery& bq, size_t s, DocId d);

// The FAQ query a question's words become: FAQ entries only (kind:faq), every
// word, and every English word again on the stored question (title:word), so
// the stored question weighs double. Words are lower-cased (never operators).
std::string FaqQueryText(const std::string& words);

// The built-in FAQ retriever (SearchOptions::faq_weight): FAQ entries (title =
// stored question, body = stored answer, metadata kind=faq) ranked by BM25 of
// FaqQueryText(the query's words), bound for the same principal, statistics
// and deadline; its candidates must also pass the request's own constraints.
class FaqRetriever final : public Retriever {
 public:
  FaqRetriever(const Snapshot& snap, const BoundQuery& bq, const SearchOptions& options);
  std::string name() const override { return "faq"; }
  std::vector<Ranked> Retrieve(size_t want) override;
  void Score(std::vector<Pending>& docs) override;
  // Why the FAQ query could not be bound (its candidates are then missing).
  const Status& error() const { return error_; }

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  TopKAlgorithm algo_;
  SearchOptions options_;   // the bound FAQ query points into it (principal)
  Deadline own_deadline_;
  CorpusStatistics stats_;  // principal statistics, when the options ask for them
  std::optional<BoundQuery> faq_;
  Status error_;
};

// An application's retriever (glassbox/retriever.h), on document ids.
class ExternalRetrieverAdapter final : public Retriever {
 public:
  ExternalRetrieverAdapter(const Snapshot& snap, const BoundQuery& bq, const ExternalRetriever& r, std::string query)
      : snap_(snap), bq_(bq), r_(r), query_(std::move(query)) {}
  std::string name() const override { return r_.name(); }
  std::vector<Ranked> Retrieve(size_t want) override;
  void Score(std::vector<Pending>& docs) override;
  const Status& error() const { return error_; }

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  const ExternalRetriever& r_;
  std::string query_;
  Status error_;
};

}  // namespace glassbox::search::internal
