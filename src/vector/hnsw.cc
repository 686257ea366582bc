// HNSW (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
// search using Hierarchical Navigable Small World graphs", 2016/2018), written
// from the paper's algorithms 1-4:
//   INSERT (alg. 1)            BuildHnsw, one element at a time, in input order
//   SEARCH-LAYER (alg. 2)      SearchLayer (build) / SearchBase (queries)
//   SELECT-NEIGHBORS-HEURISTIC SelectHeuristic (alg. 4; no extendCandidates,
//                              no keepPrunedConnections)
//   K-NN-SEARCH (alg. 5)       HnswView::Search
//
// Internally every metric is a distance, lower is closer:
//   inner product  d = -<q, x>           score = -d = <q, x>
//   L2             d = |q - x|^2         score = -d
//
// int8: every vector x is stored as codes c = round(x / s), s = max|x| / 127,
// with s and |s c|^2 beside the codes. A query is quantized the same way, so
// <q, x> ~ s_q s_x <c_q, c_x> with the code dot product computed exactly in
// int32, and |q - x|^2 ~ |q'|^2 + |x'|^2 - 2 <q', x'>. With int8 the graph is
// also built on the codes (cheaper; the graph is the same whether or not the
// float32 vectors are kept). When float32 vectors are kept the ef candidates
// of the int8 search are re-ranked exactly and the best k returned.
//
// Serialized form (little-endian; offsets from the start of the blob; every
// section starts on a 64-byte boundary, padding is zero):
//   header (64 bytes)
//     0  char[8] magic "GBHNSW\0\1"
//     8  u32 version (1; 2 without links)  12 u32 dim
//     16 u32 n                      20 u32 m          24 u32 m0 (= 2m)
//     28 u8 metric  29 u8 flags (1 float32, 2 int8, 4 no graph)  30 u16 int8 row stride
//     32 u32 entry point (0xffffffff when n = 0)     36 u32 max level
//     40 u64 total size (including the 8-byte trailer)
//     48 u32 upper blocks (total number of upper-layer link lists)
//     52 u32 ef_construction (informational)  56 u64 seed (informational)
//   layer 0      n x (1 + m0) u32: count, then m0 neighbour slots
//   upper index  (n + 1) u32: node i has levels 1..L_i with
//                L_i = idx[i+1] - idx[i], its level-l list is block idx[i]+l-1
//   upper lists  blocks x (1 + m) u32: count, then m slots
//   float32      n x dim f32                              (flag 1)
//   int8         n rows of `stride` bytes: f32 scale, f32 |x'|^2, dim codes (flag 2)
//   trailer      u32 CRC-32C of all preceding bytes, u32 zero
// Open() checks the header, the sizes, the CRC and that every link is in
// range and every count within its capacity (one pass, no copies), so a
// damaged blob is Corruption, never a crash in Search.
//
// Filtered search (accept callback): the layer-0 walk moves over accepted
// nodes only, and reaches past a rejected neighbour to that neighbour's own
// neighbours (two hops, as in ACORN), so no distance is computed for a node
// that can never be returned. Each expansion takes its direct accepted
// neighbours, then fills up to m (= m0 / 2) through rejected ones, so a search
// under a filter that passes a share p of the nodes costs about what the
// unfiltered search costs instead of ~1/p times as much (the rejected nodes'
// link lists are read, not their vectors). When the walk runs out of accepted
// nodes to expand before it holds ef of them (a selective filter: the part of
// the graph it reaches is exhausted), or once it has computed n/4 distances
// with fewer than k accepted results, it scans all nodes instead (exact,
// filtered: the filter first, a distance only for accepted nodes). So Search
// returns min(k, #accepted) results whenever the filter accepts that many.
#include "vector/hnsw.h"
#include "index/bits.h"
#include "index/coding.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <queue>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GB_HNSW_X86 1
#endif

namespace glassbox::vector {
namespace {

// ---------------------------------------------------------------- kernels

float DotScalar(const float* a, const float* b, size_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

float L2Scalar(const float* a, const float* b, size_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1], d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < n; ++i) {
    float d = a[i] - b[i];
    s0 += d * d;
  }
  return (s0 + s1) + (s2 + s3);
}

int32_t DotI8Scalar(const int8_t* a, const int8_t* b, size_t n) {
  int32_t s = 0;
  for (size_t i = 0; i < n; ++i) s += int32_t(a[i]) * int32_t(b[i]);
  return s;
}

#ifdef GB_HNSW_X86
__attribute__((target("avx2,fma"))) inline float HSum256(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float s = HSum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

__attribute__((target("avx2,fma"))) float L2Avx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
    s2 = _mm256_fmadd_ps(d2, d2, s2);
    s3 = _mm256_fmadd_ps(d3, d3, s3);
  }
  for (; i + 8 <= n; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s0 = _mm256_fmadd_ps(d, d, s0);
  }
  float s = HSum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) {
    float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

__attribute__((target("avx2"))) int32_t DotI8Avx2(const int8_t* a, const int8_t* b, size_t n) {
  __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    __m256i a1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i + 16)));
    __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + 16)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(a0, b0));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(a1, b1));
  }
  for (; i + 16 <= n; i += 16) {
    __m256i a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(a0, b0));
  }
  __m256i s = _mm256_add_epi32(s0, s1);
  __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
  int32_t r = _mm_cvtsi128_si32(t);
  for (; i < n; ++i) r += int32_t(a[i]) * int32_t(b[i]);
  return r;
}
#endif

