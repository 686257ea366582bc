// FusionRun (fusion_run.h): the retrievers of a hybrid search run over one
// bound request in two phases (own candidates, then every candidate scored by
// every retriever), and their rows are fused into one ranking whose every
// score is explained per retriever (rank, raw, normalised, weight, share).
#include "search/fusion_run.h"

#include <cstdio>
#include <map>

namespace glassbox::search::internal {

using index::DocId;

namespace {

hybrid::FusionMethod ToInternal(FusionMethod m) {
  switch (m) {
    case FusionMethod::kRrf: return hybrid::FusionMethod::kRrf;
    case FusionMethod::kMinMax: return hybrid::FusionMethod::kMinMax;
    case FusionMethod::kZScore: return hybrid::FusionMethod::kZScore;
  }
  return hybrid::FusionMethod::kMinMax;
}

}  // namespace

FusionMethod FusionRun::AddRetrievers(const Snapshot& snap, const BoundQuery& bq, const SearchOptions& options,
                                       const std::vector<float>& q, size_t ef) {
  const bool own = !options.use_collection_fusion;
  min_similarity = options.min_similarity.value_or(snap.min_similarity);
  Add(std::make_unique<Bm25Retriever>(snap, bq, options.algorithm), own ? options.bm25_weight : snap.bm25_weight);
  if (!q.empty()) {
    vector_index = retrievers.size();
    Add(std::make_unique<VectorRetriever>(snap, bq, q, ef), own ? options.vector_weight : snap.vector_weight);
  }
  if (options.faq_weight > 0) {
    auto f = std::make_unique<FaqRetriever>(snap, bq, options);
    faq = f.get();
    Add(std::move(f), options.faq_weight);
  }
  for (const auto& wr : options.retrievers) {
    auto adapter = std::make_unique<ExternalRetrieverAdapter>(snap, bq, *wr.retriever, bq.semantic_text);
    external.push_back(adapter.get());
    Add(std::move(adapter), wr.weight);
  }
  return own ? options.fusion : snap.fusion;
}

Status FusionRun::ExternalError() const {
  if (faq != nullptr && !faq->error().ok()) return faq->error();
  for (const auto* e : external)
    if (!e->error().ok()) return e->error();
  return Status::OK();
}

void FusionRun::Run(FusionMethod method, double rrf_k, size_t n, const std::pair<size_t, DocId>* also) {
  const size_t R = retrievers.size();
  std::map<std::pair<size_t, DocId>, size_t> index;
  auto row = [&](size_t seg, DocId d) {
    auto [it, added] = index.emplace(std::make_pair(seg, d), cands.size());
    if (added) {
      cands.push_back({seg, d, 0});
      fin.raw.emplace_back(R, 0.0);
      fin.rank.emplace_back(R, 0);
    }
    return it->second;
  };
  for (size_t r = 0; r < R; ++r) {
    // A retriever that weighs nothing brings no candidates of its own.
    std::vector<Ranked> list = weights[r] > 0 ? retrievers[r]->Retrieve(n) : std::vector<Ranked>();
    for (size_t i = 0; i < list.size(); ++i) {
      size_t c = row(list[i].seg, list[i].doc);
      fin.raw[c][r] = list[i].score;
      fin.rank[c][r] = static_cast<uint32_t>(i + 1);
    }
  }
  if (also) row(also->first, also->second);
  for (size_t r = 0; r < R; ++r) {
    std::vector<Pending> missing;
    for (size_t c = 0; c < cands.size(); ++c)
      if (fin.rank[c][r] == 0) missing.push_back({cands[c].seg, cands[c].doc, &fin.raw[c][r]});
    retrievers[r]->Score(missing);
  }
  if (min_similarity > -1 && vector_index != SIZE_MAX) {
    // Semantic-only candidates below the floor go before fusion (so they do
    // not stretch the normalisation either); the why-not document stays.
    size_t keep = 0;
    for (size_t c = 0; c < cands.size(); ++c) {
      const bool asked = also && cands[c].seg == also->first && cands[c].doc == also->second;
      bool others = false;  // the FAQ or an application's retriever found it: keep
      for (size_t r = 0; r < R; ++r) others |= r != 0 && r != vector_index && fin.rank[c][r] > 0;
      if (!asked && !others && fin.raw[c][0] == 0 && fin.raw[c][vector_index] < min_similarity) continue;
      if (keep != c) {  // (a vector moved onto itself would be left empty)
        cands[keep] = cands[c];
        fin.raw[keep] = std::move(fin.raw[c]);
        fin.rank[keep] = std::move(fin.rank[c]);
      }
      ++keep;
    }
    cands.resize(keep);
    fin.raw.resize(keep);
    fin.rank.resize(keep);
  }
  fin.retrievers = R;
  fin.weights = weights;
  fin.rrf_k = rrf_k;
  fused = hybrid::Fuse(ToInternal(method), fin);
}

std::string FusionRun::Describe(FusionMethod method) const {
  std::string out = hybrid::FusionName(ToInternal(method));
  for (size_t r = 0; r < retrievers.size(); ++r) {
    char w[32];
    std::snprintf(w, sizeof w, "%.3g", weights[r]);
    out += " " + retrievers[r]->name() + "=" + w;
  }
  return out;
}

std::vector<RetrieverScore> FusionRun::Explain(const hybrid::FusedRow& row) const {
  std::vector<RetrieverScore> out;
  for (size_t r = 0; r < retrievers.size(); ++r) {
    const auto& p = row.parts[r];
    out.push_back({retrievers[r]->name(), p.rank, p.raw, p.normalized, weights[r], p.contribution, p.share});
  }
  return out;
}

}  // namespace glassbox::search::internal
