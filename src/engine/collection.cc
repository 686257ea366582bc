// CollectionImpl: the write path (WAL, buffer, commit, merge) and the
// snapshot that searches read.
//
// Background work. Commit() publishes its segment and returns; a thread owned
// by the handle then merges (engine/merge_policy.h) and recalibrates fusion.
// A merge reads its inputs without the write lock (segments are immutable;
// it keeps the live bitmaps and deletion lists it started from) and takes the
// lock only to publish: deletions made while it ran are carried over to the
// merged segment by mapping each input's local id to its place in the output
// (MergeSegments keeps the inputs' order and drops dead documents). Only
// merges remove segments, and merge_mu_ lets one run at a time, so a merge's
// inputs are still there when it publishes. The manifest rename is the commit
// point: a crash before it leaves an unreferenced file that Open() removes.
#include "glassbox/collection.h"
#include "index/bits.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "index/doc_codec.h"
#include "ingest/text_util.h"
#include "index/file_util.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "index/wal.h"
#include "engine/calibration.h"
#include "engine/merge_policy.h"
#include "engine/vectors.h"
#include "search/searcher.h"
#include "search/snapshot.h"
#include "text/analyzer.h"

namespace glassbox {
namespace {

namespace fs = std::filesystem;
using index::DocId;

std::string FileName(const char* prefix, uint64_t n, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%06llu%s", prefix, static_cast<unsigned long long>(n), suffix);
  return buf;
}

constexpr double kMaxK1 = 10;

// The one UTF-8 validator (the readers' too): overlong forms, surrogates and
// code points past U+10FFFF are ill-formed.
bool ValidUtf8(std::string_view s) { return ingest::FindInvalidUtf8(s) == std::string_view::npos; }

// The position of the first control character (C0, DEL or, UTF-8 encoded,
// C1) in valid UTF-8 `s`, or npos. Such a character in an id cannot be typed
// in a URL path or a query, so the document could never be fetched.
size_t FindControlCharacter(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return i;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return i;
  }
  return std::string_view::npos;
}

// A commit builds the HNSW graph of a segment up to this size itself (a few
// milliseconds); a larger segment's graph is built in the background.
constexpr uint32_t kInlineGraphDocs = 2048;

struct SegmentState {
  SegmentState() = default;
  // A copy shares the live bitmap, so neither side may change it in place.
  SegmentState(const SegmentState& o)
      : meta(o.meta), reader(o.reader), vectors(o.vectors), live(o.live), deleted(o.deleted), dirty(o.dirty) {}
  SegmentState& operator=(const SegmentState& o) {
    if (this != &o) *this = SegmentState(o);
    return *this;
  }
  SegmentState(SegmentState&&) = default;
  SegmentState& operator=(SegmentState&&) = default;

  index::SegmentMeta meta;
  std::shared_ptr<index::SegmentReader> reader;
  std::shared_ptr<const search::SegmentVectors> vectors;
  std::shared_ptr<const std::vector<uint64_t>> live;  // null: all live
  std::vector<uint32_t> deleted;                       // local ids, in the order they were deleted
  bool dirty = false;                                  // deletions not yet written
  // Whether `live` is this state's own, unpublished copy (MarkDeleted may then
  // clear bits in place). Publish and copies share it again.
  bool live_private = false;
};

// A merge in progress: what it read (fixed when it started) and what it wrote.
struct MergeJob {
  std::vector<std::string> names;  // input segments, in collection order
  std::vector<std::shared_ptr<index::SegmentReader>> readers;
  std::vector<std::shared_ptr<const std::vector<uint64_t>>> live;  // null: all live
  std::vector<std::vector<uint32_t>> deleted;                     // sorted local ids
  std::vector<std::shared_ptr<const search::SegmentVectors>> vectors;
  bool with_vectors = false, int8_vectors = false;
  SegmentState merged;  // its file name is reserved when the job starts
  uint64_t bytes = 0;   // written
};

class CollectionImpl final : public Collection {
 public:
  CollectionImpl(std::string dir, bool read_only) : dir_(std::move(dir)), read_only_(read_only) {}
  // Finishes scheduled background work (merges, calibration, graphs), then
  // joins the threads.
  ~CollectionImpl() override {
    {
      std::lock_guard<std::mutex> l(bg_mu_);
      bg_stop_ = true;
    }
    bg_cv_.notify_all();
    for (Worker* w : {&merge_worker_, &graph_worker_})
      if (w->thread.joinable()) w->thread.join();
  }

  Status Init(const CollectionOptions* create_options);

  Status Add(const Document& doc) override;
  Status Delete(const std::string& id) override;
  Status Apply(const WriteBatch& batch) override;
  Status Sync() override {
    std::lock_guard<std::mutex> l(write_mu_);
    if (read_only_) return ReadOnlyError();
    return wal_.Sync();
  }
  Status Commit() override {
    std::unique_lock<std::mutex> l(write_mu_);
    if (read_only_) return ReadOnlyError();
    GB_RETURN_IF_ERROR(CommitLocked());
    // Backpressure: commits that outpace background merging wait once the
    // segment count passes twice what the policy settles at (never while
    // merging works and keeps up; a failed merge releases the wait).
    merged_cv_.wait(l, [&] { return merge_failed_ || segments_.size() <= SegmentLimit(); });
    return Status::OK();
  }
  Status Merge(size_t max_segments) override;
  Status Refresh() override;
  Status WaitForBackgroundWork() override {
    std::unique_lock<std::mutex> l(bg_mu_);
    bg_idle_cv_.wait(l, [&] { return merge_worker_.Idle() && graph_worker_.Idle(); });
    Status s = bg_status_;
    bg_status_ = Status::OK();
    return s;
  }

  Result<SearchResponse> Search(const std::string& query, const SearchOptions& options) const override {
    return search::Searcher(snapshot()).Search(query, options);
  }
  Result<WhyNot> WhyNotInResults(const std::string& query, const SearchOptions& options,
                                 const std::string& id) const override {
    return search::Searcher(snapshot()).WhyNotInResults(query, options, id);
  }
  Result<CorpusStatistics> QueryStatistics(const std::string& query, const SearchOptions& options) const override {
    return search::Searcher(snapshot()).QueryStatistics(query, options);
  }
  Result<Explanation> Explain(const std::string& query, const std::string& id,
                              const Principal* principal) const override {
    return search::Searcher(snapshot()).Explain(query, id, principal);
  }
  Result<Explanation> Explain(const std::string& query, const std::string& id, const Principal* principal,
                              std::chrono::milliseconds time_budget) const override {
    return search::Searcher(snapshot()).Explain(query, id, principal, time_budget);
  }
  Result<WhyNot> WhyNotInTopK(const std::string& query, const std::string& id, size_t k,
                              const Principal* principal) const override {
    return search::Searcher(snapshot()).WhyNotInTopK(query, id, k, principal);
  }
  Result<WhyNot> WhyNotInTopK(const std::string& query, const std::string& id, size_t k, const Principal* principal,
                              std::chrono::milliseconds time_budget) const override {
    return search::Searcher(snapshot()).WhyNotInTopK(query, id, k, principal, time_budget);
  }
  Result<Document> Get(const std::string& id, const Principal* principal) const override {
    auto snap = snapshot();
    size_t s;
    DocId d;
    if (!search::FindLiveDocument(*snap, id, &s, &d) ||
        (principal != nullptr && !search::AclFilter(snap->segments[s], *principal).Visible(d)))
      return Status::NotFound("no document with id '" + id + "'");
    return snap->segments[s].reader->LoadDocument(d);
  }
  CollectionStats Stats() const override;
  const std::string& dir() const override { return dir_; }
  std::string AnalyzerName() const override { return snapshot()->analyzer->name(); }

