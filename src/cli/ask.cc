// glassbox ask / ingest-faq / eval-answers / eval-faq. See docs/cli.md.
#include "cli/ask.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "answer/answer_json.h"
#include "answer/faq.h"
#include "answer/reader.h"
#include "answer/recognize.h"
#include "answer/verify.h"
#include "cli/args.h"
#include "cli/common.h"
#include "eval/beir.h"
#include "glassbox/answer.h"
#include "glassbox/glassbox.h"

namespace glassbox::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string FlagOf(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

bool IsSwitch(const SearchOptionSpec& s) { return std::string(s.syntax) == "true|false"; }

std::set<std::string> AskValueFlags() {
  std::set<std::string> f = {"user", "group"};
  for (const auto& s : SearchOptionSpecs())
    if (!IsSwitch(s)) f.insert(FlagOf(s.name));
  for (const auto& s : AskOptionSpecs()) f.insert(FlagOf(s.name));
  return f;
}

Status SetAskFlags(const Args& a, AskOptions* o) {
  for (const auto* table : {&SearchOptionSpecs(), &AskOptionSpecs()}) {
    for (const auto& s : *table) {
      const std::string flag = FlagOf(s.name);
      if (IsSwitch(s)) {
        if (a.Has(flag)) GB_RETURN_IF_ERROR(SetAskOption(o, s.name, "true"));
        continue;
      }
      if (!a.HasValue(flag)) continue;
      Status st = SetAskOption(o, s.name, a.Get(flag));
      if (!st.ok()) return Status::InvalidArgument("--" + flag + ": " + st.message());
    }
  }
  if (a.HasValue("user") || a.HasValue("group")) o->search.principal = Principal{a.Get("user"), a.GetAll("group")};
  return Status::OK();
}

std::set<std::string> AskBoolFlags() {
  std::set<std::string> f = {"json", "help", "faq"};
  for (const auto& s : SearchOptionSpecs())
    if (IsSwitch(s)) f.insert(FlagOf(s.name));
  return f;
}

std::string ResolveDataset(const std::string& name) {
  if (fs::is_directory(name)) return name;
  std::string alt = eval::DataRoot() + "/datasets/" + name;
  return fs::is_directory(alt) ? alt : name;
}

const char* kAskHelp =
    "usage: glassbox ask DIR QUESTION [options]\n"
    "Answers QUESTION from the collection: retrieves passages (the search options below),\n"
    "picks the sentence or span that answers it, verifies that the cited passage supports\n"
    "it, and prints the answer, numbered citations (id, byte offsets, page, quote), the\n"
    "confidence and a trace of why. \"Not found\" below --not-found-threshold.\n"
    "  --answer-mode M          extractive (default), faq (stored answers, hand-off; --faq) or generative\n"
    "  --llm-gguf PATH          generative: a GGUF chat model run in process (llama.cpp; its chat template)\n"
    "  --llm-url URL            generative: an OpenAI-compatible /v1/chat/completions endpoint instead\n"
    "  --llm-max-tokens N --llm-timeout MS --llm-threads N   generative: token budget, time limit, CPU threads\n"
    "  --max-passages N         passages read (default 5)\n"
    "  --unsupported flag|drop  unsupported answer sentences: flagged (default) or dropped\n"
    "  --not-found-threshold X  extractive: minimum confidence (default 0.30)\n"
    "  --handoff-threshold X    faq: minimum confidence, else hand-off (default: derived from the collection)\n"
    "  --user U --group G ...   answer on behalf of this principal (access control as search)\n"
    "  --mode, --fusion, --weights, --candidates, ... the search options (see glassbox search --help)\n"
    "  --json                   machine-readable output\n";

}  // namespace

// Prints an answer (and the steps of a compound one, indented) for a person.
void PrintAnswer(const Answer& answer, const std::string& indent);

int CmdAsk(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, AskValueFlags(), AskBoolFlags(), &err)) return Usage(err, kAskHelp);
  if (a.Has("help")) return std::printf("%s", kAskHelp), kOk;
  if (a.positional().size() != 2) return Usage("ask needs DIR and QUESTION (quote the question)", kAskHelp);
  const bool as_json = a.Has("json");
  AskOptions o;
  if (a.Has("faq")) o.mode = AnswerMode::kFaq;
  if (Status st = SetAskFlags(a, &o); !st.ok()) return Fail(st, as_json);
  if (Status st = ValidateAskOptions(o); !st.ok()) return Fail(st, as_json);
  auto c = OpenForReading(a.positional()[0]);
  if (!c.ok()) return Fail(c.status(), as_json);
  auto r = Ask(**c, a.positional()[1], o);
  if (!r.ok()) return Fail(r.status(), as_json);
  if (as_json) {
    std::cout << answer::AnswerToJson(*r).dump() << "\n";
    return kOk;
  }
  PrintAnswer(*r, "");
  return kOk;  // every status is an answer; errors exit non-zero
}

