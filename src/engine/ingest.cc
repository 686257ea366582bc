// glassbox::Ingest: files -> readers -> chunker -> Collection::Add.
//
// Re-ingesting a document must not leave chunks of its previous version
// behind (a document that shrank from 5 chunks to 2 would otherwise keep
// "<id>#2".."<id>#4"). Every chunk carries its document's id as provenance
// (doc_id). Before adding a document, Ingest names it in
// WriteBatch::replace_chunks_of, and the collection deletes every live
// document with that doc_id (and "<id>" itself) that the new version does not
// write again: a lookup of one keyword term per segment, whatever the old
// chunks were numbered. When the collection was empty as Ingest started and
// the document id was not seen earlier in this run, nothing can be stale and
// the lookup is skipped.
//
// Each file is one WriteBatch: validated whole (and checked against the
// writer's permissions) before any of it is written, so a bad file leaves
// nothing behind.
//
// Files are read through the reader registry (ingest/reader.h). A file of a
// type no reader takes fails when it was named, and is skipped (counted in
// files_skipped) when it was found by walking a folder.
//
// Tables (ingest::Table, e.g. a CSV file) go to the table store
// (table/table_store.h): after a file's documents are applied (the WAL holds
// them), its tables are written in one SQLite transaction, which commits
// before the collection's Commit is acknowledged. A crash in between leaves
// tables of a file whose documents were not committed (or the reverse);
// re-ingesting the file replaces both. "<file>.schema.json" sidecars are
// read with their file, not ingested as documents.
//
// A PDF or image whose pages have a layout is also copied into the
// collection directory (ingest/originals.h) for the page view, before its
// chunks (which name the copy in `original`) are applied.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "glassbox/ingest.h"
#include "ingest/originals.h"
#include "ingest/reader.h"
#include "table/table_store.h"

namespace glassbox {
namespace {

// A table's description beside its file (docs/tables.md): read with the
// table, not ingested as a document when found by walking a folder.
bool IsSidecar(const std::string& path) {
  static const std::string kSuffix = ".schema.json";
  return path.size() > kSuffix.size() && path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

// Writes each file's tables; opens tables.sqlite only when there is a table
// to write or an earlier ingest left one.
class TableWriter {
 public:
  // Disabled for a collection without a directory on disk.
  TableWriter(const std::string& dir, bool enabled)
      : dir_(dir), enabled_(enabled && !dir.empty() && std::filesystem::is_directory(dir)) {}
  Status Write(const std::string& path, const std::vector<ingest::Table>& tables) {
    if (!enabled_ || (tables.empty() && !store_ && !table::HasTableStore(dir_))) return Status::OK();
    if (!store_) {
      auto s = table::TableStore::OpenForWriting(dir_);
      if (!s.ok()) return s.status();
      store_ = std::move(*s);
    }
    std::string sidecar;
    if (FILE* f = std::fopen((path + ".schema.json").c_str(), "rb")) {
      char buf[8192];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) sidecar.append(buf, n);
      std::fclose(f);
    }
    return store_->ReplaceFile(path, tables, sidecar);
  }

 private:
  std::string dir_;
  bool enabled_;
  std::unique_ptr<table::TableStore> store_;
};

std::string WithoutPathPrefix(const std::string& message, const std::string& path) {
  std::string prefix = path + ": ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

}  // namespace

namespace {

// Reads and chunks files on worker threads, ahead of the writer, which takes
// them in order (Take blocks until file f is ready). At most `window` files
// wait parsed, so memory stays bounded however fast the readers are.
class ReadAhead {
 public:
  struct Parsed {
    Result<std::vector<ingest::SourceDocument>> docs = Status::OK();
    std::vector<std::vector<Document>> chunks;  // per document
    std::vector<ingest::Table> tables;
    std::string original, original_hash;  // a PDF or image with page layout: its bytes (ingest/originals.h)
  };

