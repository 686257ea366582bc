#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "search/testing_cursor.h"
#include "search/topk_internal.h"
#include "search/topk.h"

namespace glassbox::search {
namespace {

using testing::HashAcceptor;
using testing::VectorCursor;

using Postings = std::vector<ScoredDoc>;

struct Case {
  std::vector<Postings> must, should;
  size_t block_size = 16;
  double inflation = 1.0;
  uint64_t seed = 0;
  size_t k = 10;
  float initial_threshold = 0;
  uint32_t reject_permille = 0;  // 0 = no acceptor
};

// Independent oracle: per document, canonical float sum, then sort.
TopKResult BruteForce(const Case& c) {
  TopKResult r;
  DocId max_doc = 0;
  for (const auto* lists : {&c.must, &c.should}) {
    for (const auto& l : *lists) {
      if (!l.empty()) max_doc = std::max(max_doc, l.back().doc + 1);
    }
  }
  const size_t n = c.must.size() + c.should.size();
  std::vector<std::vector<float>> score(max_doc, std::vector<float>(n, 0.0f));
  std::vector<std::vector<char>> present(max_doc, std::vector<char>(n, 0));
  size_t i = 0;
  for (const auto* lists : {&c.must, &c.should}) {
    for (const auto& l : *lists) {
      for (const ScoredDoc& p : l) {
        score[p.doc][i] = p.score;
        present[p.doc][i] = 1;
      }
      ++i;
    }
  }
  HashAcceptor acceptor(c.reject_permille, c.seed);
  std::vector<ScoredDoc> all;
  for (DocId d = 0; d < max_doc; ++d) {
    bool match = true;
    for (size_t j = 0; j < c.must.size(); ++j) match = match && present[d][j];
    if (c.must.empty()) {
      match = false;
      for (size_t j = 0; j < n; ++j) match = match || present[d][j];
    }
    if (!match || (c.reject_permille > 0 && !acceptor.Accepts(d))) continue;
    ++r.matched;
    float s = 0;
    for (size_t j = 0; j < n; ++j) {
      if (present[d][j]) s += score[d][j];
    }
    if (c.initial_threshold > 0 && !(s > c.initial_threshold)) continue;
    all.push_back({d, s});
  }
  std::sort(all.begin(), all.end(), [](const ScoredDoc& a, const ScoredDoc& b) {
    return a.score > b.score || (a.score == b.score && a.doc < b.doc);
  });
  if (all.size() > c.k) all.resize(c.k);
  r.hits = std::move(all);
  return r;
}

struct AlgoRun {
  TopKResult result;
  bool acceptor_in_order = true;
};

template <typename Fn>
AlgoRun RunCase(const Case& c, Fn fn) {
  std::vector<std::unique_ptr<VectorCursor>> cursors;
  TopKQuery q;
  uint64_t seed = c.seed;
  for (const auto& l : c.must) {
    cursors.push_back(std::make_unique<VectorCursor>(l, c.block_size, c.inflation, ++seed));
    q.must.push_back(cursors.back().get());
  }
  for (const auto& l : c.should) {
    cursors.push_back(std::make_unique<VectorCursor>(l, c.block_size, c.inflation, ++seed));
    q.should.push_back(cursors.back().get());
  }
  HashAcceptor acceptor(c.reject_permille, c.seed);
  acceptor.set_selective(c.seed % 2 == 1);  // half the cases ask the acceptor before scoring
  if (c.reject_permille > 0) q.acceptor = &acceptor;
  q.k = c.k;
  q.initial_threshold = c.initial_threshold;
  AlgoRun run;
  run.result = fn(q);
  run.acceptor_in_order = !acceptor.out_of_order();
  return run;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

std::string Describe(const std::vector<ScoredDoc>& hits) {
  std::string s;
  for (const auto& h : hits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "(%u,%.9g) ", h.doc, h.score);
    s += buf;
  }
  return s;
}

::testing::AssertionResult SameHits(const std::vector<ScoredDoc>& want, const std::vector<ScoredDoc>& got) {
  bool same = want.size() == got.size();
  for (size_t i = 0; same && i < want.size(); ++i) {
    same = want[i].doc == got[i].doc && Bits(want[i].score) == Bits(got[i].score);
  }
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n want " << Describe(want) << "\n got  " << Describe(got);
}

Postings RandomList(std::mt19937_64& rng, DocId space, double density, int score_mode, bool zero_scores,
                    DocId period) {
  Postings l;
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_real_distribution<float> uf(0.01f, 10.0f);
  for (DocId d = 0; d < space; ++d) {
    if (u(rng) >= density) continue;
    float s;
    if (zero_scores) {
      s = 0;
    } else if (score_mode == 0) {
      s = 0.25f * static_cast<float>(1 + rng() % 4);  // heavy ties
    } else if (score_mode == 1) {
      s = uf(rng);  // rounding-sensitive sums
    } else if (score_mode == 3) {
      // sawtooth shared by every list: runs of hopeless blocks, then winners
      s = 0.1f + static_cast<float>(d % period) / static_cast<float>(period) + 0.01f * static_cast<float>(rng() % 2);
    } else {
      s = 1.0f / static_cast<float>(1 + rng() % 50) + 0.1f * static_cast<float>(rng() % 3);  // zipf-ish
    }
    l.push_back({d, s});
  }
  return l;
}

Case RandomCase(std::mt19937_64& rng) {
  static const DocId kSpaces[] = {20, 100, 1000, 5000};
  static const double kDensities[] = {0.005, 0.02, 0.1, 0.3, 0.7, 1.0};
  static const size_t kKs[] = {1, 3, 10, 100};
  Case c;
  c.seed = rng();
  const DocId space = kSpaces[rng() % 4];
  const int score_mode = static_cast<int>(rng() % 4);
  const DocId period = static_cast<DocId>(5 + rng() % 300);
  const size_t n = 1 + rng() % 8;
  size_t m = 0;
  if (rng() % 5 >= 2) m = 1 + rng() % std::min<size_t>(n, 3);
  for (size_t i = 0; i < n; ++i) {
    const double density = kDensities[rng() % 6];
    const bool is_must = i < m;
    const bool zero = is_must && rng() % 6 == 0;  // a non-scoring filter clause
    Postings l = RandomList(rng, space, density, score_mode, zero, period);
    (is_must ? c.must : c.should).push_back(std::move(l));
  }
  c.block_size = 4 + rng() % 125;
  c.inflation = rng() % 2 ? 1.0 : 1.0 + static_cast<double>(rng() % 1000) / 1000.0;
  c.k = kKs[rng() % 4];
  c.reject_permille = rng() % 2 ? 0 : 100;
  if (rng() % 4 == 0) {
    // a threshold from "earlier segments": some plausible score
    const TopKResult all = BruteForce(c);
    if (!all.hits.empty()) {
      c.initial_threshold = all.hits[rng() % all.hits.size()].score;
    } else {
      c.initial_threshold = 0.5f;
    }
  }
  return c;
}

void CheckCase(const Case& c, int index) {
  const TopKResult want = BruteForce(c);
  const AlgoRun ex = RunCase(c, ExhaustiveTopK);
  ASSERT_TRUE(SameHits(want.hits, ex.result.hits)) << "exhaustive, case " << index;
  ASSERT_EQ(want.matched, ex.result.matched) << "case " << index;
  ASSERT_TRUE(ex.acceptor_in_order);
  struct Algo {
    const char* name;
    TopKResult (*fn)(const TopKQuery&);
  };
  static const Algo kAlgos[] = {
      {"wand", WandTopK},
      {"maxscore", MaxScoreTopK},
      {"bmw", BlockMaxWandTopK},
      {"auto", [](const TopKQuery& q) { return RunTopK(TopKAlgorithm::kAuto, q); }},
  };
  for (const Algo& a : kAlgos) {
    const AlgoRun r = RunCase(c, a.fn);
    ASSERT_TRUE(SameHits(want.hits, r.result.hits))
        << a.name << ", case " << index << " must=" << c.must.size() << " should=" << c.should.size()
        << " k=" << c.k << " block=" << c.block_size << " inflation=" << c.inflation
        << " threshold=" << c.initial_threshold << " reject=" << c.reject_permille;
    ASSERT_TRUE(r.acceptor_in_order) << a.name << ", case " << index;
    ASSERT_LE(r.result.matched, want.matched) << a.name << ", case " << index;
  }
}

TEST(TopK, RandomizedAgreement) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 1500; ++i) {
      const Case c = RandomCase(rng);
      CheckCase(c, i);
      if (HasFatalFailure()) {
        ADD_FAILURE() << "seed " << seed;
        return;
      }
    }
  }
}

