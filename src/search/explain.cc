// The explainer: Searcher::Explain, WhyNotInTopK and WhyNotInResults. A
// request is bound exactly as Search binds it (plan.h); the document is then
// explained in its segment's plan (ExplainInPlan), placed by exhaustive BM25
// scoring, or, in vector and hybrid mode, re-ranked by the same retrievers
// and fusion the search ran (retrievers.h, fusion_run.h) with it among the
// candidates, so the answer describes the ranking the user saw.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/request.h"
#include "search/fusion_run.h"
#include "search/plan.h"
#include "search/retrievers.h"
#include "search/searcher.h"
#include "search/topk.h"

namespace glassbox::search {

using index::DocId;
// The request's plan, retrievers and fusion (plan.h, retrievers.h, fusion_run.h).
using namespace internal;

Result<Explanation> Searcher::Explain(const std::string& query, const std::string& id, const Principal* principal,
                                      std::chrono::milliseconds time_budget) const {
  const Snapshot& snap = *snap_;
  Deadline deadline(time_budget);
  auto bound = BindCall(snap, query, false, principal, nullptr, deadline);
  if (!bound.ok()) return bound.status();
  size_t s;
  DocId d;
  if (!FindLiveDocument(snap, id, &s, &d) ||
      (principal != nullptr && !AclFilter(snap.segments[s], *principal).Visible(d)))
    return Status::NotFound("no document with id '" + id + "'");
  auto plan = PlanSegment(*bound, snap.segments[s]);
  Explanation e = ExplainInPlan(snap, *bound, *plan, d);
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "explaining the document"));
  return e;
}