  ReadAhead(const std::vector<ingest::ListedFile>& files, const IngestOptions& options)
      : files_(files), options_(options), slots_(files.size()) {
    size_t threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = std::min(threads, files.size());
    window_ = 4 * std::max<size_t>(threads, 1);
    for (size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { Work(); });
  }
  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }

  Parsed Take(size_t f) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return slots_[f].has_value(); });
    Parsed p = std::move(*slots_[f]);
    slots_[f].reset();
    taken_ = f + 1;
    cv_.notify_all();
    return p;
  }

 private:
  void Work() {
    for (;;) {
      size_t f;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || (next_ < files_.size() && next_ < taken_ + window_); });
        if (stop_) return;
        f = next_++;
      }
      Parsed p;
      try {  // a worker's exception would end the process; it fails the file instead
        p.docs = ingest::ReadFile(files_[f].path, options_.reader, &p.tables);
        if (p.docs.ok())
          for (const auto& doc : *p.docs) p.chunks.push_back(ingest::Chunk(doc, options_.chunking));
        if (p.docs.ok()) KeepOriginal(files_[f].path, &p);
      } catch (const std::exception& e) {
        p = Parsed();
        p.docs = Status::IOError(files_[f].path + ": " + e.what());
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        slots_[f] = std::move(p);
      }
      cv_.notify_all();
    }
  }

  // A PDF or image whose pages have a layout: its bytes and hash, named by
  // its documents' chunks, for the page view.
  static void KeepOriginal(const std::string& path, Parsed* p) {
    bool laid_out = false;
    for (const auto& doc : *p->docs)
      for (const auto& page : doc.pages) laid_out = laid_out || page.width > 0;
    if (!laid_out) return;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in || !ingest::IsPageViewable(ss.view())) return;
    p->original = std::move(ss).str();
    p->original_hash = ingest::Sha256Hex(p->original);
    for (size_t i = 0; i < p->docs->size(); ++i) {
      bool paged = false;
      for (const auto& page : (*p->docs)[i].pages) paged = paged || page.width > 0;
      if (!paged) continue;
      for (auto& chunk : p->chunks[i])
        chunk.metadata.emplace_back(ingest::kOriginalField, MetadataValue::Keyword(p->original_hash));
    }
  }

  const std::vector<ingest::ListedFile>& files_;
  const IngestOptions& options_;
  std::vector<std::optional<Parsed>> slots_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0, taken_ = 0, window_ = 4;
  bool stop_ = false;
};

}  // namespace

