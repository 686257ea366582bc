#include "fuzz_common.h"

// Markdown, and the same input as plain text.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  glassbox::fuzz::ReadAndChunk(input, "md");
  glassbox::fuzz::ReadAndChunk(input, "txt");
  return 0;
}
