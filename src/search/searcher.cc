#include "search/searcher.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "glassbox/request.h"
#include "hybrid/fusion.h"
#include "search/query.h"
#include "search/scorers.h"
#include "search/topk.h"

namespace glassbox::search {

using index::DocId;

void Snapshot::ComputeStats() {
  doc_count = 0;
  total_tokens = 0;
  field_tokens.clear();
  text_fields.clear();
  metadata_types.clear();
  for (const auto& sv : segments) {
    const auto& st = sv.reader->stats();
    const auto& schema = sv.reader->schema();
    doc_count += st.docs;
    total_tokens += st.total_tokens;
    for (size_t f = 0; f < schema.text_fields.size(); ++f) {
      if (!field_tokens.count(schema.text_fields[f])) text_fields.push_back(schema.text_fields[f]);
      field_tokens[schema.text_fields[f]] += st.field_tokens[f];
    }
    for (const auto& [name, type] : schema.metadata) metadata_types.emplace(name, type);
  }
}

uint64_t Snapshot::DocFreq(std::string_view term) const {
  uint64_t df = 0;
  index::TermInfo info;
  for (const auto& sv : segments)
    if (sv.reader->FindTerm(term, &info)) df += info.df;
  return df;
}

bool FindLiveDocument(const Snapshot& snap, const std::string& id, size_t* seg, DocId* doc) {
  for (size_t s = snap.segments.size(); s-- > 0;) {
    DocId d = snap.segments[s].reader->FindId(id);
    if (d != index::kNoDoc && snap.segments[s].IsLive(d)) {
      *seg = s;
      *doc = d;
      return true;
    }
  }
  return false;
}

std::string PrincipalKey(const Principal& principal) {
  std::vector<std::string> groups = principal.groups;
  std::sort(groups.begin(), groups.end());
  std::string key = "principal\x1f" + principal.user;
  for (const auto& g : groups) key += "\x1f" + g;
  return key;
}

AclFilter::AclFilter(const SegmentView& view, const Principal& principal) {
  const auto& seg = *view.reader;
  visible_ = seg.CachedDocSet(PrincipalKey(principal), [&] {
    // Visible: documents without access-control values, and those that name
    // the principal's user or one of its groups.
    auto users = seg.DocsWithKeywordField(kAclUsersField);
    auto groups = seg.DocsWithKeywordField(kAclGroupsField);
    std::vector<uint64_t> visible((seg.num_docs() + 63) / 64, 0);
    for (size_t w = 0; w < visible.size(); ++w) visible[w] = ~((*users)[w] | (*groups)[w]);
    auto allow = [&](const std::string& field, const std::string& value) {
      index::TermInfo info;
      if (!seg.FindTerm(index::KeywordTerm(field, value), &info)) return;
      for (index::PostingIterator it(&seg, info); it.doc() != index::kNoDoc; it.Next())
        visible[it.doc() >> 6] |= 1ull << (it.doc() & 63);
    };
    if (!principal.user.empty()) allow(kAclUsersField, principal.user);
    for (const auto& g : principal.groups) allow(kAclGroupsField, g);
    if (seg.num_docs() % 64) visible.back() &= (1ull << (seg.num_docs() % 64)) - 1;
    return visible;
  });
}

namespace {

// ---------------------------------------------------------------------------
// Binding

struct BoundClause {
  enum class Kind { kTerm, kPhrase, kFilter };
  Kind kind = Kind::kTerm;
  Occur occur = Occur::kShould;
  std::vector<std::string> terms;
  std::vector<uint32_t> offsets;  // phrase: position of each term relative to the first
  std::string field;    // restriction; "" = default fields
  std::string display;  // as shown in explanations
  double boost = 1;
  uint64_t df = 0;
  double idf = 0;
  Bm25Weight weight;
  std::unordered_map<std::string, double> fields;  // field weights by name (empty = all 1)
};

struct NumericFilter {
  std::string field;
  double lo = -INFINITY, hi = INFINITY;
  bool lo_inc = true, hi_inc = true;
  bool negate = false;
  std::string display;
  bool Passes(double v) const {
    bool in = !std::isnan(v) && (lo_inc ? v >= lo : v > lo) && (hi_inc ? v <= hi : v < hi);
    return negate ? !in : in;
  }
};

struct BoundQuery {
  std::vector<BoundClause> clauses;
  std::vector<NumericFilter> filters;
  std::vector<std::string> highlight;  // analyzed terms to highlight
  std::string semantic_text;           // the words a vector retriever embeds (no operators, no filters)
  const Principal* principal = nullptr;  // restricts every retriever (access control)
  Deadline* deadline = nullptr;          // the call's time budget (null: unlimited)
  uint64_t doc_count = 0;                // N the terms were weighed with (explanations report it)
};

// DeadlineExceeded once the call's budget is spent (naming what ran out of
// time first), else OK. Read between stages; long loops check on their own.
Status CheckDeadline(Deadline& deadline, const char* what) {
  return deadline.CheckNow(what) ? Status::DeadlineExceeded(deadline.Message()) : Status::OK();
}

Status ParseBound(const std::string& field, MetadataValue::Type type, const std::string& s, double* out) {
  if (type == MetadataValue::Type::kDate) {
    MetadataValue v;
    if (!MetadataValue::ParseDate(s, &v))
      return Status::InvalidArgument("field '" + field + "' holds dates; '" + s + "' is not a date (YYYY-MM-DD)");
    *out = v.number;
    return Status::OK();
  }
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size())
    return Status::InvalidArgument("field '" + field + "' holds numbers; '" + s + "' is not a number");
  return Status::OK();
}

std::string FieldList(const Snapshot& snap) {
  std::string out = "text fields: ";
  for (size_t i = 0; i < snap.text_fields.size(); ++i) out += (i ? ", " : "") + snap.text_fields[i];
  out += "; metadata fields: ";
  bool first = true;
  for (const auto& [name, type] : snap.metadata_types) {
    out += (first ? "" : ", ") + name;
    first = false;
  }
  return out;
}

class Binder {
 public:
  // list_fields: errors name the collection's fields. Off when searching for
  // a principal, who must not learn fields that only hidden documents have.
  // stats: statistics to weigh terms with instead of the snapshot's (see CorpusStatistics).
  Binder(const Snapshot& snap, bool list_fields, const CorpusStatistics* stats = nullptr)
      : snap_(snap), list_fields_(list_fields), stats_(stats) {}

  Result<BoundQuery> Bind(const ParsedQuery& pq) {
    BoundQuery bq;
    bq.doc_count = DocCount();
    std::unordered_map<std::string, double> default_weights(snap_.field_weights.begin(), snap_.field_weights.end());
    std::vector<Clause> clauses = pq.clauses;
    for (const FieldBoost& fb : pq.boosts) {
      bool is_field = std::find(snap_.text_fields.begin(), snap_.text_fields.end(), fb.field) != snap_.text_fields.end();
      if (is_field) {
        default_weights[fb.field] = fb.weight;
      } else {
        Clause c;
        c.text = fb.field;
        c.boost = fb.weight;
        clauses.push_back(c);
      }
    }
    for (const Clause& c : clauses) GB_RETURN_IF_ERROR(BindClause(c, default_weights, &bq));
    for (const RangeClause& r : pq.ranges) {
      auto it = snap_.metadata_types.find(r.field);
      if (it == snap_.metadata_types.end() || it->second == MetadataValue::Type::kKeyword) {
        if (it == snap_.metadata_types.end() && !KnownTextField(r.field) && snap_.doc_count == 0) continue;
        return Status::InvalidArgument("range on '" + r.field + "': ranges need a number or date metadata field" +
                                       Fields());
      }
      NumericFilter f;
      f.field = r.field;
      f.negate = r.occur == Occur::kMustNot;
      if (!r.lo.empty() && r.lo != "*") GB_RETURN_IF_ERROR(ParseBound(r.field, it->second, r.lo, &f.lo));
      if (!r.hi.empty() && r.hi != "*") GB_RETURN_IF_ERROR(ParseBound(r.field, it->second, r.hi, &f.hi));
      f.lo_inc = r.lo_inclusive;
      f.hi_inc = r.hi_inclusive;
      f.display = std::string(f.negate ? "-" : "") + r.field + ":" + (r.lo_inclusive ? "[" : "{") +
                  (r.lo.empty() ? "*" : r.lo) + " TO " + (r.hi.empty() ? "*" : r.hi) + (r.hi_inclusive ? "]" : "}");
      bq.filters.push_back(f);
    }
    for (BoundClause& c : bq.clauses) Weigh(&c);
    return bq;
  }

