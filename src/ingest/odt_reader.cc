// ODT (OpenDocument text; libzip + pugixml): one document per file.
//
//  - Body: content.xml's office:text in order: paragraphs (text:p) and headings (text:h), also inside lists,
//    sections and frames' text boxes, separated by blank lines. Inline text follows ODF's white-space rule (runs of
//    spaces, tabs and newlines in the XML are one space); text:s is N spaces, text:tab a tab, text:line-break a
//    line break. Left out: footnote and endnote bodies (text:note), annotations, deleted text (tracked changes),
//    tables of contents and other generated indexes (they repeat the headings).
//  - Sections: a text:h opens a section at its text:outline-level (default 1) whose path is the enclosing
//    headings' text ("Leave > Sick leave"), as DOCX headings do.
//  - Tables: each row's cells (covered cells of merged ones left out; repeated rows and cells once each), joined
//    by " | ", are lines of the body; each table is also a Table named "<file stem> table <n>" whose header is its
//    first row.
//  - Title: meta.xml dc:title, else the first heading, else the file name. Metadata: author (meta:initial-creator,
//    else dc:creator), created (meta:creation-date), modified (dc:date).
//  - Errors name the part ("part content.xml: bad XML at byte 120"); zip limits as for DOCX (doc_formats.h).
#include <algorithm>

#include "ingest/doc_formats.h"
#include "ingest/ooxml.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Inline text of a paragraph or heading.
void InlineText(const pugi::xml_node& n, std::string* out) {
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      for (const char* p = c.value(); *p != '\0'; ++p) {
        if (IsXmlSpace(*p)) {
          if (!out->empty() && out->back() != ' ') out->push_back(' ');
        } else {
          out->push_back(*p);
        }
      }
      continue;
    }
    std::string_view local = LocalName(c);
    if (local == "s") {
      int count = std::clamp(Attr(c, "c").as_int(1), 1, 1000);
      out->append(static_cast<size_t>(count), ' ');
    } else if (local == "tab") {
      out->push_back('\t');
    } else if (local == "line-break") {
      out->push_back('\n');
    } else if (local == "note" || local == "annotation" || local == "annotation-end" || local == "tracked-changes" ||
               local == "bookmark-start" || local == "bookmark-end" || local == "soft-page-break") {
      continue;
    } else {
      InlineText(c, out);  // span, a, bookmark-ref, frame text ...
    }
  }
}

struct Builder {
  std::string stem;
  SourceDocument doc;
  std::vector<Table> tables;
  std::vector<std::pair<int, std::string>> heading_stack;
  std::string first_heading;

  void Paragraph(const pugi::xml_node& p, int level) {
    std::string text;
    InlineText(p, &text);
    std::string cleaned(TrimAscii(text));
    if (cleaned.empty()) return;
    if (!doc.body.empty()) doc.body += "\n\n";
    if (level > 0) {
      OpenSection(level, CollapseSpace(cleaned));
      if (first_heading.empty()) first_heading = CollapseSpace(cleaned);
    }
    doc.body += cleaned;
  }

  void OpenSection(int level, const std::string& heading) { OpenHeadingSection(level, heading, &heading_stack, &doc); }

  // The text of a cell: its paragraphs joined by spaces.
  static void CellText(const pugi::xml_node& n, std::string* out) {
    for (pugi::xml_node c : n.children()) {
      std::string_view local = LocalName(c);
      if (local == "p" || local == "h") {
        if (!out->empty()) out->push_back(' ');
        InlineText(c, out);
      } else if (local == "list" || local == "list-item" || local == "list-header" || local == "section") {
        CellText(c, out);
      }
    }
  }

  void Rows(const pugi::xml_node& n, std::vector<std::vector<std::string>>* rows) {
    for (pugi::xml_node c : n.children()) {
      std::string_view local = LocalName(c);
      if (local == "table-row") {
        std::vector<std::string> cells;
        for (pugi::xml_node cell : c.children()) {
          if (LocalName(cell) != "table-cell") continue;
          std::string text;
          CellText(cell, &text);
          cells.push_back(CollapseSpace(text));
        }
        while (!cells.empty() && cells.back().empty()) cells.pop_back();  // trailing repeated empty cells
        if (!cells.empty()) rows->push_back(std::move(cells));
      } else if (local == "table-header-rows" || local == "table-rows" || local == "table-row-group") {
        Rows(c, rows);
      }
    }
  }