namespace {

// Why document d of segment `seg` is or is not in the BM25 top k of a bound
// query: the clause it fails, else its exact rank by exhaustive scoring.
Result<WhyNot> WhyNotBm25(const Snapshot& snap, const BoundQuery& bq, Deadline& deadline, size_t seg, DocId d,
                          size_t k) {
  WhyNot w;
  const SegmentView& view = snap.segments[seg];
  // Which clauses does the document satisfy?
  std::vector<std::string> missing_must, missing_should, excluded, phrase_missing;
  bool any_should = false, has_should = false, has_must = false;
  for (const BoundClause& c : bq.clauses) {
    auto cur = MakeCursor(*view.reader, c, bq.deadline);
    bool on = false;
    if (cur) {
      cur->Advance(d);
      on = cur->doc() == d;
    }
    bool terms_present = on;
    if (!on && c.kind == BoundClause::Kind::kPhrase) {
      terms_present = true;
      for (const auto& t : c.terms) {
        index::TermInfo info;
        bool has = view.reader->FindTerm(t, &info);
        if (has) {
          index::PostingIterator it(view.reader.get(), info);
          it.Advance(d);
          has = it.doc() == d;
        }
        if (!has) terms_present = false;
      }
    }
    if (c.occur == Occur::kMustNot) {
      if (on) excluded.push_back(c.display);
      continue;
    }
    if (c.occur == Occur::kMust) has_must = true;
    else has_should = true;
    if (on) {
      if (c.occur == Occur::kShould) any_should = true;
      continue;
    }
    if (c.kind == BoundClause::Kind::kPhrase && terms_present) phrase_missing.push_back(c.display);
    else if (c.occur == Occur::kMust) missing_must.push_back(c.display);
    else missing_should.push_back(c.display);
  }
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "matching the query's clauses against the document"));
  if (!view.IsLive(d)) {
    w.reason = WhyNot::Reason::kNoSuchDocument;
    w.message = "document is deleted";
    return w;
  }
  if (!excluded.empty()) {
    w.reason = WhyNot::Reason::kExcluded;
    w.detail = excluded.front();
    w.message = "the document contains the excluded " + excluded.front();
    return w;
  }
  for (const auto& f : bq.filters) {
    int mi = view.reader->schema().MetadataIndex(f.field);
    double v = mi >= 0 ? view.reader->ColumnValue(mi, d) : NAN;
    if (!f.Passes(v)) {
      w.reason = WhyNot::Reason::kFiltered;
      w.detail = f.display;
      w.message = "the filter " + f.display + " rejects it (" + f.field + " = " +
                  (std::isnan(v) ? std::string("absent") : MetadataValue::Number(v).text) + ")";
      return w;
    }
  }
  for (const BoundClause& c : bq.clauses) {
    if (c.kind == BoundClause::Kind::kFilter && c.occur == Occur::kMust &&
        std::find(missing_must.begin(), missing_must.end(), c.display) != missing_must.end()) {
      w.reason = WhyNot::Reason::kFiltered;
      w.detail = c.display;
      w.message = "the filter " + c.display + " rejects it";
      return w;
    }
  }
  w.missing_terms = missing_must;
  w.missing_terms.insert(w.missing_terms.end(), missing_should.begin(), missing_should.end());
  if (!missing_must.empty() || (!has_must && has_should && !any_should && phrase_missing.empty())) {
    w.reason = WhyNot::Reason::kMissingTerms;
    std::string list;
    for (const auto& t : (missing_must.empty() ? missing_should : missing_must)) list += (list.empty() ? "" : ", ") + t;
    w.message = (missing_must.empty() ? "the document contains none of the query terms: " : "the document lacks required term(s): ") + list;
    return w;
  }
  if (!phrase_missing.empty() && (!any_should || has_must)) {
    bool required = false;
    for (const auto& c : bq.clauses)
      if (c.kind == BoundClause::Kind::kPhrase && c.occur == Occur::kMust) required = true;
    if (required || !any_should) {
      w.reason = WhyNot::Reason::kPhraseNotFound;
      w.detail = phrase_missing.front();
      w.message = "the document has the words of " + phrase_missing.front() + " but not as that phrase";
      return w;
    }
  }
  // It matches: find its rank by exhaustive scoring.
  auto plan = PlanSegment(bq, view);
  Explanation e = ExplainInPlan(snap, bq, *plan, d);
  w.score = e.score;
  const float score = static_cast<float>(e.score);
  uint64_t better = 0;
  std::vector<float> top_scores;
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "explaining the document"));
  for (size_t s = 0; s < snap.segments.size(); ++s) {
    auto p = PlanSegment(bq, snap.segments[s]);
    if (p->empty) continue;
    TopKQuery q = p->MakeTopK(snap.segments[s].reader->num_docs(), 0);
    TopKResult r = ExhaustiveTopK(q);
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking every matching document to find the rank"));
    for (const auto& h : r.hits) {
      top_scores.push_back(h.score);
      if (h.score > score || (h.score == score && (s < seg || (s == seg && h.doc < d)))) ++better;
    }
  }
  std::sort(top_scores.rbegin(), top_scores.rend());
  w.rank = better + 1;
  if (k > 0 && top_scores.size() >= k) w.kth_score = top_scores[k - 1];
  char buf[256];
  if (w.rank <= k) {
    w.reason = WhyNot::Reason::kInTopK;
    std::snprintf(buf, sizeof buf, "the document is in the top %zu, at rank %llu (score %.4f)", k,
                  static_cast<unsigned long long>(w.rank), w.score);
  } else {
    w.reason = WhyNot::Reason::kRankedBelow;
    std::snprintf(buf, sizeof buf,
                  "the document matches but ranks %llu (score %.4f); hit #%zu scores %.4f, a gap of %.4f",
                  static_cast<unsigned long long>(w.rank), w.score, k, w.kth_score, w.kth_score - w.score);
  }
  w.message = buf;
  if (!w.missing_terms.empty()) {
    w.message += "; it lacks: ";
    for (size_t i = 0; i < w.missing_terms.size(); ++i) w.message += (i ? ", " : "") + w.missing_terms[i];
  }
  return w;
}

}  // namespace