// A selective acceptor (access control, filters) is asked before a candidate
// is scored: with 90 % of the documents rejected, MaxScore and the
// conjunction score a fraction of what they score when asking after, and
// return the same hits.
TEST(TopK, SelectiveAcceptorIsAskedBeforeScoring) {
  std::mt19937_64 rng(7);
  auto list = [&](uint32_t every) {
    Postings l;
    for (DocId d = 0; d < 20000; d += 1 + rng() % every) l.push_back({d, float(rng() % 1000) / 100.0f});
    return l;
  };
  const Postings a = list(3), b = list(5), c = list(4);
  struct Variant {
    const char* name;
    std::vector<const Postings*> must, should;
  };
  const Variant variants[] = {{"maxscore", {}, {&a, &b, &c}}, {"conjunction", {&a}, {&b, &c}}};
  for (const Variant& v : variants) {
    uint64_t scored[2] = {0, 0};
    std::vector<ScoredDoc> hits[2];
    for (int selective = 0; selective < 2; ++selective) {
      std::vector<std::unique_ptr<VectorCursor>> cursors;
      TopKQuery q;
      for (const Postings* l : v.must) {
        cursors.push_back(std::make_unique<VectorCursor>(*l, 16));
        q.must.push_back(cursors.back().get());
      }
      for (const Postings* l : v.should) {
        cursors.push_back(std::make_unique<VectorCursor>(*l, 16));
        q.should.push_back(cursors.back().get());
      }
      HashAcceptor acceptor(900, 3);
      acceptor.set_selective(selective == 1);
      q.acceptor = &acceptor;
      q.k = 100;
      const TopKResult r = MaxScoreTopK(q);
      ASSERT_FALSE(acceptor.out_of_order()) << v.name;
      for (const auto& cur : cursors) scored[selective] += cur->scored();
      hits[selective] = r.hits;
    }
    EXPECT_TRUE(SameHits(hits[0], hits[1])) << v.name;
    EXPECT_EQ(hits[1].size(), 100u) << v.name;
    EXPECT_LT(scored[1] * 3, scored[0]) << v.name << ": scored " << scored[1] << " asking first, " << scored[0]
                                        << " asking after";
  }
}