// The ids among ids[0, n) (n <= 32) whose bit is set in `bits`, as a mask
// (bit j: ids[j]): the filtered walk's second hop tests whole link lists.
uint32_t PassMaskScalar(const uint64_t* bits, const uint32_t* ids, uint32_t n) {
  uint32_t mask = 0;
  for (uint32_t j = 0; j < n; ++j) mask |= uint32_t(TestBit(bits, ids[j])) << j;
  return mask;
}

#ifdef GB_HNSW_X86
// Eight ids at a time: their words gathered, shifted by id % 64, bit 0 moved
// to the sign and collected. Lanes at or past n are neither loaded nor gathered.
__attribute__((target("avx2"))) uint32_t PassMaskAvx2(const uint64_t* bits, const uint32_t* ids, uint32_t n) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i low6 = _mm256_set1_epi32(63);
  const long long* base = reinterpret_cast<const long long*>(bits);
  uint32_t mask = 0;
  for (uint32_t j = 0; j < n; j += 8) {
    const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n - j)), iota);
    const __m256i v = _mm256_maskload_epi32(reinterpret_cast<const int*>(ids + j), valid);
    const __m256i word = _mm256_srli_epi32(v, 6), shift = _mm256_and_si256(v, low6);
    const __m128i word_lo = _mm256_castsi256_si128(word), word_hi = _mm256_extracti128_si256(word, 1);
    const __m256i valid_lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(valid));
    const __m256i valid_hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(valid, 1));
    __m256i w_lo = _mm256_mask_i32gather_epi64(_mm256_setzero_si256(), base, word_lo, valid_lo, 8);
    __m256i w_hi = _mm256_mask_i32gather_epi64(_mm256_setzero_si256(), base, word_hi, valid_hi, 8);
    w_lo = _mm256_srlv_epi64(w_lo, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(shift)));
    w_hi = _mm256_srlv_epi64(w_hi, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(shift, 1)));
    const uint32_t lo = uint32_t(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_slli_epi64(w_lo, 63))));
    const uint32_t hi = uint32_t(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_slli_epi64(w_hi, 63))));
    mask |= (lo | hi << 4) << j;
  }
  return mask;
}
#endif

struct Kernels {
  uint32_t (*pass_mask)(const uint64_t*, const uint32_t*, uint32_t) = PassMaskScalar;
  float (*dot)(const float*, const float*, size_t) = DotScalar;
  float (*l2)(const float*, const float*, size_t) = L2Scalar;
  int32_t (*dot_i8)(const int8_t*, const int8_t*, size_t) = DotI8Scalar;
};

const Kernels& K() {
  static const Kernels k = [] {
    Kernels r;
#ifdef GB_HNSW_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      r.dot = DotAvx2;
      r.l2 = L2Avx2;
      r.dot_i8 = DotI8Avx2;
    }
    if (__builtin_cpu_supports("avx2")) r.pass_mask = PassMaskAvx2;
#endif
    return r;
  }();
  return k;
}

inline void Prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }

// CRC-32C: the engine's one implementation (index/coding.h).
uint32_t Crc32c(const void* data, size_t n) { return index::Crc32c(static_cast<const char*>(data), n); }

// ---------------------------------------------------------------- helpers

constexpr char kMagic[8] = {'G', 'B', 'H', 'N', 'S', 'W', '\0', '\1'};
// Version 2 marks a file without links (flag 4), so a binary that predates
// flat files reports "unsupported version 2" rather than bad flags; files with
// a graph stay version 1. Version 1 files with flag 4 (written before version
// 2 existed) still open.
constexpr uint32_t kVersion = 1, kVersionFlat = 2;
constexpr size_t kHeaderSize = 64;
constexpr uint8_t kFlagFloat = 1, kFlagInt8 = 2, kFlagNoGraph = 4;
constexpr uint32_t kNone = 0xffffffffu;

inline uint64_t Align64(uint64_t x) { return (x + 63) & ~uint64_t(63); }

// Per-thread visited marks (epoch tags), shared by all indexes on a thread.
struct Visited {
  std::vector<uint16_t> tags;
  uint16_t epoch = 0;
  void Reset(size_t n) {
    if (tags.size() < n) {
      tags.assign(n, 0);
      epoch = 0;
    }
    if (++epoch == 0) {
      std::fill(tags.begin(), tags.end(), 0);
      epoch = 1;
    }
  }
  bool TestAndSet(uint32_t i) {
    if (tags[i] == epoch) return true;
    tags[i] = epoch;
    return false;
  }
  bool Test(uint32_t i) const { return tags[i] == epoch; }
};

thread_local uint64_t t_distances = 0;

Visited& ThreadVisited() {
  thread_local Visited v;
  return v;
}

using DistId = std::pair<float, uint32_t>;
struct FartherFirst {  // for a max-heap on distance (priority_queue default on pair is max)
  bool operator()(const DistId& a, const DistId& b) const { return a < b; }
};
struct CloserFirst {
  bool operator()(const DistId& a, const DistId& b) const { return a > b; }
};
using MaxHeap = std::priority_queue<DistId, std::vector<DistId>, FartherFirst>;
using MinHeap = std::priority_queue<DistId, std::vector<DistId>, CloserFirst>;

// Quantized vector: codes plus scale and |decoded|^2.
void Quantize(const float* x, uint32_t dim, int8_t* codes, float* scale, float* norm2) {
  float mx = 0;
  for (uint32_t i = 0; i < dim; ++i) mx = std::max(mx, std::fabs(x[i]));
  float s = mx > 0 ? mx / 127.0f : 1.0f;
  float inv = 1.0f / s;
  int64_t sq = 0;
  for (uint32_t i = 0; i < dim; ++i) {
    float v = std::nearbyint(x[i] * inv);
    v = std::min(127.0f, std::max(-127.0f, v));
    codes[i] = int8_t(v);
    sq += int64_t(codes[i]) * codes[i];
  }
  *scale = s;
  *norm2 = float(double(sq) * double(s) * double(s));
}

