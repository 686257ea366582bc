// HTML (gumbo, an HTML5 parser): one document per page.
//
//  - Charset: a byte-order mark, else the charset given (mail parts), else a
//    <meta charset> / http-equiv Content-Type in the first 1024 bytes, else
//    UTF-8; other charsets are converted with ICU, and invalid UTF-8 bytes
//    become U+FFFD.
//  - Dropped: script, style, noscript, template, nav, header, footer, aside,
//    form controls' options, and everything in <head> but the title.
//  - Body: the text of block elements (p, li, td, div, pre, ...) as
//    paragraphs separated by blank lines, whitespace collapsed.
//  - Sections: h1..h6 open a section whose path is the enclosing headings'
//    text ("Pricing > Discounts"), running to the next heading.
//  - Tables: each row's cells joined by " | " as lines of the body; each table
//    (with at least two rows) is also a Table named "<file stem> table <n>",
//    header = first row.
//  - Title: <title>, else the first h1, else the file name.
//  - Nesting deeper than kMaxDepth elements is not read (its text is dropped).
#include <gumbo.h>

#include <algorithm>
#include <cctype>

#include "ingest/doc_formats.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

constexpr int kMaxDepth = 512;

// The charset named in the first 1024 bytes ("<meta charset=latin1>"), or "".
std::string SniffCharset(std::string_view bytes) {
  std::string head = AsciiLower(bytes.substr(0, 1024));
  size_t at = 0;
  while ((at = head.find("charset", at)) != std::string::npos) {
    size_t i = at + 7;
    at = i;
    while (i < head.size() && IsAsciiSpace(head[i])) ++i;
    if (i >= head.size() || head[i] != '=') continue;
    ++i;
    while (i < head.size() && (IsAsciiSpace(head[i]) || head[i] == '"' || head[i] == '\'')) ++i;
    size_t j = i;
    while (j < head.size() && (std::isalnum(static_cast<unsigned char>(head[j])) || head[j] == '-' || head[j] == '_' ||
                               head[j] == ':' || head[j] == '.'))
      ++j;
    if (j > i) return head.substr(i, j - i);
  }
  return "";
}

bool IsBlock(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_LI: case GUMBO_TAG_UL: case GUMBO_TAG_OL:
    case GUMBO_TAG_BR: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_MAIN:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE: case GUMBO_TAG_DD: case GUMBO_TAG_DT: case GUMBO_TAG_DL:
    case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_HR:
    case GUMBO_TAG_TR: case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_CAPTION: case GUMBO_TAG_BODY:
    case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY:
      return true;
    default:
      return false;
  }
}

bool IsDropped(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV: case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_ASIDE: case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SELECT: case GUMBO_TAG_OPTION: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
      return true;
    default:
      return false;
  }
}

int HeadingLevel(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_H1: return 1;
    case GUMBO_TAG_H2: return 2;
    case GUMBO_TAG_H3: return 3;
    case GUMBO_TAG_H4: return 4;
    case GUMBO_TAG_H5: return 5;
    case GUMBO_TAG_H6: return 6;
    default: return 0;
  }
}

// All text under a node (scripts and styles left out).
void TextOf(const GumboNode* n, std::string* out, int depth) {
  if (depth > kMaxDepth) return;
  if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
    *out += n->v.text.text;
    return;
  }
  if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE) return;
  GumboTag tag = n->v.element.tag;
  if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT || tag == GUMBO_TAG_TEMPLATE) return;
  const GumboVector& kids = n->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    if (IsBlock(tag) && i == 0) out->push_back(' ');
    TextOf(static_cast<const GumboNode*>(kids.data[i]), out, depth + 1);
  }
  if (IsBlock(tag) || tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) out->push_back(' ');
}

struct Builder {
  std::string stem;
  SourceDocument doc;
  std::vector<Table> tables;
  std::string paragraph;
  std::string first_h1;
  std::vector<std::pair<int, std::string>> headings;

  void Flush() {
    std::string text = CollapseSpace(paragraph);
    paragraph.clear();
    if (text.empty()) return;
    if (!doc.body.empty()) doc.body += "\n\n";
    doc.body += text;
  }

  void Heading(int level, const std::string& text) {
    Flush();
    if (text.empty()) return;
    if (level == 1 && first_h1.empty()) first_h1 = text;
    if (!doc.body.empty()) doc.body += "\n\n";
    if (!doc.sections.empty() && doc.sections.back().end == std::string::npos) doc.sections.back().end = doc.body.size();
    while (!headings.empty() && headings.back().first >= level) headings.pop_back();
    headings.emplace_back(level, text);
    std::string path;
    for (const auto& [l, h] : headings) path += (path.empty() ? "" : " > ") + h;
    doc.sections.push_back({path, doc.body.size(), std::string::npos});
    doc.body += text;
  }

