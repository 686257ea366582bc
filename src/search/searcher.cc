// Searcher::Search and Searcher::QueryStatistics, and the snapshot's
// statistics. A request flows: BindRequest (plan.h) binds the query once;
// ResolveMode picks bm25, vector or hybrid; the retrievers (retrievers.h) or
// the fusion pipeline (fusion_run.h) rank; then each hit is built here, with
// snippets (snippet.cc) and explanations (ExplainInPlan; explain.cc holds
// Explain and the why-nots).
#include "search/searcher.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <unordered_set>

#include "glassbox/request.h"
#include "search/facets.h"
#include "search/fusion_run.h"
#include "search/plan.h"
#include "search/retrievers.h"

namespace glassbox::search {

using index::DocId;
// The request's plan, retrievers and fusion (plan.h, retrievers.h, fusion_run.h).
using namespace internal;

void Snapshot::ComputeStats() {
  doc_count = 0;
  total_tokens = 0;
  field_tokens.clear();
  text_fields.clear();
  metadata_types.clear();
  for (const auto& sv : segments) {
    const auto& st = sv.reader->stats();
    const auto& schema = sv.reader->schema();
    doc_count += st.docs;
    total_tokens += st.total_tokens;
    for (size_t f = 0; f < schema.text_fields.size(); ++f) {
      if (!field_tokens.count(schema.text_fields[f])) text_fields.push_back(schema.text_fields[f]);
      field_tokens[schema.text_fields[f]] += st.field_tokens[f];
    }
    for (const auto& [name, type] : schema.metadata) metadata_types.emplace(name, type);
  }
}

uint64_t Snapshot::DocFreq(std::string_view term) const {
  uint64_t df = 0;
  index::TermInfo info;
  for (const auto& sv : segments)
    if (sv.reader->FindTerm(term, &info)) df += info.df;
  return df;
}

namespace {

std::string DocIdOf(const SegmentView& view, DocId d) {
  auto doc = view.reader->LoadDocument(d);
  if (doc.ok())
    if (const MetadataValue* v = doc->Meta(provenance::kDocId)) return v->text;
  return std::string(view.reader->ExternalId(d));
}

}  // namespace

Result<SearchResponse> Searcher::Search(const std::string& query, const SearchOptions& options) const {
  auto start = std::chrono::steady_clock::now();
  const Snapshot& snap = *snap_;
  Deadline deadline(options.time_budget);
  GB_RETURN_IF_ERROR(ValidateSearchOptions(options));  // before binding: feedback runs a first pass there
  CorpusStatistics principal_stats;
  auto bound = BindRequest(snap, query, options, deadline, &principal_stats);
  if (!bound.ok()) return bound.status();
  const BoundQuery& bq = *bound;
  auto resolved = ResolveMode(snap, bq, options.mode);
  if (!resolved.ok()) return resolved.status();
  const SearchMode mode = *resolved;
  // The FAQ retriever fuses with BM25 alone when the search does not embed.
  const bool fused_bm25 = mode == SearchMode::kBm25 && options.faq_weight > 0;
  const size_t want = options.k + options.offset;
  SearchResponse resp;
  resp.total_exact = options.algorithm == TopKAlgorithm::kExhaustive && mode == SearchMode::kBm25;
  resp.mode = mode == SearchMode::kBm25 ? "bm25" : mode == SearchMode::kVector ? "vector" : "hybrid";
  const size_t pool = options.rollup_documents ? std::max(want, options.candidates) : want;

  std::vector<Ranked> ranked;
  std::vector<float> q;
  FusionRun run;
  if (fused_bm25) resp.mode = "hybrid", resp.total_exact = false;
  if (mode == SearchMode::kBm25 && !fused_bm25) {
    ranked = Bm25Ranked(snap, bq, pool, options.algorithm, &resp.total_hits);
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking documents"));
  } else {
    if (!fused_bm25) GB_RETURN_IF_ERROR(EmbedQuery(snap, bq.semantic_text, &q));
    const size_t ef = options.ef_search ? options.ef_search : std::max<size_t>(options.candidates, 64);
    if (mode == SearchMode::kVector) {
      ranked = VectorRanked(snap, bq, q, pool, ef);
      GB_RETURN_IF_ERROR(CheckDeadline(deadline, "searching the vectors"));
      resp.total_hits = ranked.size();
    } else {
      const size_t n = std::max(pool, options.candidates);
      const FusionMethod method = run.AddRetrievers(snap, bq, options, q, ef);
      run.Run(method, options.rrf_k, n);
      GB_RETURN_IF_ERROR(run.ExternalError());
      GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking and scoring the hybrid candidates"));
      for (size_t i = 0; i < run.fused.size(); ++i) {
        const Ranked& c = run.cands[run.fused[i].candidate];
        ranked.push_back({c.seg, c.doc, run.fused[i].score, i});
      }
      resp.fusion = run.Describe(method);
      resp.total_hits = run.cands.size();
    }
  }
  if (!resp.total_exact && resp.total_hits < ranked.size()) resp.total_hits = ranked.size();
  if (!options.facets.empty()) {
    auto fields = FacetFields(snap, options.facets);
    if (!fields.ok()) return fields.status();
    uint64_t matches = 0;
    auto facets = CountFacets(snap, bq, *fields, &matches);
    if (!facets.ok()) return facets.status();
    resp.facets = std::move(*facets);
    if (mode == SearchMode::kBm25) resp.total_hits = matches, resp.total_exact = true;  // every match was counted
  }

  // Roll chunks up to their documents: the best passage of each document.
  std::vector<std::string> rollup_ids;
  if (options.rollup_documents) {
    std::vector<Ranked> docs;
    std::unordered_set<std::string> seen;
    for (const Ranked& r : ranked) {
      std::string id = DocIdOf(snap.segments[r.seg], r.doc);
      if (!seen.insert(id).second) continue;
      docs.push_back(r);
      rollup_ids.push_back(id);
      if (docs.size() >= want) break;
    }
    ranked = std::move(docs);
  }

  for (size_t i = options.offset; i < ranked.size() && i < want; ++i) {
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "building the hits (fields, snippets, explanations)"));
    const Ranked& g = ranked[i];
    const SegmentView& view = snap.segments[g.seg];
    Hit hit;
    hit.id = std::string(view.reader->ExternalId(g.doc));
    if (options.rollup_documents) {
      hit.passage_id = hit.id;
      hit.id = rollup_ids[i];
    }
    hit.score = g.score;
    const std::string* body = nullptr;
    Result<Document> doc = Document();
    const bool need_doc = options.with_fields || options.with_snippet ||
                          (options.with_explanation && options.explain_words && mode != SearchMode::kBm25 &&
                           snap.embedder->explain_words);
    if (need_doc) {
      doc = view.reader->LoadDocument(g.doc);
      if (!doc.ok()) return doc.status();
      body = doc->Text("body");
      if (body == nullptr && !doc->text.empty()) body = &doc->text.back().second;
    }
    if (options.with_snippet && body != nullptr)
      hit.snippet = MakeSnippet(*snap.analyzer, *body, bq.highlight, options.snippet_chars, options.highlight_open,
                                options.highlight_close);
    if (options.with_explanation) {
      auto plan = PlanSegment(bq, view);
      Explanation e = ExplainInPlan(snap, bq, *plan, g.doc);
      if (e.matched) hit.explanation = std::move(e);
      if (g.fused_row != SIZE_MAX) {
        hit.retrievers = run.Explain(run.fused[g.fused_row]);
      } else if (mode == SearchMode::kVector) {
        hit.retrievers.push_back({"vector", static_cast<uint32_t>(i + 1), g.score, g.score, 1.0, g.score, 1.0});
      }
      if (options.explain_words && mode != SearchMode::kBm25 && snap.embedder->explain_words && body != nullptr) {
        std::string passage;
        for (const auto& [name, value] : doc->text) passage += value + "\n";
        std::lock_guard<std::mutex> l(snap.embedder->mu);
        for (const auto& w : snap.embedder->explain_words(bq.semantic_text, passage, 5))
          hit.similar_words.push_back({w.query_word, w.passage_word, w.contribution});
      }
    }
    if (options.with_fields && doc.ok()) {
      hit.text = std::move(doc->text);
      hit.metadata = std::move(doc->metadata);
    }
    resp.hits.push_back(std::move(hit));
  }
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "building the hits (fields, snippets, explanations)"));
  resp.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return resp;
}

Result<CorpusStatistics> Searcher::QueryStatistics(const std::string& query, const SearchOptions& options) const {
  const Snapshot& snap = *snap_;
  auto bound = ParseAndBind(snap, query, options.plain, !options.principal);
  if (!bound.ok()) return bound.status();
  CorpusStatistics st;
  st.doc_count = snap.doc_count;
  for (const auto& [f, n] : snap.field_tokens) st.field_tokens[f] = n;
  for (const BoundClause& c : bound->clauses)
    if (c.kind != BoundClause::Kind::kFilter)
      for (const auto& t : c.terms) st.doc_freq.emplace(t, snap.DocFreq(t));
  return st;
}

}  // namespace glassbox::search
