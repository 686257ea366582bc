// HNSW approximate nearest-neighbour index over one segment's vectors.
//
// Built once (vectors are immutable with their segment), serialized into a
// byte string, later used straight from a memory map. Vectors are stored as
// float32, or as int8 with a per-vector scale (4x smaller) and re-ranked
// exactly against float32 vectors when those are kept.
// Deletes and metadata filters are applied during the graph search through
// an accept callback (rejected nodes are still traversed, never returned).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::vector {

enum class Metric : uint8_t { kInnerProduct = 0, kL2 = 1 };

struct HnswParams {
  int m = 16;                 // links per node (2m on layer 0)
  int ef_construction = 200;
  Metric metric = Metric::kInnerProduct;
  bool int8 = false;          // store int8 codes for the graph search
  bool keep_float = true;     // with int8: also keep float32 vectors for exact re-ranking
  uint64_t seed = 42;
  // false: the vectors only, no links ("flat"): cheap to write, every node
  // scored by each search (exact with float32 vectors; int8 candidates are
  // re-ranked in float32 when kept); a collection writes a large new
  // segment's vectors so and builds its graph in the background.
  bool graph = true;
};

struct Neighbor {
  uint32_t id;
  float score;  // inner product (higher is closer) or negative L2 squared distance
};

// Builds an index over n vectors of dimension dim (row-major).
// Deterministic for a given seed and input.
Result<std::string> BuildHnsw(const float* vectors, uint32_t n, uint32_t dim, const HnswParams& params);

// Distances computed by searches on the calling thread so far (graph walk and
// exact fallback scans); for tests and benchmarks of the search's cost.
uint64_t HnswDistanceComputations();

class HnswIndex {
 public:
  // Views a serialized index (the bytes must outlive the index). Corruption on bad bytes.
  static Result<std::unique_ptr<HnswIndex>> Open(std::string_view bytes);
  virtual ~HnswIndex() = default;
  virtual uint32_t size() const = 0;
  virtual uint32_t dim() const = 0;
  // Whether the index has a graph (HnswParams::graph); without one every
  // search scores all nodes.
  virtual bool has_graph() const = 0;
  // The k best accepted neighbours of q, best first. ef >= k: search breadth.
  // accept (may be empty) is called on candidate ids; false hides the id.
  virtual void Search(const float* q, size_t k, size_t ef, const std::function<bool(uint32_t)>& accept,
                      std::vector<Neighbor>* out) const = 0;
  // The same with the accepted ids as a bitset (bit id set = may be
  // returned; at least size() bits); null accepts every id. The engine's
  // form: a bit test per candidate instead of a call.
  virtual void SearchIn(const float* q, size_t k, size_t ef, const uint64_t* pass,
                        std::vector<Neighbor>* out) const = 0;
  // Exact score of stored vector `id` against q (float32 when kept, else int8).
  virtual float Score(const float* q, uint32_t id) const = 0;
  // The stored vector (float32 when kept, else decoded int8).
  virtual void Vector(uint32_t id, std::vector<float>* out) const = 0;
  // Bytes of the serialized form (for memory accounting).
  virtual size_t bytes() const = 0;
};

}  // namespace glassbox::vector
