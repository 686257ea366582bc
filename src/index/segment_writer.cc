#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "index/doc_codec.h"
#include "index/bits.h"
#include "index/file_util.h"
#include "index/segment_format.h"

namespace glassbox::index {

std::string KeywordTerm(std::string_view field, std::string_view value) {
  std::string t;
  t.reserve(field.size() + value.size() + 2);
  t.push_back('\x01');
  t.append(field);
  t.push_back('\0');
  t.append(value);
  return t;
}

int FieldSchema::TextFieldId(std::string_view name) const {
  for (size_t i = 0; i < text_fields.size(); ++i)
    if (text_fields[i] == name) return static_cast<int>(i);
  return -1;
}

int FieldSchema::MetadataIndex(std::string_view name) const {
  for (size_t i = 0; i < metadata.size(); ++i)
    if (metadata[i].first == name) return static_cast<int>(i);
  return -1;
}

std::vector<Impact> ParetoFrontier(std::vector<Impact> pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const Impact& a, const Impact& b) {
    return a.tf != b.tf ? a.tf > b.tf : a.doc_length < b.doc_length;
  });
  std::vector<Impact> out;
  uint32_t best_len = 0xffffffffu;
  for (const Impact& p : pairs) {
    if (p.doc_length < best_len) {
      out.push_back(p);
      best_len = p.doc_length;
    }
  }
  if (out.size() > kMaxFrontier) {
    Impact coarse{out.front().tf, out.back().doc_length};
    out.assign(1, coarse);
  }
  return out;
}

namespace {

void PutImpacts(const std::vector<Impact>& f, std::string* dst) {
  PutVarint(dst, f.size());
  for (const Impact& p : f) {
    PutVarint(dst, p.tf);
    PutVarint(dst, p.doc_length);
  }
}

void PutFixed32At(std::string* dst, size_t at, uint32_t v) { std::memcpy(dst->data() + at, &v, 4); }

}  // namespace