Result<IngestReport> Ingest(Collection& collection, const IngestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  IngestReport report;
  std::vector<ingest::ListedFile> files =
      ingest::ListFiles(options.paths, options.include, options.exclude, &report.errors, &report.files_skipped);
  std::erase_if(files, [](const ingest::ListedFile& f) { return !f.named && IsSidecar(f.path); });
  TableWriter table_writer(collection.dir(), options.store_tables);
  std::vector<std::pair<std::string, std::vector<ingest::Table>>> pending_tables;  // all_or_nothing
  report.files_seen = files.size() + report.files_skipped;
  // What ListFiles reports is a path the caller named that cannot be read (a
  // missing path): each counts as a failed file, so that a run whose named
  // files were all refused does not report success.
  report.files_seen += report.errors.size();
  report.files_failed = report.errors.size();

  CollectionStats stats = collection.Stats();
  const bool was_empty = stats.documents == 0 && stats.buffered == 0;
  std::unordered_set<std::string> seen_ids;  // document ids added in this run (only needed when was_empty)

  // Errors that fail one file (its documents are invalid, or the writer may
  // not replace them); anything else (I/O) ends the run.
  auto file_error = [](const Status& st) {
    return st.code() == Status::Code::kInvalidArgument || st.code() == Status::Code::kPermissionDenied;
  };
  WriteBatch all;  // all_or_nothing: every file's writes
  all.writer = options.writer ? &*options.writer : nullptr;
  ReadAhead ahead(files, options);
  for (size_t f = 0; f < files.size(); ++f) {
    const std::string& path = files[f].path;
    ReadAhead::Parsed parsed = ahead.Take(f);
    std::vector<ingest::Table>& tables = parsed.tables;
    auto& docs = parsed.docs;
    if (!docs.ok() && docs.status().code() == Status::Code::kUnsupported && !files[f].named) {
      ++report.files_skipped;
    } else if (!docs.ok()) {
      ++report.files_failed;
      report.errors.push_back({path, WithoutPathPrefix(docs.status().message(), path)});
    } else {
      // The copy of a PDF or image goes first: a committed chunk never names a missing copy.
      if (!parsed.original_hash.empty() && !collection.dir().empty() && std::filesystem::is_directory(collection.dir()))
        GB_RETURN_IF_ERROR(ingest::StoreOriginal(collection.dir(), parsed.original_hash, parsed.original));
      WriteBatch batch;
      batch.writer = all.writer;
      uint64_t chunks_in_file = 0;
      for (size_t i = 0; i < docs->size(); ++i) {
        const ingest::SourceDocument& doc = (*docs)[i];
        std::vector<Document>& chunks = parsed.chunks[i];
        bool may_be_stale = !was_empty || !seen_ids.insert(doc.id).second;
        if (may_be_stale) batch.replace_chunks_of.push_back(doc.id);
        chunks_in_file += chunks.size();
        for (auto& chunk : chunks) batch.adds.push_back(std::move(chunk));
      }
      Status st;
      if (options.all_or_nothing) {
        for (auto& id : batch.replace_chunks_of) all.replace_chunks_of.push_back(std::move(id));
        for (auto& d : batch.adds) all.adds.push_back(std::move(d));
        pending_tables.emplace_back(path, std::move(tables));
      } else {
        st = collection.Apply(batch);
        if (st.ok()) {
          Status ts = table_writer.Write(path, tables);
          if (!ts.ok() && ts.code() != Status::Code::kInvalidArgument) return ts;
          if (!ts.ok()) report.errors.push_back({path, ts.message()});
        }
      }
      if (st.ok()) {
        ++report.files_ok;
        report.documents += docs->size();
        report.chunks += chunks_in_file;
      } else if (file_error(st)) {
        ++report.files_failed;
        report.errors.push_back({path, st.message()});
      } else {
        return st;
      }
    }
    if (options.progress) options.progress(f + 1, files.size(), report.documents);
  }
  if (options.all_or_nothing) {
    if (report.files_failed > 0) {
      report.files_ok = 0;
      report.documents = report.chunks = 0;
      report.written = false;
    } else {
      Status st = collection.Apply(all);
      if (!st.ok()) return st;
      for (auto& [path, tables] : pending_tables) GB_RETURN_IF_ERROR(table_writer.Write(path, tables));
    }
  }
  if (report.files_ok > 0 || report.files_failed == 0) {
    GB_RETURN_IF_ERROR(collection.Commit());
    // Replaced files may have left copies of their old bytes behind. Best
    // effort: the documents are committed, so a failure here is reported, not
    // returned as the run's failure.
    if (!was_empty && report.files_ok > 0) {
      if (auto removed = RemoveUnreferencedOriginals(collection); !removed.ok())
        report.errors.push_back({collection.dir() + "/originals",
                                 "committed; stale copies of originals not removed: " + removed.status().message()});
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

Result<size_t> RemoveUnreferencedOriginals(Collection& collection) {
  if (collection.dir().empty()) return size_t{0};
  size_t removed = 0;
  for (const std::string& hash : ingest::ListOriginals(collection.dir())) {
    SearchOptions o;
    o.k = 1;
    o.mode = SearchMode::kBm25;
    o.with_snippet = false;
    auto r = collection.Search(std::string(ingest::kOriginalField) + ":" + hash, o);
    if (!r.ok()) return r.status();
    if (!r->hits.empty()) continue;
    GB_RETURN_IF_ERROR(ingest::RemoveOriginal(collection.dir(), hash));
    ++removed;
  }
  return removed;
}

}  // namespace glassbox