  size_t max_buffered_docs = 100000;  // from the manifest (CollectionOptions)
  size_t max_buffer_bytes = size_t{3} << 30;
  bool use_wal = true;

 private:
  static Status ReadOnlyError() { return Status::InvalidArgument("collection is open read-only"); }
  std::shared_ptr<const search::Snapshot> snapshot() const {
    std::lock_guard<std::mutex> l(snap_mu_);
    return snap_;
  }
  Status OpenSegments();
  Status OpenSegmentsOfLatestManifest();
  Status ReplayLog();
  void Publish();
  // batch_types: metadata types of the documents before this one in the same batch.
  Status Validate(const Document& doc,
                  const std::unordered_map<std::string, MetadataValue::Type>* batch_types = nullptr) const;
  // Whether `id` names a live (committed or buffered) document that `writer` may not see.
  bool HiddenFrom(const std::string& id, const Principal& writer) const;
  Status AddLocked(const Document& doc);
  Status AddInternal(const Document& doc, std::string_view encoded);
  Status DeleteInternal(const std::string& id, bool* found);
  void MarkDeleted(SegmentState& s, DocId d);
  Status CommitLocked();
  Status MergeLocked(size_t max_segments);
  // Merges segments_[chosen] into one, all under write_mu_ (explicit Merge()).
  Status MergeChosen(std::vector<size_t> chosen);
  // A merge in three steps. Start (under write_mu_): records the inputs and
  // reserves the output's name. Run (no lock): writes the merged segment and
  // its vectors. Finish (under write_mu_): carries over deletions made since
  // Start and publishes. Abandon: removes what Run wrote.
  MergeJob StartMerge(std::vector<size_t> chosen);
  Status RunMerge(MergeJob& job) const;
  Status FinishMerge(MergeJob& job);
  void AbandonMerge(const MergeJob& job) const;
  // Background thread: merges as engine::ChooseTieredMerge says, then
  // recalibrates fusion when the collection has doubled.
  void ScheduleBackgroundWork();
  size_t SegmentLimit() const;
  // Two background threads, so that a long graph build never holds up the
  // merges a committing writer may be waiting for: `merge_worker_` runs
  // merges, then calibration; `graph_worker_` (collections with vectors)
  // builds the graphs of segments committed without one.
  struct Worker {
    const char* what;
    std::thread thread;
    bool pending = false, running = false;  // under bg_mu_
    bool Idle() const { return !pending && !running; }
  };
  void BackgroundLoop(Worker& w);
  Status BackgroundMerges();
  Status BackgroundGraphs();
  Status BackgroundCalibration();
  void RemoveUnreferencedFiles();