TEST(TopK, EmptyInputs) {
  Case c;
  CheckCase(c, 0);  // no clauses at all
  c.should = {{}, {}};
  CheckCase(c, 1);
  c.must = {{}};
  c.should = {{{1, 1.0f}}};
  CheckCase(c, 2);
  c.k = 0;
  c.must.clear();
  const AlgoRun r = RunCase(c, ExhaustiveTopK);
  EXPECT_TRUE(r.result.hits.empty());
}

TEST(TopK, TiesPreferSmallerDocs) {
  Case c;
  Postings l;
  for (DocId d = 0; d < 1000; ++d) l.push_back({d, 1.0f});
  c.should = {l, l};
  c.k = 5;
  c.block_size = 8;
  const TopKResult want = BruteForce(c);
  ASSERT_EQ(want.hits.size(), 5u);
  EXPECT_EQ(want.hits[0].doc, 0u);
  EXPECT_EQ(want.hits[4].doc, 4u);
  CheckCase(c, 0);
}

TEST(TopK, InitialThresholdIsStrict) {
  Case c;
  c.should = {{{1, 1.0f}, {2, 2.0f}, {3, 3.0f}}};
  c.initial_threshold = 2.0f;
  const AlgoRun r = RunCase(c, BlockMaxWandTopK);
  ASSERT_EQ(r.result.hits.size(), 1u);
  EXPECT_EQ(r.result.hits[0].doc, 3u);
  CheckCase(c, 0);
}

