// PDF (poppler-cpp): one document per file, one Page per PDF page.
//
//  - Text of each page in reading order, with word boxes, in one pass over
//    poppler's word list (page::text_list: the words of poppler's non-raw,
//    non-physical layout, the order `pdftotext` without -layout writes them;
//    boxes in points, origin top left, as the page is displayed with its
//    /Rotate). The list has no line or block ends, so PageFromWords rebuilds
//    them from the boxes: words on one line are joined by a space where
//    poppler marks one; a word further along the line with no space mark, a
//    new row and a change of direction start a new line; a line that starts
//    above or level with the previous one (another column or block) or after
//    a gap of more than a line's height gets a blank line before it; a line
//    ending in '-' is joined to the next as poppler's text joins it (the
//    hyphen dropped, the box of "manu-" kept on "manu"). The words, in order,
//    are poppler's page text's words (doc_readers_test; bench/readers); line
//    and blank-line breaks can differ. Pages are separated by a blank line in
//    the body and recorded as Pages (1-based numbers as a viewer counts them),
//    so every passage carries its page (chunks never span pages). OCR'd pages
//    get Tesseract's boxes scaled to points.
//  - A page without a text layer (a scan) is rendered at 300 dpi and read by
//    OCR (ocr.cc) when ReaderOptions::ocr_languages is set and Tesseract data
//    is installed; such a document gets ocr_pages and ocr_confidence (mean
//    over the OCR pages) metadata, and ocr_low_confidence=true below
//    kLowOcrConfidence. Without OCR the page stays empty.
//  - Metadata from the info dictionary: title (falls back to the file name),
//    author, subject, keywords, created / modified dates; pages (count).
//  - Encrypted PDFs open with ReaderOptions::pdf_password (as the owner or
//    the user password).
//  - Errors: an encrypted PDF needing a password or given a wrong one, a file poppler cannot open
//    (corrupt or truncated), a page that cannot be read ("page 3: ...").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <memory>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include "ingest/doc_formats.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

void Quiet(const std::string&, void*) {}

// UTF-16 (poppler's ustring) to UTF-8, appended; NULs and unpaired
// surrogates dropped.
void AppendUtf8(const poppler::ustring& s, std::string* out) {
  const size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    uint32_t c = s[i];
    if (c < 0x80) {
      if (c != 0) out->push_back(static_cast<char>(c));
      continue;
    }
    if (c >= 0xD800 && c < 0xE000) {
      if (c >= 0xDC00 || i + 1 == n || s[i + 1] < 0xDC00 || s[i + 1] >= 0xE000) continue;
      c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
    }
    if (c < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    } else {
      if (c < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (c >> 12)));
      } else {
        out->push_back(static_cast<char>(0xF0 | (c >> 18)));
        out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      }
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    }
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string Utf8(const poppler::ustring& s) {
  std::string out;
  AppendUtf8(s, &out);
  return out;
}

// A word's box in its writing direction: p along the line, c across it,
// oriented so that the next line has the larger c.
struct Oriented {
  double p0, c0, p1, c1;
  int rot;
};

Oriented Orient(const poppler::rectf& r, int rotation) {
  const double x0 = r.left(), y0 = r.top(), x1 = r.right(), y1 = r.bottom();
  switch (rotation) {
    case 1: return {y0, -x1, y1, -x0, 1};    // top to bottom, lines advance leftwards
    case 2: return {-x1, -y1, -x0, -y0, 2};  // upside down
    case 3: return {-y1, x0, -y0, x1, 3};    // bottom to top, lines advance rightwards
    default: return {x0, y0, x1, y1, 0};
  }
}

