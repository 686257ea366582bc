#include "answer/faq.h"
#include "ingest/text_util.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include "answer/reader.h"
#include "answer/verify.h"
#include "search/retrievers.h"

namespace glassbox::answer {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// One CSV record (RFC 4180 quoting); false at end of input.
bool ReadCsvRecord(std::istream& in, std::vector<std::string>* fields, size_t* line) {
  fields->clear();
  std::string field;
  bool quoted = false, any = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') field += static_cast<char>(in.get());
        else quoted = false;
      } else {
        if (c == '\n') ++*line;
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(field);
      field.clear();
    } else if (c == '\n') {
      ++*line;
      break;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!any) return false;
  fields->push_back(field);
  return true;
}

Document MakeEntry(const std::string& id, const std::string& question, const std::string& answer,
                   const std::string& source) {
  Document d;
  d.id = id;
  d.text = {{"title", question}, {"body", answer}};
  d.metadata = {{"kind", MetadataValue::Keyword(kFaqKind)}, {provenance::kSource, MetadataValue::Keyword(source)}};
  return d;
}

}  // namespace

Result<std::vector<Document>> ReadFaqFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the FAQ file");
  const std::string stem = std::filesystem::path(path).stem().string();
  std::string ext = ingest::AsciiLower(std::filesystem::path(path).extension().string());
  std::vector<Document> out;
  auto add = [&](std::string id, const std::string& q, const std::string& a, size_t line) -> Status {
    if (Trim(q).empty() || Trim(a).empty())
      return Status::InvalidArgument(path + ":" + std::to_string(line) + ": an FAQ entry needs a question and an answer");
    if (id.empty()) id = stem + "-" + std::to_string(out.size() + 1);
    out.push_back(MakeEntry(id, Trim(q), Trim(a), path));
    return Status::OK();
  };
  if (ext == ".jsonl" || ext == ".json") {
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (Trim(line).empty()) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return Status::InvalidArgument(path + ":" + std::to_string(n) + ": not a JSON object");
      auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
      std::string q = str("question"), a = str("answer");
      if (q.empty()) q = str("title");
      if (a.empty()) a = str("text");
      std::string id = str("id");
      if (id.empty()) id = str("_id");
      GB_RETURN_IF_ERROR(add(id, q, a, n));
    }
  } else if (ext == ".csv") {
    std::vector<std::string> header, row;
    size_t line = 1;
    if (!ReadCsvRecord(in, &header, &line)) return Status::InvalidArgument(path + ": empty CSV file");
    int qi = -1, ai = -1, ii = -1;
    for (size_t i = 0; i < header.size(); ++i) {
      std::string h = ingest::AsciiLower(Trim(header[i]));
      if (h == "question" || h == "q") qi = static_cast<int>(i);
      if (h == "answer" || h == "a") ai = static_cast<int>(i);
      if (h == "id") ii = static_cast<int>(i);
    }
    if (qi < 0 || ai < 0) return Status::InvalidArgument(path + ":1: the header needs question and answer columns");
    while (true) {
      size_t at = line;
      if (!ReadCsvRecord(in, &row, &line)) break;
      if (row.size() == 1 && Trim(row[0]).empty()) continue;
      if (static_cast<int>(row.size()) <= std::max(qi, ai))
        return Status::InvalidArgument(path + ":" + std::to_string(at) + ": too few columns");
      GB_RETURN_IF_ERROR(add(ii >= 0 && ii < static_cast<int>(row.size()) ? Trim(row[ii]) : "", row[qi], row[ai], at));
    }
  } else if (ext == ".md" || ext == ".markdown" || ext == ".txt") {
    std::string line, q, a;
    size_t n = 0, qline = 0;
    enum { kNone, kQ, kA } state = kNone;
    auto flush = [&]() -> Status {
      if (!Trim(q).empty() && !Trim(a).empty()) GB_RETURN_IF_ERROR(add("", q, a, qline));
      else if (!Trim(q).empty()) return Status::InvalidArgument(path + ":" + std::to_string(qline) + ": a question without an answer");
      q.clear();
      a.clear();
      state = kNone;
      return Status::OK();
    };
    while (std::getline(in, line)) {
      ++n;
      std::string t = Trim(line);
      if (t.rfind("Q:", 0) == 0 || t.rfind("Q：", 0) == 0 || (t.rfind("#", 0) == 0 && t.find('?') != std::string::npos) ||
          (t.rfind("#", 0) == 0 && t.find("？") != std::string::npos)) {
        GB_RETURN_IF_ERROR(flush());
        size_t skip = t.rfind("Q:", 0) == 0 ? 2 : t.rfind("Q：", 0) == 0 ? 4 : t.find_first_not_of('#');
        q = Trim(t.substr(skip));
        qline = n;
        state = kQ;
      } else if (t.rfind("A:", 0) == 0 || t.rfind("A：", 0) == 0) {
        a = Trim(t.substr(t.rfind("A:", 0) == 0 ? 2 : 4));
        state = kA;
      } else if (t.rfind("#", 0) == 0) {
        GB_RETURN_IF_ERROR(flush());
      } else if (state == kQ && !t.empty() && a.empty() && q.size() > 0 && line.rfind("Q", 0) != 0) {
        a = t;  // the answer under a heading question
        state = kA;
      } else if (state == kA) {
        a += "\n" + line;
      }
    }
    GB_RETURN_IF_ERROR(flush());
  } else {
    return Status::InvalidArgument(path + ": FAQ files are .jsonl, .json, .csv or .md");
  }
  if (out.empty()) return Status::InvalidArgument(path + ": no FAQ entries found");
  return out;
}

