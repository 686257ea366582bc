#include "table/guard.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace glassbox::table {
namespace {

struct AuthState {
  std::string refused;  // the refused actions, in order ("DELETE sqlite_master, DROP TABLE purchases")
  void Refuse(const std::string& what) {
    if (refused.find(what) != std::string::npos) return;
    if (std::count(refused.begin(), refused.end(), ',') >= 3) return;
    refused += (refused.empty() ? "" : ", ") + what;
  }
  const std::vector<std::string>* tables = nullptr;  // allow-list of readable tables, or null
};

int Authorize(void* user, int action, const char* a, const char* b, const char*, const char*) {
  auto* st = static_cast<AuthState*>(user);
  switch (action) {
    case SQLITE_SELECT:
      return SQLITE_OK;
    case SQLITE_READ: {
      if (st->tables == nullptr || st->tables->empty() || a == nullptr) return SQLITE_OK;
      std::string t = a;
      for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (const auto& ok : *st->tables)
        if (ok == t) return SQLITE_OK;
      std::string allowed;
      for (const auto& ok : *st->tables) allowed += (allowed.empty() ? "" : ", ") + ok;
      st->Refuse("a read of table " + std::string(a) + ", which is not among the tables this query may read (" +
                 allowed + ")");
      return SQLITE_DENY;
    }
    case SQLITE_FUNCTION: {
      std::string f = b ? b : "";
      for (auto& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (f == "load_extension" || f == "readfile" || f == "writefile" || f == "edit" || f == "fts3_tokenizer") {
        st->Refuse("function " + f);
        return SQLITE_DENY;
      }
      return SQLITE_OK;
    }
    default: {
      static const char* kNames[] = {"",        "CREATE INDEX", "CREATE TABLE", "CREATE TEMP INDEX", "CREATE TEMP TABLE",
                                     "CREATE TEMP TRIGGER", "CREATE TEMP VIEW", "CREATE TRIGGER", "CREATE VIEW", "DELETE",
                                     "DROP INDEX", "DROP TABLE", "DROP TEMP INDEX", "DROP TEMP TABLE", "DROP TEMP TRIGGER",
                                     "DROP TEMP VIEW", "DROP TRIGGER", "DROP VIEW", "INSERT", "PRAGMA", "READ", "SELECT",
                                     "TRANSACTION", "UPDATE", "ATTACH", "DETACH", "ALTER TABLE", "REINDEX", "ANALYZE",
                                     "CREATE VTABLE", "DROP VTABLE", "FUNCTION", "SAVEPOINT", "RECURSIVE"};
      std::string name = action >= 0 && action < static_cast<int>(sizeof kNames / sizeof kNames[0])
                             ? kNames[action] : "action " + std::to_string(action);
      st->Refuse(name + (a ? std::string(" ") + a : ""));
      return SQLITE_DENY;
    }
  }
}

struct Deadline {
  std::chrono::steady_clock::time_point until;
  bool hit = false;
};

int Progress(void* user) {
  auto* d = static_cast<Deadline*>(user);
  if (std::chrono::steady_clock::now() > d->until) {
    d->hit = true;
    return 1;
  }
  return 0;
}

Value ColumnValue(sqlite3_stmt* s, int i) {
  Value v;
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER: v.kind = Value::Kind::kInteger; v.integer = sqlite3_column_int64(s, i); break;
    case SQLITE_FLOAT: v.kind = Value::Kind::kReal; v.real = sqlite3_column_double(s, i); break;
    case SQLITE_NULL: break;
    default: {
      v.kind = Value::Kind::kText;
      const unsigned char* t = sqlite3_column_text(s, i);
      v.text.assign(t ? reinterpret_cast<const char*>(t) : "", sqlite3_column_bytes(s, i));
    }
  }
  return v;
}

// "a DROP TABLE statement", "an INSERT statement": the statement's leading keywords (two for CREATE, DROP,
// ALTER), for a refusal that SQLite's authorizer reports by its first effect (DROP TABLE: DELETE sqlite_master).
std::string StatementKind(const std::string& sql) {
  std::vector<std::string> words;
  size_t i = 0;
  while (words.size() < 2 && i < sql.size()) {
    while (i < sql.size() && !std::isalpha(static_cast<unsigned char>(sql[i]))) ++i;
    size_t b = i;
    while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) ++i;
    if (i > b) {
      std::string w = sql.substr(b, i - b);
      for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      words.push_back(w);
    }
  }
  if (words.empty()) return "";
  std::string k = words[0];
  if ((k == "CREATE" || k == "DROP" || k == "ALTER") && words.size() > 1) k += " " + words[1];
  const bool vowel = std::string("AEIOU").find(k[0]) != std::string::npos;
  return std::string(vowel ? "an " : "a ") + k + " statement";
}

