// gen_corpus: a deterministic synthetic English corpus for speed benchmarks.
//
//   gen_corpus --out FILE.jsonl [--docs 1000000] [--seed 42] [--mean-len 120]
//              [--sigma 0.6] [--zipf 1.0] [--phrase-rate 0.002] [--dict /usr/share/dict/words]
//              [--queries ../shared/benchmarks/aol-queries.jsonl]
//
// Vocabulary: the dictionary lowercased, letters-only, deduplicated. Ranks:
// ~100 common English function words first (so "the" is the most frequent
// word), then every word of the query file at a seeded log-uniform rank (so
// query words range from common to rare and queries have realistic hit
// counts), the remaining words in a seeded shuffled order. Tokens are drawn
// Zipf(s) over the ranks (Vose alias table); document lengths are log-normal
// with the given mean. At a token position, with probability --phrase-rate,
// one of the query file's quoted phrases is written instead (phrases drawn
// Zipf(1) in a seeded order), so phrase queries have hits. Output: {"id":"d0","text":"..."} one a line. Same flags,
// same bytes, on every machine (own PRNG: xoshiro256** seeded by splitmix64).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {  // xoshiro256**
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = SplitMix64(seed);
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<__uint128_t>(Next()) * n) >> 64); }
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Normal() {
    double u1 = Uniform(), u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Vose's alias method: O(1) sampling from a discrete distribution.
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& w) : prob_(w.size()), alias_(w.size()) {
    size_t n = w.size();
    double sum = 0;
    for (double x : w) sum += x;
    std::vector<double> p(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      p[i] = w[i] * n / sum;
      (p[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = p[s];
      alias_[s] = l;
      p[l] -= 1.0 - p[s];
      if (p[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (uint32_t i : large) prob_[i] = 1.0, alias_[i] = i;
    for (uint32_t i : small) prob_[i] = 1.0, alias_[i] = i;
  }
  uint32_t Sample(Rng& rng) const {
    uint64_t r = rng.Next();
    uint32_t i = static_cast<uint32_t>((static_cast<__uint128_t>(r) * prob_.size()) >> 64);
    double u = (r & 0xFFFFFFFF) * 0x1.0p-32;  // low bits: independent enough of the high bits used for i
    return u < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

// The most frequent English words, roughly in frequency order.
const char* const kCommon[] = {
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
    "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you",
    "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will",
    "would", "who", "so", "no", "she", "other", "its", "may", "these", "what", "them", "than", "some", "him",
    "time", "into", "only", "do", "could", "new", "about", "two", "first", "then", "also", "any", "my", "now",
    "such", "like", "our", "over", "man", "me", "even", "most", "made", "after", "many", "must", "before",
    "years", "where", "did", "through", "should", "because", "each", "just", "those", "people", "how", "too",
    "little", "state", "good", "very", "make", "world", "still", "own", "see", "men", "work", "long", "get",
    "here", "between", "both", "life", "being", "under", "never", "day", "same", "another", "know", "while",
    "last", "might", "us", "great", "old", "year", "off", "come", "since", "against", "go", "came", "right",
    "used", "take", "three"};

std::string Flag(int argc, char** argv, const char* name, const char* def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return def;
}

// Word sequences of the quoted phrases in the query file.
std::vector<std::string> QueryPhrases(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("query")) continue;
    std::string q = j["query"].get<std::string>();
    for (size_t a = q.find('"'); a != std::string::npos; a = q.find('"', a + 1)) {
      size_t b = q.find('"', a + 1);
      if (b == std::string::npos) break;
      std::string p, cur;
      for (char c : q.substr(a + 1, b - a - 1) + " ") {
        if (std::isalnum(static_cast<unsigned char>(c))) {
          cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!cur.empty()) {
          p += (p.empty() ? "" : " ") + cur;
          cur.clear();
        }
      }
      if (p.find(' ') != std::string::npos) out.push_back(p);
      a = b;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> QueryWords(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  if (!in) {
    std::cerr << "gen_corpus: " << path << ": cannot open\n";
    std::exit(1);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("query")) continue;
    std::string q = j["query"].get<std::string>(), cur;
    for (char c : q + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!cur.empty()) {
        out.push_back(cur);
        cur.clear();
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::cerr << "usage: gen_corpus --out FILE [--docs N] [--seed S] [--mean-len L] [--sigma S] [--zipf S] "
                   "[--dict FILE] [--queries FILE]\n";
      return 0;
    }
  std::string out_path = Flag(argc, argv, "--out", "");
  if (out_path.empty()) {
    std::cerr << "gen_corpus: --out FILE is required\n";
    return 2;
  }
  uint64_t docs = std::strtoull(Flag(argc, argv, "--docs", "1000000").c_str(), nullptr, 10);
  uint64_t seed = std::strtoull(Flag(argc, argv, "--seed", "42").c_str(), nullptr, 10);
  double mean_len = std::atof(Flag(argc, argv, "--mean-len", "120").c_str());
  double sigma = std::atof(Flag(argc, argv, "--sigma", "0.6").c_str());
  double zipf = std::atof(Flag(argc, argv, "--zipf", "1.0").c_str());
  // Chance that a token position starts one of the query file's phrases instead,
  // so that phrase queries match (independent words are almost never adjacent).
  double phrase_rate = std::atof(Flag(argc, argv, "--phrase-rate", "0.002").c_str());
  std::string dict = Flag(argc, argv, "--dict", "/usr/share/dict/words");
  const char* data_env = std::getenv("GLASSBOX_DATA");
  std::string queries = Flag(argc, argv, "--queries",
                             ((data_env && *data_env) ? std::string(data_env) : std::string("../shared")).append(
                                 "/benchmarks/aol-queries.jsonl").c_str());

  // Vocabulary.
  std::set<std::string> dict_words;
  {
    std::ifstream in(dict);
    if (!in) {
      std::cerr << "gen_corpus: " << dict << ": cannot open (install wamerican)\n";
      return 1;
    }
    std::string w;
    while (std::getline(in, w)) {
      bool ok = !w.empty();
      for (char& c : w) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (c < 'a' || c > 'z') ok = false;
      }
      if (ok) dict_words.insert(w);
    }
  }
  std::vector<std::string> common(std::begin(kCommon), std::end(kCommon));
  std::set<std::string> placed(common.begin(), common.end());
  std::vector<std::string> qwords;
  for (auto& w : QueryWords(queries))
    if (placed.insert(w).second) qwords.push_back(w);
  std::sort(qwords.begin(), qwords.end());
  std::vector<std::string> rest;
  for (const auto& w : dict_words)
    if (!placed.count(w)) rest.push_back(w);

  Rng rng(seed);
  auto shuffle = [&](std::vector<std::string>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Below(i)]);
  };
  shuffle(rest);
  shuffle(qwords);
  const size_t V = common.size() + qwords.size() + rest.size();
  std::vector<std::string> vocab(V);
  std::vector<bool> used(V, false);
  for (size_t i = 0; i < common.size(); ++i) vocab[i] = common[i], used[i] = true;
  // Query words at log-uniform ranks in [common, V).
  const double lo = std::log(static_cast<double>(common.size())), hi = std::log(static_cast<double>(V));
  for (const auto& w : qwords) {
    size_t r = static_cast<size_t>(std::exp(lo + rng.Uniform() * (hi - lo)));
    r = std::min(std::max(r, common.size()), V - 1);
    while (used[r]) r = (r + 1 < V) ? r + 1 : common.size();
    vocab[r] = w;
    used[r] = true;
  }
  size_t next = 0;
  for (size_t r = 0; r < V; ++r)
    if (!used[r]) vocab[r] = rest[next++];

  std::vector<double> weights(V);
  for (size_t r = 0; r < V; ++r) weights[r] = 1.0 / std::pow(static_cast<double>(r + 1), zipf);
  AliasTable table(weights);
  std::vector<std::string> phrases = QueryPhrases(queries);
  shuffle(phrases);
  std::vector<double> pw(phrases.size());
  for (size_t i = 0; i < pw.size(); ++i) pw[i] = 1.0 / static_cast<double>(i + 1);
  AliasTable phrase_table(pw.empty() ? std::vector<double>{1.0} : pw);
  const uint64_t phrase_threshold =
      phrases.empty() ? 0 : static_cast<uint64_t>(phrase_rate * 18446744073709551615.0);

  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (!out) {
    std::cerr << "gen_corpus: " << out_path << ": cannot create\n";
    return 1;
  }
  const double mu = std::log(mean_len) - sigma * sigma / 2;  // mean of the log-normal = mean_len
  std::string buf;
  buf.reserve(1 << 22);
  uint64_t tokens = 0, bytes = 0;
  for (uint64_t d = 0; d < docs; ++d) {
    long len = std::lround(std::exp(mu + sigma * rng.Normal()));
    len = std::clamp(len, 5L, 4000L);
    buf += "{\"id\":\"d";
    buf += std::to_string(d);
    buf += "\",\"text\":\"";
    for (long i = 0; i < len; ++i) {
      if (i) buf += ' ';
      if (phrase_threshold && rng.Next() < phrase_threshold) {
        const std::string& p = phrases[phrase_table.Sample(rng)];
        buf += p;
        i += std::count(p.begin(), p.end(), ' ');  // a phrase of n words uses n positions
      } else {
        buf += vocab[table.Sample(rng)];
      }
    }
    buf += "\"}\n";
    tokens += len;
    if (buf.size() > (1 << 22) - 65536) {
      bytes += buf.size();
      std::fwrite(buf.data(), 1, buf.size(), out);
      buf.clear();
    }
  }
  bytes += buf.size();
  std::fwrite(buf.data(), 1, buf.size(), out);
  if (std::fclose(out) != 0) {
    std::cerr << "gen_corpus: " << out_path << ": write failed\n";
    return 1;
  }
  std::fprintf(stderr, "gen_corpus: %llu docs, %llu tokens (mean %.1f), vocabulary %zu (%zu query words), %llu bytes\n",
               (unsigned long long)docs, (unsigned long long)tokens, docs ? double(tokens) / docs : 0.0, V,
               qwords.size(), (unsigned long long)bytes);
  return 0;
}
