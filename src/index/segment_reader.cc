#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "index/doc_codec.h"
#include "index/bits.h"
#include "index/file_util.h"
#include "index/segment_format.h"

namespace glassbox::index {

// ---------------------------------------------------------------------------
// PostingIterator

PostingIterator::PostingIterator(const SegmentReader* seg, const TermInfo& info)
    : seg_(seg), info_(info), base_(seg->data() + info.postings_offset) {
  num_blocks_ = (info.df + kBlockSize - 1) / kBlockSize;
  if (num_blocks_ == 0) {
    doc_ = kNoDoc;
    return;
  }
  LoadBlock(0);
}

PostingIterator::SkipEntry PostingIterator::Skip(size_t block) const {
  SkipEntry e;
  std::memcpy(&e, base_ + block * kSkipEntrySize, sizeof e);
  return e;
}

void PostingIterator::LoadBlock(size_t block) {
  if (block >= num_blocks_) {
    block_ = num_blocks_;
    doc_ = kNoDoc;
    block_len_ = 0;
    idx_ = 0;
    return;
  }
  uint32_t prev = block == 0 ? 0 : GetFixed32(base_ + (block - 1) * kSkipEntrySize);
  SkipEntry e = Skip(block);
  const char* p = base_ + e.data_offset;
  block_ = block;
  if (shallow_block_ < block) shallow_block_ = block;
  idx_ = 0;
  pos_doc_idx_ = 0;
  pos_ptr_ = nullptr;
  const bool full = (block + 1 < num_blocks_) || (info_.df % kBlockSize == 0);
  if (full) {
    block_len_ = kBlockSize;
    int dbits = static_cast<unsigned char>(p[0]);
    tf_bits_ = static_cast<unsigned char>(p[1]);
    p = UnpackBlock(p + 2, dbits, docs_);
    uint32_t d = prev;
    for (int i = 0; i < kBlockSize; ++i) { d += docs_[i]; docs_[i] = d; }
    tf_data_ = p;
    tfs_decoded_ = false;
  } else {
    block_len_ = info_.df % kBlockSize;
    uint32_t d = prev;
    for (uint32_t i = 0; i < block_len_; ++i) {
      uint32_t delta, tf;
      p = GetVarint32Unchecked(p, &delta);
      p = GetVarint32Unchecked(p, &tf);
      d += delta;
      docs_[i] = d;
      tfs_[i] = tf;
    }
    tfs_decoded_ = true;
  }
  doc_ = docs_[0];
}

void PostingIterator::DecodeTfs() {
  UnpackBlock(tf_data_, tf_bits_, tfs_);
  for (int i = 0; i < kBlockSize; ++i) tfs_[i] += 1;
  tfs_decoded_ = true;
}

DocId PostingIterator::ShallowAdvance(DocId target) {
  size_t b = std::max(shallow_block_, block_);
  while (b < num_blocks_ && GetFixed32(base_ + b * kSkipEntrySize) < target) ++b;
  shallow_block_ = b;
  return b < num_blocks_ ? GetFixed32(base_ + b * kSkipEntrySize) : kNoDoc;
}

void PostingIterator::Advance(DocId target) {
  if (doc_ >= target) return;
  if (block_ < num_blocks_ && GetFixed32(base_ + block_ * kSkipEntrySize) < target) {
    // Skip whole blocks using the skip table (galloping then linear).
    size_t b = block_ + 1;
    size_t step = 1;
    while (b + step < num_blocks_ && GetFixed32(base_ + (b + step) * kSkipEntrySize) < target) {
      b += step;
      step <<= 1;
    }
    while (b < num_blocks_ && GetFixed32(base_ + b * kSkipEntrySize) < target) ++b;
    LoadBlock(b);
    if (doc_ >= target || doc_ == kNoDoc) return;
  }
  // Within the block: linear scan (blocks are small).
  while (idx_ + 1 < block_len_ && docs_[idx_ + 1] < target) ++idx_;
  ++idx_;
  if (idx_ < block_len_) {
    doc_ = docs_[idx_];
  } else {
    LoadBlock(block_ + 1);
  }
  // After LoadBlock the first doc may still be below target only if the block's
  // last doc >= target, so one more linear pass finishes the job.
  if (doc_ < target) {
    while (idx_ < block_len_ && docs_[idx_] < target) ++idx_;
    doc_ = idx_ < block_len_ ? docs_[idx_] : kNoDoc;
  }
}

namespace {
void ReadImpacts(const char* p, std::vector<Impact>* out) {
  uint32_t n, tf, len;
  p = GetVarint32Unchecked(p, &n);
  for (uint32_t i = 0; i < n; ++i) {
    p = GetVarint32Unchecked(p, &tf);
    p = GetVarint32Unchecked(p, &len);
    out->push_back({tf, len});
  }
}
}  // namespace

void PostingIterator::TermImpacts(std::vector<Impact>* out) const {
  out->clear();
  if (num_blocks_ > 0) ReadImpacts(base_ + num_blocks_ * kSkipEntrySize, out);
}

void PostingIterator::BlockImpacts(std::vector<Impact>* out) const {
  out->clear();
  if (shallow_block_ >= num_blocks_) return;
  ReadImpacts(base_ + Skip(shallow_block_).impact_offset, out);
}

void PostingIterator::Positions(std::vector<uint32_t>* out) {
  out->clear();
  if (!(info_.flags & 1) || doc_ == kNoDoc) return;
  if (!tfs_decoded_) DecodeTfs();
  if (pos_ptr_ == nullptr || pos_doc_idx_ > idx_) {
    pos_ptr_ = seg_->data() + info_.positions_offset + Skip(block_).pos_offset;
    pos_doc_idx_ = 0;
  }
  uint32_t v;
  while (pos_doc_idx_ < idx_) {
    for (uint32_t k = 0; k < tfs_[pos_doc_idx_]; ++k) pos_ptr_ = GetVarint32Unchecked(pos_ptr_, &v);
    ++pos_doc_idx_;
  }
  const char* p = pos_ptr_;
  uint32_t last = 0;
  for (uint32_t k = 0; k < tfs_[idx_]; ++k) {
    p = GetVarint32Unchecked(p, &v);
    last += v;
    out->push_back(last);
  }
}

// ---------------------------------------------------------------------------
// SegmentReader

SegmentReader::~SegmentReader() {
  // The file's bytes (mapped or in memory) are owned by the deleter Open gives the shared_ptr.
}

Result<std::shared_ptr<SegmentReader>> SegmentReader::Open(const std::string& path, Residency residency) {
  auto file = std::make_shared<MappedFile>();
  GB_RETURN_IF_ERROR(file->Open(path, residency));
  auto reader = std::shared_ptr<SegmentReader>(new SegmentReader(), [file](SegmentReader* r) { delete r; });
  reader->path_ = path;
  reader->data_ = file->data();
  reader->size_ = file->size();
  GB_RETURN_IF_ERROR(reader->Parse());
  return reader;
}

Status SegmentReader::Parse() {
  auto corrupt = [&](const std::string& what) { return Status::Corruption(path_ + ": " + what); };
  const size_t footer_len = kNumSections * 20 + 8 + 8;
  if (size_ < 8 + footer_len || std::memcmp(data_, kSegmentMagic, 8) != 0)
    return corrupt("not a Glassbox segment file (bad header)");
  if (std::memcmp(data_ + size_ - 8, kSegmentEndMagic, 8) != 0) return corrupt("truncated (missing footer)");
  const char* footer = data_ + size_ - footer_len;
  if (GetFixed32(footer + kNumSections * 20) != kNumSections) return corrupt("unexpected section count");
  if (GetFixed32(footer + kNumSections * 20 + 4) != Crc32c(footer, kNumSections * 20 + 4))
    return corrupt("footer checksum mismatch");
  const char* sec[kNumSections];
  size_t len[kNumSections];
  for (int s = 0; s < kNumSections; ++s) {
    uint64_t off = GetFixed64(footer + s * 20), n = GetFixed64(footer + s * 20 + 8);
    if (off > size_ || n > size_ - off) return corrupt(std::string(kSectionNames[s]) + " section out of bounds");
    sec[s] = data_ + off;
    len[s] = n;
    if (Crc32c(sec[s], n) != GetFixed32(footer + s * 20 + 16))
      return corrupt(std::string("checksum mismatch in ") + kSectionNames[s] + " section");
  }
  stats_.file_bytes = size_;
  // SCHEMA
  {
    const char* p = sec[kSchema];
    const char* limit = p + len[kSchema];
    uint64_t n, v;
    std::string_view s;
    if (!(p = GetVarint(p, limit, &n))) return corrupt("bad schema");
    for (uint64_t i = 0; i < n; ++i) {
      if (!(p = GetLengthPrefixed(p, limit, &s))) return corrupt("bad schema");
      schema_.text_fields.emplace_back(s);
    }
    if (!(p = GetVarint(p, limit, &n))) return corrupt("bad schema");
    for (uint64_t i = 0; i < n; ++i) {
      if (!(p = GetLengthPrefixed(p, limit, &s)) || p >= limit) return corrupt("bad schema");
      auto type = static_cast<unsigned char>(*p++);
      if (type > 2) return corrupt("bad metadata type in schema");
      schema_.metadata.emplace_back(std::string(s), static_cast<MetadataValue::Type>(type));
    }
    if (!(p = GetVarint(p, limit, &v))) return corrupt("bad schema");
    stats_.docs = static_cast<uint32_t>(v);
    if (!(p = GetVarint(p, limit, &stats_.total_tokens))) return corrupt("bad schema");
    for (size_t f = 0; f < schema_.text_fields.size(); ++f) {
      if (!(p = GetVarint(p, limit, &v))) return corrupt("bad schema");
      stats_.field_tokens.push_back(v);
    }
    if (!(p = GetVarint(p, limit, &stats_.terms))) return corrupt("bad schema");
  }
  const size_t ndocs = stats_.docs;
  num_fields_ = static_cast<int>(schema_.text_fields.size());
  // TERMS
  {
    if (len[kTerms] < 8) return corrupt("bad term dictionary");
    num_terms_ = GetFixed32(sec[kTerms]);
    size_t need = 4 + (num_terms_ + 1) * 4 + num_terms_ * kTermRecordSize;
    if (need > len[kTerms]) return corrupt("bad term dictionary");
    term_offsets_ = sec[kTerms] + 4;
    term_records_ = term_offsets_ + (num_terms_ + 1) * 4;
    term_bytes_ = term_records_ + num_terms_ * kTermRecordSize;
    if (GetFixed32(term_offsets_ + num_terms_ * 4) != len[kTerms] - need) return corrupt("bad term dictionary");
    for (size_t i = 0; i < num_terms_; ++i) {
      const char* r = term_records_ + i * kTermRecordSize;
      uint64_t po = GetFixed64(r), qo = GetFixed64(r + 8);
      if (po >= len[kPostings] || qo > len[kPositions]) return corrupt("term postings out of bounds");
      // Store absolute offsets in memory: rewrite not possible (read-only map), so
      // TermAt/FindTerm add the section bases.
    }
    postings_base_ = static_cast<uint64_t>(sec[kPostings] - data_);
    positions_base_ = static_cast<uint64_t>(sec[kPositions] - data_);
  }
  // NORMS
  if (len[kNorms] != ndocs * num_fields_ * 4) return corrupt("norms size mismatch");
  norms_ = sec[kNorms];
  if (num_fields_ == 1) {
    doc_lengths_ = reinterpret_cast<const uint32_t*>(norms_);
  } else {
    owned_lengths_.assign(ndocs, 0);
    for (size_t d = 0; d < ndocs; ++d)
      for (int f = 0; f < num_fields_; ++f) owned_lengths_[d] += FieldLength(static_cast<DocId>(d), f);
    doc_lengths_ = owned_lengths_.data();
  }
  // IDS
  {
    size_t need = (ndocs + 1) * 4 + ndocs * 4;
    if (len[kIds] < need) return corrupt("bad id table");
    id_offsets_ = sec[kIds];
    id_sorted_ = id_offsets_ + (ndocs + 1) * 4;
    id_bytes_ = id_sorted_ + ndocs * 4;
    if (GetFixed32(id_offsets_ + ndocs * 4) != len[kIds] - need) return corrupt("bad id table");
  }
  // COLUMNS
  {
    columns_.assign(schema_.metadata.size(), nullptr);
    if (len[kColumns] < 4) return corrupt("bad columns");
    uint32_t n = GetFixed32(sec[kColumns]);
    const char* p = sec[kColumns] + 4;
    if (len[kColumns] != 4 + static_cast<size_t>(n) * (4 + ndocs * 8)) return corrupt("bad columns");
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t mi = GetFixed32(p);
      if (mi >= columns_.size()) return corrupt("bad column index");
      columns_[mi] = p + 4;
      p += 4 + ndocs * 8;
    }
  }
  // DOCSTORE
  {
    if (len[kDocStore] < 4) return corrupt("bad document store");
    num_chunks_ = GetFixed32(sec[kDocStore] + len[kDocStore] - 4);
    if (num_chunks_ * kChunkIndexEntrySize + 4 > len[kDocStore]) return corrupt("bad document store");
    store_ = sec[kDocStore];
    store_len_ = len[kDocStore] - 4 - num_chunks_ * kChunkIndexEntrySize;
    chunk_index_ = store_ + store_len_;
  }
  return Status::OK();
}

