// The retrievers (retrievers.h): BM25 over each segment's plan, vector
// search over HNSW under the query's RandomAccessConstraints, and the adapter
// for an application's retriever. Each gets the bound request, returns its
// ranked candidates (phase 1) and scores the others' candidates (phase 2);
// FusionRun (fusion_run.cc) fuses the rows.
#include "search/retrievers.h"
#include "index/bits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace glassbox::search::internal {

using index::DocId;

bool RankedBefore(const Ranked& a, const Ranked& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.seg != b.seg) return a.seg < b.seg;
  return a.doc < b.doc;
}

std::vector<Ranked> Bm25Ranked(const Snapshot& snap, const BoundQuery& bq, size_t want, TopKAlgorithm algo,
                               uint64_t* total) {
  std::vector<Ranked> top;
  if (want == 0) return top;
  for (size_t s = 0; s < snap.segments.size(); ++s) {
    if (bq.deadline != nullptr && bq.deadline->expired()) break;
    auto plan = PlanSegment(bq, snap.segments[s]);
    if (plan->empty) continue;
    float threshold = top.size() >= want ? static_cast<float>(top.back().score) : 0;
    TopKResult r = RunTopK(algo, plan->MakeTopK(want, threshold));
    *total += r.matched;
    for (const auto& h : r.hits) top.push_back({s, h.doc, h.score});
    std::stable_sort(top.begin(), top.end(), RankedBefore);
    if (top.size() > want) top.resize(want);
  }
  return top;
}

RandomAccessConstraints::RandomAccessConstraints(const BoundQuery& bq, const SegmentView& view) : view_(view) {
  if (bq.principal != nullptr) acl_ = AclFilter(view, *bq.principal);
  const auto& seg = *view.reader;
  for (const auto& f : bq.filters) filters_.push_back(FilterDocSet(seg, f));
  const size_t words = BitWordCount(seg.num_docs());
  for (const BoundClause& c : bq.clauses) {
    if (c.occur == Occur::kShould) continue;
    auto cur = MakeCursor(seg, c, bq.deadline);
    if (!cur) {
      if (c.occur == Occur::kMust) none_pass_ = true;  // a required clause matches nothing here
      continue;
    }
    std::vector<uint64_t> bits(words, 0);
    for (; cur->doc() != index::kNoDoc; cur->Next()) {
      if (bq.deadline != nullptr && bq.deadline->Expired(1, "filtering documents for the vector search")) break;
      SetBit(bits, cur->doc());
    }
    (c.occur == Occur::kMust ? required_ : excluded_).push_back(std::move(bits));
  }
}

namespace {

// out = a & b, and out &= in / out &= ~in, over n words (no aliasing: the
// loops vectorize; they run once per segment and query over every document).
void AndWords(uint64_t* __restrict out, const uint64_t* __restrict a, const uint64_t* __restrict b, size_t n) {
  for (size_t w = 0; w < n; ++w) out[w] = a[w] & b[w];
}
void AndInto(uint64_t* __restrict out, const uint64_t* __restrict in, size_t n) {
  for (size_t w = 0; w < n; ++w) out[w] &= in[w];
}
void AndNotInto(uint64_t* __restrict out, const uint64_t* __restrict in, size_t n) {
  for (size_t w = 0; w < n; ++w) out[w] &= ~in[w];
}

// Whether more than `limit` bits of words[0, n) are set, counting no further
// than needed (64 words at a time). With the CPU's popcnt where it has one:
// the portable __builtin_popcountll is a library call per word.
template <bool kPopcnt>  // (one copy inlined where popcnt is enabled, one without)
__attribute__((always_inline)) inline bool MoreBitsThan(const uint64_t* words, size_t n, size_t limit) {
  size_t count = 0;
  for (size_t w = 0; w < n; w += 64) {
    const size_t end = std::min(n, w + 64);
    for (size_t i = w; i < end; ++i) count += static_cast<size_t>(__builtin_popcountll(words[i]));
    if (count > limit) return true;
  }
  return false;
}
#if defined(__x86_64__)
__attribute__((target("popcnt"))) bool MoreBitsThanPopcnt(const uint64_t* words, size_t n, size_t limit) {
  return MoreBitsThan<true>(words, n, limit);
}
#endif
bool MoreBitsThan(const std::vector<uint64_t>& words, size_t limit) {
#if defined(__x86_64__)
  static const bool popcnt = __builtin_cpu_supports("popcnt");
  if (popcnt) return MoreBitsThanPopcnt(words.data(), words.size(), limit);
#endif
  return MoreBitsThan<false>(words.data(), words.size(), limit);
}

}  // namespace

