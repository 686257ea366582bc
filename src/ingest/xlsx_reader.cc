// XLSX (Excel 2007+; libzip + pugixml): per sheet, one Table and one document.
//
//  - Sheets in workbook order (xl/workbook.xml, resolved through its
//    relationships). Cell values: shared strings (rich text runs joined),
//    inline strings, formula strings, booleans (TRUE / FALSE), errors as
//    written (#DIV/0!), numbers (shortest exact spelling, "12.5"), and dates:
//    a number whose cell style's number format is a date (built-in ids 14-22,
//    27-36, 45-47, 50-58, or a custom format with d, m, y, h or s outside quotes
//    and brackets) becomes "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS", by the 1900
//    date system (with its 1900-02-29 quirk) or 1904 when the workbook says so.
//  - The first non-empty row is the header; the rest are data rows, numbered
//    as the sheet numbers them. Column types follow the CSV rules
//    (BuildTable): a Table per sheet named after the sheet, with `sheet` set.
//  - The searchable document of a sheet (id "<file>:<sheet>", title
//    "<file stem> - <sheet>") holds one block of "column: value" lines per
//    row, as the CSV reader writes rows; metadata sheet, range ("A1:D5"),
//    rows, and the workbook's author / created.
//  - Errors start with the sheet: `sheet "Q1": part xl/worksheets/sheet1.xml: bad XML ...`.
#include <cmath>
#include <map>

#include "ingest/doc_formats.h"
#include "ingest/ooxml.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

constexpr size_t kMaxColumns = 16384;  // Excel's XFD

std::string SharedStringText(const pugi::xml_node& si) {
  std::string out;
  for (pugi::xml_node c : si.children()) {
    std::string_view local = LocalName(c);
    if (local == "t") out += c.text().get();
    else if (local == "r") out += Child(c, "t").text().get();
  }
  return out;
}

bool IsDateFormatId(int id) {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

bool IsDateFormatCode(std::string_view code) {
  std::string bare;
  bool quoted = false, bracket = false;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (quoted) {
      quoted = c != '"';
      continue;
    }
    if (bracket) {
      bracket = c != ']';
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '[') bracket = true;
    else if (c == '\\' || c == '_' || c == '*') ++i;  // escaped / padding character
    else if (c == ';') break;                         // the first section decides
    else bare.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (bare.find("general") != std::string::npos) return false;
  return bare.find_first_of("dmyhs") != std::string::npos;
}


std::string SerialToIso(double serial, bool date1904) {
  if (!(serial >= 0) || serial > 2958466) return "";  // past 9999-12-31
  int64_t whole = static_cast<int64_t>(std::floor(serial));
  int64_t seconds = std::llround((serial - static_cast<double>(whole)) * 86400.0);
  if (seconds >= 86400) {
    ++whole;
    seconds -= 86400;
  }
  int64_t unix_days;
  if (date1904) unix_days = whole - 24107;
  else if (whole >= 61) unix_days = whole - 25569;
  else if (whole == 60) unix_days = 59 - 25568;  // Excel's 1900-02-29 does not exist: the day before
  else unix_days = whole - 25568;
  std::string out = MetadataValue::FormatDate(static_cast<double>(unix_days) * 86400);
  if (seconds > 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "T%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
    out += buf;
  }
  return out;
}

std::string NumberText(std::string_view v) {
  double d;
  if (!ParseNumber(v, &d)) return std::string(v);
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

// "BC12" -> column 54 (0-based), row 12; false if malformed.
bool ParseRef(std::string_view ref, size_t* col, size_t* row) {
  size_t i = 0, c = 0;
  while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i]))) {
    c = c * 26 + static_cast<size_t>(std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (c > kMaxColumns) return false;
    ++i;
  }
  if (i == 0 || i == ref.size()) return false;
  size_t r = 0;
  for (; i < ref.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(ref[i]))) return false;
    r = r * 10 + static_cast<size_t>(ref[i] - '0');
    if (r > 10'000'000) return false;
  }
  *col = c - 1;
  *row = r;
  return r > 0;
}