 private:
  std::string Fields() const { return list_fields_ ? " (" + FieldList(snap_) + ")" : std::string(); }
  bool KnownTextField(const std::string& f) const {
    return std::find(snap_.text_fields.begin(), snap_.text_fields.end(), f) != snap_.text_fields.end();
  }

  Status BindClause(const Clause& c, const std::unordered_map<std::string, double>& default_weights, BoundQuery* bq) {
    if (!c.field.empty() && !KnownTextField(c.field)) {
      auto it = snap_.metadata_types.find(c.field);
      if (it == snap_.metadata_types.end()) {
        if (snap_.doc_count == 0) return Status::OK();
        return Status::InvalidArgument("unknown field '" + c.field + "'" + Fields());
      }
      if (it->second == MetadataValue::Type::kKeyword) {
        BoundClause b;
        b.kind = BoundClause::Kind::kFilter;
        b.occur = c.occur == Occur::kMustNot ? Occur::kMustNot : Occur::kMust;
        b.terms = {index::KeywordTerm(c.field, c.text)};
        b.field = c.field;
        b.display = c.field + ":" + c.text;
        bq->clauses.push_back(std::move(b));
      } else {
        NumericFilter f;
        f.field = c.field;
        GB_RETURN_IF_ERROR(ParseBound(c.field, it->second, c.text, &f.lo));
        f.hi = f.lo;
        f.negate = c.occur == Occur::kMustNot;
        f.display = (f.negate ? "-" : "") + c.field + ":" + c.text;
        bq->filters.push_back(f);
      }
      return Status::OK();
    }
    if (c.occur != Occur::kMustNot) bq->semantic_text += (bq->semantic_text.empty() ? "" : " ") + c.text;
    std::vector<text::Token> tokens;
    snap_.analyzer->Analyze(c.text, &tokens);
    if (tokens.empty()) return Status::OK();
    std::unordered_map<std::string, double> weights;
    if (!c.field.empty()) {
      weights[c.field] = 1.0;
    } else {
      weights = default_weights;
    }
    auto make = [&](BoundClause::Kind kind, Occur occur, std::vector<std::string> terms, std::string display) {
      BoundClause b;
      b.kind = kind;
      b.occur = occur;
      b.terms = std::move(terms);
      b.field = c.field;
      b.boost = c.boost;
      b.display = std::move(display);
      b.fields = weights;
      for (const auto& t : b.terms) bq->highlight.push_back(t);
      bq->clauses.push_back(std::move(b));
    };
    const bool phrase = c.kind == Clause::Kind::kPhrase && tokens.size() > 1;
    if (phrase || (tokens.size() > 1 && c.occur == Occur::kMustNot)) {
      std::vector<std::string> terms;
      std::vector<uint32_t> offsets;
      std::string display;
      for (const auto& t : tokens) {
        terms.push_back(t.term);
        offsets.push_back(t.position - tokens.front().position);
        display += (display.empty() ? "" : " ") + t.term;
      }
      make(BoundClause::Kind::kPhrase, c.occur, std::move(terms), "\"" + display + "\"");
      bq->clauses.back().offsets = std::move(offsets);
    } else {
      for (const auto& t : tokens) make(BoundClause::Kind::kTerm, c.occur, {t.term}, t.term);
    }
    return Status::OK();
  }

  uint64_t DocCount() const { return stats_ ? stats_->doc_count : snap_.doc_count; }
  uint64_t DocFreq(const std::string& t) const {
    if (!stats_) return snap_.DocFreq(t);
    auto it = stats_->doc_freq.find(t);
    return it == stats_->doc_freq.end() ? 0 : it->second;
  }
  template <typename F>
  void ForEachFieldTokens(F&& f) const {
    if (stats_)
      for (const auto& [name, n] : stats_->field_tokens) f(name, n);
    else
      for (const auto& [name, n] : snap_.field_tokens) f(name, n);
  }

  void Weigh(BoundClause* c) {
    if (c->kind == BoundClause::Kind::kFilter) return;
    const double n = static_cast<double>(std::max<uint64_t>(DocCount(), 1));
    c->idf = 0;
    c->df = UINT64_MAX;
    for (const auto& t : c->terms) {
      uint64_t df = DocFreq(t);
      c->df = std::min(c->df, df);
      c->idf += Bm25Weight::Idf(df, DocCount());
    }
    double avgdl;
    if (!c->field.empty()) {
      uint64_t tokens = 0;
      ForEachFieldTokens([&](const std::string& f, uint64_t t) {
        if (f == c->field) tokens = t;
      });
      avgdl = static_cast<double>(tokens) / n;
    } else {
      double sum = 0;
      ForEachFieldTokens([&](const std::string& f, uint64_t tokens) {
        auto w = c->fields.find(f);
        sum += (w == c->fields.end() ? 1.0 : w->second) * static_cast<double>(tokens);
      });
      avgdl = sum / n;
    }
    c->weight = Bm25Weight(c->idf, c->boost, snap_.k1, snap_.b, avgdl);
  }

  const Snapshot& snap_;
  bool list_fields_;
  const CorpusStatistics* stats_;
};

// ---------------------------------------------------------------------------
// Per-segment execution

class AllDocsCursor final : public ExplainableCursor {
 public:
  explicit AllDocsCursor(uint32_t n) : n_(n), doc_(n == 0 ? index::kNoDoc : 0) {}
  DocId doc() const override { return doc_; }
  void Next() override { doc_ = (doc_ + 1 < n_) ? doc_ + 1 : index::kNoDoc; }
  void Advance(DocId t) override {
    if (doc_ != index::kNoDoc && t > doc_) doc_ = t < n_ ? t : index::kNoDoc;
  }
  float Score() override { return 0; }
  float MaxScore() const override { return 0; }
  DocId ShallowAdvance(DocId t) override { return t < n_ ? n_ - 1 : index::kNoDoc; }
  float BlockMaxScore() const override { return 0; }
  uint64_t cost() const override { return n_; }
  void Describe(TermExplanation*) override {}