const std::vector<uint64_t>& RandomAccessConstraints::PassBits() const {
  if (!pass_.empty() || view_.reader->num_docs() == 0) return pass_;
  const uint32_t n = view_.reader->num_docs();
  const size_t words = BitWordCount(n);
  // The bitsets to AND: deletions, access control, required clauses, filters
  // (each covers the segment; bits past n are clear in at least the first).
  std::vector<const uint64_t*> all;
  if (view_.live) all.push_back(view_.live->data());
  if (acl_.bits() != nullptr) all.push_back(acl_.bits());
  for (const auto& r : required_) all.push_back(r.data());
  for (const auto& f : filters_) all.push_back(f->data());
  std::vector<uint64_t>& bits = pass_;
  bits.resize(words);
  if (all.size() >= 2) {
    AndWords(bits.data(), all[0], all[1], words);
  } else if (all.size() == 1) {
    std::copy(all[0], all[0] + words, bits.begin());
  } else {
    std::fill(bits.begin(), bits.end(), ~0ull);
  }
  for (size_t i = 2; i < all.size(); ++i) AndInto(bits.data(), all[i], words);
  for (const auto& e : excluded_) AndNotInto(bits.data(), e.data(), words);
  if (n % 64) bits.back() &= (1ull << (n % 64)) - 1;
  return pass_;
}

bool RandomAccessConstraints::SmallPassSet(size_t limit, std::vector<DocId>* out) const {
  const std::vector<uint64_t>& bits = PassBits();
  // Counted only as far as the limit: over it (the common case), the rest is not read.
  if (MoreBitsThan(bits, limit)) return false;
  out->clear();
  for (size_t w = 0; w < bits.size(); ++w)
    for (uint64_t b = bits[w]; b; b &= b - 1)
      out->push_back(static_cast<DocId>(w * 64 + static_cast<size_t>(__builtin_ctzll(b))));
  return true;
}

bool RandomAccessConstraints::Accept(DocId d) const {
  if (!view_.IsLive(d) || !acl_.Visible(d)) return false;
  for (const auto& bits : required_)
    if (!TestBit(bits, d)) return false;
  for (const auto& bits : excluded_)
    if (TestBit(bits, d)) return false;
  for (const auto& bits : filters_)
    if (!TestBit(*bits, d)) return false;
  return true;
}

std::vector<Ranked> VectorRanked(const Snapshot& snap, const BoundQuery& bq, const std::vector<float>& q, size_t want,
                                 size_t ef) {
  std::vector<Ranked> top;
  std::vector<vector::Neighbor> found;
  for (size_t s = 0; s < snap.segments.size(); ++s) {
    const SegmentView& view = snap.segments[s];
    if (!view.vectors || !view.vectors->index) continue;
    if (bq.deadline != nullptr && bq.deadline->expired()) break;
    RandomAccessConstraints constraints(bq, view);
    if (constraints.none_pass()) continue;
    // Selective constraints: score the few documents that pass exactly.
    std::vector<DocId> few;
    const size_t exact_limit = std::max<size_t>(4096, view.reader->num_docs() / 20);
    if (constraints.constrained() && constraints.SmallPassSet(exact_limit, &few)) {
      std::vector<Ranked> seg_top;
      for (DocId d : few) {
        const float score = view.vectors->index->Score(q.data(), d);
        if (std::isfinite(score)) seg_top.push_back({s, d, score});  // (a document without a vector is not)
      }
      std::stable_sort(seg_top.begin(), seg_top.end(), RankedBefore);
      if (seg_top.size() > want) seg_top.resize(want);
      top.insert(top.end(), seg_top.begin(), seg_top.end());
      continue;
    }
    // Without constraints or deletions the graph search runs unfiltered; else
    // it tests one bit of the constraints' bitset per candidate.
    const uint64_t* pass = constraints.constrained() || view.live ? constraints.PassBits().data() : nullptr;
    view.vectors->index->SearchIn(q.data(), want, std::max(ef, want), pass, &found);
    for (const auto& nb : found) top.push_back({s, nb.id, nb.score});
  }
  std::stable_sort(top.begin(), top.end(), RankedBefore);
  if (top.size() > want) top.resize(want);
  return top;
}

