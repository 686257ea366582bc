#include "index/coding.h"

#include <array>

namespace glassbox::index {

void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint(dst, s.size());
  dst->append(s.data(), s.size());
}

const char* GetLengthPrefixed(const char* p, const char* limit, std::string_view* out) {
  uint64_t n;
  p = GetVarint(p, limit, &n);
  if (p == nullptr || n > static_cast<uint64_t>(limit - p)) return nullptr;
  *out = std::string_view(p, n);
  return p + n;
}

namespace {
std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : (c >> 1);
    t[i] = c;
  }
  return t;
}
const std::array<uint32_t, 256> kCrcTable = MakeCrcTable();
}  // namespace

namespace {
uint32_t Crc32cPortable(const char* data, size_t n, uint32_t init) {
  uint32_t c = ~init;
  for (size_t i = 0; i < n; ++i) c = kCrcTable[(c ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (c >> 8);
  return ~c;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const char* data, size_t n, uint32_t init) {
  uint64_t c = ~init;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, data + i, 8);
    c = __builtin_ia32_crc32di(c, v);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; i < n; ++i) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(data[i]));
  return ~c32;
}

const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
}  // namespace

uint32_t Crc32c(const char* data, size_t n, uint32_t init) {
  return kHaveSse42 ? Crc32cHardware(data, n, init) : Crc32cPortable(data, n, init);
}

void PackBlock(const uint32_t* values, int bits, std::string* dst) {
  if (bits == 0) return;
  size_t start = dst->size();
  dst->resize(start + static_cast<size_t>(bits) * kBlockSize / 8);
  auto* out = reinterpret_cast<unsigned char*>(dst->data() + start);
  uint64_t acc = 0;
  int filled = 0;
  size_t o = 0;
  for (int i = 0; i < kBlockSize; ++i) {
    acc |= static_cast<uint64_t>(values[i]) << filled;
    filled += bits;
    while (filled >= 8) {
      out[o++] = static_cast<unsigned char>(acc);
      acc >>= 8;
      filled -= 8;
    }
  }
}

namespace {
template <int B>
const char* UnpackFixed(const char* src, uint32_t* values) {
  // 128 * B bits = 16 * B bytes = 2 * B 64-bit words.
  const auto* in = reinterpret_cast<const unsigned char*>(src);
  constexpr uint64_t mask = (B == 32) ? 0xffffffffull : ((1ull << B) - 1);
  uint64_t words[2 * B];
  std::memcpy(words, in, sizeof words);
  int bit = 0;
  for (int i = 0; i < kBlockSize; ++i, bit += B) {
    int w = bit >> 6, off = bit & 63;
    uint64_t v = words[w] >> off;
    if (off + B > 64) v |= words[w + 1] << (64 - off);
    values[i] = static_cast<uint32_t>(v & mask);
  }
  return src + 16 * B;
}

using UnpackFn = const char* (*)(const char*, uint32_t*);
template <int... Bs>
constexpr std::array<UnpackFn, sizeof...(Bs)> MakeUnpackers(std::integer_sequence<int, Bs...>) {
  return {&UnpackFixed<Bs + 1>...};
}
constexpr auto kUnpackers = MakeUnpackers(std::make_integer_sequence<int, 32>());
}  // namespace

const char* UnpackBlock(const char* src, int bits, uint32_t* values) {
  if (bits == 0) {
    std::memset(values, 0, sizeof(uint32_t) * kBlockSize);
    return src;
  }
  return kUnpackers[bits - 1](src, values);
}

}  // namespace glassbox::index