// Distances between stored nodes and a query, on float32 or int8.
struct FloatSpace {
  const float* base;
  uint32_t dim;
  Metric metric;
  const void* Row(uint32_t id) const { return base + size_t(id) * dim; }
  float Between(const float* a, const float* b) const {
    return metric == Metric::kL2 ? K().l2(a, b, dim) : -K().dot(a, b, dim);
  }
  float Nodes(uint32_t a, uint32_t b) const { return Between(base + size_t(a) * dim, base + size_t(b) * dim); }
  struct Query {
    const FloatSpace* s;
    const float* q;
    float operator()(uint32_t id) const { return s->Between(q, s->base + size_t(id) * s->dim); }
  };
  Query ForNode(uint32_t id) const { return Query{this, base + size_t(id) * dim}; }
};

struct Int8Space {
  const uint8_t* rows;  // stride bytes each: f32 scale, f32 norm2, codes
  uint32_t dim;
  uint32_t stride;
  Metric metric;
  const void* Row(uint32_t id) const { return rows + size_t(id) * stride; }
  float Between(const uint8_t* a, float sa, float na, const uint8_t* b) const {
    float sb, nb;
    std::memcpy(&sb, b, 4);
    std::memcpy(&nb, b + 4, 4);
    float dot = float(K().dot_i8(reinterpret_cast<const int8_t*>(a), reinterpret_cast<const int8_t*>(b + 8), dim)) * sa * sb;
    return metric == Metric::kL2 ? std::max(0.0f, na + nb - 2 * dot) : -dot;
  }
  float Nodes(uint32_t a, uint32_t b) const {
    const uint8_t* ra = rows + size_t(a) * stride;
    float sa, na;
    std::memcpy(&sa, ra, 4);
    std::memcpy(&na, ra + 4, 4);
    return Between(ra + 8, sa, na, rows + size_t(b) * stride);
  }
  struct Query {
    const Int8Space* s;
    const uint8_t* codes;
    float scale, norm2;
    float operator()(uint32_t id) const { return s->Between(codes, scale, norm2, s->rows + size_t(id) * s->stride); }
  };
  Query ForNode(uint32_t id) const {
    const uint8_t* r = rows + size_t(id) * stride;
    Query q{this, r + 8, 0, 0};
    std::memcpy(&q.scale, r, 4);
    std::memcpy(&q.norm2, r + 4, 4);
    return q;
  }
};

inline void PrefetchRow(const void* row, size_t bytes) {
  const char* p = static_cast<const char*>(row);
  Prefetch(p);
  if (bytes > 64) Prefetch(p + 64);
}

// Graph during construction.
struct BuildGraph {
  uint32_t m, m0;
  std::vector<uint32_t> level0;               // n x (1 + m0)
  std::vector<std::vector<uint32_t>> upper;   // per node: levels x (1 + m)
  std::vector<uint8_t> level;
  uint32_t* Links(uint32_t id, int l) {
    return l == 0 ? &level0[size_t(id) * (1 + m0)] : &upper[id][size_t(l - 1) * (1 + m)];
  }
  const uint32_t* Links(uint32_t id, int l) const { return const_cast<BuildGraph*>(this)->Links(id, l); }
};

// Greedy walk (ef = 1) on one upper layer.
template <class G, class Q>
void GreedyStep(const G& g, const Q& dist, int l, uint32_t* cur, float* cur_d) {
  bool changed = true;
  while (changed) {
    changed = false;
    const uint32_t* ls = g.Links(*cur, l);
    uint32_t cnt = ls[0];
    for (uint32_t j = 1; j <= cnt; ++j) {
      float d = dist(ls[j]);
      if (d < *cur_d) {
        *cur_d = d;
        *cur = ls[j];
        changed = true;
      }
    }
  }
}

// SEARCH-LAYER for construction: the ef closest to the query on layer l,
// returned sorted closest first.
template <class S, class Q>
void SearchLayer(const BuildGraph& g, const S& space, size_t row_bytes, const Q& dist, uint32_t ep, float ep_d,
                 int l, size_t ef, Visited& vis, std::vector<DistId>* out) {
  vis.Reset(g.level.size());
  MinHeap cand;
  MaxHeap top;
  cand.emplace(ep_d, ep);
  top.emplace(ep_d, ep);
  vis.TestAndSet(ep);
  while (!cand.empty()) {
    DistId c = cand.top();
    if (c.first > top.top().first && top.size() >= ef) break;
    cand.pop();
    const uint32_t* ls = g.Links(c.second, l);
    uint32_t cnt = ls[0];
    if (cnt) PrefetchRow(space.Row(ls[1]), row_bytes);
    for (uint32_t j = 1; j <= cnt; ++j) {
      uint32_t e = ls[j];
      if (j < cnt) PrefetchRow(space.Row(ls[j + 1]), row_bytes);
      if (vis.TestAndSet(e)) continue;
      float d = dist(e);
      if (top.size() < ef || d < top.top().first) {
        cand.emplace(d, e);
        top.emplace(d, e);
        if (top.size() > ef) top.pop();
      }
    }
  }
  out->resize(top.size());
  for (size_t i = top.size(); i-- > 0;) {
    (*out)[i] = top.top();
    top.pop();
  }
}