void EncodeTerm(const std::vector<uint32_t>& docs, const std::vector<uint32_t>& tfs,
                const std::vector<uint32_t>& positions, bool has_positions,
                const std::vector<uint32_t>& doc_lengths, std::string* postings, std::string* positions_out,
                TermInfo* info) {
  const size_t n = docs.size();
  const size_t nblocks = (n + kBlockSize - 1) / kBlockSize;
  info->postings_offset = postings->size();
  info->positions_offset = positions_out->size();
  info->df = static_cast<uint32_t>(n);
  info->flags = has_positions ? 1 : 0;

  const size_t term_start = postings->size();
  postings->resize(term_start + nblocks * kSkipEntrySize);

  // Block frontiers first (they precede the data), then data.
  std::vector<std::vector<Impact>> frontiers(nblocks);
  std::vector<Impact> all;
  for (size_t b = 0; b < nblocks; ++b) {
    size_t lo = b * kBlockSize, hi = std::min(n, lo + kBlockSize);
    std::vector<Impact> pairs;
    pairs.reserve(hi - lo);
    for (size_t i = lo; i < hi; ++i) pairs.push_back({tfs[i], doc_lengths[docs[i]]});
    frontiers[b] = ParetoFrontier(std::move(pairs));
    all.insert(all.end(), frontiers[b].begin(), frontiers[b].end());
  }
  PutImpacts(ParetoFrontier(std::move(all)), postings);
  std::vector<uint32_t> impact_offsets(nblocks);
  for (size_t b = 0; b < nblocks; ++b) {
    impact_offsets[b] = static_cast<uint32_t>(postings->size() - term_start);
    PutImpacts(frontiers[b], postings);
  }

  uint32_t prev = 0;
  size_t pos_i = 0;
  uint32_t vals[kBlockSize];
  for (size_t b = 0; b < nblocks; ++b) {
    size_t lo = b * kBlockSize, hi = std::min(n, lo + kBlockSize);
    size_t entry = term_start + b * kSkipEntrySize;
    PutFixed32At(postings, entry, docs[hi - 1]);
    PutFixed32At(postings, entry + 4, static_cast<uint32_t>(postings->size() - term_start));
    PutFixed32At(postings, entry + 8, static_cast<uint32_t>(positions_out->size() - info->positions_offset));
    PutFixed32At(postings, entry + 12, impact_offsets[b]);
    if (hi - lo == kBlockSize) {
      uint32_t max_delta = 0, max_tf = 0;
      for (size_t i = lo; i < hi; ++i) {
        vals[i - lo] = docs[i] - prev;
        prev = docs[i];
        max_delta = std::max(max_delta, vals[i - lo]);
      }
      int dbits = BitWidth(max_delta);
      for (size_t i = lo; i < hi; ++i) max_tf = std::max(max_tf, tfs[i] - 1);
      int tbits = BitWidth(max_tf);
      postings->push_back(static_cast<char>(dbits));
      postings->push_back(static_cast<char>(tbits));
      PackBlock(vals, dbits, postings);
      for (size_t i = lo; i < hi; ++i) vals[i - lo] = tfs[i] - 1;
      PackBlock(vals, tbits, postings);
    } else {
      for (size_t i = lo; i < hi; ++i) {
        PutVarint(postings, docs[i] - prev);
        prev = docs[i];
        PutVarint(postings, tfs[i]);
      }
    }
    if (has_positions) {
      for (size_t i = lo; i < hi; ++i) {
        uint32_t last = 0;
        for (uint32_t k = 0; k < tfs[i]; ++k) {
          uint32_t p = positions[pos_i++];
          PutVarint(positions_out, p - last);
          last = p;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// SegmentFile: assembles sections and writes the file.

namespace {

class DocStoreBuilder {
 public:
  void Add(std::string_view encoded) {
    if (!pending_offsets_.empty() && pending_.size() + encoded.size() > kDocStoreChunkBytes) Flush();
    if (pending_offsets_.empty()) first_doc_ = next_doc_;
    pending_offsets_.push_back(static_cast<uint32_t>(pending_.size()));
    pending_ += encoded;
    ++next_doc_;
  }
  // Returns the section bytes. The builder is left as it was (a failed
  // commit retries with the same documents).
  std::string Finish() const {
    std::string out = data_;
    std::vector<Entry> index = index_;
    Compress(pending_offsets_, pending_, first_doc_, &out, &index);
    for (const auto& e : index) {
      PutFixed32(&out, e.first_doc);
      PutFixed64(&out, e.offset);
      PutFixed32(&out, e.length);
    }
    PutFixed32(&out, static_cast<uint32_t>(index.size()));
    return out;
  }
  size_t bytes() const { return data_.size() + pending_.size(); }

 private:
  struct Entry {
    uint32_t first_doc;
    uint64_t offset;
    uint32_t length;
  };
  void Flush() {
    Compress(pending_offsets_, pending_, first_doc_, &data_, &index_);
    pending_.clear();
    pending_offsets_.clear();
  }
  // Appends one zstd chunk of the pending documents to *data and its entry to *index.
  static void Compress(const std::vector<uint32_t>& offsets, const std::string& pending, uint32_t first_doc,
                       std::string* data, std::vector<Entry>* index) {
    if (offsets.empty()) return;
    std::string raw;
    PutFixed32(&raw, static_cast<uint32_t>(offsets.size()));
    for (uint32_t o : offsets) PutFixed32(&raw, o);
    PutFixed32(&raw, static_cast<uint32_t>(pending.size()));
    raw += pending;
    std::string compressed(ZSTD_compressBound(raw.size()), '\0');
    size_t len = ZSTD_compress(compressed.data(), compressed.size(), raw.data(), raw.size(), 3);
    compressed.resize(len);
    index->push_back({first_doc, data->size(), static_cast<uint32_t>(len)});
    *data += compressed;
  }
  std::string data_, pending_;
  std::vector<uint32_t> pending_offsets_;
  std::vector<Entry> index_;
  uint32_t first_doc_ = 0, next_doc_ = 0;
};

// Everything but the postings, per document.
struct DocTables {
  FieldSchema schema;
  std::vector<uint32_t> norms;  // [doc * kMaxFieldsSeen + field] — stored densely at finish
  std::vector<std::vector<uint32_t>> field_lengths;  // per doc, per field id
  std::vector<std::string> ids;
  std::vector<std::vector<double>> columns;  // per metadata index (numeric types only filled)
  DocStoreBuilder store;

  Status CheckAndAddSchema(const Document& doc, std::vector<int>* meta_idx) {
    meta_idx->clear();
    for (const auto& [name, value] : doc.metadata) {
      int mi = schema.MetadataIndex(name);
      if (mi < 0) {
        schema.metadata.emplace_back(name, value.type);
        columns.emplace_back();
        mi = static_cast<int>(schema.metadata.size()) - 1;
      } else if (schema.metadata[mi].second != value.type) {
        static const char* kTypes[] = {"keyword", "number", "date"};
        return Status::InvalidArgument("document '" + doc.id + "': metadata field '" + name + "' is a " +
                                       kTypes[static_cast<int>(value.type)] + " here but a " +
                                       kTypes[static_cast<int>(schema.metadata[mi].second)] +
                                       " in earlier documents");
      }
      meta_idx->push_back(mi);
    }
    return Status::OK();
  }

  void AddDoc(const Document& doc, const std::vector<int>& meta_idx, std::vector<uint32_t> lengths,
              std::string_view encoded = {}) {
    DocId d = static_cast<DocId>(ids.size());
    ids.push_back(doc.id);
    field_lengths.push_back(std::move(lengths));
    for (size_t i = 0; i < doc.metadata.size(); ++i) {
      const MetadataValue& v = doc.metadata[i].second;
      if (v.type == MetadataValue::Type::kKeyword) continue;
      auto& col = columns[meta_idx[i]];
      if (col.size() <= d) col.resize(d + 1, std::nan(""));
      col[d] = v.number;
    }
    if (encoded.empty()) {
      std::string enc;
      EncodeDocument(doc, &enc);
      store.Add(enc);
    } else {
      store.Add(encoded);
    }
  }

  std::vector<uint32_t> TotalLengths() const {
    std::vector<uint32_t> out(ids.size());
    for (size_t d = 0; d < ids.size(); ++d)
      out[d] = std::accumulate(field_lengths[d].begin(), field_lengths[d].end(), 0u);
    return out;
  }
};

Status WriteSegmentFile(const std::string& path, const DocTables& t, const std::string& postings,
                        const std::string& positions, const std::vector<std::string>& terms,
                        const std::vector<TermInfo>& infos) {
  const size_t ndocs = t.ids.size();
  const size_t nfields = t.schema.text_fields.size();
  std::string sections[kNumSections];
  // TERMS
  {
    std::string& s = sections[kTerms];
    PutFixed32(&s, static_cast<uint32_t>(terms.size()));
    uint32_t off = 0;
    for (const auto& term : terms) { PutFixed32(&s, off); off += static_cast<uint32_t>(term.size()); }
    PutFixed32(&s, off);
    for (const auto& info : infos) {
      PutFixed64(&s, info.postings_offset);
      PutFixed64(&s, info.positions_offset);
      PutFixed32(&s, info.df);
      PutFixed32(&s, info.flags);
    }
    for (const auto& term : terms) s += term;
  }
  // NORMS
  std::vector<uint64_t> field_tokens(nfields, 0);
  uint64_t total_tokens = 0;
  {
    std::string& s = sections[kNorms];
    s.reserve(ndocs * nfields * 4);
    for (size_t d = 0; d < ndocs; ++d)
      for (size_t f = 0; f < nfields; ++f) {
        uint32_t len = f < t.field_lengths[d].size() ? t.field_lengths[d][f] : 0;
        PutFixed32(&s, len);
        field_tokens[f] += len;
        total_tokens += len;
      }
  }
  // IDS
  {
    std::string& s = sections[kIds];
    std::vector<uint32_t> perm(ndocs);
    std::iota(perm.begin(), perm.end(), 0);
    std::sort(perm.begin(), perm.end(), [&](uint32_t a, uint32_t b) { return t.ids[a] < t.ids[b]; });
    uint32_t off = 0;
    for (const auto& id : t.ids) { PutFixed32(&s, off); off += static_cast<uint32_t>(id.size()); }
    PutFixed32(&s, off);
    for (uint32_t p : perm) PutFixed32(&s, p);
    for (const auto& id : t.ids) s += id;
  }
  // COLUMNS
  {
    std::string& s = sections[kColumns];
    std::vector<int> numeric;
    for (size_t i = 0; i < t.schema.metadata.size(); ++i)
      if (t.schema.metadata[i].second != MetadataValue::Type::kKeyword) numeric.push_back(static_cast<int>(i));
    PutFixed32(&s, static_cast<uint32_t>(numeric.size()));
    for (int mi : numeric) {
      PutFixed32(&s, static_cast<uint32_t>(mi));
      const auto& col = t.columns[mi];
      for (size_t d = 0; d < ndocs; ++d) PutDouble(&s, d < col.size() ? col[d] : std::nan(""));
    }
  }
  sections[kDocStore] = t.store.Finish();
  // SCHEMA
  {
    std::string& s = sections[kSchema];
    PutVarint(&s, nfields);
    for (const auto& f : t.schema.text_fields) PutLengthPrefixed(&s, f);
    PutVarint(&s, t.schema.metadata.size());
    for (const auto& [name, type] : t.schema.metadata) {
      PutLengthPrefixed(&s, name);
      s.push_back(static_cast<char>(type));
    }
    PutVarint(&s, ndocs);
    PutVarint(&s, total_tokens);
    for (uint64_t ft : field_tokens) PutVarint(&s, ft);
    PutVarint(&s, terms.size());
  }

  FileWriter w;
  GB_RETURN_IF_ERROR(w.Open(path));
  GB_RETURN_IF_ERROR(w.Append(std::string_view(kSegmentMagic, 8)));
  std::string footer;
  uint64_t offset = 8;
  auto emit = [&](const std::string& bytes) -> Status {
    PutFixed64(&footer, offset);
    PutFixed64(&footer, bytes.size());
    PutFixed32(&footer, Crc32c(bytes.data(), bytes.size()));
    offset += bytes.size();
    return w.Append(bytes);
  };
  GB_RETURN_IF_ERROR(emit(postings));
  GB_RETURN_IF_ERROR(emit(positions));
  for (int s = kTerms; s < kNumSections; ++s) GB_RETURN_IF_ERROR(emit(sections[s]));
  PutFixed32(&footer, kNumSections);
  PutFixed32(&footer, Crc32c(footer.data(), footer.size()));
  footer.append(kSegmentEndMagic, 8);
  GB_RETURN_IF_ERROR(w.Append(footer));
  return w.Close(/*sync=*/true);
}

}  // namespace

// ---------------------------------------------------------------------------
// SegmentWriter

// Interns term strings to dense ids with open addressing. A slot keeps the
// hash, the id and (for terms up to kInline bytes, nearly all of them) the
// bytes themselves, so a lookup usually touches one cache line; callers hash
// ahead and prefetch slots to hide the memory latency.
class TermTable {
 public:
  // Small to start (32 KiB): every commit makes a writer, and the server commits every write request; a
  // segment of many terms doubles its way up (Grow), which costs it less than one more pass over its terms.
  TermTable() { slots_.resize(1 << 10); }
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t v;
      std::memcpy(&v, s.data() + i, 8);
      h = (h ^ v) * 0xff51afd7ed558ccdull;
      h ^= h >> 32;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    // murmur3's 64-bit finalizer: every input bit reaches the low bits used for slots.
    h ^= tail;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }
  void Prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & (slots_.size() - 1)]); }
  // Returns the id of `term` (hash h), adding it if new (*added = true).
  uint32_t Intern(std::string_view term, uint64_t h, bool* added) {
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id == kEmptyId) {
        *added = true;
        uint32_t id = static_cast<uint32_t>(terms_.size());
        s.hash = h;
        s.id = id;
        s.len = static_cast<uint32_t>(term.size());
        if (term.size() <= kInline) std::memcpy(s.bytes, term.data(), term.size());
        terms_.emplace_back(term);
        if (terms_.size() * 2 > slots_.size()) Grow();
        return id;
      }
      if (s.hash == h && s.len == term.size() &&
          (term.size() <= kInline ? std::memcmp(s.bytes, term.data(), term.size()) == 0 : terms_[s.id] == term)) {
        *added = false;
        return s.id;
      }
    }
  }
  const std::string& term(uint32_t id) const { return terms_[id]; }
  size_t size() const { return terms_.size(); }

 private:
  static constexpr size_t kInline = 16;
  static constexpr uint32_t kEmptyId = 0xffffffffu;
  struct Slot {
    uint64_t hash = 0;
    uint32_t id = kEmptyId;
    uint32_t len = 0;
    char bytes[kInline];
  };
  static_assert(sizeof(Slot) == 32);
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.size() * 2);
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id == kEmptyId) continue;
      size_t i = s.hash & mask;
      while (slots_[i].id != kEmptyId) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::vector<std::string> terms_;
};

