#include "engine/vectors.h"
#include "index/bits.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "index/coding.h"
#include "index/file_util.h"
#include "vector/gguf_embedder.h"
#include "vector/http_embedder.h"
#include "vector/static_embedder.h"

namespace glassbox::engine {

namespace {
constexpr char kVecMagic[8] = {'G', 'B', 'V', 'E', 'C', '0', '0', '1'};
constexpr size_t kEmbedBatch = 64;

constexpr const char* kFrozen = "static-frozen";

bool IsFrozen(const std::string& spec) {
  return spec == kFrozen || spec.rfind(std::string(kFrozen) + ":", 0) == 0;
}

vector::StaticEmbedder* AsStatic(const search::QueryEmbedder& e) {
  return dynamic_cast<vector::StaticEmbedder*>(e.embedder.get());
}
}  // namespace

Status ValidateEmbedderSpec(const std::string& spec) {
  if (spec == "none" || spec == "static" || spec == kFrozen) return Status::OK();
  if (spec.rfind(std::string(kFrozen) + ":", 0) == 0) {
    if (spec.size() == std::strlen(kFrozen) + 1)
      return Status::InvalidArgument("embedder \"" + spec + "\": static-frozen: needs the path of a common-component file");
    return Status::OK();
  }
  if (spec.rfind("gguf:", 0) == 0 || spec.rfind("http:", 0) == 0 || spec.rfind("https:", 0) == 0)
    return Status::OK();
  return Status::InvalidArgument("unknown embedder \"" + spec +
                                 "\" (expected none, static, static-frozen[:COMMON.f32], gguf:PATH or http://HOST:PORT/v1/embeddings#MODEL)");
}

Result<std::shared_ptr<search::QueryEmbedder>> MakeQueryEmbedder(const std::string& spec, vector::WordProbability p) {
  GB_RETURN_IF_ERROR(ValidateEmbedderSpec(spec));
  auto q = std::make_shared<search::QueryEmbedder>();
  q->spec = spec;
  const bool frozen = IsFrozen(spec);
  if (spec == "static" || frozen) {
    // static-frozen: the model's own (Zipf) word probabilities instead of the
    // collection's, and a fixed common component (or none), so a text's vector
    // depends on the text alone: shards and one node embed alike.
    auto e = vector::StaticEmbedder::Open("", frozen ? nullptr : std::move(p));
    if (!e.ok()) return e.status();
    if (frozen && spec.size() > std::strlen(kFrozen)) {
      const std::string path = spec.substr(std::strlen(kFrozen) + 1);
      auto u = ReadFloats(path);
      if (!u.ok()) return u.status();
      Status s = e.value()->SetCommonComponent(*u);
      if (!s.ok()) return Status::InvalidArgument("embedder " + spec + ": " + s.message());
    }
    vector::StaticEmbedder* raw = e.value().get();
    q->explain_words = [raw](const std::string& query, const std::string& passage, size_t n) {
      return raw->Explain(query, passage, n);
    };
    q->embedder = std::move(e.value());
    return q;
  }
  if (spec.rfind("gguf:", 0) == 0) {
    // llama.cpp's threads spin while waiting, which is ruinous on a busy
    // machine; one thread unless GLASSBOX_EMBED_THREADS asks for more.
    int threads = 1;
    if (const char* t = std::getenv("GLASSBOX_EMBED_THREADS")) threads = std::max(1, std::atoi(t));
    auto e = vector::GgufEmbedder::Open(spec.substr(5), threads);
    if (!e.ok()) return e.status();
    q->embedder = std::move(e.value());
    return q;
  }
  // "http:URL#MODEL" or a bare URL.
  std::string url = spec.rfind("http:", 0) == 0 && spec.rfind("http://", 0) != 0 ? spec.substr(5) : spec;
  auto opts = vector::HttpEmbedder::ParseSpec(url);
  if (!opts.ok()) return opts.status();
  auto e = vector::HttpEmbedder::Open(*opts);
  if (!e.ok()) return e.status();
  q->embedder = std::move(e.value());
  return q;
}

Status SetCommonComponent(search::QueryEmbedder& e, const std::vector<float>& u) {
  if (auto* s = AsStatic(e)) return s->SetCommonComponent(u);
  return Status::OK();
}

bool NeedsCommonComponent(const search::QueryEmbedder& e) {
  if (IsFrozen(e.spec)) return false;  // fixed when the spec was written, not by the first vectors
  auto* s = AsStatic(e);
  return s != nullptr && s->common_component().empty();
}

std::vector<float> ComputeCommonComponent(const float* vectors, size_t n, size_t dim) {
  return vector::StaticEmbedder::ComputeCommonComponent(vectors, n, dim);
}

void ApplyCommonComponent(float* vectors, size_t n, size_t dim, const std::vector<float>& u) {
  vector::StaticEmbedder::ApplyCommonComponent(vectors, n, dim, u);
}

std::string EmbeddingText(const Document& doc) {
  std::string text;
  for (const auto& [name, value] : doc.text) {
    if (!text.empty()) text += "\n";
    text += value;
  }
  return text;
}

Status EmbedSegment(search::QueryEmbedder& e, const index::SegmentReader& seg, std::vector<float>* out) {
  out->clear();
  std::vector<std::string> batch;
  std::vector<float> part;
  // The embedder is locked per batch, not for the whole segment: searches
  // embed their queries between two batches instead of waiting for the commit.
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    std::lock_guard<std::mutex> l(e.mu);
    GB_RETURN_IF_ERROR(e.embedder->Embed(batch, &part));
    out->insert(out->end(), part.begin(), part.end());
    batch.clear();
    return Status::OK();
  };
  for (index::DocId d = 0; d < seg.num_docs(); ++d) {
    auto doc = seg.LoadDocument(d);
    if (!doc.ok()) return doc.status();
    batch.push_back(EmbeddingText(*doc));
    if (batch.size() == kEmbedBatch) GB_RETURN_IF_ERROR(flush());
  }
  return flush();
}

