// SHA-256 (FIPS 180-4), for hashing API keys. Not constant-time with respect
// to the message length; compare digests with ConstantTimeEquals.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace glassbox::server {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  void Update(const std::string& s) { Update(s.data(), s.size()); }
  std::array<uint8_t, 32> Finish();

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

// Lower-case hex digest of s.
std::string Sha256Hex(const std::string& s);
std::string ToHex(const uint8_t* p, size_t n);
bool ConstantTimeEquals(const std::string& a, const std::string& b);

}  // namespace glassbox::server