size_t SegmentReader::LowerBound(std::string_view term) const {
  size_t lo = 0, hi = num_terms_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    TermInfo tmp;
    if (TermAt(mid, &tmp) < term) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

bool SegmentReader::FindTerm(std::string_view term, TermInfo* info) const {
  size_t i = LowerBound(term);
  return i < num_terms_ && TermAt(i, info) == term;
}

std::shared_ptr<const SegmentReader::SubsetTotals> SegmentReader::CachedSubsetTotals(
    const std::string& key, const std::function<SubsetTotals()>& compute) const {
  {
    std::lock_guard<std::mutex> l(subset_mu_);
    auto it = subset_totals_.find(key);
    if (it != subset_totals_.end()) return it->second;
  }
  auto totals = std::make_shared<const SubsetTotals>(compute());
  std::lock_guard<std::mutex> l(subset_mu_);
  if (subset_totals_.size() >= 256) subset_totals_.clear();  // bounded: start over rather than grow
  subset_totals_.emplace(key, totals);
  return totals;
}

std::shared_ptr<const std::vector<uint64_t>> SegmentReader::CachedDocSet(
    const std::string& key, const std::function<std::vector<uint64_t>()>& compute) const {
  {
    std::lock_guard<std::mutex> l(subset_mu_);
    auto it = doc_sets_.find(key);
    if (it != doc_sets_.end()) return it->second;
  }
  auto set = std::make_shared<const std::vector<uint64_t>>(compute());
  std::lock_guard<std::mutex> l(subset_mu_);
  if (doc_sets_.size() >= 256) doc_sets_.clear();  // bounded: start over rather than grow
  doc_sets_.emplace(key, set);
  return set;
}

std::shared_ptr<const std::vector<uint64_t>> SegmentReader::FindDocSet(const std::string& key) const {
  std::lock_guard<std::mutex> l(subset_mu_);
  auto it = doc_sets_.find(key);
  return it == doc_sets_.end() ? nullptr : it->second;
}

std::shared_ptr<const std::vector<uint64_t>> SegmentReader::DocsWithKeywordField(const std::string& field) const {
  std::lock_guard<std::mutex> l(field_docs_mu_);
  auto it = field_docs_.find(field);
  if (it != field_docs_.end()) return it->second;
  auto bits = std::make_shared<BitWords>(BitWordCount(stats_.docs), 0);
  const std::string prefix = KeywordTerm(field, "");
  TermInfo info;
  for (size_t i = LowerBound(prefix); i < num_terms_; ++i) {
    std::string_view t = TermAt(i, &info);
    if (t.substr(0, prefix.size()) != prefix) break;
    for (PostingIterator pi(this, info); pi.doc() != kNoDoc; pi.Next()) SetBit(*bits, pi.doc());
  }
  field_docs_.emplace(field, bits);
  return bits;
}

std::string_view SegmentReader::TermAt(size_t i, TermInfo* info) const {
  const char* r = term_records_ + i * kTermRecordSize;
  info->postings_offset = postings_base_ + GetFixed64(r);
  info->positions_offset = positions_base_ + GetFixed64(r + 8);
  info->df = GetFixed32(r + 16);
  info->flags = GetFixed32(r + 20);
  uint32_t a = GetFixed32(term_offsets_ + i * 4), b = GetFixed32(term_offsets_ + (i + 1) * 4);
  return std::string_view(term_bytes_ + a, b - a);
}

uint32_t SegmentReader::DocLength(DocId doc) const { return doc_lengths_[doc]; }

std::string_view SegmentReader::ExternalId(DocId doc) const {
  uint32_t a = GetFixed32(id_offsets_ + doc * 4), b = GetFixed32(id_offsets_ + (doc + 1) * 4);
  return std::string_view(id_bytes_ + a, b - a);
}

DocId SegmentReader::FindId(std::string_view id) const {
  size_t lo = 0, hi = stats_.docs;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (ExternalId(GetFixed32(id_sorted_ + mid * 4)) < id) lo = mid + 1;
    else hi = mid;
  }
  if (lo < stats_.docs) {
    DocId d = GetFixed32(id_sorted_ + lo * 4);
    if (ExternalId(d) == id) return d;
  }
  return kNoDoc;
}

