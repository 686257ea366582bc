#include "vector/gguf_embedder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifdef GLASSBOX_HAVE_LLAMA
#include "vector/gguf_embedder_testing.h"
#endif

namespace glassbox::vector {
namespace {

namespace fs = std::filesystem;

#ifndef GLASSBOX_HAVE_LLAMA

TEST(GgufEmbedder, ReportsMissingLlama) {
  auto e = GgufEmbedder::Open("/nonexistent.gguf", 1);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Status::Code::kUnsupported);
  GTEST_SKIP() << "built without llama.cpp (run scripts/fetch-llama.sh BUILD_DIR)";
}

#else

double Dot(const float* a, const float* b, int dim) {
  double s = 0;
  for (int i = 0; i < dim; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

class GgufEmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("gb_gguf_test_" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    model_ = new std::string((*dir_ / "tiny-bert.gguf").string());
    std::string err = testing::WriteTinyBertGguf(*model_);
    ASSERT_EQ(err, "");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    delete model_;
  }
  std::unique_ptr<GgufEmbedder> OpenTiny() {
    // One thread: ggml's worker threads spin at each barrier, which is slow
    // on a loaded test machine and buys nothing for a model this small.
    auto e = GgufEmbedder::Open(*model_, 1);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  static fs::path* dir_;
  static std::string* model_;
};
fs::path* GgufEmbedderTest::dir_ = nullptr;
std::string* GgufEmbedderTest::model_ = nullptr;

TEST_F(GgufEmbedderTest, InfoDescribesTheModel) {
  auto e = OpenTiny();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->info().kind, "gguf");
  EXPECT_EQ(e->info().model, *model_);
  EXPECT_EQ(e->info().dim, 32);
  EXPECT_EQ(e->pooling(), "mean");
  EXPECT_EQ(e->max_tokens(), 128);  // the model's training context
  EXPECT_NE(e->info().fingerprint.find("pooling=mean"), std::string::npos) << e->info().fingerprint;
  EXPECT_NE(e->info().fingerprint.find("head1m="), std::string::npos);
  // Same file, same fingerprint.
  auto again = OpenTiny();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->info().fingerprint, e->info().fingerprint);
}

TEST_F(GgufEmbedderTest, FingerprintChangesWithWeights) {
  std::string other = (*dir_ / "tiny-bert-seed7.gguf").string();
  testing::TinyBertOptions o;
  o.seed = 7;
  ASSERT_EQ(testing::WriteTinyBertGguf(other, o), "");
  auto a = OpenTiny();
  auto b = GgufEmbedder::Open(other, 1);
  ASSERT_TRUE(a && b.ok());
  EXPECT_NE(a->info().fingerprint, b.value()->info().fingerprint);
}

TEST_F(GgufEmbedderTest, TokenizesWithWordPiece) {
  auto e = OpenTiny();
  ASSERT_TRUE(e);
  auto toks = e->Tokenize("The cats fishing!");
  ASSERT_TRUE(toks.ok()) << toks.status().ToString();
  // [CLS] the cat ##s fish ##ing ! [SEP]  (lower-cased, split into pieces)
  const std::vector<std::string> v = testing::TinyBertVocab();
  auto id = [&](const std::string& s) {
    for (size_t i = 0; i < v.size(); ++i) if (v[i] == s) return static_cast<int32_t>(i);
    return -1;
  };
  const std::string w = "\xE2\x96\x81";
  std::vector<int32_t> want = {2, id(w + "the"), id(w + "cat"), id("s"), id(w + "fish"), id("ing"), id(w + "!"), 3};
  EXPECT_EQ(toks.value(), want);
  auto unk = e->Tokenize("zebra");
  ASSERT_TRUE(unk.ok());
  EXPECT_EQ(unk.value(), (std::vector<int32_t>{2, 1, 3}));
}

TEST_F(GgufEmbedderTest, VectorsAreUnitLengthDeterministicAndDistinct) {
  auto e = OpenTiny();
  ASSERT_TRUE(e);
  const int dim = e->info().dim;
  std::vector<std::string> texts = {"the cat sat on the mat", "a fast hybrid search engine", "fish swim in the river"};
  std::vector<float> a, b;
  ASSERT_TRUE(e->Embed(texts, &a).ok());
  ASSERT_EQ(a.size(), texts.size() * dim);
  ASSERT_TRUE(e->Embed(texts, &b).ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_NEAR(Dot(&a[i * dim], &a[i * dim], dim), 1.0, 1e-5);
  }
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6) << i;
  // A fresh instance gives the same vectors.
  auto e2 = OpenTiny();
  std::vector<float> c;
  ASSERT_TRUE(e2->Embed(texts, &c).ok());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], c[i], 1e-6) << i;
  // Different texts, different directions.
  EXPECT_LT(Dot(&a[0], &a[dim], dim), 0.999);
  EXPECT_LT(Dot(&a[0], &a[2 * dim], dim), 0.999);
  EXPECT_LT(Dot(&a[dim], &a[2 * dim], dim), 0.999);
}

