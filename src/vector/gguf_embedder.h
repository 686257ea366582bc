// GgufEmbedder: any GGUF embedding model (bge, e5, nomic-embed, gte,
// Qwen3-Embedding, ...) run on the CPU through llama.cpp's C API.
//
// llama.cpp comes from npm (scripts/fetch-llama.sh, pinned release); when the
// build did not find it (GLASSBOX_HAVE_LLAMA undefined), Open() returns
// Unsupported with a message saying how to get it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"
#include "vector/embedder.h"

struct llama_model;
struct llama_context;

namespace glassbox::vector {

class GgufEmbedder : public Embedder {
 public:
  // Longest input, in tokens, unless the model's training context is shorter.
  // Longer texts are truncated (see Embed). Bounds memory: non-causal models
  // (BERT family) attend over a whole batch at once.
  static constexpr int kDefaultMaxTokens = 2048;

  // Loads the model at model_path. threads <= 0: all hardware threads.
  // Errors: NotFound (no such file), InvalidArgument (not a GGUF model file
  // llama.cpp can load; a model without an embedding output, e.g. a chat
  // model or a reranker).
  static Result<std::unique_ptr<GgufEmbedder>> Open(const std::string& model_path, int threads,
                                                     int max_tokens = kDefaultMaxTokens);

  ~GgufEmbedder() override;
  GgufEmbedder(const GgufEmbedder&) = delete;
  GgufEmbedder& operator=(const GgufEmbedder&) = delete;

  const EmbedderInfo& info() const override { return info_; }

  // Many texts share one llama_decode call (one sequence id each) as long as
  // their tokens fit in the batch. A text longer than max_tokens() tokens is
  // truncated to its first max_tokens() tokens (the model's closing special
  // token, e.g. [SEP] or <|endoftext|>, is kept at the end).
  Status Embed(const std::vector<std::string>& texts, std::vector<float>* out) override;

  // The model's tokens for text, special tokens added as for Embed (no
  // truncation). For tests and explanations.
  Result<std::vector<int32_t>> Tokenize(const std::string& text) const;

  int max_tokens() const { return max_tokens_; }
  // "mean", "cls", "last", ... as llama.cpp applies it.
  const std::string& pooling() const { return pooling_; }

 private:
  GgufEmbedder() = default;
  Status DecodeBatch(const std::vector<std::vector<int32_t>>& seqs, float* out);

  EmbedderInfo info_;
  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  int max_tokens_ = 0;
  int max_seqs_ = 0;
  bool keep_last_token_ = false;  // the tokenizer appends EOS/SEP
  std::string pooling_;
};

// Vocabulary-only view of a GGUF file: tokenizes without loading weights
// (the ggml-vocab-*.gguf files llama.cpp ships carry no weights).
class GgufVocab {
 public:
  static Result<std::unique_ptr<GgufVocab>> Open(const std::string& path);
  ~GgufVocab();
  Result<std::vector<int32_t>> Tokenize(const std::string& text, bool add_special) const;
  // Token text (for messages).
  std::string Piece(int32_t token) const;

 private:
  GgufVocab() = default;
  llama_model* model_ = nullptr;
};

// The llama.cpp release the binary was built against ("" without llama.cpp).
std::string LlamaRelease();

// Loads llama.cpp's CPU backend once per process (every GGUF user shares it);
// Unsupported without llama.cpp. TakeLlamaError: the last error llama.cpp
// logged since the previous call ("" if none).
Status InitLlama();
std::string TakeLlamaError();

}  // namespace glassbox::vector
