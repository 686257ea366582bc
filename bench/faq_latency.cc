// FAQ latency benchmark (issue 9, point 5): N generated FAQ entries in a
// collection without an embedder, then the latency of FAQ matching (the fused
// search `ask --faq` runs: BM25 over question + answer and the FAQ retriever)
// and of `ask` in FAQ mode, over generated questions (paraphrases of stored
// questions and unrelated ones). Prints p50/p99 per repetition and the medians.
//
//   faq_latency [--entries 100000] [--queries 2000] [--reps 5] [--dir DIR] [--json]
//
// Deterministic (fixed seed). See BENCHMARKS.md ("FAQ matching latency").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "answer/faq.h"
#include "glassbox/answer.h"
#include "glassbox/collection.h"

namespace fs = std::filesystem;
using namespace glassbox;

namespace {

// A pronounceable made-up word per id: a vocabulary without English stems.
std::string Word(size_t id) {
  static const char* kSyl[] = {"ka", "lo", "mi", "ter", "sun", "vor", "pel", "dra", "qui", "zen", "bo", "ra",
                               "fi", "nak", "tul", "gem", "has", "wex", "yo", "cri"};
  std::string w;
  do {
    w += kSyl[id % 20];
    id /= 20;
  } while (id > 0);
  return w;
}

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

double Median(std::vector<double> v) { return Pct(std::move(v), 0.5); }

}  // namespace