struct SegmentWriter::Impl {
  struct TermAcc {
    std::vector<uint32_t> docs, tfs, positions;
    bool has_positions = true;
  };
  TermTable table;
  std::vector<TermAcc> accs;
  DocTables tables;
  size_t memory = 0;
  // scratch: (term id << 32 | position) of the document being added
  std::vector<uint64_t> doc_terms;
  std::vector<std::pair<std::string_view, uint32_t>> doc_tokens;  // (term, position)
  std::vector<uint64_t> doc_hashes;
  std::vector<int> meta_idx;

  uint32_t Id(std::string_view term) { return Id(term, TermTable::Hash(term)); }
  uint32_t Id(std::string_view term, uint64_t h) {
    bool added;
    uint32_t id = table.Intern(term, h, &added);
    if (added) {
      accs.emplace_back();
      memory += term.size() + 128;
    }
    return id;
  }
};

SegmentWriter::SegmentWriter() : impl_(std::make_unique<Impl>()) {}
SegmentWriter::~SegmentWriter() = default;
DocId SegmentWriter::num_docs() const { return static_cast<DocId>(impl_->tables.ids.size()); }
size_t SegmentWriter::MemoryUsage() const { return impl_->memory + impl_->tables.store.bytes(); }

Result<DocId> SegmentWriter::Add(const Document& stored, const std::vector<AnalyzedField>& fields,
                                  std::string_view encoded) {
  Impl& m = *impl_;
  GB_RETURN_IF_ERROR(m.tables.CheckAndAddSchema(stored, &m.meta_idx));
  const DocId doc = num_docs();
  // Register new fields and count tokens per field.
  for (const AnalyzedField& f : fields)
    if (m.tables.schema.TextFieldId(f.name) < 0) m.tables.schema.text_fields.push_back(f.name);
  std::vector<uint32_t> lengths(m.tables.schema.text_fields.size(), 0);
  for (const AnalyzedField& f : fields) lengths[m.tables.schema.TextFieldId(f.name)] += static_cast<uint32_t>(f.terms.size());
  // Field f occupies positions [start_f, start_f + len_f), start_f = sum over
  // g < f of (len_g + 1): the layout follows from the norms alone. A field
  // name given twice is concatenated.
  std::vector<uint32_t> next(lengths.size());
  for (size_t f = 0, s = 0; f < lengths.size(); ++f) { next[f] = static_cast<uint32_t>(s); s += lengths[f] + 1; }
  m.doc_tokens.clear();
  for (const AnalyzedField& f : fields) {
    int fid = m.tables.schema.TextFieldId(f.name);
    for (const auto& term : f.terms) {
      uint32_t pos = next[fid]++;
      if (!term.empty()) m.doc_tokens.emplace_back(term, pos);  // empty: a hole left by a stop word
    }
  }
  // Hash everything first, then intern with slots prefetched a few tokens ahead.
  const size_t n = m.doc_tokens.size();
  m.doc_hashes.resize(n);
  for (size_t i = 0; i < n; ++i) m.doc_hashes[i] = TermTable::Hash(m.doc_tokens[i].first);
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(n, kAhead); ++i) m.table.Prefetch(m.doc_hashes[i]);
  m.doc_terms.clear();
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) m.table.Prefetch(m.doc_hashes[i + kAhead]);
    uint32_t id = m.Id(m.doc_tokens[i].first, m.doc_hashes[i]);
    m.doc_terms.push_back(static_cast<uint64_t>(id) << 32 | m.doc_tokens[i].second);
  }
  // Group by term; positions come out sorted within each term.
  std::sort(m.doc_terms.begin(), m.doc_terms.end());
  for (size_t i = 0; i < m.doc_terms.size();) {
    const uint32_t id = static_cast<uint32_t>(m.doc_terms[i] >> 32);
    Impl::TermAcc& acc = m.accs[id];
    size_t j = i;
    for (; j < m.doc_terms.size() && (m.doc_terms[j] >> 32) == id; ++j)
      acc.positions.push_back(static_cast<uint32_t>(m.doc_terms[j]));
    acc.docs.push_back(doc);
    acc.tfs.push_back(static_cast<uint32_t>(j - i));
    m.memory += 8 + 4 * (j - i);
    i = j;
  }
  for (const auto& [name, value] : stored.metadata) {
    if (value.type != MetadataValue::Type::kKeyword) continue;
    Impl::TermAcc& acc = m.accs[m.Id(KeywordTerm(name, value.text))];
    acc.has_positions = false;
    if (!acc.docs.empty() && acc.docs.back() == doc) continue;
    acc.docs.push_back(doc);
    acc.tfs.push_back(1);
    m.memory += 8;
  }
  m.tables.AddDoc(stored, m.meta_idx, std::move(lengths), encoded);
  m.memory += stored.id.size() + 64;
  return doc;
}

