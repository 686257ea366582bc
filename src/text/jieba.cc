#include "text/jieba.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

namespace glassbox::text {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

inline uint64_t HashStep(uint64_t h, unsigned char b) { return (h ^ b) * kFnvPrime; }
inline uint64_t Hash(std::string_view s) {
  uint64_t h = kFnvOffset;
  for (unsigned char b : s) h = HashStep(h, b);
  return h;
}
inline size_t Mix(uint64_t h) { return static_cast<size_t>(h ^ (h >> 29)); }

// Length of the UTF-8 sequence that starts with byte b (1 for invalid leads).
inline size_t Utf8Len(unsigned char b) {
  if (b < 0xC0) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

}  // namespace

const JiebaDict::Slot* JiebaDict::Find(std::string_view key, uint64_t hash) const {
  size_t i = Mix(hash) & mask_;
  while (true) {
    const Slot& s = slots_[i];
    if (s.len == 0) return nullptr;
    if (s.len == key.size() && std::memcmp(data_.data() + s.off, key.data(), key.size()) == 0) return &s;
    i = (i + 1) & mask_;
  }
}

JiebaDict::Slot* JiebaDict::Insert(uint32_t off, uint16_t len, uint64_t hash, bool* inserted) {
  if ((count_ + 1) * 4 > slots_.size() * 3) Grow();
  size_t i = Mix(hash) & mask_;
  while (true) {
    Slot& s = slots_[i];
    if (s.len == 0) {
      s.off = off;
      s.len = len;
      ++count_;
      *inserted = true;
      return &s;
    }
    if (s.len == len && std::memcmp(data_.data() + s.off, data_.data() + off, len) == 0) {
      *inserted = false;
      return &s;
    }
    i = (i + 1) & mask_;
  }
}

void JiebaDict::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot());
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.len == 0) continue;
    size_t i = Mix(Hash(std::string_view(data_.data() + s.off, s.len))) & mask_;
    while (slots_[i].len != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

Result<std::shared_ptr<const JiebaDict>> JiebaDict::Load(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound("jieba dictionary not found: " + path);
  auto dict = std::make_shared<JiebaDict>();
  std::string& data = dict->data_;
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, got);
  bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return Status::IOError("cannot read jieba dictionary: " + path);
  if (data.size() >= UINT32_MAX) return Status::InvalidArgument("jieba dictionary too large: " + path);

  size_t lines = 0;
  for (char c : data) lines += (c == '\n');
  size_t cap = 1024;
  while (cap * 3 < (lines + 1) * 2 * 4) cap *= 2;  // about 1.4 keys per line, load <= 0.75
  dict->slots_.assign(cap, Slot());
  dict->mask_ = cap - 1;

  const char* p = data.data();
  const char* end = p + data.size();
  double total = 0;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* le = nl ? nl : end;
    const char* sp = static_cast<const char*>(std::memchr(p, ' ', le - p));
    const char* we = sp ? sp : le;
    while (we > p && (we[-1] == '\r')) --we;
    size_t wlen = we - p;
    if (wlen > 0 && wlen < 65535) {
      double freq = 0;
      if (sp) {
        const char* q = sp + 1;
        while (q < le && *q >= '0' && *q <= '9') freq = freq * 10 + (*q++ - '0');
      }
      total += freq;
      const uint32_t off = static_cast<uint32_t>(p - data.data());
      // Prefixes (marked as prefix-only unless they are words themselves).
      uint64_t h = kFnvOffset;
      size_t i = 0, chars = 0;
      while (i < wlen) {
        size_t cl = Utf8Len(static_cast<unsigned char>(p[i]));
        if (i + cl > wlen) cl = wlen - i;
        for (size_t k = 0; k < cl; ++k) h = HashStep(h, static_cast<unsigned char>(p[i + k]));
        i += cl;
        ++chars;
        bool inserted;
        Slot* s = dict->Insert(off, static_cast<uint16_t>(i), h, &inserted);
        if (i == wlen) {
          // jieba: a later line for the same word overrides an earlier one.
          if (s->word == 0 && freq > 0) ++dict->words_;
          if (s->word == 1 && freq <= 0) --dict->words_;
          s->word = freq > 0 ? 1 : 0;
          s->logp = freq;
        } else if (inserted) {
          s->word = 0;
          s->logp = 0;
        }
      }
      if (chars > dict->max_chars_) dict->max_chars_ = chars;
    }
    p = le + 1;
  }
  if (total <= 0) total = 1;
  dict->total_ = total;
  const double logtotal = std::log(total);
  dict->min_logp_ = -logtotal;
  for (Slot& s : dict->slots_) {
    if (s.len != 0 && s.word) s.logp = std::log(s.logp) - logtotal;
  }
  return std::shared_ptr<const JiebaDict>(std::move(dict));
}

Result<std::shared_ptr<const JiebaDict>> JiebaDict::Shared(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const JiebaDict>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  auto r = Load(path);
  if (!r.ok()) return r.status();
  cache.emplace(path, r.value());
  return r.value();
}

bool JiebaDict::LogProb(std::string_view word, double* logp) const {
  const Slot* s = Find(word, Hash(word));
  if (s == nullptr || !s->word) return false;
  *logp = s->logp;
  return true;
}

void JiebaDict::Cut(std::string_view utf8, const std::vector<uint32_t>& char_starts,
                    std::vector<uint32_t>* word_ends) const {
  const size_t n = char_starts.size() - 1;
  if (n == 0) return;
  // route[i]: best log probability of segmenting chars [i, n); next[i]: end of its first word.
  thread_local std::vector<double> route;
  thread_local std::vector<uint32_t> next;
  route.assign(n + 1, 0.0);
  next.assign(n, 0);
  const char* base = utf8.data();
  for (size_t idx = n; idx-- > 0;) {
    double best = 0;
    uint32_t best_end = 0;
    bool found = false;
    uint64_t h = kFnvOffset;
    for (size_t j = idx + 1; j <= n && j - idx <= max_chars_; ++j) {
      for (uint32_t b = char_starts[j - 1]; b < char_starts[j]; ++b) h = HashStep(h, static_cast<unsigned char>(base[b]));
      const Slot* s = Find(std::string_view(base + char_starts[idx], char_starts[j] - char_starts[idx]), h);
      if (s == nullptr) break;  // no dictionary word has this prefix
      if (!s->word) continue;
      double score = s->logp + route[j];
      // Ties go to the longer word, as in jieba (max over (score, end) tuples).
      if (!found || score >= best) {
        best = score;
        best_end = static_cast<uint32_t>(j);
        found = true;
      }
    }
    if (!found) {
      best = min_logp_ + route[idx + 1];
      best_end = static_cast<uint32_t>(idx + 1);
    }
    route[idx] = best;
    next[idx] = best_end;
  }
  for (size_t i = 0; i < n; i = next[i]) word_ends->push_back(next[i]);
}

}  // namespace glassbox::text
