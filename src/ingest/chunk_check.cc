#include "ingest/chunk_check.h"

#include <set>

#include "ingest/text_util.h"

namespace glassbox::ingest {

std::string CheckChunks(const SourceDocument& doc, const std::vector<Document>& chunks) {
  const std::string& body = doc.body;
  if (chunks.empty()) return "no chunks";
  std::set<std::string> ids;
  size_t covered = 0;  // body[0, covered) is covered so far
  size_t prev_start = 0;
  for (size_t k = 0; k < chunks.size(); ++k) {
    const Document& c = chunks[k];
    std::string where = "chunk " + std::to_string(k) + ": ";
    std::string want_id = chunks.size() == 1 ? doc.id : doc.id + "#" + std::to_string(k);
    if (c.id != want_id) return where + "id '" + c.id + "', want '" + want_id + "'";
    if (!ids.insert(c.id).second) return where + "duplicate id";
    const MetadataValue* start = c.Meta(provenance::kStart);
    const MetadataValue* end = c.Meta(provenance::kEnd);
    const MetadataValue* n = c.Meta(provenance::kChunk);
    const MetadataValue* doc_id = c.Meta(provenance::kDocId);
    if (!start || !end || !n || !doc_id || !c.Meta(provenance::kSource)) return where + "missing provenance";
    if (doc_id->text != doc.id) return where + "wrong doc_id";
    if (n->number != static_cast<double>(k)) return where + "wrong chunk number";
    size_t s = static_cast<size_t>(start->number), e = static_cast<size_t>(end->number);
    if (s > e || e > body.size()) return where + "bad range";
    const std::string* text = c.Text("body");
    if (!text || *text != body.substr(s, e - s)) return where + "body is not body[start, end)";
    if (!c.Text("title")) return where + "no title";
    if (s > covered) return where + "gap before start";
    if (e <= covered && !(k == 0 && e == 0 && body.empty())) return where + "adds nothing";
    if (k > 0 && s < prev_start) return where + "starts before the previous chunk";
    for (size_t off : {s, e})
      if (off < body.size() && IsUtf8Continuation(static_cast<unsigned char>(body[off])))
        return where + "offset " + std::to_string(off) + " splits a UTF-8 sequence";
    covered = e;
    prev_start = s;
  }
  if (covered != body.size()) return "chunks end at " + std::to_string(covered) + " of " + std::to_string(body.size());
  return "";
}

}  // namespace glassbox::ingest
