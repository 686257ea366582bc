#include "table/eval_sql.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace glassbox::table {
namespace {

using json = nlohmann::json;

std::string Canonical(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: return "\x01null";
    case Value::Kind::kInteger: return std::to_string(v.integer);
    case Value::Kind::kReal: {
      if (v.real == std::floor(v.real) && std::fabs(v.real) < 1e15) return std::to_string(static_cast<int64_t>(v.real));
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", v.real);
      return buf;
    }
    case Value::Kind::kText: return v.text;
  }
  return "";
}

std::vector<std::vector<std::string>> Normalize(const std::vector<std::vector<Value>>& rows) {
  std::vector<std::vector<std::string>> out;
  for (auto& r : rows) {
    std::vector<std::string> c;
    for (auto& v : r) c.push_back(Canonical(v));
    std::sort(c.begin(), c.end());
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Value FromJson(const json& j) {
  Value v;
  if (j.is_number_integer()) v.kind = Value::Kind::kInteger, v.integer = j.get<int64_t>();
  else if (j.is_number()) v.kind = Value::Kind::kReal, v.real = j.get<double>();
  else if (j.is_string()) v.kind = Value::Kind::kText, v.text = j.get<std::string>();
  return v;
}

}  // namespace

json ValueToJson(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kInteger: return v.integer;
    case Value::Kind::kReal: return v.real;
    case Value::Kind::kText: return v.text;
    default: return nullptr;
  }
}

json AnswerToJson(const TableAnswer& a) {
  json j;
  j["status"] = a.status;
  j["answer"] = a.answer;
  if (!a.sql.empty()) j["sql"] = a.sql;
  if (!a.table.empty()) j["table"] = a.table;
  j["columns"] = a.columns;
  json rows = json::array();
  for (auto& r : a.rows) {
    json row = json::array();
    for (auto& v : r) row.push_back(ValueToJson(v));
    rows.push_back(row);
  }
  j["rows"] = rows;
  if (a.truncated) j["truncated"] = true;
  j["explanation"] = a.explanation;
  j["path"] = a.path;
  if (!a.llm.prompt_tables.empty())
    j["llm"] = {{"prompt_tables", a.llm.prompt_tables}, {"sql", a.llm.model_sql},   {"verdict", a.llm.verdict},
                {"model", a.llm.how},                   {"prompt_ms", a.llm.prompt_ms}, {"model_ms", a.llm.chat_ms},
                {"run_ms", a.llm.run_ms}};
  json alts = json::array();
  for (auto& x : a.alternatives) alts.push_back({{"table", x.table}, {"score", x.score}, {"why", x.why}});
  j["alternatives"] = alts;
  if (!a.evidence_sql.empty()) {
    json ev = json::array();
    for (auto& r : a.evidence_rows) {
      json row = json::object();
      for (size_t i = 0; i < r.size() && i < a.evidence_columns.size(); ++i) row[a.evidence_columns[i]] = ValueToJson(r[i]);
      ev.push_back(row);
    }
    j["evidence"] = {{"sql", a.evidence_sql}, {"rows", ev}};
  }
  return j;
}

bool SameRows(const std::vector<std::vector<Value>>& a, const std::vector<std::vector<Value>>& b) {
  return Normalize(a) == Normalize(b);
}

Result<SqlEvalReport> EvaluateSql(const std::string& dir, const SqlEvalOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto db = options.database.empty() ? ReadOnlyDatabase::Open(dir + "/database.sqlite") : OpenTables(options.database);
  if (!db.ok()) return db.status();
  auto catalog = Catalog::Load(**db);
  if (!catalog.ok()) return catalog.status();
  std::ifstream in(dir + "/questions.jsonl");
  if (!in) return Status::NotFound(dir + "/questions.jsonl: cannot open");
  std::ofstream out;
  if (!options.predictions_out.empty()) {
    out.open(options.predictions_out);
    if (!out) return Status::IOError(options.predictions_out + ": cannot write");
  }
  SqlEvalReport rep;
  std::string line;
  size_t line_no = 0;
  AnswerOptions ao;
  ao.today = options.today;
  ao.sql_mode = options.sql_mode;
  ao.chat = options.chat;
  ao.allow_ask_back = false;
  ao.limits.max_rows = 100000;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json q = json::parse(line, nullptr, false);
    if (q.is_discarded() || !q.is_object() || !q.contains("question"))
      return Status::InvalidArgument(dir + "/questions.jsonl: line " + std::to_string(line_no) + ": not a question object");
    std::string split = q.value("split", "");
    if (!options.split.empty()) {  // one split, or several separated by commas ("0,1,2")
      bool in = false;
      size_t b = 0;
      while (b <= options.split.size()) {
        size_t e = options.split.find(',', b);
        if (e == std::string::npos) e = options.split.size();
        in |= options.split.compare(b, e - b, split) == 0 && e - b == split.size();
        b = e + 1;
      }
      if (!in) continue;
    }
    ++rep.questions;
    bool unanswerable = split == "unanswerable";
    rep.unanswerable += unanswerable;
    std::vector<std::vector<Value>> gold;
    if (q.contains("gold_rows") && q["gold_rows"].is_array())
      for (auto& r : q["gold_rows"]) {
        std::vector<Value> row;
        for (auto& c : r) row.push_back(FromJson(c));
        gold.push_back(std::move(row));
      }
    auto a = AnswerWithCatalog(**db, **catalog, q["question"].get<std::string>(), ao);
    bool right = false;
    json pred = {{"id", q.value("id", "")}};
    if (!a.ok()) {
      ++rep.errors;
      pred["status"] = "unanswerable";
      pred["error"] = a.status().message();
      right = unanswerable;
    } else {
      pred["status"] = a->status;
      pred["sql"] = a->sql;
      json rows = json::array();
      for (auto& r : a->rows) {
        json row = json::array();
        for (auto& v : r) row.push_back(ValueToJson(v));
        rows.push_back(row);
      }
      pred["rows"] = rows;
      if (a->status == "answered") {
        ++rep.answered;
        right = !unanswerable && SameRows(a->rows, gold);
      } else {
        ++rep.refused;
        right = unanswerable;
      }
      rep.unanswerable_refused += unanswerable && a->status != "answered";
      // Baseline: the best-linked table's first column, no filter.
      bool base_right = false;
      if (!a->alternatives.empty()) {
        for (auto& t : (*catalog)->tables())
          if (t.name == a->alternatives[0].table && !t.columns.empty()) {
            auto b = (*db)->Run("SELECT \"" + t.columns[0].name + "\" FROM \"" + t.name + "\"", ao.limits);
            base_right = b.ok() && !unanswerable && SameRows(b->rows, gold);
          }
      } else {
        base_right = unanswerable;
      }
      rep.baseline_correct += base_right;
    }
    rep.correct += right;
    pred["correct"] = right;
    if (out.is_open()) out << pred.dump() << "\n";
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return rep;
}

}  // namespace glassbox::table