Status WriteVectorFile(const std::string& path, const std::vector<float>& vectors, uint32_t n, uint32_t dim,
                       bool int8, bool graph) {
  vector::HnswParams params;
  params.metric = vector::Metric::kInnerProduct;
  params.int8 = int8;
  params.graph = graph;
  auto blob = vector::BuildHnsw(vectors.data(), n, dim, params);
  if (!blob.ok()) return blob.status();
  index::FileWriter w;
  GB_RETURN_IF_ERROR(w.Open(path));
  GB_RETURN_IF_ERROR(w.Append(std::string_view(kVecMagic, 8)));
  GB_RETURN_IF_ERROR(w.Append(*blob));
  return w.Close(true);
}

Result<std::shared_ptr<const search::SegmentVectors>> OpenVectorFile(const std::string& path, uint32_t expected_docs,
                                                                     index::Residency residency) {
  auto file = std::make_shared<index::MappedFile>();
  GB_RETURN_IF_ERROR(file->Open(path, residency));
  if (file->size() < 8 || std::memcmp(file->data(), kVecMagic, 8) != 0)
    return Status::Corruption(path + ": not a Glassbox vector file");
  auto idx = vector::HnswIndex::Open(std::string_view(file->data() + 8, file->size() - 8));
  if (!idx.ok()) return Status::Corruption(path + ": " + idx.status().message());
  if (idx.value()->size() != expected_docs)
    return Status::Corruption(path + ": holds " + std::to_string(idx.value()->size()) + " vectors for " +
                              std::to_string(expected_docs) + " documents");
  auto v = std::make_shared<search::SegmentVectors>();
  v->bytes_owner = file;
  v->index = std::move(idx.value());
  return std::shared_ptr<const search::SegmentVectors>(std::move(v));
}

void CollectVectors(const search::SegmentVectors& v, const std::vector<uint64_t>* live, uint32_t num_docs,
                    std::vector<float>* out) {
  std::vector<float> one;
  for (uint32_t d = 0; d < num_docs; ++d) {
    if (live && !TestBit(*live, d)) continue;
    v.index->Vector(d, &one);
    out->insert(out->end(), one.begin(), one.end());
  }
}

Status WriteFloats(const std::string& path, const std::vector<float>& v) {
  std::string data;
  index::PutFixed32(&data, static_cast<uint32_t>(v.size()));
  data.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  index::PutFixed32(&data, index::Crc32c(data.data(), data.size()));
  index::FileWriter w;
  GB_RETURN_IF_ERROR(w.Open(path));
  GB_RETURN_IF_ERROR(w.Append(data));
  return w.Close(true);
}

Result<std::vector<float>> ReadFloats(const std::string& path) {
  std::string data;
  GB_RETURN_IF_ERROR(index::ReadFileToString(path, &data));
  if (data.size() < 8) return Status::Corruption(path + ": truncated");
  uint32_t n = index::GetFixed32(data.data());
  if (data.size() != 8 + 4ull * n ||
      index::Crc32c(data.data(), data.size() - 4) != index::GetFixed32(data.data() + data.size() - 4))
    return Status::Corruption(path + ": checksum mismatch");
  std::vector<float> v(n);
  std::memcpy(v.data(), data.data() + 4, 4ull * n);
  return v;
}

}  // namespace glassbox::engine
