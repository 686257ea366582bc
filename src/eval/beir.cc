#include "eval/beir.h"

#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

namespace glassbox::eval {
namespace {

std::string Where(const std::string& path, size_t line) {
  return path + ":" + std::to_string(line);
}

// Reads one JSON object a line; calls fn(object, line_number) for each non-blank line.
template <typename Fn>
Status ForEachJsonLine(const std::string& path, Fn fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::InvalidArgument(Where(path, n) + ": not valid JSON");
    if (!j.is_object()) return Status::InvalidArgument(Where(path, n) + ": expected a JSON object");
    GB_RETURN_IF_ERROR(fn(j, n));
  }
  if (in.bad()) return Status::IOError(path + ": read failed");
  return Status::OK();
}

// A string member, or an error naming file:line. Numbers are accepted as ids.
Status GetString(const nlohmann::json& j, const char* key, bool required, const std::string& path,
                 size_t line, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(Where(path, line) + ": missing \"" + key + "\"");
    out->clear();
    return Status::OK();
  }
  if (it->is_string()) {
    *out = it->get<std::string>();
  } else if (it->is_number_integer()) {
    *out = std::to_string(it->get<long long>());
  } else {
    return Status::InvalidArgument(Where(path, line) + ": \"" + key + "\" is not a string");
  }
  return Status::OK();
}

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> f;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != '\t' && line[j] != ' ') ++j;
    f.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return f;
}

bool ParseInt(const std::string& s, int* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (*end != '\0') {
    // Accept "1.0"-style grades.
    double d = std::strtod(s.c_str(), &end);
    if (*end != '\0') return false;
    v = static_cast<long>(d);
  }
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

Result<std::vector<BeirDoc>> LoadBeirCorpus(const std::string& path) {
  std::vector<BeirDoc> docs;
  std::set<std::string> seen;
  Status st = ForEachJsonLine(path, [&](const nlohmann::json& j, size_t n) -> Status {
    BeirDoc d;
    GB_RETURN_IF_ERROR(GetString(j, "_id", true, path, n, &d.id));
    GB_RETURN_IF_ERROR(GetString(j, "title", false, path, n, &d.title));
    GB_RETURN_IF_ERROR(GetString(j, "text", false, path, n, &d.text));
    if (!seen.insert(d.id).second)
      return Status::InvalidArgument(Where(path, n) + ": duplicate _id \"" + d.id + "\"");
    docs.push_back(std::move(d));
    return Status::OK();
  });
  if (!st.ok()) return st;
  return docs;
}

Result<std::vector<BeirQuery>> LoadBeirQueries(const std::string& path) {
  std::vector<BeirQuery> queries;
  Status st = ForEachJsonLine(path, [&](const nlohmann::json& j, size_t n) -> Status {
    BeirQuery q;
    GB_RETURN_IF_ERROR(GetString(j, "_id", true, path, n, &q.id));
    GB_RETURN_IF_ERROR(GetString(j, "text", true, path, n, &q.text));
    queries.push_back(std::move(q));
    return Status::OK();
  });
  if (!st.ok()) return st;
  return queries;
}

Result<Qrels> LoadQrels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  Qrels qrels;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f = SplitFields(line);
    if (f.empty()) continue;
    // BEIR: "query-id corpus-id score"; TREC: "qid 0 docid rel".
    int rel = 0;
    std::string qid, did;
    if (f.size() == 3) {
      qid = f[0]; did = f[1];
      if (!ParseInt(f[2], &rel)) {
        if (n == 1) continue;  // header
        return Status::InvalidArgument(Where(path, n) + ": relevance \"" + f[2] + "\" is not a number");
      }
    } else if (f.size() == 4) {
      qid = f[0]; did = f[2];
      if (!ParseInt(f[3], &rel)) {
        if (n == 1) continue;
        return Status::InvalidArgument(Where(path, n) + ": relevance \"" + f[3] + "\" is not a number");
      }
    } else {
      return Status::InvalidArgument(Where(path, n) + ": expected 3 columns (query-id corpus-id score), found " +
                                     std::to_string(f.size()));
    }
    qrels[qid][did] = rel;
  }
  if (in.bad()) return Status::IOError(path + ": read failed");
  return qrels;
}

Result<BeirDataset> LoadBeir(const std::string& dir, bool with_corpus, const std::string& split) {
  BeirDataset ds;
  ds.dir = dir;
  auto qrels = LoadQrels(dir + "/qrels/" + split + ".tsv");
  if (!qrels.ok()) return qrels.status();
  ds.qrels = std::move(qrels.value());
  auto queries = LoadBeirQueries(dir + "/queries.jsonl");
  if (!queries.ok()) return queries.status();
  for (auto& q : queries.value()) {
    if (ds.qrels.count(q.id)) ds.queries.push_back(std::move(q));
    else ++ds.queries_without_qrels;
  }
  if (with_corpus) {
    auto corpus = LoadBeirCorpus(dir + "/corpus.jsonl");
    if (!corpus.ok()) return corpus.status();
    ds.corpus = std::move(corpus.value());
  }
  return ds;
}

std::string DataRoot() {
  const char* env = std::getenv("GLASSBOX_DATA");
  if (env && *env) return env;
  return "../shared";
}

}  // namespace glassbox::eval
