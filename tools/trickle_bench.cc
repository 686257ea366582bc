// trickle_bench: a collection fed by many small commits, as the HTTP API
// does (every POST /documents is one commit). Reports Commit() latency, the
// segment count, merge write volume and vector search latency.
//
//   GLASSBOX_MODEL_DIR=build/models build/tools/trickle_bench CORPUS QUERIES [docs] [seed]
//   e.g. CORPUS=/work/shared/datasets/scifact/corpus.jsonl, QUERIES=.../scifact/queries.jsonl
//
// Documents come from a BEIR corpus in batches of 1-40 (uniform, seeded);
// after the last commit the bench waits for background work, measures vector
// search (k = 10, median over the queries), then merges to one segment and
// measures again. Finally it reopens the collection and times the first
// Add + Commit.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "glassbox/collection.h"

namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::vector<nlohmann::json> ReadJsonl(const std::string& path, size_t limit) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (out.size() < limit && std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

double VectorSearchMedian(glassbox::Collection& c, const std::vector<std::string>& queries) {
  glassbox::SearchOptions o;
  o.mode = glassbox::SearchMode::kVector;
  o.plain = true;
  o.with_snippet = false;
  std::vector<double> ms;
  for (int rep = 0; rep < 2; ++rep)
    for (const auto& q : queries) {
      auto t0 = Clock::now();
      auto r = c.Search(q, o);
      auto t1 = Clock::now();
      if (!r.ok()) {
        std::fprintf(stderr, "search failed: %s\n", r.status().ToString().c_str());
        std::exit(1);
      }
      if (rep == 1) ms.push_back(Ms(t0, t1));
    }
  return Percentile(ms, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: trickle_bench CORPUS.jsonl QUERIES.jsonl [docs=5000] [seed=1]\n");
    return 2;
  }
  const size_t n = argc > 3 ? std::stoul(argv[3]) : 5000;
  const unsigned seed = argc > 4 ? static_cast<unsigned>(std::stoul(argv[4])) : 1;
  auto corpus = ReadJsonl(argv[1], n);
  std::vector<std::string> queries;
  for (const auto& q : ReadJsonl(argv[2], 300)) queries.push_back(q.at("text").get<std::string>());
  std::string dir = (std::filesystem::temp_directory_path() / ("gb_trickle_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  auto c = glassbox::Collection::Create(dir, {});  // static embedder
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.status().ToString().c_str());
    return 1;
  }
  std::mt19937 rng(seed);
  std::vector<double> commit_ms;
  size_t i = 0;
  auto start = Clock::now();
  while (i < corpus.size()) {
    size_t batch = 1 + rng() % 40;
    for (size_t k = 0; k < batch && i < corpus.size(); ++k, ++i) {
      const auto& j = corpus[i];
      glassbox::Document d{j.at("_id").get<std::string>(),
                           {{"title", j.value("title", "")}, {"body", j.value("text", "")}},
                           {}};
      if (auto s = (*c)->Add(d); !s.ok()) {
        std::fprintf(stderr, "add: %s\n", s.ToString().c_str());
        return 1;
      }
    }
    auto t0 = Clock::now();
    if (auto s = (*c)->Commit(); !s.ok()) {
      std::fprintf(stderr, "commit: %s\n", s.ToString().c_str());
      return 1;
    }
    commit_ms.push_back(Ms(t0, Clock::now()));
  }
  double ingest_s = Ms(start, Clock::now()) / 1000;
  auto at_end = (*c)->Stats();
  auto w0 = Clock::now();
  if (auto s = (*c)->WaitForBackgroundWork(); !s.ok()) std::fprintf(stderr, "background: %s\n", s.ToString().c_str());
  double wait_ms = Ms(w0, Clock::now());
  auto st = (*c)->Stats();
  std::printf("docs %zu in %zu commits (batches 1-40), ingest %.1f s\n", corpus.size(), commit_ms.size(), ingest_s);
  std::printf("commit ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.1f\n", Percentile(commit_ms, 0.5),
              Percentile(commit_ms, 0.9), Percentile(commit_ms, 0.99), Percentile(commit_ms, 1.0));
  std::printf("segments after last commit %llu, after background work %llu (waited %.0f ms)\n",
              static_cast<unsigned long long>(at_end.segments), static_cast<unsigned long long>(st.segments), wait_ms);
  std::printf("merges %llu, merge bytes %llu, index bytes %llu, fusion %s\n",
              static_cast<unsigned long long>(st.merges), static_cast<unsigned long long>(st.merge_bytes),
              static_cast<unsigned long long>(st.index_bytes), st.fusion.c_str());
  std::printf("vector search median: %.2f ms (%llu segments)\n", VectorSearchMedian(**c, queries),
              static_cast<unsigned long long>(st.segments));
  if (auto s = (*c)->Merge(1); !s.ok()) std::fprintf(stderr, "merge: %s\n", s.ToString().c_str());
  std::printf("vector search median after Merge(1): %.2f ms\n", VectorSearchMedian(**c, queries));
  c->reset();
  auto o0 = Clock::now();
  auto r = glassbox::Collection::Open(dir);
  double open_ms = Ms(o0, Clock::now());
  if (!r.ok()) return 1;
  auto a0 = Clock::now();
  (void)(*r)->Add({"after-restart", {{"body", "a document added after the restart"}}, {}});
  (void)(*r)->Commit();
  std::printf("reopen %.1f ms, first add+commit after reopen %.1f ms\n", open_ms, Ms(a0, Clock::now()));
  r->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
