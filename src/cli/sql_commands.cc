#include "cli/sql_commands.h"

#include <cstdio>
#include <set>
#include <iostream>
#include <nlohmann/json.hpp>

#include "answer/chat.h"
#include "cli/args.h"
#include "cli/common.h"
#include "server/json.h"
#include "table/catalog.h"
#include "table/eval_sql.h"
#include "table/nl2sql.h"

namespace glassbox::cli {
namespace {

using json = nlohmann::json;

#define GB_LLM_SQL_HELP                                                                                          \
  "  --sql-mode M  deterministic (the parser, default) | llm (a chat model given a schema-retrieved prompt;\n"   \
  "                its SQL checked by the SQL guard before it runs) | llm-fallback (the model when the parser\n"  \
  "                refuses or asks back)\n"                                                                      \
  "  --llm-url URL | --llm-gguf PATH   the model: an OpenAI-compatible endpoint, or a GGUF chat model in process\n" \
  "  --llm-model NAME --llm-timeout MS --llm-max-tokens N --llm-threads N\n"

const char* kSqlHelp =
    "usage: glassbox sql DIR \"question\" [--today YYYY-MM-DD] [--max-rows N] [--no-ask-back] [--sql-mode M] [--json]\n"
    "Answers a question over the collection's tables (DIR/tables.sqlite, or DIR may be an SQLite file):\n"
    "the answer, the SQL it ran, the rows, and why it chose that table and those columns; or a question\n"
    "back when two tables fit about equally, or 'the data has no ...' when nothing fits.\n"
    "  --today D   reference date for 'last three years', 去年, ... (default: today)\n"
    "  --no-ask-back  always answer from the best table (as eval-sql does), never ask back\n" GB_LLM_SQL_HELP;
const char* kTablesHelp = "usage: glassbox tables DIR [--json]\nLists the tables of a collection (or SQLite file): "
                          "source, rows, columns with types, units and descriptions.\n";
const char* kEvalSqlHelp =
    "usage: glassbox eval-sql --dataset DIR [--split S] [--predictions-out FILE] [--today D] [--database DB] [--json]\n"
    "Execution accuracy of `glassbox sql` on DIR/database.sqlite + DIR/questions.jsonl, next to a trivial\n"
    "baseline (the best-linked table's first column). Questions of split 'unanswerable' must be refused.\n"
    "  --database DB   a collection directory (its tables) or SQLite file instead of DIR/database.sqlite\n" GB_LLM_SQL_HELP;

void PrintRows(const std::vector<std::string>& columns, const std::vector<std::vector<table::Value>>& rows, size_t max) {
  std::vector<size_t> w(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) w[i] = columns[i].size();
  for (size_t r = 0; r < rows.size() && r < max; ++r)
    for (size_t i = 0; i < rows[r].size() && i < w.size(); ++i) w[i] = std::max(w[i], rows[r][i].ToString().size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = " ";
    for (size_t i = 0; i < cells.size(); ++i) s += " " + cells[i] + std::string(w[i] - std::min(w[i], cells[i].size()), ' ') + " |";
    s.pop_back();
    std::printf("%s\n", s.c_str());
  };
  line(columns);
  for (size_t r = 0; r < rows.size() && r < max; ++r) {
    std::vector<std::string> cells;
    for (auto& v : rows[r]) cells.push_back(v.ToString());
    line(cells);
  }
  if (rows.size() > max) std::printf("  ... %zu more rows\n", rows.size() - max);
}

const std::vector<std::string> kLlmFlags = {"sql-mode", "llm-url", "llm-gguf", "llm-model", "llm-timeout",
                                           "llm-max-tokens", "llm-threads"};

std::set<std::string> WithLlmFlags(std::set<std::string> v) {
  v.insert(kLlmFlags.begin(), kLlmFlags.end());
  return v;
}

// --sql-mode and the --llm-* flags, through the ask options (one declaration: answer.cc), into `o`.
Status LlmSqlOptions(const Args& a, table::AnswerOptions* o) {
  AskOptions ask;
  for (const auto& flag : kLlmFlags)
    if (a.HasValue(flag)) {
      std::string name = flag;
      for (auto& c : name) c = c == '-' ? '_' : c;
      GB_RETURN_IF_ERROR(SetAskOption(&ask, name, a.Get(flag)));
    }
  GB_RETURN_IF_ERROR(ValidateAskOptions(ask));
  const std::string today = o->today;
  answer::TableOptionsFrom(ask, o);
  o->today = today;
  return Status::OK();
}

}  // namespace

int CmdSql(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, WithLlmFlags({"today", "max-rows"}), {"json", "help", "no-ask-back"}, &err))
    return Usage(err, kSqlHelp);
  if (a.Has("help")) return std::printf("%s", kSqlHelp), 0;
  if (a.positional().size() != 2) return Usage("sql needs DIR and a question", kSqlHelp);
  table::AnswerOptions o;
  o.today = a.Get("today");
  if (a.HasValue("max-rows")) o.limits.max_rows = std::strtoul(a.Get("max-rows").c_str(), nullptr, 10);
  o.allow_ask_back = !a.Has("no-ask-back");
  if (Status st = LlmSqlOptions(a, &o); !st.ok()) return Fail(st, a.Has("json"));
  auto ans = table::AnswerQuestion(a.positional()[0], a.positional()[1], o);
  if (!ans.ok()) return Fail(ans.status(), a.Has("json"));
  if (a.Has("json")) {
    std::cout << table::AnswerToJson(*ans).dump() << "\n";
    return 0;
  }
  std::printf("%s: %s\n", ans->status.c_str(), ans->answer.c_str());
  if (!ans->sql.empty()) {
    std::printf("\nSQL: %s\n\n", ans->sql.c_str());
    PrintRows(ans->columns, ans->rows, 20);
  }
  if (!ans->evidence_rows.empty()) {
    std::printf("\nrows behind the figure (%zu): %s\n", ans->evidence_rows.size(), ans->evidence_sql.c_str());
    PrintRows(ans->evidence_columns, ans->evidence_rows, 10);
  }
  std::printf("\nwhy:\n");
  for (auto& e : ans->explanation) std::printf("  - %s\n", e.c_str());
  if (!ans->llm.prompt_tables.empty()) {
    std::string names;
    for (auto& n : ans->llm.prompt_tables) names += (names.empty() ? "" : ", ") + n;
    std::printf("LLM path: prompt tables %s\n  model's SQL: %s\n  guard: %s\n  prompt %.1f ms, model %.1f ms, run %.1f ms\n",
                names.c_str(), ans->llm.model_sql.empty() ? "(none)" : ans->llm.model_sql.c_str(), ans->llm.verdict.c_str(),
                ans->llm.prompt_ms, ans->llm.chat_ms, ans->llm.run_ms);
  }
  if (ans->status == "ask_back") {
    std::printf("candidates:\n");
    for (auto& alt : ans->alternatives) std::printf("  %-20s %.2f  %s\n", alt.table.c_str(), alt.score, alt.why.c_str());
  }
  return 0;
}

