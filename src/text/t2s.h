// Traditional -> Simplified Chinese folding with OpenCC, at character
// granularity so that offsets into the original text stay exact.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"

namespace opencc {
class SimpleConverter;
}

namespace glassbox::text {

class T2S {
 public:
  // Loads an OpenCC configuration (e.g. /usr/share/opencc/t2s.json).
  static Result<std::shared_ptr<const T2S>> Load(const std::string& config);
  // As Load, once per process per path, shared (thread-safe).
  static Result<std::shared_ptr<const T2S>> Shared(const std::string& config);
  ~T2S();

  // Converts the code points in place, one output code point per input code
  // point. The run is converted as a whole (so OpenCC's phrase rules apply);
  // if that changes the number of characters, each character is converted on
  // its own instead.
  void Convert(std::vector<int32_t>* cps) const;

 private:
  T2S() = default;
  std::unique_ptr<opencc::SimpleConverter> conv_;
};

}  // namespace glassbox::text
