// DOCX (Word 2007+; libzip + pugixml): one document per file.
//
//  - Body: the paragraphs of word/document.xml in order (also inside content
//    controls), separated by blank lines; w:tab becomes a tab, w:br a line
//    break; deleted text (tracked changes) and field codes are left out.
//  - Sections: a paragraph whose style is a heading (styles.xml name
//    "heading N", a style id "HeadingN", or an outline level) opens a section
//    whose path is the enclosing headings' text: "Leave > Sick leave". It runs
//    to the next heading.
//  - Tables: each row's cells, joined by " | ", are lines of the body; each
//    table is also a Table (reader.h) named "<file stem> table <n>" whose
//    header is its first row.
//  - Title: docProps/core.xml title, else the first "Title"-styled paragraph,
//    else the file name. Metadata: author, created, modified.
//  - Errors name the part ("part word/document.xml: bad XML at byte 120").
#include <algorithm>
#include <cctype>
#include <map>

#include "ingest/doc_formats.h"
#include "ingest/ooxml.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

struct Styles {
  std::map<std::string, int> heading_level;  // style id -> 1..9
  std::map<std::string, std::string> name;   // style id -> lower-case name
};

// "heading 2" / "Heading2" -> 2; else 0.
int HeadingFromName(const std::string& raw) {
  std::string s = AsciiLower(raw);
  if (s.rfind("heading", 0) != 0) return 0;
  std::string rest(TrimAscii(std::string_view(s).substr(7)));
  if (rest.size() != 1 || rest[0] < '1' || rest[0] > '9') return 0;
  return rest[0] - '0';
}

Styles ReadStyles(const ZipArchive& zip) {
  Styles st;
  std::string buffer;
  pugi::xml_document doc;
  if (!LoadPart(zip, "word/styles.xml", &buffer, &doc).ok()) return st;
  for (pugi::xml_node s : doc.document_element().children()) {
    if (LocalName(s) != "style") continue;
    std::string id = Attr(s, "styleId").value();
    std::string name = Attr(Child(s, "name"), "val").value();
    st.name[id] = AsciiLower(name);
    int level = HeadingFromName(name);
    if (level == 0) level = HeadingFromName(id);
    pugi::xml_node outline = Child(Child(s, "pPr"), "outlineLvl");
    if (level == 0 && outline) level = std::clamp(Attr(outline, "val").as_int() + 1, 1, 9);
    if (level > 0) st.heading_level[id] = level;
  }
  return st;
}

// The text of a paragraph (or any run container), in document order.
void RunText(const pugi::xml_node& n, std::string* out) {
  for (pugi::xml_node c : n.children()) {
    std::string_view local = LocalName(c);
    if (local == "t") {
      *out += c.text().get();
    } else if (local == "tab") {
      out->push_back('\t');
    } else if (local == "br" || local == "cr") {
      out->push_back('\n');
    } else if (local == "del" || local == "delText" || local == "instrText" || local == "pPr" || local == "rPr" ||
               local == "fldChar") {
      continue;
    } else {
      RunText(c, out);
    }
  }
}

struct Builder {
  const Styles& styles;
  std::string stem;
  SourceDocument doc;
  std::vector<Table> tables;
  std::vector<std::pair<int, std::string>> heading_stack;
  std::string title_paragraph;

  void Paragraph(const pugi::xml_node& p) {
    std::string text;
    RunText(p, &text);
    // Trim each line's ends and drop empty paragraphs.
    std::string cleaned(TrimAscii(text));
    pugi::xml_node ppr = Child(p, "pPr");
    std::string style = Attr(Child(ppr, "pStyle"), "val").value();
    int level = 0;
    if (auto it = styles.heading_level.find(style); it != styles.heading_level.end()) level = it->second;
    if (level == 0) level = HeadingFromName(style);
    if (pugi::xml_node o = Child(ppr, "outlineLvl"); level == 0 && o && Attr(o, "val").as_int() < 9)
      level = Attr(o, "val").as_int() + 1;
    if (cleaned.empty()) return;
    std::string lower_style = AsciiLower(style);
    if (title_paragraph.empty() && (lower_style == "title" || (styles.name.count(style) && styles.name.at(style) == "title")))
      title_paragraph = CollapseSpace(cleaned);
    if (!doc.body.empty()) doc.body += "\n\n";
    if (level > 0) OpenSection(level, CollapseSpace(cleaned));
    doc.body += cleaned;
  }

  void OpenSection(int level, const std::string& heading) { OpenHeadingSection(level, heading, &heading_stack, &doc); }

  void Tbl(const pugi::xml_node& tbl) {
    std::vector<std::vector<std::string>> rows;
    for (pugi::xml_node tr : tbl.children()) {
      if (LocalName(tr) != "tr") continue;
      std::vector<std::string> cells;
      for (pugi::xml_node tc : tr.children()) {
        if (LocalName(tc) != "tc") continue;
        std::string text;
        RunText(tc, &text);
        cells.push_back(CollapseSpace(text));
      }
      rows.push_back(std::move(cells));
    }
    AddDocumentTable(rows, stem, 1, &doc.body, &tables);
  }

  void Blocks(const pugi::xml_node& container) {
    for (pugi::xml_node c : container.children()) {
      std::string_view local = LocalName(c);
      if (local == "p") Paragraph(c);
      else if (local == "tbl") Tbl(c);
      else if (local == "sdt") Blocks(Child(c, "sdtContent"));
      else if (local == "customXml" || local == "ins" || local == "smartTag") Blocks(c);
    }
  }
};

Status ReadDocx(const ReadInput& in, ReadOutput* out) {
  auto zip = ZipArchive::Open(in.data);
  if (!zip.ok()) return zip.status();
  std::string buffer;
  pugi::xml_document xml;
  Status st = LoadPart(*zip.value(), "word/document.xml", &buffer, &xml);
  if (!st.ok()) return st.code() == Status::Code::kNotFound ? Status::InvalidArgument("not a Word document (no word/document.xml)") : st;
  Styles styles = ReadStyles(*zip.value());
  Builder b{styles, FileStem(in.name), {}, {}, {}, {}};
  b.doc.id = in.name;
  pugi::xml_node body = Child(xml.document_element(), "body");
  b.Blocks(body);
  if (!b.doc.sections.empty() && b.doc.sections.back().end == std::string::npos) b.doc.sections.back().end = b.doc.body.size();
  CoreProperties core = ReadCoreProperties(*zip.value());
  size_t slash = in.name.rfind('/');
  b.doc.title = !core.title.empty() ? core.title
                : !b.title_paragraph.empty() ? b.title_paragraph
                                             : in.name.substr(slash == std::string::npos ? 0 : slash + 1);
  AddCoreMetadata(core, &b.doc);
  out->documents.push_back(std::move(b.doc));
  for (auto& t : b.tables) out->tables.push_back(std::move(t));
  return Status::OK();
}

}  // namespace

Reader DocxReader() {
  Reader r;
  r.name = "docx";
  r.media_types = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"};
  r.extensions = {".docx"};
  r.text = false;
  r.read = ReadDocx;
  return r;
}

}  // namespace glassbox::ingest