int CmdTables(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {}, {"json", "help"}, &err)) return Usage(err, kTablesHelp);
  if (a.Has("help")) return std::printf("%s", kTablesHelp), 0;
  if (a.positional().size() != 1) return Usage("tables needs DIR", kTablesHelp);
  auto db = table::OpenTables(a.positional()[0]);
  if (!db.ok()) return Fail(db.status(), a.Has("json"));
  auto cat = table::Catalog::Load(**db);
  if (!cat.ok()) return Fail(cat.status(), a.Has("json"));
  json out = json::array();
  for (auto& t : (*cat)->tables()) {
    json cols = json::array();
    for (auto& c : t.columns) {
      json jc = {{"name", c.name}, {"type", c.type}, {"distinct", c.distinct}, {"samples", c.samples}};
      if (c.header != c.name) jc["header"] = c.header;
      if (!c.unit.empty()) jc["unit"] = c.unit;
      if (!c.currency.empty()) jc["currency"] = c.currency;
      if (!c.unit_column.empty()) jc["unit_column"] = c.unit_column;
      if (!c.description.empty()) jc["description"] = c.description;
      cols.push_back(jc);
    }
    json jt = {{"name", t.name}, {"source", t.source}, {"rows", t.rows}, {"columns", cols}};
    if (!t.sheet.empty()) jt["sheet"] = t.sheet;
    if (!t.description.empty()) jt["description"] = t.description;
    out.push_back(jt);
  }
  if (a.Has("json")) {
    std::cout << json{{"tables", out}}.dump() << "\n";
    return 0;
  }
  for (auto& t : out) {
    std::printf("%s  (%s, %lld rows)%s\n", t["name"].get<std::string>().c_str(), t["source"].get<std::string>().c_str(),
                (long long)t["rows"].get<int64_t>(),
                t.contains("description") ? ("  " + t["description"].get<std::string>()).c_str() : "");
    for (auto& c : t["columns"]) {
      std::string extra;
      if (c.contains("unit")) extra += " unit=" + c["unit"].get<std::string>();
      if (c.contains("currency")) extra += " currency=" + c["currency"].get<std::string>();
      if (c.contains("unit_column")) extra += " unit in " + c["unit_column"].get<std::string>();
      std::string samples;
      for (auto& s : c["samples"]) samples += (samples.empty() ? "" : ", ") + s.get<std::string>();
      std::printf("  %-16s %-8s%s  e.g. %s%s\n", c["name"].get<std::string>().c_str(), c["type"].get<std::string>().c_str(),
                  extra.c_str(), samples.c_str(),
                  c.contains("description") ? ("  — " + c["description"].get<std::string>()).c_str() : "");
    }
  }
  return 0;
}