 private:
  uint32_t n_;
  DocId doc_;
};

class SegmentAcceptor final : public DocAcceptor {
 public:
  const SegmentView* view = nullptr;
  AclFilter acl;
  std::vector<std::pair<const NumericFilter*, int>> filters;  // filter, metadata index in segment (-1: absent)
  std::vector<ScoringCursor*> excluded;
  bool Accept(DocId d) override {
    if (!view->IsLive(d) || !acl.Visible(d)) return false;
    for (const auto& [f, mi] : filters) {
      double v = mi >= 0 ? view->reader->ColumnValue(mi, d) : NAN;
      if (!f->Passes(v)) return false;
    }
    for (ScoringCursor* c : excluded) {
      c->Advance(d);
      if (c->doc() == d) return false;
    }
    return true;
  }
};

// Scorers of one query on one segment, in canonical clause order.
struct SegmentPlan {
  std::vector<std::unique_ptr<ExplainableCursor>> owned;
  std::vector<std::pair<size_t, ExplainableCursor*>> must, should;  // (clause index, cursor)
  std::vector<ExplainableCursor*> excluded;
  SegmentAcceptor acceptor;
  bool empty = false;  // no document of the segment can match
  Deadline* deadline = nullptr;
  TopKQuery MakeTopK(size_t k, float threshold) {
    TopKQuery q;
    for (auto& [i, c] : must) q.must.push_back(c);
    for (auto& [i, c] : should) q.should.push_back(c);
    q.acceptor = &acceptor;
    q.k = k;
    q.initial_threshold = threshold;
    q.deadline = deadline;
    return q;
  }
};

FieldWeights SegmentFieldWeights(const index::SegmentReader& seg, const BoundClause& c) {
  FieldWeights fw;
  const auto& names = seg.schema().text_fields;
  fw.w.resize(names.size());
  for (size_t f = 0; f < names.size(); ++f) {
    double w;
    if (!c.field.empty()) {
      w = names[f] == c.field ? 1.0 : 0.0;
    } else {
      auto it = c.fields.find(names[f]);
      w = it == c.fields.end() ? 1.0 : it->second;
    }
    fw.w[f] = static_cast<float>(w);
    if (w != 1.0) fw.unit = false;
  }
  if (!fw.w.empty()) {
    fw.max = *std::max_element(fw.w.begin(), fw.w.end());
    fw.min = *std::min_element(fw.w.begin(), fw.w.end());
  }
  return fw;
}

std::unique_ptr<ExplainableCursor> MakeCursor(const index::SegmentReader& seg, const BoundClause& c,
                                              Deadline* deadline) {
  std::vector<index::TermInfo> infos(c.terms.size());
  for (size_t i = 0; i < c.terms.size(); ++i)
    if (!seg.FindTerm(c.terms[i], &infos[i])) return nullptr;
  switch (c.kind) {
    case BoundClause::Kind::kFilter: return MakeFilterCursor(&seg, infos[0]);
    case BoundClause::Kind::kTerm: return MakeTermCursor(&seg, infos[0], c.weight, SegmentFieldWeights(seg, c));
    case BoundClause::Kind::kPhrase:
      return MakePhraseCursor(&seg, infos, c.offsets, c.weight, SegmentFieldWeights(seg, c), deadline);
  }
  return nullptr;
}

std::unique_ptr<SegmentPlan> PlanSegment(const BoundQuery& bq, const SegmentView& view) {
  auto plan = std::make_unique<SegmentPlan>();
  plan->deadline = bq.deadline;
  const auto& seg = *view.reader;
  for (size_t i = 0; i < bq.clauses.size(); ++i) {
    const BoundClause& c = bq.clauses[i];
    auto cur = MakeCursor(seg, c, bq.deadline);
    if (!cur) {
      if (c.occur == Occur::kMust) plan->empty = true;
      continue;
    }
    ExplainableCursor* p = cur.get();
    plan->owned.push_back(std::move(cur));
    if (c.occur == Occur::kMust) plan->must.emplace_back(i, p);
    else if (c.occur == Occur::kShould) plan->should.emplace_back(i, p);
    else plan->excluded.push_back(p);
  }
  bool has_scoring_clause = false;
  for (const auto& c : bq.clauses)
    if (c.occur != Occur::kMustNot) has_scoring_clause = true;
  if (has_scoring_clause && plan->must.empty() && plan->should.empty()) plan->empty = true;
  if (!has_scoring_clause) {
    // Only exclusions and filters: every document is a candidate.
    plan->owned.push_back(std::make_unique<AllDocsCursor>(seg.num_docs()));
    plan->must.emplace_back(bq.clauses.size(), plan->owned.back().get());
  }
  plan->acceptor.view = &view;
  if (bq.principal != nullptr) plan->acceptor.acl = AclFilter(view, *bq.principal);
  for (const auto& f : bq.filters) plan->acceptor.filters.emplace_back(&f, seg.schema().MetadataIndex(f.field));
  for (auto* c : plan->excluded) plan->acceptor.excluded.push_back(c);
  return plan;
}

Result<BoundQuery> ParseAndBind(const Snapshot& snap, const std::string& query, bool plain, bool list_fields,
                                const CorpusStatistics* stats = nullptr) {
  if (plain) {
    if (query.size() > 65536) return Status::InvalidArgument("query longer than 65536 bytes");
    ParsedQuery pq;
    Clause c;
    c.text = query;
    pq.clauses.push_back(c);
    return Binder(snap, list_fields, stats).Bind(pq);
  }
  auto pq = ParseQuery(query);
  if (!pq.ok()) return pq.status();
  return Binder(snap, list_fields, stats).Bind(*pq);
}

// The query bound for one call: on whose behalf (principal) and within which
// time budget (deadline, which must outlive the result). Search, explain and
// both why-nots bind through here, so what matches is decided once.
Result<BoundQuery> BindCall(const Snapshot& snap, const std::string& query, bool plain, const Principal* principal,
                            const CorpusStatistics* stats, Deadline& deadline) {
  auto bound = ParseAndBind(snap, query, plain, principal == nullptr, stats);
  if (!bound.ok()) return bound;
  bound->principal = principal;
  if (deadline.limited()) bound->deadline = &deadline;  // else the loops skip the checks
  return bound;
}

// Statistics over the documents `principal` may see (deleted ones included,
// as the collection's own statistics do), for the terms of a bound query:
// what a collection holding only those documents would score with, so that
// scores and explanations say nothing about hidden documents. Per segment the
// document and token totals of a principal are computed once and cached in
// the (immutable) segment; document frequencies cost one pass over each query
// term's postings.
CorpusStatistics VisibleStatistics(const Snapshot& snap, const BoundQuery& bq, const Principal& principal) {
  const std::string key = PrincipalKey(principal);
  CorpusStatistics st;
  for (const BoundClause& c : bq.clauses)
    if (c.kind != BoundClause::Kind::kFilter)
      for (const auto& t : c.terms) st.doc_freq.emplace(t, 0);
  for (const SegmentView& view : snap.segments) {
    const index::SegmentReader& seg = *view.reader;
    AclFilter acl(view, principal);
    auto totals = seg.CachedSubsetTotals(key, [&] {
      index::SegmentReader::SubsetTotals t;
      t.field_tokens.assign(static_cast<size_t>(seg.num_fields()), 0);
      for (DocId d = 0; d < seg.num_docs(); ++d) {
        if (!acl.Visible(d)) continue;
        ++t.docs;
        for (int f = 0; f < seg.num_fields(); ++f) t.field_tokens[static_cast<size_t>(f)] += seg.FieldLength(d, f);
      }
      return t;
    });
    st.doc_count += totals->docs;
    const auto& fields = seg.schema().text_fields;
    for (size_t f = 0; f < fields.size() && f < totals->field_tokens.size(); ++f)
      st.field_tokens[fields[f]] += totals->field_tokens[f];
    for (auto& [term, df] : st.doc_freq) {
      index::TermInfo info;
      if (!seg.FindTerm(term, &info)) continue;
      for (index::PostingIterator it(&seg, info); it.doc() != index::kNoDoc; it.Next())
        if (acl.Visible(it.doc())) ++df;
    }
  }
  return st;
}

// BindCall, with statistics over what the principal may see when the options
// ask for them (SearchOptions::principal_statistics): binds twice, once to
// learn the terms, once to weigh them. `stats` keeps the statistics alive.
Result<BoundQuery> BindRequest(const Snapshot& snap, const std::string& query, const SearchOptions& options,
                               Deadline& deadline, CorpusStatistics* stats) {
  const Principal* principal = options.principal ? &*options.principal : nullptr;
  auto bound = BindCall(snap, query, options.plain, principal, options.statistics.get(), deadline);
  if (!bound.ok() || !options.principal_statistics || principal == nullptr || options.statistics) return bound;
  *stats = VisibleStatistics(snap, *bound, *principal);
  return BindCall(snap, query, options.plain, principal, stats, deadline);
}

// Explains document d of plan's segment: positions every cursor on d.
Explanation ExplainInPlan(const Snapshot& snap, const BoundQuery& bq, SegmentPlan& plan, DocId d) {
  Explanation e;
  e.k1 = snap.k1;
  e.b = snap.b;
  if (plan.empty) return e;
  float score = 0;
  bool all_must = true, any_should = false;
  auto visit = [&](size_t clause, ExplainableCursor* c, bool must) {
    c->Advance(d);
    if (c->doc() != d) {
      if (must) all_must = false;
      return;
    }
    if (!must) any_should = true;
    if (clause >= bq.clauses.size()) return;  // match-all cursor
    const BoundClause& bc = bq.clauses[clause];
    TermExplanation t;
    t.term = bc.display;
    t.field = bc.field;
    t.boost = bc.boost;
    t.df = bc.kind == BoundClause::Kind::kFilter ? 0 : bc.df;
    t.doc_count = bq.doc_count;
    t.idf = bc.idf;
    c->Describe(&t);
    float s = c->Score();
    t.contribution = s;
    score += s;
    e.terms.push_back(std::move(t));
  };
  for (auto& [i, c] : plan.must) visit(i, c, true);
  for (auto& [i, c] : plan.should) visit(i, c, false);
  e.matched = all_must && (any_should || !plan.must.empty()) && plan.acceptor.Accept(d);
  if (!e.matched) {
    e.terms.clear();
    e.score = 0;
    e.summary = "does not match";
    return e;
  }
  e.score = score;
  char buf[96];
  std::snprintf(buf, sizeof buf, "BM25 (k1=%.2f, b=%.2f) = %.6f, sum of %zu clause(s)", snap.k1, snap.b, e.score,
                e.terms.size());
  e.summary = buf;
  return e;
}

}  // namespace

