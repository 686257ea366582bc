#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  glassbox::ReaderOptions options;
  options.ocr_languages = "";
  glassbox::fuzz::ReadAndChunk(input, "html", options, false);
  return 0;
}
