// Markdown: one document per file, ATX headings ("#" to "######") as sections.
//
// The body is the Markdown text with light cleanup, so that passages read as
// text and markup does not become search terms:
//  - CRLF line ends become LF;
//  - YAML front matter ("---" ... "---" at the top) is removed; its simple
//    "key: value" lines become metadata ("title" becomes the title);
//  - heading lines lose their "#" marks ("## Sick leave" -> "Sick leave");
//  - links and images keep their text only ("[policy](a.md)" -> "policy");
//  - fenced code blocks are kept verbatim.
// Setext headings (text underlined with === or ---) are not recognised.
// Section offsets are offsets into the cleaned body.
#include <array>

#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

// Replaces "[text](target)" by "text" and "![alt](src)" by "alt" in one line.
std::string StripLinks(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  // Once no ']' (or ')') follows, none will: stop looking (keeps long lines linear).
  const size_t last_bracket = line.rfind(']'), last_paren = line.rfind(')');
  size_t i = 0;
  while (i < line.size()) {
    size_t open = i;
    bool image = line[i] == '!' && i + 1 < line.size() && line[i + 1] == '[';
    if (image) ++open;
    if (line[open] == '[' && last_bracket != std::string_view::npos && last_bracket > open) {
      size_t close = line.find(']', open + 1);
      if (close + 1 < line.size() && line[close + 1] == '(' && last_paren != std::string_view::npos &&
          last_paren > close) {
        size_t paren = line.find(')', close + 2);
        std::string_view text = line.substr(open + 1, close - open - 1);
        if (paren != std::string_view::npos && text.find('[') == std::string_view::npos) {
          out.append(text);
          i = paren + 1;
          continue;
        }
      }
    }
    out.push_back(line[i]);
    ++i;
  }
  return out;
}

// Parses an ATX heading line. Returns its level (1-6) and sets *text, or 0.
int ParseHeading(std::string_view line, std::string* text) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  size_t hashes = 0;
  while (i + hashes < line.size() && line[i + hashes] == '#') ++hashes;
  if (hashes == 0 || hashes > 6) return 0;
  size_t after = i + hashes;
  if (after < line.size() && line[after] != ' ' && line[after] != '\t') return 0;
  std::string_view rest = TrimAscii(line.substr(after));
  // Optional closing sequence: " ##".
  size_t end = rest.size();
  while (end > 0 && rest[end - 1] == '#') --end;
  if (end == 0) {
    rest = {};
  } else if (end < rest.size() && (rest[end - 1] == ' ' || rest[end - 1] == '\t')) {
    rest = TrimAscii(rest.substr(0, end));
  }
  *text = StripLinks(rest);
  return static_cast<int>(hashes);
}

// Returns the fence string ("```", "~~~~") if the line opens or closes a code fence.
std::string_view FenceOf(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return {};
  size_t n = 0;
  while (i + n < line.size() && line[i + n] == line[i]) ++n;
  if (n < 3) return {};
  return line.substr(i, n);
}

std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  return std::string(v);
}

}  // namespace

Result<std::vector<SourceDocument>> ReadMarkdown(std::string_view data, const std::string& name) {
  // Split into lines without their line ends (LF or CRLF).
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= data.size();) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (pos < data.size()) lines.push_back(data.substr(pos));
      break;
    }
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }

  SourceDocument doc;
  doc.id = name;
  doc.source = name;
  std::string front_title;
  size_t first = 0;
  if (!lines.empty() && lines[0] == "---") {
    size_t close = 1;
    while (close < lines.size() && lines[close] != "---" && lines[close] != "...") ++close;
    if (close < lines.size()) {
      for (size_t i = 1; i < close; ++i) {
        std::string_view l = lines[i];
        size_t colon = l.find(':');
        if (colon == std::string_view::npos || colon == 0 || l[0] == ' ' || l[0] == '-' || l[0] == '#') continue;
        std::string key(TrimAscii(l.substr(0, colon)));
        std::string value = Unquote(TrimAscii(l.substr(colon + 1)));
        if (value.empty()) continue;  // a nested block or a list follows: not a scalar
        if (key == "title") {
          front_title = value;
          continue;
        }
        double number;
        if (ParseNumber(value, &number))
          doc.metadata.emplace_back(key, MetadataValue::Number(number, value));
        else
          doc.metadata.emplace_back(key, TypedString(value));
      }
      first = close + 1;
    }
  }

  std::string body;
  body.reserve(data.size());
  std::array<std::string, 7> path;  // path[level] = heading text; index 0 unused
  std::string first_h1;
  std::string_view fence;
  for (size_t li = first; li < lines.size(); ++li) {
    std::string_view line = lines[li];
    if (!fence.empty()) {
      std::string_view f = FenceOf(line);
      // A closing fence: the same character, at least as long, nothing after it.
      if (!f.empty() && f[0] == fence[0] && f.size() >= fence.size() && TrimAscii(line) == f) fence = {};
      body.append(line);
      body.push_back('\n');
      continue;
    }
    std::string_view f = FenceOf(line);
    if (!f.empty()) {
      fence = f;
      body.append(line);
      body.push_back('\n');
      continue;
    }
    std::string text;
    int level = ParseHeading(line, &text);
    if (level > 0) {
      path[level] = text;
      for (int l = level + 1; l < 7; ++l) path[l].clear();
      if (level == 1 && first_h1.empty()) first_h1 = text;
      std::string heading_path;
      for (int l = 1; l <= level; ++l) {
        if (path[l].empty()) continue;
        if (!heading_path.empty()) heading_path += " > ";
        heading_path += path[l];
      }
      if (!heading_path.empty()) {
        if (!doc.sections.empty()) doc.sections.back().end = body.size();
        doc.sections.push_back({heading_path, body.size(), body.size()});
      }
      body += text;
      body.push_back('\n');
      continue;
    }
    body += StripLinks(line);
    body.push_back('\n');
  }
  // The input's last line may lack a line end; do not invent one.
  if (!body.empty() && !data.empty() && data.back() != '\n') body.pop_back();
  if (!doc.sections.empty()) doc.sections.back().end = body.size();
  for (auto& s : doc.sections)
    if (s.begin > body.size()) s.begin = body.size();

  doc.title = !front_title.empty() ? front_title : !first_h1.empty() ? first_h1 : FileStem(name);
  doc.body = std::move(body);
  std::vector<SourceDocument> docs;
  if (!TrimAscii(doc.body).empty() || !doc.metadata.empty() || !front_title.empty()) docs.push_back(std::move(doc));
  return docs;
}

Reader MarkdownReader() {
  Reader r;
  r.name = "md";
  r.media_types = {"text/markdown", "text/x-markdown"};
  r.extensions = {".md", ".markdown"};
  r.read = [](const ReadInput& in, ReadOutput* out) { return YieldDocuments(ReadMarkdown(in.data, in.name), out); };
  return r;
}

}  // namespace glassbox::ingest
