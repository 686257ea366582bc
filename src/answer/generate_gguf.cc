// GenerateGguf: a GGUF chat model run in process by llama.cpp (the build's
// prebuilt library, as for the "gguf" embedder). The prompt is the one the
// endpoint path sends (BuildMessages), laid out by the model's own chat
// template; greedy decoding within a token budget, a wall-clock limit and a
// cancellation flag; the text is verified by FinishGenerated.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "answer/chat.h"
#include "answer/generate.h"
#include "vector/gguf_embedder.h"

#ifdef GLASSBOX_HAVE_LLAMA
#include "llama.h"
#endif

namespace glassbox::answer {

#ifndef GLASSBOX_HAVE_LLAMA

Result<ChatResult> ChatGguf(const ChatMessages&, const ChatOptions&) {
  return Status::Unsupported(
      "this Glassbox was built without llama.cpp, so llm_gguf cannot be used; run scripts/fetch-llama.sh BUILD_DIR "
      "and configure again, or use llm_url");
}

Result<Answer> GenerateGguf(const ReaderInput&, const AskOptions&) {
  return Status::Unsupported(
      "this Glassbox was built without llama.cpp, so llm_gguf cannot be used; run scripts/fetch-llama.sh BUILD_DIR "
      "and configure again, or use llm_url");
}

#else  // GLASSBOX_HAVE_LLAMA

namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};

// Loaded models, by path; reloaded when the file changes (size or mtime).
// A model is read-only once loaded: calls share it, each with its own context.
struct LoadedModel {
  std::unique_ptr<llama_model, ModelDeleter> model;
  std::string stamp;
};

Result<std::shared_ptr<LoadedModel>> LoadModel(const std::string& path, double* load_ms) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::NotFound("llm_gguf: model file not found: " + path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("llm_gguf: not a file: " + path);
  const std::string stamp = std::to_string(st.st_size) + "/" + std::to_string(st.st_mtim.tv_sec) + "." +
                            std::to_string(st.st_mtim.tv_nsec);
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<LoadedModel>> cache;
  std::lock_guard<std::mutex> lock(mu);  // one load at a time; a loaded model is returned at once
  auto it = cache.find(path);
  if (it != cache.end() && it->second->stamp == stamp) return it->second;
  {
    char magic[4] = {};
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return Status::IOError("llm_gguf: cannot open " + path);
    const size_t n = std::fread(magic, 1, 4, f);
    std::fclose(f);
    if (n != 4 || std::string(magic, 4) != "GGUF")
      return Status::InvalidArgument("llm_gguf: " + path + " is not a GGUF model file (no GGUF magic)");
  }
  GB_RETURN_IF_ERROR(vector::InitLlama());
  const auto t0 = Clock::now();
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;  // CPU only, as the embedder
  vector::TakeLlamaError();
  auto m = std::make_shared<LoadedModel>();
  m->model.reset(llama_model_load_from_file(path.c_str(), mp));
  if (!m->model) {
    const std::string why = vector::TakeLlamaError();
    return Status::InvalidArgument("llm_gguf: cannot load model " + path + " with llama.cpp " +
                                   vector::LlamaRelease() + (why.empty() ? "" : ": " + why));
  }
  if (!llama_model_has_decoder(m->model.get()) || llama_model_has_encoder(m->model.get()))
    return Status::InvalidArgument("llm_gguf: " + path + " is not a decoder-only chat model");
  m->stamp = stamp;
  *load_ms = Ms(t0, Clock::now());
  cache[path] = m;
  return m;
}

// The prompt laid out by the model's chat template (tokenizer.chat_template,
// one of the templates llama.cpp knows); without one, or with one llama.cpp
// cannot apply, a plain "System:/User:/Assistant:" layout, said in the trace.
// The messages' contents are left out: the layout holds Sentinel(i) where
// message i goes, so that the contents (documents: untrusted text) are
// tokenized as plain text, never as control tokens (see TokenizePrompt).
std::string Sentinel(size_t i) { return "\x01GB" + std::to_string(i) + "\x01"; }