bool SegmentReader::HasColumn(int mi) const { return mi >= 0 && mi < static_cast<int>(columns_.size()) && columns_[mi]; }

double SegmentReader::ColumnValue(int mi, DocId doc) const { return GetDouble(columns_[mi] + doc * 8); }

Result<Document> SegmentReader::LoadDocument(DocId doc) const {
  if (doc >= stats_.docs) return Status::NotFound(path_ + ": no document " + std::to_string(doc));
  // Find the chunk whose first_doc <= doc.
  size_t lo = 0, hi = num_chunks_;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (GetFixed32(chunk_index_ + mid * kChunkIndexEntrySize) <= doc) lo = mid;
    else hi = mid;
  }
  const char* e = chunk_index_ + lo * kChunkIndexEntrySize;
  uint32_t first = GetFixed32(e);
  uint64_t off = GetFixed64(e + 4);
  uint32_t clen = GetFixed32(e + 12);
  auto corrupt = [&] { return Status::Corruption(path_ + ": bad document store chunk " + std::to_string(lo)); };
  if (off > store_len_ || clen > store_len_ - off) return corrupt();
  unsigned long long raw_len = ZSTD_getFrameContentSize(store_ + off, clen);
  if (raw_len == ZSTD_CONTENTSIZE_ERROR || raw_len == ZSTD_CONTENTSIZE_UNKNOWN || raw_len > (1ull << 30)) return corrupt();
  thread_local std::string raw;
  raw.resize(raw_len);
  size_t got = ZSTD_decompress(raw.data(), raw.size(), store_ + off, clen);
  if (ZSTD_isError(got) || got != raw_len || raw_len < 8) return corrupt();
  uint32_t n = GetFixed32(raw.data());
  uint32_t i = doc - first;
  if (i >= n || raw_len < 4 + (n + 1) * 4ull) return corrupt();
  uint32_t a = GetFixed32(raw.data() + 4 + i * 4), b = GetFixed32(raw.data() + 4 + (i + 1) * 4);
  const char* body = raw.data() + 4 + (n + 1) * 4;
  if (a > b || body + b > raw.data() + raw.size()) return corrupt();
  Document d;
  if (!DecodeDocument(std::string_view(body + a, b - a), &d)) return corrupt();
  return d;
}

}  // namespace glassbox::index