  std::string dir_;
  bool read_only_;
  index::Residency residency_ = index::Residency::kMapped;  // of segment and vector files (GLASSBOX_FILES)
  std::unique_ptr<index::DirLock> lock_;
  index::Manifest manifest_;
  std::shared_ptr<const text::Analyzer> analyzer_;
  std::vector<SegmentState> segments_;
  // Buffered additions (not yet visible).
  std::unique_ptr<index::SegmentWriter> buffer_;
  std::unordered_map<std::string, DocId> buffer_ids_;
  std::vector<bool> buffer_dead_;
  std::unordered_map<std::string, MetadataValue::Type> pending_types_;
  // Access-control values of buffered documents that have any (id -> users, groups).
  std::unordered_map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> buffer_acl_;
  // Buffered documents by their provenance doc_id (may name ids since replaced or deleted).
  std::unordered_map<std::string, std::vector<std::string>> buffer_sources_;
  index::WalWriter wal_;
  std::string encoded_;  // scratch
  // Vectors: null when the collection has no embedder.
  std::shared_ptr<search::QueryEmbedder> embedder_;
  // Word probabilities for the static model, from this snapshot's statistics.
  std::shared_ptr<const search::Snapshot> prob_snap_;
  std::unordered_map<std::string, double> prob_cache_;  // used under embedder_->mu
  const search::Snapshot* prob_cache_for_ = nullptr;
  double WordProbability(std::string_view word);
  Status OpenEmbedder();
  Status BuildSegmentVectors(SegmentState& s, index::Manifest& next);
  // Lock order: merge_mu_, then write_mu_, then bg_mu_ / snap_mu_.
  std::mutex merge_mu_;  // held for the whole of a merge (background or explicit)
  mutable std::mutex write_mu_;
  mutable std::mutex snap_mu_;
  std::shared_ptr<const search::Snapshot> snap_;
  uint64_t merges_ = 0, merge_bytes_ = 0;  // under write_mu_
  std::condition_variable merged_cv_;      // with write_mu_: a merge published, or merging failed
  bool merge_failed_ = false;              // under write_mu_; reset by each commit
  std::mutex bg_mu_;
  std::condition_variable bg_cv_, bg_idle_cv_;
  bool bg_stop_ = false;
  Status bg_status_;  // first error of background work since WaitForBackgroundWork()
  Worker merge_worker_{"merge"}, graph_worker_{"graph"};
};

Status CollectionImpl::Init(const CollectionOptions* create) {
  auto residency = index::ResidencyFromEnvironment();
  if (!residency.ok()) return residency.status();
  residency_ = residency.value();
  if (create != nullptr) {
    auto analyzer = text::MakeAnalyzer(create->analyzer);
    if (!analyzer.ok()) return analyzer.status();
    // Written so that NaN fails too. k1 beyond 10 only flattens saturation
    // further, and a huge k1 overflows the scores to nothing.
    if (!(create->k1 >= 0 && create->k1 <= kMaxK1) || !(create->b >= 0 && create->b <= 1)) {
      char got[96];
      std::snprintf(got, sizeof got, "(got k1 = %g, b = %g)", create->k1, create->b);
      return Status::InvalidArgument(std::string("BM25 parameters out of range: need 0 <= k1 <= 10 and 0 <= b <= 1 ") +
                                     got);
    }
    GB_RETURN_IF_ERROR(engine::ValidateEmbedderSpec(create->embedder));
    if (create->embedder != "none") {
      auto probe = engine::MakeQueryEmbedder(create->embedder, nullptr);
      if (!probe.ok()) return probe.status();
    }
    std::error_code ec;
    if (fs::exists(dir_ + "/MANIFEST")) return Status::AlreadyExists("a collection already exists at " + dir_);
    fs::create_directories(dir_, ec);
    if (ec) return Status::IOError("cannot create directory " + dir_ + ": " + ec.message());
    index::Manifest m;
    m.generation = 1;
    m.analyzer = create->analyzer;
    m.k1 = create->k1;
    m.b = create->b;
    m.field_weights = create->field_weights;
    GB_RETURN_IF_ERROR(engine::ValidateEmbedderSpec(create->embedder));
    m.embedder = create->embedder;
    m.int8_vectors = create->int8_vectors;
    if (create->max_buffered_docs == 0) return Status::InvalidArgument("max_buffered_docs must be positive");
    m.max_buffered_docs = create->max_buffered_docs;
    if (!(create->min_similarity >= -1 && create->min_similarity <= 1))
      return Status::InvalidArgument("min_similarity must be between -1 and 1");
    m.min_similarity = create->min_similarity;
    m.calibrate_fusion = create->calibrate_fusion;
    m.write_ahead_log = create->write_ahead_log;
    m.next_file = 2;
    m.wal = FileName("wal-", 1, ".log");
    GB_RETURN_IF_ERROR(m.Save(dir_));
  }
  if (!fs::is_directory(dir_)) return Status::NotFound("no collection at " + dir_ + " (not a directory)");
  if (!read_only_) {
    auto lock = index::DirLock::Acquire(dir_);
    if (!lock.ok()) return lock.status();
    lock_ = std::move(lock.value());
  }
  auto m = index::Manifest::Load(dir_);
  if (!m.ok()) return m.status();
  manifest_ = std::move(m.value());
  max_buffered_docs = manifest_.max_buffered_docs;
  use_wal = manifest_.write_ahead_log;
  auto analyzer = text::MakeAnalyzer(manifest_.analyzer);
  if (!analyzer.ok()) return analyzer.status();
  analyzer_ = analyzer.value();
  GB_RETURN_IF_ERROR(OpenEmbedder());
  GB_RETURN_IF_ERROR(OpenSegmentsOfLatestManifest());
  buffer_ = std::make_unique<index::SegmentWriter>();
  Publish();
  if (!read_only_) {
    RemoveUnreferencedFiles();
    GB_RETURN_IF_ERROR(ReplayLog());
    // A collection written before the tiered policy, or a calibration that
    // was due when the last writer stopped: caught up in the background.
    std::lock_guard<std::mutex> l(write_mu_);
    ScheduleBackgroundWork();
  }
  return Status::OK();
}

// A reader in another process than the writer: between its loading the
// manifest and opening the files it names, the writer may save a newer one and
// remove files the old one named (merged segments, a flat vector file replaced
// by its graph, old deletion files). Then the newer manifest names files that
// exist: it is loaded and the open tried again while the generation moves.
Status CollectionImpl::OpenSegmentsOfLatestManifest() {
  for (int attempt = 0;; ++attempt) {
    Status s = OpenSegments();
    if (s.ok() || !read_only_ || s.code() != Status::Code::kNotFound || attempt == 50) return s;
    auto m = index::Manifest::Load(dir_);
    if (!m.ok() || m->generation == manifest_.generation) return s;  // the file is really missing
    manifest_ = std::move(m.value());
  }
}

Status CollectionImpl::OpenSegments() {
  std::vector<SegmentState> segs;
  for (const auto& meta : manifest_.segments) {
    SegmentState s;
    s.meta = meta;
    // Reuse readers we already have (Refresh).
    for (const auto& old : segments_)
      if (old.meta.name == meta.name) s.reader = old.reader;
    if (!s.reader) {
      auto r = index::SegmentReader::Open(dir_ + "/" + meta.name, residency_);
      if (!r.ok()) return r.status();
      s.reader = r.value();
    }
    for (const auto& old : segments_)  // (a segment's vector file changes when its graph is built)
      if (old.meta.name == meta.name && old.meta.vec_file == meta.vec_file) s.vectors = old.vectors;
    if (!s.vectors && !meta.vec_file.empty()) {
      auto v = engine::OpenVectorFile(dir_ + "/" + meta.vec_file, meta.docs, residency_);
      if (!v.ok()) return v.status();
      s.vectors = v.value();
    }
    if (s.reader->num_docs() != meta.docs)
      return Status::Corruption(dir_ + "/" + meta.name + ": holds " + std::to_string(s.reader->num_docs()) +
                                " documents, MANIFEST says " + std::to_string(meta.docs));
    if (!meta.del_file.empty()) {
      auto live = std::make_shared<std::vector<uint64_t>>();
      uint32_t count;
      GB_RETURN_IF_ERROR(index::ReadDeletions(dir_ + "/" + meta.del_file, meta.docs, live.get(), &count));
      for (DocId d = 0; d < meta.docs; ++d)
        if (!TestBit(*live, d)) s.deleted.push_back(d);
      s.live = std::move(live);
    }
    segs.push_back(std::move(s));
  }
  segments_ = std::move(segs);
  return Status::OK();
}

void CollectionImpl::Publish() {
  auto snap = std::make_shared<search::Snapshot>();
  snap->analyzer = analyzer_;
  snap->k1 = manifest_.k1;
  snap->b = manifest_.b;
  for (const auto& [f, w] : manifest_.field_weights) snap->field_weights[f] = w;
  uint64_t base = 0;
  for (auto& s : segments_) {
    s.live_private = false;  // the snapshot reads it from now on
    snap->segments.push_back({s.reader, s.vectors, s.live, base});
    base += s.reader->num_docs();
  }
  snap->embedder = embedder_;
  FusionMethod fm = FusionMethod::kMinMax;
  if (manifest_.fusion == "rrf") fm = FusionMethod::kRrf;
  else if (manifest_.fusion == "zscore") fm = FusionMethod::kZScore;
  snap->fusion = fm;
  snap->bm25_weight = manifest_.bm25_weight;
  snap->vector_weight = manifest_.vector_weight;
  snap->min_similarity = manifest_.min_similarity;
  snap->ComputeStats();
  std::lock_guard<std::mutex> l(snap_mu_);
  prob_snap_ = snap;
  snap_ = std::move(snap);
}

Status CollectionImpl::ReplayLog() {
  const std::string path = dir_ + "/" + manifest_.wal;
  index::WalReplayStats st;
  Status s = index::ReplayWal(path, [&](index::WalRecordType type, std::string_view payload) -> Status {
    if (type == index::WalRecordType::kAdd) {
      Document doc;
      if (!index::DecodeDocument(payload, &doc)) return Status::Corruption(path + ": undecodable document record");
      return AddInternal(doc, payload);
    }
    bool found;
    return DeleteInternal(std::string(payload), &found);
  }, &st);
  GB_RETURN_IF_ERROR(s);
  if (st.torn_tail) GB_RETURN_IF_ERROR(index::TruncateFile(path, st.valid_bytes));
  GB_RETURN_IF_ERROR(wal_.Open(path));
  if (st.records > 0) {
    std::lock_guard<std::mutex> l(write_mu_);
    return CommitLocked();
  }
  return Status::OK();
}

void CollectionImpl::RemoveUnreferencedFiles() {
  std::set<std::string> keep = {"MANIFEST", "LOCK", manifest_.wal};
  for (const auto& s : manifest_.segments) {
    keep.insert(s.name);
    if (!s.del_file.empty()) keep.insert(s.del_file);
    if (!s.vec_file.empty()) keep.insert(s.vec_file);
  }
  if (!manifest_.common_component.empty()) keep.insert(manifest_.common_component);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    bool ours = name.rfind("seg-", 0) == 0 || name.rfind("wal-", 0) == 0 || name.rfind("common-", 0) == 0 ||
                name == "MANIFEST.tmp";
    if (ours && !keep.count(name)) fs::remove(e.path(), ec);
  }
}