// ---------------------------------------------------------------------------
// Searcher

namespace {

// One ranked document of a retriever or of the fused list.
struct Ranked {
  size_t seg;
  DocId doc;
  double score;
  size_t fused_row = SIZE_MAX;  // hybrid: row in the fusion output
};

bool RankedBefore(const Ranked& a, const Ranked& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.seg != b.seg) return a.seg < b.seg;
  return a.doc < b.doc;
}

// BM25 top `want` over all segments.
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

// The query's hard constraints on one segment (live, visible to the
// principal, required and excluded clauses, metadata filters) in random-access
// form, for a retriever that visits documents in no particular order (the
// HNSW graph search). Building it reads only the postings of the required and
// excluded clauses (one bitset each); every check is then O(1) per document,
// with no pass over all of the segment's documents.
class RandomAccessConstraints {
 public:
  RandomAccessConstraints(const BoundQuery& bq, const SegmentView& view) : view_(view) {
    if (bq.principal != nullptr) acl_ = AclFilter(view, *bq.principal);
    const auto& seg = *view.reader;
    for (const auto& f : bq.filters) filters_.emplace_back(&f, seg.schema().MetadataIndex(f.field));
    const size_t words = (seg.num_docs() + 63) / 64;
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
        bits[cur->doc() >> 6] |= 1ull << (cur->doc() & 63);
      }
      (c.occur == Occur::kMust ? required_ : excluded_).push_back(std::move(bits));
    }
  }
  bool none_pass() const { return none_pass_; }
  bool constrained() const {
    return acl_.active() || !filters_.empty() || !required_.empty() || !excluded_.empty();
  }
  // When at most `limit` documents pass the bitset-expressible constraints
  // (live, access control, required and excluded clauses), the ones that pass
  // all of them, in id order; else false. A filter this selective makes a
  // graph search wander (most neighbours rejected), so they are scored
  // exactly instead.
  bool SmallPassSet(size_t limit, std::vector<DocId>* out) const {
    const uint32_t n = view_.reader->num_docs();
    std::vector<uint64_t> bits((n + 63) / 64, ~0ull);
    if (n % 64) bits.back() = (1ull << (n % 64)) - 1;
    if (view_.live)
      for (size_t w = 0; w < bits.size(); ++w) bits[w] &= (*view_.live)[w];
    acl_.Restrict(&bits);
    for (const auto& r : required_)
      for (size_t w = 0; w < bits.size(); ++w) bits[w] &= r[w];
    for (const auto& e : excluded_)
      for (size_t w = 0; w < bits.size(); ++w) bits[w] &= ~e[w];
    size_t count = 0;
    for (uint64_t w : bits) count += static_cast<size_t>(__builtin_popcountll(w));
    if (count > limit) return false;
    out->clear();
    for (size_t w = 0; w < bits.size(); ++w)
      for (uint64_t b = bits[w]; b; b &= b - 1) {
        DocId d = static_cast<DocId>(w * 64 + static_cast<size_t>(__builtin_ctzll(b)));
        if (Accept(d)) out->push_back(d);
      }
    return true;
  }
  bool Accept(DocId d) const {
    if (!view_.IsLive(d) || !acl_.Visible(d)) return false;
    for (const auto& bits : required_)
      if (!((bits[d >> 6] >> (d & 63)) & 1)) return false;
    for (const auto& bits : excluded_)
      if ((bits[d >> 6] >> (d & 63)) & 1) return false;
    for (const auto& [f, mi] : filters_)
      if (!f->Passes(mi >= 0 ? view_.reader->ColumnValue(mi, d) : NAN)) return false;
    return true;
  }

 private:
  const SegmentView& view_;
  AclFilter acl_;
  std::vector<std::pair<const NumericFilter*, int>> filters_;
  std::vector<std::vector<uint64_t>> required_, excluded_;
  bool none_pass_ = false;
};

// Vector top `want` over all segments, honouring the query's constraints.
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
    std::vector<DocId> pass;
    const size_t exact_limit = std::max<size_t>(4096, view.reader->num_docs() / 20);
    if (constraints.constrained() && constraints.SmallPassSet(exact_limit, &pass)) {
      std::vector<Ranked> seg_top;
      for (DocId d : pass) {
        const float score = view.vectors->index->Score(q.data(), d);
        if (std::isfinite(score)) seg_top.push_back({s, d, score});  // (a document without a vector is not)
      }
      std::stable_sort(seg_top.begin(), seg_top.end(), RankedBefore);
      if (seg_top.size() > want) seg_top.resize(want);
      top.insert(top.end(), seg_top.begin(), seg_top.end());
      continue;
    }
    auto accept = [&](uint32_t d) { return constraints.Accept(d); };
    view.vectors->index->Search(q.data(), want, std::max(ef, want), accept, &found);
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

hybrid::FusionMethod ToInternal(FusionMethod m) {
  switch (m) {
    case FusionMethod::kRrf: return hybrid::FusionMethod::kRrf;
    case FusionMethod::kMinMax: return hybrid::FusionMethod::kMinMax;
    case FusionMethod::kZScore: return hybrid::FusionMethod::kZScore;
  }
  return hybrid::FusionMethod::kMinMax;
}

// ---------------------------------------------------------------------------
// Retrievers: phase 1 ranks a retriever's own candidates, phase 2 scores the
// candidates other retrievers found. Fusion runs over any number of them.

// A document another retriever found, to be scored (phase 2).
struct Pending {
  size_t seg;
  DocId doc;
  double* raw;
};

class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual std::string name() const = 0;
  virtual std::vector<Ranked> Retrieve(size_t want) = 0;
  virtual void Score(std::vector<Pending>& docs) = 0;
};

