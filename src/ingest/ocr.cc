// OCR with Tesseract (libtesseract + Leptonica), see doc_formats.h.
//
//  - Language data: $TESSDATA_PREFIX, else the first of
//    /usr/share/tesseract-ocr/<version>/tessdata holding the first requested
//    language. Requested languages without data are left out; none left: OCR
//    is unavailable (an error naming the languages).
//  - One TessBaseAPI per thread and language set, initialised on first use
//    (loading the models takes far longer than recognising a page).
//  - Confidence: Tesseract's mean word confidence (0-100).
#include <filesystem>
#include <map>
#include <memory>

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include "ingest/doc_formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

std::vector<std::string> SplitLanguages(const std::string& languages) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= languages.size()) {
    size_t j = languages.find('+', i);
    if (j == std::string::npos) j = languages.size();
    std::string lang(TrimAscii(std::string_view(languages).substr(i, j - i)));
    if (!lang.empty()) out.push_back(lang);
    i = j + 1;
  }
  return out;
}

// The tessdata folder and the requested languages found there ("eng+chi_sim").
struct TessData {
  std::string dir;
  std::string languages;
};

TessData FindTessData(const std::string& languages) {
  std::vector<std::string> wanted = SplitLanguages(languages);
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("TESSDATA_PREFIX"); env != nullptr && *env) dirs.emplace_back(env);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/share/tesseract-ocr", ec))
    dirs.push_back(entry.path() / "tessdata");
  dirs.emplace_back("/usr/share/tessdata");
  for (const auto& dir : dirs) {
    TessData found{dir.string(), ""};
    for (const auto& lang : wanted)
      if (std::filesystem::exists(dir / (lang + ".traineddata"), ec))
        found.languages += (found.languages.empty() ? "" : "+") + lang;
    if (!found.languages.empty()) return found;
  }
  return {};
}

struct Engine {
  std::unique_ptr<tesseract::TessBaseAPI> api;
  std::string error;  // why Init failed
};