Status CollectionImpl::Validate(const Document& doc,
                                const std::unordered_map<std::string, MetadataValue::Type>* batch_types) const {
  if (doc.id.empty()) return Status::InvalidArgument("document id is empty");
  if (doc.id.size() > 1024) return Status::InvalidArgument("document id longer than 1024 bytes");
  if (!ValidUtf8(doc.id)) return Status::InvalidArgument("document id is not valid UTF-8");
  if (size_t at = FindControlCharacter(doc.id); at != std::string::npos) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned char>(doc.id[at]) == 0xC2
                                                   ? static_cast<unsigned char>(doc.id[at + 1])
                                                   : static_cast<unsigned char>(doc.id[at]));
    return Status::InvalidArgument("document id has a control character (" + std::string(code) + ") at byte " +
                                   std::to_string(at) + "; ids may not contain control characters");
  }
  for (const auto& [name, value] : doc.text) {
    if (name.empty() || name[0] == '\x01') return Status::InvalidArgument("document '" + doc.id + "': bad text field name");
    if (!ValidUtf8(value))
      return Status::InvalidArgument("document '" + doc.id + "': field '" + name + "' is not valid UTF-8");
  }
  auto snap = snapshot();
  for (const auto& [name, value] : doc.metadata) {
    if (name.empty()) return Status::InvalidArgument("document '" + doc.id + "': empty metadata field name");
    if (!ValidUtf8(value.text))
      return Status::InvalidArgument("document '" + doc.id + "': metadata '" + name + "' is not valid UTF-8");
    auto check = [&](const std::unordered_map<std::string, MetadataValue::Type>& types) -> Status {
      auto it = types.find(name);
      if (it != types.end() && it->second != value.type) {
        static const char* kNames[] = {"keyword", "number", "date"};
        return Status::InvalidArgument("document '" + doc.id + "': metadata field '" + name + "' is a " +
                                       kNames[static_cast<int>(value.type)] + " here but a " +
                                       kNames[static_cast<int>(it->second)] + " in the collection");
      }
      return Status::OK();
    };
    GB_RETURN_IF_ERROR(check(snap->metadata_types));
    GB_RETURN_IF_ERROR(check(pending_types_));
    if (batch_types) GB_RETURN_IF_ERROR(check(*batch_types));
    if (name == kAclUsersField || name == kAclGroupsField) {
      if (value.type != MetadataValue::Type::kKeyword)
        return Status::InvalidArgument("document '" + doc.id + "': access-control field '" + name +
                                       "' must hold text (user or group names), not a " +
                                       (value.type == MetadataValue::Type::kNumber ? "number" : "date") +
                                       " — such a value would not restrict anything");
      if (value.text.empty())
        return Status::InvalidArgument("document '" + doc.id + "': access-control field '" + name +
                                       "' holds an empty name");
    }
  }
  return Status::OK();
}

bool CollectionImpl::HiddenFrom(const std::string& id, const Principal& writer) const {
  auto acl_allows = [&](const std::vector<std::string>& users, const std::vector<std::string>& groups) {
    if (users.empty() && groups.empty()) return true;
    if (!writer.user.empty() && std::find(users.begin(), users.end(), writer.user) != users.end()) return true;
    for (const auto& g : writer.groups)
      if (std::find(groups.begin(), groups.end(), g) != groups.end()) return true;
    return false;
  };
  if (buffer_ids_.count(id)) {
    auto it = buffer_acl_.find(id);
    if (it != buffer_acl_.end() && !acl_allows(it->second.first, it->second.second)) return true;
  }
  auto snap = snapshot();
  size_t s;
  DocId d;
  return search::FindLiveDocument(*snap, id, &s, &d) && !search::AclFilter(snap->segments[s], writer).Visible(d);
}

Status CollectionImpl::Apply(const WriteBatch& batch) {
  std::lock_guard<std::mutex> l(write_mu_);
  if (read_only_) return ReadOnlyError();
  // Everything is checked before anything is written.
  std::unordered_map<std::string, MetadataValue::Type> batch_types;
  for (const auto& doc : batch.adds) {
    GB_RETURN_IF_ERROR(Validate(doc, &batch_types));
    for (const auto& [name, value] : doc.metadata) batch_types.emplace(name, value.type);
  }
  auto exists = [&](const std::string& id) {
    if (buffer_ids_.count(id)) return true;
    for (const auto& s : segments_) {
      DocId d = s.reader->FindId(id);
      if (d != index::kNoDoc && (!s.live || TestBit(*s.live, d))) return true;
    }
    return false;
  };
  std::vector<std::string> deletes;
  for (const auto& id : batch.deletes)
    if (exists(id)) deletes.push_back(id);
  if (!batch.replace_chunks_of.empty()) {
    std::unordered_set<std::string> added;
    for (const auto& doc : batch.adds) added.insert(doc.id);
    std::unordered_set<std::string> stale;
    for (const auto& src : batch.replace_chunks_of) {
      if (exists(src)) stale.insert(src);
      // By provenance: every live document whose doc_id is `src`.
      const std::string term = index::KeywordTerm(provenance::kDocId, src);
      for (const auto& s : segments_) {
        index::TermInfo info;
        if (!s.reader->FindTerm(term, &info)) continue;
        for (index::PostingIterator it(s.reader.get(), info); it.doc() != index::kNoDoc; it.Next()) {
          DocId d = it.doc();
          if (s.live && !TestBit(*s.live, d)) continue;
          stale.insert(std::string(s.reader->ExternalId(d)));
        }
      }
      auto b = buffer_sources_.find(src);
      if (b != buffer_sources_.end())
        for (const auto& id : b->second)
          if (buffer_ids_.count(id)) stale.insert(id);
    }
    std::vector<std::string> sorted(stale.begin(), stale.end());
    std::sort(sorted.begin(), sorted.end());
    for (auto& id : sorted)
      if (!added.count(id)) deletes.push_back(std::move(id));
  }
  if (batch.writer) {
    for (const auto& id : deletes)
      if (HiddenFrom(id, *batch.writer))
        return Status::PermissionDenied("document '" + id + "' exists and this principal may not delete it");
    for (const auto& doc : batch.adds)
      if (HiddenFrom(doc.id, *batch.writer))
        return Status::PermissionDenied("document '" + doc.id + "' exists and this principal may not replace it");
  }
  Status st;
  for (const auto& id : deletes) {
    if (use_wal) st = wal_.Append(index::WalRecordType::kDelete, id);
    bool found;
    if (st.ok()) st = DeleteInternal(id, &found);
    if (!st.ok()) break;
  }
  if (!deletes.empty()) Publish();  // the batch's deletions, visible at once, together
  GB_RETURN_IF_ERROR(st);
  for (const auto& doc : batch.adds) GB_RETURN_IF_ERROR(AddLocked(doc));
  return Status::OK();
}

Status CollectionImpl::Add(const Document& doc) {
  std::lock_guard<std::mutex> l(write_mu_);
  if (read_only_) return ReadOnlyError();
  GB_RETURN_IF_ERROR(Validate(doc));
  return AddLocked(doc);
}

Status CollectionImpl::AddLocked(const Document& doc) {
  encoded_.clear();
  index::EncodeDocument(doc, &encoded_);
  if (use_wal) GB_RETURN_IF_ERROR(wal_.Append(index::WalRecordType::kAdd, encoded_));
  GB_RETURN_IF_ERROR(AddInternal(doc, encoded_));
  if (buffer_->num_docs() >= max_buffered_docs || buffer_->MemoryUsage() >= max_buffer_bytes) return CommitLocked();
  return Status::OK();
}

