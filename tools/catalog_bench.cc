// The schema catalog at scale (bench/sql_catalog): loads the catalog of an
// SQLite database (a Glassbox table store, or any SQLite file), then for each
// question of a JSON-lines file {"question", "table", "column"} retrieves the
// top-k tables and columns (table::Catalog::Retrieve) and reports the share
// whose gold table / (table, column) is in the top k, and the retrieval latency
// (median of --repeat runs per question; p50 / p99 over questions).
//
//   catalog_bench --db enterprise.sqlite --questions questions.jsonl [--k 3] [--repeat 3] [--misses N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "table/catalog.h"

using namespace glassbox;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string db_path, questions_path;
  size_t k = 3, repeat = 3, misses = 0, limit = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "catalog_bench: %s needs a value\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--db") db_path = next();
    else if (a == "--questions") questions_path = next();
    else if (a == "--k") k = std::stoul(next());
    else if (a == "--repeat") repeat = std::max<size_t>(1, std::stoul(next()));
    else if (a == "--misses") misses = std::stoul(next());
    else if (a == "--limit") limit = std::stoul(next());
    else { std::fprintf(stderr, "catalog_bench: unknown option %s\n", a.c_str()); return 2; }
  }
  if (db_path.empty() || questions_path.empty()) {
    std::fprintf(stderr, "usage: catalog_bench --db DB --questions FILE.jsonl [--k 3] [--repeat 3] [--misses N]\n");
    return 2;
  }
  auto db = table::ReadOnlyDatabase::Open(db_path);
  if (!db.ok()) { std::fprintf(stderr, "catalog_bench: %s\n", db.status().message().c_str()); return 1; }
  auto t0 = Clock::now();
  auto catalog = table::Catalog::Load(**db);
  if (!catalog.ok()) { std::fprintf(stderr, "catalog_bench: %s\n", catalog.status().message().c_str()); return 1; }
  double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto& tables = (*catalog)->tables();
  size_t columns = 0;
  for (auto& t : tables) columns += t.columns.size();
  std::ifstream in(questions_path);
  if (!in) { std::fprintf(stderr, "catalog_bench: cannot read %s\n", questions_path.c_str()); return 1; }
  std::string line;
  size_t n = 0, table1 = 0, tablek = 0, columnk = 0, line_no = 0;
  std::map<std::string, std::pair<size_t, size_t>> by_via;  // column_via -> (right, total)
  std::vector<double> lat_ms;
  (*catalog)->Retrieve("warm up", k);
  while (std::getline(in, line) && (limit == 0 || n < limit)) {
    ++line_no;
    auto q = nlohmann::json::parse(line, nullptr, false);
    if (q.is_discarded() || !q.contains("question")) {
      std::fprintf(stderr, "catalog_bench: %s:%zu: not a question object\n", questions_path.c_str(), line_no);
      return 1;
    }
    std::string question = q["question"], gold_t = q.value("table", ""), gold_c = q.value("column", "");
    std::vector<double> runs;
    table::Catalog::Retrieval r;
    for (size_t i = 0; i < repeat; ++i) {
      auto s = Clock::now();
      r = (*catalog)->Retrieve(question, k);
      runs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
    }
    std::sort(runs.begin(), runs.end());
    lat_ms.push_back(runs[runs.size() / 2]);
    ++n;
    bool t_ok = false, c_ok = false;
    for (size_t i = 0; i < r.tables.size(); ++i)
      if (tables[r.tables[i].table].name == gold_t) { t_ok = true; table1 += i == 0; }
    for (auto& c : r.columns)
      c_ok |= tables[c.table].name == gold_t && tables[c.table].columns[c.column].name == gold_c;
    tablek += t_ok, columnk += c_ok;
    auto& v = by_via[q.value("column_via", "")];
    v.first += c_ok, ++v.second;
    if ((!t_ok || !c_ok) && misses > 0) {
      --misses;
      std::printf("miss: %s (gold %s.%s)\n", question.c_str(), gold_t.c_str(), gold_c.c_str());
      for (auto& c : r.tables) std::printf("   table %s %.2f: %s\n", tables[c.table].name.c_str(), c.score, c.why.c_str());
      for (auto& c : r.columns)
        std::printf("   column %s.%s %.2f\n", tables[c.table].name.c_str(), tables[c.table].columns[c.column].name.c_str(), c.score);
    }
  }
  if (n == 0) { std::fprintf(stderr, "catalog_bench: no questions\n"); return 1; }
  std::sort(lat_ms.begin(), lat_ms.end());
  auto pct = [&](double p) { return lat_ms[std::min(lat_ms.size() - 1, static_cast<size_t>(p * lat_ms.size()))]; };
  std::printf("catalog: %zu tables, %zu columns, %zu keys, loaded in %.1f s\n", tables.size(), columns,
              (*catalog)->keys().size(), load_s);
  std::printf("questions %zu: table@1 %.3f, table@%zu %.3f, column@%zu %.3f\n", n, double(table1) / n, k,
              double(tablek) / n, k, double(columnk) / n);
  for (auto& [via, rt] : by_via)
    std::printf("  column named by %s: column@%zu %.3f (%zu)\n", via.empty() ? "?" : via.c_str(), k,
                double(rt.first) / rt.second, rt.second);
  std::printf("retrieval latency (median of %zu runs per question): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              repeat, pct(0.5), pct(0.9), pct(0.99), lat_ms.back());
  return 0;
}
