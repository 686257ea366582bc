// Immutable segments: the on-disk unit of the index.
//
// A segment is one file "seg-<n>.gbs", written once by SegmentWriter and then
// only memory-mapped and read. Layout (all integers little-endian):
//
//   "GBSEG001"
//   section POSTINGS   per term: skip table, impacts, bit-packed doc/tf blocks
//   section POSITIONS  per term: per document, varint position gaps
//   section TERMS      sorted term dictionary (offsets + bytes + fixed records)
//   section NORMS      u32 token count per (document, text field)
//   section IDS        external ids: offsets, bytes, permutation sorted by id
//   section COLUMNS    f64 per (numeric/date metadata field, document), NaN = absent
//   section DOCSTORE   zstd-compressed chunks of encoded documents + chunk index
//   section SCHEMA     field names and types, token sums
//   footer             per section (offset u64, length u64, crc32c u32), count u32, crc u32, "GBSEGEND"
//
// Text fields share one posting list per term: field f of a document occupies
// positions [start_f, start_f + len_f) with start_f = sum of earlier fields'
// lengths + f (a one-position gap so phrases never span fields). Keyword
// metadata is indexed as non-positional terms "\x01<field>\x00<value>".
//
// Block-max metadata: postings are grouped in blocks of 128 documents; each
// block (and the whole term) records the Pareto frontier of (tf, doc length)
// pairs, from which the exact maximum BM25 of the block follows for any k1, b.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "glassbox/document.h"
#include "glassbox/status.h"
#include "index/file_util.h"
#include "index/coding.h"

namespace glassbox::index {

using DocId = uint32_t;
inline constexpr DocId kNoDoc = 0xffffffffu;

// Term key for a keyword metadata value.
std::string KeywordTerm(std::string_view field, std::string_view value);

struct FieldSchema {
  std::vector<std::string> text_fields;  // field id = index
  std::vector<std::pair<std::string, MetadataValue::Type>> metadata;
  int TextFieldId(std::string_view name) const;
  int MetadataIndex(std::string_view name) const;
};

// One analyzed text field of a document being added: its terms in position order.
struct AnalyzedField {
  std::string name;
  std::vector<std::string> terms;  // one per position, position = index
};

// Collects documents in memory, then writes them as one segment file.
class SegmentWriter {
 public:
  SegmentWriter();
  ~SegmentWriter();
  // Adds a document; returns its local doc id. Fails if a metadata field's
  // type differs from the type it had before in this segment.
  // `encoded`, when not empty, is EncodeDocument(stored) (saves encoding twice).
  Result<DocId> Add(const Document& stored, const std::vector<AnalyzedField>& fields, std::string_view encoded = {});
  DocId num_docs() const;
  // Rough bytes of memory held.
  size_t MemoryUsage() const;
  // Writes the segment and fsyncs it. Leaves the writer unchanged, so a
  // failed commit can be retried.
  Status Finish(const std::string& path);

 private:
  friend class SegmentMerger;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One (tf, doc length) pair of an impact frontier.
struct Impact {
  uint32_t tf;
  uint32_t doc_length;
};

struct TermInfo {
  uint64_t postings_offset = 0;   // absolute file offset of the skip table
  uint64_t positions_offset = 0;  // absolute file offset of the term's positions
  uint32_t df = 0;
  uint32_t flags = 0;             // bit 0: has positions
};

class SegmentReader;

// Iterates one term's postings in one segment.
class PostingIterator {
 public:
  PostingIterator(const SegmentReader* seg, const TermInfo& info);
  DocId doc() const { return doc_; }
  uint32_t tf() {
    if (!tfs_decoded_) DecodeTfs();
    return tfs_[idx_];
  }
  void Next() {
    if (++idx_ < block_len_) { doc_ = docs_[idx_]; return; }
    LoadBlock(block_ + 1);
  }
  void Advance(DocId target);
  // Chooses the block containing target (or the next one); returns its last doc.
  DocId ShallowAdvance(DocId target);
  // Impact frontier of the block chosen by ShallowAdvance / current block.
  void BlockImpacts(std::vector<Impact>* out) const;
  // Impact frontier of the whole term.
  void TermImpacts(std::vector<Impact>* out) const;
  size_t shallow_block() const { return shallow_block_; }
  uint32_t df() const { return info_.df; }
  // Positions of the current document (decoded on demand).
  void Positions(std::vector<uint32_t>* out);

 private:
  struct SkipEntry {
    uint32_t last_doc, data_offset, pos_offset, impact_offset;
  };
  SkipEntry Skip(size_t block) const;
  void LoadBlock(size_t block);
  void DecodeTfs();