class Bm25Retriever final : public Retriever {
 public:
  Bm25Retriever(const Snapshot& snap, const BoundQuery& bq, TopKAlgorithm algo) : snap_(snap), bq_(bq), algo_(algo) {}
  std::string name() const override { return "bm25"; }
  std::vector<Ranked> Retrieve(size_t want) override {
    uint64_t total = 0;
    return Bm25Ranked(snap_, bq_, want, algo_, &total);
  }
  // Explains each document (cursors move forward only: by segment, then id).
  void Score(std::vector<Pending>& docs) override {
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
      Explanation e = ExplainInPlan(snap_, bq_, *plan, p.doc);
      *p.raw = e.matched ? e.score : 0.0;
    }
  }

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  TopKAlgorithm algo_;
};

class VectorRetriever final : public Retriever {
 public:
  VectorRetriever(const Snapshot& snap, const BoundQuery& bq, const std::vector<float>& q, size_t ef)
      : snap_(snap), bq_(bq), q_(q), ef_(ef) {}
  std::string name() const override { return "vector"; }
  std::vector<Ranked> Retrieve(size_t want) override { return VectorRanked(snap_, bq_, q_, want, ef_); }
  void Score(std::vector<Pending>& docs) override {
    for (const Pending& p : docs) {
      const auto& vec = snap_.segments[p.seg].vectors;
      *p.raw = vec && vec->index ? vec->index->Score(q_.data(), p.doc) : 0.0;
    }
  }

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  const std::vector<float>& q_;
  size_t ef_;
};

// Whether document d of segment s satisfies the query's constraints (live,
// visible to the principal, required clauses, exclusions, filters): the same
// rule the vector retriever applies inside the graph search.
bool Admissible(const Snapshot& snap, const BoundQuery& bq, size_t s, DocId d) {
  RandomAccessConstraints constraints(bq, snap.segments[s]);
  return !constraints.none_pass() && constraints.Accept(d);
}

// An application's retriever (glassbox/retriever.h), on document ids.
class ExternalRetrieverAdapter final : public Retriever {
 public:
  ExternalRetrieverAdapter(const Snapshot& snap, const BoundQuery& bq, const ExternalRetriever& r, std::string query)
      : snap_(snap), bq_(bq), r_(r), query_(std::move(query)) {}
  std::string name() const override { return r_.name(); }
  std::vector<Ranked> Retrieve(size_t want) override {
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
  void Score(std::vector<Pending>& docs) override {
    for (const Pending& p : docs) {
      double v = r_.Score(query_, std::string(snap_.segments[p.seg].reader->ExternalId(p.doc)));
      *p.raw = std::isfinite(v) ? v : 0.0;
    }
  }
  const Status& error() const { return error_; }

 private:
  const Snapshot& snap_;
  const BoundQuery& bq_;
  const ExternalRetriever& r_;
  std::string query_;
  Status error_;
};

// The fused ranking of several retrievers over their global candidate set.
struct FusionRun {
  std::vector<std::unique_ptr<Retriever>> retrievers;
  std::vector<double> weights;
  std::vector<Ranked> cands;  // the candidate set, in order of discovery
  hybrid::FusionInput fin;
  std::vector<hybrid::FusedRow> fused;

  std::vector<const ExternalRetrieverAdapter*> external;

  void Add(std::unique_ptr<Retriever> r, double w) {
    retrievers.push_back(std::move(r));
    weights.push_back(w);
  }

  // The retrievers of a hybrid search and their weights (the collection's
  // calibrated ones unless the options override them); returns the fusion.
  FusionMethod AddRetrievers(const Snapshot& snap, const BoundQuery& bq, const SearchOptions& options,
                             const std::vector<float>& q, size_t ef) {
    const bool own = !options.use_collection_fusion;
    Add(std::make_unique<Bm25Retriever>(snap, bq, options.algorithm), own ? options.bm25_weight : snap.bm25_weight);
    Add(std::make_unique<VectorRetriever>(snap, bq, q, ef), own ? options.vector_weight : snap.vector_weight);
    for (const auto& wr : options.retrievers) {
      auto adapter = std::make_unique<ExternalRetrieverAdapter>(snap, bq, *wr.retriever, bq.semantic_text);
      external.push_back(adapter.get());
      Add(std::move(adapter), wr.weight);
    }
    return own ? options.fusion : snap.fusion;
  }

  // The first error an application's retriever reported (its candidates are then missing).
  Status ExternalError() const {
    for (const auto* e : external)
      if (!e->error().ok()) return e->error();
    return Status::OK();
  }

  // Phase 1 (n candidates from each retriever that weighs something), then
  // phase 2 (every candidate scored by every retriever), then fusion. `also`:
  // a document to score and fuse even if no retriever lists it (why-not).
  void Run(FusionMethod method, double rrf_k, size_t n, const std::pair<size_t, DocId>* also = nullptr) {
    const size_t R = retrievers.size();
    std::map<std::pair<size_t, DocId>, size_t> index;
    auto row = [&](size_t seg, DocId d) {
      auto [it, added] = index.emplace(std::make_pair(seg, d), cands.size());
      if (added) {
        cands.push_back({seg, d, 0});
        fin.raw.emplace_back(R, 0.0);
        fin.rank.emplace_back(R, 0);
      }
      return it->second;
    };
    for (size_t r = 0; r < R; ++r) {
      // A retriever that weighs nothing brings no candidates of its own.
      std::vector<Ranked> list = weights[r] > 0 ? retrievers[r]->Retrieve(n) : std::vector<Ranked>();
      for (size_t i = 0; i < list.size(); ++i) {
        size_t c = row(list[i].seg, list[i].doc);
        fin.raw[c][r] = list[i].score;
        fin.rank[c][r] = static_cast<uint32_t>(i + 1);
      }
    }
    if (also) row(also->first, also->second);
    for (size_t r = 0; r < R; ++r) {
      std::vector<Pending> missing;
      for (size_t c = 0; c < cands.size(); ++c)
        if (fin.rank[c][r] == 0) missing.push_back({cands[c].seg, cands[c].doc, &fin.raw[c][r]});
      retrievers[r]->Score(missing);
    }
    fin.retrievers = R;
    fin.weights = weights;
    fin.rrf_k = rrf_k;
    fused = hybrid::Fuse(ToInternal(method), fin);
  }

  std::string Describe(FusionMethod method) const {
    std::string out = hybrid::FusionName(ToInternal(method));
    for (size_t r = 0; r < retrievers.size(); ++r) {
      char w[32];
      std::snprintf(w, sizeof w, "%.3g", weights[r]);
      out += " " + retrievers[r]->name() + "=" + w;
    }
    return out;
  }

  std::vector<RetrieverScore> Explain(const hybrid::FusedRow& row) const {
    std::vector<RetrieverScore> out;
    for (size_t r = 0; r < retrievers.size(); ++r) {
      const auto& p = row.parts[r];
      out.push_back({retrievers[r]->name(), p.rank, p.raw, p.normalized, weights[r], p.contribution, p.share});
    }
    return out;
  }
};

// The mode a search runs in (kAuto resolved), or why it cannot run.
Result<SearchMode> ResolveMode(const Snapshot& snap, const BoundQuery& bq, SearchMode mode) {
  const bool has_vectors = snap.embedder != nullptr;
  if (mode == SearchMode::kAuto) mode = has_vectors && !bq.semantic_text.empty() ? SearchMode::kHybrid : SearchMode::kBm25;
  if (mode != SearchMode::kBm25 && !has_vectors)
    return Status::InvalidArgument("this collection has no embedder (it was created with embedder \"none\"); use mode bm25");
  if (mode != SearchMode::kBm25 && bq.semantic_text.empty())
    return Status::InvalidArgument("vector and hybrid search need words to embed; the query has only filters");
  return mode;
}

std::string DocIdOf(const SegmentView& view, DocId d) {
  auto doc = view.reader->LoadDocument(d);
  if (doc.ok())
    if (const MetadataValue* v = doc->Meta(provenance::kDocId)) return v->text;
  return std::string(view.reader->ExternalId(d));
}

}  // namespace

