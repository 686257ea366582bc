// Pseudo-relevance feedback (RM3) on a bound query (plan.h,
// ExpandWithFeedback): a first BM25 pass, a relevance model from the top
// documents' analyzed text, the model's top words interpolated into the
// query as weighted clauses, so that explanations show them like any term.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "search/plan.h"
#include "search/retrievers.h"

namespace glassbox::search::internal {

namespace {

// Words in this share of the documents or more say nothing about relevance
// (stop words, the collection's own vocabulary): never added.
constexpr double kMaxDocShare = 0.10;

bool IsScoring(const BoundClause& c) { return c.kind != BoundClause::Kind::kFilter && c.occur != Occur::kMustNot; }

}  // namespace

Status ExpandWithFeedback(const Snapshot& snap, const SearchOptions& options, const CorpusStatistics* stats,
                          BoundQuery* bq) {
  const SearchOptions::Feedback& fb = options.feedback;
  if (fb.docs == 0 || fb.terms == 0 || !(fb.weight > 0)) return Status::OK();
  size_t n = 0;  // the query's scoring clauses
  for (const BoundClause& c : bq->clauses) n += IsScoring(c) ? 1 : 0;
  if (n == 0) return Status::OK();  // only filters: nothing to rank by

  // First pass: the top documents by BM25, within the request's constraints.
  uint64_t total = 0;
  std::vector<Ranked> top = Bm25Ranked(snap, *bq, fb.docs, options.algorithm, &total);
  if (bq->deadline != nullptr) GB_RETURN_IF_ERROR(CheckDeadline(*bq->deadline, "pseudo-relevance feedback"));
  double mass = 0;
  for (const Ranked& r : top) mass += std::max(r.score, 0.0);
  if (top.empty() || !(mass > 0)) return Status::OK();

  // The relevance model: P(w|R) = sum_d P(w|d) * score(d) / mass, with P(w|d)
  // the term's (field-weighted) share of the document's analyzed text.
  std::unordered_map<std::string, double> model;
  std::vector<text::Token> tokens;
  for (const Ranked& r : top) {
    auto doc = snap.segments[r.seg].reader->LoadDocument(r.doc);
    if (!doc.ok()) return doc.status();
    std::unordered_map<std::string, double> tf;
    double length = 0;
    for (const auto& [field, text] : doc->text) {
      const double w = snap.FieldWeight(field);
      if (!(w > 0)) continue;
      tokens.clear();
      snap.analyzer->Analyze(text, &tokens);
      for (const auto& t : tokens) tf[t.term] += w;
      length += w * static_cast<double>(tokens.size());
    }
    if (!(length > 0)) continue;
    const double share = std::max(r.score, 0.0) / mass;
    for (const auto& [term, f] : tf) model[term] += share * f / length;
    if (bq->deadline != nullptr) GB_RETURN_IF_ERROR(CheckDeadline(*bq->deadline, "pseudo-relevance feedback"));
  }

  // The strongest candidates first (ties by term, so the choice is stable),
  // then the document-frequency cut, counted as the query's terms are.
  std::vector<std::pair<std::string, double>> ranked(model.begin(), model.end());
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  if (ranked.size() > 4 * fb.terms + 50) ranked.resize(4 * fb.terms + 50);
  CorpusStatistics visible;
  const bool principal_view = options.principal_statistics && options.principal && !options.statistics;
  if (principal_view) {
    BoundQuery candidates;
    for (const auto& [term, p] : ranked) {
      BoundClause c;
      c.terms = {term};
      candidates.clauses.push_back(std::move(c));
    }
    visible = VisibleStatistics(snap, candidates, *options.principal);
  }
  const double docs = static_cast<double>(principal_view ? visible.doc_count : stats ? stats->doc_count : snap.doc_count);
  std::vector<std::pair<std::string, double>> kept;
  for (const auto& [term, p] : ranked) {
    if (kept.size() == fb.terms) break;
    uint64_t df = 0;
    if (principal_view) {
      df = visible.doc_freq[term];
    } else if (stats != nullptr) {
      auto it = stats->doc_freq.find(term);
      if (it == stats->doc_freq.end()) continue;  // statistics from elsewhere cannot weigh it
      df = it->second;
    } else {
      df = snap.DocFreq(term);
    }
    if (df == 0 || static_cast<double>(df) >= kMaxDocShare * docs) continue;
    kept.emplace_back(term, p);
  }
  double kept_mass = 0;
  for (const auto& [term, p] : kept) kept_mass += p;
  if (kept.empty() || !(kept_mass > 0)) return Status::OK();

  // Interpolation: the query keeps 1 - weight; the model's words share weight * n.
  for (BoundClause& c : bq->clauses)
    if (IsScoring(c)) c.boost *= 1 - fb.weight;
  std::unordered_map<std::string, double> default_weights(snap.field_weights.begin(), snap.field_weights.end());
  for (const auto& [term, p] : kept) {
    const double boost = fb.weight * static_cast<double>(n) * p / kept_mass;
    auto same = std::find_if(bq->clauses.begin(), bq->clauses.end(), [&](const BoundClause& c) {
      return c.kind == BoundClause::Kind::kTerm && IsScoring(c) && c.field.empty() && c.feedback == 0 &&
             c.terms.size() == 1 && c.terms[0] == term && c.fields == default_weights;
    });
    if (same != bq->clauses.end()) {
      same->boost += boost;
      same->feedback = boost;
      continue;
    }
    BoundClause c;
    c.kind = BoundClause::Kind::kTerm;
    c.occur = Occur::kShould;
    c.terms = {term};
    c.display = term;
    c.boost = boost;
    c.feedback = boost;
    c.fields = default_weights;
    bq->highlight.push_back(term);
    bq->clauses.push_back(std::move(c));
  }
  return Status::OK();
}

}  // namespace glassbox::search::internal
