// Test fixture: writes a tiny llama-architecture GGUF chat model with seeded
// random weights (ggml's gguf API), no downloaded weights. Its text is
// garbage, but it exercises the whole in-process generation path: GGUF
// loading, the chat template from the metadata, SentencePiece tokenization,
// the causal graph, greedy sampling, the token budget.
//
// Header-only, for tests and bench/answer (the module's library globs *.cc).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "ggml.h"
#include "gguf.h"

namespace glassbox::answer::testing {

struct TinyChatOptions {
  int n_embd = 64;
  int n_layer = 2;
  int n_head = 4;
  int n_ff = 128;
  int n_ctx = 4096;
  bool chat_template = true;  // a ChatML tokenizer.chat_template; false: none
  uint32_t seed = 7;
};

// Writes the model to path; returns "" or an error message.
inline std::string WriteTinyChatGguf(const std::string& path, const TinyChatOptions& o = {}) {
  // Vocabulary (SentencePiece, "llama"): <unk> <s> </s> <|im_start|> <|im_end|>, the 256 byte tokens,
  // then U+2581 (the space) and the printable ASCII characters.
  // <|im_start|> and <|im_end|>: the ChatML markers, control tokens.
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"};
  std::vector<float> scores = {0, 0, 0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3, 3, 3};  // unknown, control x4
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.push_back(buf);
    scores.push_back(0);
    types.push_back(6);  // byte
  }
  const size_t first_text = tokens.size();
  tokens.push_back("\xE2\x96\x81");
  scores.push_back(-1);
  types.push_back(1);
  for (int c = 33; c < 127; ++c) {
    tokens.push_back(std::string(1, static_cast<char>(c)));
    scores.push_back(-2);
    types.push_back(1);
  }
  const int n_vocab = static_cast<int>(tokens.size());

  gguf_context* g = gguf_init_empty();
  gguf_set_val_str(g, "general.architecture", "llama");
  gguf_set_val_str(g, "general.name", "glassbox-tiny-chat");
  gguf_set_val_u32(g, "llama.context_length", o.n_ctx);
  gguf_set_val_u32(g, "llama.embedding_length", o.n_embd);
  gguf_set_val_u32(g, "llama.feed_forward_length", o.n_ff);
  gguf_set_val_u32(g, "llama.block_count", o.n_layer);
  gguf_set_val_u32(g, "llama.attention.head_count", o.n_head);
  gguf_set_val_u32(g, "llama.attention.head_count_kv", o.n_head);
  gguf_set_val_f32(g, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_u32(g, "llama.rope.dimension_count", o.n_embd / o.n_head);
  gguf_set_val_f32(g, "llama.rope.freq_base", 10000.0f);
  gguf_set_val_str(g, "tokenizer.ggml.model", "llama");
  std::vector<const char*> ptrs;
  for (const auto& t : tokens) ptrs.push_back(t.c_str());
  gguf_set_arr_str(g, "tokenizer.ggml.tokens", ptrs.data(), ptrs.size());
  gguf_set_arr_data(g, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores.data(), scores.size());
  gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types.data(), types.size());
  gguf_set_val_u32(g, "tokenizer.ggml.unknown_token_id", 0);
  gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", 1);
  gguf_set_val_u32(g, "tokenizer.ggml.eos_token_id", 2);
  gguf_set_val_bool(g, "tokenizer.ggml.add_bos_token", true);
  if (o.chat_template)
    gguf_set_val_str(g, "tokenizer.chat_template",
                     "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
                     "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
                     "{% endif %}");

  const int E = o.n_embd, F = o.n_ff;
  const size_t floats = static_cast<size_t>(E) * n_vocab * 2 + E +
                        static_cast<size_t>(o.n_layer) * (4 * E * E + 2 * E + 3 * E * F);
  ggml_init_params ip = {floats * sizeof(float) + 256 * ggml_tensor_overhead(), nullptr, false};
  ggml_context* ctx = ggml_init(ip);
  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto add = [&](const std::string& name, int64_t ne0, int64_t ne1, float scale, float offset) {
    ggml_tensor* t = ne1 > 0 ? ggml_new_tensor_2d(ctx, GGML_TYPE_F32, ne0, ne1) : ggml_new_tensor_1d(ctx, GGML_TYPE_F32, ne0);
    ggml_set_name(t, name.c_str());
    float* d = static_cast<float*>(t->data);
    for (int64_t i = 0; i < ggml_nelements(t); ++i) d[i] = offset + scale * normal(rng);
    gguf_add_tensor(g, t);
    return d;
  };
  const float w = 1.0f / std::sqrt(static_cast<float>(E));
  add("token_embd.weight", E, n_vocab, 1.0f, 0.0f);
  add("output_norm.weight", E, 0, 0.0f, 1.0f);
  float* out = add("output.weight", E, n_vocab, w, 0.0f);
  // Only text tokens can win the greedy choice: control and byte tokens get
  // a zero output row (logit 0, below the best of ~95 random logits), so the
  // text is printable ASCII and generation runs to the budget.
  for (size_t t = 0; t < first_text; ++t)
    for (int i = 0; i < E; ++i) out[t * E + i] = 0.0f;
  for (int l = 0; l < o.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", E, 0, 0.0f, 1.0f);
    add(b + "attn_q.weight", E, E, w, 0.0f);
    add(b + "attn_k.weight", E, E, w, 0.0f);
    add(b + "attn_v.weight", E, E, w, 0.0f);
    add(b + "attn_output.weight", E, E, w, 0.0f);
    add(b + "ffn_norm.weight", E, 0, 0.0f, 1.0f);
    add(b + "ffn_gate.weight", E, F, w, 0.0f);
    add(b + "ffn_up.weight", E, F, w, 0.0f);
    add(b + "ffn_down.weight", F, E, 1.0f / std::sqrt(static_cast<float>(F)), 0.0f);
  }
  const bool ok = gguf_write_to_file(g, path.c_str(), /*only_meta=*/false);
  ggml_free(ctx);
  gguf_free(g);
  return ok ? "" : "gguf_write_to_file failed for " + path;
}

}  // namespace glassbox::answer::testing
