#include "index/doc_codec.h"

#include "index/coding.h"

namespace glassbox::index {

void EncodeDocument(const Document& doc, std::string* dst) {
  PutLengthPrefixed(dst, doc.id);
  PutVarint(dst, doc.text.size());
  for (const auto& [name, value] : doc.text) {
    PutLengthPrefixed(dst, name);
    PutLengthPrefixed(dst, value);
  }
  PutVarint(dst, doc.metadata.size());
  for (const auto& [name, value] : doc.metadata) {
    PutLengthPrefixed(dst, name);
    dst->push_back(static_cast<char>(value.type));
    PutLengthPrefixed(dst, value.text);
    PutDouble(dst, value.number);
  }
}

bool DecodeDocument(std::string_view data, Document* doc) {
  const char* p = data.data();
  const char* limit = p + data.size();
  std::string_view s, v;
  uint64_t n;
  if (!(p = GetLengthPrefixed(p, limit, &s))) return false;
  doc->id.assign(s);
  if (!(p = GetVarint(p, limit, &n)) || n > data.size()) return false;
  doc->text.clear();
  doc->text.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!(p = GetLengthPrefixed(p, limit, &s)) || !(p = GetLengthPrefixed(p, limit, &v))) return false;
    doc->text.emplace_back(std::string(s), std::string(v));
  }
  if (!(p = GetVarint(p, limit, &n)) || n > data.size()) return false;
  doc->metadata.clear();
  doc->metadata.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!(p = GetLengthPrefixed(p, limit, &s)) || p >= limit) return false;
    auto type = static_cast<unsigned char>(*p++);
    if (type > 2 || !(p = GetLengthPrefixed(p, limit, &v)) || limit - p < 8) return false;
    MetadataValue mv;
    mv.type = static_cast<MetadataValue::Type>(type);
    mv.text.assign(v);
    mv.number = GetDouble(p);
    p += 8;
    doc->metadata.emplace_back(std::string(s), std::move(mv));
  }
  return p == limit;
}

}  // namespace glassbox::index
