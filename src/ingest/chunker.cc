// Splitting a document body into passages.
//
// The body is cut into units (paragraphs: runs of lines separated by blank
// lines; or sentences: ended by . ! ? … followed by whitespace or the end, or
// by 。！？ with nothing required after them). Each unit keeps the whitespace
// that follows it, so that units tile the body exactly. A unit longer than
// the target is cut before it, at the start of a word near the target, or
// between two characters where no word break is near (Chinese, or a very long
// token). Consecutive units are packed greedily up to target_chars
// characters (code points); a Markdown heading starts a new chunk unless the
// chunk so far is shorter than a quarter of the target, and a heading line is
// never the last unit of a chunk.
//
// Chunk k covers body[start, end): its own units, preceded by up to
// overlap_chars characters from the end of chunk k-1, starting at a word start
// (or before a Chinese character); there is no overlap into a chunk that
// starts a section. So the chunks cover the whole body, in
// order, and every cut is at a UTF-8 character boundary.
//
// Pages: chunks never span pages. Every page start is a cut that always
// closes the chunk (even under target_chars == 0 or a short body, when the
// document has several pages), and there is no overlap into a chunk that
// starts a page; so a paragraph that runs over a page break is cut there.
//
// Provenance: a chunk carries the section where its own text begins and its
// page; when the page has word boxes, the union of the boxes of the words that
// begin inside the chunk (kBox) and the page size (kPageSize).
#include <algorithm>
#include <cstdio>
#include <limits>

#include "ingest/originals.h"
#include "ingest/reader.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

bool IsSpaceAt(std::string_view s, size_t i) { return i < s.size() && IsAsciiSpace(s[i]); }

// Offsets where a paragraph begins: the first non-blank line after blank lines.
void AddParagraphStarts(std::string_view b, std::vector<size_t>* cuts) {
  bool content_seen = false, blank_seen = false;
  for (size_t pos = 0; pos < b.size();) {
    size_t nl = b.find('\n', pos);
    if (nl == std::string_view::npos) nl = b.size();
    bool blank = TrimAscii(b.substr(pos, nl - pos)).empty();
    if (blank) {
      blank_seen = content_seen;
    } else {
      if (blank_seen) cuts->push_back(pos);
      blank_seen = false;
      content_seen = true;
    }
    pos = nl + 1;
  }
}

bool IsCloser(char32_t c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == 0x201D || c == 0x2019 || c == 0x300D ||
         c == 0x300F || c == 0xFF09 || c == 0x00BB;
}
bool IsSpacedTerminator(char32_t c) { return c == '.' || c == '!' || c == '?' || c == 0x2026; }
bool IsWideTerminator(char32_t c) { return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61; }

// Offsets where a sentence begins (after a terminator, closing quotes and whitespace).
void AddSentenceStarts(std::string_view b, std::vector<size_t>* cuts) {
  size_t i = 0;
  while (i < b.size()) {
    size_t len;
    char32_t c = DecodeUtf8(b, i, &len);
    i += len;
    bool spaced = IsSpacedTerminator(c), wide = IsWideTerminator(c);
    if (!spaced && !wide) continue;
    // Absorb repeated terminators ("?!", "...") and closing quotes or brackets.
    while (i < b.size()) {
      char32_t d = DecodeUtf8(b, i, &len);
      if (IsSpacedTerminator(d) || IsWideTerminator(d) || IsCloser(d)) {
        wide = wide || IsWideTerminator(d);
        i += len;
      } else {
        break;
      }
    }
    if (!wide && i < b.size() && !IsAsciiSpace(b[i])) continue;  // "3.14", "e.g.x"
    while (i < b.size() && IsAsciiSpace(b[i])) ++i;
    if (i < b.size()) cuts->push_back(i);
  }
}

// Where to cut a unit [pos, end) that is longer than `target` characters.
size_t CutLongUnit(std::string_view b, size_t pos, size_t limit, size_t lower) {
  // The start of the last word that begins in (lower, limit].
  for (size_t c = limit; c > lower; --c)
    if (IsSpaceAt(b, c - 1) && !IsSpaceAt(b, c)) return c;
  // Else between two characters, one of them of a script without spaces.
  for (size_t c = limit; c > lower;) {
    size_t prev = RetreatChars(b, c, 1), len;
    if (IsWideScript(DecodeUtf8(b, prev, &len)) || (c < b.size() && IsWideScript(DecodeUtf8(b, c, &len)))) return c;
    c = prev;
  }
  return limit;  // one long token: cut at a character boundary
}