Result<SearchResponse> Searcher::Search(const std::string& query, const SearchOptions& options) const {
  auto start = std::chrono::steady_clock::now();
  const Snapshot& snap = *snap_;
  Deadline deadline(options.time_budget);
  CorpusStatistics principal_stats;
  auto bound = BindRequest(snap, query, options, deadline, &principal_stats);
  if (!bound.ok()) return bound.status();
  const BoundQuery& bq = *bound;
  GB_RETURN_IF_ERROR(ValidateSearchOptions(options));
  auto resolved = ResolveMode(snap, bq, options.mode);
  if (!resolved.ok()) return resolved.status();
  const SearchMode mode = *resolved;
  const size_t want = options.k + options.offset;
  SearchResponse resp;
  resp.total_exact = options.algorithm == TopKAlgorithm::kExhaustive && mode == SearchMode::kBm25;
  resp.mode = mode == SearchMode::kBm25 ? "bm25" : mode == SearchMode::kVector ? "vector" : "hybrid";
  const size_t pool = options.rollup_documents ? std::max(want, options.candidates) : want;

  std::vector<Ranked> ranked;
  std::vector<float> q;
  FusionRun run;
  if (mode == SearchMode::kBm25) {
    ranked = Bm25Ranked(snap, bq, pool, options.algorithm, &resp.total_hits);
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking documents"));
  } else {
    GB_RETURN_IF_ERROR(EmbedQuery(snap, bq.semantic_text, &q));
    const size_t ef = options.ef_search ? options.ef_search : std::max<size_t>(options.candidates, 64);
    if (mode == SearchMode::kVector) {
      ranked = VectorRanked(snap, bq, q, pool, ef);
      GB_RETURN_IF_ERROR(CheckDeadline(deadline, "searching the vectors"));
      resp.total_hits = ranked.size();
    } else {
      const size_t n = std::max(pool, options.candidates);
      const FusionMethod method = run.AddRetrievers(snap, bq, options, q, ef);
      run.Run(method, options.rrf_k, n);
      GB_RETURN_IF_ERROR(run.ExternalError());
      GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking and scoring the hybrid candidates"));
      for (size_t i = 0; i < run.fused.size(); ++i) {
        const Ranked& c = run.cands[run.fused[i].candidate];
        ranked.push_back({c.seg, c.doc, run.fused[i].score, i});
      }
      resp.fusion = run.Describe(method);
      resp.total_hits = run.cands.size();
    }
  }
  if (!resp.total_exact && resp.total_hits < ranked.size()) resp.total_hits = ranked.size();

  // Roll chunks up to their documents: the best passage of each document.
  std::vector<std::string> rollup_ids;
  if (options.rollup_documents) {
    std::vector<Ranked> docs;
    std::unordered_set<std::string> seen;
    for (const Ranked& r : ranked) {
      std::string id = DocIdOf(snap.segments[r.seg], r.doc);
      if (!seen.insert(id).second) continue;
      docs.push_back(r);
      rollup_ids.push_back(id);
      if (docs.size() >= want) break;
    }
    ranked = std::move(docs);
  }

  for (size_t i = options.offset; i < ranked.size() && i < want; ++i) {
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "building the hits (fields, snippets, explanations)"));
    const Ranked& g = ranked[i];
    const SegmentView& view = snap.segments[g.seg];
    Hit hit;
    hit.id = std::string(view.reader->ExternalId(g.doc));
    if (options.rollup_documents) {
      hit.passage_id = hit.id;
      hit.id = rollup_ids[i];
    }
    hit.score = g.score;
    const std::string* body = nullptr;
    Result<Document> doc = Document();
    const bool need_doc = options.with_fields || options.with_snippet ||
                          (options.with_explanation && options.explain_words && mode != SearchMode::kBm25 &&
                           snap.embedder->explain_words);
    if (need_doc) {
      doc = view.reader->LoadDocument(g.doc);
      if (!doc.ok()) return doc.status();
      body = doc->Text("body");
      if (body == nullptr && !doc->text.empty()) body = &doc->text.back().second;
    }
    if (options.with_snippet && body != nullptr)
      hit.snippet = MakeSnippet(*snap.analyzer, *body, bq.highlight, options.snippet_chars, options.highlight_open,
                                options.highlight_close);
    if (options.with_explanation) {
      auto plan = PlanSegment(bq, view);
      Explanation e = ExplainInPlan(snap, bq, *plan, g.doc);
      if (e.matched) hit.explanation = std::move(e);
      if (g.fused_row != SIZE_MAX) {
        hit.retrievers = run.Explain(run.fused[g.fused_row]);
      } else if (mode == SearchMode::kVector) {
        hit.retrievers.push_back({"vector", static_cast<uint32_t>(i + 1), g.score, g.score, 1.0, g.score, 1.0});
      }
      if (options.explain_words && mode != SearchMode::kBm25 && snap.embedder->explain_words && body != nullptr) {
        std::string passage;
        for (const auto& [name, value] : doc->text) passage += value + "\n";
        std::lock_guard<std::mutex> l(snap.embedder->mu);
        for (const auto& w : snap.embedder->explain_words(bq.semantic_text, passage, 5))
          hit.similar_words.push_back({w.query_word, w.passage_word, w.contribution});
      }
    }
    if (options.with_fields && doc.ok()) {
      hit.text = std::move(doc->text);
      hit.metadata = std::move(doc->metadata);
    }
    resp.hits.push_back(std::move(hit));
  }
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "building the hits (fields, snippets, explanations)"));
  resp.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return resp;
}

Result<CorpusStatistics> Searcher::QueryStatistics(const std::string& query, const SearchOptions& options) const {
  const Snapshot& snap = *snap_;
  auto bound = ParseAndBind(snap, query, options.plain, !options.principal);
  if (!bound.ok()) return bound.status();
  CorpusStatistics st;
  st.doc_count = snap.doc_count;
  for (const auto& [f, n] : snap.field_tokens) st.field_tokens[f] = n;
  for (const BoundClause& c : bound->clauses)
    if (c.kind != BoundClause::Kind::kFilter)
      for (const auto& t : c.terms) st.doc_freq.emplace(t, snap.DocFreq(t));
  return st;
}

Result<Explanation> Searcher::Explain(const std::string& query, const std::string& id, const Principal* principal,
                                      std::chrono::milliseconds time_budget) const {
  const Snapshot& snap = *snap_;
  Deadline deadline(time_budget);
  auto bound = BindCall(snap, query, false, principal, nullptr, deadline);
  if (!bound.ok()) return bound.status();
  size_t s;
  DocId d;
  if (!FindLiveDocument(snap, id, &s, &d) ||
      (principal != nullptr && !AclFilter(snap.segments[s], *principal).Visible(d)))
    return Status::NotFound("no document with id '" + id + "'");
  auto plan = PlanSegment(*bound, snap.segments[s]);
  Explanation e = ExplainInPlan(snap, *bound, *plan, d);
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "explaining the document"));
  return e;
}

