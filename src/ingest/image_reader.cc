// Images (PNG, JPEG, TIFF) by OCR (ocr.cc): one document per file, one Page
// per image page (a multi-page TIFF has several), with Tesseract's word boxes
// in pixels (chunks get the union of theirs as provenance, see chunker.cc). Metadata: ocr_confidence
// (mean word confidence, 0-100) and ocr_low_confidence=true below
// kLowOcrConfidence (60). Languages: ReaderOptions::ocr_languages. An image
// without recognisable text yields no document; OCR unavailable (no language
// data, or ocr_languages empty) is an error naming why.
#include "ingest/doc_formats.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

Status ReadImage(const ReadInput& in, ReadOutput* out) {
  if (in.options.ocr_languages.empty()) return Status::Unsupported("images need OCR (ocr_languages is empty)");
  auto pages = OcrEncodedImage(in.data, in.options.ocr_languages);
  if (!pages.ok()) return pages.status();
  SourceDocument doc;
  doc.id = in.name;
  size_t slash = in.name.rfind('/');
  doc.title = in.name.substr(slash == std::string::npos ? 0 : slash + 1);
  double conf_sum = 0;
  size_t words = 0;
  for (size_t i = 0; i < pages.value().size(); ++i) {
    const OcrText& page = pages.value()[i];
    conf_sum += page.confidence * static_cast<double>(page.words);
    words += page.words;
    if (page.text.empty()) continue;
    if (!doc.body.empty()) doc.body += "\n\n";
    size_t begin = doc.body.size();
    doc.body += page.text;
    Page p{static_cast<int64_t>(i + 1), begin, doc.body.size(), static_cast<double>(page.width),
           static_cast<double>(page.height), page.boxes};
    for (auto& w : p.words) {
      w.begin += begin;
      w.end += begin;
    }
    doc.pages.push_back(std::move(p));
  }
  if (TrimAscii(doc.body).empty()) return Status::OK();
  AddOcrMetadata(words > 0 ? conf_sum / static_cast<double>(words) : 0, &doc);
  out->documents.push_back(std::move(doc));
  return Status::OK();
}

}  // namespace

Reader ImageReader() {
  Reader r;
  r.name = "image";
  r.media_types = {"image/png", "image/jpeg", "image/tiff"};
  r.extensions = {".png", ".jpg", ".jpeg", ".tif", ".tiff"};
  r.text = false;
  r.read = ReadImage;
  return r;
}

}  // namespace glassbox::ingest
