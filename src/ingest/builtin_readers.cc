// The built-in readers: one line each. A reader file foo_reader.cc defines
// `Reader FooReader()`; declare it here and add it to the list.
#include "ingest/reader.h"

namespace glassbox::ingest {

Reader TextReader();
Reader MarkdownReader();
Reader JsonReader();
Reader JsonLinesReader();
Reader CsvReader();
Reader PdfReader();
Reader ImageReader();
Reader DocxReader();
Reader OdtReader();
Reader XlsxReader();
Reader PptxReader();
Reader HtmlReader();
Reader EmailReader();
Reader MboxReader();

std::vector<Reader> BuiltinReaders() {
  return {TextReader(), MarkdownReader(), JsonReader(), JsonLinesReader(), CsvReader(), PdfReader(),
          ImageReader(), DocxReader(),   OdtReader(),   XlsxReader(), PptxReader(), HtmlReader(),
          EmailReader(), MboxReader()};
}

}  // namespace glassbox::ingest