int CmdEvalSql(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, WithLlmFlags({"dataset", "split", "predictions-out", "today", "database"}), {"json", "help"},
               &err))
    return Usage(err, kEvalSqlHelp);
  if (a.Has("help")) return std::printf("%s", kEvalSqlHelp), 0;
  if (!a.HasValue("dataset")) return Usage("eval-sql needs --dataset DIR", kEvalSqlHelp);
  table::SqlEvalOptions o;
  o.split = a.Get("split");
  o.predictions_out = a.Get("predictions-out");
  o.today = a.Get("today");
  o.database = a.Get("database");
  table::AnswerOptions llm;
  if (Status st = LlmSqlOptions(a, &llm); !st.ok()) return Fail(st, a.Has("json"));
  o.sql_mode = llm.sql_mode;
  o.chat = llm.chat;
  auto r = table::EvaluateSql(a.Get("dataset"), o);
  if (!r.ok()) return Fail(r.status(), a.Has("json"));
  json j = {{"dataset", a.Get("dataset")}, {"split", o.split.empty() ? "all" : o.split}, {"questions", r->questions},
            {"execution_accuracy", r->accuracy()}, {"correct", r->correct},
            {"baseline_accuracy", r->baseline_accuracy()}, {"baseline_correct", r->baseline_correct},
            {"answered", r->answered}, {"refused", r->refused}, {"errors", r->errors},
            {"unanswerable", r->unanswerable}, {"unanswerable_refused", r->unanswerable_refused}, {"seconds", r->seconds}};
  if (a.Has("json")) std::cout << j.dump() << "\n";
  else
    std::printf("%s (split %s): %zu questions\n  execution accuracy  %.3f (%zu)\n  baseline            %.3f (%zu)\n"
                "  answered %zu, refused %zu, errors %zu; unanswerable refused %zu/%zu; %.1f s\n",
                a.Get("dataset").c_str(), o.split.empty() ? "all" : o.split.c_str(), r->questions, r->accuracy(), r->correct,
                r->baseline_accuracy(), r->baseline_correct, r->answered, r->refused, r->errors, r->unanswerable_refused,
                r->unanswerable, r->seconds);
  return 0;
}

}  // namespace glassbox::cli