Status SegmentWriter::Finish(const std::string& path) {
  Impl& m = *impl_;
  std::vector<std::pair<std::string_view, uint32_t>> sorted;
  sorted.reserve(m.table.size());
  for (uint32_t id = 0; id < m.table.size(); ++id) sorted.emplace_back(m.table.term(id), id);
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> lengths = m.tables.TotalLengths();
  std::string postings, positions;
  std::vector<std::string> terms;
  std::vector<TermInfo> infos;
  terms.reserve(sorted.size());
  infos.reserve(sorted.size());
  for (const auto& [term, id] : sorted) {
    const Impl::TermAcc& acc = m.accs[id];
    TermInfo info;
    EncodeTerm(acc.docs, acc.tfs, acc.positions, acc.has_positions, lengths, &postings, &positions, &info);
    terms.emplace_back(term);
    infos.push_back(info);
    // The accumulators are kept: if the commit that called Finish fails, the
    // buffer must still hold every acknowledged document for the next try.
  }
  return WriteSegmentFile(path, m.tables, postings, positions, terms, infos);
}

// ---------------------------------------------------------------------------
// Merge

Status MergeSegments(const std::vector<std::shared_ptr<SegmentReader>>& inputs,
                     const std::vector<std::vector<uint64_t>>& live, const std::string& path) {
  auto is_live = [&](size_t s, DocId d) {
    return live[s].empty() || TestBit(live[s], d);
  };
  DocTables t;
  // Union of text fields (in first-seen order) and doc remapping.
  std::vector<std::vector<DocId>> remap(inputs.size());
  std::vector<int> meta_idx;
  for (size_t s = 0; s < inputs.size(); ++s) {
    const auto& seg = *inputs[s];
    std::vector<int> field_map(seg.schema().text_fields.size());
    for (size_t f = 0; f < field_map.size(); ++f) {
      int id = t.schema.TextFieldId(seg.schema().text_fields[f]);
      if (id < 0) {
        t.schema.text_fields.push_back(seg.schema().text_fields[f]);
        id = static_cast<int>(t.schema.text_fields.size()) - 1;
      }
      field_map[f] = id;
    }
    remap[s].assign(seg.num_docs(), kNoDoc);
    for (DocId d = 0; d < seg.num_docs(); ++d) {
      if (!is_live(s, d)) continue;
      auto doc = seg.LoadDocument(d);
      if (!doc.ok()) return doc.status();
      GB_RETURN_IF_ERROR(t.CheckAndAddSchema(*doc, &meta_idx));
      std::vector<uint32_t> lengths(t.schema.text_fields.size(), 0);
      for (size_t f = 0; f < field_map.size(); ++f) lengths[field_map[f]] = seg.FieldLength(d, static_cast<int>(f));
      remap[s][d] = static_cast<DocId>(t.ids.size());
      t.AddDoc(*doc, meta_idx, std::move(lengths));
    }
  }
  // Positions are laid out by field id; if field ids differ between an input
  // and the output, positions must be shifted field by field.
  std::vector<bool> same_layout(inputs.size(), true);
  for (size_t s = 0; s < inputs.size(); ++s) {
    const auto& tf = inputs[s]->schema().text_fields;
    for (size_t f = 0; f < tf.size(); ++f)
      if (t.schema.TextFieldId(tf[f]) != static_cast<int>(f)) same_layout[s] = false;
  }
  std::vector<uint32_t> lengths = t.TotalLengths();
  std::vector<size_t> cursor(inputs.size(), 0);
  std::string postings, positions;
  std::vector<std::string> terms;
  std::vector<TermInfo> infos;
  std::vector<uint32_t> docs, tfs, pos, doc_pos;
  while (true) {
    // Smallest next term across inputs.
    std::string_view best;
    bool any = false;
    for (size_t s = 0; s < inputs.size(); ++s) {
      if (cursor[s] >= inputs[s]->num_terms()) continue;
      TermInfo info;
      std::string_view term = inputs[s]->TermAt(cursor[s], &info);
      if (!any || term < best) { best = term; any = true; }
    }
    if (!any) break;
    std::string term(best);
    docs.clear(); tfs.clear(); pos.clear();
    bool has_positions = true;
    for (size_t s = 0; s < inputs.size(); ++s) {
      if (cursor[s] >= inputs[s]->num_terms()) continue;
      TermInfo info;
      if (inputs[s]->TermAt(cursor[s], &info) != term) continue;
      ++cursor[s];
      has_positions = info.flags & 1;
      PostingIterator it(inputs[s].get(), info);
      for (; it.doc() != kNoDoc; it.Next()) {
        DocId nd = remap[s][it.doc()];
        if (nd == kNoDoc) continue;
        docs.push_back(nd);
        tfs.push_back(it.tf());
        if (has_positions) {
          it.Positions(&doc_pos);
          if (!same_layout[s]) {
            const auto& seg = *inputs[s];
            // Map each position to (field, offset) in the input, then to the output layout.
            std::vector<uint32_t> in_starts, out_starts;
            uint32_t st = 0;
            for (int f = 0; f < seg.num_fields(); ++f) { in_starts.push_back(st); st += seg.FieldLength(it.doc(), f) + 1; }
            st = 0;
            for (size_t f = 0; f < t.schema.text_fields.size(); ++f) {
              out_starts.push_back(st);
              st += t.field_lengths[nd][f] + 1;
            }
            for (uint32_t& p : doc_pos) {
              int f = static_cast<int>(std::upper_bound(in_starts.begin(), in_starts.end(), p) - in_starts.begin()) - 1;
              p = out_starts[t.schema.TextFieldId(seg.schema().text_fields[f])] + (p - in_starts[f]);
            }
            std::sort(doc_pos.begin(), doc_pos.end());
          }
          pos.insert(pos.end(), doc_pos.begin(), doc_pos.end());
        }
      }
    }
    if (docs.empty()) continue;
    TermInfo info;
    EncodeTerm(docs, tfs, pos, has_positions, lengths, &postings, &positions, &info);
    terms.push_back(std::move(term));
    infos.push_back(info);
  }
  return WriteSegmentFile(path, t, postings, positions, terms, infos);
}

}  // namespace glassbox::index