// Where the overlap for a chunk whose own text starts at `content` may begin,
// not before `floor` (the previous chunk's own start).
size_t OverlapStart(std::string_view b, size_t floor, size_t content, size_t overlap_chars) {
  if (overlap_chars == 0 || content <= floor) return content;
  size_t q = std::max(floor, RetreatChars(b, content, overlap_chars));
  while (q < content) {
    size_t len;
    bool word_start = q == floor || (IsSpaceAt(b, q - 1) && !IsSpaceAt(b, q));
    if (word_start || IsWideScript(DecodeUtf8(b, q, &len))) return q;
    q = AdvanceChars(b, q, 1);
  }
  return content;
}

// The section or page containing `pos` (ranges are in order and do not overlap).
template <typename Range>
const Range* RangeAt(const std::vector<Range>& ranges, size_t pos) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), pos,
                             [](size_t p, const Range& s) { return p < s.begin; });
  if (it == ranges.begin()) return nullptr;
  --it;
  return pos < it->end ? &*it : nullptr;
}

bool IsReservedName(const std::string& name) {
  return name == provenance::kDocId || name == provenance::kSource || name == provenance::kChunk ||
         name == provenance::kStart || name == provenance::kEnd || name == provenance::kSection ||
         name == provenance::kPage || name == provenance::kBox || name == provenance::kPageSize ||
         name == kOriginalField;
}

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

// The union of the boxes of the page's words that begin in [start, end); false if none.
bool ChunkBox(const Page& page, size_t start, size_t end, WordBox* box) {
  bool any = false;
  for (const auto& w : page.words) {
    if (w.begin < start || w.begin >= end) continue;
    if (!any) {
      *box = w;
      any = true;
    } else {
      box->x0 = std::min(box->x0, w.x0);
      box->y0 = std::min(box->y0, w.y0);
      box->x1 = std::max(box->x1, w.x1);
      box->y1 = std::max(box->y1, w.y1);
    }
  }
  return any;
}

}  // namespace

