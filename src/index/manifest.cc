#include "index/manifest.h"
#include "index/bits.h"

#include <nlohmann/json.hpp>

#include "index/coding.h"
#include "index/file_util.h"

namespace glassbox::index {

using nlohmann::json;

std::string Manifest::Serialize() const {
  json j;
  j["format"] = 1;
  j["generation"] = generation;
  j["analyzer"] = analyzer;
  j["k1"] = k1;
  j["b"] = b;
  json fw = json::object();
  for (const auto& [f, w] : field_weights) fw[f] = w;
  j["field_weights"] = fw;
  j["next_file"] = next_file;
  j["wal"] = wal;
  json segs = json::array();
  for (const auto& s : segments)
    segs.push_back({{"name", s.name}, {"docs", s.docs}, {"deleted", s.deleted}, {"del_file", s.del_file},
                    {"vec_file", s.vec_file}});
  j["segments"] = segs;
  j["embedder"] = embedder;
  j["embedder_fingerprint"] = embedder_fingerprint;
  j["common_component"] = common_component;
  j["int8_vectors"] = int8_vectors;
  j["max_buffered_docs"] = max_buffered_docs;
  j["min_similarity"] = min_similarity;
  j["write_ahead_log"] = write_ahead_log;
  j["fusion"] = {{"method", fusion},           {"bm25_weight", bm25_weight},       {"vector_weight", vector_weight},
                 {"calibrate", calibrate_fusion}, {"calibrated_docs", calibrated_docs}};
  return j.dump(2) + "\n";
}

Result<Manifest> Manifest::Parse(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption(path + ": not valid JSON");
  Manifest m;
  try {
    if (j.at("format").get<int>() != 1) return Status::Corruption(path + ": unsupported format version");
    m.generation = j.at("generation").get<uint64_t>();
    m.analyzer = j.at("analyzer").get<std::string>();
    m.k1 = j.at("k1").get<double>();
    m.b = j.at("b").get<double>();
    for (auto& [f, w] : j.at("field_weights").items()) m.field_weights.emplace_back(f, w.get<double>());
    m.next_file = j.at("next_file").get<uint64_t>();
    m.wal = j.at("wal").get<std::string>();
    for (const auto& s : j.at("segments")) {
      SegmentMeta sm;
      sm.name = s.at("name").get<std::string>();
      sm.docs = s.at("docs").get<uint32_t>();
      sm.deleted = s.at("deleted").get<uint32_t>();
      sm.del_file = s.at("del_file").get<std::string>();
      sm.vec_file = s.value("vec_file", std::string());
      m.segments.push_back(std::move(sm));
    }
    m.embedder = j.value("embedder", std::string("none"));
    m.embedder_fingerprint = j.value("embedder_fingerprint", std::string());
    m.common_component = j.value("common_component", std::string());
    m.int8_vectors = j.value("int8_vectors", false);
    m.max_buffered_docs = j.value("max_buffered_docs", uint64_t{100000});
    m.write_ahead_log = j.value("write_ahead_log", true);
    m.min_similarity = j.value("min_similarity", -1.0);
    if (m.max_buffered_docs == 0) return Status::Corruption(path + ": max_buffered_docs must be positive");
    if (j.contains("fusion")) {
      const auto& f = j.at("fusion");
      m.fusion = f.at("method").get<std::string>();
      m.bm25_weight = f.at("bm25_weight").get<double>();
      m.vector_weight = f.at("vector_weight").get<double>();
      m.calibrated_docs = f.at("calibrated_docs").get<uint64_t>();
      // Written before calibration became optional: it always
      // calibrated, a method that scored below the fixed prior leave-one-out,
      // so such a collection now gets the prior.
      m.calibrate_fusion = f.value("calibrate", false);
      if (!f.contains("calibrate")) {
        m.bm25_weight = 1 - kPriorVectorWeight;
        m.vector_weight = kPriorVectorWeight;
        m.calibrated_docs = 0;
      }
    }
  } catch (const json::exception& e) {
    return Status::Corruption(path + ": " + e.what());
  }
  return m;
}

Result<Manifest> Manifest::Load(const std::string& dir) {
  std::string path = dir + "/MANIFEST", text;
  Status s = ReadFileToString(path, &text);
  if (s.code() == Status::Code::kNotFound) return Status::NotFound("no collection at " + dir + " (missing MANIFEST)");
  GB_RETURN_IF_ERROR(s);
  return Parse(text, path);
}

Status Manifest::Save(const std::string& dir) const { return AtomicWriteFile(dir + "/MANIFEST", Serialize()); }

Status WriteDeletions(const std::string& path, const std::vector<uint32_t>& docs) {
  std::string data;
  PutFixed32(&data, static_cast<uint32_t>(docs.size()));
  for (uint32_t d : docs) PutFixed32(&data, d);
  PutFixed32(&data, Crc32c(data.data(), data.size()));
  FileWriter w;
  GB_RETURN_IF_ERROR(w.Open(path));
  GB_RETURN_IF_ERROR(w.Append(data));
  return w.Close(true);
}

Status ReadDeletions(const std::string& path, uint32_t num_docs, std::vector<uint64_t>* live, uint32_t* count) {
  std::string data;
  GB_RETURN_IF_ERROR(ReadFileToString(path, &data));
  if (data.size() < 8) return Status::Corruption(path + ": truncated deletion file");
  uint32_t n = GetFixed32(data.data());
  if (data.size() != 8 + 4ull * n || Crc32c(data.data(), data.size() - 4) != GetFixed32(data.data() + data.size() - 4))
    return Status::Corruption(path + ": deletion file checksum mismatch");
  live->assign(BitWordCount(num_docs), ~0ull);
  if (num_docs % 64) live->back() = (1ull << (num_docs % 64)) - 1;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t d = GetFixed32(data.data() + 4 + 4 * i);
    if (d >= num_docs) return Status::Corruption(path + ": deleted doc id out of range");
    ClearBit(*live, d);
  }
  *count = n;
  return Status::OK();
}

}  // namespace glassbox::index
