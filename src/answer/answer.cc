// Ask: retrieve -> read -> verify, on the request pipeline (Collection::Search).
#include "glassbox/answer.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "answer/faq.h"
#include "answer/generate.h"
#include "answer/reader.h"
#include "answer/route.h"
#include "search/scorers.h"
#include "answer/verify.h"

namespace glassbox {
namespace {

constexpr size_t kMaxQuestionBytes = 4096;
constexpr size_t kMaxPassages = 50;

Status Invalid(std::string_view name, const std::string& what) {
  return Status::InvalidArgument("option \"" + std::string(name) + "\" " + what);
}

bool ParseReal(std::string_view s, double* out) {
  std::string t(s);
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return !t.empty() && end == t.c_str() + t.size() && std::isfinite(*out);
}

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

const char* AnswerModeName(AnswerMode m) {
  switch (m) {
    case AnswerMode::kExtractive: return "extractive";
    case AnswerMode::kFaq: return "faq";
    case AnswerMode::kGenerative: return "generative";
  }
  return "?";
}

bool ParseAnswerMode(std::string_view s, AnswerMode* m) {
  if (s == "extractive") *m = AnswerMode::kExtractive;
  else if (s == "faq") *m = AnswerMode::kFaq;
  else if (s == "generative") *m = AnswerMode::kGenerative;
  else return false;
  return true;
}

const char* AnswerStatusName(AnswerStatus s) {
  switch (s) {
    case AnswerStatus::kAnswered: return "answered";
    case AnswerStatus::kNotFound: return "not_found";
    case AnswerStatus::kHandoff: return "handoff";
  }
  return "?";
}

const char* UnsupportedPolicyName(UnsupportedPolicy p) { return p == UnsupportedPolicy::kDrop ? "drop" : "flag"; }

const std::vector<SearchOptionSpec>& AskOptionSpecs() {
  static const std::vector<SearchOptionSpec> kSpecs = {
      {"max_passages", "N", "passages read and numbered [1]..[N] (default 5, at most 50)"},
      {"answer_mode", "extractive|faq|generative", "how the answer is made (default extractive)"},
      {"unsupported", "flag|drop", "what happens to an answer sentence its citation does not support (default flag)"},
      {"not_found_threshold", "X", "extractive: below this confidence (0..1) answer \"not found\" (default 0.30)"},
      {"handoff_threshold", "X", "faq: below this confidence (0..1) hand off with the top three (default: derived from the collection)"},
      {"llm_url", "URL", "generative: an OpenAI-compatible /v1/chat/completions endpoint"},
      {"llm_model", "NAME", "generative: the model name sent to the endpoint (default \"default\")"},
      {"llm_max_tokens", "N", "generative: token budget of the answer (default 256, at most 4096)"},
      {"llm_timeout", "MS", "generative: time limit of the model call in ms (default 30000)"},
      {"llm_gguf", "PATH", "generative: a GGUF chat model run in process by llama.cpp (instead of llm_url)"},
      {"llm_threads", "N", "generative, llm_gguf: CPU threads (default 0: all cores)"},
      {"route", "auto|documents|tables", "where the question goes (default auto: by its words, with fallback)"},
      {"sql_mode", "deterministic|llm|llm-fallback", "tables: the parser, a chat model (llm_url or llm_gguf) given a schema-retrieved prompt, or the model when the parser refuses (default deterministic)"},
      {"today", "YYYY-MM-DD", "tables: the reference date of \"last three years\", 去年 ... (default today)"},
  };
  return kSpecs;
}

Status SetAskOption(AskOptions* o, std::string_view name, std::string_view value) {
  if (name == "max_passages") {
    size_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size()) return Invalid(name, "needs a whole number");
    o->max_passages = v;
    return Status::OK();
  }
  if (name == "answer_mode") {
    if (!ParseAnswerMode(value, &o->mode)) return Invalid(name, "is extractive, faq or generative");
    return Status::OK();
  }
  if (name == "unsupported") {
    if (value == "flag") o->unsupported = UnsupportedPolicy::kFlag;
    else if (value == "drop") o->unsupported = UnsupportedPolicy::kDrop;
    else return Invalid(name, "is flag or drop");
    return Status::OK();
  }
  if (name == "route") {
    if (value != "auto" && value != "documents" && value != "tables") return Invalid(name, "is auto, documents or tables");
    o->route = std::string(value);
    return Status::OK();
  }
  if (name == "sql_mode") {
    if (value != "deterministic" && value != "llm" && value != "llm-fallback")
      return Invalid(name, "is deterministic, llm or llm-fallback");
    o->sql_mode = std::string(value);
    return Status::OK();
  }
  if (name == "today") {
    o->today = std::string(value);
    return Status::OK();
  }
  if (name == "llm_url") {
    o->llm_url = std::string(value);
    return Status::OK();
  }
  if (name == "llm_gguf") {
    o->llm_gguf = std::string(value);
    return Status::OK();
  }
  if (name == "llm_threads") {
    size_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v > 1024)
      return Invalid(name, "needs a whole number of threads (0: all cores)");
    o->llm_threads = static_cast<int>(v);
    return Status::OK();
  }
  if (name == "llm_model") {
    o->llm_model = std::string(value);
    return Status::OK();
  }
  if (name == "llm_max_tokens" || name == "llm_timeout") {
    size_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size()) return Invalid(name, "needs a whole number");
    if (name == "llm_max_tokens") o->llm_max_tokens = v;
    else o->llm_timeout_ms = static_cast<int>(std::min<size_t>(v, 600000));
    return Status::OK();
  }
  if (name == "not_found_threshold" || name == "handoff_threshold") {
    double v;
    if (!ParseReal(value, &v)) return Invalid(name, "needs a number");
    (name == "not_found_threshold" ? o->not_found_threshold : o->handoff_threshold) = v;
    return Status::OK();
  }
  return SetSearchOption(&o->search, name, value);
}