Status CollectionImpl::AddInternal(const Document& doc, std::string_view encoded) {
  std::vector<index::AnalyzedField> fields;
  fields.reserve(doc.text.size());
  std::vector<text::Token> tokens;
  for (const auto& [name, value] : doc.text) {
    tokens.clear();
    analyzer_->Analyze(value, &tokens);
    index::AnalyzedField f{name, {}};
    f.terms.reserve(tokens.size());
    // Positions from the analyzer may skip (stop words); keep them as holes.
    for (auto& t : tokens) {
      if (t.position >= f.terms.size()) f.terms.resize(t.position + 1);
      f.terms[t.position] = std::move(t.term);
    }
    fields.push_back(std::move(f));
  }
  auto local = buffer_->Add(doc, fields, encoded);
  if (!local.ok()) return local.status();
  auto it = buffer_ids_.find(doc.id);
  if (it != buffer_ids_.end()) buffer_dead_[it->second] = true;
  buffer_ids_[doc.id] = *local;
  buffer_dead_.push_back(false);
  buffer_acl_.erase(doc.id);
  for (const auto& [name, value] : doc.metadata) {
    pending_types_.emplace(name, value.type);
    if (name == provenance::kDocId && value.type == MetadataValue::Type::kKeyword)
      buffer_sources_[value.text].push_back(doc.id);
    if (name == kAclUsersField) buffer_acl_[doc.id].first.push_back(value.text);
    if (name == kAclGroupsField) buffer_acl_[doc.id].second.push_back(value.text);
  }
  return Status::OK();
}

// O(1) for every deletion but the first in a segment between two Publish
// calls, which copies the bitmap (snapshots keep reading the old one).
void CollectionImpl::MarkDeleted(SegmentState& s, DocId d) {
  if (!s.live_private) {
    std::shared_ptr<std::vector<uint64_t>> live;
    if (s.live) {
      live = std::make_shared<std::vector<uint64_t>>(*s.live);
    } else {
      uint32_t n = s.reader->num_docs();
      live = std::make_shared<BitWords>(BitWordCount(n), ~0ull);
      if (n % 64) live->back() = (1ull << (n % 64)) - 1;
    }
    s.live = std::move(live);
    s.live_private = true;
  }
  // Safe: private to `s` until the next Publish (see live_private).
  ClearBit(*const_cast<BitWords*>(s.live.get()), d);
  s.deleted.push_back(d);
  s.dirty = true;
}

Status CollectionImpl::DeleteInternal(const std::string& id, bool* found) {
  *found = false;
  auto it = buffer_ids_.find(id);
  if (it != buffer_ids_.end()) {
    buffer_dead_[it->second] = true;
    buffer_ids_.erase(it);
    buffer_acl_.erase(id);
    *found = true;
  }
  for (auto& s : segments_) {
    DocId d = s.reader->FindId(id);
    if (d == index::kNoDoc) continue;
    if (s.live && !TestBit(*s.live, d)) continue;
    MarkDeleted(s, d);
    *found = true;
  }
  return Status::OK();  // the caller publishes, once per batch
}

Status CollectionImpl::Delete(const std::string& id) {
  std::lock_guard<std::mutex> l(write_mu_);
  if (read_only_) return ReadOnlyError();
  // Check first, so that a delete of an unknown id writes nothing.
  bool exists = buffer_ids_.count(id) > 0;
  for (const auto& s : segments_) {
    DocId d = s.reader->FindId(id);
    if (d != index::kNoDoc && (!s.live || TestBit(*s.live, d))) exists = true;
  }
  if (!exists) return Status::NotFound("no document with id '" + id + "'");
  if (use_wal) GB_RETURN_IF_ERROR(wal_.Append(index::WalRecordType::kDelete, id));
  bool found;
  GB_RETURN_IF_ERROR(DeleteInternal(id, &found));
  Publish();  // a deletion is visible at once
  return Status::OK();
}

Status CollectionImpl::CommitLocked() {
  bool any_dirty = false;
  for (const auto& s : segments_) any_dirty |= s.dirty;
  if (buffer_->num_docs() == 0 && !any_dirty && wal_.size() == 0) return Status::OK();
  index::Manifest next = manifest_;
  next.generation++;
  // Embedding the new segment uses word statistics that include it
  // (BuildSegmentVectors); if the commit fails they go back to the published ones.
  // So does the common component the first vectors fix (cleared again).
  struct RestoreWordStatistics {
    CollectionImpl* c;
    bool had_common;
    ~RestoreWordStatistics() {
      if (!c) return;
      if (c->embedder_ && !had_common && !engine::NeedsCommonComponent(*c->embedder_)) {
        std::lock_guard<std::mutex> l(c->embedder_->mu);
        (void)engine::SetCommonComponent(*c->embedder_, {});
      }
      std::lock_guard<std::mutex> l(c->snap_mu_);
      c->prob_snap_ = c->snap_;
    }
  } restore{this, !embedder_ || !engine::NeedsCommonComponent(*embedder_)};
  std::vector<SegmentState> segs = segments_;
  std::vector<std::string> obsolete;
  if (buffer_->num_docs() > 0) {
    // Replacements: hide older versions of every buffered id, at this commit.
    for (const auto& [id, local] : buffer_ids_) {
      for (auto& s : segs) {
        DocId d = s.reader->FindId(id);
        if (d != index::kNoDoc && (!s.live || TestBit(*s.live, d))) MarkDeleted(s, d);
      }
    }
    SegmentState ns;
    ns.meta.name = FileName("seg-", next.next_file++, ".gbs");
    GB_RETURN_IF_ERROR(buffer_->Finish(dir_ + "/" + ns.meta.name));
    auto r = index::SegmentReader::Open(dir_ + "/" + ns.meta.name, residency_);
    if (!r.ok()) return r.status();
    ns.reader = r.value();
    ns.meta.docs = ns.reader->num_docs();
    for (DocId d = 0; d < buffer_dead_.size(); ++d)
      if (buffer_dead_[d]) MarkDeleted(ns, d);
    if (embedder_) GB_RETURN_IF_ERROR(BuildSegmentVectors(ns, next));
    segs.push_back(std::move(ns));
  }
  for (auto& s : segs) {
    if (!s.dirty) continue;
    if (!s.meta.del_file.empty()) obsolete.push_back(s.meta.del_file);
    s.meta.del_file = FileName((s.meta.name.substr(0, s.meta.name.size() - 4) + ".del-").c_str(), next.generation, "");
    GB_RETURN_IF_ERROR(index::WriteDeletions(dir_ + "/" + s.meta.del_file, s.deleted));
    s.meta.deleted = static_cast<uint32_t>(s.deleted.size());
    s.dirty = false;
  }
  // A fresh log for the writes after this commit.
  std::string old_wal = next.wal;
  next.wal = FileName("wal-", next.next_file++, ".log");
  {
    index::FileWriter w;
    GB_RETURN_IF_ERROR(w.Open(dir_ + "/" + next.wal));
    GB_RETURN_IF_ERROR(w.Close(true));
  }
  next.segments.clear();
  for (const auto& s : segs) next.segments.push_back(s.meta);
  GB_RETURN_IF_ERROR(next.Save(dir_));  // the commit point
  restore.c = nullptr;                   // Publish below sets them
  manifest_ = std::move(next);
  segments_ = std::move(segs);
  GB_RETURN_IF_ERROR(wal_.Close());
  GB_RETURN_IF_ERROR(wal_.Open(dir_ + "/" + manifest_.wal));
  std::error_code ec;
  fs::remove(dir_ + "/" + old_wal, ec);
  for (const auto& f : obsolete) fs::remove(dir_ + "/" + f, ec);
  buffer_ = std::make_unique<index::SegmentWriter>();
  buffer_ids_.clear();
  buffer_dead_.clear();
  buffer_acl_.clear();
  buffer_sources_.clear();
  pending_types_.clear();
  Publish();
  merge_failed_ = false;
  ScheduleBackgroundWork();
  return Status::OK();
}