std::string FaqQuery(const std::string& question) { return search::internal::FaqQueryText(question); }

std::string FaqWordsQuery(const std::string& question) {
  std::string q = "kind:faq";
  std::string word;
  for (unsigned char c : question + " ") {
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
    } else if (!word.empty()) {
      q += " " + word;
      word.clear();
    }
  }
  return q;
}

double FaqCoverage(const std::string& question, const std::string& entry, const text::Analyzer& analyzer) {
  std::vector<text::Token> q, e;
  analyzer.Analyze(question, &q);
  analyzer.Analyze(entry, &e);
  std::set<std::string> terms, qterms;
  for (const auto& t : e) terms.insert(t.term);
  for (const auto& t : q) qterms.insert(t.term);
  if (qterms.empty()) return 0;
  size_t found = 0;
  for (const auto& t : qterms) found += terms.count(t);
  return static_cast<double>(found) / qterms.size();
}

double FaqConfidence(double top1, double top2, double coverage) {
  if (top1 <= 0) return 0;
  // With a single matching entry there is no runner-up to measure a margin
  // against (it would read 1 however weak the match: "What is the capital of
  // France?" matching only "capital"); the squared coverage stands in.
  if (top2 <= 0) return coverage * coverage;
  const double margin = std::clamp((top1 - top2) / top1, 0.0, 1.0);
  // The margin alone separates right from wrong matches best on faq-covid (EVALUATION.md);
  // a match that covers under half of the question's words is scaled down by its coverage.
  return coverage < 0.5 ? margin * coverage : margin;
}

