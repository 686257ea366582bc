// The page view (page_view.h): poppler renders a PDF page, Leptonica encodes
// it as PNG (and reads TIFF frames).
#include "ingest/page_view.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include <leptonica/allheaders.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

namespace glassbox::ingest {
namespace {

constexpr double kMaxPixels = 16'000'000;  // a page view larger than this is rendered at a lower dpi

std::string OutOfRange(int64_t page, int64_t pages) {
  return "page " + std::to_string(page) + " out of range: the document has " + std::to_string(pages) +
         (pages == 1 ? " page" : " pages");
}

// Encodes a Pix as PNG; takes ownership of it.
Result<PageImage> EncodePng(Pix* pix) {
  l_uint8* data = nullptr;
  size_t size = 0;
  int failed = pixWriteMem(&data, &size, pix, IFF_PNG);
  PageImage out;
  out.width = pixGetWidth(pix);
  out.height = pixGetHeight(pix);
  pixDestroy(&pix);
  if (failed != 0 || data == nullptr) return Status::IOError("cannot encode the page as PNG (Leptonica without libpng?)");
  out.bytes.assign(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  out.content_type = "image/png";
  return out;
}

Result<PageImage> RenderPdfPage(std::string_view data, int64_t page, int dpi) {
  if (data.size() > static_cast<size_t>(INT32_MAX)) return Status::Unsupported("PDF over 2 GiB");
  std::unique_ptr<poppler::document> pdf(
      poppler::document::load_from_raw_data(data.data(), static_cast<int>(data.size())));
  if (pdf == nullptr) return Status::Corruption("the stored PDF cannot be opened");
  if (pdf->is_locked()) return Status::Unsupported("the stored PDF is encrypted");
  if (page < 1 || page > pdf->pages()) return Status::InvalidArgument(OutOfRange(page, pdf->pages()));
  std::unique_ptr<poppler::page> p(pdf->create_page(static_cast<int>(page - 1)));
  if (p == nullptr) return Status::Corruption("page " + std::to_string(page) + " cannot be read");
  poppler::rectf box = p->page_rect();
  double res = dpi;
  double pixels = box.width() / 72 * res * box.height() / 72 * res;
  if (pixels > kMaxPixels) res *= std::sqrt(kMaxPixels / pixels);
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_argb32);
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  poppler::image img = renderer.render_page(p.get(), res, res);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0)
    return Status::Corruption("page " + std::to_string(page) + " cannot be rendered");
  // format_argb32: 32 bits a pixel, 0xAARRGGBB in native order (format_rgb24 is 3 bytes a pixel).
  Pix* pix = pixCreate(img.width(), img.height(), 32);
  if (pix == nullptr) return Status::IOError("out of memory rendering the page");
  l_uint32* dst = pixGetData(pix);
  const int wpl = pixGetWpl(pix);
  for (int y = 0; y < img.height(); ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(img.const_data() + static_cast<size_t>(y) * img.bytes_per_row());
    for (int x = 0; x < img.width(); ++x) {
      uint32_t v = row[x];
      composeRGBPixel((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, dst + static_cast<size_t>(y) * wpl + x);
    }
  }
  pixSetResolution(pix, static_cast<int>(res), static_cast<int>(res));
  return EncodePng(pix);
}

Result<PageImage> ImagePage(std::string_view data, int64_t page) {
  const auto* bytes = reinterpret_cast<const l_uint8*>(data.data());
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
  if (pixReadHeaderMem(bytes, data.size(), &format, &w, &h, &bps, &spp, &cmap) != 0)
    return Status::Corruption("the stored image cannot be read");
  const bool png = format == IFF_PNG, jpeg = format == IFF_JFIF_JPEG;
  if (png || jpeg) {
    if (page != 1) return Status::InvalidArgument(OutOfRange(page, 1));
    return PageImage{std::string(data), png ? "image/png" : "image/jpeg", w, h};
  }
  Pix* pix = page >= 1 && page <= 10000 ? pixReadMemTiff(bytes, data.size(), static_cast<l_int32>(page - 1)) : nullptr;
  if (pix == nullptr) {
    int64_t n = 0;
    while (n < 10000) {
      Pix* f = pixReadMemTiff(bytes, data.size(), static_cast<l_int32>(n));
      if (f == nullptr) break;
      pixDestroy(&f);
      ++n;
    }
    if (n == 0) return Status::Unsupported("the stored image is neither PNG, JPEG nor TIFF");
    return Status::InvalidArgument(OutOfRange(page, n));
  }
  return EncodePng(pix);
}

}  // namespace

Result<PageImage> RenderPage(std::string_view data, int64_t page, int dpi) {
  dpi = std::clamp(dpi, 36, 300);
  if (data.substr(0, 5) == "%PDF-") return RenderPdfPage(data, page, dpi);
  return ImagePage(data, page);
}

}  // namespace glassbox::ingest
