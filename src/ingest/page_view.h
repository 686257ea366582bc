// The page view: one page of a PDF or image, as an image a browser shows
// (docs/readers.md, "Page view"). Internal to Glassbox.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "glassbox/status.h"

namespace glassbox::ingest {

struct PageImage {
  std::string bytes;         // encoded image
  std::string content_type;  // "image/png", "image/jpeg"
  int width = 0, height = 0; // pixels
};

// Page `page` (1-based) of a PDF (rendered by poppler at `dpi`, 36-300, as
// PNG) or of an image (a PNG or JPEG's page 1: its own bytes; a TIFF frame:
// re-encoded as PNG). Errors: InvalidArgument for a page out of range
// ("page 7 out of range: the document has 3 pages"), Corruption for bytes
// that cannot be opened, Unsupported for another format.
Result<PageImage> RenderPage(std::string_view data, int64_t page, int dpi);

}  // namespace glassbox::ingest