  const SegmentReader* seg_;
  TermInfo info_;
  const char* base_;       // start of skip table
  size_t num_blocks_;
  size_t block_ = 0;       // current decoded block
  size_t shallow_block_ = 0;
  uint32_t block_len_ = 0;
  uint32_t idx_ = 0;
  DocId doc_ = kNoDoc;
  bool tfs_decoded_ = false;
  const char* tf_data_ = nullptr;
  int tf_bits_ = 0;
  uint32_t docs_[kBlockSize];
  uint32_t tfs_[kBlockSize];
  // positions: index of current doc's positions within the block
  uint32_t pos_doc_idx_ = 0;
  const char* pos_ptr_ = nullptr;
};

struct SegmentStats {
  uint32_t docs = 0;
  uint64_t total_tokens = 0;
  std::vector<uint64_t> field_tokens;  // per text field id
  uint64_t terms = 0;
  uint64_t file_bytes = 0;
};

class SegmentReader {
 public:
  // Maps (or reads into memory, see Residency) and verifies a segment file.
  // Corruption names the file and section.
  static Result<std::shared_ptr<SegmentReader>> Open(const std::string& path,
                                                     Residency residency = Residency::kMapped);
  ~SegmentReader();

  const std::string& path() const { return path_; }
  const FieldSchema& schema() const { return schema_; }
  const SegmentStats& stats() const { return stats_; }
  uint32_t num_docs() const { return stats_.docs; }

  bool FindTerm(std::string_view term, TermInfo* info) const;
  // Index of the first term >= `term` (num_terms() if none).
  size_t LowerBound(std::string_view term) const;
  // Bitmap of the documents that have any value for keyword metadata `field`
  // (computed once per field, then cached; thread-safe).
  std::shared_ptr<const std::vector<uint64_t>> DocsWithKeywordField(const std::string& field) const;
  // Totals over a subset of the documents, cached under `key` (a segment is
  // immutable, so the totals of a fixed subset never change; at most 256 keys
  // are kept). compute() fills them on the first call; thread-safe.
  struct SubsetTotals {
    uint64_t docs = 0;
    std::vector<uint64_t> field_tokens;  // per text field id
  };
  std::shared_ptr<const SubsetTotals> CachedSubsetTotals(const std::string& key,
                                                         const std::function<SubsetTotals()>& compute) const;
  // A set of documents (bit set = in the set) cached under `key`: a segment
  // is immutable, so a set defined by its content (the documents a principal
  // may see) never changes. compute() fills it on the first call; at most 256
  // keys are kept; thread-safe.
  std::shared_ptr<const std::vector<uint64_t>> CachedDocSet(const std::string& key,
                                                            const std::function<std::vector<uint64_t>()>& compute) const;
  // The set cached under `key`, or null when none is (never computes).
  std::shared_ptr<const std::vector<uint64_t>> FindDocSet(const std::string& key) const;
  // Term at dictionary index i (for merging), with its info.
  size_t num_terms() const { return num_terms_; }
  std::string_view TermAt(size_t i, TermInfo* info) const;

  // Tokens of document `doc`: total over text fields, or in one field.
  uint32_t DocLength(DocId doc) const;
  uint32_t FieldLength(DocId doc, int field) const {
    return GetFixed32(norms_ + (static_cast<size_t>(doc) * num_fields_ + field) * 4);
  }
  const char* norms() const { return norms_; }
  int num_fields() const { return num_fields_; }
  const uint32_t* doc_lengths() const { return doc_lengths_; }  // null if num_fields != 1

  std::string_view ExternalId(DocId doc) const;
  DocId FindId(std::string_view id) const;  // kNoDoc if absent
  // Numeric/date column value (NaN if absent); column index from schema().metadata.
  double ColumnValue(int metadata_index, DocId doc) const;
  bool HasColumn(int metadata_index) const;
  Result<Document> LoadDocument(DocId doc) const;

  const char* data() const { return data_; }

 private:
  SegmentReader() = default;
  Status Parse();

  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  FieldSchema schema_;
  SegmentStats stats_;
  // terms
  size_t num_terms_ = 0;
  const char* term_offsets_ = nullptr;  // u32[num_terms + 1]
  const char* term_bytes_ = nullptr;
  const char* term_records_ = nullptr;  // 24 bytes each
  // norms
  const char* norms_ = nullptr;
  int num_fields_ = 0;
  const uint32_t* doc_lengths_ = nullptr;
  std::vector<uint32_t> owned_lengths_;
  // ids
  const char* id_offsets_ = nullptr;
  const char* id_bytes_ = nullptr;
  const char* id_sorted_ = nullptr;
  // columns: metadata index -> base pointer (null when not numeric)
  std::vector<const char*> columns_;
  // doc store
  const char* store_ = nullptr;
  size_t store_len_ = 0;
  const char* chunk_index_ = nullptr;  // (u32 first_doc, u64 offset, u32 length) per chunk
  size_t num_chunks_ = 0;
  uint64_t postings_base_ = 0, positions_base_ = 0;
  mutable std::mutex subset_mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const SubsetTotals>> subset_totals_;
  mutable std::unordered_map<std::string, std::shared_ptr<const std::vector<uint64_t>>> doc_sets_;  // subset_mu_
  mutable std::mutex field_docs_mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const std::vector<uint64_t>>> field_docs_;
};

// Writes a new segment holding the live documents of `inputs` (in order).
// live[i] may be empty (all live) or a bitmap of num_docs bits.
Status MergeSegments(const std::vector<std::shared_ptr<SegmentReader>>& inputs,
                     const std::vector<std::vector<uint64_t>>& live, const std::string& path);

}  // namespace glassbox::index