namespace {

// Why document d of segment `seg` is or is not in the BM25 top k of a bound
// query: the clause it fails, else its exact rank by exhaustive scoring.
Result<WhyNot> WhyNotBm25(const Snapshot& snap, const BoundQuery& bq, Deadline& deadline, size_t seg, DocId d,
                          size_t k) {
  WhyNot w;
  const SegmentView& view = snap.segments[seg];
  // Which clauses does the document satisfy?
  std::vector<std::string> missing_must, missing_should, excluded, phrase_missing;
  bool any_should = false, has_should = false, has_must = false;
  for (const BoundClause& c : bq.clauses) {
    auto cur = MakeCursor(*view.reader, c, bq.deadline);
    bool on = false;
    if (cur) {
      cur->Advance(d);
      on = cur->doc() == d;
    }
    bool terms_present = on;
    if (!on && c.kind == BoundClause::Kind::kPhrase) {
      terms_present = true;
      for (const auto& t : c.terms) {
        index::TermInfo info;
        bool has = view.reader->FindTerm(t, &info);
        if (has) {
          index::PostingIterator it(view.reader.get(), info);
          it.Advance(d);
          has = it.doc() == d;
        }
        if (!has) terms_present = false;
      }
    }
    if (c.occur == Occur::kMustNot) {
      if (on) excluded.push_back(c.display);
      continue;
    }
    if (c.occur == Occur::kMust) has_must = true;
    else has_should = true;
    if (on) {
      if (c.occur == Occur::kShould) any_should = true;
      continue;
    }
    if (c.kind == BoundClause::Kind::kPhrase && terms_present) phrase_missing.push_back(c.display);
    else if (c.occur == Occur::kMust) missing_must.push_back(c.display);
    else missing_should.push_back(c.display);
  }
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "matching the query's clauses against the document"));
  if (!view.IsLive(d)) {
    w.reason = WhyNot::Reason::kNoSuchDocument;
    w.message = "document is deleted";
    return w;
  }
  if (!excluded.empty()) {
    w.reason = WhyNot::Reason::kExcluded;
    w.detail = excluded.front();
    w.message = "the document contains the excluded " + excluded.front();
    return w;
  }
  for (const auto& f : bq.filters) {
    int mi = view.reader->schema().MetadataIndex(f.field);
    double v = mi >= 0 ? view.reader->ColumnValue(mi, d) : NAN;
    if (!f.Passes(v)) {
      w.reason = WhyNot::Reason::kFiltered;
      w.detail = f.display;
      w.message = "the filter " + f.display + " rejects it (" + f.field + " = " +
                  (std::isnan(v) ? std::string("absent") : MetadataValue::Number(v).text) + ")";
      return w;
    }
  }
  for (const BoundClause& c : bq.clauses) {
    if (c.kind == BoundClause::Kind::kFilter && c.occur == Occur::kMust &&
        std::find(missing_must.begin(), missing_must.end(), c.display) != missing_must.end()) {
      w.reason = WhyNot::Reason::kFiltered;
      w.detail = c.display;
      w.message = "the filter " + c.display + " rejects it";
      return w;
    }
  }
  w.missing_terms = missing_must;
  w.missing_terms.insert(w.missing_terms.end(), missing_should.begin(), missing_should.end());
  if (!missing_must.empty() || (!has_must && has_should && !any_should && phrase_missing.empty())) {
    w.reason = WhyNot::Reason::kMissingTerms;
    std::string list;
    for (const auto& t : (missing_must.empty() ? missing_should : missing_must)) list += (list.empty() ? "" : ", ") + t;
    w.message = (missing_must.empty() ? "the document contains none of the query terms: " : "the document lacks required term(s): ") + list;
    return w;
  }
  if (!phrase_missing.empty() && (!any_should || has_must)) {
    bool required = false;
    for (const auto& c : bq.clauses)
      if (c.kind == BoundClause::Kind::kPhrase && c.occur == Occur::kMust) required = true;
    if (required || !any_should) {
      w.reason = WhyNot::Reason::kPhraseNotFound;
      w.detail = phrase_missing.front();
      w.message = "the document has the words of " + phrase_missing.front() + " but not as that phrase";
      return w;
    }
  }
  // It matches: find its rank by exhaustive scoring.
  auto plan = PlanSegment(bq, view);
  Explanation e = ExplainInPlan(snap, bq, *plan, d);
  w.score = e.score;
  const float score = static_cast<float>(e.score);
  uint64_t better = 0;
  std::vector<float> top_scores;
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "explaining the document"));
  for (size_t s = 0; s < snap.segments.size(); ++s) {
    auto p = PlanSegment(bq, snap.segments[s]);
    if (p->empty) continue;
    TopKQuery q = p->MakeTopK(snap.segments[s].reader->num_docs(), 0);
    TopKResult r = ExhaustiveTopK(q);
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking every matching document to find the rank"));
    for (const auto& h : r.hits) {
      top_scores.push_back(h.score);
      if (h.score > score || (h.score == score && (s < seg || (s == seg && h.doc < d)))) ++better;
    }
  }
  std::sort(top_scores.rbegin(), top_scores.rend());
  w.rank = better + 1;
  if (k > 0 && top_scores.size() >= k) w.kth_score = top_scores[k - 1];
  char buf[256];
  if (w.rank <= k) {
    w.reason = WhyNot::Reason::kInTopK;
    std::snprintf(buf, sizeof buf, "the document is in the top %zu, at rank %llu (score %.4f)", k,
                  static_cast<unsigned long long>(w.rank), w.score);
  } else {
    w.reason = WhyNot::Reason::kRankedBelow;
    std::snprintf(buf, sizeof buf,
                  "the document matches but ranks %llu (score %.4f); hit #%zu scores %.4f, a gap of %.4f",
                  static_cast<unsigned long long>(w.rank), w.score, k, w.kth_score, w.kth_score - w.score);
  }
  w.message = buf;
  if (!w.missing_terms.empty()) {
    w.message += "; it lacks: ";
    for (size_t i = 0; i < w.missing_terms.size(); ++i) w.message += (i ? ", " : "") + w.missing_terms[i];
  }
  return w;
}

}  // namespace

Result<WhyNot> Searcher::WhyNotInTopK(const std::string& query, const std::string& id, size_t k,
                                      const Principal* principal, std::chrono::milliseconds time_budget) const {
  const Snapshot& snap = *snap_;
  Deadline deadline(time_budget);
  auto bound = BindCall(snap, query, false, principal, nullptr, deadline);
  if (!bound.ok()) return bound.status();
  const BoundQuery& bq = *bound;
  size_t seg;
  DocId d;
  if (!FindLiveDocument(snap, id, &seg, &d) ||
      (principal != nullptr && !AclFilter(snap.segments[seg], *principal).Visible(d))) {
    WhyNot w;
    w.reason = WhyNot::Reason::kNoSuchDocument;
    w.message = "no live document has id '" + id + "'";
    return w;
  }
  return WhyNotBm25(snap, bq, deadline, seg, d, k);
}