std::string ColumnLetters(size_t col) {
  std::string s;
  for (size_t c = col + 1; c > 0; c = (c - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
  return s;
}

struct Workbook {
  std::vector<std::string> shared;
  std::vector<bool> date_style;  // by cell style index (s="")
  bool date1904 = false;
};

Status ReadSheet(const ZipArchive& zip, const Workbook& wb, const std::string& part, const std::string& sheet,
                 const std::string& file, ReadOutput* out) {
  std::string buffer;
  pugi::xml_document xml;
  GB_RETURN_IF_ERROR(LoadPart(zip, part, &buffer, &xml));
  std::map<size_t, std::vector<std::string>> grid;  // row -> cells
  size_t max_col = 0;
  pugi::xml_node data = Child(xml.document_element(), "sheetData");
  size_t next_row = 1;
  for (pugi::xml_node row : data.children()) {
    if (LocalName(row) != "row") continue;
    size_t r = Attr(row, "r") ? Attr(row, "r").as_ullong() : next_row;
    if (r == 0 || r > 10'000'000) return Status::InvalidArgument("part " + part + ": bad row number");
    next_row = r + 1;
    size_t next_col = 0;
    for (pugi::xml_node c : row.children()) {
      if (LocalName(c) != "c") continue;
      size_t col = next_col, rr = r;
      if (pugi::xml_attribute ref = Attr(c, "r"); ref && !ParseRef(ref.value(), &col, &rr))
        return Status::InvalidArgument("cell " + std::string(ref.value()) + ": bad cell reference");
      next_col = col + 1;
      std::string_view type = Attr(c, "t").value();
      std::string v = Child(c, "v").text().get();
      std::string text;
      if (type == "s") {
        size_t idx = static_cast<size_t>(std::strtoull(v.c_str(), nullptr, 10));
        if (v.empty() || idx >= wb.shared.size())
          return Status::InvalidArgument("cell " + ColumnLetters(col) + std::to_string(r) + ": shared string " + v +
                                         " out of range");
        text = wb.shared[idx];
      } else if (type == "inlineStr") {
        text = SharedStringText(Child(c, "is"));
      } else if (type == "b") {
        text = v == "1" ? "TRUE" : "FALSE";
      } else if (type == "str" || type == "e" || type == "d") {
        text = v;
      } else if (!v.empty()) {
        size_t style = Attr(c, "s").as_uint();
        double serial;
        if (style < wb.date_style.size() && wb.date_style[style] && ParseNumber(v, &serial))
          text = SerialToIso(serial, wb.date1904);
        if (text.empty()) text = NumberText(v);
      }
      if (TrimAscii(text).empty()) continue;
      auto& cells = grid[r];
      if (cells.size() <= col) cells.resize(col + 1);
      cells[col] = std::move(text);
      max_col = std::max(max_col, col + 1);
    }
  }
  if (grid.empty()) return Status::OK();
  auto it = grid.begin();
  std::vector<std::string> header = it->second;
  header.resize(max_col);
  std::vector<std::string> columns = UniqueColumnNames(header);
  const size_t first_row = it->first;
  std::vector<CellRow> rows;
  for (++it; it != grid.end(); ++it) {
    it->second.resize(max_col);
    rows.push_back({it->first, 0, std::move(it->second)});
  }
  Table table = BuildTable(sheet, columns, rows);
  table.sheet = sheet;
  out->tables.push_back(std::move(table));

  SourceDocument doc;
  doc.id = file + ":" + sheet;
  doc.title = FileStem(file) + " - " + sheet;
  for (const auto& row : rows) {
    if (!doc.body.empty()) doc.body += "\n\n";
    AppendRowLines(columns, row.fields, &doc.body);
  }
  const size_t last_row = rows.empty() ? first_row : rows.back().row;
  doc.metadata.emplace_back("sheet", MetadataValue::Keyword(sheet));
  doc.metadata.emplace_back("range", MetadataValue::Keyword("A" + std::to_string(first_row) + ":" +
                                                            ColumnLetters(max_col - 1) + std::to_string(last_row)));
  doc.metadata.emplace_back("rows", MetadataValue::Number(static_cast<double>(rows.size()), std::to_string(rows.size())));
  if (!doc.body.empty()) out->documents.push_back(std::move(doc));
  return Status::OK();
}

Status ReadXlsx(const ReadInput& in, ReadOutput* out) {
  auto opened = ZipArchive::Open(in.data);
  if (!opened.ok()) return opened.status();
  const ZipArchive& zip = *opened.value();
  std::string wb_buffer;
  pugi::xml_document wb_xml;
  Status st = LoadPart(zip, "xl/workbook.xml", &wb_buffer, &wb_xml);
  if (!st.ok()) return st.code() == Status::Code::kNotFound ? Status::InvalidArgument("not an Excel workbook (no xl/workbook.xml)") : st;
  Workbook wb;
  wb.date1904 = Attr(Child(wb_xml.document_element(), "workbookPr"), "date1904").as_bool();
  {
    std::string buffer;
    pugi::xml_document xml;
    if (zip.Has("xl/sharedStrings.xml")) {
      GB_RETURN_IF_ERROR(LoadPart(zip, "xl/sharedStrings.xml", &buffer, &xml));
      for (pugi::xml_node si : xml.document_element().children())
        if (LocalName(si) == "si") wb.shared.push_back(SharedStringText(si));
    }
  }
  {
    std::string buffer;
    pugi::xml_document xml;
    if (zip.Has("xl/styles.xml")) {
      GB_RETURN_IF_ERROR(LoadPart(zip, "xl/styles.xml", &buffer, &xml));
      std::map<int, bool> custom;
      for (pugi::xml_node f : Child(xml.document_element(), "numFmts").children())
        custom[Attr(f, "numFmtId").as_int()] = IsDateFormatCode(Attr(f, "formatCode").value());
      for (pugi::xml_node xf : Child(xml.document_element(), "cellXfs").children()) {
        int id = Attr(xf, "numFmtId").as_int();
        auto c = custom.find(id);
        wb.date_style.push_back(c != custom.end() ? c->second : IsDateFormatId(id));
      }
    }
  }
  auto rels = ReadRelationships(zip, "xl/_rels/workbook.xml.rels", "xl/");
  CoreProperties core = ReadCoreProperties(zip);
  size_t first_doc = out->documents.size();
  for (pugi::xml_node s : Child(wb_xml.document_element(), "sheets").children()) {
    if (LocalName(s) != "sheet") continue;
    std::string name = Attr(s, "name").value();
    std::string where = "sheet \"" + name + "\": ";
    auto rel = rels.find(RelId(s));
    if (rel == rels.end()) return Status::InvalidArgument(where + "no part for the sheet in the workbook relationships");
    if (!zip.Has(rel->second)) continue;  // chart sheets and dialogs have other parts
    Status sheet_status = ReadSheet(zip, wb, rel->second, name, in.name, out);
    if (!sheet_status.ok()) return Status::InvalidArgument(where + sheet_status.message());
  }
  for (size_t i = first_doc; i < out->documents.size(); ++i) AddCoreMetadata(core, &out->documents[i]);
  return Status::OK();
}

}  // namespace

Reader XlsxReader() {
  Reader r;
  r.name = "xlsx";
  r.media_types = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
  r.extensions = {".xlsx", ".xlsm"};
  r.text = false;
  r.read = ReadXlsx;
  return r;
}

}  // namespace glassbox::ingest
