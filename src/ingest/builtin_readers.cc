// The built-in readers: one line each. A reader file foo_reader.cc defines
// `Reader FooReader()`; declare it here and add it to the list.
#include "ingest/reader.h"

namespace glassbox::ingest {

Reader TextReader();
Reader MarkdownReader();
Reader JsonReader();
Reader JsonLinesReader();
Reader CsvReader();

std::vector<Reader> BuiltinReaders() {
  return {TextReader(), MarkdownReader(), JsonReader(), JsonLinesReader(), CsvReader()};
}

}  // namespace glassbox::ingest
