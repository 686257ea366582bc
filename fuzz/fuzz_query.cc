// The query parser must answer every input with a query or an error, without
// crashing; an error names a byte offset ("query:12: ...").
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "search/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = glassbox::search::ParseQuery(input);
  if (!parsed.ok() && parsed.status().message().empty()) {
    std::fprintf(stderr, "query error without a message\n");
    std::abort();
  }
  return 0;
}