// This thread's engine for `languages`, initialised once.
Engine& ThreadEngine(const std::string& languages) {
  thread_local std::map<std::string, Engine> engines;
  auto [it, fresh] = engines.try_emplace(languages);
  if (!fresh) return it->second;
  Engine& e = it->second;
  static const bool quiet = [] {
    setMsgSeverity(L_SEVERITY_NONE);  // Leptonica's stderr chatter about odd images
    return true;
  }();
  (void)quiet;
  TessData data = FindTessData(languages);
  if (data.languages.empty()) {
    e.error = "no Tesseract language data for '" + languages + "'";
    return e;
  }
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  if (api->Init(data.dir.c_str(), data.languages.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    e.error = "Tesseract failed to load '" + data.languages + "' from " + data.dir;
    return e;
  }
  api->SetVariable("debug_file", "/dev/null");
  e.api = std::move(api);
  return e;
}

Result<OcrText> Recognize(tesseract::TessBaseAPI* api) {
  OcrText out;
  std::unique_ptr<char[]> text(api->GetUTF8Text());
  if (text == nullptr) return Status::InvalidArgument("OCR failed");
  std::string_view raw(text.get());
  // Tesseract puts blank lines between blocks; keep one per paragraph.
  std::string cleaned;
  size_t i = 0;
  while (i < raw.size()) {
    size_t j = raw.find('\n', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view line = TrimAscii(raw.substr(i, j - i));
    if (line.empty()) {
      if (!cleaned.empty() && cleaned.back() != '\n') cleaned += "\n";
    } else {
      if (!cleaned.empty()) cleaned += "\n";
      cleaned += line;
    }
    i = j + 1;
  }
  // Invalid UTF-8 from a model should not happen; drop the text if it does.
  if (FindInvalidUtf8(cleaned) != std::string::npos) cleaned.clear();
  out.text = std::string(TrimAscii(cleaned));
  int* confs = api->AllWordConfidences();
  if (confs != nullptr) {
    double sum = 0;
    for (int* c = confs; *c != -1; ++c) {
      sum += *c;
      ++out.words;
    }
    delete[] confs;
    out.confidence = out.words > 0 ? sum / static_cast<double>(out.words) : 0;
  }
  // Word boxes, in the order of the text.
  std::vector<PlacedWord> placed;
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  if (it != nullptr && !out.text.empty()) {
    do {
      if (it->Empty(tesseract::RIL_WORD)) continue;
      std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
      int left = 0, top = 0, right = 0, bottom = 0;
      if (word == nullptr || !it->BoundingBox(tesseract::RIL_WORD, &left, &top, &right, &bottom)) continue;
      placed.push_back({std::string(TrimAscii(word.get())), static_cast<double>(left), static_cast<double>(top),
                        static_cast<double>(right), static_cast<double>(bottom)});
    } while (it->Next(tesseract::RIL_WORD));
  }
  out.boxes = AlignWords(out.text, placed);
  api->Clear();
  return out;
}

}  // namespace

bool OcrAvailable(const std::string& languages) {
  if (languages.empty()) return false;
  return ThreadEngine(languages).api != nullptr;
}

Result<OcrText> OcrPixels(const unsigned char* pixels, int width, int height, int bytes_per_pixel, int bytes_per_line,
                          int dpi, const std::string& languages) {
  Engine& e = ThreadEngine(languages);
  if (e.api == nullptr) return Status::Unsupported("OCR unavailable: " + e.error);
  e.api->SetImage(pixels, width, height, bytes_per_pixel, bytes_per_line);
  e.api->SetSourceResolution(dpi);
  auto out = Recognize(e.api.get());
  if (out.ok()) {
    out.value().width = width;
    out.value().height = height;
  }
  return out;
}

Result<std::vector<OcrText>> OcrEncodedImage(std::string_view data, const std::string& languages) {
  Engine& e = ThreadEngine(languages);
  if (e.api == nullptr) return Status::Unsupported("OCR unavailable: " + e.error);
  const auto* bytes = reinterpret_cast<const l_uint8*>(data.data());
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
  if (pixReadHeaderMem(bytes, data.size(), &format, &w, &h, &bps, &spp, &cmap) != 0)
    return Status::InvalidArgument("not a readable image");
  if (w <= 0 || h <= 0 || static_cast<uint64_t>(w) * static_cast<uint64_t>(h) > kMaxOcrPixels)
    return Status::InvalidArgument("image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels (limit " +
                                   std::to_string(kMaxOcrPixels) + " pixels)");
  std::vector<OcrText> pages;
  const bool tiff = format == IFF_TIFF || format == IFF_TIFF_G4 || format == IFF_TIFF_G3 || format == IFF_TIFF_LZW ||
                    format == IFF_TIFF_ZIP || format == IFF_TIFF_PACKBITS || format == IFF_TIFF_RLE ||
                    format == IFF_TIFF_JPEG;
  for (int n = 0;; ++n) {
    Pix* pix = tiff ? pixReadMemTiff(bytes, data.size(), n) : (n == 0 ? pixReadMem(bytes, data.size()) : nullptr);
    if (pix == nullptr) {
      if (n == 0) return Status::InvalidArgument("not a readable image (corrupt or truncated)");
      break;
    }
    if (static_cast<uint64_t>(pixGetWidth(pix)) * static_cast<uint64_t>(pixGetHeight(pix)) > kMaxOcrPixels) {
      pixDestroy(&pix);
      return Status::InvalidArgument("page " + std::to_string(n + 1) + ": image over " +
                                     std::to_string(kMaxOcrPixels) + " pixels");
    }
    e.api->SetImage(pix);
    if (pixGetXRes(pix) < 70) e.api->SetSourceResolution(300);
    auto text = Recognize(e.api.get());
    if (text.ok()) {
      text.value().width = pixGetWidth(pix);
      text.value().height = pixGetHeight(pix);
    }
    pixDestroy(&pix);
    if (!text.ok()) return Status::InvalidArgument("page " + std::to_string(n + 1) + ": " + text.status().message());
    pages.push_back(std::move(text.value()));
    if (n >= 9999) break;
  }
  return pages;
}

void AddOcrMetadata(double confidence, SourceDocument* doc) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", confidence);
  doc->metadata.emplace_back("ocr_confidence", MetadataValue::Number(confidence, buf));
  if (confidence < kLowOcrConfidence) doc->metadata.emplace_back("ocr_low_confidence", MetadataValue::Keyword("true"));
}

}  // namespace glassbox::ingest