std::vector<Document> Chunk(const SourceDocument& doc, const ChunkOptions& options) {
  std::string_view b = doc.body;
  // Page starts always close a chunk; 0 = no target (one chunk per page).
  std::vector<size_t> page_starts;
  for (const auto& p : doc.pages)
    if (p.begin > 0 && p.begin < b.size()) page_starts.push_back(p.begin);
  std::sort(page_starts.begin(), page_starts.end());
  auto is_page_start = [&](size_t pos) { return std::binary_search(page_starts.begin(), page_starts.end(), pos); };
  const size_t target =
      options.target_chars > 0 ? options.target_chars : std::numeric_limits<size_t>::max() / 4;

  // Own starts of chunks (content) and their overlap starts.
  std::vector<size_t> content{0};
  if ((options.target_chars > 0 && CountChars(b) > target) || !page_starts.empty()) {
    std::vector<size_t> cuts;
    AddParagraphStarts(b, &cuts);
    if (options.unit == ChunkOptions::Unit::kSentence) AddSentenceStarts(b, &cuts);
    std::vector<size_t> hard;  // section starts
    for (const auto& s : doc.sections)
      if (s.begin > 0 && s.begin < b.size()) hard.push_back(s.begin);
    cuts.insert(cuts.end(), hard.begin(), hard.end());
    cuts.insert(cuts.end(), page_starts.begin(), page_starts.end());
    cuts.push_back(0);
    cuts.push_back(b.size());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::sort(hard.begin(), hard.end());
    auto is_hard = [&](size_t pos) { return std::binary_search(hard.begin(), hard.end(), pos); };
    // A heading line is kept with the unit after it: a chunk never ends with it.
    {
      std::vector<size_t> kept{cuts[0]};
      for (size_t k = 1; k + 1 < cuts.size(); ++k) {
        size_t prev = kept.back();
        std::string_view unit = TrimAscii(b.substr(prev, cuts[k] - prev));
        bool heading_only = is_hard(prev) && unit.find('\n') == std::string_view::npos;
        if (!heading_only || is_hard(cuts[k]) || is_page_start(cuts[k])) kept.push_back(cuts[k]);
      }
      kept.push_back(cuts.back());
      cuts.swap(kept);
    }

    // Units no longer than the target.
    struct Unit {
      size_t begin, end, chars;
      bool hard;
    };
    std::vector<Unit> units;
    for (size_t k = 0; k + 1 < cuts.size(); ++k) {
      size_t pos = cuts[k], end = cuts[k + 1];
      bool unit_hard = is_hard(pos);
      while (true) {
        size_t limit = AdvanceChars(b, pos, target);
        if (limit >= end) break;
        size_t cut = CutLongUnit(b, pos, limit, AdvanceChars(b, pos, target / 2));
        if (cut <= pos) cut = limit;
        units.push_back({pos, cut, CountChars(b.substr(pos, cut - pos)), unit_hard});
        unit_hard = false;
        pos = cut;
      }
      units.push_back({pos, end, CountChars(b.substr(pos, end - pos)), unit_hard});
    }

    size_t chars = 0;
    for (size_t k = 0; k < units.size(); ++k) {
      const Unit& u = units[k];
      bool close =
          chars > 0 && (chars + u.chars > target || (u.hard && chars >= target / 4) || is_page_start(u.begin));
      if (close) {
        content.push_back(u.begin);
        chars = 0;
      }
      chars += u.chars;
    }
  }

  // No overlap into a chunk that starts a section: the text before it is about something else.
  // Nor into one that starts a page: chunks never span pages.
  std::vector<size_t> section_starts(page_starts);
  for (const auto& s : doc.sections) section_starts.push_back(s.begin);
  std::sort(section_starts.begin(), section_starts.end());
  std::vector<bool> starts_section(content.size(), false);
  for (size_t k = 1; k < content.size(); ++k)
    starts_section[k] = std::binary_search(section_starts.begin(), section_starts.end(), content[k]);

  const size_t n = content.size();
  std::vector<Document> chunks;
  chunks.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    size_t start = k == 0 || starts_section[k] ? content[k]
                                               : OverlapStart(b, content[k - 1], content[k], options.overlap_chars);
    size_t end = k + 1 < n ? content[k + 1] : b.size();
    Document d;
    d.id = n == 1 ? doc.id : doc.id + "#" + std::to_string(k);

    // The section where the chunk's own text begins (its first non-space byte).
    size_t first = content[k];
    while (first < end && IsAsciiSpace(b[first])) ++first;
    const Section* section = RangeAt(doc.sections, first < end ? first : content[k]);
    // The page where the chunk's text (overlap included) begins: where a reader turns to.
    size_t text_first = start;
    while (text_first < end && IsAsciiSpace(b[text_first])) ++text_first;
    const Page* page = RangeAt(doc.pages, text_first < end ? text_first : start);
    std::string title = doc.title;
    if (section != nullptr) {
      std::string_view path = section->heading_path;
      if (!title.empty() && path.substr(0, title.size()) == title &&
          (path.size() == title.size() || path.substr(title.size(), 3) == " > "))
        path.remove_prefix(std::min(path.size(), title.size() + 3));
      if (!path.empty()) title = title.empty() ? std::string(path) : title + " \u2014 " + std::string(path);
    }
    d.text.emplace_back("title", std::move(title));
    d.text.emplace_back("body", std::string(b.substr(start, end - start)));

    d.metadata.emplace_back(provenance::kDocId, MetadataValue::Keyword(doc.id));
    d.metadata.emplace_back(provenance::kSource, MetadataValue::Keyword(doc.source));
    d.metadata.emplace_back(provenance::kChunk, MetadataValue::Number(static_cast<double>(k)));
    d.metadata.emplace_back(provenance::kStart, MetadataValue::Number(static_cast<double>(start)));
    d.metadata.emplace_back(provenance::kEnd, MetadataValue::Number(static_cast<double>(end)));
    if (section != nullptr) d.metadata.emplace_back(provenance::kSection, MetadataValue::Keyword(section->heading_path));
    if (page != nullptr) {
      d.metadata.emplace_back(provenance::kPage, MetadataValue::Number(static_cast<double>(page->number)));
      WordBox box;
      if (page->width > 0 && page->height > 0 && ChunkBox(*page, start, end, &box)) {
        d.metadata.emplace_back(provenance::kBox, MetadataValue::Keyword(FormatNumber(box.x0) + "," +
                                                                          FormatNumber(box.y0) + "," +
                                                                          FormatNumber(box.x1) + "," +
                                                                          FormatNumber(box.y1)));
        d.metadata.emplace_back(provenance::kPageSize,
                                MetadataValue::Keyword(FormatNumber(page->width) + "x" + FormatNumber(page->height)));
      }
    }
    // Fields of the document with a provenance name are dropped: a filter on
    // "source" must mean the file, whatever the data calls "source".
    for (const auto& m : doc.metadata)
      if (!IsReservedName(m.first)) d.metadata.push_back(m);
    chunks.push_back(std::move(d));
  }
  return chunks;
}

}  // namespace glassbox::ingest
