#include "vector/gguf_embedder.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#ifdef GLASSBOX_HAVE_LLAMA
#include <dlfcn.h>

#include "ggml-backend.h"
#include "ggml.h"
#include "llama.h"
#endif

namespace glassbox::vector {

std::string LlamaRelease() {
#if defined(GLASSBOX_HAVE_LLAMA) && defined(GLASSBOX_LLAMA_RELEASE)
  return GLASSBOX_LLAMA_RELEASE;
#elif defined(GLASSBOX_HAVE_LLAMA)
  return std::string("ggml ") + ggml_version();
#else
  return "";
#endif
}

#ifndef GLASSBOX_HAVE_LLAMA

namespace {
Status NoLlama() {
  return Status::Unsupported(
      "this Glassbox was built without llama.cpp, so GGUF models cannot be used; "
      "run scripts/fetch-llama.sh BUILD_DIR and configure again");
}
}  // namespace

Result<std::unique_ptr<GgufEmbedder>> GgufEmbedder::Open(const std::string&, int, int) { return NoLlama(); }
GgufEmbedder::~GgufEmbedder() = default;
Status GgufEmbedder::Embed(const std::vector<std::string>&, std::vector<float>*) { return NoLlama(); }
Result<std::vector<int32_t>> GgufEmbedder::Tokenize(const std::string&) const { return NoLlama(); }
Status GgufEmbedder::DecodeBatch(const std::vector<std::vector<int32_t>>&, float*) { return NoLlama(); }
Result<std::unique_ptr<GgufVocab>> GgufVocab::Open(const std::string&) { return NoLlama(); }
GgufVocab::~GgufVocab() = default;
Result<std::vector<int32_t>> GgufVocab::Tokenize(const std::string&, bool) const { return NoLlama(); }
std::string GgufVocab::Piece(int32_t) const { return ""; }
Status InitLlama() { return NoLlama(); }
std::string TakeLlamaError() { return ""; }

#else  // GLASSBOX_HAVE_LLAMA

namespace {

// llama.cpp logs through one process-wide callback. We keep the last error
// (to put in our messages) and stay quiet unless GLASSBOX_LLAMA_LOG is set.
std::mutex g_log_mu;
std::string g_last_error;
bool g_log_verbose = false;

void LogCallback(ggml_log_level level, const char* text, void*) {
  if (g_log_verbose) std::fputs(text, stderr);
  if (level == GGML_LOG_LEVEL_ERROR) {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_last_error = text;
    while (!g_last_error.empty() && (g_last_error.back() == '\n' || g_last_error.back() == ' ')) {
      g_last_error.pop_back();
    }
  }
}

std::string TakeLastError() {
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::string e = std::move(g_last_error);
  g_last_error.clear();
  return e;
}

// Loads the CPU backend once. The prebuilt libraries are built with
// GGML_BACKEND_DL: the CPU code is in libggml-cpu-<microarch>.so next to
// libggml-base.so, loaded here (the best one for this CPU is chosen).
Status InitBackend() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] {
    g_log_verbose = std::getenv("GLASSBOX_LLAMA_LOG") != nullptr;
    llama_log_set(LogCallback, nullptr);
    std::string dir;
    Dl_info dl{};
    if (dladdr(reinterpret_cast<void*>(&ggml_backend_load_all_from_path), &dl) && dl.dli_fname) {
      dir = dl.dli_fname;
      size_t slash = dir.rfind('/');
      dir = slash == std::string::npos ? "." : dir.substr(0, slash);
    }
    if (ggml_backend_dev_count() == 0) {
      ggml_backend_load_all_from_path(dir.empty() ? nullptr : dir.c_str());
    }
    llama_backend_init();
    if (ggml_backend_dev_count() == 0) {
      status = Status::Unsupported("llama.cpp found no CPU backend (libggml-cpu-*.so) in " +
                                   (dir.empty() ? std::string("the library path") : dir));
    }
  });
  return status;
}

const char* PoolingName(enum llama_pooling_type t) {
  switch (t) {
    case LLAMA_POOLING_TYPE_NONE: return "none";
    case LLAMA_POOLING_TYPE_MEAN: return "mean";
    case LLAMA_POOLING_TYPE_CLS: return "cls";
    case LLAMA_POOLING_TYPE_LAST: return "last";
    case LLAMA_POOLING_TYPE_RANK: return "rank";
    default: return "unspecified";
  }
}