std::string ApplyTemplate(const llama_model* model, const std::vector<std::pair<std::string, std::string>>& msgs,
                          std::string* how) {
  std::vector<std::string> sentinels;
  for (size_t i = 0; i < msgs.size(); ++i) sentinels.push_back(Sentinel(i));
  std::vector<llama_chat_message> chat;
  for (size_t i = 0; i < msgs.size(); ++i) chat.push_back({msgs[i].first.c_str(), sentinels[i].c_str()});
  const char* tmpl = llama_model_chat_template(model, nullptr);
  if (tmpl != nullptr) {
    size_t total = 0;
    for (const auto& [r, c] : msgs) total += r.size() + c.size();
    std::vector<char> buf(2 * total + 256);
    int32_t n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, buf.data(),
                                          static_cast<int32_t>(buf.size()));
    if (n > static_cast<int32_t>(buf.size())) {
      buf.resize(static_cast<size_t>(n));
      n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, buf.data(), static_cast<int32_t>(buf.size()));
    }
    if (n >= 0) {
      *how = "the model's chat template";
      return std::string(buf.data(), static_cast<size_t>(n));
    }
    *how = "a plain System/User/Assistant layout (llama.cpp does not know the model's chat template)";
  } else {
    *how = "a plain System/User/Assistant layout (the model has no tokenizer.chat_template)";
  }
  std::string p;
  for (size_t i = 0; i < msgs.size(); ++i) {
    std::string r = msgs[i].first;
    if (!r.empty()) r[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
    p += r + ": " + sentinels[i] + "\n\n";
  }
  return p + "Assistant:";
}

Status Tokenize(const llama_vocab* vocab, const std::string& text, bool add_special, bool parse_special,
                std::vector<llama_token>* out) {
  if (text.empty()) return Status::OK();
  std::vector<llama_token> t(text.size() + 16);
  int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), t.data(),
                             static_cast<int32_t>(t.size()), add_special, parse_special);
  if (n < 0 && n != INT32_MIN) {
    t.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), t.data(), static_cast<int32_t>(t.size()),
                       add_special, parse_special);
  }
  if (n < 0) return Status::InvalidArgument("llm_gguf: the prompt could not be tokenized");
  out->insert(out->end(), t.begin(), t.begin() + n);
  return Status::OK();
}

// The layout's own text (the template's markers: <|im_start|>, [INST], ...)
// is tokenized with control tokens recognised; each message's content as
// plain text, so a passage that contains "<|im_end|>" cannot end its message.
// BOS as the model wants it, once, at the start.
Result<std::vector<llama_token>> TokenizePrompt(const llama_vocab* vocab, const std::string& layout,
                                                const std::vector<std::pair<std::string, std::string>>& msgs) {
  std::vector<llama_token> out;
  if (llama_vocab_get_add_bos(vocab) && llama_vocab_bos(vocab) != LLAMA_TOKEN_NULL) out.push_back(llama_vocab_bos(vocab));
  size_t pos = 0;
  while (pos <= layout.size()) {
    size_t next = std::string::npos, which = 0;
    for (size_t i = 0; i < msgs.size(); ++i) {
      const size_t at = layout.find(Sentinel(i), pos);
      if (at < next) next = at, which = i;
    }
    const std::string markup = layout.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    GB_RETURN_IF_ERROR(Tokenize(vocab, markup, false, true, &out));
    if (next == std::string::npos) break;
    GB_RETURN_IF_ERROR(Tokenize(vocab, msgs[which].second, false, false, &out));
    pos = next + Sentinel(which).size();
  }
  return out;
}

// Length of the longest prefix of s made of whole, valid UTF-8 characters
// (an incomplete character at the end waits for the next token).
size_t CompleteUtf8(const std::string& s) {
  size_t i = 0, ok = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0) return ok == i ? i + 1 : ok;  // invalid lead byte: let it through (sanitized later)
    if (i + len > s.size()) break;
    i += len;
    ok = i;
  }
  return ok;
}

