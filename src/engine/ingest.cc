// glassbox::Ingest: files -> readers -> chunker -> Collection::Add.
//
// Re-ingesting a document must not leave chunks of its previous version
// behind (a document that shrank from 5 chunks to 2 would otherwise keep
// "<id>#2".."<id>#4"). Chunks of one document are always added as "<id>" (a
// single chunk) or "<id>#0".."<id>#k-1", in order, so the old version's chunk
// ids are a prefix of that sequence. Before adding a document that yields k
// chunks, Ingest therefore deletes the ids the new version does not reuse:
// "<id>" when k > 1, and "<id>#m" for m = (k > 1 ? k : 0), k+1, ... until
// Delete answers NotFound. (A crash mid-document leaves a prefix too, so the
// first gap is the end.) When the collection was empty as Ingest started and
// the document id was not seen earlier in this run, nothing can be stale and
// the probes are skipped, so a bulk load into a new collection pays nothing.
#include <chrono>
#include <unordered_set>

#include "glassbox/ingest.h"
#include "ingest/reader.h"

namespace glassbox {
namespace {

// Deletes "<id>#m" from m = first on, until one is not there.
Status DeleteChunksFrom(Collection& collection, const std::string& id, size_t first) {
  for (size_t m = first;; ++m) {
    Status st = collection.Delete(id + "#" + std::to_string(m));
    if (st.code() == Status::Code::kNotFound) return Status::OK();
    if (!st.ok()) return st;
  }
}

Status DeleteStaleChunks(Collection& collection, const std::string& id, size_t new_count) {
  if (new_count > 1) {
    Status st = collection.Delete(id);
    if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
    return DeleteChunksFrom(collection, id, new_count);
  }
  return DeleteChunksFrom(collection, id, 0);
}

// "data/x.csv: line 5: ..." -> "line 5: ..." (the path is in IngestError::path).
std::string WithoutPathPrefix(const std::string& message, const std::string& path) {
  std::string prefix = path + ": ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

}  // namespace

Result<IngestReport> Ingest(Collection& collection, const IngestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  IngestReport report;
  std::vector<std::string> files = ingest::ListFiles(options.paths, options.include, options.exclude, &report.errors);
  report.files_seen = files.size();

  CollectionStats stats = collection.Stats();
  const bool was_empty = stats.documents == 0 && stats.buffered == 0;
  std::unordered_set<std::string> seen_ids;  // document ids added in this run (only needed when was_empty)

  for (size_t f = 0; f < files.size(); ++f) {
    const std::string& path = files[f];
    auto docs = ingest::ReadFile(path, options.reader);
    if (!docs.ok()) {
      ++report.files_failed;
      report.errors.push_back({path, WithoutPathPrefix(docs.status().message(), path)});
    } else {
      ++report.files_ok;
      for (const auto& doc : docs.value()) {
        std::vector<Document> chunks = ingest::Chunk(doc, options.chunking);
        bool may_be_stale = !was_empty || !seen_ids.insert(doc.id).second;
        if (may_be_stale) GB_RETURN_IF_ERROR(DeleteStaleChunks(collection, doc.id, chunks.size()));
        for (const auto& chunk : chunks) GB_RETURN_IF_ERROR(collection.Add(chunk));
        ++report.documents;
        report.chunks += chunks.size();
      }
    }
    if (options.progress) options.progress(f + 1, files.size(), report.documents);
  }
  GB_RETURN_IF_ERROR(collection.Commit());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace glassbox
