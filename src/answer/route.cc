// Ask's router. A question goes to the collection's documents (retrieve,
// read, verify) or to its tables (text-to-SQL, src/table/nl2sql.h), and a
// compound question is split into parts answered one by one. Every answer
// says which route it took and why (Answer::route, route_reason, the trace).
//
// The rule, in order (AskOptions::route "auto"):
//   1. a request with a principal never reads tables: rows carry no access
//      control, so only documents the principal may see can answer;
//   2. a question with an aggregate or time cue tries the tables first; an
//      answer there is final (unless only general glossary words linked the
//      table and the documents answer), "ask back" (two tables fit) is
//      returned as a hand-off, and "the data has no ..." falls back to the
//      documents;
//   3. any other question goes to the documents only: without a cue, a table
//      "answer" is a guess from one stemmed word ("Who painted the Mona
//      Lisa?" -> the suppliers of paint), so `route tables` must ask for it;
//   4. the later parts of a compound question are read with the earlier part
//      appended, so "which supplier delivered most of it" (and 哪个供应商供应
//      的最多, which leaves "it" out) keeps the material and the time range;
//      a later part with no figure cue, time range or back-reference is
//      asked on its own (the earlier part's cue would send it to the tables);
//   5. a comparison of two figures ("Is the contract price of bagged cement
//      above what we paid on average in 2025?", compare.h) answers each side
//      on its own (a side with a table cue from the tables, with the other side
//      appended for its subject; the other from the documents), then compares
//      the two figures when both were found in the same currency and unit.
#include "answer/route.h"

#include "answer/chat.h"
#include "answer/compare.h"
#include "ingest/text_util.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "table/nl2sql.h"
#include "table/table_store.h"

namespace glassbox::answer {
namespace {

// Whole-word (ASCII) or substring (CJK) occurrence of `w` in lower-cased `q`.
bool HasWord(const std::string& q, const std::string& w) {
  if (w.empty()) return false;
  const bool ascii = static_cast<unsigned char>(w[0]) < 0x80;
  for (size_t at = q.find(w); at != std::string::npos; at = q.find(w, at + 1)) {
    if (!ascii) return true;
    bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(q[at - 1]));
    size_t e = at + w.size();
    bool right = e >= q.size() || !std::isalnum(static_cast<unsigned char>(q[e]));
    if (left && right) return true;
  }
  return false;
}

TableResult ToResult(const table::TableAnswer& t) {
  TableResult r;
  r.table = t.table;
  r.sql = t.sql;
  r.path = t.path;
  r.columns = t.columns;
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(v.ToString());
    r.rows.push_back(std::move(cells));
  }
  r.explanation = t.explanation;
  r.evidence_sql = t.evidence_sql;
  r.evidence_columns = t.evidence_columns;
  for (const auto& row : t.evidence_rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(v.ToString());
    r.evidence_rows.push_back(std::move(cells));
  }
  for (const auto& a : t.alternatives) r.alternatives.push_back(a.table);
  return r;
}

// The tables route. *fits: false when the tables cannot answer ("the data has no ...").
Result<Answer> AskTables(const Collection& collection, const std::string& question, const AskOptions& options,
                         bool* fits, std::string* unit = nullptr, const std::string& measure_like = "",
                         bool* general_words_only = nullptr) {
  const auto t0 = std::chrono::steady_clock::now();
  table::AnswerOptions to;
  TableOptionsFrom(options, &to);  // today, sql_mode and the model
  to.measure_like = measure_like;
  auto t = table::AnswerQuestion(collection.dir(), question, to);
  if (!t.ok()) return t.status();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  *fits = t->status != "unanswerable";
  if (unit) *unit = t->measure_unit;
  if (general_words_only) *general_words_only = t->general_words_only;
  Answer a;
  a.route = "table";
  a.timings.read_ms = ms;  // linking the question to the catalog, and running the SQL
  a.table = ToResult(*t);
  for (const auto& line : t->explanation) a.trace.push_back({"table", line});
  if (!t->llm.prompt_tables.empty()) {  // the LLM path: the prompt's tables, the model's SQL, the guard, timings
    const table::LlmTrace& l = t->llm;
    std::string names;
    for (const auto& n : l.prompt_tables) names += (names.empty() ? "" : ", ") + n;
    char ms[160];
    std::snprintf(ms, sizeof ms, "prompt %.1f ms, model %.1f ms, guard and run %.1f ms", l.prompt_ms, l.chat_ms, l.run_ms);
    a.trace.push_back({"sql_prompt", "tables in the prompt: " + names});
    if (!l.model_sql.empty()) a.trace.push_back({"sql_model", l.model_sql});
    a.trace.push_back({"sql_guard", l.verdict});
    a.trace.push_back({"sql_timings", ms});
  }
  if (t->status == "answered") {
    a.status = AnswerStatus::kAnswered;
    a.text = t->answer;
    a.confidence = 1;  // a figure computed by the SQL shown, not a guess; see docs/tables.md
    a.verified = true;
    a.trace.push_back({"verify", t->path == "llm" ? "the figure is the result of the model's SQL shown, run after the SQL "
                                                    "guard passed it; that the SQL means the question is the model's"
                                                  : "the figure is the result of the SQL shown, over the rows listed as evidence"});
  } else if (t->status == "ask_back") {
    a.status = AnswerStatus::kHandoff;
    a.text = t->answer.empty() ? "Several tables fit this question; which one do you mean?" : t->answer;
  } else {
    a.status = AnswerStatus::kNotFound;
    a.text = t->answer;
  }
  return a;
}