// SELECT-NEIGHBORS-HEURISTIC: from candidates sorted closest first, keep a
// candidate only when it is closer to the base than to every kept one.
template <class S>
void SelectHeuristic(const S& space, const std::vector<DistId>& sorted, size_t m, std::vector<uint32_t>* out) {
  out->clear();
  if (sorted.size() <= m) {
    for (const auto& c : sorted) out->push_back(c.second);
    return;
  }
  for (const auto& c : sorted) {
    if (out->size() >= m) break;
    bool good = true;
    for (uint32_t r : *out) {
      if (space.Nodes(c.second, r) < c.first) {
        good = false;
        break;
      }
    }
    if (good) out->push_back(c.second);
  }
}

template <class S>
void BuildGraphOn(const S& space, size_t row_bytes, uint32_t n, const HnswParams& p, const std::vector<uint8_t>& levels,
                  BuildGraph* g, uint32_t* entry, int* max_level) {
  Visited vis;
  std::vector<DistId> w, tmp;
  std::vector<uint32_t> sel;
  *entry = kNone;
  *max_level = -1;
  for (uint32_t q = 0; q < n; ++q) {
    int lq = levels[q];
    if (*entry == kNone) {
      *entry = q;
      *max_level = lq;
      continue;
    }
    auto dist = space.ForNode(q);
    uint32_t cur = *entry;
    float cur_d = dist(cur);
    for (int l = *max_level; l > lq; --l) GreedyStep(*g, dist, l, &cur, &cur_d);
    for (int l = std::min(lq, *max_level); l >= 0; --l) {
      SearchLayer(*g, space, row_bytes, dist, cur, cur_d, l, size_t(p.ef_construction), vis, &w);
      SelectHeuristic(space, w, size_t(p.m), &sel);
      uint32_t* mine = g->Links(q, l);
      mine[0] = uint32_t(sel.size());
      for (size_t j = 0; j < sel.size(); ++j) mine[1 + j] = sel[j];
      uint32_t cap = l == 0 ? g->m0 : g->m;
      for (uint32_t e : sel) {
        uint32_t* ls = g->Links(e, l);
        uint32_t cnt = ls[0];
        if (cnt < cap) {
          ls[1 + cnt] = q;
          ls[0] = cnt + 1;
          continue;
        }
        tmp.clear();
        for (uint32_t j = 1; j <= cnt; ++j) tmp.emplace_back(space.Nodes(e, ls[j]), ls[j]);
        tmp.emplace_back(space.Nodes(e, q), q);
        std::sort(tmp.begin(), tmp.end());
        std::vector<uint32_t> keep;
        SelectHeuristic(space, tmp, cap, &keep);
        ls[0] = uint32_t(keep.size());
        for (size_t j = 0; j < keep.size(); ++j) ls[1 + j] = keep[j];
      }
      cur = w[0].second;
      cur_d = w[0].first;
    }
    if (lq > *max_level) {
      *entry = q;
      *max_level = lq;
    }
  }
}

template <class T>
void Put(std::string* s, size_t off, T v) {
  std::memcpy(s->data() + off, &v, sizeof(T));
}
template <class T>
T Get(const uint8_t* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof(T));
  return v;
}

// ---------------------------------------------------------------- the index

class HnswView final : public HnswIndex {
 public:
  uint32_t size() const override { return n_; }
  uint32_t dim() const override { return dim_; }
  size_t bytes() const override { return size_; }

  const uint32_t* Links(uint32_t id, int l) const {
    if (l == 0) return level0_ + size_t(id) * (1 + m0_);
    return upper_links_ + size_t(upper_idx_[id] + uint32_t(l) - 1) * (1 + m_);
  }

  void Search(const float* q, size_t k, size_t ef, const std::function<bool(uint32_t)>& accept,
              std::vector<Neighbor>* out) const override {
    if (accept)
      SearchWith(q, k, ef, true, nullptr, accept, out);
    else
      SearchWith(q, k, ef, false, nullptr, [](uint32_t) { return true; }, out);
  }
  bool has_graph() const override { return !flat_; }
  void SearchIn(const float* q, size_t k, size_t ef, const uint64_t* pass, std::vector<Neighbor>* out) const override {
    SearchWith(q, k, ef, pass != nullptr, pass, [pass](uint32_t id) { return TestBit(pass, id); }, out);
  }
  float Score(const float* q, uint32_t id) const override;
  void Vector(uint32_t id, std::vector<float>* out) const override;

  static Result<std::unique_ptr<HnswIndex>> OpenImpl(std::string_view bytes);

 private:
  // `pass` (may be null): the bitset `accept` tests, for whole link lists at once.
  template <class A>
  void SearchWith(const float* q, size_t k, size_t ef, bool filtered, const uint64_t* pass, const A& accept,
                  std::vector<Neighbor>* out) const;
  // kFiltered is a template argument: the unfiltered walk is compiled
  // without the filtered one's code and state (fewer instructions per node).
  template <bool kFiltered, class Q, class R, class A>
  void SearchBase(const Q& dist, const R& row, size_t row_bytes, size_t k, size_t ef, const uint64_t* pass,
                  const A& accept, std::vector<DistId>* res) const;
  float FloatDist(const float* q, uint32_t id) const {
    const float* x = floats_ + size_t(id) * dim_;
    return metric_ == Metric::kL2 ? K().l2(q, x, dim_) : -K().dot(q, x, dim_);
  }

