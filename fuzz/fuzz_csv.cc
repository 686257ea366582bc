#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  glassbox::ReaderOptions options;
  if (size > 0 && (data[0] & 1)) {
    options.csv_id_column = "id";
    options.csv_text_columns = {"text", "b"};
  }
  glassbox::fuzz::ReadAndChunk(input, "csv", options);
  return 0;
}