const char* kRefersBack[] = {"it", "them", "that", "those", "these", "this", "其", "它", "这些", "那些"};

bool RefersBack(const std::string& part) {
  const std::string q = ingest::AsciiLower(part);
  for (const char* w : kRefersBack)
    if (HasWord(q, w)) return true;
  return false;
}

Result<Answer> RouteOne(const Collection& collection, const std::string& question, const AskOptions& options) {
  const bool principal = options.search.principal.has_value();
  const bool store = table::HasTableStore(collection.dir());
  const bool has_tables = !principal && options.mode == AnswerMode::kExtractive && store;
  std::string cue;
  const bool cued = HasTableCue(question, &cue);
  bool tables_first = has_tables && (options.route == "tables" || (options.route == "auto" && cued));
  std::string why_not_tables = principal ? "tables are not used for a request on behalf of a principal (rows carry "
                                           "no access control)"
                               : options.mode != AnswerMode::kExtractive ? "tables answer extractive requests only"
                               : !store                                   ? "the collection has no tables"
                               : options.route == "documents"           ? "route documents was requested"
                                                                        : "no aggregate or time cue in the question";
  if (options.route == "tables" && !has_tables)
    return Status::InvalidArgument("route tables: " + why_not_tables);
  if (tables_first) {
    bool fits = false, weak = false;
    auto t = AskTables(collection, question, options, &fits, nullptr, "", &weak);
    if (!t.ok()) return t.status();
    std::string reason = options.route == "tables" ? "route tables was requested"
                                                   : "the question asks for a figure ('" + cue + "')";
    if (fits && options.route == "auto" && weak) {
      // "How many days of marriage leave are paid?": only a general word ('paid' -> amount) chose the table;
      // an answer from the documents wins, else the table's stands.
      auto d = AskDocuments(collection, question, options);
      if (!d.ok()) return d.status();
      if (d->status == AnswerStatus::kAnswered) {
        d->route = "documents";
        d->route_reason = reason + ", but only general words linked table " + t->table->table +
                          " (no name, value or time range of its own); the documents answer it";
        return d;
      }
    }
    if (fits || options.route == "tables") {
      t->route_reason = reason + "; table " + t->table->table + " answers it";
      return t;
    }
    auto d = AskDocuments(collection, question, options);
    if (!d.ok()) return d.status();
    d->route = "documents";
    d->route_reason = reason + ", but the tables cannot answer it (" + t->text + "); the documents were read";
    return d;
  }
  auto d = AskDocuments(collection, question, options);
  if (!d.ok()) return d.status();
  d->route = "documents";
  d->route_reason = why_not_tables;
  return d;
}

// A question for one side of a comparison: "the contract price of bagged
// cement" -> "What is the contract price of bagged cement?"; 合同价 -> 合同价是多少？
std::string SideQuestion(const std::string& side) {
  const bool han = std::any_of(side.begin(), side.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }) &&
                   !std::isalpha(static_cast<unsigned char>(side[0]));
  if (han) return side + "是多少？";
  static const char* kWh[] = {"what ", "how ", "which ", "who "};
  const std::string low = ingest::AsciiLower(side);
  for (const char* w : kWh)
    if (low.rfind(w, 0) == 0) return side + "?";
  return "What is " + side + "?";
}

