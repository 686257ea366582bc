// DOCX, XLSX, PPTX and ODT: the fuzzer's bytes become the XML parts of an OOXML
// package (a stored zip written here), so that mutations reach the XML
// readers instead of dying in the zip layer. The first byte picks the format;
// the rest is split on NUL bytes into the format's parts.
#include <vector>

#include "fuzz_common.h"
#include "ooxml_package.h"

using glassbox::fuzz::Rels;
using glassbox::fuzz::SplitNul;
using glassbox::fuzz::StoredZip;


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  glassbox::ReaderOptions options;
  options.ocr_languages = "";
  std::vector<std::pair<std::string, std::string>> entries;
  std::string format;
  switch (data[0] % 4) {
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
    case 3: {
      auto parts = SplitNul(input, 2);
      format = "odt";
      entries = {{"content.xml", parts[0]}, {"meta.xml", parts[1]}};
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
