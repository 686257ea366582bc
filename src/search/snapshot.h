// A consistent, immutable view of a collection that one search runs on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "glassbox/search.h"
#include "index/bits.h"
#include "index/segment.h"
#include "text/analyzer.h"
#include "vector/embedder.h"
#include "vector/hnsw.h"

namespace glassbox::search {

// A segment's vector index with the memory that holds its bytes.
struct SegmentVectors {
  std::shared_ptr<const void> bytes_owner;
  std::unique_ptr<vector::HnswIndex> index;
};

// The collection's embedder, shared by searches (Embed is not thread-safe).
struct QueryEmbedder {
  std::mutex mu;
  std::unique_ptr<vector::Embedder> embedder;
  // Static model only: explains a cosine as word pairs (null otherwise).
  std::function<std::vector<vector::WordContribution>(const std::string&, const std::string&, size_t)> explain_words;
  std::string spec;
};

struct SegmentView {
  std::shared_ptr<index::SegmentReader> reader;
  std::shared_ptr<const SegmentVectors> vectors;  // null when the collection has no embedder
  // Live-document bitmap (bit set = live); null when no document is deleted.
  std::shared_ptr<const std::vector<uint64_t>> live;
  uint64_t base = 0;  // global number of this segment's first document
  bool IsLive(index::DocId d) const { return !live || TestBit(*live, d); }
};

struct Snapshot {
  std::vector<SegmentView> segments;
  std::shared_ptr<const text::Analyzer> analyzer;
  double k1 = 1.2, b = 0.75;
  std::unordered_map<std::string, double> field_weights;  // default-query weights; absent = 1
  // Statistics over all segments (deleted documents included, as in Lucene,
  // so scores do not change when a document is deleted elsewhere).
  uint64_t doc_count = 0;
  uint64_t total_tokens = 0;
  std::unordered_map<std::string, uint64_t> field_tokens;
  std::vector<std::string> text_fields;                       // union, first-seen order
  std::unordered_map<std::string, MetadataValue::Type> metadata_types;
  // Vectors: null when the collection has no embedder.
  std::shared_ptr<QueryEmbedder> embedder;
  // The collection's calibrated fusion (SearchOptions::use_collection_fusion).
  FusionMethod fusion = FusionMethod::kMinMax;
  double bm25_weight = 1.0, vector_weight = 0.0;
  double min_similarity = -1;  // the collection's floor for semantic-only hybrid hits

  // Fills the statistics from the segments.
  void ComputeStats();
  uint64_t DocFreq(std::string_view term) const;
  double FieldWeight(const std::string& field) const {
    auto it = field_weights.find(field);
    return it == field_weights.end() ? 1.0 : it->second;
  }
};

}  // namespace glassbox::search
