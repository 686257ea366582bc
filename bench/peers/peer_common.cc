#include "peers/peer_common.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

namespace gbbench {

std::string Args::Get(const std::string& k, const std::string& def) const {
  auto it = kv.find(k);
  return it == kv.end() ? def : it->second;
}

long Args::GetInt(const std::string& k, long def) const {
  auto it = kv.find(k);
  return it == kv.end() ? def : std::strtol(it->second.c_str(), nullptr, 10);
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  int i = 1;
  if (i < argc && argv[i][0] != '-') a.mode = argv[i++];
  for (; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) Die("unexpected argument: " + k);
    k = k.substr(2);
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) a.kv[k] = argv[++i];
    else a.kv[k] = "1";
  }
  return a;
}

void Die(const std::string& msg) {
  std::cerr << "error: " << msg << "\n";
  std::exit(1);
}

void ForEachCorpusDoc(const std::string& path, const std::function<void(const std::string&, const std::string&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(path + ": cannot open");
  std::string line, id, text;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) Die(path + ":" + std::to_string(n) + ": not a JSON object");
    auto idit = j.find("id");
    if (idit == j.end()) idit = j.find("_id");
    if (idit == j.end() || !idit->is_string()) Die(path + ":" + std::to_string(n) + ": missing \"id\"");
    id = idit->get<std::string>();
    text.clear();
    auto t = j.find("title");
    if (t != j.end() && t->is_string()) text = t->get<std::string>();
    auto b = j.find("text");
    if (b != j.end() && b->is_string()) {
      if (!text.empty()) text += ' ';
      text += b->get<std::string>();
    }
    fn(id, text);
  }
}

std::vector<BenchQuery> LoadBenchQueries(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(path + ": cannot open");
  std::vector<BenchQuery> out;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("query")) Die(path + ":" + std::to_string(n) + ": bad query line");
    BenchQuery q;
    q.text = j["query"].get<std::string>();
    q.cls = j.contains("tags") && !j["tags"].empty() ? j["tags"][0].get<std::string>() : "untagged";
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<Clause> ParseBenchQuery(const std::string& q) {
  std::vector<Clause> out;
  size_t i = 0;
  while (i < q.size()) {
    while (i < q.size() && q[i] == ' ') ++i;
    if (i >= q.size()) break;
    Clause c;
    if (q[i] == '+' || q[i] == '-') c.occur = q[i++];
    if (i < q.size() && q[i] == '"') {
      size_t end = q.find('"', i + 1);
      if (end == std::string::npos) end = q.size();
      c.words = Words(q.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t end = q.find(' ', i);
      if (end == std::string::npos) end = q.size();
      c.words = Words(q.substr(i, end - i));
      i = end;
    }
    if (!c.words.empty()) out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (unsigned char ch : text) {
    bool word = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80;
    if (word) {
      cur += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : static_cast<char>(ch);
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = s.size() - i;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

bool IsCjkCodePoint(const std::string& cp) {
  if (cp.size() < 3) return false;
  unsigned char c0 = cp[0], c1 = cp[1], c2 = cp[2];
  uint32_t v = cp.size() == 3 ? ((c0 & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F)
                              : ((c0 & 0x07) << 18) | ((c1 & 0x3F) << 12) | ((c2 & 0x3F) << 6) | (cp[3] & 0x3F);
  return (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x2FFFF) ||
         (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x3040 && v <= 0x30FF) || (v >= 0xAC00 && v <= 0xD7AF);
}

uint64_t DirBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  if (fs::is_regular_file(dir, ec)) return fs::file_size(dir, ec);
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

LatencyReport MeasureLatency(const std::vector<BenchQuery>& queries, int warmup, int reps,
                             const std::function<size_t(const BenchQuery&)>& run) {
  for (int w = 0; w < warmup; ++w)
    for (const auto& q : queries) run(q);
  struct Acc { std::vector<double> med; double hits = 0; };
  std::map<std::string, Acc> by_class;
  std::vector<double> t(reps);
  for (const auto& q : queries) {
    size_t hits = 0;
    for (int r = 0; r < reps; ++r) {
      double t0 = NowSeconds();
      hits = run(q);
      t[r] = (NowSeconds() - t0) * 1e6;
    }
    std::vector<double> s = t;
    std::sort(s.begin(), s.end());
    double med = reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
    for (const char* cls : {q.cls.c_str(), "all"}) {
      by_class[cls].med.push_back(med);
      by_class[cls].hits += hits;
    }
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (auto& [cls, acc] : by_class) {
    auto& v = acc.med;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    size_t n = v.size();
    double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    double p95 = v[std::min(n - 1, static_cast<size_t>(0.95 * (n - 1) + 0.5))];
    j[cls] = {{"queries", n}, {"mean_us", sum / n}, {"median_us", median}, {"p95_us", p95},
              {"avg_hits", acc.hits / n}};
  }
  return LatencyReport{j.dump()};
}

std::string JsonEscape(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace gbbench