FaqThreshold DeriveFaqThreshold(const Collection& collection, double precision, size_t sample) {
  FaqThreshold out;
  // The stored questions, first by document id (a filter alone scores 0: id order).
  SearchOptions so;
  so.k = std::max<size_t>(sample, 1);
  so.with_fields = true;
  so.with_snippet = false;
  so.with_explanation = false;
  so.mode = SearchMode::kBm25;
  auto entries = collection.Search("kind:faq", so);
  if (!entries.ok() || entries->hits.empty()) return out;
  static std::mutex mu;
  static std::map<std::string, FaqThreshold> cache;
  char key_buf[96];
  std::snprintf(key_buf, sizeof key_buf, "|%p|%llu|%.4f|%zu", static_cast<const void*>(&collection),
                static_cast<unsigned long long>(entries->total_hits), precision, sample);
  const std::string key = collection.dir() + key_buf;
  {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  AskOptions ao;
  ao.mode = AnswerMode::kFaq;
  ao.handoff_threshold = 0;
  std::vector<std::pair<double, bool>> probes;  // (confidence, answered right)
  for (const Hit& h : entries->hits) {
    const std::string* title = nullptr;
    for (const auto& [name, value] : h.text)
      if (name == "title") title = &value;
    if (title == nullptr) continue;
    std::vector<std::string> words;
    std::string w;
    for (unsigned char c : *title + " ") {
      if (std::isalnum(c) || c >= 0x80) w += static_cast<char>(c);
      else if (!w.empty()) words.push_back(w), w.clear();
    }
    for (size_t parity = 0; parity < 2; ++parity) {
      std::string q;
      for (size_t i = words.size(); i-- > 0;)
        if (i % 2 == parity) q += (q.empty() ? "" : " ") + words[i];
      if (q.empty()) continue;
      auto a = AnswerFaq(collection, q, ao);
      if (!a.ok()) continue;
      probes.push_back({a->confidence, a->faq_id == h.id});
    }
  }
  out.probes = probes.size();
  for (const auto& p : probes) out.right += p.second;
  for (int step = 0; step < 20 && !probes.empty(); ++step) {
    const double t = step * 0.05;
    size_t answered = 0, right = 0;
    for (const auto& [c, ok] : probes)
      if (c >= t) ++answered, right += ok;
    if (answered == 0) break;
    const double p = static_cast<double>(right) / answered;
    if (p >= precision || step == 19) {
      out.threshold = std::round(t * 100) / 100;
      out.answered = static_cast<double>(answered) / probes.size();
      out.precision = p;
      break;
    }
  }
  std::lock_guard<std::mutex> l(mu);
  cache[key] = out;
  return out;
}

Result<Answer> AnswerFaq(const Collection& collection, const std::string& question, const AskOptions& asked) {
  const auto t0 = std::chrono::steady_clock::now();
  AskOptions options = asked;
  std::string threshold_source = "set by the request";
  if (std::isnan(options.handoff_threshold)) {
    const FaqThreshold d = DeriveFaqThreshold(collection);
    options.handoff_threshold = d.threshold;
    char b[160];
    std::snprintf(b, sizeof b, "derived from the collection: %.0f%% of %zu stored-question paraphrases answered at %.0f%% precision",
                  d.answered * 100, d.probes, d.precision * 100);
    threshold_source = b;
  }
  SearchOptions so = options.search;
  so.k = 10;
  so.offset = 0;
  so.plain = false;
  so.with_fields = true;
  so.with_snippet = false;
  so.with_explanation = true;
  so.explain_words = false;
  // The FAQ retriever fused with BM25 over question + answer (the options'
  // weights when they name faq=W, else kFaqFusion*): the request pipeline,
  // so filters, access control and the per-retriever explanation apply.
  if (so.use_collection_fusion || !(so.faq_weight > 0)) {
    so.use_collection_fusion = false;
    so.fusion = FusionMethod::kMinMax;
    so.bm25_weight = kFaqFusionBm25;
    so.vector_weight = 0;
    so.faq_weight = kFaqFusionFaq;
  }
  auto r = collection.Search(FaqWordsQuery(question), so);
  if (!r.ok()) return r.status();
  const auto t1 = std::chrono::steady_clock::now();
  Answer ans;
  ans.timings.retrieve_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  char buf[200];
  std::snprintf(buf, sizeof buf, "%zu FAQ entr%s matched (%s: FAQ retriever, stored questions weigh double)",
                r->hits.size(), r->hits.size() == 1 ? "y" : "ies", r->fusion.c_str());
  ans.trace.push_back({"retrieve", buf});
  for (size_t i = 0; i < r->hits.size() && i < 3; ++i) {
    AnswerPassage p = PassageFromHit(r->hits[i], static_cast<int>(i) + 1);
    ans.trace.push_back({"candidate", "[" + std::to_string(p.n) + "] " + p.id + " \"" + p.title + "\": " + p.why});
    ans.passages.push_back(std::move(p));
  }
  // The query's "kind:faq" filter alone matches every entry with score 0: an
  // entry that shares no word with the question is no match at any threshold.
  if (r->hits.empty() || !(r->hits[0].score > 0)) {
    ans.status = AnswerStatus::kHandoff;
    ans.text = "No stored answer matches; handing you to a person.";
    ans.trace.push_back({"decision", "no FAQ entry shares a word with the question: hand-off"});
    return ans;
  }
  const double s1 = r->hits[0].score, s2 = r->hits.size() > 1 ? r->hits[1].score : 0;
  double coverage = 1;
  if (auto an = SharedAnalyzer(collection.AnalyzerName()); an.ok())
    coverage = FaqCoverage(question, ans.passages[0].title + "\n" + ans.passages[0].text, **an);
  ans.confidence = FaqConfidence(s1, s2, coverage);
  std::snprintf(buf, sizeof buf,
                "confidence %.2f = margin (top-1 %.3f - top-2 %.3f) / top-1 (x coverage when under half; "
                "question words covered %.0f%%); hand-off threshold %.2f",
                ans.confidence, s1, s2, coverage * 100, options.handoff_threshold);
  ans.trace.push_back({"confidence", std::string(buf) + " (" + threshold_source + ")"});
  // Confidence 0 (a tie, or no evidence) never answers, even at threshold 0
  // (a derived threshold is 0 when every paraphrase probe found its entry).
  if (ans.confidence < options.handoff_threshold || !(ans.confidence > 0)) {
    ans.status = AnswerStatus::kHandoff;
    ans.text = "Not sure which answer fits; handing you to a person. Closest questions: ";
    for (size_t i = 0; i < ans.passages.size(); ++i)
      ans.text += (i ? "; " : "") + std::string("[") + std::to_string(i + 1) + "] " + ans.passages[i].title;
    ans.trace.push_back({"decision", "below the hand-off threshold: hand-off with the top three candidates"});
    return ans;
  }
  const AnswerPassage& top = ans.passages[0];
  ans.status = AnswerStatus::kAnswered;
  ans.text = top.text;
  ans.faq_id = top.id;
  ans.verified = true;  // the stored answer, verbatim: its own citation
  Citation c;
  c.n = 1;
  c.id = top.id;
  c.doc_id = top.doc_id;
  c.field = "body";
  c.start = 0;
  c.end = top.text.size();
  c.page = top.page;
  c.quote = top.text;
  c.verified = true;
  ans.citations.push_back(c);
  ans.trace.push_back({"decision", "answered with the stored answer of " + top.id + " (\"" + top.title + "\")"});
  return ans;
}

}  // namespace glassbox::answer