  std::unique_ptr<uint64_t[]> owned_;  // aligned copy when the caller's bytes are misaligned
  size_t size_ = 0;
  uint32_t dim_ = 0, n_ = 0, m_ = 0, m0_ = 0, entry_ = kNone, stride_ = 0;
  int max_level_ = -1;
  Metric metric_ = Metric::kInnerProduct;
  bool flat_ = false;  // no graph (kFlagNoGraph): every search scans
  const uint32_t* level0_ = nullptr;
  const uint32_t* upper_idx_ = nullptr;
  const uint32_t* upper_links_ = nullptr;
  const float* floats_ = nullptr;
  const uint8_t* int8_ = nullptr;
};

// Layer-0 search with the accept filter when `filtered` (see the file
// comment). `res` gets the accepted results (at most ef), unsorted.
template <bool kFiltered, class Q, class R, class A>
void HnswView::SearchBase(const Q& dist, const R& row, size_t row_bytes, size_t k, size_t ef, const uint64_t* pass,
                          const A& accept, std::vector<DistId>* res) const {
  constexpr bool filtered = kFiltered;
  // Upper layers: greedy descent.
  uint32_t cur = entry_;
  float cur_d = dist(cur);
  for (int l = max_level_; l > 0; --l) GreedyStep(*this, dist, l, &cur, &cur_d);

  // The visited tags as a plain pointer and epoch: through the thread_local
  // object the compiler re-derives its address (a __tls_get_addr call) at
  // every test in the walk's inner loops.
  Visited& tls_vis = ThreadVisited();
  tls_vis.Reset(n_);
  struct {
    uint16_t* tags;
    uint16_t epoch;
    bool Test(uint32_t i) const { return tags[i] == epoch; }
    bool TestAndSet(uint32_t i) {
      if (tags[i] == epoch) return true;
      tags[i] = epoch;
      return false;
    }
  } vis{tls_vis.tags.data(), tls_vis.epoch};
  MinHeap cand;
  MaxHeap top;
  cand.emplace(cur_d, cur);
  vis.TestAndSet(cur);
  if (!filtered || accept(cur)) top.emplace(cur_d, cur);
  size_t computed = 1;
  const size_t budget = std::max<size_t>(n_ / 4, 64);
  bool fallback = flat_;
  constexpr size_t kRejectedPrefetch = 8;  // rejected neighbours' link lists loaded ahead
  // Filtered: the accepted nodes whose distances one expansion computes, and
  // the rejected neighbours to reach through.
  std::vector<uint32_t> batch, rejected;
  const auto pass_mask = K().pass_mask;
  if (filtered) {
    batch.reserve(m0_);
    rejected.reserve(m0_);
  }
  // A node reached for the first time: its distance, and a place among the
  // candidates and results if it is closer than the ef-th result.
  auto consider = [&](uint32_t e) {
    float d = dist(e);
    ++computed;
    if (top.size() < ef || d < top.top().first) {
      cand.emplace(d, e);
      top.emplace(d, e);
      if (top.size() > ef) top.pop();
    }
  };
  while (!fallback && !cand.empty()) {
    DistId c = cand.top();
    float bound = top.size() >= ef ? top.top().first : std::numeric_limits<float>::infinity();
    if (c.first > bound) break;
    if (filtered && computed > budget && top.size() < k) {
      fallback = true;
      break;
    }
    cand.pop();
    const uint32_t* ls = level0_ + size_t(c.second) * (1 + m0_);
    uint32_t cnt = ls[0];
    if (!filtered) {
      if (cnt) PrefetchRow(row(ls[1]), row_bytes);
      for (uint32_t j = 1; j <= cnt; ++j) {
        uint32_t e = ls[j];
        if (j < cnt) PrefetchRow(row(ls[j + 1]), row_bytes);
        if (!vis.TestAndSet(e)) consider(e);
      }
      continue;
    }
    batch.clear();
    rejected.clear();
    const bool masked = pass != nullptr && cnt <= 32;
    const uint32_t passing = masked ? pass_mask(pass, ls + 1, cnt) : 0;
    for (uint32_t j = 1; j <= cnt; ++j) {
      uint32_t e = ls[j];
      if (vis.Test(e)) continue;
      if (masked ? (passing >> (j - 1)) & 1 : accept(e)) {
        vis.TestAndSet(e);
        batch.push_back(e);
      } else {
        // Its link list is read below unless the direct neighbours fill the
        // expansion; start loading it now (the reads are cache misses, and
        // most of the filtered walk's time without this).
        if (rejected.size() < kRejectedPrefetch) Prefetch(level0_ + size_t(e) * (1 + m0_));
        rejected.push_back(e);
      }
    }
    // Two hops fill the expansion up to m (= m0 / 2) nodes: more only adds
    // distances the walk seldom needs.
    const size_t fill = m0_ / 2;
    for (size_t r = 0; r < rejected.size() && batch.size() < fill; ++r) {
      if (r + kRejectedPrefetch < rejected.size()) Prefetch(level0_ + size_t(rejected[r + kRejectedPrefetch]) * (1 + m0_));
      const uint32_t* ls2 = level0_ + size_t(rejected[r]) * (1 + m0_);
      bool all = true;
      if (pass != nullptr && ls2[0] <= 32) {
        // The same walk, the list's filter bits tested at once (most fail):
        // only the passing entries are looked at one by one.
        const uint32_t cnt2 = ls2[0];
        for (uint32_t mask = pass_mask(pass, ls2 + 1, cnt2); mask != 0; mask &= mask - 1) {
          const uint32_t j = uint32_t(__builtin_ctz(mask));
          const uint32_t e = ls2[1 + j];
          if (vis.Test(e)) continue;
          vis.TestAndSet(e);
          batch.push_back(e);
          if (batch.size() >= fill) {
            all = j + 1 == cnt2;  // (as below: entries left unread keep the list for later)
            break;
          }
        }
        if (all) vis.TestAndSet(rejected[r]);
        continue;
      }
      for (uint32_t j = 1; j <= ls2[0]; ++j) {
        if (batch.size() >= fill) {
          all = false;
          break;
        }
        uint32_t e = ls2[j];
        // The filter first: its bitset is small and cached, the visited tags
        // are not, and most second-hop nodes fail the filter.
        if (!accept(e) || vis.Test(e)) continue;
        vis.TestAndSet(e);
        batch.push_back(e);
      }
      if (all) vis.TestAndSet(rejected[r]);  // its accepted neighbours are all taken: never read it again
    }
    // All of the batch's rows are loaded at once (at most m0, found before
    // any distance is needed), then the distances.
    for (uint32_t e : batch) PrefetchRow(row(e), row_bytes);
    for (uint32_t e : batch) consider(e);
  }
  t_distances += computed;
  // The walk ran out of accepted nodes to expand before it held ef of them:
  // the accepted part of the graph it could reach is exhausted (a selective
  // filter); the scan tests every node and computes distances only for the
  // accepted ones.
  if (filtered && !fallback && top.size() < ef && cand.empty()) fallback = true;
  // Fewer than k found and some nodes never reached (a graph is not always
  // connected from its entry point): the scan returns them.
  if (!fallback && top.size() < k && computed < n_) fallback = true;
  res->clear();
  if (fallback) {
    // Exact scan: keep the best ef accepted.
    MaxHeap best;
    for (uint32_t i = 0; i < n_; ++i) {
      if (filtered && !accept(i)) continue;
      float d = dist(i);
      ++t_distances;
      if (best.size() < ef || d < best.top().first) {
        best.emplace(d, i);
        if (best.size() > ef) best.pop();
      }
    }
    top = std::move(best);
  }
  res->reserve(top.size());
  while (!top.empty()) {
    res->push_back(top.top());
    top.pop();
  }
}

}  // namespace

