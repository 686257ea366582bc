// Shared pieces of the peer drivers (Xapian, SQLite FTS5): flags, corpus and
// query-set readers, latency statistics and the result JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gbbench {

// --key value flags after a mode word: prog MODE --a 1 --b x
struct Args {
  std::string mode;
  std::map<std::string, std::string> kv;
  std::string Get(const std::string& k, const std::string& def = "") const;
  long GetInt(const std::string& k, long def) const;
  bool Has(const std::string& k) const { return kv.count(k) > 0; }
};
Args ParseArgs(int argc, char** argv);
[[noreturn]] void Die(const std::string& msg);

// Reads a generated corpus: one {"id":..,"text":..} (or BEIR "_id","title","text") a line.
// fn(id, text) per document; title and text are joined with a space.
void ForEachCorpusDoc(const std::string& path, const std::function<void(const std::string&, const std::string&)>& fn);

struct BenchQuery {
  std::string text;   // as in the file: a b | +a +b | "a b" | +a -b
  std::string cls;    // the first tag
};
std::vector<BenchQuery> LoadBenchQueries(const std::string& path);

// Query syntax pieces of a bench query: each clause is a word or a quoted phrase,
// with an occurrence: '+' must, '-' must not, ' ' should.
struct Clause {
  char occur = ' ';
  std::vector<std::string> words;  // >1: a phrase
};
std::vector<Clause> ParseBenchQuery(const std::string& q);

// Words of free text: maximal runs of ASCII letters/digits or non-ASCII bytes,
// lowercased (ASCII only). What FTS5's unicode61 tokenizer would roughly see.
std::vector<std::string> Words(const std::string& text);
// UTF-8 code points of s, each as its own string.
std::vector<std::string> CodePoints(const std::string& s);
bool IsCjkCodePoint(const std::string& cp);

inline double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Sum of the sizes of the regular files under dir.
uint64_t DirBytes(const std::string& dir);

// Runs every query `warmup` times (whole set), then each query `reps` times
// and keeps its median. run(query) returns the number of hits returned.
struct LatencyReport {
  std::string json;  // {"union":{"queries":..,"mean_us":..,"median_us":..,"p95_us":..,"avg_hits":..},...}
};
LatencyReport MeasureLatency(const std::vector<BenchQuery>& queries, int warmup, int reps,
                             const std::function<size_t(const BenchQuery&)>& run);

std::string JsonEscape(const std::string& s);

}  // namespace gbbench
