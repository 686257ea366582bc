// The manifest names the files that make up a collection at one commit. It is
// replaced only by atomic rename, so a reader always sees a whole commit.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::index {

struct SegmentMeta {
  std::string name;        // "seg-000001.gbs"
  uint32_t docs = 0;
  uint32_t deleted = 0;
  std::string del_file;    // "" when nothing is deleted
  std::string vec_file;    // "" when the collection has no embedder
};

// The default hybrid fusion's vector weight (min-max, bm25 = 1 - w), chosen
// leave-one-collection-out on the shared sets (EVALUATION.md).
inline constexpr double kPriorVectorWeight = 0.15;

struct Manifest {
  uint64_t generation = 0;
  std::string analyzer;
  double k1 = 1.2, b = 0.75;
  std::vector<std::pair<std::string, double>> field_weights;
  uint64_t next_file = 1;  // number for the next segment / log / deletion file
  std::string wal;         // active write-ahead log file name
  std::vector<SegmentMeta> segments;
  // Vectors.
  std::string embedder = "none";      // spec; "none" = BM25 only
  std::string embedder_fingerprint;   // of the model that built the vectors
  std::string common_component;       // file with the static model's removed direction, "" if none
  bool int8_vectors = false;
  double min_similarity = -1;  // hybrid: floor for semantic-only hits (CollectionOptions)
  // Writing (CollectionOptions, kept so that Open behaves as Create did).
  uint64_t max_buffered_docs = 100000;
  bool write_ahead_log = true;
  // Default fusion: the fixed prior below, or (calibrate_fusion) calibrated
  // without labels (see src/engine/calibration.cc).
  std::string fusion = "minmax";
  bool calibrate_fusion = false;
  double bm25_weight = 1 - kPriorVectorWeight, vector_weight = kPriorVectorWeight;
  uint64_t calibrated_docs = 0;       // documents when last calibrated (0 = never)

  std::string Serialize() const;
  static Result<Manifest> Parse(const std::string& text, const std::string& path);
  // Reads dir/MANIFEST.
  static Result<Manifest> Load(const std::string& dir);
  Status Save(const std::string& dir) const;
};

// Deletion files: u32 count, u32 doc ids (sorted), u32 crc32c.
Status WriteDeletions(const std::string& path, const std::vector<uint32_t>& docs);
Status ReadDeletions(const std::string& path, uint32_t num_docs, std::vector<uint64_t>* live_bits, uint32_t* count);

}  // namespace glassbox::index
