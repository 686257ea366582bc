// Deterministic text-to-SQL over a catalog (docs/tables.md): a question in
// English or Chinese -> a plan (table, measure, aggregate, group, filters,
// time range, order, limit) -> one SELECT, checked and run by the SQL guard.
// Every choice is explained; a question the data cannot answer is refused
// ("the data has no ..."); two close candidate tables are asked back.
#pragma once

#include <string>
#include <vector>

#include "glassbox/status.h"
#include "table/catalog.h"
#include "table/guard.h"
#include "table/llm_sql.h"

namespace glassbox::table {

// A civil date.
struct Date {
  int y = 1970, m = 1, d = 1;
  std::string Iso() const;
  static bool Parse(const std::string& s, Date* out);  // "YYYY-MM-DD"
  static Date Today();                                  // local time
};

// A time range found in a question, resolved against a reference date.
struct TimeRange {
  bool found = false;
  Date from, to;       // inclusive
  std::string words;   // "last three years", "去年"
  size_t begin = 0, end = 0;  // byte span in the question
};
TimeRange FindTimeRange(const std::string& question, const Date& today);

struct AnswerOptions {
  std::string today;            // "YYYY-MM-DD"; empty: today's date
  QueryLimits limits;
  bool allow_ask_back = true;   // false: always take the best table (evaluation)
  double ask_back_margin = 0.15;  // relative score gap under which two tables are "close"
  // The unit of a figure the answer will be compared with ("CNY/tonne", "CNY"): among the numeric
  // columns the question names, one in that currency (a price per unit when it has "/") is the measure.
  std::string measure_like;
  // Which text-to-SQL path (docs/tables.md): "deterministic" (the parser), "llm" (a chat model given a
  // schema-retrieved prompt; `chat` must be set), "llm-fallback" (the model only when the parser refuses or asks back).
  std::string sql_mode = "deterministic";
  ChatFn chat;
  size_t prompt_tables = 3;  // llm: the catalog retriever's top tables described in the prompt
  // Internal, for nested clauses ("the state with the largest area"): answer the entity column, and how deep.
  bool entity = false;
  int depth = 0;
};

struct Alternative {
  std::string table;
  double score = 0;
  std::string why;
};

// The LLM path's trace: the prompt's tables, the model's SQL, the guard's verdict, timings.
struct LlmTrace {
  std::vector<std::string> prompt_tables;
  std::string model_sql, verdict, reply, how;
  double prompt_ms = 0, chat_ms = 0, run_ms = 0;
};

struct TableAnswer {
  std::string path = "deterministic";  // which path answered: "deterministic" or "llm"
  LlmTrace llm;                        // path "llm", or a fallback that was tried
  std::string status;  // "answered", "ask_back", "unanswerable"
  std::string answer;  // one sentence
  std::string sql;
  std::string table;   // the table queried
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  bool truncated = false;
  std::vector<std::string> explanation;  // one line per choice
  std::vector<Alternative> alternatives;  // ask_back: ranked tables
  // The rows behind an aggregate (provenance: source, sheet, row), when the
  // table carries provenance columns.
  std::string evidence_sql;
  std::vector<std::string> evidence_columns;
  std::vector<std::vector<Value>> evidence_rows;
  // The unit of a one-measure aggregate: the column's currency or unit, and
  // for a per-unit price the rows' single unit ("CNY/tonne"); empty: none known.
  std::string measure_unit;
  // The table was chosen only through the general glossary (no name, synonym, value or
  // description of the collection's own schema, no time range): ask may prefer the documents.
  bool general_words_only = false;
};

// Answers over an open database and its catalog.
Result<TableAnswer> AnswerWithCatalog(const ReadOnlyDatabase& db, const Catalog& catalog, const std::string& question,
                                      const AnswerOptions& options);

// The LLM path alone (options.chat): prompt, reply, SQL extraction, the guard, the rows. A reply that is not
// one read-only SELECT over the prompt's tables is an error naming what was wrong (never run); UNANSWERABLE
// is status "unanswerable"; errors of the model call are returned prefixed.
Result<TableAnswer> AnswerWithLlm(const ReadOnlyDatabase& db, const Catalog& catalog, const std::string& question,
                                  const AnswerOptions& options);

bool ValidSqlMode(const std::string& mode);  // deterministic, llm, llm-fallback

// Answers over a collection directory (its tables.sqlite) or an SQLite file.
// NotFound when there are no tables.
Result<TableAnswer> AnswerQuestion(const std::string& dir_or_db, const std::string& question,
                                   const AnswerOptions& options = {});

// Opens the table database of a collection directory, or the SQLite file itself.
Result<std::unique_ptr<ReadOnlyDatabase>> OpenTables(const std::string& dir_or_db);

}  // namespace glassbox::table
