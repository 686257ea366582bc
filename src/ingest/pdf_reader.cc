// PDF (poppler-cpp): one document per file, one Page per PDF page.
//
//  - Text of each page in reading order (poppler's non-raw, non-physical
//    layout, as `pdftotext` without -layout); pages are separated by a blank
//    line in the body and recorded as Pages (1-based numbers as a viewer
//    counts them), so every passage carries its page (chunks never span
//    pages). Word boxes from poppler's text_list (points, origin top left, as
//    the page is displayed with its /Rotate), found in the page text in order
//    (AlignWords); OCR'd pages get Tesseract's boxes scaled to points.
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
#include <cmath>
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

std::string Utf8(const poppler::ustring& s) {
  poppler::byte_array bytes = s.to_utf8();
  std::string out(bytes.begin(), bytes.end());
  while (!out.empty() && out.back() == '\0') out.pop_back();
  if (FindInvalidUtf8(out) != std::string::npos) {
    std::string clean;
    size_t i = 0;
    while (i < out.size()) {
      size_t bad = FindInvalidUtf8(std::string_view(out).substr(i));
      if (bad == std::string::npos) {
        clean.append(out, i, std::string::npos);
        break;
      }
      clean.append(out, i, bad);
      i += bad + 1;
    }
    out = std::move(clean);
  }
  return out;
}

// Page text: form feeds and CR dropped, trailing spaces trimmed, at most one
// blank line in a row.
std::string CleanPageText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0, blank = 0;
  while (i < raw.size()) {
    size_t j = raw.find('\n', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string line(raw.substr(i, j - i));
    std::erase_if(line, [](char c) { return c == '\f' || c == '\r' || c == '\0'; });
    while (!line.empty() && IsAsciiSpace(line.back())) line.pop_back();
    if (line.empty()) {
      ++blank;
    } else {
      if (!out.empty()) out += blank > 0 ? "\n\n" : "\n";
      out += line;
      blank = 0;
    }
    i = j + 1;
  }
  return out;
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
  for (int i = 0; i < npages; ++i) {
    const std::string where = "page " + std::to_string(i + 1) + ": ";
    std::unique_ptr<poppler::page> page(pdf->create_page(i));
    if (page == nullptr) return Status::InvalidArgument(where + "cannot be read (corrupt page tree)");
    std::string text = CleanPageText(Utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout)));
    poppler::rectf rect = page->page_rect();
    const bool turned = page->orientation() == poppler::page::landscape ||
                        page->orientation() == poppler::page::seascape;
    Page p{i + 1, 0, 0, turned ? rect.height() : rect.width(), turned ? rect.width() : rect.height(), {}};
    if (!TrimAscii(text).empty()) {
      std::vector<PlacedWord> placed;
      for (const poppler::text_box& word : page->text_list()) {
        poppler::rectf r = word.bbox();
        placed.push_back({Utf8(word.text()), r.left(), r.top(), r.right(), r.bottom()});
      }
      p.words = AlignWords(text, placed);
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
