#include "table/llm_sql.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>

#include "table/nl2sql.h"

namespace glassbox::table {
namespace {

constexpr const char* kSystem =
    "You translate a question into one SQLite query over the tables described. Use only those tables and "
    "columns, with their names exactly as given (in double quotes when they are not plain words). Write one "
    "read-only SELECT statement (WITH ... SELECT is fine), nothing else, in a fenced block:\n```sql\nSELECT ...\n```\n"
    "Relative dates (\"last three years\", \"this month\") are counted from the reference date given. If the tables "
    "cannot answer the question, reply with the single word UNANSWERABLE.";

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Clip(const std::string& s, size_t n) { return s.size() > n ? s.substr(0, n) + "..." : s; }

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string Quoted(const std::vector<std::string>& vs, size_t max) {
  std::string s;
  for (size_t i = 0; i < vs.size() && i < max; ++i) s += (i ? ", '" : "'") + Clip(vs[i], 40) + "'";
  if (vs.size() > max) s += ", ...";
  return s;
}

// The same error, its message prefixed.
Status Prefixed(const Status& st, const std::string& prefix, const std::string& suffix = "") {
  const std::string m = prefix + st.message() + suffix;
  switch (st.code()) {
    case Status::Code::kDeadlineExceeded: return Status::DeadlineExceeded(m);
    case Status::Code::kPermissionDenied: return Status::PermissionDenied(m);
    case Status::Code::kNotFound: return Status::NotFound(m);
    case Status::Code::kUnsupported: return Status::Unsupported(m);
    case Status::Code::kIOError: return Status::IOError(m);
    default: return Status::InvalidArgument(m);
  }
}

}  // namespace

SqlPrompt BuildSqlPrompt(const Catalog& catalog, const std::string& question, const std::string& today_iso,
                         size_t max_tables) {
  SqlPrompt p;
  const auto& tables = catalog.tables();
  max_tables = std::max<size_t>(max_tables, 1);
  for (const auto& c : catalog.Retrieve(question, max_tables).tables) {
    if (p.tables.size() >= max_tables) break;
    p.tables.push_back(c.table);
  }
  // A schema no larger than the prompt's share is shown whole (a question may name no table by its words).
  if (tables.size() <= max_tables)
    for (size_t t = 0; t < tables.size(); ++t)
      if (std::find(p.tables.begin(), p.tables.end(), static_cast<int>(t)) == p.tables.end())
        p.tables.push_back(static_cast<int>(t));
  std::string user = "Tables:\n";
  for (int ti : p.tables) {
    const CatalogTable& t = tables[ti];
    user += "\nTABLE \"" + t.name + "\"";
    if (!t.source.empty()) user += " (from " + t.source + (t.sheet.empty() ? "" : ", sheet " + t.sheet) + ")";
    user += ", " + std::to_string(t.rows) + " rows";
    if (!t.description.empty()) user += ": " + t.description;
    user += "\n";
    for (const CatalogColumn& c : t.columns) {
      if (!c.name.empty() && c.name[0] == '_') continue;  // provenance (_source, _sheet, _row)
      user += "  \"" + c.name + "\" " + c.type;
      if (!c.currency.empty()) user += ", currency " + c.currency;
      if (!c.unit.empty()) user += ", unit " + c.unit;
      if (!c.unit_column.empty()) user += ", unit in column \"" + c.unit_column + "\"";
      if (!c.description.empty()) user += " -- " + c.description;
      if (!c.values.empty() && c.values.size() <= 12) user += "; values " + Quoted(c.values, 12);
      else if (!c.samples.empty()) user += "; e.g. " + Quoted(c.samples, 3);
      user += "\n";
    }
  }
  std::string joins;
  for (const ForeignKey& k : catalog.keys()) {
    const bool in_from = std::find(p.tables.begin(), p.tables.end(), k.from_table) != p.tables.end();
    const bool in_to = std::find(p.tables.begin(), p.tables.end(), k.to_table) != p.tables.end();
    if (!in_from || !in_to) continue;
    const auto& f = tables[k.from_table];
    const auto& to = tables[k.to_table];
    joins += "  \"" + f.name + "\".\"" + f.columns[k.from_column].name + "\" = \"" + to.name + "\".\"" +
             to.columns[k.to_column].name + "\" (" + (k.declared ? "declared" : "inferred") + ")\n";
  }
  if (!joins.empty()) user += "\nJoin keys:\n" + joins;
  user += "\nReference date (today): " + today_iso + "\n\nQuestion: " + question;
  p.messages = {{"system", kSystem}, {"user", user}};
  return p;
}

Result<std::string> ExtractSql(const std::string& reply, bool* unanswerable) {
  *unanswerable = false;
  const size_t fence = reply.find("```");
  if (fence != std::string::npos) {
    size_t b = reply.find('\n', fence);
    const size_t end = b == std::string::npos ? std::string::npos : reply.find("```", b);
    if (end == std::string::npos)
      return Status::InvalidArgument("the model's reply opens a ``` block that it never closes: '" + Clip(reply, 200) + "'");
    std::string sql = Trim(reply.substr(b + 1, end - b - 1));
    if (sql.empty()) return Status::InvalidArgument("the model's reply has an empty ``` block");
    if (Lower(sql) == "unanswerable" || Lower(sql) == "unanswerable.") {  // the word inside the block
      *unanswerable = true;
      return std::string();
    }
    return sql;
  }
  const std::string t = Trim(reply);
  const std::string lt = Lower(t);
  // SELECT or WITH as a word ("Without more data..." is prose).
  auto starts_with_word = [&](const char* w) {
    const size_t n = std::strlen(w);
    return lt.compare(0, n, w) == 0 && (lt.size() == n || !std::isalnum(static_cast<unsigned char>(lt[n])));
  };
  if (starts_with_word("select") || starts_with_word("with")) return t;
  if (t.find("UNANSWERABLE") != std::string::npos || lt == "unanswerable" || lt == "unanswerable.") {
    *unanswerable = true;
    return std::string();
  }
  return Status::InvalidArgument("the model's reply holds no SQL (no ```sql block, no SELECT) and is not "
                                 "UNANSWERABLE: '" + Clip(t, 200) + "'");
}

Result<TableAnswer> AnswerWithLlm(const ReadOnlyDatabase& db, const Catalog& catalog, const std::string& question,
                                  const AnswerOptions& options) {
  if (!options.chat)
    return Status::InvalidArgument("sql_mode " + options.sql_mode +
                                   " needs a model: give llm_url (an OpenAI-compatible endpoint) or llm_gguf");
  Date today = Date::Today();
  if (!options.today.empty() && !Date::Parse(options.today, &today))
    return Status::InvalidArgument("today: expected YYYY-MM-DD, got '" + options.today + "'");
  if (question.find_first_not_of(" \t\r\n?？") == std::string::npos) return Status::InvalidArgument("empty question");
  TableAnswer ans;
  ans.path = "llm";
  if (catalog.tables().empty()) {
    ans.status = "unanswerable";
    ans.answer = "the data has no tables";
    return ans;
  }
  const auto t0 = std::chrono::steady_clock::now();
  SqlPrompt prompt = BuildSqlPrompt(catalog, question, today.Iso(), options.prompt_tables);
  const auto t1 = std::chrono::steady_clock::now();
  LlmTrace& tr = ans.llm;
  tr.prompt_ms = Ms(t0, t1);
  std::vector<std::string> allowed;
  for (int t : prompt.tables) {
    tr.prompt_tables.push_back(catalog.tables()[t].name);
    allowed.push_back(Lower(catalog.tables()[t].name));
  }
  std::string names;
  for (const auto& n : tr.prompt_tables) names += (names.empty() ? "" : ", ") + n;
  ans.explanation.push_back("LLM path: the prompt describes " + std::to_string(prompt.tables.size()) +
                            " table(s) the catalog retrieved for the question: " + names);
  if (prompt.tables.empty()) {
    ans.status = "unanswerable";
    ans.answer = "the data has no table that matches the question's words";
    tr.verdict = "not asked: no table matched";
    return ans;
  }
  auto reply = options.chat(prompt.messages);
  const auto t2 = std::chrono::steady_clock::now();
  tr.chat_ms = Ms(t1, t2);
  if (!reply.ok()) return Prefixed(reply.status(), "the model call failed: ");
  tr.reply = Clip(reply->text, 2000);
  tr.how = reply->how;
  ans.explanation.push_back("model: " + reply->how);
  bool unanswerable = false;
  auto sql = ExtractSql(reply->text, &unanswerable);
  if (!sql.ok()) return sql.status();
  if (unanswerable) {
    ans.status = "unanswerable";
    ans.answer = "the data has no answer to this question (the model said UNANSWERABLE over the tables " + names + ")";
    tr.verdict = "UNANSWERABLE: nothing run";
    ans.explanation.push_back("the model replied UNANSWERABLE");
    return ans;
  }
  tr.model_sql = *sql;
  QueryLimits limits = options.limits;
  limits.tables = allowed;
  auto rows = db.Run(*sql, limits);
  tr.run_ms = Ms(t2, std::chrono::steady_clock::now());
  if (!rows.ok()) {
    tr.verdict = "refused: " + rows.status().message();
    return Prefixed(rows.status(), "the model's SQL was not run: ",
                    " (allowed: one read-only SELECT over " + names + "); SQL: " + Clip(*sql, 300));
  }
  tr.verdict = "passed: one read-only SELECT over the prompt's tables";
  ans.explanation.push_back("SQL guard: " + tr.verdict);
  ans.status = "answered";
  ans.sql = *sql;
  const std::string lsql = Lower(*sql);
  for (const auto& n : tr.prompt_tables)
    if (lsql.find(Lower(n)) != std::string::npos) {
      ans.table = n;
      break;
    }
  ans.columns = rows->columns;
  ans.rows = std::move(rows->rows);
  ans.truncated = rows->truncated;
  if (ans.rows.size() == 1 && ans.columns.size() == 1)
    ans.answer = ans.rows[0][0].ToString() + " (" + ans.columns[0] + ", by the model's SQL)";
  else
    ans.answer = std::to_string(ans.rows.size()) + (ans.truncated ? "+" : "") + " row(s), by the model's SQL";
  return ans;
}

}  // namespace glassbox::table
