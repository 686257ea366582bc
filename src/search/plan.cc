// The plan of one request (plan.h): a parsed query bound to the snapshot's
// statistics, then per segment its scorers, acceptor and explanations. Search,
// explain, why-not and the retrievers all bind through BindRequest / BindCall
// and plan each segment through PlanSegment, so the rule of what matches
// (required and excluded clauses, filters, deletions, access control) is here.
#include "search/plan.h"
#include "index/bits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace glassbox::search {

using index::DocId;

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
  // Each part length-prefixed, so that no user or group name can spell another principal's key.
  std::string key = "principal:" + std::to_string(principal.user.size()) + ":" + principal.user;
  for (const auto& g : groups) key += ";" + std::to_string(g.size()) + ":" + g;
  return key;
}

AclFilter::AclFilter(const SegmentView& view, const Principal& principal) {
  const auto& seg = *view.reader;
  visible_ = seg.CachedDocSet(PrincipalKey(principal), [&] {
    // Visible: documents without access-control values, and those that name
    // the principal's user or one of its groups.
    auto users = seg.DocsWithKeywordField(kAclUsersField);
    auto groups = seg.DocsWithKeywordField(kAclGroupsField);
    BitWords visible(BitWordCount(seg.num_docs()), 0);
    for (size_t w = 0; w < visible.size(); ++w) visible[w] = ~((*users)[w] | (*groups)[w]);
    auto allow = [&](const std::string& field, const std::string& value) {
      index::TermInfo info;
      if (!seg.FindTerm(index::KeywordTerm(field, value), &info)) return;
      for (index::PostingIterator it(&seg, info); it.doc() != index::kNoDoc; it.Next())
        SetBit(visible, it.doc());
    };
    if (!principal.user.empty()) allow(kAclUsersField, principal.user);
    for (const auto& g : principal.groups) allow(kAclGroupsField, g);
    if (seg.num_docs() % 64) visible.back() &= (1ull << (seg.num_docs() % 64)) - 1;
    return visible;
  });
}

namespace internal {

namespace {
// The cache key spells the filter exactly: the field length-prefixed, the
// bounds as hexadecimal floats, the inclusive and negated flags.
std::string FilterKey(const NumericFilter& f) {
  char bounds[96];
  std::snprintf(bounds, sizeof bounds, "%a%c%a%c%c", f.lo, f.lo_inc ? '[' : '(', f.hi, f.hi_inc ? ']' : ')',
                f.negate ? '!' : '=');
  return "filter:" + std::to_string(f.field.size()) + ":" + f.field + ":" + bounds;
}
}  // namespace

std::shared_ptr<const std::vector<uint64_t>> CachedFilterDocSet(const index::SegmentReader& seg, const NumericFilter& f) {
  return seg.FindDocSet(FilterKey(f));
}

std::shared_ptr<const std::vector<uint64_t>> FilterDocSet(const index::SegmentReader& seg, const NumericFilter& f) {
  return seg.CachedDocSet(FilterKey(f), [&] {
    const int mi = seg.schema().MetadataIndex(f.field);
    const uint32_t n = seg.num_docs();
    BitWords bits(BitWordCount(n), 0);
    for (DocId d = 0; d < n; ++d)
      if (f.Passes(mi >= 0 ? seg.ColumnValue(mi, d) : NAN)) SetBit(bits, d);
    return bits;
  });
}

Status CheckDeadline(Deadline& deadline, const char* what) {
  return deadline.CheckNow(what) ? Status::DeadlineExceeded(deadline.Message()) : Status::OK();
}

namespace {

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
    std::string words;
    for (const Clause& c : clauses)
      if (c.occur != Occur::kMustNot && (c.field.empty() || KnownTextField(c.field)))  // not keyword filters
        words += (words.empty() ? "" : " ") + c.text;
    drop_stop_ = snap_.analyzer->QueryDropsStopWords(words);
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
  // Whether the analyzer drops stop words from this query's clauses, decided
  // once from the query's words (its clauses but the excluded ones).
  bool drop_stop_ = false;

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
    snap_.analyzer->AnalyzeQuery(c.text, drop_stop_, &tokens);
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

