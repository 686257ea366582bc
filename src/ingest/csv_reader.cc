// CSV (RFC 4180): a header row, then one document per row.
//
//  - Fields are separated by commas, records by LF or CRLF. A quoted field may
//    hold commas, line ends and doubled quotes (""). A quote inside an
//    unquoted field is taken literally (common in real exports: 5" screen);
//    anything but a comma or a line end after a closing quote is an error.
//  - Lines that are empty or hold only whitespace are skipped.
//  - Every row must have as many fields as the header. Header names are
//    trimmed; an empty name becomes "column<N>" (1-based); duplicates are errors.
//  - Column types are inferred over the whole file from the trimmed non-empty
//    values: number if all parse as numbers, date if all parse as dates
//    (MetadataValue::ParseDate), else text. A column with no values is text.
//  - Every non-empty cell becomes metadata of its column's type.
//  - Text columns are ReaderOptions::csv_text_columns (those present in this
//    file; if none is, the default applies), by default every text-typed column.
//    The body is one "column: value" line per non-empty text cell.
//  - id: the csv_id_column cell (must be non-empty), else "<name>:<line>".
//  - title: the title_key column if there is one, else the first non-empty text
//    cell, cut to its first line and at most ~120 characters.
//  - The file is also one Table (reader.h) named by the file stem: a number
//    column is integer when every value is a whole number written without a
//    point or exponent that fits in 64 bits ("007", "-3"), else real; date and
//    text as above. Rows are numbered as a spreadsheet would (header = row 1).
#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "glassbox/document.h"
#include "ingest/doc_formats.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

using Record = CellRow;  // line: where the record starts

std::string LinePrefix(size_t line) { return "line " + std::to_string(line) + ": "; }

