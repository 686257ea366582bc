// DOCX, XLSX and PPTX: the fuzzer's bytes become the XML parts of an OOXML
// package (a stored zip written here), so that mutations reach the XML
// readers instead of dying in the zip layer. The first byte picks the format;
// the rest is split on NUL bytes into the format's parts.
#include <zlib.h>

#include <vector>

#include "fuzz_common.h"

namespace {

void Put16(std::string* s, uint32_t v) {
  s->push_back(static_cast<char>(v & 0xFF));
  s->push_back(static_cast<char>((v >> 8) & 0xFF));
}
void Put32(std::string* s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}

// A zip of stored (uncompressed) entries.
std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& entries) {
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

std::vector<std::string> SplitNul(std::string_view s, size_t n) {
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

const char* kRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Target=\"%s\"/></Relationships>";

std::string Rels(const std::string& target) {
  std::string s = kRels;
  s.replace(s.find("%s"), 2, target);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  glassbox::ReaderOptions options;
  options.ocr_languages = "";
  std::vector<std::pair<std::string, std::string>> entries;
  std::string format;
  switch (data[0] % 3) {
    case 0: {
      auto parts = SplitNul(input, 3);
      format = "docx";
      entries = {{"word/document.xml", parts[0]}, {"word/styles.xml", parts[1]}, {"docProps/core.xml", parts[2]}};
      break;
    }
    case 1: {
      auto parts = SplitNul(input, 4);
      format = "xlsx";
      entries = {{"xl/workbook.xml", parts[0].empty() ? "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>" : parts[0]},
                 {"xl/_rels/workbook.xml.rels", Rels("worksheets/sheet1.xml")},
                 {"xl/worksheets/sheet1.xml", parts[1]},
                 {"xl/sharedStrings.xml", parts[2]},
                 {"xl/styles.xml", parts[3]}};
      break;
    }
    default: {
      auto parts = SplitNul(input, 2);
      format = "pptx";
      entries = {{"ppt/presentation.xml", parts[0].empty() ? "<p:presentation><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId1\"/></p:sldIdLst></p:presentation>" : parts[0]},
                 {"ppt/_rels/presentation.xml.rels", Rels("slides/slide1.xml")},
                 {"ppt/slides/slide1.xml", parts[1]}};
      break;
    }
  }
  glassbox::fuzz::ReadAndChunk(StoredZip(entries), format, options, false);
  // The raw bytes as a package too (the zip layer and its limits).
  glassbox::fuzz::ReadAndChunk(input, format, options, false);
  return 0;
}