Result<Answer> RouteComparison(const Collection& collection, const std::string& question, const Comparison& c,
                               const AskOptions& options) {
  const bool has_tables = !options.search.principal.has_value() && options.mode == AnswerMode::kExtractive &&
                          table::HasTableStore(collection.dir()) && options.route != "documents";
  Answer all;
  all.route = "multi-step";
  all.route_reason = "a comparison ('" + c.words + "') of two figures: each side answered on its own, then compared";
  Figure figures[2];
  Answer steps[2];
  const std::string sides[2] = {c.left, c.right};
  std::string cues[2];
  bool to_tables[2];
  for (int i = 0; i < 2; ++i) to_tables[i] = has_tables && HasTableCue(sides[i], &cues[i]);
  // The documents side first: its figure's unit picks the table side's measure (a price per tonne is compared
  // with an average price per tonne, not with the average amount paid per delivery).
  const int order[2] = {to_tables[0] && !to_tables[1] ? 1 : 0, to_tables[0] && !to_tables[1] ? 0 : 1};
  for (int i : order) {
    const std::string& side = sides[i];
    const std::string& other = sides[1 - i];
    Answer& step = steps[i];
    bool done = false;
    if (to_tables[i]) {
      // The other side names the subject ("bagged cement") a side like "what we paid on average" leaves out.
      const std::string q = SideQuestion(side) + " " + other;
      const Figure& known = figures[1 - i];
      std::string like;
      if (known.found && !known.currency.empty()) like = known.currency + (known.per.empty() ? "" : "/" + known.per);
      bool fits = false;
      std::string unit;
      auto t = AskTables(collection, q, options, &fits, &unit, like);
      if (!t.ok()) return t.status();
      if (fits) {
        step = std::move(t.value());
        step.route_reason = "this side asks for a figure ('" + cues[i] + "'); the other side appended for its subject: \"" +
                            q + "\"" + (like.empty() ? "" : "; a measure in " + like + " preferred");
        figures[i] = FigureOfTable(step, unit);
        done = true;
      }
    }
    if (!done) {
      const std::string q = SideQuestion(side);
      auto d = AskDocuments(collection, q, options);
      if (!d.ok()) return d.status();
      step = std::move(d.value());
      step.route = "documents";
      step.route_reason = "this side is read from the documents: \"" + q + "\"";
      figures[i] = FigureOfDocuments(step);
    }
  }
  for (int i = 0; i < 2; ++i) {
    all.trace.push_back({"step", std::to_string(i + 1) + ": \"" + sides[i] + "\" -> " + steps[i].route + " (" +
                                     steps[i].route_reason + ")"});
    all.timings.retrieve_ms += steps[i].timings.retrieve_ms;
    all.timings.read_ms += steps[i].timings.read_ms;
    all.timings.verify_ms += steps[i].timings.verify_ms;
    all.steps.push_back(std::move(steps[i]));
  }
  Answer cmp = CompareFigures(c, figures[0], figures[1]);
  for (const auto& t : cmp.trace) all.trace.push_back(t);
  all.trace.push_back({"step", "3: compare -> " + cmp.text});
  all.status = cmp.status;
  all.text = cmp.text;
  all.verified = cmp.status == AnswerStatus::kAnswered && all.steps[0].verified && all.steps[1].verified;
  all.confidence = cmp.status == AnswerStatus::kAnswered
                       ? std::min(all.steps[0].confidence, all.steps[1].confidence)
                       : 0;
  all.steps.push_back(std::move(cmp));
  return all;
}

}  // namespace

bool HasTableCue(const std::string& question, std::string* cue) {
  static const char* kCues[] = {
      "how much", "how many", "total", "sum", "average", "avg", "mean", "count", "number of", "most", "least",
      "top", "highest", "lowest", "largest", "smallest", "per month", "per year", "by month", "by year",
      "last year", "this year", "last month", "last quarter", "since", "between", "in 19", "in 20", "years",
      "多少", "总", "合计", "平均", "最", "几", "去年", "今年", "前年", "近", "过去", "上个", "季度", "每月", "每年"};
  const std::string q = ingest::AsciiLower(question);
  for (const char* c : kCues) {
    std::string w = c;
    bool hit = (w == "in 19" || w == "in 20") ? q.find(w) != std::string::npos : HasWord(q, w);
    if (hit) {
      if (cue) *cue = w;
      return true;
    }
  }
  return false;
}