namespace {

void PrintRows(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows,
               const std::string& indent, size_t max_rows) {
  std::string line;
  for (const auto& c : columns) line += (line.empty() ? "" : " | ") + c;
  std::printf("%s%s\n", indent.c_str(), line.c_str());
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    line.clear();
    for (const auto& c : rows[i]) line += (line.empty() ? "" : " | ") + c;
    std::printf("%s%s\n", indent.c_str(), line.c_str());
  }
  if (rows.size() > max_rows) std::printf("%s... %zu more rows\n", indent.c_str(), rows.size() - max_rows);
}

}  // namespace

void PrintAnswer(const Answer& answer, const std::string& indent) {
  const Answer* r = &answer;
  std::printf("%s%s (confidence %.2f%s)\n%s  %s\n", indent.c_str(), AnswerStatusName(r->status), r->confidence,
              r->status != AnswerStatus::kAnswered ? "" : r->verified ? ", verified" : ", NOT verified",
              indent.c_str(), r->text.c_str());
  std::printf("%sroute: %s — %s\n", indent.c_str(), r->route.c_str(), r->route_reason.c_str());
  for (size_t i = 0; i < r->steps.size(); ++i) {
    std::printf("\n%sstep %zu:\n", indent.c_str(), i + 1);
    PrintAnswer(r->steps[i], indent + "    ");
  }
  if (!r->steps.empty()) return;
  if (r->table) {
    std::printf("\n%sSQL: %s\n", indent.c_str(), r->table->sql.c_str());
    PrintRows(r->table->columns, r->table->rows, indent + "  ", 20);
    if (!r->table->evidence_sql.empty()) {
      std::printf("%srows behind the figure (%zu): %s\n", indent.c_str(), r->table->evidence_rows.size(),
                  r->table->evidence_sql.c_str());
      PrintRows(r->table->evidence_columns, r->table->evidence_rows, indent + "  ", 5);
    }
    if (r->status == AnswerStatus::kHandoff && !r->table->alternatives.empty()) {
      std::string alts;
      for (const auto& t : r->table->alternatives) alts += (alts.empty() ? "" : ", ") + t;
      std::printf("%scandidate tables: %s\n", indent.c_str(), alts.c_str());
    }
  }
  if (!r->citations.empty()) {
    std::printf("\n%scitations%s:\n", indent.c_str(), r->status == AnswerStatus::kAnswered ? "" : " (closest evidence)");
    for (const auto& ci : r->citations) {
      std::printf("%s  [%d] %s", indent.c_str(), ci.n, ci.id.c_str());
      if (ci.doc_id != ci.id) std::printf(" (document %s)", ci.doc_id.c_str());
      std::printf(" %s bytes %zu-%zu", ci.field.c_str(), ci.start, ci.end);
      if (ci.page) std::printf(", page %d", *ci.page);
      std::string quote = ci.quote.size() > 300 ? ci.quote.substr(0, 300) + "..." : ci.quote;
      std::printf("%s\n%s      \"%s\"\n", ci.verified ? ", verified" : "", indent.c_str(), quote.c_str());
    }
  }
  if (r->status != AnswerStatus::kAnswered && !r->passages.empty()) {
    std::printf("\n%s%s:\n", indent.c_str(), r->status == AnswerStatus::kHandoff ? "candidates" : "closest passages");
    for (size_t i = 0; i < r->passages.size() && i < 3; ++i)
      std::printf("%s  [%d] %s  %s\n", indent.c_str(), r->passages[i].n, r->passages[i].id.c_str(), r->passages[i].title.c_str());
  }
  std::printf("\n%strace:\n", indent.c_str());
  for (const auto& t : r->trace) std::printf("%s  %-10s %s\n", indent.c_str(), t.step.c_str(), t.detail.c_str());
  std::printf("\n%stimings: retrieve %.2f ms, read %.2f ms, verify %.2f ms\n", indent.c_str(), r->timings.retrieve_ms,
              r->timings.read_ms, r->timings.verify_ms);
  if (r->timings.generate_ms > 0)
    std::printf("%sgeneration: load %.1f ms, prompt %.1f ms (%zu tokens), first token %.1f ms, %zu tokens, %.1f tokens/s\n",
                indent.c_str(), r->timings.load_ms, r->timings.prompt_ms, r->timings.prompt_tokens,
                r->timings.first_token_ms, r->timings.generated_tokens, r->timings.tokens_per_s);
}

