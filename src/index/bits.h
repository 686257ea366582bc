// The engine's one bitset representation: a std::vector<uint64_t> of words,
// bit i in word i / 64 at position i % 64. Live documents, access-control and
// filter document sets, the HNSW walk's pass set, code-point tables and
// position marks all use it, through these helpers (header-only, so the
// vector and text libraries use them without linking the index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace glassbox {

using BitWords = std::vector<uint64_t>;

inline size_t BitWordCount(size_t bits) { return (bits + 63) / 64; }

inline bool TestBit(const uint64_t* words, uint64_t i) { return ((words[i >> 6] >> (i & 63)) & 1) != 0; }
inline bool TestBit(const BitWords& words, uint64_t i) { return TestBit(words.data(), i); }

inline void SetBit(uint64_t* words, uint64_t i) { words[i >> 6] |= uint64_t{1} << (i & 63); }
inline void SetBit(BitWords& words, uint64_t i) { SetBit(words.data(), i); }

inline void ClearBit(uint64_t* words, uint64_t i) { words[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
inline void ClearBit(BitWords& words, uint64_t i) { ClearBit(words.data(), i); }

inline size_t CountBits(const BitWords& words) {
  size_t n = 0;
  for (uint64_t w : words) n += static_cast<size_t>(__builtin_popcountll(w));
  return n;
}

}  // namespace glassbox