  // Public: WeighClauses re-weighs after feedback changed boosts.
 public:
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


 private:
  const Snapshot& snap_;
  bool list_fields_;
  const CorpusStatistics* stats_;
};

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

}  // namespace

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
  // A filter's bitset when one is cached (the vector retriever builds them; a
  // repeated filter): a bit per candidate. Else its column value per
  // candidate: a filter seen once costs no pass over every document.
  for (const auto& f : bq.filters)
    plan->acceptor.filters.push_back({&f, seg.schema().MetadataIndex(f.field), CachedFilterDocSet(seg, f)});
  for (auto* c : plan->excluded) plan->acceptor.excluded.push_back(c);
  return plan;
}

Result<BoundQuery> ParseAndBind(const Snapshot& snap, const std::string& query, bool plain, bool list_fields,
                                const CorpusStatistics* stats) {
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

Result<BoundQuery> BindCall(const Snapshot& snap, const std::string& query, bool plain, const Principal* principal,
                            const CorpusStatistics* stats, Deadline& deadline) {
  auto bound = ParseAndBind(snap, query, plain, principal == nullptr, stats);
  if (!bound.ok()) return bound;
  bound->principal = principal;
  if (deadline.limited()) bound->deadline = &deadline;  // else the loops skip the checks
  return bound;
}

// Statistics over the documents `principal` may see (deleted ones included,
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

Result<BoundQuery> BindRequest(const Snapshot& snap, const std::string& query, const SearchOptions& options,
                               Deadline& deadline, CorpusStatistics* stats) {
  const Principal* principal = options.principal ? &*options.principal : nullptr;
  auto bound = BindCall(snap, query, options.plain, principal, options.statistics.get(), deadline);
  if (!bound.ok()) return bound;
  const CorpusStatistics* weigh_with = options.statistics.get();
  const bool visible = options.principal_statistics && principal != nullptr && !options.statistics;
  if (visible) {
    *stats = VisibleStatistics(snap, *bound, *principal);
    bound = BindCall(snap, query, options.plain, principal, stats, deadline);
    if (!bound.ok()) return bound;
    weigh_with = stats;
  }
  if (options.feedback.docs > 0 && options.feedback.weight > 0) {
    GB_RETURN_IF_ERROR(ExpandWithFeedback(snap, options, weigh_with, &*bound));
    if (visible) *stats = VisibleStatistics(snap, *bound, *principal);  // the added words' df too
    WeighClauses(snap, weigh_with, &*bound);
  }
  return bound;
}

void WeighClauses(const Snapshot& snap, const CorpusStatistics* stats, BoundQuery* bq) {
  Binder binder(snap, false, stats);
  for (BoundClause& c : bq->clauses) binder.Weigh(&c);
}

Result<SearchMode> ResolveMode(const Snapshot& snap, const BoundQuery& bq, SearchMode mode) {
  const bool has_vectors = snap.embedder != nullptr;
  if (mode == SearchMode::kAuto) mode = has_vectors && !bq.semantic_text.empty() ? SearchMode::kHybrid : SearchMode::kBm25;
  if (mode != SearchMode::kBm25 && !has_vectors)
    return Status::InvalidArgument("this collection has no embedder (it was created with embedder \"none\"); use mode bm25");
  if (mode != SearchMode::kBm25 && bq.semantic_text.empty())
    return Status::InvalidArgument("vector and hybrid search need words to embed; the query has only filters");
  return mode;
}

bool ScoreInPlan(SegmentPlan& plan, DocId d, double* score) {
  *score = 0;
  if (plan.empty) return false;
  float sum = 0;
  bool all_must = true, any_should = false;
  for (auto& [i, c] : plan.must) {
    c->Advance(d);
    if (c->doc() != d) return false;
    sum += c->Score();
  }
  for (auto& [i, c] : plan.should) {
    c->Advance(d);
    if (c->doc() != d) continue;
    any_should = true;
    sum += c->Score();
  }
  if (!(all_must && (any_should || !plan.must.empty()) && plan.acceptor.Accept(d))) return false;
  *score = sum;
  return true;
}

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
    t.feedback = bc.feedback;
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

}  // namespace internal
}  // namespace glassbox::search
