// Traditional -> Simplified Chinese folding with OpenCC, at character
// granularity so that offsets into the original text stay exact.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"

namespace opencc {
class Converter;
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

  // True if OpenCC might change this character (it occurs, changed, in an
  // entry of the conversion dictionaries). Runs without such characters are
  // left as they are without calling OpenCC (most Simplified text).
  bool MayChange(int32_t c) const;
  // Number of characters MayChange() is true for (0 if the dictionaries could
  // not be read, in which case MayChange() is always true).
  size_t changeable() const { return changeable_; }
  // OpenCC's own conversion of UTF-8 text (no filter, no length guarantee).
  std::string ConvertUtf8(const std::string& utf8) const;

 private:
  T2S() = default;
  std::shared_ptr<opencc::Converter> conv_;
  std::vector<uint64_t> changes_;  // bitmap over code points
  size_t changeable_ = 0;
};

}  // namespace glassbox::text