// Checks the file is there and a GGUF file; returns its size, mtime and an
// FNV-1a hash of its first MiB (for the fingerprint).
Status InspectFile(const std::string& path, std::string* fingerprint_part) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound("model file not found: " + path);
    return Status::IOError("cannot stat model file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("model path is not a file: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open model file " + path + ": " + std::strerror(errno));
  std::string head(1 << 20, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.size() < 4 || head.compare(0, 4, "GGUF") != 0) {
    return Status::InvalidArgument(path + " is not a GGUF model file (no GGUF magic)");
  }
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : head) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[160];
  std::snprintf(buf, sizeof(buf), "size=%lld;mtime=%lld.%09ld;head1m=%016llx",
                static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec),
                static_cast<long>(st.st_mtim.tv_nsec), static_cast<unsigned long long>(h));
  *fingerprint_part = buf;
  return Status::OK();
}

Result<std::vector<int32_t>> TokenizeWith(const llama_vocab* vocab, const std::string& text, bool add_special) {
  if (text.size() > static_cast<size_t>(INT32_MAX / 2)) return Status::InvalidArgument("text too long to tokenize");
  std::vector<llama_token> tokens(text.size() + 8);
  // parse_special = false: text that looks like a special token ("[SEP]")
  // is tokenized as plain text.
  int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), add_special, /*parse_special=*/false);
  if (n < 0) {
    if (n == INT32_MIN) return Status::InvalidArgument("text too long to tokenize");
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, false);
    if (n < 0) return Status::InvalidArgument("llama.cpp could not tokenize the text");
  }
  tokens.resize(static_cast<size_t>(n));
  return std::vector<int32_t>(tokens.begin(), tokens.end());
}

void L2Normalize(float* v, int dim) {
  double ss = 0;
  for (int i = 0; i < dim; ++i) ss += static_cast<double>(v[i]) * v[i];
  if (ss <= 0 || !std::isfinite(ss)) {
    std::fill(v, v + dim, 0.0f);
    return;
  }
  const float inv = static_cast<float>(1.0 / std::sqrt(ss));
  for (int i = 0; i < dim; ++i) v[i] *= inv;
}

}  // namespace