uint64_t HnswDistanceComputations() { return t_distances; }

namespace {

template <class A>
void HnswView::SearchWith(const float* q, size_t k, size_t ef, bool filtered, const uint64_t* pass,
                          const A& accept, std::vector<Neighbor>* out) const {
  out->clear();
  if (n_ == 0 || k == 0) return;
  ef = std::max(ef, k);
  std::vector<DistId> res;
  if (floats_ && !int8_) {
    FloatSpace sp{floats_, dim_, metric_};
    FloatSpace::Query dq{&sp, q};
    auto row = [&](uint32_t id) { return sp.Row(id); };
    if (filtered)
      SearchBase<true>(dq, row, size_t(dim_) * 4, k, ef, pass, accept, &res);
    else
      SearchBase<false>(dq, row, size_t(dim_) * 4, k, ef, pass, accept, &res);
  } else {
    Int8Space sp{int8_, dim_, stride_, metric_};
    thread_local std::vector<int8_t> qc;
    qc.resize(dim_);
    Int8Space::Query dq{&sp, reinterpret_cast<const uint8_t*>(qc.data()), 0, 0};
    Quantize(q, dim_, qc.data(), &dq.scale, &dq.norm2);
    auto row = [&](uint32_t id) { return sp.Row(id); };
    if (filtered)
      SearchBase<true>(dq, row, stride_, k, ef, pass, accept, &res);
    else
      SearchBase<false>(dq, row, stride_, k, ef, pass, accept, &res);
    if (floats_) {
      // Exact re-rank of the ef int8 candidates.
      for (auto& r : res) r.first = FloatDist(q, r.second);
    }
  }
  size_t kk = std::min(k, res.size());
  std::partial_sort(res.begin(), res.begin() + kk, res.end());
  out->reserve(kk);
  for (size_t i = 0; i < kk; ++i) out->push_back(Neighbor{res[i].second, -res[i].first});
}

float HnswView::Score(const float* q, uint32_t id) const {
  if (id >= n_) return -std::numeric_limits<float>::infinity();
  if (floats_) return -FloatDist(q, id);
  std::vector<float> v;
  Vector(id, &v);
  return metric_ == Metric::kL2 ? -K().l2(q, v.data(), dim_) : K().dot(q, v.data(), dim_);
}

void HnswView::Vector(uint32_t id, std::vector<float>* out) const {
  out->clear();
  if (id >= n_) return;
  if (floats_) {
    out->assign(floats_ + size_t(id) * dim_, floats_ + size_t(id + 1) * dim_);
    return;
  }
  const uint8_t* r = int8_ + size_t(id) * stride_;
  float s;
  std::memcpy(&s, r, 4);
  const int8_t* c = reinterpret_cast<const int8_t*>(r + 8);
  out->resize(dim_);
  for (uint32_t i = 0; i < dim_; ++i) (*out)[i] = float(c[i]) * s;
}

Result<std::unique_ptr<HnswIndex>> HnswView::OpenImpl(std::string_view bytes) {
  auto bad = [](const std::string& why) { return Status::Corruption("hnsw: " + why); };
  if (bytes.size() < kHeaderSize + 8) return bad("truncated header");
  auto ix = std::make_unique<HnswView>();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (reinterpret_cast<uintptr_t>(p) % 8 != 0) {
    ix->owned_.reset(new uint64_t[(bytes.size() + 7) / 8]);
    std::memcpy(ix->owned_.get(), bytes.data(), bytes.size());
    p = reinterpret_cast<const uint8_t*>(ix->owned_.get());
  }
  if (std::memcmp(p, kMagic, 8) != 0) return bad("bad magic");
  const uint32_t version = Get<uint32_t>(p, 8);
  if (version != kVersion && version != kVersionFlat) return bad("unsupported version " + std::to_string(version));
  uint32_t dim = Get<uint32_t>(p, 12), n = Get<uint32_t>(p, 16), m = Get<uint32_t>(p, 20), m0 = Get<uint32_t>(p, 24);
  uint8_t metric = p[28], flags = p[29];
  uint32_t stride = Get<uint16_t>(p, 30);
  uint32_t entry = Get<uint32_t>(p, 32), max_level = Get<uint32_t>(p, 36);
  uint64_t total = Get<uint64_t>(p, 40);
  uint32_t blocks = Get<uint32_t>(p, 48);
  if (total != bytes.size()) return bad("size " + std::to_string(bytes.size()) + " != recorded " + std::to_string(total));
  if (metric > 1 || (flags & ~7u) || !(flags & 3)) return bad("bad metric or flags");
  // Version 2 always has flag 4; version 1 may too (files written before
  // version 2 existed), and is read as what the flag says.
  if (version == kVersionFlat && !(flags & kFlagNoGraph)) return bad("version 2 without the no-graph flag");
  if (dim == 0 || dim > (1u << 20) || m < 2 || m > 4096 || m0 < m || m0 > 8192) return bad("bad dim or m");
  if ((flags & kFlagInt8) && (stride < 8 + dim || stride % 16 != 0)) return bad("bad int8 stride");
  if (n == 0 ? (entry != kNone || blocks != 0) : (entry >= n || max_level > 255)) return bad("bad entry point");
  uint64_t off = kHeaderSize;
  uint64_t l0 = off;
  off = Align64(off + uint64_t(n) * (1 + m0) * 4);
  uint64_t uidx = off;
  off = Align64(off + (uint64_t(n) + 1) * 4);
  uint64_t ulinks = off;
  off = Align64(off + uint64_t(blocks) * (1 + m) * 4);
  uint64_t fl = 0, i8 = 0;
  if (flags & kFlagFloat) {
    fl = off;
    off = Align64(off + uint64_t(n) * dim * 4);
  }
  if (flags & kFlagInt8) {
    i8 = off;
    off = Align64(off + uint64_t(n) * stride);
  }
  if (off + 8 != total) return bad("section sizes do not add up");
  uint32_t crc = Get<uint32_t>(p, off);
  if (crc != Crc32c(p, off)) return bad("checksum mismatch");

  ix->size_ = bytes.size();
  ix->dim_ = dim;
  ix->n_ = n;
  ix->m_ = m;
  ix->m0_ = m0;
  ix->stride_ = stride;
  ix->metric_ = Metric(metric);
  ix->entry_ = entry;
  ix->max_level_ = n == 0 ? -1 : int(max_level);
  ix->flat_ = (flags & kFlagNoGraph) != 0;
  ix->level0_ = reinterpret_cast<const uint32_t*>(p + l0);
  ix->upper_idx_ = reinterpret_cast<const uint32_t*>(p + uidx);
  ix->upper_links_ = reinterpret_cast<const uint32_t*>(p + ulinks);
  ix->floats_ = fl ? reinterpret_cast<const float*>(p + fl) : nullptr;
  ix->int8_ = i8 ? p + i8 : nullptr;

  // Structure: links in range, counts within capacity, levels consistent.
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t* ls = ix->level0_ + size_t(i) * (1 + m0);
    if (ls[0] > m0) return bad("layer-0 count out of range");
    for (uint32_t j = 1; j <= ls[0]; ++j)
      if (ls[j] >= n) return bad("layer-0 link out of range");
  }
  if (ix->upper_idx_[0] != 0 || ix->upper_idx_[n] != blocks) return bad("bad upper index");
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t a = ix->upper_idx_[i], b = ix->upper_idx_[i + 1];
    if (b < a || b - a > max_level) return bad("bad node level");
  }
  if (n > 0 && ix->upper_idx_[entry + 1] - ix->upper_idx_[entry] != max_level) return bad("entry point not on top level");
  for (uint64_t bl = 0; bl < blocks; ++bl) {
    const uint32_t* ls = ix->upper_links_ + bl * (1 + m);
    if (ls[0] > m) return bad("upper count out of range");
    for (uint32_t j = 1; j <= ls[0]; ++j)
      if (ls[j] >= n) return bad("upper link out of range");
  }
  // Upper-layer links must point at nodes that exist on that layer.
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t levels = ix->upper_idx_[i + 1] - ix->upper_idx_[i];
    for (uint32_t l = 1; l <= levels; ++l) {
      const uint32_t* ls = ix->Links(i, int(l));
      for (uint32_t j = 1; j <= ls[0]; ++j) {
        uint32_t e = ls[j];
        if (ix->upper_idx_[e + 1] - ix->upper_idx_[e] < l) return bad("upper link to a node below that layer");
      }
    }
  }
  return std::unique_ptr<HnswIndex>(std::move(ix));
}

}  // namespace

