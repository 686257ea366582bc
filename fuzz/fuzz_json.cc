#include "fuzz_common.h"

// The same input as a JSON document and as JSON Lines.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  glassbox::fuzz::ReadAndChunk(input, "json");
  glassbox::fuzz::ReadAndChunk(input, "jsonl");
  return 0;
}