TEST_F(GgufEmbedderTest, BatchEqualsOneAtATime) {
  auto e = OpenTiny();
  ASSERT_TRUE(e);
  const int dim = e->info().dim;
  // 150 texts of different lengths: more than one batch (64 sequences, 128
  // tokens per batch), sequences of a batch must not see each other.
  const std::vector<std::string> words = {"the", "cat", "dog", "sat", "on", "mat", "search", "engine", "blue", "fish"};
  std::vector<std::string> texts;
  for (int i = 0; i < 150; ++i) {
    std::string t;
    for (int j = 0; j <= i % 9; ++j) t += words[(i * 7 + j * 3) % words.size()] + " ";
    texts.push_back(t);
  }
  texts.push_back("");  // [CLS] [SEP] only: still a vector
  std::vector<float> batch;
  ASSERT_TRUE(e->Embed(texts, &batch).ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<float> one;
    ASSERT_TRUE(e->Embed({texts[i]}, &one).ok());
    ASSERT_EQ(one.size(), static_cast<size_t>(dim));
    for (int k = 0; k < dim; ++k) ASSERT_NEAR(batch[i * dim + k], one[k], 1e-4) << "text " << i << " '" << texts[i] << "'";
  }
}

TEST_F(GgufEmbedderTest, TruncatesLongTextsToTheContext) {
  auto e = OpenTiny();
  ASSERT_TRUE(e);
  const int dim = e->info().dim;
  std::string long_text, cut;
  for (int i = 0; i < 400; ++i) {
    const std::string w = (i % 3 == 0) ? "cat " : (i % 3 == 1) ? "dog " : "fish ";
    long_text += w;
    if (i < e->max_tokens() - 2) cut += w;  // room for [CLS] and [SEP]
  }
  std::vector<float> v;
  ASSERT_TRUE(e->Embed({long_text, cut, "short text"}, &v).ok());
  for (int k = 0; k < dim; ++k) ASSERT_NEAR(v[k], v[dim + k], 1e-4);
  EXPECT_NEAR(Dot(&v[0], &v[0], dim), 1.0, 1e-5);
}