// The page text and its word boxes (offsets into *text) from poppler's word
// list, in one pass (see the top of the file for the rules).
void PageFromWords(const std::vector<poppler::text_box>& words, std::string* text, std::vector<WordBox>* boxes) {
  text->clear();
  boxes->clear();
  boxes->reserve(words.size());
  Oriented prev{};
  bool have = false, space_after = false;
  std::string word_text;
  for (const poppler::text_box& word : words) {
    const poppler::rectf r = word.bbox();
    const Oriented cur = Orient(r, word.rotation());
    // The word's text first: an empty word (a glyph run whose text maps to
    // nothing) is as if it was not there, before any separator is written or
    // a hyphen taken back.
    word_text.clear();
    AppendUtf8(word.text(), &word_text);
    // Spaces and control characters inside a word (rare) become plain spaces; trailing ones go.
    for (char& c : word_text)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    while (!word_text.empty() && word_text.back() == ' ') word_text.pop_back();
    if (word_text.empty()) continue;
    if (have) {
      const double h = std::max(prev.c1 - prev.c0, cur.c1 - cur.c0);
      const double gap = cur.p0 - prev.p1, mid = (cur.c0 + cur.c1) / 2;
      bool same_line = false;
      if (cur.rot == prev.rot) {
        same_line = space_after ? cur.c0 < prev.c1 - 0.1 * h && cur.c1 > prev.c0 + 0.1 * h && gap >= -0.5 && gap < 1.5 * h
                                : mid > prev.c0 && mid < prev.c1 && cur.p0 > prev.p0 && gap < 0.15 * h;
      }
      if (same_line) {
        if (space_after) text->push_back(' ');
      } else {
        const bool back = cur.rot != prev.rot || mid < (prev.c0 + prev.c1) / 2 + 0.3 * h;
        if (!back && !text->empty() && text->back() == '-') {
          text->pop_back();  // hyphenated: "manu-" + "script" is "manuscript"
          if (!boxes->empty() && boxes->back().end > text->size()) boxes->back().end = text->size();
        } else {
          text->append(back || cur.c0 - prev.c1 > 1.5 * h ? "\n\n" : "\n");
        }
      }
    }
    const size_t begin = text->size();
    text->append(word_text);
    if (!boxes->empty() && boxes->back().end > begin) boxes->back().end = begin;
    boxes->push_back({begin, text->size(), r.left(), r.top(), r.right(), r.bottom()});
    prev = cur;
    have = true;
    space_after = word.has_space_after();
  }
}