Status ValidateAskOptions(const AskOptions& o) {
  if (o.max_passages < 1 || o.max_passages > kMaxPassages)
    return Invalid("max_passages", "must be between 1 and " + std::to_string(kMaxPassages));
  if (!(o.not_found_threshold >= 0 && o.not_found_threshold <= 1))
    return Invalid("not_found_threshold", "must be between 0 and 1");
  if (!std::isnan(o.handoff_threshold) && !(o.handoff_threshold >= 0 && o.handoff_threshold <= 1))
    return Invalid("handoff_threshold", "must be between 0 and 1");
  if (o.sql_mode != "deterministic") {
    if (!o.llm_gguf.empty() && !o.llm_url.empty())
      return Invalid("llm_gguf", "and llm_url are two ways to call a model; give one");
    if (o.llm_gguf.empty() && o.llm_url.rfind("http://", 0) != 0 && o.llm_url.rfind("https://", 0) != 0)
      return Invalid("sql_mode", "\"" + o.sql_mode + "\" needs a model: llm_url (an http(s) OpenAI-compatible "
                                 "/v1/chat/completions endpoint) or llm_gguf (a GGUF chat model file)");
    if (o.llm_timeout_ms < 1) return Invalid("llm_timeout", "must be at least 1 ms");
  }
  if (o.mode == AnswerMode::kGenerative) {
    if (!o.llm_gguf.empty() && !o.llm_url.empty())
      return Invalid("llm_gguf", "and llm_url are two ways to generate; give one");
    if (o.llm_gguf.empty() && o.llm_url.rfind("http://", 0) != 0 && o.llm_url.rfind("https://", 0) != 0)
      return Invalid("llm_url", "must be an http(s) URL of an OpenAI-compatible /v1/chat/completions endpoint "
                                "for answer_mode generative (or llm_gguf a GGUF chat model file)");
    if (o.llm_max_tokens < 1 || o.llm_max_tokens > 4096) return Invalid("llm_max_tokens", "must be between 1 and 4096");
    if (o.llm_timeout_ms < 1) return Invalid("llm_timeout", "must be at least 1 ms");
  }
  return ValidateSearchOptions(o.search);
}