TEST(TopK, ZeroScoringFilterOnly) {
  // A must clause that does not score (a filter): documents score 0 and are
  // still returned, smallest ids first, when no threshold applies.
  Case c;
  c.must = {{{3, 0.0f}, {5, 0.0f}, {9, 0.0f}, {12, 0.0f}}};
  c.k = 3;
  const AlgoRun r = RunCase(c, [](const TopKQuery& q) { return RunTopK(TopKAlgorithm::kAuto, q); });
  ASSERT_EQ(r.result.hits.size(), 3u);
  EXPECT_EQ(r.result.hits[0].doc, 3u);
  EXPECT_EQ(r.result.hits[2].doc, 9u);
  CheckCase(c, 0);
}

TEST(TopK, FilterPlusShould) {
  Case c;
  Postings filter, words;
  for (DocId d = 0; d < 3000; d += 2) filter.push_back({d, 0.0f});
  for (DocId d = 0; d < 3000; d += 3) words.push_back({d, 0.5f + static_cast<float>(d % 7)});
  c.must = {filter};
  c.should = {words};
  c.k = 10;
  CheckCase(c, 0);
}

TEST(TopK, DenseFilterZeroScoresFillTheHeapFirst) {
  // kind:faq over every document plus a few words: the first k documents
  // enter with score 0, then only documents a word matches can displace them
  // (the conjunction skips to those instead of visiting every document).
  Case c;
  Postings filter, a, b;
  for (DocId d = 0; d < 5000; ++d) filter.push_back({d, 0.0f});
  for (DocId d = 7; d < 5000; d += 97) a.push_back({d, 1.0f + static_cast<float>(d % 5)});
  for (DocId d = 11; d < 5000; d += 301) b.push_back({d, 2.0f});
  c.must = {filter};
  c.should = {a, b};
  for (size_t k : {10u, 60u, 100u}) {  // fewer, about as many and more than the word matches
    c.k = k;
    CheckCase(c, static_cast<int>(k));
  }
}