// ---------------------------------------------------------------------------

namespace {
const char* kIngestFaqHelp =
    "usage: glassbox ingest-faq DIR FILE... [--json]\n"
    "Adds FAQ entries (question -> answer) to the collection DIR (created if missing), as\n"
    "documents with title = the question, body = the answer and metadata kind=faq, for\n"
    "`glassbox ask --faq`. FILE: .jsonl/.json ({\"id\"?, \"question\", \"answer\"}), .csv (question\n"
    "and answer columns, id optional) or .md (\"Q:\" / \"A:\" lines, or \"# question?\" headings).\n";
}

int CmdIngestFaq(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {}, {"json", "help"}, &err)) return Usage(err, kIngestFaqHelp);
  if (a.Has("help")) return std::printf("%s", kIngestFaqHelp), kOk;
  if (a.positional().size() < 2) return Usage("ingest-faq needs DIR and at least one FILE", kIngestFaqHelp);
  const bool as_json = a.Has("json");
  std::vector<Document> docs;
  for (size_t i = 1; i < a.positional().size(); ++i) {
    auto d = answer::ReadFaqFile(a.positional()[i]);
    if (!d.ok()) return Fail(d.status(), as_json);
    docs.insert(docs.end(), d->begin(), d->end());
  }
  const std::string dir = a.positional()[0];
  auto c = fs::exists(dir + "/MANIFEST") ? Collection::Open(dir) : Collection::Create(dir, CollectionOptions{});
  if (!c.ok()) return Fail(c.status(), as_json);
  WriteBatch b;
  b.adds = docs;
  if (Status st = (*c)->Apply(b); !st.ok()) return Fail(st, as_json);
  if (Status st = (*c)->Commit(); !st.ok()) return Fail(st, as_json);
  if (as_json) std::cout << json{{"entries", docs.size()}}.dump() << "\n";
  else std::printf("%zu FAQ entr%s added to %s\n", docs.size(), docs.size() == 1 ? "y" : "ies", dir.c_str());
  return kOk;
}

// ---------------------------------------------------------------------------
// Extractive QA evaluation.

namespace {

const char* kEvalAnswersHelp =
    "usage: glassbox eval-answers --dataset DIR [--gold-passage] [--predictions-out FILE] [--json]\n"
    "Scores the extractive reader on a SQuAD-style set (DIR/corpus.jsonl, queries.jsonl,\n"
    "answers.jsonl): exact match and F1 (SQuAD normalisation for English, character F1 for\n"
    "Chinese), next to two baselines in the same run (the first sentence of the top passage;\n"
    "the best-BM25 sentence). --gold-passage reads the question's own passage; otherwise\n"
    "end to end (retrieve --max-passages passages from the whole corpus, then read).\n"
    "With --gold-passage it also reports how well the confidence separates answerable\n"
    "questions from the same questions against a wrong passage (the not-found threshold).\n"
    "  --limit N            the first N questions only\n"
    "  --max-passages N     end to end: passages read (default 3)\n"
    "  --analyzer NAME      analyzer (default auto-stop)\n";

bool HasHan(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    if (answer::IsHan(answer::DecodeAt(s, i, &len))) return true;
    i += len;
  }
  return false;
}

bool IsPunctCp(char32_t c) {
  if (c < 0x80) return std::ispunct(static_cast<int>(c)) != 0;
  return (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF65) || (c >= 0x2000 && c <= 0x206F) ||
         c == 0x00B7 || c == 0x00AB || c == 0x00BB;
}

// SQuAD: lower case, no punctuation, no articles, single spaces -> tokens.
std::vector<std::string> EnglishTokens(const std::string& s) {
  std::string t;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    char32_t c = answer::DecodeAt(s, i, &len);
    if (!IsPunctCp(c)) {
      for (size_t k = 0; k < len; ++k) t += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + k])));
    }
    i += len;
  }
  std::vector<std::string> out;
  std::string w;
  auto flush = [&]() {
    if (!w.empty() && w != "a" && w != "an" && w != "the") out.push_back(w);
    w.clear();
  };
  for (char c : t) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') flush();
    else w += c;
  }
  flush();
  return out;
}

// CMRC 2018: characters, without punctuation and spaces (ASCII letters lower-cased).
std::vector<std::string> ChineseTokens(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    char32_t c = answer::DecodeAt(s, i, &len);
    if (!IsPunctCp(c) && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      std::string ch = s.substr(i, len);
      if (len == 1) ch[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(ch[0])));
      out.push_back(ch);
    }
    i += len;
  }
  return out;
}