bool OnlySpaceOrSemicolons(const char* p) {
  for (; p && *p; ++p)
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') return false;
  return true;
}

}  // namespace

std::string Value::ToString() const {
  switch (kind) {
    case Kind::kNull: return "";
    case Kind::kInteger: return std::to_string(integer);
    case Kind::kReal: {
      if (std::fabs(real) < 1e15 && real == std::floor(real)) return std::to_string(static_cast<int64_t>(real));
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", real);
      if (std::fabs(real) >= 1e5) std::snprintf(buf, sizeof buf, "%.2f", real);
      return buf;
    }
    case Kind::kText: return text;
  }
  return "";
}

bool Value::operator==(const Value& o) const {
  bool num = kind == Kind::kInteger || kind == Kind::kReal;
  bool onum = o.kind == Kind::kInteger || o.kind == Kind::kReal;
  if (num && onum) {
    double x = kind == Kind::kInteger ? static_cast<double>(integer) : real;
    double y = o.kind == Kind::kInteger ? static_cast<double>(o.integer) : o.real;
    return std::fabs(x - y) <= 1e-6 * std::max(1.0, std::fabs(x));
  }
  return kind == o.kind && text == o.text;
}

ReadOnlyDatabase::~ReadOnlyDatabase() { sqlite3_close(db_); }

Result<std::unique_ptr<ReadOnlyDatabase>> ReadOnlyDatabase::Open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(path + ": no such database");
  std::unique_ptr<ReadOnlyDatabase> d(new ReadOnlyDatabase());
  d->path_ = path;
  if (sqlite3_open_v2(path.c_str(), &d->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    return Status::IOError(path + ": " + (d->db_ ? sqlite3_errmsg(d->db_) : "cannot open"));
  sqlite3_db_config(d->db_, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(d->db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(d->db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_limit(d->db_, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_busy_timeout(d->db_, 2000);
  return d;
}

Result<QueryResult> ReadOnlyDatabase::RunTrusted(const std::string& sql) const {
  QueryResult out;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    return Status::InvalidArgument(std::string("SQL: ") + sqlite3_errmsg(db_));
  for (int i = 0; i < sqlite3_column_count(s); ++i) out.columns.push_back(sqlite3_column_name(s, i));
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    std::vector<Value> row;
    for (int i = 0; i < sqlite3_column_count(s); ++i) row.push_back(ColumnValue(s, i));
    out.rows.push_back(std::move(row));
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return Status::IOError(std::string("SQL: ") + sqlite3_errmsg(db_));
  return out;
}

Result<QueryResult> ReadOnlyDatabase::Run(const std::string& sql, const QueryLimits& limits) const {
  AuthState auth;
  auth.tables = &limits.tables;
  sqlite3_set_authorizer(db_, Authorize, &auth);
  sqlite3_stmt* s = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, &tail);
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  if (!auth.refused.empty()) {
    sqlite3_finalize(s);
    const std::string kind = StatementKind(sql);
    const bool select = kind.find("SELECT") != std::string::npos;
    return Status::PermissionDenied("SQL guard: refused " + auth.refused + " (" + kind +
                                    (select ? ")" : "; only SELECT may run)"));
  }
  if (rc != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    return Status::InvalidArgument("SQL: " + msg);
  }
  if (s == nullptr) return Status::InvalidArgument("SQL: empty statement");
  if (!OnlySpaceOrSemicolons(tail)) {
    sqlite3_finalize(s);
    return Status::PermissionDenied("SQL guard: refused a second statement (one SELECT only)");
  }
  if (!sqlite3_stmt_readonly(s)) {
    sqlite3_finalize(s);
    return Status::PermissionDenied("SQL guard: refused a statement that writes");
  }
  Deadline deadline{std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms)};
  sqlite3_progress_handler(db_, 1000, Progress, &deadline);
  QueryResult out;
  for (int i = 0; i < sqlite3_column_count(s); ++i) out.columns.push_back(sqlite3_column_name(s, i));
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (out.rows.size() >= limits.max_rows) {
      out.truncated = true;
      rc = SQLITE_DONE;
      break;
    }
    std::vector<Value> row;
    for (int i = 0; i < sqlite3_column_count(s); ++i) row.push_back(ColumnValue(s, i));
    out.rows.push_back(std::move(row));
  }
  std::string msg = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(s);
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  if (deadline.hit)
    return Status::DeadlineExceeded("SQL guard: query stopped after " + std::to_string(limits.timeout_ms) + " ms");
  if (rc != SQLITE_DONE) return Status::IOError("SQL: " + msg);
  return out;
}

}  // namespace glassbox::table