Status ParseRecords(std::string_view s, std::vector<Record>* records) {
  size_t i = 0, line = 1;
  const size_t n = s.size();
  while (i < n) {
    Record rec;
    rec.line = line;
    bool any_quoted = false;
    while (true) {
      std::string field;
      if (i < n && s[i] == '"') {
        any_quoted = true;
        size_t field_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          char c = s[i];
          if (c == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
          ++i;
        }
        if (!closed) return Status::InvalidArgument(LinePrefix(field_line) + "unterminated quoted field");
        if (i < n && s[i] != ',' && s[i] != '\n' && !(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') &&
            !(s[i] == '\r' && i + 1 == n))
          return Status::InvalidArgument(LinePrefix(line) + "unexpected character after closing quote");
      } else {
        size_t begin = i;
        while (i < n && s[i] != ',' && s[i] != '\n') ++i;
        size_t end = i;
        if (end > begin && s[end - 1] == '\r' && (i == n || s[i] == '\n')) --end;  // CRLF
        field.assign(s.substr(begin, end - begin));
      }
      rec.fields.push_back(std::move(field));
      if (i < n && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && s[i] == '\r') ++i;  // CRLF after a quoted field
      if (i < n && s[i] == '\n') {
        ++i;
        ++line;
      }
      break;
    }
    if (!any_quoted && rec.fields.size() == 1 && TrimAscii(rec.fields[0]).empty()) continue;  // blank line
    records->push_back(std::move(rec));
  }
  return Status::OK();
}

enum class Inferred { kNumber, kDate, kText };

std::string ShortTitle(std::string_view text) {
  text = TrimAscii(text);
  size_t nl = text.find('\n');
  if (nl != std::string_view::npos) text = TrimAscii(text.substr(0, nl));
  if (CountChars(text) < kMaxTitleChars) return std::string(text);
  size_t cut = AdvanceChars(text, 0, kMaxTitleChars - 1);
  size_t space = text.rfind(' ', cut);
  if (space != std::string_view::npos && space > cut / 2) cut = space;
  return std::string(TrimAscii(text.substr(0, cut)));
}

// "-12", "+3", "007": an integer that fits in 64 bits; "1.0", "1e3": not.
bool ParseInteger(std::string_view s, int64_t* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Column types over the rows: number if every non-empty value parses as a
// number, date if every one parses as a date, else text (also for a column
// without values and for the access-control columns, which hold names).
std::vector<Inferred> InferTypes(const std::vector<std::string>& columns, std::span<const CellRow> rows) {
  const size_t ncols = columns.size();
  std::vector<Inferred> types(ncols);
  for (size_t c = 0; c < ncols; ++c) {
    bool all_numbers = true, all_dates = true, any = false;
    MetadataValue tmp;
    for (size_t r = 0; r < rows.size() && (all_numbers || all_dates); ++r) {
      if (c >= rows[r].fields.size()) continue;
      std::string v(TrimAscii(rows[r].fields[c]));
      if (v.empty()) continue;
      any = true;
      double d;
      if (all_numbers && !ParseNumber(v, &d)) all_numbers = false;
      if (all_dates && !MetadataValue::ParseDate(v, &tmp)) all_dates = false;
    }
    types[c] = !any ? Inferred::kText : all_numbers ? Inferred::kNumber : all_dates ? Inferred::kDate : Inferred::kText;
    if (columns[c] == kAclUsersField || columns[c] == kAclGroupsField) types[c] = Inferred::kText;
  }
  return types;
}

}  // namespace

// A table with typed columns (see the top of the file).
Table BuildTable(const std::string& name, const std::vector<std::string>& columns, std::span<const CellRow> rows) {
  Table t;
  Table* table = &t;
  table->name = name;
  const size_t ncols = columns.size();
  std::vector<Inferred> types = InferTypes(columns, rows);
  for (size_t c = 0; c < ncols; ++c) {
    ColumnType ct = ColumnType::kText;
    if (types[c] == Inferred::kDate) ct = ColumnType::kDate;
    if (types[c] == Inferred::kNumber) {
      ct = ColumnType::kInteger;
      int64_t i;
      for (size_t r = 0; r < rows.size() && ct == ColumnType::kInteger; ++r) {
        if (c >= rows[r].fields.size()) continue;
        std::string_view v = TrimAscii(rows[r].fields[c]);
        if (!v.empty() && !ParseInteger(v, &i)) ct = ColumnType::kReal;
      }
    }
    table->columns.push_back({columns[c], ct});
  }
  table->rows.reserve(rows.size());
  for (const CellRow& in : rows) {
    TableRow row;
    row.row = in.row;
    row.line = in.line;
    row.cells.resize(ncols);
    for (size_t c = 0; c < ncols && c < in.fields.size(); ++c) {
      TableCell& cell = row.cells[c];
      std::string_view v = TrimAscii(in.fields[c]);
      if (v.empty()) continue;
      cell.null = false;
      cell.text = std::string(v);
      MetadataValue date;
      switch (table->columns[c].type) {
        case ColumnType::kInteger: ParseInteger(v, &cell.integer); break;
        case ColumnType::kReal: ParseNumber(v, &cell.real); break;
        case ColumnType::kDate:
          if (MetadataValue::ParseDate(cell.text, &date)) cell.real = date.number;
          break;
        case ColumnType::kText: break;
      }
    }
    table->rows.push_back(std::move(row));
  }
  return t;
}


Result<std::vector<SourceDocument>> ReadCsv(std::string_view data, const std::string& name, const ReaderOptions& options,
                                            Table* table) {
  std::vector<Record> records;
  GB_RETURN_IF_ERROR(ParseRecords(data, &records));
  std::vector<SourceDocument> docs;
  if (records.empty()) return docs;

  std::vector<std::string> columns;
  std::unordered_map<std::string, size_t> index;
  for (size_t c = 0; c < records[0].fields.size(); ++c) {
    std::string col(TrimAscii(records[0].fields[c]));
    if (col.empty()) col = "column" + std::to_string(c + 1);
    if (!index.emplace(col, c).second)
      return Status::InvalidArgument(LinePrefix(records[0].line) + "duplicate column name '" + col + "'");
    columns.push_back(std::move(col));
  }
  const size_t ncols = columns.size();
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].fields.size() != ncols)
      return Status::InvalidArgument(LinePrefix(records[r].line) + "expected " + std::to_string(ncols) +
                                     " columns, found " + std::to_string(records[r].fields.size()));
  }

  for (size_t r = 0; r < records.size(); ++r) records[r].row = r + 1;  // the header is row 1
  const std::span<const CellRow> data_rows(records.data() + 1, records.size() - 1);
  std::vector<Inferred> types = InferTypes(columns, data_rows);

  std::vector<size_t> text_columns;
  for (const auto& want : options.csv_text_columns)
    if (auto it = index.find(want); it != index.end()) text_columns.push_back(it->second);
  if (text_columns.empty())
    for (size_t c = 0; c < ncols; ++c)
      if (types[c] == Inferred::kText && columns[c] != kAclUsersField && columns[c] != kAclGroupsField)
        text_columns.push_back(c);

  size_t id_col = ncols, title_col = ncols;
  if (!options.csv_id_column.empty())
    if (auto it = index.find(options.csv_id_column); it != index.end()) id_col = it->second;
  if (!options.title_key.empty())
    if (auto it = index.find(options.title_key); it != index.end()) title_col = it->second;

  std::unordered_map<std::string, size_t> seen;
  docs.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    SourceDocument doc;
    doc.source = name;
    if (id_col < ncols) {
      doc.id = std::string(TrimAscii(rec.fields[id_col]));
      if (doc.id.empty())
        return Status::InvalidArgument(LinePrefix(rec.line) + "empty id in column '" + columns[id_col] + "'");
    } else {
      doc.id = PositionalId(name, rec.line);
    }
    if (auto [it, inserted] = seen.emplace(doc.id, rec.line); !inserted)
      return Status::InvalidArgument(LinePrefix(rec.line) + "duplicate id '" + doc.id + "' (first on line " +
                                     std::to_string(it->second) + ")");
    for (size_t c = 0; c < ncols; ++c) {
      std::string v(TrimAscii(rec.fields[c]));
      if (v.empty() && (columns[c] == kAclUsersField || columns[c] == kAclGroupsField))
        return Status::InvalidArgument(LinePrefix(rec.line) + "empty '" + columns[c] +
                                       "': a row of a file with access-control columns must name who may see it");
      if (v.empty()) continue;
      double d;
      MetadataValue date;
      if (types[c] == Inferred::kNumber && ParseNumber(v, &d))
        doc.metadata.emplace_back(columns[c], MetadataValue::Number(d, v));
      else if (types[c] == Inferred::kDate && MetadataValue::ParseDate(v, &date))
        doc.metadata.emplace_back(columns[c], date);
      else
        doc.metadata.emplace_back(columns[c], MetadataValue::Keyword(v));
    }
    for (size_t c : text_columns) {
      std::string_view v = TrimAscii(rec.fields[c]);
      if (v.empty()) continue;
      if (!doc.body.empty()) doc.body += '\n';
      doc.body += columns[c];
      doc.body += ": ";
      doc.body += v;
      if (doc.title.empty() && title_col == ncols) doc.title = ShortTitle(v);
    }
    if (title_col < ncols) doc.title = ShortTitle(rec.fields[title_col]);
    docs.push_back(std::move(doc));
  }
  if (table != nullptr) {
    *table = BuildTable(FileStem(name), columns, data_rows);
    table->source = name;
  }
  return docs;
}

