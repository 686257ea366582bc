// The engine's side of vectors: making the collection's embedder, computing
// and storing each segment's vectors ("seg-N.vec": magic + HNSW blob), and
// opening them for search.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "glassbox/status.h"
#include "index/segment.h"
#include "search/snapshot.h"
#include "vector/embedder.h"
#include "vector/hnsw.h"

namespace glassbox::engine {

// Checks an embedder spec ("none", "static", "gguf:PATH", "http:URL#MODEL").
Status ValidateEmbedderSpec(const std::string& spec);

// Makes the embedder a spec names. `p` gives word probabilities (static model).
Result<std::shared_ptr<search::QueryEmbedder>> MakeQueryEmbedder(const std::string& spec, vector::WordProbability p);

// Static model only: sets / computes the common component (no-op for others).
Status SetCommonComponent(search::QueryEmbedder& e, const std::vector<float>& u);
bool NeedsCommonComponent(const search::QueryEmbedder& e);
std::vector<float> ComputeCommonComponent(const float* vectors, size_t n, size_t dim);
void ApplyCommonComponent(float* vectors, size_t n, size_t dim, const std::vector<float>& u);

// The text a document is embedded from: its text fields, one per line.
std::string EmbeddingText(const Document& doc);

// Embeds every document of a segment, in doc id order (n * dim floats).
Status EmbedSegment(search::QueryEmbedder& e, const index::SegmentReader& seg, std::vector<float>* out);

// Writes vectors (n * dim) as an HNSW vector file; graph = false writes the
// vectors without links (searched exactly until a graph replaces it).
Status WriteVectorFile(const std::string& path, const std::vector<float>& vectors, uint32_t n, uint32_t dim,
                       bool int8, bool graph = true);
Result<std::shared_ptr<const search::SegmentVectors>> OpenVectorFile(
    const std::string& path, uint32_t expected_docs, index::Residency residency = index::Residency::kMapped);

// Float vectors (by stored-vector copy) of the live documents of a segment.
void CollectVectors(const search::SegmentVectors& v, const std::vector<uint64_t>* live, uint32_t num_docs,
                    std::vector<float>* out);

// Small float vector files (the common component).
Status WriteFloats(const std::string& path, const std::vector<float>& v);
Result<std::vector<float>> ReadFloats(const std::string& path);

}  // namespace glassbox::engine