int main(int argc, char** argv) {
  size_t entries = 100000, queries = 2000, reps = 5;
  std::string dir = (fs::temp_directory_path() / "glassbox-faq-latency").string();
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "faq_latency: %s needs a value\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    auto count = [&]() -> size_t {
      const std::string v = next();
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n == 0 || n > 100000000ull) {
        std::fprintf(stderr, "faq_latency: %s wants a positive count, not \"%s\"\n", a.c_str(), v.c_str());
        std::exit(2);
      }
      return static_cast<size_t>(n);
    };
    if (a == "--entries") entries = count();
    else if (a == "--queries") queries = count();
    else if (a == "--reps") reps = count();
    else if (a == "--dir") dir = next();
    else if (a == "--json") as_json = true;
    else { std::fprintf(stderr, "faq_latency: unknown flag %s\n", a.c_str()); return 2; }
  }
  std::mt19937_64 rng(42);
  // Zipf-like word choice over a 20k-word vocabulary (frequent words repeat across entries).
  std::vector<double> w(20000);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 1.0 / (i + 1);
  std::discrete_distribution<size_t> pick(w.begin(), w.end());
  static const char* kStarts[] = {"How do I", "Can I", "What is the", "Where can I find the", "Why does my",
                                  "When will the", "Who approves the", "Is it possible to"};
  std::vector<std::vector<size_t>> qwords(entries);
  fs::remove_all(dir);
  CollectionOptions co;
  co.embedder = "none";
  co.write_ahead_log = false;
  auto c = Collection::Create(dir, co);
  if (!c.ok()) return std::fprintf(stderr, "faq_latency: %s\n", c.status().message().c_str()), 1;
  const auto b0 = std::chrono::steady_clock::now();
  for (size_t e = 0; e < entries; ++e) {
    std::string q = kStarts[rng() % 8];
    size_t n = 3 + rng() % 4;
    for (size_t k = 0; k < n; ++k) {
      qwords[e].push_back(pick(rng));
      q += " " + Word(qwords[e].back());
    }
    q += "?";
    std::string ans = "You can";
    for (size_t k = 0, m = 12 + rng() % 20; k < m; ++k) ans += " " + Word(pick(rng));
    ans += ".";
    Document d{"faq-" + std::to_string(e), {{"title", q}, {"body", ans}}, {{"kind", MetadataValue::Keyword("faq")}}};
    if (Status s = (*c)->Add(d); !s.ok()) return std::fprintf(stderr, "faq_latency: %s\n", s.message().c_str()), 1;
  }
  if (Status s = (*c)->Commit(); !s.ok()) return std::fprintf(stderr, "faq_latency: %s\n", s.message().c_str()), 1;
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
  // Questions: 3 in 4 paraphrase a stored question (its words shuffled, one
  // dropped, one added), 1 in 4 is made of random words.
  std::vector<std::string> qs;
  for (size_t i = 0; i < queries; ++i) {
    std::vector<size_t> ws;
    if (rng() % 4 != 0) {
      ws = qwords[rng() % entries];
      std::shuffle(ws.begin(), ws.end(), rng);
      if (ws.size() > 3) ws.pop_back();
      ws.push_back(pick(rng));
    } else {
      for (size_t k = 0, n = 3 + rng() % 4; k < n; ++k) ws.push_back(pick(rng));
    }
    std::string q = kStarts[rng() % 8];
    for (size_t x : ws) q += " " + Word(x);
    qs.push_back(q + "?");
  }
  // The search ask runs in FAQ mode (answer/faq.cc AnswerFaq).
  SearchOptions so;
  so.k = 10;
  so.with_snippet = false;
  so.with_fields = true;
  so.with_explanation = true;
  so.explain_words = false;
  so.use_collection_fusion = false;
  so.fusion = FusionMethod::kMinMax;
  so.bm25_weight = answer::kFaqFusionBm25;
  so.vector_weight = 0;
  so.faq_weight = answer::kFaqFusionFaq;
  AskOptions ao;
  ao.mode = AnswerMode::kFaq;
  ao.handoff_threshold = 0.3;  // per-call latency; the derived threshold's one-time cost is timed below
  const auto d0 = std::chrono::steady_clock::now();
  const answer::FaqThreshold derived = answer::DeriveFaqThreshold(**c);
  const double derive_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - d0).count();
  if (!as_json)
    std::printf("derived hand-off threshold %.2f from %zu paraphrase probes in %.1f s (once per collection)\n",
                derived.threshold, derived.probes, derive_s);
  for (size_t i = 0; i < std::min<size_t>(200, qs.size()); ++i) (void)(*c)->Search(answer::FaqWordsQuery(qs[i]), so);
  std::vector<double> m50, m99, a50, a99;
  size_t answered = 0;
  for (size_t r = 0; r < reps; ++r) {
    std::vector<double> ms, as;
    for (const auto& q : qs) {
      auto t0 = std::chrono::steady_clock::now();
      auto s = (*c)->Search(answer::FaqWordsQuery(q), so);
      auto t1 = std::chrono::steady_clock::now();
      auto a = Ask(**c, q, ao);
      auto t2 = std::chrono::steady_clock::now();
      if (!s.ok() || !a.ok()) {
        std::fprintf(stderr, "faq_latency: %s\n", (!s.ok() ? s.status() : a.status()).message().c_str());
        return 1;
      }
      if (r == 0 && a->status == AnswerStatus::kAnswered) ++answered;
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      as.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    m50.push_back(Pct(ms, 0.5)), m99.push_back(Pct(ms, 0.99)), a50.push_back(Pct(as, 0.5)), a99.push_back(Pct(as, 0.99));
    if (!as_json)
      std::printf("rep %zu: match p50 %.2f ms p99 %.2f ms | ask p50 %.2f ms p99 %.2f ms\n", r + 1, m50.back(),
                  m99.back(), a50.back(), a99.back());
  }
  c->reset();
  fs::remove_all(dir);
  if (as_json) {
    std::printf("{\"entries\": %zu, \"queries\": %zu, \"reps\": %zu, \"build_s\": %.1f, \"match_p50_ms\": %.3f, "
                "\"match_p99_ms\": %.3f, \"ask_p50_ms\": %.3f, \"ask_p99_ms\": %.3f, \"answered\": %zu}\n",
                entries, qs.size(), reps, build_s, Median(m50), Median(m99), Median(a50), Median(a99), answered);
  } else {
    std::printf("%zu FAQ entries (built in %.1f s), %zu questions x %zu reps; %zu answered, the rest handed off\n",
                entries, build_s, qs.size(), reps, answered);
    std::printf("median of reps: match p50 %.2f ms p99 %.2f ms | ask p50 %.2f ms p99 %.2f ms\n", Median(m50),
                Median(m99), Median(a50), Median(a99));
  }
  return 0;
}