Status CollectionImpl::Merge(size_t max_segments) {
  if (read_only_) return ReadOnlyError();
  std::lock_guard<std::mutex> m(merge_mu_);
  std::lock_guard<std::mutex> l(write_mu_);
  GB_RETURN_IF_ERROR(CommitLocked());
  return MergeLocked(std::max<size_t>(max_segments, 1));
}

Status CollectionImpl::MergeLocked(size_t max_segments) {
  // Also merge a lone segment that carries deletions, to reclaim them.
  bool single_with_deletes = segments_.size() == 1 && !segments_[0].deleted.empty() && max_segments == 1;
  if (segments_.size() <= max_segments && !single_with_deletes) return Status::OK();
  // Merge the smallest segments (by live documents) into one.
  std::vector<size_t> order(segments_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto live_docs = [&](size_t i) { return segments_[i].meta.docs - segments_[i].deleted.size(); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return live_docs(a) < live_docs(b); });
  size_t take = single_with_deletes ? 1 : segments_.size() - max_segments + 1;
  return MergeChosen(std::vector<size_t>(order.begin(), order.begin() + take));
}

Status CollectionImpl::MergeChosen(std::vector<size_t> chosen) {
  MergeJob job = StartMerge(std::move(chosen));
  Status s = RunMerge(job);
  if (s.ok()) s = FinishMerge(job);
  if (!s.ok()) AbandonMerge(job);
  return s;
}

MergeJob CollectionImpl::StartMerge(std::vector<size_t> chosen) {
  std::sort(chosen.begin(), chosen.end());
  MergeJob job;
  for (size_t i : chosen) {
    const SegmentState& in = segments_[i];
    job.names.push_back(in.meta.name);
    job.readers.push_back(in.reader);
    job.live.push_back(in.live);
    job.deleted.push_back(in.deleted);
    std::sort(job.deleted.back().begin(), job.deleted.back().end());
    job.vectors.push_back(in.vectors);
  }
  job.with_vectors = embedder_ != nullptr;
  job.int8_vectors = manifest_.int8_vectors;
  // Reserved now, saved with the next manifest; unused numbers are harmless.
  job.merged.meta.name = FileName("seg-", manifest_.next_file++, ".gbs");
  return job;
}

Status CollectionImpl::RunMerge(MergeJob& job) const {
  SegmentState& merged = job.merged;
  std::vector<std::vector<uint64_t>> live;
  for (const auto& l : job.live) live.push_back(l ? *l : std::vector<uint64_t>());
  const std::string path = dir_ + "/" + merged.meta.name;
  GB_RETURN_IF_ERROR(index::MergeSegments(job.readers, live, path));
  auto r = index::SegmentReader::Open(path, residency_);
  if (!r.ok()) return r.status();
  merged.reader = r.value();
  merged.meta.docs = merged.reader->num_docs();
  std::error_code ec;
  job.bytes = fs::file_size(path, ec);
  if (job.with_vectors) {
    std::vector<float> vecs;
    uint32_t dim = 0;
    for (size_t j = 0; j < job.readers.size(); ++j) {
      if (!job.vectors[j]) return Status::Corruption(dir_ + "/" + job.names[j] + ": has no vector file");
      dim = job.vectors[j]->index->dim();
      engine::CollectVectors(*job.vectors[j], job.live[j].get(), job.readers[j]->num_docs(), &vecs);
    }
    merged.meta.vec_file = merged.meta.name.substr(0, merged.meta.name.size() - 4) + ".vec";
    const std::string vec_path = dir_ + "/" + merged.meta.vec_file;
    GB_RETURN_IF_ERROR(engine::WriteVectorFile(vec_path, vecs, merged.meta.docs, dim, job.int8_vectors));
    auto v = engine::OpenVectorFile(vec_path, merged.meta.docs, residency_);
    if (!v.ok()) return v.status();
    merged.vectors = v.value();
    job.bytes += fs::file_size(vec_path, ec);
  }
  return Status::OK();
}

Status CollectionImpl::FinishMerge(MergeJob& job) {
  SegmentState& merged = job.merged;
  std::vector<size_t> chosen;
  for (const auto& name : job.names) {
    size_t i = 0;
    while (i < segments_.size() && segments_[i].meta.name != name) ++i;
    if (i == segments_.size())  // cannot happen: only merges remove segments, one at a time
      return Status::Corruption(dir_ + ": segment " + name + " vanished while it was being merged");
    chosen.push_back(i);
  }
  // Deletions (and replacements) since StartMerge. A live input document's
  // place in the output: the live documents of the inputs before it, plus
  // its own id less the documents deleted before it in its segment.
  uint64_t base = 0;
  for (size_t j = 0; j < chosen.size(); ++j) {
    const std::vector<uint32_t>& before = job.deleted[j];
    std::vector<uint32_t> now = segments_[chosen[j]].deleted, since;
    std::sort(now.begin(), now.end());
    std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::back_inserter(since));
    for (uint32_t d : since) {
      uint64_t out = base + d - static_cast<uint64_t>(std::lower_bound(before.begin(), before.end(), d) - before.begin());
      if (out >= merged.meta.docs)
        return Status::Corruption(dir_ + "/" + merged.meta.name + ": merged segment is missing documents of " +
                                  job.names[j]);
      MarkDeleted(merged, static_cast<DocId>(out));
    }
    base += job.readers[j]->num_docs() - before.size();
  }
  if (base != merged.meta.docs)
    return Status::Corruption(dir_ + "/" + merged.meta.name + ": holds " + std::to_string(merged.meta.docs) +
                              " documents, its inputs had " + std::to_string(base) + " live");
  index::Manifest next = manifest_;
  next.generation++;
  if (merged.dirty) {
    merged.meta.del_file =
        FileName((merged.meta.name.substr(0, merged.meta.name.size() - 4) + ".del-").c_str(), next.generation, "");
    GB_RETURN_IF_ERROR(index::WriteDeletions(dir_ + "/" + merged.meta.del_file, merged.deleted));
    merged.meta.deleted = static_cast<uint32_t>(merged.deleted.size());
    merged.dirty = false;
  }
  std::vector<SegmentState> segs;
  std::vector<std::string> obsolete;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) {
      segs.push_back(segments_[i]);
    } else {
      obsolete.push_back(segments_[i].meta.name);
      if (!segments_[i].meta.del_file.empty()) obsolete.push_back(segments_[i].meta.del_file);
      if (!segments_[i].meta.vec_file.empty()) obsolete.push_back(segments_[i].meta.vec_file);
    }
  }
  segs.push_back(merged);
  next.segments.clear();
  for (const auto& s : segs) next.segments.push_back(s.meta);
  GB_RETURN_IF_ERROR(next.Save(dir_));  // the commit point
  manifest_ = std::move(next);
  segments_ = std::move(segs);
  std::error_code ec;
  for (const auto& f : obsolete) fs::remove(dir_ + "/" + f, ec);  // open readers keep their mappings
  ++merges_;
  merge_bytes_ += job.bytes;
  Publish();
  merged_cv_.notify_all();
  return Status::OK();
}

