// A message (.eml) or a mailbox, by the first byte. Attachments go through the
// registry (OCR off: images are skipped, not read).
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  glassbox::ReaderOptions options;
  options.ocr_languages = "";
  glassbox::fuzz::ReadAndChunk(input, (data[0] & 1) ? "mbox" : "eml", options, false);
  return 0;
}
