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
//  - Nesting deeper than kMaxParseDepth (480) elements: before parsing (gumbo's time grows
//    with the square of the depth: 5,000 nested divs take a second, 100,000
//    minutes), start tags past that depth are dropped with their end tags
//    (FlattenDeepNesting), so their text is read as part of the element at
//    that depth. Deeper than kMaxDepth (512) in the parsed tree (nesting the
//    count does not see) is not read. The depth is counted from the tags as written, leaving
//    out void elements, self-closed tags and elements whose end tag is
//    optional (p, li, td, ...), which do not nest in themselves.
#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>

#include "ingest/doc_formats.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

constexpr int kMaxDepth = 512;
// Flattening starts a little below kMaxDepth, so the flattened text stays readable.
constexpr int kMaxParseDepth = kMaxDepth - 32;

bool IsTagNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':'; }

// Elements that never hold content or close themselves when repeated: they do not deepen the count.
bool IsFlatElement(std::string_view n) {
  static constexpr std::string_view kFlat[] = {
      "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
      "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "rb", "rt",
      "rp", "caption", "html", "head", "body"};
  return std::find(std::begin(kFlat), std::end(kFlat), n) != std::end(kFlat);
}

// The HTML with start tags deeper than kMaxParseDepth (and as many end tags after
// them) replaced by a space; nullopt when nothing is that deep. Comments,
// declarations and the content of script, style, textarea and title are copied.
std::optional<std::string> FlattenDeepNesting(std::string_view h) {
  std::string out;
  int depth = 0;
  size_t dropped = 0;
  bool changed = false, copying = false;
  size_t copied = 0;  // h[copied, i) not yet appended (only while copying)
  auto drop = [&](size_t begin, size_t end) {
    if (!copying) {
      out.reserve(h.size());
      copying = true;
    }
    out.append(h.substr(copied, begin - copied));
    out += ' ';
    copied = end;
    changed = true;
  };
  size_t i = 0;
  while ((i = h.find('<', i)) != std::string_view::npos) {
    if (h.substr(i, 4) == "<!--") {
      size_t e = h.find("-->", i + 4);
      i = e == std::string_view::npos ? h.size() : e + 3;
      continue;
    }
    if (i + 1 < h.size() && (h[i + 1] == '!' || h[i + 1] == '?')) {
      size_t e = h.find('>', i);
      i = e == std::string_view::npos ? h.size() : e + 1;
      continue;
    }
    const bool end_tag = i + 1 < h.size() && h[i + 1] == '/';
    size_t n = i + (end_tag ? 2 : 1);
    size_t name_end = n;
    while (name_end < h.size() && IsTagNameChar(h[name_end])) ++name_end;
    if (name_end == n || !std::isalpha(static_cast<unsigned char>(h[n]))) {  // "a < b": text
      ++i;
      continue;
    }
    // The tag's end, skipping quoted attribute values.
    size_t e = name_end;
    char quote = 0;
    for (; e < h.size(); ++e) {
      if (quote) {
        if (h[e] == quote) quote = 0;
      } else if (h[e] == '"' || h[e] == '\'') {
        quote = h[e];
      } else if (h[e] == '>') {
        break;
      }
    }
    if (e >= h.size()) break;
    const std::string name = AsciiLower(h.substr(n, name_end - n));
    const size_t tag_end = e + 1;
    if (end_tag) {
      if (!IsFlatElement(name)) {
        if (dropped > 0) {
          --dropped;
          drop(i, tag_end);
        } else if (depth > 0) {
          --depth;
        }
      }
      i = tag_end;
      continue;
    }
    if (name == "script" || name == "style" || name == "textarea" || name == "title" || name == "xmp") {
      // Raw text up to its end tag.
      const std::string lower_close = "</" + name;
      size_t j = tag_end;
      while (j < h.size()) {
        j = h.find("</", j);
        if (j == std::string_view::npos) break;
        if (AsciiLower(h.substr(j, lower_close.size())) == lower_close) break;
        j += 2;
      }
      i = j == std::string_view::npos ? h.size() : j;
      if (i < h.size()) {  // the end tag itself: no depth change (the start tag made none)
        size_t close = h.find('>', i);
        i = close == std::string_view::npos ? h.size() : close + 1;
      }
      continue;
    }
    const bool self_closed = h[e - 1] == '/';
    if (!self_closed && !IsFlatElement(name)) {
      if (depth >= kMaxParseDepth) {
        ++dropped;
        drop(i, tag_end);
      } else {
        ++depth;
      }
    }
    i = tag_end;
  }
  if (!changed) return std::nullopt;
  out.append(h.substr(copied));
  return out;
}

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
  if (auto flat = FlattenDeepNesting(utf8)) utf8 = std::move(*flat);
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
