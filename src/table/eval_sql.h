// Execution accuracy of the text-to-SQL parser on a dataset in the shared
// SQL format: DIR/database.sqlite + DIR/questions.jsonl ({"id", "question",
// "sql", "split", "gold_rows"}). A question is right when the predicted rows
// equal the gold rows as multisets (column order ignored); a question whose
// split is "unanswerable" is right when it is refused. A trivial baseline
// (the best-linked table's first column, no filter) runs in the same pass.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "glassbox/status.h"
#include "table/guard.h"
#include "table/nl2sql.h"

namespace glassbox::table {

nlohmann::json ValueToJson(const Value& v);
nlohmann::json AnswerToJson(const TableAnswer& a);

// Rows as multisets: each row's cells as canonical strings, sorted; then the rows sorted.
bool SameRows(const std::vector<std::vector<Value>>& a, const std::vector<std::vector<Value>>& b);

struct SqlEvalOptions {
  std::string split;               // empty: every question; "a,b": either split
  std::string predictions_out;     // JSON lines file, or empty
  std::string today;
  std::string database;            // a collection directory or SQLite file instead of DIR/database.sqlite
  std::string sql_mode = "deterministic";  // as AnswerOptions::sql_mode, with `chat` for the llm paths
  ChatFn chat;
};

struct SqlEvalReport {
  size_t questions = 0, correct = 0, baseline_correct = 0;
  size_t answered = 0, refused = 0, errors = 0;
  size_t unanswerable = 0, unanswerable_refused = 0;
  double accuracy() const { return questions ? double(correct) / questions : 0; }
  double baseline_accuracy() const { return questions ? double(baseline_correct) / questions : 0; }
  double seconds = 0;
};

Result<SqlEvalReport> EvaluateSql(const std::string& dataset_dir, const SqlEvalOptions& options);

}  // namespace glassbox::table