namespace answer {

AnswerPassage PassageFromHit(const Hit& h, int n) {
  AnswerPassage p;
  p.n = n;
  p.id = h.id;
  p.score = h.score;
  const std::string* body = nullptr;
  for (const auto& [k, v] : h.text) {
    if (k == "title") p.title = v;
    if (k == "body" || (k == "text" && !body)) body = &v;
  }
  if (!body)
    for (const auto& [k, v] : h.text)
      if (k != "title" && (!body || v.size() > body->size())) body = &v;
  if (body) p.text = *body;
  for (const auto& [k, v] : h.metadata) {
    if (k == provenance::kDocId) p.doc_id = v.text;
    if (k == provenance::kPage && v.type == MetadataValue::Type::kNumber) p.page = static_cast<int>(v.number);
  }
  if (p.doc_id.empty()) p.doc_id = p.id;
  char buf[96];
  if (h.explanation && h.explanation->matched) {
    p.why = h.explanation->summary;
  } else {
    std::snprintf(buf, sizeof buf, "score %.4f", h.score);
    p.why = buf;
  }
  for (const auto& r : h.retrievers) {
    std::snprintf(buf, sizeof buf, "; %s rank %u (raw %.4f, share %.0f%%)", r.retriever.c_str(), r.rank, r.raw,
                  r.share * 100);
    p.why += buf;
  }
  return p;
}

}  // namespace answer

Result<Answer> ReadAnswer(const ReaderInput& input, const AskOptions& options) {
  if (input.question.empty()) return Status::InvalidArgument("the question is empty");
  return answer::ReadExtractive(input, options);
}

Result<Answer> Ask(const Collection& collection, const std::string& question, const AskOptions& options) {
  size_t first = question.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Status::InvalidArgument("the question is empty");
  if (question.size() > kMaxQuestionBytes)
    return Status::InvalidArgument("the question is " + std::to_string(question.size()) + " bytes; at most " +
                                   std::to_string(kMaxQuestionBytes) + " are accepted");
  GB_RETURN_IF_ERROR(ValidateAskOptions(options));
  if (options.mode == AnswerMode::kFaq) {
    auto a = answer::AnswerFaq(collection, question, options);
    if (a.ok()) {
      a->route = "faq";
      a->route_reason = "answer_mode faq: matched against the stored questions and answers";
    }
    return a;
  }
  return answer::Route(collection, question, options);
}

namespace answer {

Result<Answer> AskDocuments(const Collection& collection, const std::string& question, const AskOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  SearchOptions so = options.search;
  so.k = options.max_passages;
  so.offset = 0;
  so.plain = true;
  so.with_fields = true;
  so.with_snippet = false;
  so.with_explanation = true;
  so.explain_words = false;
  auto r = collection.Search(question, so);
  if (!r.ok()) return r.status();
  ReaderInput in;
  in.question = question;
  in.analyzer = collection.AnalyzerName();
  for (const auto& h : r->hits) in.passages.push_back(answer::PassageFromHit(h, static_cast<int>(in.passages.size()) + 1));
  if (auto stats = collection.QueryStatistics(question, so); stats.ok())
    answer::SetStatistics(&in, std::move(stats.value()), options.search.principal.has_value());
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<TraceStep> retrieval;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%zu passage(s) from %s search (%llu matching) in %.2f ms", in.passages.size(),
                r->mode.c_str(), static_cast<unsigned long long>(r->total_hits), Ms(t0, t1));
  retrieval.push_back({"retrieve", buf});
  for (const auto& p : in.passages)
    retrieval.push_back({"passage", "[" + std::to_string(p.n) + "] " + p.id + ": " + p.why});
  if (options.on_retrieved) options.on_retrieved(in.passages);
  auto a = options.mode != AnswerMode::kGenerative ? answer::ReadExtractive(in, options)
           : options.llm_gguf.empty()              ? answer::Generate(in, options)
                                                   : answer::GenerateGguf(in, options);
  if (!a.ok()) return a.status();
  Answer ans = std::move(a.value());
  ans.trace.insert(ans.trace.begin(), retrieval.begin(), retrieval.end());
  ans.timings.retrieve_ms = Ms(t0, t1);
  return ans;
}

}  // namespace answer

}  // namespace glassbox
