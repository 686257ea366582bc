// The plan of one request: binding a parsed query to a snapshot's statistics
// (a BoundQuery), then per segment the scorers, the acceptor (live, visible,
// filters, exclusions) and the explanation of a document. A request flows in
// through BindRequest / BindCall; retrievers (retrievers.h), fusion
// (fusion_run.h), the explainer (explain.cc) and Searcher::Search all consume
// the same BoundQuery and SegmentPlan, so "what matches" is decided here once.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "glassbox/search.h"
#include "glassbox/status.h"
#include "search/deadline.h"
#include "search/query.h"
#include "search/scorers.h"
#include "search/searcher.h"
#include "search/snapshot.h"
#include "search/topk.h"

namespace glassbox::search::internal {

// ---------------------------------------------------------------------------
// Binding

struct BoundClause {
  enum class Kind { kTerm, kPhrase, kFilter };
  Kind kind = Kind::kTerm;
  Occur occur = Occur::kShould;
  std::vector<std::string> terms;
  std::vector<uint32_t> offsets;  // phrase: position of each term relative to the first
  std::string field;    // restriction; "" = default fields
  std::string display;  // as shown in explanations
  double boost = 1;
  double feedback = 0;  // the part of boost pseudo-relevance feedback gave (ExpandWithFeedback)
  uint64_t df = 0;
  double idf = 0;
  Bm25Weight weight;
  std::unordered_map<std::string, double> fields;  // field weights by name (empty = all 1)
};

struct NumericFilter {
  std::string field;
  double lo = -INFINITY, hi = INFINITY;
  bool lo_inc = true, hi_inc = true;
  bool negate = false;
  std::string display;
  bool Passes(double v) const {
    bool in = !std::isnan(v) && (lo_inc ? v >= lo : v > lo) && (hi_inc ? v <= hi : v < hi);
    return negate ? !in : in;
  }
};

struct BoundQuery {
  std::vector<BoundClause> clauses;
  std::vector<NumericFilter> filters;
  std::vector<std::string> highlight;  // analyzed terms to highlight
  std::string semantic_text;           // the words a vector retriever embeds (no operators, no filters)
  const Principal* principal = nullptr;  // restricts every retriever (access control)
  Deadline* deadline = nullptr;          // the call's time budget (null: unlimited)
  uint64_t doc_count = 0;                // N the terms were weighed with (explanations report it)
};

// DeadlineExceeded once the call's budget is spent (naming what ran out of
// time first), else OK. Read between stages; long loops check on their own.
Status CheckDeadline(Deadline& deadline, const char* what);

// Parses `query` (taken as one clause of plain words when `plain`) and binds
// it. list_fields: errors name the collection's fields. stats: statistics to
// weigh terms with instead of the snapshot's (see CorpusStatistics).
Result<BoundQuery> ParseAndBind(const Snapshot& snap, const std::string& query, bool plain, bool list_fields,
                                const CorpusStatistics* stats = nullptr);

// The query bound for one call: on whose behalf (principal) and within which
// time budget (deadline, which must outlive the result). Search, explain and
// both why-nots bind through here, so what matches is decided once.
Result<BoundQuery> BindCall(const Snapshot& snap, const std::string& query, bool plain, const Principal* principal,
                            const CorpusStatistics* stats, Deadline& deadline);

// Statistics over the documents `principal` may see (deleted ones included,
// as the collection's own statistics do), for the terms of a bound query:
// what a collection holding only those documents would score with, so that
// scores and explanations say nothing about hidden documents. Per segment the
// document and token totals of a principal are computed once and cached in
// the (immutable) segment; document frequencies cost one pass over each query
// term's postings.
CorpusStatistics VisibleStatistics(const Snapshot& snap, const BoundQuery& bq, const Principal& principal);

// BindCall, with statistics over what the principal may see when the options
// ask for them (SearchOptions::principal_statistics): binds twice, once to
// learn the terms, once to weigh them. `stats` keeps the statistics alive.
Result<BoundQuery> BindRequest(const Snapshot& snap, const std::string& query, const SearchOptions& options,
                               Deadline& deadline, CorpusStatistics* stats);

// Weighs (again) every clause of bq with BM25 statistics: the snapshot's, or
// `stats` when given; after boosts or statistics changed.
void WeighClauses(const Snapshot& snap, const CorpusStatistics* stats, BoundQuery* bq);

// Pseudo-relevance feedback (SearchOptions::feedback, RM3) on a bound query:
// ranks the top `docs` by BM25, estimates a relevance model from their
// analyzed stored text (P(w|R) = sum over the feedback documents of
// tf(w,d)/|d| times the document's share of the feedback score mass), keeps
// its top `terms` words that occur in under 10 % of the documents, and
// interpolates: the query's scoring clauses keep (1 - weight) of their boost,
// each model word gets weight * n * P(w|R) renormalized over the kept words
// (n = the query's scoring clauses), added to a plain clause of the same term
// or as a new optional clause (BoundClause::feedback records the part).
// Document frequencies come from `stats` when given (terms it lacks are not
// added), from the documents the principal may see with principal
// statistics, else from the snapshot. The clauses are not re-weighed.
// (feedback.cc)
Status ExpandWithFeedback(const Snapshot& snap, const SearchOptions& options, const CorpusStatistics* stats,
                          BoundQuery* bq);

// The mode a search runs in (kAuto resolved), or why it cannot run.
Result<SearchMode> ResolveMode(const Snapshot& snap, const BoundQuery& bq, SearchMode mode);

// ---------------------------------------------------------------------------
// Per-segment execution

// The documents of a segment that pass a metadata filter: computed once per
// (segment, filter) and cached in the immutable segment, like a principal's.
std::shared_ptr<const std::vector<uint64_t>> FilterDocSet(const index::SegmentReader& seg, const NumericFilter& f);
// That set if it is already cached, else null (never computes it).
std::shared_ptr<const std::vector<uint64_t>> CachedFilterDocSet(const index::SegmentReader& seg, const NumericFilter& f);

class SegmentAcceptor final : public DocAcceptor {
 public:
  const SegmentView* view = nullptr;
  AclFilter acl;
  struct Filter {
    const NumericFilter* filter;
    int column;                                       // metadata index in the segment (-1: absent)
    std::shared_ptr<const std::vector<uint64_t>> bits;  // its cached set, or null: test the column value
  };
  std::vector<Filter> filters;
  std::vector<ScoringCursor*> excluded;
  bool Accept(DocId d) override {
    if (!view->IsLive(d) || !acl.Visible(d)) return false;
    for (const Filter& f : filters) {
      if (f.bits != nullptr) {
        if (!TestBit(*f.bits, d)) return false;
      } else if (!f.filter->Passes(f.column >= 0 ? view->reader->ColumnValue(f.column, d) : NAN)) {
        return false;
      }
    }
    for (ScoringCursor* c : excluded) {
      c->Advance(d);
      if (c->doc() == d) return false;
    }
    return true;
  }
  bool Selective() const override { return acl.active() || !filters.empty(); }
};

// Scorers of one query on one segment, in canonical clause order.
struct SegmentPlan {
  std::vector<std::unique_ptr<ExplainableCursor>> owned;
  std::vector<std::pair<size_t, ExplainableCursor*>> must, should;  // (clause index, cursor)
  std::vector<ExplainableCursor*> excluded;
  SegmentAcceptor acceptor;
  bool empty = false;  // no document of the segment can match
  Deadline* deadline = nullptr;
  TopKQuery MakeTopK(size_t k, float threshold) {
    TopKQuery q;
    for (auto& [i, c] : must) q.must.push_back(c);
    for (auto& [i, c] : should) q.should.push_back(c);
    q.acceptor = &acceptor;
    q.k = k;
    q.initial_threshold = threshold;
    q.deadline = deadline;
    return q;
  }
};

// The scorer of one clause on one segment; null when a term of the clause is
// not in the segment (the clause matches nothing there).
std::unique_ptr<ExplainableCursor> MakeCursor(const index::SegmentReader& seg, const BoundClause& c,
                                              Deadline* deadline);

// The scorers and acceptor of a bound query on one segment (`view` must
// outlive the plan).
std::unique_ptr<SegmentPlan> PlanSegment(const BoundQuery& bq, const SegmentView& view);

// Explains document d of plan's segment: positions every cursor on d.
Explanation ExplainInPlan(const Snapshot& snap, const BoundQuery& bq, SegmentPlan& plan, DocId d);

// ExplainInPlan's match and score alone (the same sum, in the same order),
// without building the explanation: for scoring many documents (phase 2 of
// fusion). Documents must come in ascending order within one plan.
bool ScoreInPlan(SegmentPlan& plan, DocId d, double* score);

}  // namespace glassbox::search::internal