Result<std::unique_ptr<GgufEmbedder>> GgufEmbedder::Open(const std::string& model_path, int threads,
                                                         int max_tokens) {
  std::string file_part;
  GB_RETURN_IF_ERROR(InspectFile(model_path, &file_part));
  GB_RETURN_IF_ERROR(InitBackend());
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (max_tokens <= 0) max_tokens = kDefaultMaxTokens;

  std::unique_ptr<GgufEmbedder> e(new GgufEmbedder());
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;  // CPU only
  TakeLastError();
  e->model_ = llama_model_load_from_file(model_path.c_str(), mp);
  if (e->model_ == nullptr) {
    std::string why = TakeLastError();
    return Status::InvalidArgument("cannot load model " + model_path + " with llama.cpp " + LlamaRelease() +
                                   (why.empty() ? "" : ": " + why));
  }
  if (llama_model_has_encoder(e->model_) && llama_model_has_decoder(e->model_)) {
    return Status::InvalidArgument("model " + model_path +
                                   " is an encoder-decoder model; embeddings from it are not supported");
  }

  const int n_ctx_train = llama_model_n_ctx_train(e->model_);
  const int n_tok = std::max(8, n_ctx_train > 0 ? std::min(n_ctx_train, max_tokens) : max_tokens);

  llama_context_params cp = llama_context_default_params();
  // One batch holds up to n_tok tokens in all; non-causal models (BERT)
  // need the whole batch in one micro-batch, so n_ubatch = n_batch.
  cp.n_ctx = static_cast<uint32_t>(n_tok);
  cp.n_batch = static_cast<uint32_t>(n_tok);
  cp.n_ubatch = static_cast<uint32_t>(n_tok);
  cp.n_seq_max = 64;
  cp.kv_unified = true;  // the sequences of one batch share the context
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.embeddings = true;
  cp.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;  // the model's own (metadata)
  cp.no_perf = true;
  // Flash attention off: its CPU kernel rounds through F16 differently
  // depending on how many tokens share the batch, so a text's vector would
  // depend on its batch neighbours (by ~1e-4). Without it, a vector is a
  // function of the text alone (batched == one at a time, to ~1e-5).
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  e->ctx_ = llama_init_from_model(e->model_, cp);
  if (e->ctx_ == nullptr) {
    std::string why = TakeLastError();
    return Status::InvalidArgument("cannot create a llama.cpp context for " + model_path +
                                   (why.empty() ? "" : ": " + why));
  }
  const enum llama_pooling_type pooling = llama_pooling_type(e->ctx_);
  if (pooling == LLAMA_POOLING_TYPE_RANK) {
    return Status::InvalidArgument("model " + model_path + " is a reranker, not an embedding model");
  }
  if (pooling == LLAMA_POOLING_TYPE_NONE || pooling == LLAMA_POOLING_TYPE_UNSPECIFIED) {
    return Status::InvalidArgument("model " + model_path +
                                   " is not an embedding model (its metadata sets no pooling type, "
                                   "so it has no one-vector-per-text output)");
  }
  e->pooling_ = PoolingName(pooling);

  const uint32_t cap = std::min({llama_n_ctx(e->ctx_), llama_n_batch(e->ctx_), llama_n_ubatch(e->ctx_)});
  e->max_tokens_ = std::min<int>(n_tok, static_cast<int>(cap));
  e->max_seqs_ = static_cast<int>(std::min<uint32_t>(llama_n_seq_max(e->ctx_), 64));
  const llama_vocab* vocab = llama_model_get_vocab(e->model_);
  e->keep_last_token_ = llama_vocab_get_add_eos(vocab) || llama_vocab_get_add_sep(vocab);

  e->info_.kind = "gguf";
  e->info_.model = model_path;
  // The pooled vector's size: n_embd, or the output projection's size for
  // models that have one (n_embd_out == n_embd otherwise).
  e->info_.dim = llama_model_n_embd_out(e->model_);
  if (e->info_.dim <= 0) e->info_.dim = llama_model_n_embd(e->model_);
  e->info_.fingerprint = "gguf;" + file_part + ";pooling=" + e->pooling_ + ";dim=" + std::to_string(e->info_.dim) +
                         ";max_tokens=" + std::to_string(e->max_tokens_);
  return e;
}

GgufEmbedder::~GgufEmbedder() {
  if (ctx_) llama_free(ctx_);
  if (model_) llama_model_free(model_);
}

Result<std::vector<int32_t>> GgufEmbedder::Tokenize(const std::string& text) const {
  return TokenizeWith(llama_model_get_vocab(model_), text, /*add_special=*/true);
}

Status GgufEmbedder::DecodeBatch(const std::vector<std::vector<int32_t>>& seqs, float* out) {
  size_t total = 0;
  for (const auto& s : seqs) total += s.size();
  llama_batch batch = llama_batch_init(static_cast<int32_t>(total), 0, 1);
  batch.n_tokens = 0;
  for (size_t s = 0; s < seqs.size(); ++s) {
    for (size_t i = 0; i < seqs[s].size(); ++i) {
      const int j = batch.n_tokens++;
      batch.token[j] = seqs[s][i];
      batch.pos[j] = static_cast<llama_pos>(i);
      batch.n_seq_id[j] = 1;
      batch.seq_id[j][0] = static_cast<llama_seq_id>(s);
      batch.logits[j] = 1;
    }
  }
  // Embeddings need no state from earlier batches.
  llama_memory_clear(llama_get_memory(ctx_), true);
  TakeLastError();
  const bool encoder_only = llama_model_has_encoder(model_) && !llama_model_has_decoder(model_);
  const int32_t rc = encoder_only ? llama_encode(ctx_, batch) : llama_decode(ctx_, batch);
  llama_batch_free(batch);
  if (rc != 0) {
    std::string why = TakeLastError();
    return Status::IOError("llama.cpp failed to evaluate " + std::to_string(seqs.size()) + " texts (" +
                           std::to_string(total) + " tokens), code " + std::to_string(rc) +
                           (why.empty() ? "" : ": " + why));
  }
  const int dim = info_.dim;
  for (size_t s = 0; s < seqs.size(); ++s) {
    const float* v = llama_get_embeddings_seq(ctx_, static_cast<llama_seq_id>(s));
    if (v == nullptr) return Status::IOError("llama.cpp returned no embedding for sequence " + std::to_string(s));
    std::copy(v, v + dim, out + s * dim);
    // Unit length regardless of the model's own normalization: Glassbox
    // compares vectors by cosine = dot product of unit vectors.
    L2Normalize(out + s * dim, dim);
  }
  return Status::OK();
}

