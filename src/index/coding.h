// Byte-level encodings shared by every on-disk structure: little-endian fixed
// integers, LEB128 varints, CRC-32C, and bit packing of 128-integer blocks.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace glassbox::index {

inline void PutFixed32(std::string* dst, uint32_t v) { dst->append(reinterpret_cast<const char*>(&v), 4); }
inline void PutFixed64(std::string* dst, uint64_t v) { dst->append(reinterpret_cast<const char*>(&v), 8); }
inline uint32_t GetFixed32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t GetFixed64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }
inline void PutDouble(std::string* dst, double v) { dst->append(reinterpret_cast<const char*>(&v), 8); }
inline double GetDouble(const char* p) { double v; std::memcpy(&v, p, 8); return v; }

inline void PutVarint(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) { buf[n++] = static_cast<char>(v | 0x80); v >>= 7; }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

// Decodes a varint at p (not past limit). Returns the byte after it, or
// nullptr if the encoding is truncated or longer than 10 bytes.
inline const char* GetVarint(const char* p, const char* limit, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < limit; shift += 7) {
    uint64_t byte = static_cast<unsigned char>(*p++);
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) { *v = result; return p; }
  }
  return nullptr;
}

// Fast path for trusted (checksummed) data: no bounds checks.
inline const char* GetVarint32Unchecked(const char* p, uint32_t* v) {
  uint32_t b = static_cast<unsigned char>(*p++);
  if (b < 0x80) { *v = b; return p; }
  uint32_t result = b & 0x7f;
  for (int shift = 7; shift <= 28; shift += 7) {
    b = static_cast<unsigned char>(*p++);
    result |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  *v = result;
  return p;
}

void PutLengthPrefixed(std::string* dst, std::string_view s);
const char* GetLengthPrefixed(const char* p, const char* limit, std::string_view* out);

// CRC-32C (Castagnoli).
uint32_t Crc32c(const char* data, size_t n, uint32_t init = 0);

// Bit packing of exactly kBlockSize values.
inline constexpr int kBlockSize = 128;
// Bits needed to store v (0 for v == 0).
inline int BitWidth(uint32_t v) { return v == 0 ? 0 : 32 - __builtin_clz(v); }
// Appends kBlockSize values packed at `bits` bits each (16 * bits bytes).
void PackBlock(const uint32_t* values, int bits, std::string* dst);
// Reads kBlockSize values packed at `bits` bits; returns the byte after them.
const char* UnpackBlock(const char* src, int bits, uint32_t* values);

}  // namespace glassbox::index