Status EmbedQuery(const Snapshot& snap, const std::string& text, std::vector<float>* q) {
  std::lock_guard<std::mutex> l(snap.embedder->mu);
  GB_RETURN_IF_ERROR(snap.embedder->embedder->Embed({text}, q));
  return Status::OK();
}

std::vector<Ranked> Bm25Retriever::Retrieve(size_t want) {
  uint64_t total = 0;
  return Bm25Ranked(snap_, bq_, want, algo_, &total);
}

void Bm25Retriever::Score(std::vector<Pending>& docs) {
  std::sort(docs.begin(), docs.end(),
            [](const Pending& a, const Pending& b) { return a.seg != b.seg ? a.seg < b.seg : a.doc < b.doc; });
  std::unique_ptr<SegmentPlan> plan;
  size_t plan_seg = SIZE_MAX;
  for (const Pending& p : docs) {
    if (bq_.deadline != nullptr && bq_.deadline->expired()) return;
    if (p.seg != plan_seg) {
      plan = PlanSegment(bq_, snap_.segments[p.seg]);
      plan_seg = p.seg;
    }
    double score;
    *p.raw = ScoreInPlan(*plan, p.doc, &score) ? score : 0.0;
  }
}

void VectorRetriever::Score(std::vector<Pending>& docs) {
  for (const Pending& p : docs) {
    const auto& vec = snap_.segments[p.seg].vectors;
    *p.raw = vec && vec->index ? vec->index->Score(q_.data(), p.doc) : 0.0;
  }
}

bool Admissible(const Snapshot& snap, const BoundQuery& bq, size_t s, DocId d) {
  RandomAccessConstraints constraints(bq, snap.segments[s]);
  return !constraints.none_pass() && constraints.Accept(d);
}

std::string FaqQueryText(const std::string& words) {
  std::string q = "kind:faq";
  std::string word;
  auto flush = [&]() {
    if (word.empty()) return;
    bool ascii = std::all_of(word.begin(), word.end(), [](unsigned char c) { return c < 0x80; });
    q += " " + word;
    if (ascii) q += " title:" + word;
    word.clear();
  };
  for (unsigned char c : words) {
    if (std::isalnum(c) || c >= 0x80) word += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
    else flush();
  }
  flush();
  return q;
}

FaqRetriever::FaqRetriever(const Snapshot& snap, const BoundQuery& bq, const SearchOptions& options)
    : snap_(snap), bq_(bq), algo_(options.algorithm), options_(options) {
  // Bound as the request is (principal, injected or principal statistics); its deadline when it has one.
  Deadline& deadline = bq.deadline != nullptr ? *bq.deadline : own_deadline_;
  options_.plain = false;  // kind:faq and title:word are syntax
  options_.feedback.docs = 0;  // the FAQ query is matched as written
  auto b = BindRequest(snap, FaqQueryText(bq.semantic_text), options_, deadline, &stats_);
  if (b.ok()) faq_.emplace(std::move(b.value()));
  else if (b.status().code() == Status::Code::kDeadlineExceeded) error_ = b.status();
  else error_ = Status::InvalidArgument("the FAQ retriever (weights faq=W) cannot search this collection: " +
                                        b.status().message());
}