std::vector<std::string> SplitCompound(const std::string& question) {
  static const char* kJoins[] = {", and which ", ", and who ",  ", and what ", ", and how ", ", and when ",
                                 ", and where ", ", and is ",   ", and did ",  "; ",          "；",
                                 "，并且",       "，以及",      "，还有",      "，另外"};
  std::vector<std::string> parts = {question};
  auto split_all = [&](const std::string& sep, bool keep_sep_end) {
    std::vector<std::string> out;
    for (const auto& p : parts) {
      size_t from = 0;
      const std::string low = ingest::AsciiLower(p);
      for (size_t at = low.find(sep); at != std::string::npos; at = low.find(sep, from)) {
        out.push_back(p.substr(from, at + (keep_sep_end ? sep.size() : 0) - from));
        from = at + sep.size();
        // ", and which ..." keeps its question word in the next part.
        if (sep.rfind(", and ", 0) == 0) from = at + 6;
      }
      out.push_back(p.substr(from));
    }
    parts = std::move(out);
  };
  for (const char* j : kJoins) split_all(j, false);
  split_all("? ", true);
  split_all("？", true);
  std::vector<std::string> clean;
  for (auto& p : parts) {
    size_t b = p.find_first_not_of(" \t"), e = p.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    std::string t = p.substr(b, e - b + 1);
    // A fragment of fewer than two characters is context, not a question.
    size_t chars = 0;
    for (unsigned char c : t) chars += (c & 0xC0) != 0x80;
    if (chars < 2) continue;
    clean.push_back(std::move(t));
  }
  if (clean.empty()) clean.push_back(question);
  return clean;
}

Result<Answer> Route(const Collection& collection, const std::string& question, const AskOptions& options) {
  if (Comparison c; options.route == "auto" && SplitComparison(question, &c))
    return RouteComparison(collection, question, c, options);
  std::vector<std::string> parts = SplitCompound(question);
  if (parts.size() < 2) return RouteOne(collection, question, options);
  Answer all;
  all.route = "multi-step";
  all.route_reason = "a compound question: " + std::to_string(parts.size()) + " parts, answered in order";
  all.status = AnswerStatus::kAnswered;
  all.verified = true;
  all.confidence = 1;
  std::string previous;
  table::Date today;
  if (!table::Date::Parse(options.today, &today)) today = table::Date::Today();
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string q = parts[i];
    // "most of it", 哪个供应商供应的最多, 还有2026年呢: a later part keeps the earlier
    // part's subject and time range, said or not (Chinese usually leaves it out). One
    // with no figure cue, time range or back-reference ("who signed the rebar agreement
    // for the seller") is a question of its own: the earlier words would bring their
    // cue along and send it to the tables.
    if (i > 0 && (RefersBack(q) || HasTableCue(q, nullptr) || table::FindTimeRange(q, today).found))
      q += (RefersBack(q) ? ", " : "，") + previous;
    auto a = RouteOne(collection, q, options);
    if (!a.ok()) return a.status();
    all.trace.push_back({"step", std::to_string(i + 1) + ": \"" + q + "\" -> " + a->route + " (" +
                                     a->route_reason + ")"});
    if (a->status != AnswerStatus::kAnswered) all.status = a->status;
    all.verified = all.verified && a->verified;
    all.confidence = std::min(all.confidence, a->confidence);
    all.timings.retrieve_ms += a->timings.retrieve_ms;
    all.timings.read_ms += a->timings.read_ms;
    all.timings.verify_ms += a->timings.verify_ms;
    all.text += (all.text.empty() ? "" : " ") + std::string("(") + std::to_string(i + 1) + ") " + a->text;
    all.steps.push_back(std::move(a.value()));
    previous = parts[i];
  }
  // A compound answer is as good as its weakest part; a part not answered makes it partial.
  if (all.status == AnswerStatus::kNotFound && !all.steps.empty()) {
    bool any = std::any_of(all.steps.begin(), all.steps.end(),
                           [](const Answer& s) { return s.status == AnswerStatus::kAnswered; });
    if (any) all.trace.push_back({"decision", "partial: some parts were answered, others not (see steps)"});
  }
  return all;
}

}  // namespace glassbox::answer