  void TableRows(const GumboNode* n, std::vector<std::vector<std::string>>* rows, int depth) {
    if (depth > kMaxDepth || n->type != GUMBO_NODE_ELEMENT) return;
    const GumboVector& kids = n->v.element.children;
    if (n->v.element.tag == GUMBO_TAG_TR) {
      std::vector<std::string> cells;
      for (unsigned i = 0; i < kids.length; ++i) {
        auto* c = static_cast<const GumboNode*>(kids.data[i]);
        if (c->type != GUMBO_NODE_ELEMENT || (c->v.element.tag != GUMBO_TAG_TD && c->v.element.tag != GUMBO_TAG_TH))
          continue;
        std::string text;
        TextOf(c, &text, depth + 1);
        cells.push_back(CollapseSpace(text));
      }
      rows->push_back(std::move(cells));
      return;
    }
    if (n->v.element.tag == GUMBO_TAG_TABLE && depth > 0) return;  // nested tables: their cells' text only
    for (unsigned i = 0; i < kids.length; ++i) TableRows(static_cast<const GumboNode*>(kids.data[i]), rows, depth + 1);
  }

  void TableNode(const GumboNode* n) {
    Flush();
    std::vector<std::vector<std::string>> rows;
    const GumboVector& kids = n->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) TableRows(static_cast<const GumboNode*>(kids.data[i]), &rows, 1);
    AddDocumentTable(rows, stem, 2, &doc.body, &tables);
  }

  void Walk(const GumboNode* n, int depth) {
    if (depth > kMaxDepth) return;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      paragraph += n->v.text.text;
      return;
    }
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT) return;
    const GumboVector& kids = n->type == GUMBO_NODE_DOCUMENT ? n->v.document.children : n->v.element.children;
    if (n->type == GUMBO_NODE_ELEMENT) {
      GumboTag tag = n->v.element.tag;
      if (IsDropped(tag)) return;
      if (int level = HeadingLevel(tag); level > 0) {
        std::string text;
        TextOf(n, &text, depth);
        Heading(level, CollapseSpace(text));
        return;
      }
      if (tag == GUMBO_TAG_TABLE) {
        TableNode(n);
        return;
      }
      if (IsBlock(tag)) Flush();
      for (unsigned i = 0; i < kids.length; ++i) Walk(static_cast<const GumboNode*>(kids.data[i]), depth + 1);
      if (IsBlock(tag)) Flush();
      return;
    }
    for (unsigned i = 0; i < kids.length; ++i) Walk(static_cast<const GumboNode*>(kids.data[i]), depth + 1);
  }
};

// The <title> text, searched in <head> (and anywhere near the top).
void FindTitle(const GumboNode* n, std::string* title, int depth) {
  if (!title->empty() || depth > 8 || n->type != GUMBO_NODE_ELEMENT) return;
  if (n->v.element.tag == GUMBO_TAG_TITLE) {
    std::string t;
    TextOf(n, &t, depth);
    *title = CollapseSpace(t);
    return;
  }
  const GumboVector& kids = n->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) FindTitle(static_cast<const GumboNode*>(kids.data[i]), title, depth + 1);
}

}  // namespace

Status ReadHtml(std::string_view bytes, const std::string& id, const std::string& charset, ReadOutput* out) {
  std::string utf8;
  std::string cs = AsciiLower(charset);
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    cs = "utf-8";
  } else if (bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF") {
    cs = bytes[0] == '\xFF' ? "utf-16le" : "utf-16be";
    bytes.remove_prefix(2);
  }
  if (cs.empty()) cs = SniffCharset(bytes);
  if (cs.empty() || cs == "utf-8" || cs == "utf8") {
    if (FindInvalidUtf8(bytes) == std::string_view::npos) {
      utf8.assign(bytes);
    } else {
      auto converted = ToUtf8(bytes, "UTF-8");  // invalid bytes become U+FFFD
      if (!converted.ok()) return converted.status();
      utf8 = std::move(converted.value());
    }
  } else {
    auto converted = ToUtf8(bytes, cs);
    if (!converted.ok()) return converted.status();
    utf8 = std::move(converted.value());
  }
  GumboOutput* parsed = gumbo_parse_with_options(&kGumboDefaultOptions, utf8.data(), utf8.size());
  if (parsed == nullptr) return Status::InvalidArgument("HTML could not be parsed");
  Builder b;
  b.stem = FileStem(id);
  b.doc.id = id;
  std::string title;
  FindTitle(parsed->root, &title, 0);
  b.Walk(parsed->document, 0);
  b.Flush();
  gumbo_destroy_output(&kGumboDefaultOptions, parsed);
  if (!b.doc.sections.empty() && b.doc.sections.back().end == std::string::npos) b.doc.sections.back().end = b.doc.body.size();
  size_t slash = id.rfind('/');
  b.doc.title = !title.empty() ? title : !b.first_h1.empty() ? b.first_h1 : id.substr(slash == std::string::npos ? 0 : slash + 1);
  if (cs != "" && cs != "utf-8" && cs != "utf8") b.doc.metadata.emplace_back("charset", MetadataValue::Keyword(cs));
  out->documents.push_back(std::move(b.doc));
  for (auto& t : b.tables) out->tables.push_back(std::move(t));
  return Status::OK();
}

Reader HtmlReader() {
  Reader r;
  r.name = "html";
  r.media_types = {"text/html", "application/xhtml+xml"};
  r.extensions = {".html", ".htm", ".xhtml"};
  r.text = false;  // the charset may be anything: ReadHtml converts
  r.read = [](const ReadInput& in, ReadOutput* out) { return ReadHtml(in.data, in.name, "", out); };
  return r;
}

}  // namespace glassbox::ingest