namespace {

// The request's hard constraints (RandomAccessConstraints' rule) checked on
// documents in ascending id order with cursors: no bitset over the segment
// (a filter such as kind:faq passes nearly every document, and filling its
// bitset on every query cost more than ranking the FAQ candidates).
class SortedConstraints {
 public:
  SortedConstraints(const BoundQuery& bq, const SegmentView& view) : view_(view) {
    if (bq.principal != nullptr) acl_ = AclFilter(view, *bq.principal);
    for (const auto& f : bq.filters) filters_.push_back(FilterDocSet(*view.reader, f));
    for (const BoundClause& c : bq.clauses) {
      if (c.occur == Occur::kShould) continue;
      auto cur = MakeCursor(*view.reader, c, bq.deadline);
      if (!cur) {
        if (c.occur == Occur::kMust) none_pass_ = true;  // a required clause matches nothing here
        continue;
      }
      (c.occur == Occur::kMust ? required_ : excluded_).push_back(std::move(cur));
    }
  }
  // d must not be smaller than the previous call's.
  bool Accept(DocId d) {
    if (none_pass_ || !view_.IsLive(d) || !acl_.Visible(d)) return false;
    for (auto& c : required_) {
      c->Advance(d);
      if (c->doc() != d) return false;
    }
    for (auto& c : excluded_) {
      c->Advance(d);
      if (c->doc() == d) return false;
    }
    for (const auto& bits : filters_)
      if (!TestBit(*bits, d)) return false;
    return true;
  }

 private:
  const SegmentView& view_;
  AclFilter acl_;
  std::vector<std::shared_ptr<const std::vector<uint64_t>>> filters_;
  std::vector<std::unique_ptr<ExplainableCursor>> required_, excluded_;
  bool none_pass_ = false;
};

}  // namespace

std::vector<Ranked> FaqRetriever::Retrieve(size_t want) {
  std::vector<Ranked> out;
  if (!faq_) return out;
  uint64_t total = 0;
  const std::vector<Ranked> found = Bm25Ranked(snap_, *faq_, want, algo_, &total);
  // Checked against the request's own constraints in (segment, id) order, kept in rank order.
  std::vector<size_t> order(found.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return found[a].seg != found[b].seg ? found[a].seg < found[b].seg : found[a].doc < found[b].doc;
  });
  std::vector<char> keep(found.size(), 0);
  std::unique_ptr<SortedConstraints> constraints;
  size_t seg = SIZE_MAX;
  for (size_t i : order) {
    if (found[i].seg != seg) {
      seg = found[i].seg;
      constraints = std::make_unique<SortedConstraints>(bq_, snap_.segments[seg]);
    }
    keep[i] = constraints->Accept(found[i].doc);
  }
  for (size_t i = 0; i < found.size(); ++i)
    if (keep[i]) out.push_back(found[i]);
  return out;
}

void FaqRetriever::Score(std::vector<Pending>& docs) {
  if (!faq_) {
    for (const Pending& p : docs) *p.raw = 0;
    return;
  }
  Bm25Retriever(snap_, *faq_, algo_).Score(docs);
}

std::vector<Ranked> ExternalRetrieverAdapter::Retrieve(size_t want) {
  std::vector<Ranked> out;
  auto got = r_.Retrieve(query_, want);
  if (!got.ok()) {
    error_ = got.status();
    return out;
  }
  // One set of constraints per segment, built on first use.
  std::vector<std::unique_ptr<RandomAccessConstraints>> constraints(snap_.segments.size());
  for (const auto& [id, score] : *got) {
    size_t s;
    DocId d;
    if (!std::isfinite(score) || !FindLiveDocument(snap_, id, &s, &d)) continue;
    if (!constraints[s]) constraints[s] = std::make_unique<RandomAccessConstraints>(bq_, snap_.segments[s]);
    if (constraints[s]->none_pass() || !constraints[s]->Accept(d)) continue;
    out.push_back({s, d, score});
    if (out.size() >= want) break;
  }
  return out;
}

void ExternalRetrieverAdapter::Score(std::vector<Pending>& docs) {
  for (const Pending& p : docs) {
    double v = r_.Score(query_, std::string(snap_.segments[p.seg].reader->ExternalId(p.doc)));
    *p.raw = std::isfinite(v) ? v : 0.0;
  }
}

}  // namespace glassbox::search::internal