double TokenF1(const std::vector<std::string>& p, const std::vector<std::string>& g) {
  if (p.empty() || g.empty()) return p.empty() && g.empty() ? 1 : 0;
  std::map<std::string, int> counts;
  for (const auto& t : g) counts[t]++;
  int same = 0;
  for (const auto& t : p)
    if (counts[t]-- > 0) ++same;
  if (same == 0) return 0;
  double prec = static_cast<double>(same) / p.size(), rec = static_cast<double>(same) / g.size();
  return 2 * prec * rec / (prec + rec);
}

// Max over the gold answers: {EM, F1}.
std::pair<double, double> Score(const std::string& pred, const std::vector<std::string>& golds) {
  double em = 0, f1 = 0;
  for (const auto& g : golds) {
    const bool zh = HasHan(g);
    auto pt = zh ? ChineseTokens(pred) : EnglishTokens(pred);
    auto gt = zh ? ChineseTokens(g) : EnglishTokens(g);
    em = std::max(em, pt == gt ? 1.0 : 0.0);
    f1 = std::max(f1, TokenF1(pt, gt));
  }
  return {em, f1};
}

struct QaItem {
  std::string id, question, corpus_id;
  std::vector<std::string> answers;
};

Result<std::vector<QaItem>> LoadAnswers(const std::string& dir) {
  auto queries = eval::LoadBeirQueries(dir + "/queries.jsonl");
  if (!queries.ok()) return queries.status();
  std::map<std::string, std::string> qtext;
  for (const auto& q : *queries) qtext[q.id] = q.text;
  std::ifstream in(dir + "/answers.jsonl");
  if (!in) return Status::NotFound(dir + "/answers.jsonl: cannot open (eval-answers needs a SQuAD-style set)");
  std::vector<QaItem> out;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("query-id") || !j.contains("corpus-id") || !j.contains("answers"))
      return Status::InvalidArgument(dir + "/answers.jsonl:" + std::to_string(n) +
                                     ": needs {\"query-id\", \"corpus-id\", \"answers\"}");
    QaItem it;
    it.id = j["query-id"].get<std::string>();
    it.corpus_id = j["corpus-id"].get<std::string>();
    for (const auto& a : j["answers"]) it.answers.push_back(a.get<std::string>());
    auto q = qtext.find(it.id);
    if (q == qtext.end())
      return Status::InvalidArgument(dir + "/answers.jsonl:" + std::to_string(n) + ": query " + it.id + " is not in queries.jsonl");
    it.question = q->second;
    out.push_back(std::move(it));
  }
  return out;
}

struct Tally {
  double em = 0, f1 = 0;
  size_t n = 0;
  void Add(std::pair<double, double> s) { em += s.first, f1 += s.second, ++n; }
  json ToJson() const { return {{"em", n ? 100 * em / n : 0}, {"f1", n ? 100 * f1 / n : 0}, {"questions", n}}; }
};

std::string Span(const std::vector<AnswerPassage>& ps, const answer::Pick& p) {
  if (p.passage < 0) return "";
  return ps[p.passage].text.substr(p.start, p.end - p.start);
}

}  // namespace