Status GgufEmbedder::Embed(const std::vector<std::string>& texts, std::vector<float>* out) {
  const int dim = info_.dim;
  out->assign(texts.size() * static_cast<size_t>(dim), 0.0f);
  const llama_vocab* vocab = llama_model_get_vocab(model_);

  std::vector<std::vector<int32_t>> seqs;
  std::vector<size_t> where;  // index in texts of each entry of seqs
  size_t batch_tokens = 0;
  std::vector<float> pooled;
  auto flush = [&]() -> Status {
    if (seqs.empty()) return Status::OK();
    pooled.resize(seqs.size() * dim);
    GB_RETURN_IF_ERROR(DecodeBatch(seqs, pooled.data()));
    for (size_t s = 0; s < seqs.size(); ++s) {
      std::copy(pooled.begin() + s * dim, pooled.begin() + (s + 1) * dim, out->begin() + where[s] * dim);
    }
    seqs.clear();
    where.clear();
    batch_tokens = 0;
    return Status::OK();
  };

  for (size_t t = 0; t < texts.size(); ++t) {
    auto tok = TokenizeWith(vocab, texts[t], /*add_special=*/true);
    if (!tok.ok()) return tok.status();
    std::vector<int32_t> ids = std::move(tok.value());
    if (ids.empty()) continue;  // nothing to embed: stays the zero vector
    // Truncation: a text longer than the context (max_tokens_) keeps its
    // first max_tokens_ tokens; the closing special token ([SEP], EOS) that
    // the tokenizer appended is moved to the end so pooling that reads it
    // (CLS/last) still sees a well-formed input. Chunking long documents is
    // the caller's business.
    if (static_cast<int>(ids.size()) > max_tokens_) {
      const int32_t last = ids.back();
      ids.resize(static_cast<size_t>(max_tokens_));
      if (keep_last_token_) ids.back() = last;
    }
    if (batch_tokens + ids.size() > static_cast<size_t>(max_tokens_) ||
        static_cast<int>(seqs.size()) >= max_seqs_) {
      GB_RETURN_IF_ERROR(flush());
    }
    batch_tokens += ids.size();
    seqs.push_back(std::move(ids));
    where.push_back(t);
  }
  return flush();
}

Result<std::unique_ptr<GgufVocab>> GgufVocab::Open(const std::string& path) {
  std::string file_part;
  GB_RETURN_IF_ERROR(InspectFile(path, &file_part));
  GB_RETURN_IF_ERROR(InitBackend());
  llama_model_params mp = llama_model_default_params();
  mp.vocab_only = true;
  mp.n_gpu_layers = 0;
  TakeLastError();
  std::unique_ptr<GgufVocab> v(new GgufVocab());
  v->model_ = llama_model_load_from_file(path.c_str(), mp);
  if (v->model_ == nullptr) {
    std::string why = TakeLastError();
    return Status::InvalidArgument("cannot load the vocabulary of " + path + (why.empty() ? "" : ": " + why));
  }
  return v;
}

GgufVocab::~GgufVocab() {
  if (model_) llama_model_free(model_);
}

Result<std::vector<int32_t>> GgufVocab::Tokenize(const std::string& text, bool add_special) const {
  return TokenizeWith(llama_model_get_vocab(model_), text, add_special);
}

std::string GgufVocab::Piece(int32_t token) const {
  char buf[256];
  int32_t n = llama_token_to_piece(llama_model_get_vocab(model_), token, buf, sizeof(buf), 0, true);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

Status InitLlama() { return InitBackend(); }
std::string TakeLlamaError() { return TakeLastError(); }

#endif  // GLASSBOX_HAVE_LLAMA

}  // namespace glassbox::vector
