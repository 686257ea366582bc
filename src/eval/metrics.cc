#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

namespace glassbox::eval {
namespace {

// The hits with duplicates removed (first occurrence wins), cut at k.
std::vector<const ScoredDoc*> Distinct(const std::vector<ScoredDoc>& hits, size_t k) {
  std::vector<const ScoredDoc*> out;
  std::set<std::string> seen;
  for (const ScoredDoc& h : hits) {
    if (out.size() >= k) break;
    if (seen.insert(h.id).second) out.push_back(&h);
  }
  return out;
}

int Grade(const std::map<std::string, int>& judged, const std::string& id) {
  auto it = judged.find(id);
  return it == judged.end() ? 0 : it->second;
}

}  // namespace

double NdcgAt(const std::map<std::string, int>& judged, const std::vector<ScoredDoc>& hits, size_t k) {
  double dcg = 0;
  auto top = Distinct(hits, k);
  for (size_t i = 0; i < top.size(); ++i) {
    int g = Grade(judged, top[i]->id);
    if (g > 0) dcg += g / std::log2(static_cast<double>(i) + 2.0);
  }
  std::vector<int> grades;
  for (const auto& [id, g] : judged)
    if (g > 0) grades.push_back(g);
  std::sort(grades.rbegin(), grades.rend());
  double idcg = 0;
  for (size_t i = 0; i < grades.size() && i < k; ++i) idcg += grades[i] / std::log2(static_cast<double>(i) + 2.0);
  return idcg > 0 ? dcg / idcg : 0.0;
}

double RecallAt(const std::map<std::string, int>& judged, const std::vector<ScoredDoc>& hits, size_t k) {
  size_t relevant = 0;
  for (const auto& [id, g] : judged)
    if (g > 0) ++relevant;
  if (relevant == 0) return 0.0;
  size_t found = 0;
  for (const ScoredDoc* h : Distinct(hits, k))
    if (Grade(judged, h->id) > 0) ++found;
  return static_cast<double>(found) / static_cast<double>(relevant);
}

double MrrAt(const std::map<std::string, int>& judged, const std::vector<ScoredDoc>& hits, size_t k) {
  auto top = Distinct(hits, k);
  for (size_t i = 0; i < top.size(); ++i)
    if (Grade(judged, top[i]->id) > 0) return 1.0 / static_cast<double>(i + 1);
  return 0.0;
}

QueryMetrics EvaluateQuery(const std::string& query_id, const std::map<std::string, int>& judged,
                           const std::vector<ScoredDoc>& hits) {
  QueryMetrics m;
  m.query_id = query_id;
  m.ndcg10 = NdcgAt(judged, hits, 10);
  m.recall100 = RecallAt(judged, hits, 100);
  m.mrr10 = MrrAt(judged, hits, 10);
  m.retrieved = hits.size();
  for (const auto& [id, g] : judged)
    if (g > 0) ++m.relevant;
  return m;
}

Metrics Evaluate(const Qrels& qrels, const Run& run) {
  Metrics out;
  static const std::vector<ScoredDoc> kEmpty;
  for (const auto& [qid, judged] : qrels) {
    auto it = run.find(qid);
    if (it == run.end()) ++out.queries_missing;
    QueryMetrics q = EvaluateQuery(qid, judged, it == run.end() ? kEmpty : it->second);
    out.ndcg10 += q.ndcg10;
    out.recall100 += q.recall100;
    out.mrr10 += q.mrr10;
    out.per_query.push_back(std::move(q));
  }
  for (const auto& [qid, hits] : run)
    if (!qrels.count(qid)) ++out.run_queries_unjudged;
  out.queries = out.per_query.size();
  if (out.queries > 0) {
    out.ndcg10 /= out.queries;
    out.recall100 /= out.queries;
    out.mrr10 /= out.queries;
  }
  return out;
}

Result<Run> ReadTrecRun(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  struct Row { long rank; size_t order; ScoredDoc doc; };
  std::map<std::string, std::vector<Row>> rows;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      f.push_back(line.substr(i, j - i));
      i = j;
    }
    if (f.empty()) continue;
    std::string where = path + ":" + std::to_string(n);
    if (f.size() != 6)
      return Status::InvalidArgument(where + ": expected 6 columns (qid Q0 docid rank score tag), found " +
                                     std::to_string(f.size()));
    char* end = nullptr;
    long rank = std::strtol(f[3].c_str(), &end, 10);
    if (*end != '\0') return Status::InvalidArgument(where + ": rank \"" + f[3] + "\" is not an integer");
    double score = std::strtod(f[4].c_str(), &end);
    if (*end != '\0') return Status::InvalidArgument(where + ": score \"" + f[4] + "\" is not a number");
    auto& v = rows[f[0]];
    v.push_back(Row{rank, v.size(), ScoredDoc{f[2], score}});
  }
  if (in.bad()) return Status::IOError(path + ": read failed");
  Run run;
  for (auto& [qid, v] : rows) {
    std::stable_sort(v.begin(), v.end(), [](const Row& a, const Row& b) { return a.rank < b.rank; });
    auto& hits = run[qid];
    hits.reserve(v.size());
    for (auto& r : v) hits.push_back(std::move(r.doc));
  }
  return run;
}

Status WriteTrecRun(const std::string& path, const Run& run, const std::string& tag) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::IOError(path + ": cannot create");
  for (const auto& [qid, hits] : run) {
    for (size_t i = 0; i < hits.size(); ++i)
      std::fprintf(f, "%s Q0 %s %zu %.6f %s\n", qid.c_str(), hits[i].id.c_str(), i + 1, hits[i].score, tag.c_str());
  }
  if (std::fclose(f) != 0) return Status::IOError(path + ": write failed");
  return Status::OK();
}

Result<Metrics> ScoreRunFile(const std::string& run_path, const std::string& dataset_dir) {
  auto qrels = LoadQrels(dataset_dir + "/qrels/test.tsv");
  if (!qrels.ok()) return qrels.status();
  auto run = ReadTrecRun(run_path);
  if (!run.ok()) return run.status();
  return Evaluate(qrels.value(), run.value());
}

std::string MetricsToJson(const Metrics& m, bool per_query) {
  nlohmann::ordered_json j;
  j["queries"] = m.queries;
  j["queries_missing"] = m.queries_missing;
  j["ndcg@10"] = m.ndcg10;
  j["recall@100"] = m.recall100;
  j["mrr@10"] = m.mrr10;
  if (per_query) {
    auto& arr = j["per_query"] = nlohmann::ordered_json::array();
    for (const auto& q : m.per_query) {
      arr.push_back({{"query", q.query_id}, {"ndcg@10", q.ndcg10}, {"recall@100", q.recall100},
                     {"mrr@10", q.mrr10}, {"retrieved", q.retrieved}, {"relevant", q.relevant}});
    }
  }
  return j.dump();
}

}  // namespace glassbox::eval
