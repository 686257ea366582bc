// The SQL guard: every generated query runs through here (docs/tables.md).
//
//  - the database is opened read-only (SQLITE_OPEN_READONLY), extensions off;
//  - one statement only, and it must be read-only (sqlite3_stmt_readonly);
//  - an authorizer allow-list while it is prepared: SELECT, READ and
//    FUNCTION (except load_extension and other file functions); everything
//    else (ATTACH, PRAGMA, INSERT, DROP, recursive CTEs, ...) is refused;
//  - a row limit and a time limit (sqlite3_progress_handler).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"

struct sqlite3;

namespace glassbox::table {

struct Value {
  enum class Kind { kNull, kInteger, kReal, kText } kind = Kind::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::string ToString() const;  // as a person reads it: 1234.5, "cement", "" for null
  bool operator==(const Value& o) const;
};

struct QueryLimits {
  size_t max_rows = 1000;   // more rows: the result is cut and marked truncated
  int timeout_ms = 2000;    // longer: DeadlineExceeded
  // Tables the statement may read (lower case); empty: any. Reading another
  // (sqlite_master, the _gb_* catalog) is PermissionDenied naming the table.
  std::vector<std::string> tables;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  bool truncated = false;
};

class ReadOnlyDatabase {
 public:
  ~ReadOnlyDatabase();
  ReadOnlyDatabase(const ReadOnlyDatabase&) = delete;
  ReadOnlyDatabase& operator=(const ReadOnlyDatabase&) = delete;

  // Opens an SQLite file read-only; NotFound when it does not exist.
  static Result<std::unique_ptr<ReadOnlyDatabase>> Open(const std::string& path);

  // Checks and runs one SELECT under the guard. A refused statement is
  // PermissionDenied naming what was refused; a syntax error InvalidArgument.
  Result<QueryResult> Run(const std::string& sql, const QueryLimits& limits = {}) const;

  // Trusted introspection (catalog loading): no authorizer, still read-only.
  Result<QueryResult> RunTrusted(const std::string& sql) const;

  const std::string& path() const { return path_; }

 private:
  ReadOnlyDatabase() = default;
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace glassbox::table
