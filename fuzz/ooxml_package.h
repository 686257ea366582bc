// A stored (uncompressed) zip written in memory, and OOXML package parts cut
// from fuzzer bytes: shared by the OOXML and table fuzz targets (fuzz/ only).
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace glassbox::fuzz {

inline void Put16(std::string* s, uint32_t v) {
  s->push_back(static_cast<char>(v & 0xFF));
  s->push_back(static_cast<char>((v >> 8) & 0xFF));
}
inline void Put32(std::string* s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}

// A zip of stored (uncompressed) entries.
inline std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    uint32_t offset = static_cast<uint32_t>(out.size());
    Put32(&out, 0x04034b50); Put16(&out, 20); Put16(&out, 0); Put16(&out, 0); Put16(&out, 0); Put16(&out, 0x21);
    Put32(&out, crc); Put32(&out, static_cast<uint32_t>(data.size())); Put32(&out, static_cast<uint32_t>(data.size()));
    Put16(&out, static_cast<uint32_t>(name.size())); Put16(&out, 0);
    out += name;
    out += data;
    Put32(&central, 0x02014b50); Put16(&central, 20); Put16(&central, 20); Put16(&central, 0); Put16(&central, 0);
    Put16(&central, 0); Put16(&central, 0x21); Put32(&central, crc); Put32(&central, static_cast<uint32_t>(data.size()));
    Put32(&central, static_cast<uint32_t>(data.size())); Put16(&central, static_cast<uint32_t>(name.size()));
    Put16(&central, 0); Put16(&central, 0); Put16(&central, 0); Put16(&central, 0); Put32(&central, 0);
    Put32(&central, offset);
    central += name;
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(&out, 0x06054b50); Put16(&out, 0); Put16(&out, 0); Put16(&out, static_cast<uint32_t>(entries.size()));
  Put16(&out, static_cast<uint32_t>(entries.size())); Put32(&out, static_cast<uint32_t>(central.size()));
  Put32(&out, cd_offset); Put16(&out, 0);
  return out;
}

inline std::vector<std::string> SplitNul(std::string_view s, size_t n) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (parts.size() + 1 < n) {
    size_t j = s.find('\0', i);
    if (j == std::string_view::npos) break;
    parts.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  parts.emplace_back(s.substr(std::min(i, s.size())));
  parts.resize(n);
  return parts;
}

inline const char* kRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Target=\"%s\"/></Relationships>";

inline std::string Rels(const std::string& target) {
  std::string s = kRels;
  s.replace(s.find("%s"), 2, target);
  return s;
}


}  // namespace glassbox::fuzz