Result<WhyNot> Searcher::WhyNotInResults(const std::string& query, const SearchOptions& options,
                                         const std::string& id) const {
  const Snapshot& snap = *snap_;
  GB_RETURN_IF_ERROR(ValidateSearchOptions(options));
  Deadline deadline(options.time_budget);
  CorpusStatistics principal_stats;
  auto bound = BindRequest(snap, query, options, deadline, &principal_stats);
  if (!bound.ok()) return bound.status();
  const BoundQuery& bq = *bound;
  const size_t k = options.offset + options.k;
  size_t seg;
  DocId d;
  if (!FindLiveDocument(snap, id, &seg, &d) ||
      (bq.principal != nullptr && !AclFilter(snap.segments[seg], *bq.principal).Visible(d))) {
    WhyNot w;
    w.reason = WhyNot::Reason::kNoSuchDocument;
    w.message = "no live document has id '" + id + "'";
    return w;
  }
  auto resolved = ResolveMode(snap, bq, options.mode);
  if (!resolved.ok()) return resolved.status();
  const SearchMode mode = *resolved;
  // The document's BM25 breakdown under the same bound query (plain, field
  // weights and injected statistics included).
  Explanation bm25;
  {
    auto plan = PlanSegment(bq, snap.segments[seg]);
    bm25 = ExplainInPlan(snap, bq, *plan, d);
  }
  if (mode == SearchMode::kBm25 || !Admissible(snap, bq, seg, d)) {
    // BM25 ranks exactly; in the other modes a rejected document fails the
    // same clause or filter whatever the retriever.
    auto w = WhyNotBm25(snap, bq, deadline, seg, d, k);
    if (w.ok()) {
      w->mode = SearchModeName(mode);
      w->bm25 = std::move(bm25);
    }
    return w;
  }
  std::vector<float> q;
  GB_RETURN_IF_ERROR(EmbedQuery(snap, bq.semantic_text, &q));
  const size_t ef = options.ef_search ? options.ef_search : std::max<size_t>(options.candidates, 64);
  const size_t n = std::max(k, options.candidates);
  WhyNot w;
  w.mode = SearchModeName(mode);
  w.bm25 = std::move(bm25);
  char buf[512];
  if (mode == SearchMode::kVector) {
    VectorRetriever vr(snap, bq, q, ef);
    std::vector<Ranked> list = vr.Retrieve(k);
    double raw = 0;
    std::vector<Pending> one = {{seg, d, &raw}};
    vr.Score(one);
    uint64_t rank = 0;
    for (size_t i = 0; i < list.size() && rank == 0; ++i)
      if (list[i].seg == seg && list[i].doc == d) rank = i + 1;
    const bool listed = rank > 0;
    if (!listed) rank = list.size() + 1;  // at least: every listed hit is as close or closer
    w.rank = rank;
    w.score = raw;
    if (list.size() >= k && k > 0) w.kth_score = list[k - 1].score;
    w.retrievers.push_back({"vector", listed ? static_cast<uint32_t>(rank) : 0u, raw, raw, 1.0, raw, 1.0});
    w.reason = listed ? WhyNot::Reason::kInTopK : WhyNot::Reason::kRankedBelow;
    if (listed)
      std::snprintf(buf, sizeof buf, "vector search ranks it %llu of the top %zu (cosine %.4f)",
                    static_cast<unsigned long long>(rank), k, raw);
    else
      std::snprintf(buf, sizeof buf,
                    "vector search does not reach it: its cosine %.4f is below hit #%zu's %.4f (a gap of %.4f)", raw,
                    k, w.kth_score, w.kth_score - raw);
    w.message = buf;
    GB_RETURN_IF_ERROR(CheckDeadline(deadline, "explaining the vector ranking"));
    return w;
  }
  // Hybrid: the fusion the search ran, with this document among the candidates.
  FusionRun run;
  const FusionMethod method = run.AddRetrievers(snap, bq, options, q, ef);
  const std::pair<size_t, DocId> doc{seg, d};
  run.Run(method, options.rrf_k, n, &doc);
  GB_RETURN_IF_ERROR(run.ExternalError());
  GB_RETURN_IF_ERROR(CheckDeadline(deadline, "ranking and scoring the hybrid candidates"));
  size_t row = SIZE_MAX, pos = SIZE_MAX;
  for (size_t c = 0; c < run.cands.size() && row == SIZE_MAX; ++c)
    if (run.cands[c].seg == seg && run.cands[c].doc == d) row = c;
  for (size_t i = 0; i < run.fused.size() && pos == SIZE_MAX; ++i)
    if (run.fused[i].candidate == row) pos = i;
  if (pos == SIZE_MAX) return Status::Corruption("why-not: the document vanished from its own fusion");
  const auto& fr = run.fused[pos];
  w.rank = pos + 1;
  w.score = fr.score;
  if (k > 0 && run.fused.size() >= k) w.kth_score = run.fused[k - 1].score;
  w.retrievers = run.Explain(fr);
  std::string missed, parts;
  for (const auto& r : w.retrievers) {
    char p[160];
    if (r.rank > 0)
      std::snprintf(p, sizeof p, "%s ranks it %u (raw %.4f)", r.retriever.c_str(), r.rank, r.raw);
    else
      std::snprintf(p, sizeof p, "%s: not among its %zu candidates (raw %.4f)", r.retriever.c_str(), n, r.raw);
    parts += (parts.empty() ? "" : "; ") + std::string(p);
    if (r.rank == 0 && r.weight > 0) missed += (missed.empty() ? "" : ", ") + r.retriever;
  }
  const std::string fusion = run.Describe(method);
  if (w.rank <= k) {
    w.reason = WhyNot::Reason::kInTopK;
    std::snprintf(buf, sizeof buf, "hybrid (%s) ranks it %llu of the top %zu (fused score %.4f)", fusion.c_str(),
                  static_cast<unsigned long long>(w.rank), k, w.score);
  } else {
    w.reason = WhyNot::Reason::kRankedBelow;
    std::snprintf(buf, sizeof buf, "hybrid (%s) ranks it %llu (fused score %.4f); hit #%zu scores %.4f, a gap of %.4f",
                  fusion.c_str(), static_cast<unsigned long long>(w.rank), w.score, k, w.kth_score,
                  w.kth_score - w.score);
  }
  w.message = std::string(buf) + ". " + parts;
  if (!missed.empty()) w.message += ". Missed by: " + missed;
  if (w.reason == WhyNot::Reason::kRankedBelow) {
    for (const auto& r : w.retrievers)
      if (r.retriever == "bm25" && r.raw == 0) w.message += ". It contains none of the query's words";
  }
  return w;
}

// ---------------------------------------------------------------------------
// Snippets

std::string MakeSnippet(const text::Analyzer& analyzer, const std::string& text, const std::vector<std::string>& terms,
                        size_t max_chars, const std::string& open, const std::string& close) {
  std::vector<text::Token> tokens;
  analyzer.Analyze(text, &tokens);
  std::unordered_set<std::string> wanted(terms.begin(), terms.end());
  std::vector<size_t> hits;  // token indexes that match
  for (size_t i = 0; i < tokens.size(); ++i)
    if (wanted.count(tokens[i].term)) hits.push_back(i);
  // Best window: the first with the most distinct matched terms within
  // max_chars bytes. The window [a, b) only moves forward (two pointers), so
  // this is linear in the matches even when every token of a long text is one.
  size_t begin = 0, end = std::min(text.size(), max_chars);
  if (!hits.empty()) {
    size_t best = 0, best_count = 0;
    std::unordered_map<std::string_view, size_t> in_window;  // term -> matches in [a, b)
    for (size_t a = 0, b = 0; a < hits.size(); ++a) {
      b = std::max(a, b);
      for (; b < hits.size() && tokens[hits[b]].end - tokens[hits[a]].begin <= max_chars; ++b)
        ++in_window[tokens[hits[b]].term];
      if (in_window.size() > best_count) {
        best_count = in_window.size();
        best = a;
      }
      if (a < b) {
        auto it = in_window.find(tokens[hits[a]].term);
        if (--it->second == 0) in_window.erase(it);
      }
    }
    size_t first = tokens[hits[best]].begin;
    // Start a little before the first match, at a token boundary.
    size_t lead = max_chars / 5;
    begin = first > lead ? first - lead : 0;
    for (const auto& t : tokens) {
      if (t.begin >= begin) { begin = t.begin; break; }
    }
    if (first - begin > lead) begin = first;
    end = std::min(text.size(), begin + max_chars);
  }
  // Never cut a UTF-8 sequence.
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  while (begin > 0 && begin < text.size() && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  std::string out;
  if (begin > 0) out += "…";
  size_t cursor = begin;
  for (size_t h : hits) {
    const auto& t = tokens[h];
    if (t.begin < begin || t.end > end) continue;
    out.append(text, cursor, t.begin - cursor);
    out += open;
    out.append(text, t.begin, t.end - t.begin);
    out += close;
    cursor = t.end;
  }
  out.append(text, cursor, end - cursor);
  if (end < text.size()) out += "…";
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

}  // namespace glassbox::search