Result<WhyNot> Searcher::WhyNotInTopK(const std::string& query, const std::string& id, size_t k,
                                      const Principal* principal, std::chrono::milliseconds time_budget) const {
  const Snapshot& snap = *snap_;
  Deadline deadline(time_budget);
  auto bound = BindCall(snap, query, false, principal, nullptr, deadline);
  if (!bound.ok()) return bound.status();
  const BoundQuery& bq = *bound;
  size_t seg;
  DocId d;
  if (!FindLiveDocument(snap, id, &seg, &d) ||
      (principal != nullptr && !AclFilter(snap.segments[seg], *principal).Visible(d))) {
    WhyNot w;
    w.reason = WhyNot::Reason::kNoSuchDocument;
    w.message = "no live document has id '" + id + "'";
    return w;
  }
  return WhyNotBm25(snap, bq, deadline, seg, d, k);
}

Result<WhyNot> Searcher::WhyNotInResults(const std::string& query, const SearchOptions& options,
                                         const std::string& id) const {
  const Snapshot& snap = *snap_;
  GB_RETURN_IF_ERROR(ValidateSearchOptions(options));
  Deadline deadline(options.time_budget);
  CorpusStatistics principal_stats;
  auto bound = BindRequest(snap, query, options, deadline, &principal_stats);
  if (!bound.ok()) return bound.status();
  const BoundQuery& bq = *bound;
  const size_t k = options.offset + options.k;
  size_t seg;
  DocId d;
  if (!FindLiveDocument(snap, id, &seg, &d) ||
      (bq.principal != nullptr && !AclFilter(snap.segments[seg], *bq.principal).Visible(d))) {
    WhyNot w;
    w.reason = WhyNot::Reason::kNoSuchDocument;
    w.message = "no live document has id '" + id + "'";
    return w;
  }
  auto resolved = ResolveMode(snap, bq, options.mode);
  if (!resolved.ok()) return resolved.status();
  const SearchMode mode = *resolved;
  // The document's BM25 breakdown under the same bound query (plain, field
  // weights and injected statistics included).
  Explanation bm25;
  {
    auto plan = PlanSegment(bq, snap.segments[seg]);
    bm25 = ExplainInPlan(snap, bq, *plan, d);
  }
  const bool fused_bm25 = mode == SearchMode::kBm25 && options.faq_weight > 0;  // BM25 + FAQ retriever
  if ((mode == SearchMode::kBm25 && !fused_bm25) || !Admissible(snap, bq, seg, d)) {
    // BM25 ranks exactly; in the other modes a rejected document fails the
    // same clause or filter whatever the retriever.
    auto w = WhyNotBm25(snap, bq, deadline, seg, d, k);
    if (w.ok()) {
      w->mode = SearchModeName(mode);
      w->bm25 = std::move(bm25);
    }
    return w;
  }
  std::vector<float> q;
  if (!fused_bm25) GB_RETURN_IF_ERROR(EmbedQuery(snap, bq.semantic_text, &q));
  const size_t ef = options.ef_search ? options.ef_search : std::max<size_t>(options.candidates, 64);
  const size_t n = std::max(k, options.candidates);
  WhyNot w;
  w.mode = fused_bm25 ? "hybrid" : SearchModeName(mode);
  w.bm25 = std::move(bm25);
  char buf[512];
  if (mode == SearchMode::kVector) {
    VectorRetriever vr(snap, bq, q, ef);
    std::vector<Ranked> list = vr.Retrieve(k);
    double raw = 0;
    std::vector<Pending> one = {{seg, d, &raw}};
    vr.Score(one);
    uint64_t rank = 0;
    for (size_t i = 0; i < list.size() && rank == 0; ++i)
      if (list[i].seg == seg && list[i].doc == d) rank = i + 1;
    const bool listed = rank > 0;
    if (!listed) rank = list.size() + 1;  // at least: every listed hit is as close or closer
    w.rank = rank;
    w.score = raw;
    if (list.size() >= k && k > 0) w.kth_score = list[k - 1].score;
    w.retrievers.push_back({"vector", listed ? static_cast<uint32_t>(rank) : 0u, raw, raw, 1.0, raw, 1.0});
    w.reason = listed ? WhyNot::Reason::kInTopK : WhyNot::Reason::kRankedBelow;
    if (listed)
      std::snprintf(buf, sizeof buf, "vector search ranks it %llu of the top %zu (cosine %.4f)",
                    static_cast<unsigned long long>(rank), k, raw);
    else
      std::snprintf(buf, sizeof buf,
                    "vector search does not reach it: its cosine %.4f is below hit #%zu's %.4f (a gap of %.4f)", raw,
                    k, w.kth_score, w.kth_score - raw);
    w.message = buf;
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "explaining the vector ranking"));
    return w;
  }
  // Hybrid: the fusion the search ran, with this document among the candidates.
  FusionRun run;
  const FusionMethod method = run.AddRetrievers(snap, bq, options, q, ef);
  const std::pair<size_t, DocId> doc{seg, d};
  run.Run(method, options.rrf_k, n, &doc);
  GB_RETURN_IF_ERROR(run.ExternalError());
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking and scoring the hybrid candidates"));
  size_t row = SIZE_MAX, pos = SIZE_MAX;
  for (size_t c = 0; c < run.cands.size() && row == SIZE_MAX; ++c)
    if (run.cands[c].seg == seg && run.cands[c].doc == d) row = c;
  for (size_t i = 0; i < run.fused.size() && pos == SIZE_MAX; ++i)
    if (run.fused[i].candidate == row) pos = i;
  if (pos == SIZE_MAX) return Status::Corruption("why-not: the document vanished from its own fusion");
  const auto& fr = run.fused[pos];
  w.rank = pos + 1;
  w.score = fr.score;
  if (k > 0 && run.fused.size() >= k) w.kth_score = run.fused[k - 1].score;
  w.retrievers = run.Explain(fr);
  std::string missed, parts;
  for (const auto& r : w.retrievers) {
    char p[160];
    if (r.rank > 0)
      std::snprintf(p, sizeof p, "%s ranks it %u (raw %.4f)", r.retriever.c_str(), r.rank, r.raw);
    else
      std::snprintf(p, sizeof p, "%s: not among its %zu candidates (raw %.4f)", r.retriever.c_str(), n, r.raw);
    parts += (parts.empty() ? "" : "; ") + std::string(p);
    if (r.rank == 0 && r.weight > 0) missed += (missed.empty() ? "" : ", ") + r.retriever;
  }
  const std::string fusion = run.Describe(method);
  if (w.rank <= k) {
    w.reason = WhyNot::Reason::kInTopK;
    std::snprintf(buf, sizeof buf, "hybrid (%s) ranks it %llu of the top %zu (fused score %.4f)", fusion.c_str(),
                  static_cast<unsigned long long>(w.rank), k, w.score);
  } else {
    w.reason = WhyNot::Reason::kRankedBelow;
    std::snprintf(buf, sizeof buf, "hybrid (%s) ranks it %llu (fused score %.4f); hit #%zu scores %.4f, a gap of %.4f",
                  fusion.c_str(), static_cast<unsigned long long>(w.rank), w.score, k, w.kth_score,
                  w.kth_score - w.score);
  }
  w.message = std::string(buf) + ". " + parts;
  if (!missed.empty()) w.message += ". Missed by: " + missed;
  if (w.reason == WhyNot::Reason::kRankedBelow) {
    for (const auto& r : w.retrievers)
      if (r.retriever == "bm25" && r.raw == 0) w.message += ". It contains none of the query's words";
  }
  return w;
}

}  // namespace glassbox::search