void CollectionImpl::AbandonMerge(const MergeJob& job) const {
  std::error_code ec;
  const SegmentState& m = job.merged;
  fs::remove(dir_ + "/" + m.meta.name, ec);
  if (!m.meta.vec_file.empty()) fs::remove(dir_ + "/" + m.meta.vec_file, ec);
  if (!m.meta.del_file.empty()) fs::remove(dir_ + "/" + m.meta.del_file, ec);
}

void CollectionImpl::ScheduleBackgroundWork() {
  std::lock_guard<std::mutex> l(bg_mu_);
  if (bg_stop_) return;
  for (Worker* w : {&merge_worker_, &graph_worker_}) {
    if (w == &graph_worker_ && !embedder_) continue;  // no vectors, no graphs
    w->pending = true;
    if (w->thread.joinable()) continue;
    try {
      w->thread = std::thread([this, w] { BackgroundLoop(*w); });
    } catch (const std::system_error& e) {
      // Merging (or the graph) waits for the next commit; searches and writes go on.
      if (w == &merge_worker_) merge_failed_ = true;  // callers hold write_mu_ (or are still in Init)
      w->pending = false;
      if (bg_status_.ok())
        bg_status_ = Status::IOError(dir_ + ": cannot start the background " + w->what + " thread: " + e.what());
    }
  }
  bg_cv_.notify_all();
}

// Graph builds, merges and calibration yield the CPU to searches: on a small
// machine they otherwise share its cores with the queries (the load test's
// tail). Linux applies a thread's nice value to that thread alone; failure
// (another OS, a sandbox) changes nothing.
static void LowerThisThreadsPriority() {
  constexpr int kBackgroundNice = 10;
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && now < kBackgroundNice) (void)::setpriority(PRIO_PROCESS, tid, kBackgroundNice);
}

void CollectionImpl::BackgroundLoop(Worker& w) {
  LowerThisThreadsPriority();
  std::unique_lock<std::mutex> l(bg_mu_);
  for (;;) {
    bg_cv_.wait(l, [&] { return w.pending || bg_stop_; });
    if (!w.pending) return;  // stopping, and nothing is left to do
    w.pending = false;
    w.running = true;
    l.unlock();
    Status s;
    if (&w == &graph_worker_) {
      s = BackgroundGraphs();  // a failed graph is tried again at the next commit
    } else {
      s = BackgroundMerges();
      if (s.ok()) s = BackgroundCalibration();
    }
    l.lock();
    w.running = false;
    if (!s.ok() && bg_status_.ok()) bg_status_ = s;
    bg_idle_cv_.notify_all();
  }
}

Status CollectionImpl::BackgroundMerges() {
  for (;;) {
    std::lock_guard<std::mutex> m(merge_mu_);
    MergeJob job;
    {
      std::lock_guard<std::mutex> l(write_mu_);
      std::vector<uint64_t> live_docs;
      for (const auto& s : segments_) live_docs.push_back(s.meta.docs - s.deleted.size());
      std::vector<size_t> chosen = engine::ChooseTieredMerge(live_docs);
      if (chosen.empty()) return Status::OK();
      job = StartMerge(std::move(chosen));
    }
    Status s = RunMerge(job);
    if (s.ok()) {
      std::lock_guard<std::mutex> l(write_mu_);
      s = FinishMerge(job);
    }
    if (!s.ok()) {
      AbandonMerge(job);
      std::lock_guard<std::mutex> l(write_mu_);
      merge_failed_ = true;
      merged_cv_.notify_all();
      return s;
    }
  }
}

size_t CollectionImpl::SegmentLimit() const {
  uint64_t live = 0;
  for (const auto& s : segments_) live += s.meta.docs - s.deleted.size();
  return 2 * engine::TieredSegmentBound(live);
}

Status CollectionImpl::Refresh() {
  std::lock_guard<std::mutex> l(write_mu_);
  if (!read_only_) return Status::OK();  // a writer's view is always current
  auto m = index::Manifest::Load(dir_);
  if (!m.ok()) return m.status();
  if (m->generation == manifest_.generation) return Status::OK();
  index::Manifest old = manifest_;
  manifest_ = std::move(m.value());
  Status s = OpenSegmentsOfLatestManifest();
  if (!s.ok()) {
    manifest_ = std::move(old);
    return s;
  }
  Publish();
  return Status::OK();
}

double CollectionImpl::WordProbability(std::string_view word) {
  // Called by the static embedder under embedder_->mu.
  std::shared_ptr<const search::Snapshot> snap;
  {
    std::lock_guard<std::mutex> l(snap_mu_);
    snap = prob_snap_;
  }
  if (!snap || snap->total_tokens == 0) return 0;
  if (prob_cache_for_ != snap.get()) {
    prob_cache_.clear();
    prob_cache_for_ = snap.get();
  }
  auto it = prob_cache_.find(std::string(word));
  if (it != prob_cache_.end()) return it->second;
  // p(w) ~ collection frequency / tokens, estimated by document frequency of
  // the analyzed word (stop words and unknown words: 0 = let the model estimate).
  std::vector<text::Token> tokens;
  analyzer_->Analyze(word, &tokens);
  double p = 0;
  if (tokens.size() == 1)
    p = static_cast<double>(snap->DocFreq(tokens[0].term)) / static_cast<double>(snap->total_tokens);
  if (p > 1) p = 1;
  prob_cache_.emplace(std::string(word), p);
  return p;
}

Status CollectionImpl::OpenEmbedder() {
  if (manifest_.embedder == "none") return Status::OK();
  auto e = engine::MakeQueryEmbedder(manifest_.embedder, [this](std::string_view w) { return WordProbability(w); });
  if (!e.ok()) {
    // A reader can still search with BM25; a writer must embed what it adds.
    if (read_only_) return Status::OK();
    return e.status();
  }
  embedder_ = e.value();
  if (!manifest_.common_component.empty()) {
    auto u = engine::ReadFloats(dir_ + "/" + manifest_.common_component);
    if (!u.ok()) return u.status();
    GB_RETURN_IF_ERROR(engine::SetCommonComponent(*embedder_, *u));
  }
  const std::string& fp = embedder_->embedder->info().fingerprint;
  if (!manifest_.embedder_fingerprint.empty() && manifest_.embedder_fingerprint != fp)
    return Status::InvalidArgument("the vectors of " + dir_ + " were built by a different model (fingerprint " +
                                   manifest_.embedder_fingerprint + "); the configured embedder '" +
                                   manifest_.embedder + "' has fingerprint " + fp +
                                   ": queries would not be comparable. Use the original model or rebuild the collection");
  return Status::OK();
}