TEST(TopK, RoundingNeverPrunesAWinner) {
  // Find a > b > c with (c + b) + a < (a + b) + c: MaxScore sums bounds in
  // ascending order, the score is summed in clause order. With the threshold
  // at the bound sum, only the slack keeps the document from being pruned.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(0.1f, 10.0f);
  int found = 0;
  for (int i = 0; i < 1000000 && found < 20; ++i) {
    float v[3] = {u(rng), u(rng), u(rng)};
    std::sort(v, v + 3, [](float x, float y) { return x > y; });
    const float a = v[0], b = v[1], c = v[2];
    if (!((c + b) + a < (a + b) + c)) continue;
    ++found;
    for (int with_filter = 0; with_filter < 2; ++with_filter) {
      Case cs;
      cs.should = {{{1, a}, {7, a}}, {{1, b}}, {{1, c}}};
      if (with_filter) cs.must = {{{1, 0.0f}, {2, 0.0f}}};
      cs.block_size = 1;
      cs.k = 1;
      cs.initial_threshold = (c + b) + a;
      const TopKResult want = BruteForce(cs);
      ASSERT_EQ(want.hits.size(), 1u);
      CheckCase(cs, i);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(found, 0);
}

// ---------------------------------------------------------------------------
// Micro benchmark (run with --gtest_also_run_disabled_tests
// --gtest_filter=TopK.DISABLED_Speed).

Postings BenchList(std::mt19937_64& rng, DocId space, double density, const std::vector<float>& doc_norm) {
  Postings l;
  std::uniform_real_distribution<double> u(0, 1);
  const double df = density * space;
  const float idf = static_cast<float>(std::log(1 + (space - df + 0.5) / (df + 0.5)));
  const float k1 = 0.9f;
  for (DocId d = 0; d < space; ++d) {
    if (u(rng) >= density) continue;
    // Zipfian term frequency: P(tf = t) ~ 1/t^2
    const double x = u(rng);
    const float tf = static_cast<float>(std::max(1.0, std::floor(1.0 / std::sqrt(1.0 - x * 0.999))));
    l.push_back({d, idf * tf * (k1 + 1) / (tf + doc_norm[d])});
  }
  return l;
}

TEST(TopK, DISABLED_Speed) {
  constexpr DocId kSpace = 1000000;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<float> doc_norm(kSpace);
  // BM25 length norm k1 * (1 - b + b * dl / avgdl), k1 = 0.9, b = 0.4, with
  // log-normal document lengths (sigma 1), as in typical text collections.
  std::normal_distribution<double> gauss(0, 1);
  for (auto& n : doc_norm) n = static_cast<float>(0.9 * (0.6 + 0.4 * std::exp(gauss(rng) - 0.5)));
  // term pool: densities log-uniform in [0.05%, 30%]
  constexpr int kTerms = 16;
  std::vector<std::unique_ptr<VectorCursor>> cursors;
  std::vector<double> densities;
  for (int i = 0; i < kTerms; ++i) {
    const double density = 0.0005 * std::pow(600.0, u(rng));
    densities.push_back(density);
    cursors.push_back(std::make_unique<VectorCursor>(BenchList(rng, kSpace, density, doc_norm), 128));
  }
  struct Algo {
    const char* name;
    TopKResult (*fn)(const TopKQuery&);
  };
  static const Algo kAlgos[] = {
      {"exhaustive", ExhaustiveTopK},
      {"wand", WandTopK},
      {"maxscore", MaxScoreTopK},
      {"bmw", BlockMaxWandTopK},
      {"auto", [](const TopKQuery& q) { return RunTopK(TopKAlgorithm::kAuto, q); }},
  };
  constexpr int kQueries = 40;
  for (int mode = 0; mode < 2; ++mode) {
    for (size_t terms = 2; terms <= 4; ++terms) {
      std::vector<std::vector<int>> queries;
      std::mt19937_64 qrng(terms * 7 + mode);
      for (int i = 0; i < kQueries; ++i) {
        std::vector<int> t;
        while (t.size() < terms) {
          const int x = static_cast<int>(qrng() % kTerms);
          if (std::find(t.begin(), t.end(), x) == t.end()) t.push_back(x);
        }
        queries.push_back(t);
      }
      std::printf("%-12s %zu terms:", mode == 0 ? "union" : "intersection", terms);
      std::vector<ScoredDoc> reference;
      for (const Algo& a : kAlgos) {
        double total_ns = 0;
        uint64_t checksum = 0;
        uint64_t scored = 0, moves = 0;
        for (const auto& t : queries) {
          TopKQuery q;
          for (int x : t) {
            scored -= cursors[x]->scored();
            moves -= cursors[x]->advances();
            cursors[x]->Reset();
            (mode == 0 ? q.should : q.must).push_back(cursors[x].get());
          }
          q.k = 10;
          const auto start = std::chrono::steady_clock::now();
          const TopKResult r = a.fn(q);
          total_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
          for (const auto& h : r.hits) checksum = checksum * 31 + h.doc + Bits(h.score);
          for (int x : t) {
            scored += cursors[x]->scored();
            moves += cursors[x]->advances();
          }
        }
        std::printf("  %s %.0fus(%luk sc,%luk mv)", a.name, total_ns / kQueries / 1000.0,
                    static_cast<unsigned long>(scored / kQueries / 1000), static_cast<unsigned long>(moves / kQueries / 1000));
        static uint64_t first_checksum;
        if (&a == &kAlgos[0]) first_checksum = checksum;
        EXPECT_EQ(checksum, first_checksum) << a.name;
      }
      std::printf("\n");
    }
  }
}

}  // namespace
}  // namespace glassbox::search