Result<std::string> BuildHnsw(const float* vectors, uint32_t n, uint32_t dim, const HnswParams& params) {
  if (dim == 0 || dim > (1u << 20)) return Status::InvalidArgument("hnsw: dim must be in 1..2^20");
  if (params.m < 2 || params.m > 2048) return Status::InvalidArgument("hnsw: m must be in 2..2048");
  if (params.ef_construction < 1) return Status::InvalidArgument("hnsw: ef_construction must be >= 1");
  if (n > 0 && vectors == nullptr) return Status::InvalidArgument("hnsw: no vectors");
  if (n == kNone) return Status::InvalidArgument("hnsw: too many vectors");
  const uint32_t m = uint32_t(params.m), m0 = 2 * m;
  const bool use_int8 = params.int8;
  const bool keep_float = !use_int8 || params.keep_float;
  const uint32_t stride = use_int8 ? uint32_t((8 + dim + 15) / 16 * 16) : 0;
  if (stride > 0xffff) return Status::InvalidArgument("hnsw: dim too large for int8 rows");

  // Levels: floor(-ln(U) * mL), mL = 1 / ln(m), from a seeded splitmix64.
  std::vector<uint8_t> levels(n);
  {
    uint64_t s = params.seed;
    double ml = 1.0 / std::log(double(m));
    for (uint32_t i = 0; i < n; ++i) {
      s += 0x9e3779b97f4a7c15ull;
      uint64_t z = s;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      double u = (double(z >> 11) + 1.0) * (1.0 / 9007199254740993.0);  // (0, 1]
      levels[i] = params.graph ? uint8_t(std::min(32.0, std::floor(-std::log(u) * ml))) : 0;
    }
  }

  // int8 rows.
  std::vector<uint8_t> rows;
  if (use_int8) {
    rows.assign(size_t(n) * stride, 0);
    for (uint32_t i = 0; i < n; ++i) {
      uint8_t* r = rows.data() + size_t(i) * stride;
      float s, nn;
      Quantize(vectors + size_t(i) * dim, dim, reinterpret_cast<int8_t*>(r + 8), &s, &nn);
      std::memcpy(r, &s, 4);
      std::memcpy(r + 4, &nn, 4);
    }
  }

  BuildGraph g;
  g.m = m;
  g.m0 = m0;
  g.level = levels;
  g.level0.assign(size_t(n) * (1 + m0), 0);
  g.upper.resize(n);
  uint64_t blocks = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (levels[i]) g.upper[i].assign(size_t(levels[i]) * (1 + m), 0);
    blocks += levels[i];
  }
  uint32_t entry = kNone;
  int max_level = -1;
  if (!params.graph) {
    if (n) entry = 0, max_level = 0;  // no links: every search scans
  } else if (use_int8) {
    Int8Space sp{rows.data(), dim, stride, params.metric};
    BuildGraphOn(sp, stride, n, params, levels, &g, &entry, &max_level);
  } else {
    FloatSpace sp{vectors, dim, params.metric};
    BuildGraphOn(sp, size_t(dim) * 4, n, params, levels, &g, &entry, &max_level);
  }

  // Serialize.
  uint64_t off = kHeaderSize;
  uint64_t l0 = off;
  off = Align64(off + uint64_t(n) * (1 + m0) * 4);
  uint64_t uidx = off;
  off = Align64(off + (uint64_t(n) + 1) * 4);
  uint64_t ulinks = off;
  off = Align64(off + blocks * (1 + m) * 4);
  uint64_t fl = 0, i8 = 0;
  if (keep_float) {
    fl = off;
    off = Align64(off + uint64_t(n) * dim * 4);
  }
  if (use_int8) {
    i8 = off;
    off = Align64(off + uint64_t(n) * stride);
  }
  uint64_t total = off + 8;
  if (blocks > 0xfffffff0ull) return Status::InvalidArgument("hnsw: graph too large");
  std::string out(total, '\0');
  std::memcpy(out.data(), kMagic, 8);
  Put<uint32_t>(&out, 8, params.graph ? kVersion : kVersionFlat);
  Put<uint32_t>(&out, 12, dim);
  Put<uint32_t>(&out, 16, n);
  Put<uint32_t>(&out, 20, m);
  Put<uint32_t>(&out, 24, m0);
  out[28] = char(params.metric);
  out[29] = char((keep_float ? kFlagFloat : 0) | (use_int8 ? kFlagInt8 : 0) | (params.graph ? 0 : kFlagNoGraph));
  Put<uint16_t>(&out, 30, uint16_t(stride));
  Put<uint32_t>(&out, 32, entry);
  Put<uint32_t>(&out, 36, max_level < 0 ? 0u : uint32_t(max_level));
  Put<uint64_t>(&out, 40, total);
  Put<uint32_t>(&out, 48, uint32_t(blocks));
  Put<uint32_t>(&out, 52, uint32_t(params.ef_construction));
  Put<uint64_t>(&out, 56, params.seed);
  if (n) std::memcpy(out.data() + l0, g.level0.data(), g.level0.size() * 4);
  {
    uint32_t acc = 0;
    uint64_t lo = ulinks;
    for (uint32_t i = 0; i < n; ++i) {
      Put<uint32_t>(&out, uidx + uint64_t(i) * 4, acc);
      acc += levels[i];
      if (levels[i]) {
        std::memcpy(out.data() + lo, g.upper[i].data(), g.upper[i].size() * 4);
        lo += g.upper[i].size() * 4;
      }
    }
    Put<uint32_t>(&out, uidx + uint64_t(n) * 4, acc);
  }
  if (keep_float && n) std::memcpy(out.data() + fl, vectors, size_t(n) * dim * 4);
  if (use_int8 && n) std::memcpy(out.data() + i8, rows.data(), rows.size());
  Put<uint32_t>(&out, off, Crc32c(out.data(), off));
  return out;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Open(std::string_view bytes) { return HnswView::OpenImpl(bytes); }

}  // namespace glassbox::vector