Status CollectionImpl::BuildSegmentVectors(SegmentState& s, index::Manifest& next) {
  // Word statistics including the new segment.
  {
    auto snap = std::make_shared<search::Snapshot>(*snapshot());
    snap->segments.push_back({s.reader, nullptr, s.live, 0});
    snap->ComputeStats();
    std::lock_guard<std::mutex> l(snap_mu_);
    prob_snap_ = snap;
  }
  std::vector<float> vecs;
  GB_RETURN_IF_ERROR(engine::EmbedSegment(*embedder_, *s.reader, &vecs));
  const uint32_t n = s.reader->num_docs();
  const uint32_t dim = n ? static_cast<uint32_t>(vecs.size() / n) : static_cast<uint32_t>(embedder_->embedder->info().dim);
  if (engine::NeedsCommonComponent(*embedder_) && n > 0) {
    // The first vectors of the collection fix the direction removed from all.
    std::vector<float> u = engine::ComputeCommonComponent(vecs.data(), n, dim);
    if (!u.empty()) {
      std::string name = FileName("common-", next.next_file++, ".f32");
      GB_RETURN_IF_ERROR(engine::WriteFloats(dir_ + "/" + name, u));
      {
        std::lock_guard<std::mutex> l(embedder_->mu);
        GB_RETURN_IF_ERROR(engine::SetCommonComponent(*embedder_, u));
      }
      engine::ApplyCommonComponent(vecs.data(), n, dim, u);
      next.common_component = name;
    }
  }
  next.embedder_fingerprint = embedder_->embedder->info().fingerprint;
  s.meta.vec_file = s.meta.name.substr(0, s.meta.name.size() - 4) + ".vec";
  // A large segment's graph is built in the background (BackgroundGraphs),
  // not under the write lock the next writer waits for; until then its
  // vectors are searched exactly.
  GB_RETURN_IF_ERROR(engine::WriteVectorFile(dir_ + "/" + s.meta.vec_file, vecs, n, dim, next.int8_vectors,
                                             n <= kInlineGraphDocs));
  auto v = engine::OpenVectorFile(dir_ + "/" + s.meta.vec_file, n, residency_);
  if (!v.ok()) return v.status();
  s.vectors = v.value();
  return Status::OK();
}

// The graph of a segment committed without one (BuildSegmentVectors): built
// from its stored vectors with no lock held, then published like a merge — a
// new vector file named in a new manifest (the commit point), the old one
// removed. A crash before the manifest is saved leaves the flat file in use
// and an unreferenced one that the next open removes; the graph is built again.
Status CollectionImpl::BackgroundGraphs() {
  // Not under merge_mu_: a merge may take the segment meanwhile (its output
  // has a graph of its own); the publish below then finds the segment gone or
  // its vectors replaced and drops this graph.
  for (;;) {
    std::string name, path;
    std::shared_ptr<const search::SegmentVectors> flat;
    uint32_t docs = 0;
    bool int8 = false;
    {
      std::lock_guard<std::mutex> l(write_mu_);
      for (const auto& s : segments_)
        if (s.vectors && s.vectors->index && !s.vectors->index->has_graph()) {
          name = s.meta.name;
          flat = s.vectors;
          docs = s.meta.docs;
          break;
        }
      if (name.empty()) return Status::OK();
      path = name.substr(0, name.size() - 4) + FileName(".vec-", manifest_.next_file++, "");
      int8 = manifest_.int8_vectors;
    }
    std::vector<float> vecs;
    engine::CollectVectors(*flat, nullptr, docs, &vecs);
    const uint32_t dim = flat->index->dim();
    Status st = engine::WriteVectorFile(dir_ + "/" + path, vecs, docs, dim, int8, true);
    std::shared_ptr<const search::SegmentVectors> graph;
    if (st.ok()) {
      auto v = engine::OpenVectorFile(dir_ + "/" + path, docs, residency_);
      if (v.ok())
        graph = v.value();
      else
        st = v.status();
    }
    std::error_code ec;
    if (!st.ok()) {
      fs::remove(dir_ + "/" + path, ec);
      return st;
    }
    std::lock_guard<std::mutex> l(write_mu_);
    auto it = std::find_if(segments_.begin(), segments_.end(), [&](const SegmentState& s) { return s.meta.name == name; });
    if (it == segments_.end() || it->vectors != flat) {  // gone meanwhile (an explicit Merge)
      fs::remove(dir_ + "/" + path, ec);
      continue;
    }
    index::Manifest next = manifest_;
    next.generation++;
    const std::string old_file = it->meta.vec_file;
    for (auto& sm : next.segments)
      if (sm.name == name) sm.vec_file = path;
    Status saved = next.Save(dir_);  // the commit point
    // (Not removed when the save fails: the manifest on disk may name it if
    // only the directory sync failed; the next open removes it if unnamed.)
    if (!saved.ok()) return saved;
    manifest_ = std::move(next);
    it->meta.vec_file = path;
    it->vectors = graph;
    Publish();
    fs::remove(dir_ + "/" + old_file, ec);
  }
}

Status CollectionImpl::BackgroundCalibration() {
  // Until it finishes, searches use the fusion in the manifest (the last
  // calibration, or the default blend).
  if (!embedder_ || !manifest_.calibrate_fusion) return Status::OK();
  std::shared_ptr<const search::Snapshot> snap;
  uint64_t docs = 0;
  {
    std::lock_guard<std::mutex> l(write_mu_);
    snap = snapshot();
    for (const auto& sv : snap->segments) docs += sv.reader->num_docs();
    if (docs < engine::kMinCalibrationDocs) return Status::OK();
    if (manifest_.calibrated_docs != 0 && docs < 2 * manifest_.calibrated_docs) return Status::OK();
  }
  auto result = engine::CalibrateFusion(snap);
  if (!result.ok()) return result.status();
  std::lock_guard<std::mutex> l(write_mu_);
  index::Manifest next = manifest_;
  next.generation++;
  next.fusion = "minmax";
  next.bm25_weight = result->bm25_weight;
  next.vector_weight = result->vector_weight;
  next.calibrated_docs = docs;
  GB_RETURN_IF_ERROR(next.Save(dir_));
  manifest_ = std::move(next);
  Publish();
  return Status::OK();
}

CollectionStats CollectionImpl::Stats() const {
  auto snap = snapshot();
  CollectionStats st;
  for (const auto& sv : snap->segments) {
    uint64_t n = sv.reader->num_docs(), live = n;
    if (sv.live)
      for (uint64_t w : *sv.live) live -= 64 - __builtin_popcountll(w);
    // Bits past num_docs in the last word were never set, so they count as dead; correct for that.
    if (sv.live && n % 64) live += 64 - n % 64;
    st.documents += live;
    st.deleted += n - live;
    st.terms += sv.reader->stats().terms;
  }
  st.segments = snap->segments.size();
  st.avg_doc_length = snap->doc_count ? static_cast<double>(snap->total_tokens) / snap->doc_count : 0;
  {
    std::lock_guard<std::mutex> l(write_mu_);
    st.buffered = buffer_ ? buffer_->num_docs() : 0;
    st.analyzer = manifest_.analyzer;
    st.k1 = manifest_.k1;
    st.b = manifest_.b;
    st.generation = manifest_.generation;
    st.embedder = manifest_.embedder;
    st.min_similarity = manifest_.min_similarity;
    st.merges = merges_;
    st.merge_bytes = merge_bytes_;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s bm25=%.3g vector=%.3g", manifest_.fusion.c_str(), manifest_.bm25_weight,
                  manifest_.vector_weight);
    st.fusion = embedder_ ? buf : "";
  }
  for (const auto& sv : snap->segments)
    if (sv.vectors) st.vectors += sv.vectors->index->size();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.is_regular_file(ec)) st.index_bytes += e.file_size(ec);
  return st;
}

}  // namespace

Result<std::unique_ptr<Collection>> Collection::Create(const std::string& dir, const CollectionOptions& options) {
  auto c = std::make_unique<CollectionImpl>(dir, false);
  GB_RETURN_IF_ERROR(c->Init(&options));
  return std::unique_ptr<Collection>(std::move(c));
}

Result<std::unique_ptr<Collection>> Collection::Open(const std::string& dir, bool read_only) {
  auto c = std::make_unique<CollectionImpl>(dir, read_only);
  GB_RETURN_IF_ERROR(c->Init(nullptr));
  return std::unique_ptr<Collection>(std::move(c));
}

}  // namespace glassbox
