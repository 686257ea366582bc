// Tests of the .gbvec word-vector file and the static (SIF) embedder.
//
// The arithmetic is checked on a tiny hand-made model written by the test.
// Tests marked "RealModel" use the built-in model (wink-100d.gbvec, fetched by
// `make build` into <build>/models); they are skipped when it is absent, unless
// GLASSBOX_REQUIRE_MODELS=1 is set, which turns its absence into a failure
// (set it in CI after `make build`, e.g. GLASSBOX_REQUIRE_MODELS=1 ctest).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "vector/embedding_file.h"
#include "vector/static_embedder.h"

namespace glassbox::vector {
namespace {

constexpr size_t kDim = 4;
// Source (rank) order: "the" is the most frequent word.
const std::vector<std::string> kWords = {"the", "cat", "dog", "cement", "policy", "café"};
const std::vector<float> kVectors = {
    1.0f, 1.0f, 0.0f, 0.0f,   // the
    0.0f, 2.0f, 1.0f, 0.0f,   // cat
    0.0f, 1.5f, 1.0f, 0.5f,   // dog
    3.0f, 0.0f, 0.0f, 1.0f,   // cement
    -1.0f, 0.0f, 2.0f, 0.0f,  // policy
    0.5f, 0.5f, 0.5f, 0.5f,   // café
};

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "gbvec_" + std::to_string(::getpid()) + "_" + name;
}

std::string WriteFixture(const std::string& name) {
  std::string path = TempPath(name);
  Status s = WriteEmbeddingFile(path, kWords, kVectors, kDim);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

const float* Vec(const std::string& w) {
  for (size_t i = 0; i < kWords.size(); ++i) {
    if (kWords[i] == w) return kVectors.data() + i * kDim;
  }
  return nullptr;
}

std::vector<double> Normalized(std::vector<double> x) {
  double n = 0;
  for (double v : x) n += v * v;
  n = std::sqrt(n);
  for (double& v : x) v /= n;
  return x;
}

double Cos(const float* a, const float* b, size_t dim) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < dim; ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return (aa == 0 || bb == 0) ? 0 : ab / std::sqrt(aa * bb);
}

std::unique_ptr<StaticEmbedder> OpenFixture(const std::string& path, WordProbability p) {
  auto e = StaticEmbedder::Open(path, std::move(p));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

std::vector<float> EmbedOne(StaticEmbedder& e, const std::string& text) {
  std::vector<float> out;
  EXPECT_TRUE(e.Embed({text}, &out).ok());
  return out;
}

// p from a table; 0 (-> Zipf fallback) for anything else.
double TableP(std::string_view w) {
  if (w == "the") return 0.1;
  if (w == "cat") return 0.001;
  return 0;
}

TEST(EmbeddingFileTest, RoundTrip) {
  std::string path = WriteFixture("roundtrip.gbvec");
  auto f = EmbeddingFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f.value()->dim(), kDim);
  EXPECT_EQ(f.value()->size(), kWords.size());
  for (size_t r = 0; r < kWords.size(); ++r) {
    int64_t i = f.value()->Find(kWords[r]);
    ASSERT_GE(i, 0) << kWords[r];
    EXPECT_EQ(f.value()->word(uint32_t(i)), kWords[r]);
    EXPECT_EQ(f.value()->rank(uint32_t(i)), r);
    for (size_t k = 0; k < kDim; ++k) EXPECT_EQ(f.value()->vector(uint32_t(i))[k], kVectors[r * kDim + k]);
  }
  // Sorted bytewise.
  for (uint32_t i = 1; i < f.value()->size(); ++i) EXPECT_LT(f.value()->word(i - 1), f.value()->word(i));
  EXPECT_EQ(f.value()->Find("zebra"), -1);
  EXPECT_EQ(f.value()->Find(""), -1);
  EXPECT_EQ(f.value()->Find("ca"), -1);
  EXPECT_EQ(f.value()->Find("catz"), -1);
}

TEST(EmbeddingFileTest, WriterRejectsBadInput) {
  std::string path = TempPath("bad_input.gbvec");
  EXPECT_EQ(WriteEmbeddingFile(path, {"a", "a"}, {1, 2}, 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(WriteEmbeddingFile(path, {"a", ""}, {1, 2}, 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(WriteEmbeddingFile(path, {"a", "b"}, {1}, 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(WriteEmbeddingFile(path, {"a"}, {NAN}, 1).code(), Status::Code::kInvalidArgument);
}

TEST(EmbeddingFileTest, CorruptionNamesTheFile) {
  std::string path = WriteFixture("corrupt.gbvec");
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(b.data(), std::streamsize(b.size()));
  };
  auto expect_corrupt = [&](const std::string& b, const std::string& why) {
    write(b);
    auto f = EmbeddingFile::Open(path);
    ASSERT_FALSE(f.ok()) << why;
    EXPECT_EQ(f.status().code(), Status::Code::kCorruption) << why << ": " << f.status().ToString();
    EXPECT_NE(f.status().message().find(path), std::string::npos) << f.status().message();
  };
  std::string b = bytes;
  b[b.size() - 3] ^= 0x40;  // a vector byte
  expect_corrupt(b, "flipped vector byte");
  b = bytes;
  b[70] ^= 0x01;  // an offset
  expect_corrupt(b, "flipped offset byte");
  expect_corrupt(bytes.substr(0, bytes.size() - 4), "truncated");
  expect_corrupt(bytes + "x", "appended");
  expect_corrupt(bytes.substr(0, 10), "shorter than the header");
  b = bytes;
  b[0] = 'X';
  expect_corrupt(b, "bad magic");
  // Without checksum verification a flipped vector byte goes unnoticed, but structure is still checked.
  b = bytes;
  b[b.size() - 3] ^= 0x40;
  write(b);
  EXPECT_TRUE(EmbeddingFile::Open(path, EmbeddingFile::OpenOptions{false}).ok());
  b = bytes;
  b[70] ^= 0x01;
  write(b);
  EXPECT_FALSE(EmbeddingFile::Open(path, EmbeddingFile::OpenOptions{false}).ok());
  // And the corrupt file surfaces through the embedder as Corruption.
  auto e = StaticEmbedder::Open(path, nullptr);
  EXPECT_EQ(e.status().code(), Status::Code::kCorruption);
}

TEST(EmbeddingFileTest, MissingFile) {
  std::string path = TempPath("does_not_exist.gbvec");
  auto f = EmbeddingFile::Open(path);
  EXPECT_EQ(f.status().code(), Status::Code::kNotFound);
  auto e = StaticEmbedder::Open(path, nullptr);
  ASSERT_EQ(e.status().code(), Status::Code::kNotFound);
  EXPECT_NE(e.status().message().find(path), std::string::npos);
  EXPECT_NE(e.status().message().find("fetch-models.sh"), std::string::npos) << e.status().message();
}

TEST(EmbeddingFileTest, ModelDirFromEnvironment) {
  std::string dir = TempPath("modeldir");
  std::string cmd = "mkdir -p '" + dir + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_TRUE(WriteEmbeddingFile(dir + "/" + kDefaultStaticModelFile, kWords, kVectors, kDim).ok());
  const char* old = std::getenv("GLASSBOX_MODEL_DIR");
  std::string saved = old ? old : "";
  setenv("GLASSBOX_MODEL_DIR", dir.c_str(), 1);
  auto dirs = ModelSearchDirs();
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], dir);
  EXPECT_NE(dirs[1].find("/models"), std::string::npos);
  auto found = FindModelFile(kDefaultStaticModelFile);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found.value(), dir + "/" + kDefaultStaticModelFile);
  auto e = StaticEmbedder::Open("", nullptr);  // default search
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e.value()->info().model, dir + "/" + kDefaultStaticModelFile);
  auto missing = FindModelFile("no-such-model.gbvec");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no-such-model.gbvec"), std::string::npos);
  EXPECT_NE(missing.status().message().find("GLASSBOX_MODEL_DIR"), std::string::npos);
  if (old) {
    setenv("GLASSBOX_MODEL_DIR", saved.c_str(), 1);
  } else {
    unsetenv("GLASSBOX_MODEL_DIR");
  }
}

TEST(StaticEmbedderTest, InfoAndFingerprint) {
  std::string path = WriteFixture("info.gbvec");
  auto e = OpenFixture(path, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->info().kind, "static");
  EXPECT_EQ(e->info().model, path);
  EXPECT_EQ(e->info().dim, int(kDim));
  std::string fp = e->info().fingerprint;
  EXPECT_EQ(fp.size(), 16u);
  ASSERT_TRUE(e->SetCommonComponent({1, 0, 0, 0}).ok());
  EXPECT_NE(e->info().fingerprint, fp);
  std::string fp_cc = e->info().fingerprint;
  ASSERT_TRUE(e->SetCommonComponent({}).ok());
  EXPECT_EQ(e->info().fingerprint, fp);
  ASSERT_TRUE(e->SetCommonComponent({3, 0, 0, 0}).ok());  // normalized: same as {1,0,0,0}
  EXPECT_EQ(e->info().fingerprint, fp_cc);
  EXPECT_EQ(e->SetCommonComponent({1, 0}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(e->SetCommonComponent({0, 0, 0, 0}).code(), Status::Code::kInvalidArgument);
  // Another file, another fingerprint.
  std::vector<float> other = kVectors;
  other[0] = 0.5f;
  std::string path2 = TempPath("info2.gbvec");
  ASSERT_TRUE(WriteEmbeddingFile(path2, kWords, other, kDim).ok());
  auto e2 = OpenFixture(path2, nullptr);
  EXPECT_NE(e2->info().fingerprint, fp);
}

TEST(StaticEmbedderTest, SifWeights) {
  std::string path = WriteFixture("sif.gbvec");
  auto e = OpenFixture(path, TableP);
  ASSERT_TRUE(e);
  const double a = StaticEmbedder::kSifA;
  EXPECT_NEAR(e->WordWeight("the"), a / (a + 0.1), 1e-12);
  EXPECT_NEAR(e->WordWeight("cat"), 0.5, 1e-12);
  // Zipf fallback for "dog": rank 3 (1-based) of V = 6.
  const double h = std::log(6.0) + 0.577;
  EXPECT_NEAR(e->WordWeight("dog"), a / (a + 1.0 / (3 * h)), 1e-12);
  EXPECT_EQ(e->WordWeight("zebra"), 0);
  // No callback: all Zipf.
  auto z = OpenFixture(path, nullptr);
  EXPECT_NEAR(z->WordWeight("the"), a / (a + 1.0 / (1 * h)), 1e-12);
  EXPECT_NEAR(z->WordWeight("policy"), a / (a + 1.0 / (5 * h)), 1e-12);
  // Out-of-range probabilities fall back to Zipf too.
  auto bad = OpenFixture(path, [](std::string_view) { return -1.0; });
  EXPECT_NEAR(bad->WordWeight("the"), z->WordWeight("the"), 1e-15);
}

TEST(StaticEmbedderTest, EmbedIsWeightedSumNormalized) {
  std::string path = WriteFixture("embed.gbvec");
  auto e = OpenFixture(path, TableP);
  ASSERT_TRUE(e);
  // "The cat, the CAT!" = 2 w_the v_the + 2 w_cat v_cat, case-folded, punctuation dropped.
  std::vector<double> x(kDim);
  double wt = e->WordWeight("the"), wc = e->WordWeight("cat");
  for (size_t k = 0; k < kDim; ++k) x[k] = 2 * wt * Vec("the")[k] + 2 * wc * Vec("cat")[k];
  std::vector<double> want = Normalized(x);
  std::vector<float> got = EmbedOne(*e, "The cat, the CAT!");
  ASSERT_EQ(got.size(), kDim);
  for (size_t k = 0; k < kDim; ++k) EXPECT_NEAR(got[k], want[k], 1e-6) << k;
  // Unknown words are skipped.
  std::vector<float> with_unknown = EmbedOne(*e, "the zebra cat xylophone the cat");
  for (size_t k = 0; k < kDim; ++k) EXPECT_NEAR(with_unknown[k], want[k], 1e-6) << k;
  // Possessives fall back to the word.
  std::vector<float> cat = EmbedOne(*e, "cat");
  std::vector<float> cats = EmbedOne(*e, "cat's");
  for (size_t k = 0; k < kDim; ++k) EXPECT_NEAR(cats[k], cat[k], 1e-7);
  // Non-ASCII words are case-folded and found.
  std::vector<float> cafe = EmbedOne(*e, "CAFÉ");
  EXPECT_NEAR(cafe[0], 0.5, 1e-6);
  // Several texts at once; empty text and unknown-only text give zero vectors.
  std::vector<float> out;
  ASSERT_TRUE(e->Embed({"", "cat", "zebra quagga", "  ,.; "}, &out).ok());
  ASSERT_EQ(out.size(), 4 * kDim);
  for (size_t k = 0; k < kDim; ++k) {
    EXPECT_EQ(out[k], 0.0f);
    EXPECT_NEAR(out[kDim + k], cat[k], 1e-7);
    EXPECT_EQ(out[2 * kDim + k], 0.0f);
    EXPECT_EQ(out[3 * kDim + k], 0.0f);
  }
  double n = 0;
  for (size_t k = 0; k < kDim; ++k) n += double(cat[k]) * cat[k];
  EXPECT_NEAR(n, 1.0, 1e-6);
  ASSERT_TRUE(e->Embed({}, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(StaticEmbedderTest, CommonComponentRemoval) {
  std::string path = WriteFixture("cc.gbvec");
  auto e = OpenFixture(path, TableP);
  ASSERT_TRUE(e);
  std::vector<float> before = EmbedOne(*e, "the dog");
  const std::vector<float> u = {0, 3, 4, 0};  // normalized to (0, .6, .8, 0)
  ASSERT_TRUE(e->SetCommonComponent(u).ok());
  EXPECT_NEAR(e->common_component()[1], 0.6, 1e-7);
  std::vector<double> x(kDim);
  double wt = e->WordWeight("the"), wd = e->WordWeight("dog");
  for (size_t k = 0; k < kDim; ++k) x[k] = wt * Vec("the")[k] + wd * Vec("dog")[k];
  double d = x[1] * 0.6 + x[2] * 0.8;
  x[1] -= d * 0.6;
  x[2] -= d * 0.8;
  std::vector<double> want = Normalized(x);
  std::vector<float> got = EmbedOne(*e, "the dog");
  for (size_t k = 0; k < kDim; ++k) EXPECT_NEAR(got[k], want[k], 1e-6) << k;
  EXPECT_NEAR(got[1] * 0.6 + got[2] * 0.8, 0.0, 1e-6);
  // Applying u to the vectors embedded without it gives the same result.
  StaticEmbedder::ApplyCommonComponent(before.data(), 1, kDim, e->common_component());
  for (size_t k = 0; k < kDim; ++k) EXPECT_NEAR(before[k], got[k], 1e-6) << k;
  // A text that is all common component has nothing left: zero vector.
  ASSERT_TRUE(e->SetCommonComponent({0, 2, 1, 0}).ok());  // = direction of "cat"
  std::vector<float> only = EmbedOne(*e, "cat");
  for (size_t k = 0; k < kDim; ++k) EXPECT_EQ(only[k], 0.0f);
}

TEST(StaticEmbedderTest, ComputeCommonComponent) {
  // Rows (3,0,0) and (0,1,0): X^T X = diag(9,1,0) -> e0.
  std::vector<float> x = {3, 0, 0, 0, 1, 0};
  std::vector<float> u = StaticEmbedder::ComputeCommonComponent(x.data(), 2, 3);
  ASSERT_EQ(u.size(), 3u);
  EXPECT_NEAR(u[0], 1, 1e-6);
  EXPECT_NEAR(u[1], 0, 1e-6);
  // Vectors spread around (1,1,0)/sqrt2, some pointing the other way: the
  // principal direction is still +-(1,1,0)/sqrt2; sign makes the largest coordinate positive.
  std::vector<float> y = {1, 1.2f, 0.1f, 1.1f, 0.9f, -0.1f, -1, -1, 0, 0.9f, 1, 0.05f, 0, 0, 1};
  std::vector<float> v = StaticEmbedder::ComputeCommonComponent(y.data(), 5, 3);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_GT(v[0], 0.6);
  EXPECT_GT(v[1], 0.6);
  EXPECT_LT(std::fabs(v[2]), 0.2);
  double n = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  EXPECT_NEAR(n, 1, 1e-6);
  // It is the top eigenvector: X^T X v = lambda v.
  std::vector<double> cv(3, 0);
  for (size_t i = 0; i < 5; ++i) {
    double dot = 0;
    for (size_t k = 0; k < 3; ++k) dot += double(y[i * 3 + k]) * v[k];
    for (size_t k = 0; k < 3; ++k) cv[k] += dot * y[i * 3 + k];
  }
  double lambda = cv[0] * v[0] + cv[1] * v[1] + cv[2] * v[2];
  for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(cv[k], lambda * v[k], 1e-4);
  // Deterministic, bit for bit.
  EXPECT_EQ(StaticEmbedder::ComputeCommonComponent(y.data(), 5, 3), v);
  // Degenerate input.
  EXPECT_TRUE(StaticEmbedder::ComputeCommonComponent(y.data(), 0, 3).empty());
  std::vector<float> zeros(6, 0.0f);
  EXPECT_TRUE(StaticEmbedder::ComputeCommonComponent(zeros.data(), 2, 3).empty());
  // Mean zero but not the vectors: still finds the axis.
  std::vector<float> sym = {2, 0, -2, 0, 0, 1, 0, -1};
  std::vector<float> s = StaticEmbedder::ComputeCommonComponent(sym.data(), 4, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NEAR(s[0], 1, 1e-6);
}

TEST(StaticEmbedderTest, ExplainSumsToCosine) {
  std::string path = WriteFixture("explain.gbvec");
  auto e = OpenFixture(path, TableP);
  ASSERT_TRUE(e);
  const std::string q = "the cat and the dog";
  const std::string p = "Cement policy: the cat's café sits on cement, dog-friendly.";
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      ASSERT_TRUE(e->SetCommonComponent({0.3f, 1, 0.2f, -0.1f}).ok());
    }
    std::vector<float> qv = EmbedOne(*e, q), pv = EmbedOne(*e, p);
    double cos = Cos(qv.data(), pv.data(), kDim);
    auto all = e->Explain(q, p, SIZE_MAX);
    // Query words {the, cat, dog} x passage words {cement, policy, the, cat, café, dog}.
    ASSERT_EQ(all.size(), 3u * 6u);
    double sum = 0;
    for (const auto& c : all) sum += c.contribution;
    EXPECT_NEAR(sum, cos, 1e-4) << "pass " << pass;
    for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].contribution, all[i].contribution);
    auto top = e->Explain(q, p, 3);
    ASSERT_EQ(top.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(top[i].query_word, all[i].query_word);
      EXPECT_EQ(top[i].passage_word, all[i].passage_word);
      EXPECT_DOUBLE_EQ(top[i].contribution, all[i].contribution);
    }
  }
  EXPECT_TRUE(e->Explain("", p, 5).empty());
  EXPECT_TRUE(e->Explain(q, "zebra", 5).empty());
  EXPECT_TRUE(e->Explain(q, p, 0).empty());
}

// ---- The built-in model ----

std::string RealModelPath() {
  if (auto f = FindModelFile(kDefaultStaticModelFile); f.ok()) return f.value();
#ifdef GLASSBOX_BINARY_DIR
  std::string p = std::string(GLASSBOX_BINARY_DIR) + "/models/" + kDefaultStaticModelFile;
  if (std::ifstream(p).good()) return p;
#endif
  return "";
}

#define OPEN_REAL_MODEL_OR_SKIP(var, prob)                                                                    \
  std::string model_path_ = RealModelPath();                                                                  \
  if (model_path_.empty()) {                                                                                  \
    const char* req = std::getenv("GLASSBOX_REQUIRE_MODELS");                                                 \
    if (req != nullptr && std::string(req) == "1") {                                                          \
      FAIL() << "GLASSBOX_REQUIRE_MODELS=1 but " << kDefaultStaticModelFile                                   \
             << " was not found; run `make build` or scripts/fetch-models.sh BUILD_DIR";                     \
    }                                                                                                         \
    GTEST_SKIP() << kDefaultStaticModelFile << " not found (run `make build` or scripts/fetch-models.sh "    \
                 << "BUILD_DIR, or set GLASSBOX_MODEL_DIR)";                                                  \
  }                                                                                                           \
  auto var##_r = StaticEmbedder::Open(model_path_, prob);                                                     \
  ASSERT_TRUE(var##_r.ok()) << var##_r.status().ToString();                                                   \
  StaticEmbedder& var = *var##_r.value();

TEST(StaticEmbedderRealModelTest, WordSimilarity) {
  OPEN_REAL_MODEL_OR_SKIP(e, nullptr);
  EXPECT_EQ(e.info().dim, 100);
  EXPECT_GT(e.file().size(), 300000u);
  // The most frequent word is "the" (rank 0).
  int64_t the = e.file().Find("the");
  ASSERT_GE(the, 0);
  EXPECT_EQ(e.file().rank(uint32_t(the)), 0u);
  std::vector<float> v;
  ASSERT_TRUE(e.Embed({"king", "queen", "cement"}, &v).ok());
  double kq = Cos(v.data(), v.data() + 100, 100), kc = Cos(v.data(), v.data() + 200, 100);
  EXPECT_GT(kq, kc);
  EXPECT_GT(kq, 0.6);
}

TEST(StaticEmbedderRealModelTest, TopicalTexts) {
  OPEN_REAL_MODEL_OR_SKIP(e, nullptr);
  const std::vector<std::string> texts = {
      "Portland cement is mixed with sand, gravel and water to make concrete.",
      "The cement kiln heats limestone and clay to produce clinker for mortar.",
      "Employees may take up to twenty days of paid annual leave per year.",
      "Our parental leave policy gives new parents sixteen weeks off work.",
  };
  std::vector<float> v;
  ASSERT_TRUE(e.Embed(texts, &v).ok());
  auto c = [&](int a, int b) { return Cos(v.data() + a * 100, v.data() + b * 100, 100); };
  EXPECT_GT(c(0, 1), c(0, 2));
  EXPECT_GT(c(0, 1), c(0, 3));
  EXPECT_GT(c(0, 1), c(1, 2));
  EXPECT_GT(c(0, 1), c(1, 3));
  EXPECT_GT(c(2, 3), c(0, 2));
  EXPECT_GT(c(2, 3), c(1, 3));
  // With a common component computed from the texts, the explanation still sums to the cosine.
  ASSERT_TRUE(e.SetCommonComponent(StaticEmbedder::ComputeCommonComponent(v.data(), texts.size(), 100)).ok());
  std::vector<float> w;
  ASSERT_TRUE(e.Embed(texts, &w).ok());
  auto all = e.Explain(texts[0], texts[1], SIZE_MAX);
  double sum = 0;
  for (const auto& x : all) sum += x.contribution;
  EXPECT_NEAR(sum, Cos(w.data(), w.data() + 100, 100), 1e-4);
  auto top = e.Explain(texts[0], texts[1], 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].query_word, "cement");
  EXPECT_EQ(top[0].passage_word, "cement");
}

}  // namespace
}  // namespace glassbox::vector