// Invalid UTF-8 (a model can emit a lone byte token) becomes U+FFFD, so
// that the answer is always valid JSON text.
std::string SanitizeUtf8(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (valid) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

struct AbortState {
  Clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
};

bool AbortCallback(void* data) {
  const auto* s = static_cast<const AbortState*>(data);
  return Clock::now() > s->deadline || (s->cancel && s->cancel->load());
}

}  // namespace

Result<ChatResult> ChatGguf(const ChatMessages& messages, const ChatOptions& co) {
  const auto t0 = Clock::now();
  ChatResult out;
  AbortState abort_state{t0 + std::chrono::milliseconds(co.timeout_ms), co.cancel};
  auto timed_out = [&] {
    return Status::DeadlineExceeded("llm_gguf: the model did not finish within llm_timeout " +
                                    std::to_string(co.timeout_ms) + " ms");
  };
  double load_ms = 0;
  auto loaded = LoadModel(co.gguf, &load_ms);
  if (!loaded.ok()) return loaded.status();
  const llama_model* model = (*loaded)->model.get();
  const llama_vocab* vocab = llama_model_get_vocab(model);

  std::string layout;
  const std::string prompt = ApplyTemplate(model, messages, &layout);
  auto tokens = TokenizePrompt(vocab, prompt, messages);
  if (!tokens.ok()) return tokens.status();
  const int n_ctx_train = llama_model_n_ctx_train(model);
  const size_t need = tokens->size() + co.max_tokens;
  if (n_ctx_train > 0 && tokens->size() + 1 > static_cast<size_t>(n_ctx_train))
    return Status::InvalidArgument("llm_gguf: the prompt is " + std::to_string(tokens->size()) +
                                   " tokens; the model's context is " + std::to_string(n_ctx_train) +
                                   " (lower max_passages)");
  const uint32_t n_ctx =
      static_cast<uint32_t>(n_ctx_train > 0 ? std::min<size_t>(need, static_cast<size_t>(n_ctx_train)) : need);

  llama_context_params cp = llama_context_default_params();
  const int threads = co.threads > 0 ? co.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cp.n_ctx = std::max<uint32_t>(n_ctx, 16);
  cp.n_batch = std::min<uint32_t>(cp.n_ctx, 512);
  cp.n_ubatch = cp.n_batch;
  cp.n_seq_max = 1;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.no_perf = true;
  // Flash attention off: on the CPU its kernel made decoding 2-5x slower in
  // gen_bench (BENCHMARKS.md), and off is what llama-server's speed matched.
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.abort_callback = AbortCallback;
  cp.abort_callback_data = &abort_state;
  vector::TakeLlamaError();
  std::unique_ptr<llama_context, ContextDeleter> ctx(llama_init_from_model(const_cast<llama_model*>(model), cp));
  if (!ctx) {
    const std::string why = vector::TakeLlamaError();
    return Status::InvalidArgument("llm_gguf: cannot create a llama.cpp context for " + co.gguf +
                                   (why.empty() ? "" : ": " + why));
  }
  std::unique_ptr<llama_sampler, SamplerDeleter> sampler(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  llama_sampler_chain_add(sampler.get(), llama_sampler_init_greedy());  // temperature 0, as the endpoint path asks

  // Prompt, in batches of n_batch tokens.
  const auto t_prompt = Clock::now();
  const size_t nb = llama_n_batch(ctx.get());
  for (size_t i = 0; i < tokens->size(); i += nb) {
    const int32_t n = static_cast<int32_t>(std::min(nb, tokens->size() - i));
    const int32_t rc = llama_decode(ctx.get(), llama_batch_get_one(tokens->data() + i, n));
    if (rc == 2 || AbortCallback(&abort_state)) {
      if (Clock::now() > abort_state.deadline) return timed_out();
      break;  // cancelled during the prompt: nothing generated
    }
    if (rc != 0)
      return Status::IOError("llm_gguf: llama.cpp failed to evaluate the prompt (code " + std::to_string(rc) + ")" +
                             [] { std::string w = vector::TakeLlamaError(); return w.empty() ? "" : ": " + w; }());
  }
  const auto t_gen = Clock::now();

  std::string text, pending;  // pending: bytes of a character not yet complete
  size_t generated = 0;
  std::string stop = "token budget (" + std::to_string(co.max_tokens) + ")";
  double first_ms = 0;
  bool cancelled = co.cancel && co.cancel->load();
  while (!cancelled && generated < co.max_tokens) {
    if (Clock::now() > abort_state.deadline) return timed_out();
    if (llama_memory_seq_pos_max(llama_get_memory(ctx.get()), 0) + 1 >= static_cast<llama_pos>(llama_n_ctx(ctx.get()))) {
      stop = "the context (" + std::to_string(llama_n_ctx(ctx.get())) + " tokens) is full";
      break;
    }
    llama_token tok = llama_sampler_sample(sampler.get(), ctx.get(), -1);
    if (llama_vocab_is_eog(vocab, tok)) {
      stop = "end of generation";
      break;
    }
    ++generated;
    if (generated == 1) first_ms = Ms(t0, Clock::now());
    char buf[256];
    const int32_t n = llama_token_to_piece(vocab, tok, buf, sizeof buf, 0, /*special=*/false);
    if (n > 0) pending.append(buf, static_cast<size_t>(n));
    const size_t whole = CompleteUtf8(pending);
    if (whole > 0) {
      const std::string piece = SanitizeUtf8(pending.substr(0, whole));
      pending.erase(0, whole);
      text += piece;
      if (co.on_token && !co.on_token(piece)) cancelled = true;
    }
    if (co.cancel && co.cancel->load()) cancelled = true;
    if (cancelled) break;
    const int32_t rc = llama_decode(ctx.get(), llama_batch_get_one(&tok, 1));
    if (rc == 2) {
      if (Clock::now() > abort_state.deadline) return timed_out();
      cancelled = true;
      break;
    }
    if (rc != 0) return Status::IOError("llm_gguf: llama.cpp failed to evaluate a token (code " + std::to_string(rc) + ")");
  }
  if (cancelled) stop = "cancelled";
  if (!pending.empty()) text += SanitizeUtf8(pending);
  const auto t_end = Clock::now();

  AnswerTimings& tm = out.timings;
  tm.load_ms = load_ms;
  tm.prompt_ms = Ms(t_prompt, t_gen);
  tm.first_token_ms = first_ms;
  tm.generate_ms = Ms(t0, t_end);
  tm.read_ms = tm.generate_ms;
  tm.prompt_tokens = tokens->size();
  tm.generated_tokens = generated;
  const double after_first_s = (tm.generate_ms - first_ms) / 1000.0;
  tm.tokens_per_s = generated > 1 && after_first_s > 0 ? static_cast<double>(generated - 1) / after_first_s : 0;
  out.text = std::move(text);
  out.layout = layout;
  out.stop = stop;
  out.threads = threads;
  out.cancelled = cancelled;
  return out;
}

Result<Answer> GenerateGguf(const ReaderInput& in, const AskOptions& o) {
  Answer ans;
  ans.passages = in.passages;
  if (in.passages.empty()) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    ans.trace.push_back({"decision", "no passage was retrieved; the model was not run"});
    return ans;
  }
  auto r = ChatGguf(BuildMessages(in.question, in.passages), ChatOptionsFrom(o));
  if (!r.ok()) return r.status();
  ans.timings = r->timings;
  const AnswerTimings& tm = ans.timings;
  char line[400];
  std::snprintf(line, sizeof line,
                "%zu passage(s) to %s in process (%s; %zu prompt tokens, %d threads): %zu token(s), stopped by %s; "
                "load %.1f ms, prompt %.1f ms, first token %.1f ms, %.1f tokens/s",
                in.passages.size(), o.llm_gguf.c_str(), r->layout.c_str(), tm.prompt_tokens, r->threads,
                tm.generated_tokens, r->stop.c_str(), tm.load_ms, tm.prompt_ms, tm.first_token_ms, tm.tokens_per_s);
  ans.trace.push_back({"generate", line});
  return FinishGenerated(in, o, r->text, std::move(ans));
}

#endif  // GLASSBOX_HAVE_LLAMA

}  // namespace glassbox::answer