Reader CsvReader() {
  Reader r;
  r.name = "csv";
  r.media_types = {"text/csv"};
  r.extensions = {".csv"};
  r.read = [](const ReadInput& in, ReadOutput* out) {
    Table table;
    GB_RETURN_IF_ERROR(YieldDocuments(ReadCsv(in.data, in.name, in.options, &table), out));
    if (!table.columns.empty()) out->tables.push_back(std::move(table));
    return Status::OK();
  };
  return r;
}

void AddDocumentTable(const std::vector<std::vector<std::string>>& rows, const std::string& stem, size_t min_rows,
                      std::string* body, std::vector<Table>* tables) {
  std::string lines;
  for (const auto& r : rows) {
    std::string line;
    for (const auto& c : r)
      if (!c.empty()) line += (line.empty() ? "" : " | ") + c;
    if (!line.empty()) lines += (lines.empty() ? "" : "\n") + line;
  }
  if (!lines.empty()) {
    if (!body->empty()) *body += "\n\n";
    *body += lines;
  }
  if (rows.empty() || rows.size() < min_rows) return;
  std::vector<std::string> columns = UniqueColumnNames(rows[0]);
  std::vector<CellRow> data;
  for (size_t r = 1; r < rows.size(); ++r) data.push_back({r + 1, 0, rows[r]});
  tables->push_back(BuildTable(stem + " table " + std::to_string(tables->size() + 1), columns, data));
}

}  // namespace glassbox::ingest