  void Tbl(const pugi::xml_node& tbl) {
    std::vector<std::vector<std::string>> rows;
    Rows(tbl, &rows);
    if (!rows.empty()) AddDocumentTable(rows, stem, 1, &doc.body, &tables);
  }

  void Blocks(const pugi::xml_node& container, int depth) {
    if (depth > 64) return;  // nesting deeper than any real document: not read
    for (pugi::xml_node c : container.children()) {
      std::string_view local = LocalName(c);
      if (local == "p") {
        Paragraph(c, 0);
        // Text boxes anchored in the paragraph (draw:frame/draw:text-box) hold blocks of their own.
        for (pugi::xml_node f : c.children())
          if (LocalName(f) == "frame")
            if (pugi::xml_node box = Child(f, "text-box")) Blocks(box, depth + 1);
      } else if (local == "h") {
        Paragraph(c, std::clamp(Attr(c, "outline-level").as_int(1), 1, 10));
      } else if (local == "table") {
        Tbl(c);
      } else if (local == "list" || local == "list-item" || local == "list-header" || local == "section" ||
                 local == "numbered-paragraph") {
        Blocks(c, depth + 1);
      }
      // Left out: table-of-content and other indexes, tracked-changes, sequence-decls, forms.
    }
  }
};

struct OdfMeta {
  std::string title, initial_creator, creator, created, modified;
};

OdfMeta ReadMeta(const ZipArchive& zip) {
  OdfMeta m;
  std::string buffer;
  pugi::xml_document xml;
  if (!LoadPart(zip, "meta.xml", &buffer, &xml).ok()) return m;
  for (pugi::xml_node n : Child(xml.document_element(), "meta").children()) {
    std::string_view local = LocalName(n);
    std::string text = CollapseSpace(n.text().get());
    if (local == "title") m.title = text;
    else if (local == "initial-creator") m.initial_creator = text;
    else if (local == "creator") m.creator = text;
    else if (local == "creation-date") m.created = text;
    else if (local == "date") m.modified = text;
  }
  return m;
}

// ODF dates are "2024-03-01T09:30:00" (no zone, read as UTC), perhaps with a fraction or zone (dropped).
std::string OdfDate(const std::string& s) {
  if (s.size() >= 19 && s[10] == 'T') return s.substr(0, 19) + "Z";
  return s.size() == 10 ? s : "";
}

Status ReadOdt(const ReadInput& in, ReadOutput* out) {
  auto zip = ZipArchive::Open(in.data);
  if (!zip.ok()) return zip.status();
  std::string buffer;
  pugi::xml_document xml;
  Status st = LoadPart(*zip.value(), "content.xml", &buffer, &xml);
  if (!st.ok())
    return st.code() == Status::Code::kNotFound ? Status::InvalidArgument("not an OpenDocument text (no content.xml)")
                                                : st;
  pugi::xml_node text = Child(Child(xml.document_element(), "body"), "text");
  if (!text) return Status::InvalidArgument("part content.xml: no office:text (not an OpenDocument text)");
  Builder b{FileStem(in.name), {}, {}, {}, {}};
  b.doc.id = in.name;
  b.Blocks(text, 0);
  if (!b.doc.sections.empty() && b.doc.sections.back().end == std::string::npos) b.doc.sections.back().end = b.doc.body.size();
  OdfMeta meta = ReadMeta(*zip.value());
  size_t slash = in.name.rfind('/');
  b.doc.title = !meta.title.empty()          ? meta.title
                : !b.first_heading.empty() ? b.first_heading
                                           : in.name.substr(slash == std::string::npos ? 0 : slash + 1);
  CoreProperties core;
  core.author = !meta.initial_creator.empty() ? meta.initial_creator : meta.creator;
  core.created = OdfDate(meta.created);
  core.modified = OdfDate(meta.modified);
  AddCoreMetadata(core, &b.doc);
  out->documents.push_back(std::move(b.doc));
  for (auto& t : b.tables) out->tables.push_back(std::move(t));
  return Status::OK();
}

}  // namespace

Reader OdtReader() {
  Reader r;
  r.name = "odt";
  r.media_types = {"application/vnd.oasis.opendocument.text"};
  r.extensions = {".odt"};
  r.text = false;
  r.read = ReadOdt;
  return r;
}

}  // namespace glassbox::ingest