int CmdEvalAnswers(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {"dataset", "predictions-out", "limit", "max-passages", "analyzer"},
               {"json", "help", "gold-passage"}, &err))
    return Usage(err, kEvalAnswersHelp);
  if (a.Has("help")) return std::printf("%s", kEvalAnswersHelp), kOk;
  if (!a.HasValue("dataset")) return Usage("eval-answers needs --dataset DIR", kEvalAnswersHelp);
  const bool as_json = a.Has("json"), gold = a.Has("gold-passage");
  const std::string dataset = ResolveDataset(a.Get("dataset"));
  const std::string analyzer_name = a.Get("analyzer", "auto-stop");
  auto items = LoadAnswers(dataset);
  if (!items.ok()) return Fail(items.status(), as_json);
  if (a.HasValue("limit")) {
    size_t lim = std::strtoull(a.Get("limit").c_str(), nullptr, 10);
    if (lim < items->size()) items->resize(lim);
  }
  auto corpus = eval::LoadBeirCorpus(dataset + "/corpus.jsonl");
  if (!corpus.ok()) return Fail(corpus.status(), as_json);
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < corpus->size(); ++i) by_id[(*corpus)[i].id] = i;
  auto an = answer::SharedAnalyzer(analyzer_name);
  if (!an.ok()) return Fail(an.status(), as_json);
  // Document frequencies over the corpus, for the reader's IDF weights.
  auto df = std::make_shared<std::map<std::string, uint32_t>>();
  for (const auto& d : *corpus) {
    std::vector<text::Token> toks;
    (*an)->Analyze(d.title + "\n" + d.text, &toks);
    std::set<std::string> seen;
    for (const auto& t : toks)
      if (seen.insert(t.term).second) (*df)[t.term]++;
  }
  const double n_docs = static_cast<double>(corpus->size());
  auto idf = [df, n_docs](const std::string& t) {
    auto it = df->find(t);
    double f = it == df->end() ? 0 : it->second;
    return std::log(1 + (n_docs - f + 0.5) / (f + 0.5));
  };
  auto passage_of = [&](const std::string& id, int n) {
    const auto& d = (*corpus)[by_id.at(id)];
    AnswerPassage p;
    p.n = n;
    p.id = p.doc_id = d.id;
    p.title = d.title;
    p.text = d.text;
    return p;
  };
  std::unique_ptr<Collection> coll;
  std::string tmp;
  if (!gold) {
    tmp = (fs::temp_directory_path() / ("glassbox-eval-answers-" + std::to_string(::getpid()))).string();
    CollectionOptions co;
    co.analyzer = analyzer_name;
    co.embedder = "none";
    co.write_ahead_log = false;
    auto c = Collection::Create(tmp, co);
    if (!c.ok()) return Fail(c.status(), as_json);
    coll = std::move(c.value());
    for (const auto& d : *corpus) {
      Status s = coll->Add(Document{d.id, {{"title", d.title}, {"body", d.text}}, {}});
      if (!s.ok()) return Fail(s, as_json);
    }
    if (Status s = coll->Commit(); !s.ok()) return Fail(s, as_json);
  }
  std::ofstream pred_out;
  if (a.HasValue("predictions-out")) {
    pred_out.open(a.Get("predictions-out"));
    if (!pred_out) return Fail(Status::IOError(a.Get("predictions-out") + ": cannot write"), as_json);
  }
  AskOptions o;
  o.not_found_threshold = 0;  // always answer: EM/F1 over every question
  o.max_passages = std::strtoull(a.Get("max-passages", "3").c_str(), nullptr, 10);
  Tally reader, first, bm25;
  size_t sentence_has_gold = 0, cite_has_gold = 0, cited = 0, verified = 0, retrieved_gold = 0;
  std::vector<double> conf_pos, conf_neg;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t qi = 0; qi < items->size(); ++qi) {
    const QaItem& it = (*items)[qi];
    if (!by_id.count(it.corpus_id)) return Fail(Status::InvalidArgument("corpus-id " + it.corpus_id + " of " + it.id + " is not in corpus.jsonl"), as_json);
    ReaderInput in;
    in.question = it.question;
    in.analyzer = analyzer_name;
    in.idf = idf;
    Answer ans;
    if (gold) {
      in.passages.push_back(passage_of(it.corpus_id, 1));
      auto r = ReadAnswer(in, o);
      if (!r.ok()) return Fail(r.status(), as_json);
      ans = std::move(r.value());
      // The same question against a wrong passage: what the confidence says when the answer is not there.
      ReaderInput neg = in;
      const std::string* other = nullptr;
      for (size_t k = 1; k < items->size() && !other; ++k) {
        const QaItem& o2 = (*items)[(qi + k * 7) % items->size()];
        if (o2.corpus_id != it.corpus_id) other = &o2.corpus_id;
      }
      if (other) {
        neg.passages = {passage_of(*other, 1)};
        auto rn = ReadAnswer(neg, o);
        if (rn.ok()) conf_neg.push_back(rn->confidence);
      }
      conf_pos.push_back(ans.confidence);
    } else {
      auto r = Ask(*coll, it.question, o);
      if (!r.ok()) return Fail(Status::InvalidArgument("query " + it.id + ": " + r.status().message()), as_json);
      ans = std::move(r.value());
      in.passages = ans.passages;
      for (const auto& p : in.passages) retrieved_gold += p.id == it.corpus_id;
    }
    std::string pred = ans.citations.empty() ? "" : ans.citations[0].quote;
    reader.Add(Score(pred, it.answers));
    first.Add(Score(Span(in.passages, answer::FirstSentence(in.passages)), it.answers));
    bm25.Add(Score(Span(in.passages, answer::BestBm25Sentence(it.question, in.passages, **an, idf)), it.answers));
    for (const auto& t : ans.trace) {
      if (t.step != "sentence") continue;
      bool has = false;
      for (const auto& g : it.answers) has |= t.detail.find(g) != std::string::npos;
      sentence_has_gold += has;
      break;
    }
    for (const auto& c : ans.citations) {
      ++cited;
      verified += c.verified;
      bool has = false;
      for (const auto& g : it.answers) has |= c.quote.find(g) != std::string::npos;
      cite_has_gold += has;
    }
    if (pred_out) {
      json cites = json::array();
      for (const auto& c : ans.citations) cites.push_back({{"id", c.id}, {"start", c.start}, {"end", c.end}});
      pred_out << json{{"query-id", it.id}, {"status", AnswerStatusName(ans.status)}, {"answer", pred},
                       {"citations", cites}, {"confidence", ans.confidence}}.dump() << "\n";
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (coll) {
    coll.reset();
    fs::remove_all(tmp);
  }
  // The not-found threshold: answerable (own passage) vs unanswerable (a wrong passage).
  json sweep = json::array();
  for (double t = 0.1; t < 0.95; t += 0.05) {
    size_t kept = 0, rejected = 0;
    for (double c : conf_pos) kept += c >= t;
    for (double c : conf_neg) rejected += c < t;
    if (conf_pos.empty() || conf_neg.empty()) break;
    double acc = static_cast<double>(kept + rejected) / (conf_pos.size() + conf_neg.size());
    sweep.push_back({{"threshold", std::round(t * 100) / 100}, {"answerable_answered", 100.0 * kept / conf_pos.size()},
                     {"unanswerable_refused", 100.0 * rejected / conf_neg.size()}, {"accuracy", 100 * acc}});
  }
  json out = {{"dataset", dataset},
              {"setting", gold ? "gold passage" : "end to end (top " + std::to_string(o.max_passages) + " passages)"},
              {"glassbox", reader.ToJson()},
              {"baseline_first_sentence", first.ToJson()},
              {"baseline_bm25_sentence", bm25.ToJson()},
              {"citations_containing_gold", cited ? 100.0 * cite_has_gold / cited : 0},
              {"citations_verified", cited ? 100.0 * verified / cited : 0},
              {"sentence_containing_gold", items->empty() ? 0 : 100.0 * sentence_has_gold / items->size()},
              {"seconds", secs}};
  if (!gold) out["retrieval_recall"] = items->empty() ? 0 : 100.0 * retrieved_gold / items->size();
  if (!sweep.empty()) out["not_found_threshold_sweep"] = sweep;
  if (as_json) {
    std::cout << out.dump() << "\n";
    return kOk;
  }
  std::printf("%s, %s: %zu questions in %.1f s\n", dataset.c_str(), out["setting"].get<std::string>().c_str(),
              reader.n, secs);
  std::printf("  %-28s %6s %6s\n", "system", "EM", "F1");
  for (auto [name, t] : {std::pair<const char*, const Tally*>{"glassbox extractive", &reader},
                         {"baseline: first sentence", &first}, {"baseline: best BM25 sentence", &bm25}})
    std::printf("  %-28s %6.1f %6.1f\n", name, t->n ? 100 * t->em / t->n : 0, t->n ? 100 * t->f1 / t->n : 0);
  std::printf("  citations containing a gold answer: %.1f%%; verified: %.1f%%; chosen sentence contains it: %.1f%%\n",
              out["citations_containing_gold"].get<double>(), out["citations_verified"].get<double>(),
              out["sentence_containing_gold"].get<double>());
  if (!gold) std::printf("  gold passage among those read: %.1f%%\n", out["retrieval_recall"].get<double>());
  if (!sweep.empty()) {
    std::printf("  not-found threshold (answerable = own passage; unanswerable = a wrong passage):\n");
    std::printf("    %9s %10s %10s %9s\n", "threshold", "answered", "refused", "accuracy");
    for (const auto& s : sweep)
      std::printf("    %9.2f %9.1f%% %9.1f%% %8.1f%%\n", s["threshold"].get<double>(), s["answerable_answered"].get<double>(),
                  s["unanswerable_refused"].get<double>(), s["accuracy"].get<double>());
  }
  return kOk;
}

// ---------------------------------------------------------------------------
// FAQ evaluation.

namespace {
const char* kEvalFaqHelp =
    "usage: glassbox eval-faq --dataset DIR [--predictions-out FILE] [--weights bm25=W,faq=W]\n"
    "                         [--min-answered S] [--json]\n"
    "Scores FAQ matching on a BEIR-format FAQ set (corpus: title = stored question, text =\n"
    "its answer): top-1 accuracy and MRR@10 of `ask --faq` (the FAQ retriever fused with BM25;\n"
    "--weights overrides the fusion) next to plain BM25 over question + answer and the FAQ\n"
    "retriever alone, the precision of answered questions against the share answered as the\n"
    "hand-off threshold moves, and the threshold with the highest answered precision among\n"
    "those that still answer a share >= S of the questions (default 0.2): the hand-off\n"
    "threshold chosen from this labelled set.\n";
}

int CmdEvalFaq(int argc, char** argv) {
  Args a;
  std::string err;
  if (!a.Parse(argc, argv, 2, {"dataset", "predictions-out", "weights", "min-answered"}, {"json", "help"}, &err))
    return Usage(err, kEvalFaqHelp);
  if (a.Has("help")) return std::printf("%s", kEvalFaqHelp), kOk;
  if (!a.HasValue("dataset")) return Usage("eval-faq needs --dataset DIR", kEvalFaqHelp);
  const bool as_json = a.Has("json");
  const std::string dataset = ResolveDataset(a.Get("dataset"));
  auto ds = eval::LoadBeir(dataset, true);
  if (!ds.ok()) return Fail(ds.status(), as_json);
  const std::string tmp = (fs::temp_directory_path() / ("glassbox-eval-faq-" + std::to_string(::getpid()))).string();
  CollectionOptions co;
  co.embedder = "none";
  co.write_ahead_log = false;
  auto c = Collection::Create(tmp, co);
  if (!c.ok()) return Fail(c.status(), as_json);
  for (const auto& d : ds->corpus) {
    Status s = (*c)->Add(Document{d.id, {{"title", d.title}, {"body", d.text}}, {{"kind", MetadataValue::Keyword("faq")}}});
    if (!s.ok()) return Fail(s, as_json);
  }
  if (Status s = (*c)->Commit(); !s.ok()) return Fail(s, as_json);
  std::ofstream pred_out;
  if (a.HasValue("predictions-out")) pred_out.open(a.Get("predictions-out"));
  struct Sys { double top1 = 0, mrr = 0; };
  Sys bm25, faq, fused;
  std::vector<std::pair<double, bool>> conf_correct;
  SearchOptions so;
  so.k = 10;
  so.with_snippet = false;
  so.with_fields = false;
  auto score = [&](const std::vector<Hit>& hits, const std::map<std::string, int>& rel, Sys* s) {
    for (size_t i = 0; i < hits.size(); ++i) {
      auto it = rel.find(hits[i].id);
      if (it != rel.end() && it->second > 0) {
        if (i == 0) s->top1 += 1;
        s->mrr += 1.0 / (i + 1);
        break;
      }
    }
  };
  AskOptions ao;
  ao.mode = AnswerMode::kFaq;
  ao.handoff_threshold = 0;
  if (a.HasValue("weights"))
    if (Status s = SetSearchOption(&ao.search, "weights", a.Get("weights")); !s.ok()) return Fail(s, as_json);
  double min_answered = 0.2;
  if (a.HasValue("min-answered")) min_answered = std::atof(a.Get("min-answered").c_str());
  // What ask ranks with (answer/faq.cc AnswerFaq): the fused search, top 10.
  SearchOptions fo = so;
  fo.use_collection_fusion = false;
  fo.fusion = FusionMethod::kMinMax;
  fo.bm25_weight = answer::kFaqFusionBm25;
  fo.vector_weight = 0;
  fo.faq_weight = answer::kFaqFusionFaq;
  if (a.HasValue("weights")) SetSearchOption(&fo, "weights", a.Get("weights"));
  std::vector<double> latencies;
  for (const auto& q : ds->queries) {
    const auto& rel = ds->qrels[q.id];
    SearchOptions plain = so;
    plain.plain = true;
    auto r1 = (*c)->Search(q.text, plain);
    if (!r1.ok()) return Fail(r1.status(), as_json);
    score(r1->hits, rel, &bm25);
    auto r2 = (*c)->Search(answer::FaqQuery(q.text), so);
    if (!r2.ok()) return Fail(r2.status(), as_json);
    score(r2->hits, rel, &faq);
    auto r3 = (*c)->Search(answer::FaqWordsQuery(q.text), fo);
    if (!r3.ok()) return Fail(r3.status(), as_json);
    score(r3->hits, rel, &fused);
    const auto t0 = std::chrono::steady_clock::now();
    auto ans = Ask(**c, q.text, ao);
    latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!ans.ok()) return Fail(ans.status(), as_json);
    auto it = rel.find(ans->faq_id);
    conf_correct.push_back({ans->confidence, it != rel.end() && it->second > 0});
    if (pred_out)
      pred_out << json{{"query-id", q.id}, {"status", AnswerStatusName(ans->status)}, {"faq-id", ans->faq_id},
                       {"confidence", ans->confidence}}.dump() << "\n";
  }
  // The threshold derived without labels (answer/faq.h DeriveFaqThreshold), at several precisions.
  std::vector<std::pair<double, answer::FaqThreshold>> derived;
  for (double p : {0.8, 0.9, answer::kFaqDerivedPrecision, 0.99}) derived.push_back({p, answer::DeriveFaqThreshold(**c, p)});
  (*c).reset();
  fs::remove_all(tmp);
  const double n = ds->queries.size();
  auto at = [&](double t) {  // share answered and precision of answered on the labelled questions
    size_t answered = 0, right = 0;
    for (auto [cf, ok] : conf_correct)
      if (cf >= t - 1e-9) ++answered, right += ok;
    return std::make_pair(100.0 * answered / n, answered ? 100.0 * right / answered : 0.0);
  };
  json derived_json = json::array();
  for (const auto& [p, d] : derived) {
    auto [share, prec] = at(d.threshold);
    derived_json.push_back({{"precision_target", p}, {"threshold", d.threshold}, {"probes", d.probes},
                            {"probes_answered", 100 * d.answered}, {"probes_precision", 100 * d.precision},
                            {"answered", share}, {"precision", prec}});
  }
  json table = json::array();
  double chosen = -1, chosen_precision = -1;
  for (double t = 0; t < 0.96; t += 0.05) {
    size_t answered = 0, right = 0;
    for (auto [cf, ok] : conf_correct)
      if (cf >= t) ++answered, right += ok;
    table.push_back({{"threshold", std::round(t * 100) / 100}, {"answered", 100.0 * answered / n},
                     {"precision", answered ? 100.0 * right / answered : 0}});
    const double precision = answered ? static_cast<double>(right) / answered : 0;
    if (answered > 0 && answered >= min_answered * n && precision > chosen_precision)
      chosen = std::round(t * 100) / 100, chosen_precision = precision;
  }
  std::sort(latencies.begin(), latencies.end());
  json out = {{"dataset", dataset}, {"queries", ds->queries.size()},
              {"bm25", {{"top1", 100 * bm25.top1 / n}, {"mrr10", bm25.mrr / n}}},
              {"faq", {{"top1", 100 * faq.top1 / n}, {"mrr10", faq.mrr / n}}},
              {"ask", {{"top1", 100 * fused.top1 / n}, {"mrr10", fused.mrr / n}, {"bm25_weight", fo.bm25_weight},
                       {"faq_weight", fo.faq_weight}}},
              {"min_answered", min_answered}, {"chosen_threshold", chosen},
              {"ask_p50_ms", latencies.empty() ? 0 : latencies[latencies.size() / 2]},
              {"threshold_table", table}, {"derived_thresholds", derived_json}};
  if (chosen >= 0) {
    auto [share, prec] = at(chosen);
    out["chosen_answered"] = share;
    out["chosen_precision"] = prec;
  }
  if (as_json) {
    std::cout << out.dump() << "\n";
    return kOk;
  }
  std::printf("%s: %zu questions, %zu FAQ entries\n", dataset.c_str(), ds->queries.size(), ds->corpus.size());
  std::printf("  %-40s %7s %7s\n", "system", "top-1", "MRR@10");
  std::printf("  %-40s %6.1f%% %7.3f\n", "plain BM25 over question + answer", 100 * bm25.top1 / n, bm25.mrr / n);
  std::printf("  %-40s %6.1f%% %7.3f\n", "FAQ retriever alone (stored question x2)", 100 * faq.top1 / n, faq.mrr / n);
  char label[64];
  std::snprintf(label, sizeof label, "ask: minmax bm25=%.2g faq=%.2g", fo.bm25_weight, fo.faq_weight);
  std::printf("  %-40s %6.1f%% %7.3f\n", label, 100 * fused.top1 / n, fused.mrr / n);
  std::printf("  hand-off threshold -> share answered, precision of answered:\n");
  for (const auto& t : table)
    std::printf("    %5.2f  %5.1f%%  %5.1f%%\n", t["threshold"].get<double>(), t["answered"].get<double>(),
                t["precision"].get<double>());
  if (chosen >= 0)
    std::printf("  chosen hand-off threshold (highest answered precision, answering >= %.0f%%): %.2f\n",
                min_answered * 100, chosen);
  else
    std::printf("  no threshold answers %.0f%% of the questions\n", min_answered * 100);
  std::printf("  derived without labels (stored-question paraphrases; precision target -> threshold, on these questions:\n"
              "  share answered, precision of answered):\n");
  for (const auto& d : derived_json)
    std::printf("    %4.2f -> %.2f  (%zu probes, %.0f%% right at it)  %5.1f%%  %5.1f%%\n",
                d["precision_target"].get<double>(), d["threshold"].get<double>(), d["probes"].get<size_t>(),
                d["probes_precision"].get<double>(), d["answered"].get<double>(), d["precision"].get<double>());
  return kOk;
}

}  // namespace glassbox::cli
