// static_eval: how good is the static embedder alone? Embeds a BEIR dataset's
// corpus (title + " " + text) and queries, ranks every document by cosine
// (brute force), prints nDCG@10 / Recall@100 / MRR@10 for a few variants:
//
//   sif+cc     SIF weights from the corpus's own word frequencies, common
//              component (first principal direction of the document vectors)
//              removed -- what the engine does
//   sif        the same without common-component removal
//   zipf+cc    word probabilities from the vocabulary rank only (no corpus statistics)
//   mean+cc    unweighted (every known word weighs ~1: p -> tiny)
//
//   static_eval DATASET_DIR [--model FILE.gbvec] [--run RUN.trec]
// --run writes the sif+cc run as a TREC file (score it with bench/score_run).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/beir.h"
#include "eval/metrics.h"
#include "text/analyzer.h"
#include "vector/static_embedder.h"

using glassbox::vector::StaticEmbedder;
using glassbox::vector::WordProbability;
namespace eval = glassbox::eval;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

eval::Run Rank(const std::vector<float>& docs, const std::vector<float>& queries, size_t dim,
               const eval::BeirDataset& ds, size_t k) {
  eval::Run run;
  const size_t n = ds.corpus.size();
  std::vector<std::pair<float, uint32_t>> scored(n);
  for (size_t q = 0; q < ds.queries.size(); ++q) {
    const float* qv = queries.data() + q * dim;
    for (size_t d = 0; d < n; ++d) {
      const float* dv = docs.data() + d * dim;
      float s = 0;
      for (size_t i = 0; i < dim; ++i) s += qv[i] * dv[i];
      scored[d] = {s, static_cast<uint32_t>(d)};
    }
    size_t keep = std::min(k, n);
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    auto& hits = run[ds.queries[q].id];
    for (size_t i = 0; i < keep; ++i) hits.push_back({ds.corpus[scored[i].second].id, scored[i].first});
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: static_eval DATASET_DIR [--model FILE.gbvec] [--run RUN.trec]\n");
    return 2;
  }
  std::string dir = argv[1], model, run_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--model") == 0) model = argv[i + 1];
    else if (std::strcmp(argv[i], "--run") == 0) run_path = argv[i + 1];
    else {
      std::fprintf(stderr, "static_eval: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  auto ds = eval::LoadBeir(dir);
  if (!ds.ok()) {
    std::fprintf(stderr, "static_eval: %s\n", ds.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> doc_texts, query_texts;
  for (const auto& d : ds->corpus) doc_texts.push_back(d.title.empty() ? d.text : d.title + " " + d.text);
  for (const auto& q : ds->queries) query_texts.push_back(q.text);

  // The collection's word probabilities, "standard" analyzer (as the embedder tokenizes).
  auto analyzer = glassbox::text::MakeAnalyzer("standard");
  if (!analyzer.ok()) {
    std::fprintf(stderr, "static_eval: %s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  std::unordered_map<std::string, double> freq;
  double total = 0;
  std::vector<glassbox::text::Token> tokens;
  for (const auto& t : doc_texts) {
    tokens.clear();
    analyzer.value()->Analyze(t, &tokens);
    for (const auto& tok : tokens) freq[tok.term] += 1;
    total += static_cast<double>(tokens.size());
  }
  for (auto& [w, c] : freq) c /= total;
  WordProbability corpus_p = [&freq](std::string_view w) {
    auto it = freq.find(std::string(w));
    return it == freq.end() ? 0.0 : it->second;
  };
  WordProbability uniform_p = [](std::string_view) { return 1e-12; };

  std::printf("%s: %zu documents, %zu queries, %.0f tokens, %zu distinct (%.1f s to load)\n", dir.c_str(),
              ds->corpus.size(), ds->queries.size(), total, freq.size(), Seconds(t0));

  struct Variant {
    const char* name;
    WordProbability p;
    bool cc;
  };
  std::vector<Variant> variants = {
      {"sif+cc", corpus_p, true}, {"sif", corpus_p, false}, {"zipf+cc", nullptr, true}, {"mean+cc", uniform_p, true}};
  for (const Variant& v : variants) {
    auto t1 = std::chrono::steady_clock::now();
    auto e = StaticEmbedder::Open(model, v.p);
    if (!e.ok()) {
      std::fprintf(stderr, "static_eval: %s\n", e.status().ToString().c_str());
      return 1;
    }
    StaticEmbedder& emb = *e.value();
    const size_t dim = emb.dim();
    std::vector<float> docs, queries;
    if (auto s = emb.Embed(doc_texts, &docs); !s.ok()) return 1;
    double embed_s = Seconds(t1);
    if (v.cc) {
      std::vector<float> u = StaticEmbedder::ComputeCommonComponent(docs.data(), doc_texts.size(), dim);
      if (auto s = emb.SetCommonComponent(u); !s.ok()) {
        std::fprintf(stderr, "static_eval: %s\n", s.ToString().c_str());
        return 1;
      }
      StaticEmbedder::ApplyCommonComponent(docs.data(), doc_texts.size(), dim, u);
    }
    if (auto s = emb.Embed(query_texts, &queries); !s.ok()) return 1;
    eval::Run run = Rank(docs, queries, dim, ds.value(), 100);
    eval::Metrics m = eval::Evaluate(ds->qrels, run);
    std::printf("%-8s nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (embed corpus %.2f s, total %.2f s, fingerprint %s)\n",
                v.name, m.ndcg10, m.recall100, m.mrr10, embed_s, Seconds(t1), emb.info().fingerprint.c_str());
    if (v.name == variants[0].name && !run_path.empty()) {
      if (auto s = eval::WriteTrecRun(run_path, run, "glassbox-static"); !s.ok()) {
        std::fprintf(stderr, "static_eval: %s\n", s.ToString().c_str());
        return 1;
      }
    }
  }
  return 0;
}
