// Test fixture: writes a tiny BERT-architecture GGUF embedding model with
// seeded random weights, using ggml's gguf API. No downloaded weights: the
// vectors mean nothing, but they exercise the whole path (GGUF loading,
// WordPiece tokenization, the BERT graph, mean pooling, batching).
//
// Header-only and included by tests only (the module's library globs *.cc).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ggml.h"
#include "gguf.h"

namespace glassbox::vector::testing {

struct TinyBertOptions {
  int n_embd = 32;
  int n_layer = 2;
  int n_head = 2;
  int n_ff = 64;
  int n_ctx = 128;
  // llama_pooling_type: 1 mean, 2 cls; -1 writes no pooling key (then the
  // model is not an embedding model as far as llama.cpp is concerned).
  int pooling = 1;
  uint32_t seed = 42;
};

// The WordPiece vocabulary. llama.cpp stores BERT vocabularies the way its
// converter writes them: a word-initial piece carries a leading U+2581 ("▁"),
// a continuation piece ("##s" in BERT's own files) is stored bare ("s").
inline std::vector<std::string> TinyBertVocab() {
  std::vector<std::string> v = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  const char* words[] = {"the",   "a",      "cat",  "dog",   "sat",    "on",      "mat",   "search",
                         "engine", "hybrid", "vector", "text", "fish",  "swim",    "river", "glass",
                         "box",   "query",  "index", "word",  "model",  "embedding", "is",  "of",
                         "and",   "to",     "in",    "fast",  "slow",   "red",     "blue",  "green",
                         ".",     ",",      "!",     "?",     "0",      "1",       "2",     "3"};
  for (const char* w : words) v.push_back(std::string("\xE2\x96\x81") + w);
  const char* pieces[] = {"s", "ing", "ed", "er", "ly"};
  for (const char* p : pieces) v.push_back(p);
  return v;
}

// Writes the model to path; returns "" or an error message.
inline std::string WriteTinyBertGguf(const std::string& path, const TinyBertOptions& o = {}) {
  const std::vector<std::string> vocab = TinyBertVocab();
  const int n_vocab = static_cast<int>(vocab.size());

  gguf_context* g = gguf_init_empty();
  gguf_set_val_str(g, "general.architecture", "bert");
  gguf_set_val_str(g, "general.name", "glassbox-tiny-bert");
  gguf_set_val_u32(g, "bert.context_length", o.n_ctx);
  gguf_set_val_u32(g, "bert.embedding_length", o.n_embd);
  gguf_set_val_u32(g, "bert.feed_forward_length", o.n_ff);
  gguf_set_val_u32(g, "bert.block_count", o.n_layer);
  gguf_set_val_u32(g, "bert.attention.head_count", o.n_head);
  gguf_set_val_f32(g, "bert.attention.layer_norm_epsilon", 1e-12f);
  gguf_set_val_bool(g, "bert.attention.causal", false);
  if (o.pooling >= 0) gguf_set_val_u32(g, "bert.pooling_type", static_cast<uint32_t>(o.pooling));

  gguf_set_val_str(g, "tokenizer.ggml.model", "bert");
  std::vector<const char*> tok_ptrs;
  for (const auto& t : vocab) tok_ptrs.push_back(t.c_str());
  gguf_set_arr_str(g, "tokenizer.ggml.tokens", tok_ptrs.data(), tok_ptrs.size());
  std::vector<int32_t> tok_types(n_vocab, 1);              // LLAMA_TOKEN_TYPE_NORMAL
  for (int i = 0; i < 5; ++i) tok_types[i] = 3;            // LLAMA_TOKEN_TYPE_CONTROL
  tok_types[1] = 2;                                        // [UNK]: LLAMA_TOKEN_TYPE_UNKNOWN
  gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, tok_types.data(), tok_types.size());
  gguf_set_val_u32(g, "tokenizer.ggml.token_type_count", 2);
  gguf_set_val_u32(g, "tokenizer.ggml.padding_token_id", 0);
  gguf_set_val_u32(g, "tokenizer.ggml.unknown_token_id", 1);
  gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", 2);  // [CLS]
  gguf_set_val_u32(g, "tokenizer.ggml.cls_token_id", 2);
  gguf_set_val_u32(g, "tokenizer.ggml.seperator_token_id", 3);  // sic: llama.cpp's key
  gguf_set_val_u32(g, "tokenizer.ggml.mask_token_id", 4);

  // Tensor data lives in a ggml context until the file is written.
  const int E = o.n_embd, F = o.n_ff;
  size_t floats = static_cast<size_t>(E) * (n_vocab + 2 + o.n_ctx + 2) +
                  static_cast<size_t>(o.n_layer) * (4 * E * E + 4 * E + 4 * E + 2 * E * F + F + E + 2 * E);
  ggml_init_params ip = {floats * sizeof(float) + 1024 * ggml_tensor_overhead(), nullptr, false};
  ggml_context* ctx = ggml_init(ip);
  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);

  auto add = [&](const std::string& name, int64_t ne0, int64_t ne1, float scale, float offset) {
    ggml_tensor* t = ne1 > 0 ? ggml_new_tensor_2d(ctx, GGML_TYPE_F32, ne0, ne1)
                             : ggml_new_tensor_1d(ctx, GGML_TYPE_F32, ne0);
    ggml_set_name(t, name.c_str());
    float* d = static_cast<float*>(t->data);
    for (int64_t i = 0; i < ggml_nelements(t); ++i) d[i] = offset + scale * normal(rng);
    gguf_add_tensor(g, t);
  };
  const float w = 1.0f / std::sqrt(static_cast<float>(E));  // keeps activations O(1)
  add("token_embd.weight", E, n_vocab, 1.0f, 0.0f);
  add("token_types.weight", E, 2, 0.1f, 0.0f);
  add("position_embd.weight", E, o.n_ctx, 0.3f, 0.0f);
  add("token_embd_norm.weight", E, 0, 0.1f, 1.0f);
  add("token_embd_norm.bias", E, 0, 0.1f, 0.0f);
  for (int l = 0; l < o.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    for (const char* qkv : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
      add(b + qkv + ".weight", E, E, w, 0.0f);
      add(b + qkv + ".bias", E, 0, 0.05f, 0.0f);
    }
    add(b + "attn_output_norm.weight", E, 0, 0.1f, 1.0f);
    add(b + "attn_output_norm.bias", E, 0, 0.1f, 0.0f);
    add(b + "ffn_up.weight", E, F, w, 0.0f);
    add(b + "ffn_up.bias", F, 0, 0.05f, 0.0f);
    add(b + "ffn_down.weight", F, E, 1.0f / std::sqrt(static_cast<float>(F)), 0.0f);
    add(b + "ffn_down.bias", E, 0, 0.05f, 0.0f);
    add(b + "layer_output_norm.weight", E, 0, 0.1f, 1.0f);
    add(b + "layer_output_norm.bias", E, 0, 0.1f, 0.0f);
  }
  const bool ok = gguf_write_to_file(g, path.c_str(), /*only_meta=*/false);
  ggml_free(ctx);
  gguf_free(g);
  return ok ? "" : "gguf_write_to_file failed for " + path;
}

}  // namespace glassbox::vector::testing
