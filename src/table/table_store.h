// The table store: tables found during ingestion, in `tables.sqlite` inside
// the collection directory (docs/tables.md).
//
// Layout of tables.sqlite (WAL mode):
//   _gb_tables(name PRIMARY KEY, source, sheet, description, row_count)
//   _gb_columns(table_name, position, name, header, type, unit, currency,
//               unit_column, description, synonyms)          -- synonyms: JSON array
//   one SQLite table per ingested table, named after the table (sanitized,
//   made unique), with its columns (INTEGER, REAL, TEXT; dates as ISO text
//   'YYYY-MM-DD') and three provenance columns _source, _sheet, _row.
//
// ReplaceFile writes all tables of one file in one transaction, replacing the
// tables an earlier ingest of the same file (same source path) left.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"
#include "ingest/reader.h"

struct sqlite3;

namespace glassbox::table {

inline constexpr const char* kTablesFile = "tables.sqlite";

// "qty (t)" -> "qty_t", "Unit Price" -> "unit_price"; non-ASCII kept; never empty.
std::string SanitizeName(const std::string& header, size_t position);

// Units and currencies recognised from a header ("amount_cny", "qty (t)") or
// from a cell's text ("¥1,200"). Empty when none.
struct UnitInfo {
  std::string unit;      // "t", "kg", "m3" ...
  std::string currency;  // "CNY", "USD", "EUR" ...
};
UnitInfo UnitFromHeader(const std::string& header);
std::string CurrencyFromValue(const std::string& text);  // "¥12" -> "CNY"
// "¥1,200.50" -> 1200.5; false if the text is not a currency amount.
bool ParseMoney(const std::string& text, double* out);

// Seconds since 1970 (UTC) -> "YYYY-MM-DD" (with "THH:MM:SS" when not midnight).
std::string IsoDate(double seconds);

class TableStore {
 public:
  ~TableStore();
  TableStore(const TableStore&) = delete;
  TableStore& operator=(const TableStore&) = delete;

  // Opens (creating it when absent) <dir>/tables.sqlite for writing.
  static Result<std::unique_ptr<TableStore>> OpenForWriting(const std::string& dir);

  // Replaces the tables of `source` by `tables` (none: removes them) in one
  // transaction. `sidecar_json`: the text of "<source>.schema.json" or empty.
  Status ReplaceFile(const std::string& source, const std::vector<ingest::Table>& tables,
                     const std::string& sidecar_json);

  const std::string& path() const { return path_; }

 private:
  TableStore() = default;
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Whether <dir>/tables.sqlite exists.
bool HasTableStore(const std::string& dir);

// SQL spelling, shared by the store, the catalog and the parser:
// Quote("a\"b") = "\"a\"\"b\"" (an identifier), Lit("it's") = "'it''s'" (a string
// literal).
std::string Quote(const std::string& id);
std::string Lit(const std::string& s);

}  // namespace glassbox::table
