#include "table/table_store.h"
#include "ingest/text_util.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace glassbox::table {
namespace {

using json = nlohmann::json;

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IOError("tables.sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "error";
    sqlite3_free(err);
    return Status::IOError("tables.sqlite: " + msg + " (in: " + sql.substr(0, 80) + ")");
  }
  return Status::OK();
}

// A prepared statement that finalizes itself.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Status Prepare(sqlite3* db, const std::string& sql, Stmt* st) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st->s, nullptr) != SQLITE_OK) return SqlError(db, "prepare");
  return Status::OK();
}

const char* SqlType(ingest::ColumnType t) {
  switch (t) {
    case ingest::ColumnType::kInteger: return "INTEGER";
    case ingest::ColumnType::kReal: return "REAL";
    default: return "TEXT";
  }
}

struct ColumnMeta {
  std::string description, unit, currency;
  std::vector<std::string> synonyms;
  std::vector<std::pair<std::string, std::string>> value_synonyms;  // value, synonym
};

struct TableMeta {
  std::string description;
  std::vector<std::string> synonyms;
  json columns = json::object();
  json values = json::object();
};

void ReadMeta(const json& j, TableMeta* m) {
  if (!j.is_object()) return;
  if (j.contains("description") && j["description"].is_string()) m->description = j["description"];
  if (j.contains("synonyms") && j["synonyms"].is_array())
    for (auto& s : j["synonyms"]) if (s.is_string()) m->synonyms.push_back(s);
  if (j.contains("columns") && j["columns"].is_object()) m->columns.update(j["columns"]);
  if (j.contains("values") && j["values"].is_object()) m->values.update(j["values"]);
}

ColumnMeta ColumnFromSidecar(const TableMeta& m, const std::string& header, const std::string& name) {
  ColumnMeta c;
  const json* j = nullptr;
  if (m.columns.contains(header)) j = &m.columns[header];
  else if (m.columns.contains(name)) j = &m.columns[name];
  if (j != nullptr && j->is_object()) {
    if (j->contains("description") && (*j)["description"].is_string()) c.description = (*j)["description"];
    if (j->contains("unit") && (*j)["unit"].is_string()) c.unit = (*j)["unit"];
    if (j->contains("currency") && (*j)["currency"].is_string()) c.currency = (*j)["currency"];
    if (j->contains("synonyms") && (*j)["synonyms"].is_array())
      for (auto& s : (*j)["synonyms"]) if (s.is_string()) c.synonyms.push_back(s);
  }
  const json* v = nullptr;
  if (m.values.contains(header)) v = &m.values[header];
  else if (m.values.contains(name)) v = &m.values[name];
  if (v != nullptr && v->is_object())
    for (auto& [value, syns] : v->items())
      if (syns.is_array())
        for (auto& s : syns) if (s.is_string()) c.value_synonyms.push_back({value, s});
  return c;
}

bool IsUnitColumnName(const std::string& n) {
  return n == "unit" || n == "units" || n == "uom" || n == "unit_of_measure" || n == "单位";
}
bool IsQuantityName(const std::string& n) {
  return n.find("qty") != std::string::npos || n.find("quantity") != std::string::npos ||
         n.find("数量") != std::string::npos || n == "volume" || n == "weight" || n == "tonnage";
}

}  // namespace

