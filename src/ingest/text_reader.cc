// Plain text: one document per file; the title is the first non-empty line
// when it is short, else the file stem; the body is the whole text, unchanged.
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {

Result<std::vector<SourceDocument>> ReadText(std::string_view data, const std::string& name) {
  SourceDocument doc;
  doc.id = name;
  doc.source = name;
  doc.title = FirstLineTitle(data);
  if (doc.title.empty()) doc.title = FileStem(name);
  doc.body = std::string(data);
  std::vector<SourceDocument> docs;
  docs.push_back(std::move(doc));
  return docs;
}

std::string PositionalId(const std::string& name, size_t line) {
  return name + ":" + std::to_string(line);
}

Reader TextReader() {
  Reader r;
  r.name = "txt";
  r.media_types = {"text/plain"};
  r.extensions = {".txt", ".text"};
  r.read = [](const ReadInput& in, ReadOutput* out) { return YieldDocuments(ReadText(in.data, in.name), out); };
  return r;
}

}  // namespace glassbox::ingest