std::string IsoTime(time_t t) {
  if (t <= 0) return "";
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<OcrText> OcrPage(const poppler::page& page, const std::string& languages, double* dpi_used) {
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  double dpi = 300;
  poppler::rectf box = page.page_rect();
  double pixels = box.width() / 72 * dpi * box.height() / 72 * dpi;
  if (pixels > static_cast<double>(kMaxOcrPixels)) dpi *= std::sqrt(static_cast<double>(kMaxOcrPixels) / pixels);
  *dpi_used = dpi;
  poppler::image img = renderer.render_page(&page, dpi, dpi);
  if (!img.is_valid()) return Status::InvalidArgument("cannot render the page for OCR");
  return OcrPixels(reinterpret_cast<const unsigned char*>(img.const_data()), img.width(), img.height(), 1,
                   img.bytes_per_row(), static_cast<int>(dpi), languages);
}

Status ReadPdf(const ReadInput& in, ReadOutput* out) {
  static const bool quiet = [] {
    poppler::set_debug_error_function(Quiet, nullptr);  // syntax warnings of damaged files go to the error instead
    return true;
  }();
  (void)quiet;
  if (in.data.size() > static_cast<size_t>(INT32_MAX)) return Status::InvalidArgument("PDF over 2 GiB");
  const std::string& password = in.options.pdf_password;
  std::unique_ptr<poppler::document> pdf(
      poppler::document::load_from_raw_data(in.data.data(), static_cast<int>(in.data.size()), password, password));
  if (pdf == nullptr && !password.empty()) {
    // A wrong password fails the load; without one it loads locked: tell the two apart.
    std::unique_ptr<poppler::document> probe(
        poppler::document::load_from_raw_data(in.data.data(), static_cast<int>(in.data.size())));
    if (probe != nullptr) return Status::InvalidArgument("encrypted PDF: the password (--pdf-password) is wrong");
  }
  if (pdf == nullptr) return Status::InvalidArgument("corrupt or truncated PDF (poppler cannot open it)");
  if (pdf->is_locked())
    return Status::InvalidArgument(password.empty() ? "encrypted PDF (password required)"
                                                    : "encrypted PDF: the password (--pdf-password) is wrong");

  SourceDocument doc;
  doc.id = in.name;
  std::string title = CollapseSpace(Utf8(pdf->info_key("Title")));
  size_t slash = in.name.rfind('/');
  doc.title = title.empty() ? in.name.substr(slash == std::string::npos ? 0 : slash + 1) : title;
  const int npages = pdf->pages();
  bool ocr_checked = false, ocr = false;
  double ocr_conf_sum = 0;
  int ocr_pages = 0;
  std::vector<WordBox> p_words;
  for (int i = 0; i < npages; ++i) {
    const std::string where = "page " + std::to_string(i + 1) + ": ";
    std::unique_ptr<poppler::page> page(pdf->create_page(i));
    if (page == nullptr) return Status::InvalidArgument(where + "cannot be read (corrupt page tree)");
    std::string text;
    PageFromWords(page->text_list(), &text, &p_words);
    poppler::rectf rect = page->page_rect();
    const bool turned = page->orientation() == poppler::page::landscape ||
                        page->orientation() == poppler::page::seascape;
    Page p{i + 1, 0, 0, turned ? rect.height() : rect.width(), turned ? rect.width() : rect.height(), {}};
    if (!TrimAscii(text).empty()) {
      p.words = std::move(p_words);
    } else {
      if (!ocr_checked) {
        ocr = OcrAvailable(in.options.ocr_languages);
        ocr_checked = true;
      }
      if (ocr) {
        double dpi = 300;
        auto result = OcrPage(*page, in.options.ocr_languages, &dpi);
        if (!result.ok()) return Status::InvalidArgument(where + "OCR failed: " + result.status().message());
        text = result.value().text;
        const double scale = 72 / dpi;
        for (WordBox w : result.value().boxes) {
          w.x0 *= scale, w.y0 *= scale, w.x1 *= scale, w.y1 *= scale;
          p.words.push_back(w);
        }
        ocr_conf_sum += result.value().confidence;
        ++ocr_pages;
      }
    }
    if (text.empty()) continue;
    if (!doc.body.empty()) doc.body += "\n\n";
    size_t begin = doc.body.size();
    doc.body += text;
    p.begin = begin;
    p.end = doc.body.size();
    for (auto& w : p.words) {
      w.begin += begin;
      w.end += begin;
    }
    doc.pages.push_back(std::move(p));
  }
  doc.metadata.emplace_back("pages", MetadataValue::Number(npages, std::to_string(npages)));
  for (const char* key : {"Author", "Subject", "Keywords"}) {
    std::string v = CollapseSpace(Utf8(pdf->info_key(key)));
    std::string name = key;
    name[0] = static_cast<char>(name[0] - 'A' + 'a');
    if (!v.empty()) doc.metadata.emplace_back(name, MetadataValue::Keyword(v));
  }
  for (auto [key, name] : {std::pair{"CreationDate", "created"}, std::pair{"ModDate", "modified"}}) {
    MetadataValue v;
    if (std::string iso = IsoTime(pdf->info_date_t(key)); !iso.empty() && MetadataValue::ParseDate(iso, &v))
      doc.metadata.emplace_back(name, v);
  }
  if (ocr_pages > 0) {
    doc.metadata.emplace_back("ocr_pages", MetadataValue::Number(ocr_pages, std::to_string(ocr_pages)));
    AddOcrMetadata(ocr_conf_sum / ocr_pages, &doc);
  }
  out->documents.push_back(std::move(doc));
  return Status::OK();
}

}  // namespace

Reader PdfReader() {
  Reader r;
  r.name = "pdf";
  r.media_types = {"application/pdf"};
  r.extensions = {".pdf"};
  r.signatures = {"%PDF-"};
  r.text = false;
  r.read = ReadPdf;
  return r;
}

}  // namespace glassbox::ingest