std::string SanitizeName(const std::string& header, size_t position) {
  std::string out;
  for (unsigned char c : header) {
    if (std::isalnum(c) && c < 0x80) out.push_back(static_cast<char>(std::tolower(c)));
    else if (c >= 0x80) out.push_back(static_cast<char>(c));
    else if (!out.empty() && out.back() != '_') out.push_back('_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) return "column" + std::to_string(position + 1);
  if (out[0] >= '0' && out[0] <= '9') out = "c_" + out;
  if (out[0] == '_') out = "c" + out;  // leading _ is reserved for provenance columns
  return out;
}

UnitInfo UnitFromHeader(const std::string& header) {
  UnitInfo u;
  std::string h = ingest::AsciiLower(header);
  static const std::vector<std::pair<std::string, std::string>> kCurrencies = {
      {"cny", "CNY"}, {"rmb", "CNY"}, {"yuan", "CNY"}, {"usd", "USD"}, {"eur", "EUR"}, {"gbp", "GBP"},
      {"jpy", "JPY"}, {"hkd", "HKD"}, {"¥", "CNY"}, {"￥", "CNY"}, {"元", "CNY"}, {"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}};
  // Parenthesised or bracketed unit: "qty (t)", "price [USD]", "金额（元）".
  std::string inner;
  for (auto [open, close] : std::vector<std::pair<std::string, std::string>>{{"(", ")"}, {"[", "]"}, {"（", "）"}}) {
    size_t a = h.rfind(open);
    size_t b = a == std::string::npos ? a : h.find(close, a);
    if (b != std::string::npos) { inner = h.substr(a + open.size(), b - a - open.size()); break; }
  }
  // Suffix after the last separator: "amount_cny", "price-usd", "weight kg".
  std::string suffix;
  size_t sep = h.find_last_of("_- ");
  if (sep != std::string::npos) suffix = h.substr(sep + 1);
  for (const std::string& cand : {inner, suffix}) {
    if (cand.empty()) continue;
    for (auto& [k, v] : kCurrencies)
      if (cand == k) { u.currency = v; return u; }
  }
  static const std::set<std::string> kUnits = {"t", "kg", "g", "tonne", "tonnes", "tons", "ton", "m", "m2", "m3", "km", "l",
                                               "litre", "liter", "litres", "pcs", "pieces", "h", "hours", "days", "吨", "公斤", "米", "%"};
  if (!inner.empty()) { u.unit = inner; return u; }
  if (kUnits.count(suffix) && suffix.size() != h.size()) u.unit = suffix;
  return u;
}

std::string CurrencyFromValue(const std::string& text) {
  static const std::vector<std::pair<std::string, std::string>> kSymbols = {
      {"¥", "CNY"}, {"￥", "CNY"}, {"元", "CNY"}, {"RMB", "CNY"}, {"US$", "USD"}, {"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}};
  for (auto& [s, c] : kSymbols)
    if (text.find(s) != std::string::npos) return c;
  return "";
}

bool ParseMoney(const std::string& text, double* out) {
  if (CurrencyFromValue(text).empty()) return false;
  std::string digits;
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c >= '0' && c <= '9') || c == '.' || (c == '-' && digits.empty())) { digits.push_back(c); any |= c >= '0' && c <= '9'; }
    else if (c == ',' || c == ' ') continue;
    else if (static_cast<unsigned char>(c) >= 0x80 || std::isalpha(static_cast<unsigned char>(c)) || c == '$') {
      if (any && i + 1 < text.size() && !(static_cast<unsigned char>(c) >= 0x80)) return false;
    } else return false;
  }
  if (!any) return false;
  char* end = nullptr;
  *out = std::strtod(digits.c_str(), &end);
  return end != nullptr && *end == '\0';
}

std::string IsoDate(double seconds) { return MetadataValue::FormatDate(seconds); }

bool HasTableStore(const std::string& dir) {
  struct stat st;
  return ::stat((dir + "/" + kTablesFile).c_str(), &st) == 0;
}

TableStore::~TableStore() { sqlite3_close(db_); }

Result<std::unique_ptr<TableStore>> TableStore::OpenForWriting(const std::string& dir) {
  std::unique_ptr<TableStore> s(new TableStore());
  s->path_ = dir + "/" + kTablesFile;
  if (sqlite3_open_v2(s->path_.c_str(), &s->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return SqlError(s->db_, "cannot open " + s->path_);
  sqlite3_busy_timeout(s->db_, 5000);
  GB_RETURN_IF_ERROR(Exec(s->db_, "PRAGMA journal_mode=WAL"));
  GB_RETURN_IF_ERROR(Exec(s->db_, "PRAGMA synchronous=FULL"));
  GB_RETURN_IF_ERROR(Exec(s->db_,
                          "CREATE TABLE IF NOT EXISTS _gb_tables(name TEXT PRIMARY KEY, source TEXT NOT NULL, sheet TEXT, "
                          "description TEXT, synonyms TEXT, row_count INTEGER);"
                          "CREATE TABLE IF NOT EXISTS _gb_columns(table_name TEXT NOT NULL, position INTEGER NOT NULL, "
                          "name TEXT NOT NULL, header TEXT, type TEXT NOT NULL, unit TEXT, currency TEXT, unit_column TEXT, "
                          "description TEXT, synonyms TEXT, PRIMARY KEY(table_name, position));"
                          "CREATE TABLE IF NOT EXISTS _gb_values(table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
                          "value TEXT NOT NULL, synonym TEXT NOT NULL);"));
  return s;
}

Status TableStore::ReplaceFile(const std::string& source, const std::vector<ingest::Table>& tables,
                               const std::string& sidecar_json) {
  json sidecar = json::object();
  if (!sidecar_json.empty()) {
    sidecar = json::parse(sidecar_json, nullptr, /*allow_exceptions=*/false);
    if (sidecar.is_discarded() || !sidecar.is_object())
      return Status::InvalidArgument(source + ".schema.json: not a JSON object");
  }
  GB_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    // The file's old tables.
    std::vector<std::string> old;
    {
      Stmt q;
      GB_RETURN_IF_ERROR(Prepare(db_, "SELECT name FROM _gb_tables WHERE source = ?", &q));
      sqlite3_bind_text(q.s, 1, source.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(q.s) == SQLITE_ROW) old.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0)));
    }
    for (const auto& name : old) {
      GB_RETURN_IF_ERROR(Exec(db_, "DROP TABLE IF EXISTS " + Quote(name)));
      for (const char* t : {"_gb_tables WHERE name", "_gb_columns WHERE table_name", "_gb_values WHERE table_name"}) {
        Stmt d;
        GB_RETURN_IF_ERROR(Prepare(db_, std::string("DELETE FROM ") + t + " = ?", &d));
        sqlite3_bind_text(d.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(d.s) != SQLITE_DONE) return SqlError(db_, "delete");
      }
    }
    for (const auto& t : tables) {
      if (t.columns.empty()) continue;
      TableMeta meta;
      ReadMeta(sidecar, &meta);
      if (sidecar.contains("tables") && sidecar["tables"].is_object()) {
        const json& per = sidecar["tables"];
        std::string key = t.sheet.empty() ? t.name : t.sheet;
        if (per.contains(key)) ReadMeta(per[key], &meta);
      }
      std::string base = SanitizeName(!t.sheet.empty() && tables.size() > 1 ? t.name + "_" + t.sheet : t.name, 0);
      if (sidecar.contains("table") && sidecar["table"].is_string() && tables.size() == 1)
        base = SanitizeName(sidecar["table"].get<std::string>(), 0);
      std::string name = base;
      for (int n = 2;; ++n) {  // unique among all tables (another file may hold a table of that name)
        Stmt q;
        GB_RETURN_IF_ERROR(Prepare(db_, "SELECT 1 FROM sqlite_master WHERE lower(name) = lower(?)", &q));
        sqlite3_bind_text(q.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q.s) != SQLITE_ROW && name.rfind("_gb_", 0) != 0 && name.rfind("sqlite_", 0) != 0) break;
        name = base + "_" + std::to_string(n);
      }
      // Columns: names, types (money text -> REAL), units.
      const size_t nc = t.columns.size();
      std::vector<std::string> names(nc);
      std::vector<ingest::ColumnType> types(nc);
      std::vector<bool> money(nc, false);
      std::vector<UnitInfo> units(nc);
      std::set<std::string> used;
      for (size_t c = 0; c < nc; ++c) {
        std::string n = SanitizeName(t.columns[c].name, c);
        std::string u = n;
        for (int k = 2; used.count(ingest::AsciiLower(u)); ++k) u = n + "_" + std::to_string(k);
        used.insert(ingest::AsciiLower(u));
        names[c] = u;
        types[c] = t.columns[c].type;
        units[c] = UnitFromHeader(t.columns[c].name);
        if (types[c] == ingest::ColumnType::kText) {
          bool all = true, any = false;
          std::string cur;
          for (const auto& r : t.rows) {
            if (r.cells[c].null) continue;
            double v;
            any = true;
            if (!ParseMoney(r.cells[c].text, &v)) { all = false; break; }
            if (cur.empty()) cur = CurrencyFromValue(r.cells[c].text);
          }
          if (any && all) {
            money[c] = true;
            types[c] = ingest::ColumnType::kReal;
            if (units[c].currency.empty()) units[c].currency = cur;
          }
        }
      }
      std::string unit_column;
      for (size_t c = 0; c < nc; ++c)
        if (types[c] == ingest::ColumnType::kText && IsUnitColumnName(names[c])) unit_column = names[c];
      std::string ddl = "CREATE TABLE " + Quote(name) + "(";
      for (size_t c = 0; c < nc; ++c) ddl += Quote(names[c]) + " " + SqlType(types[c]) + ", ";
      ddl += "_source TEXT, _sheet TEXT, _row INTEGER)";
      GB_RETURN_IF_ERROR(Exec(db_, ddl));
      {
        Stmt ins;
        GB_RETURN_IF_ERROR(Prepare(db_,
                                   "INSERT INTO _gb_tables(name, source, sheet, description, synonyms, row_count) "
                                   "VALUES(?,?,?,?,?,?)",
                                   &ins));
        sqlite3_bind_text(ins.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 2, source.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 3, t.sheet.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 4, meta.description.c_str(), -1, SQLITE_TRANSIENT);
        std::string syn = json(meta.synonyms).dump();
        sqlite3_bind_text(ins.s, 5, syn.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins.s, 6, static_cast<int64_t>(t.rows.size()));
        if (sqlite3_step(ins.s) != SQLITE_DONE) return SqlError(db_, "catalog insert");
      }
      for (size_t c = 0; c < nc; ++c) {
        ColumnMeta cm = ColumnFromSidecar(meta, t.columns[c].name, names[c]);
        std::string unit = cm.unit.empty() ? units[c].unit : cm.unit;
        std::string currency = cm.currency.empty() ? units[c].currency : cm.currency;
        bool numeric = types[c] == ingest::ColumnType::kInteger || types[c] == ingest::ColumnType::kReal;
        std::string ucol = numeric && unit.empty() && currency.empty() && IsQuantityName(names[c]) ? unit_column : "";
        Stmt ins;
        GB_RETURN_IF_ERROR(Prepare(db_,
                                   "INSERT INTO _gb_columns(table_name, position, name, header, type, unit, currency, "
                                   "unit_column, description, synonyms) VALUES(?,?,?,?,?,?,?,?,?,?)",
                                   &ins));
        std::string syn = json(cm.synonyms).dump();
        const char* type = ingest::ColumnTypeName(types[c]);
        sqlite3_bind_text(ins.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins.s, 2, static_cast<int64_t>(c));
        sqlite3_bind_text(ins.s, 3, names[c].c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 4, t.columns[c].name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 5, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins.s, 6, unit.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 7, currency.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 8, ucol.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 9, cm.description.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, 10, syn.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins.s) != SQLITE_DONE) return SqlError(db_, "catalog insert");
        for (auto& [value, synonym] : cm.value_synonyms) {
          Stmt v;
          GB_RETURN_IF_ERROR(Prepare(db_, "INSERT INTO _gb_values VALUES(?,?,?,?)", &v));
          sqlite3_bind_text(v.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(v.s, 2, names[c].c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(v.s, 3, value.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(v.s, 4, synonym.c_str(), -1, SQLITE_TRANSIENT);
          if (sqlite3_step(v.s) != SQLITE_DONE) return SqlError(db_, "catalog insert");
        }
      }
      // Rows.
      std::string sql = "INSERT INTO " + Quote(name) + " VALUES(";
      for (size_t c = 0; c < nc + 3; ++c) sql += c ? ",?" : "?";
      sql += ")";
      Stmt ins;
      GB_RETURN_IF_ERROR(Prepare(db_, sql, &ins));
      for (const auto& r : t.rows) {
        sqlite3_reset(ins.s);
        for (size_t c = 0; c < nc; ++c) {
          const ingest::TableCell& cell = r.cells[c];
          int i = static_cast<int>(c) + 1;
          if (cell.null) { sqlite3_bind_null(ins.s, i); continue; }
          double v;
          if (money[c] && ParseMoney(cell.text, &v)) { sqlite3_bind_double(ins.s, i, v); continue; }
          switch (t.columns[c].type) {
            case ingest::ColumnType::kInteger: sqlite3_bind_int64(ins.s, i, cell.integer); break;
            case ingest::ColumnType::kReal: sqlite3_bind_double(ins.s, i, cell.real); break;
            case ingest::ColumnType::kDate: {
              std::string d = IsoDate(cell.real);
              sqlite3_bind_text(ins.s, i, d.c_str(), -1, SQLITE_TRANSIENT);
              break;
            }
            case ingest::ColumnType::kText: sqlite3_bind_text(ins.s, i, cell.text.c_str(), -1, SQLITE_TRANSIENT); break;
          }
        }
        sqlite3_bind_text(ins.s, static_cast<int>(nc) + 1, source.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins.s, static_cast<int>(nc) + 2, t.sheet.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins.s, static_cast<int>(nc) + 3, static_cast<int64_t>(r.row));
        if (sqlite3_step(ins.s) != SQLITE_DONE) return SqlError(db_, "insert into " + name);
      }
    }
    return Status::OK();
  };
  Status st = body();
  if (!st.ok()) {
    Exec(db_, "ROLLBACK");
    return st;
  }
  return Exec(db_, "COMMIT");
}

std::string Quote(const std::string& id) {
  std::string q = "\"";
  for (char c : id) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  return q + "\"";
}

std::string Lit(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q.push_back('\'');
    q.push_back(c);
  }
  return q + "'";
}

}  // namespace glassbox::table