TEST_F(GgufEmbedderTest, ClearErrors) {
  auto missing = GgufEmbedder::Open((*dir_ / "no-such-model.gguf").string(), 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no-such-model.gguf"), std::string::npos);

  std::string junk = (*dir_ / "junk.gguf").string();
  std::ofstream(junk) << "this is not a model";
  auto bad = GgufEmbedder::Open(junk, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("not a GGUF"), std::string::npos) << bad.status().message();

  std::string truncated = (*dir_ / "truncated.gguf").string();
  {
    std::ifstream in(*model_, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  auto cut = GgufEmbedder::Open(truncated, 1);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(cut.status().message().find("cannot load model"), std::string::npos) << cut.status().message();

  std::string no_pool = (*dir_ / "no-pooling.gguf").string();
  testing::TinyBertOptions o;
  o.pooling = -1;
  ASSERT_EQ(testing::WriteTinyBertGguf(no_pool, o), "");
  auto np = GgufEmbedder::Open(no_pool, 1);
  ASSERT_FALSE(np.ok());
  EXPECT_EQ(np.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(np.status().message().find("model " + no_pool + " is not an embedding model"), std::string::npos)
      << np.status().message();
}

TEST_F(GgufEmbedderTest, ClsPoolingFromMetadata) {
  std::string cls = (*dir_ / "tiny-bert-cls.gguf").string();
  testing::TinyBertOptions o;
  o.pooling = 2;
  ASSERT_EQ(testing::WriteTinyBertGguf(cls, o), "");
  auto c = GgufEmbedder::Open(cls, 1);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c.value()->pooling(), "cls");
  auto m = OpenTiny();
  EXPECT_NE(c.value()->info().fingerprint, m->info().fingerprint);
  std::vector<float> vc, vm;
  ASSERT_TRUE(c.value()->Embed({"the cat sat"}, &vc).ok());
  ASSERT_TRUE(m->Embed({"the cat sat"}, &vm).ok());
  EXPECT_LT(Dot(vc.data(), vm.data(), 32), 0.9999);
}

// The vocabulary-only GGUF files that ship with llama.cpp's source (from the
// node-llama-cpp package): llama.cpp's own expected token ids for each
// sample text (*.gguf.inp / *.gguf.out, special tokens not added).
struct VocabCase {
  std::string text;
  std::vector<int32_t> ids;
};

std::vector<VocabCase> ReadVocabCases(const std::string& base) {
  std::ifstream inp(base + ".inp", std::ios::binary), outf(base + ".out");
  std::string raw((std::istreambuf_iterator<char>(inp)), std::istreambuf_iterator<char>());
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < raw.size();) {
    size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      texts.push_back(raw.substr(pos));
      break;
    }
    texts.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<VocabCase> cases;
  std::string line;
  for (size_t i = 0; std::getline(outf, line) && i < texts.size(); ++i) {
    VocabCase c{texts[i], {}};
    std::istringstream ss(line);
    for (int32_t id; ss >> id;) c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string VocabDir() { return std::string(GLASSBOX_LLAMA_DIR) + "/models"; }

TEST(GgufVocab, BertBgeTokenizesKnownSentence) {
  const std::string path = VocabDir() + "/ggml-vocab-bert-bge.gguf";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path << " (run scripts/fetch-llama.sh)";
  auto v = GgufVocab::Open(path);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto t = v.value()->Tokenize("Hello world", /*add_special=*/true);
  ASSERT_TRUE(t.ok());
  // [CLS] hello world [SEP] in bert-base-uncased ids.
  EXPECT_EQ(t.value(), (std::vector<int32_t>{101, 7592, 2088, 102}));
  EXPECT_EQ(v.value()->Piece(7592), " hello");
}

class VocabFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabFileTest, MatchesLlamaCppExpectedTokens) {
  const std::string path = VocabDir() + "/ggml-vocab-" + GetParam() + ".gguf";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path << " (run scripts/fetch-llama.sh)";
  auto v = GgufVocab::Open(path);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto cases = ReadVocabCases(path);
  ASSERT_GT(cases.size(), 10u);
  int checked = 0;
  for (const auto& c : cases) {
    auto t = v.value()->Tokenize(c.text, /*add_special=*/false);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value(), c.ids) << "text: '" << c.text << "'";
    ++checked;
  }
  // The same sentence tokenizes to the same, non-empty list every time.
  auto a = v.value()->Tokenize("Glassbox explains why a document matched.", true);
  auto b = v.value()->Tokenize("Glassbox explains why a document matched.", true);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a.value().empty());
  EXPECT_EQ(a.value(), b.value());
  EXPECT_GT(checked, 10);
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, VocabFileTest,
                         ::testing::Values("bert-bge", "llama-bpe", "llama-spm", "qwen2", "phi-3", "gpt-2"));

#endif  // GLASSBOX_HAVE_LLAMA

}  // namespace
}  // namespace glassbox::vector
