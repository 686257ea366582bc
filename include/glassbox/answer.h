// Answers to questions, with verified citations.
//
//   glassbox::AskOptions o;                        // o.search: the same options as a search
//   o.search.principal = glassbox::Principal{"ann", {"hr"}};   // access control as search
//   auto a = glassbox::Ask(*collection, "How many days of annual leave?", o);
//   // a->status: answered | not_found | handoff;  a->text: "25 days [1]"
//   // a->citations[0]: {n 1, id "policy#3", doc_id "policy", start, end, page, quote}
//
// Route: documents, tables (SQL over the collection's tables, shown with its
// rows), FAQ entries, or a compound question split into steps (AskOptions::route).
//
// Flow: retrieve (Collection::Search with o.search) -> read (pick the sentence
// and span that answer, by question type) -> verify (every sentence of the
// answer must be supported by the passage it cites: its content words and
// every number, date, amount and name must appear there) -> the answer, its
// citations, a confidence and a trace saying why each step chose what it did.
//
// Modes:
//   extractive (default)  a span or sentence of a retrieved passage; "not found"
//                         below not_found_threshold (confidence 0..1)
//   generative            a GGUF chat model run in process by llama.cpp (llm_gguf), or
//                         an OpenAI-compatible /v1/chat/completions endpoint (llm_url),
//                         answers from the numbered passages; its [n] citations are
//                         parsed and every sentence verified like an extractive one
//   faq                   documents with metadata kind=faq (title = the stored
//                         question, body = its answer) are matched; the stored
//                         answer is returned verbatim, or a hand-off with the top
//                         three candidates below handoff_threshold
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/collection.h"
#include "glassbox/request.h"
#include "glassbox/search.h"
#include "glassbox/status.h"

namespace glassbox {

enum class AnswerMode { kExtractive, kFaq, kGenerative };
enum class UnsupportedPolicy { kFlag, kDrop };  // what happens to an answer sentence the verifier rejects
enum class AnswerStatus { kAnswered, kNotFound, kHandoff };

struct AnswerPassage;

struct AskOptions {
  SearchOptions search;          // retrieval (k is ignored: max_passages hits are read)
  size_t max_passages = 5;       // passages read, and numbered [1]..[n]
  AnswerMode mode = AnswerMode::kExtractive;
  UnsupportedPolicy unsupported = UnsupportedPolicy::kFlag;
  // Extractive: below this confidence the answer is "not found" (how it was
  // chosen: EVALUATION.md, "Answers").
  double not_found_threshold = 0.30;
  // FAQ: below this confidence the answer is a hand-off with the top three
  // candidates. NaN (the default): derived from the collection's own stored
  // questions (docs/cli.md, "Hand-off threshold"; answer/faq.h DeriveFaqThreshold).
  double handoff_threshold = std::numeric_limits<double>::quiet_NaN();
  // Generative: an OpenAI-compatible chat endpoint ("http://127.0.0.1:8080/v1/chat/completions",
  // e.g. llama-server), the model name it expects, a token budget and a timeout for the whole call.
  std::string llm_url;
  std::string llm_model = "default";
  size_t llm_max_tokens = 256;
  int llm_timeout_ms = 30000;
  // Generative, in process: a GGUF chat model file run by llama.cpp (instead
  // of llm_url); its chat template comes from the model's metadata. Loaded
  // once per process and kept. llm_threads: CPU threads (0: all cores).
  std::string llm_gguf;
  int llm_threads = 0;
  // Progress, called on the thread that runs Ask (optional): the numbered
  // passages once retrieved (document route only); each piece of generated
  // text (whole UTF-8 characters from the GGUF path; the endpoint path asks
  // for a stream and passes each event's delta, or the whole reply when the
  // endpoint does not stream) -- returning false stops generation, which then ends as if
  // `cancel` were set; `cancel` set by another thread stops generation at
  // the next token: the answer is made of what was generated so far.
  std::function<void(const std::vector<AnswerPassage>&)> on_retrieved;
  std::function<bool(std::string_view piece)> on_token;
  const std::atomic<bool>* cancel = nullptr;
  // Routing (extractive mode): "auto" sends a question with an aggregate or
  // time cue ("how much", "total", "last three years", 多少, 去年, ...) to the
  // collection's tables first (falling back to the documents) and everything
  // else to its documents; "documents" or "tables" forces one.
  // Tables are never used for a request with a principal (rows carry no
  // access control). Compound questions ("..., and which ...?") are split
  // into steps. `today` (YYYY-MM-DD; empty: today) resolves relative dates.
  std::string route = "auto";
  std::string today;
  // Tables: "deterministic" (the parser, default), "llm" (a chat model -- llm_gguf, else llm_url -- given a
  // schema-retrieved prompt; its SQL is checked by the SQL guard before it runs) or "llm-fallback" (the model
  // only when the parser refuses or asks back). docs/tables.md, "The LLM path".
  std::string sql_mode = "deterministic";
};

struct Citation {
  int n = 0;                  // the [n] in the answer text
  std::string id;             // chunk (document) id of the passage
  std::string doc_id;         // source document (metadata doc_id), else the id
  std::string field;          // text field the offsets refer to ("body")
  size_t start = 0, end = 0;  // byte offsets of the quote in that field's text
  std::optional<int> page;    // when the passage knows its page
  std::string quote;          // the cited span
  bool verified = false;      // the verifier found the answer sentence supported here
};

struct TraceStep {
  std::string step;    // "retrieve", "question", "passage", "sentence", "span", "verify", "decision", ...
  std::string detail;  // one line a person can read
};

// A table route's result: the SQL that was run over the collection's tables
// (docs/tables.md) and what it returned, cell values as text.
struct TableResult {
  std::string table;                           // the table queried
  std::string sql;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> explanation;        // why this table, these columns, filters and dates
  std::string evidence_sql;                    // the rows behind an aggregate (file, sheet, row)
  std::vector<std::string> evidence_columns;
  std::vector<std::vector<std::string>> evidence_rows;
  std::vector<std::string> alternatives;       // a question back: the tables that fit about equally
  std::string path = "deterministic";          // which text-to-SQL path answered: deterministic or llm (sql_mode)
};

struct AnswerTimings {
  double retrieve_ms = 0, read_ms = 0, verify_ms = 0;
  // Generative: model load (0 when already loaded), prompt evaluation, time
  // to the first generated token (from the start of generation, load
  // included), the whole generation; tokens of the prompt and of the answer.
  double load_ms = 0, prompt_ms = 0, first_token_ms = 0, generate_ms = 0;
  size_t prompt_tokens = 0, generated_tokens = 0;
  double tokens_per_s = 0;  // generated tokens / (generate_ms - first_token_ms), after the first
};

// A passage that was read (numbered in order), or an FAQ candidate.
struct AnswerPassage {
  int n = 0;
  std::string id, doc_id;
  double score = 0;           // retrieval score
  std::string title;
  std::string text;           // the passage text the offsets refer to
  std::optional<int> page;
  std::string why;            // why it was retrieved (the search's explanation summary)
};

struct Answer {
  AnswerStatus status = AnswerStatus::kNotFound;
  std::string text;                    // the answer with [n] markers; a fixed message when not answered
  std::vector<Citation> citations;
  double confidence = 0;               // 0..1
  std::vector<TraceStep> trace;
  AnswerTimings timings;
  std::vector<AnswerPassage> passages; // read passages; for not_found / handoff the closest candidates
  std::string faq_id;                  // faq mode: the matched entry
  bool verified = false;               // every remaining sentence is supported by what it cites
  // Where the question went and why: "documents", "faq", "table" or
  // "multi-step" (a compound question: one step per part, in `steps`).
  std::string route = "documents";
  std::string route_reason;
  std::optional<TableResult> table;    // route "table"
  std::vector<Answer> steps;           // route "multi-step"
};

const char* AnswerModeName(AnswerMode m);          // extractive faq generative
bool ParseAnswerMode(std::string_view s, AnswerMode* m);
const char* AnswerStatusName(AnswerStatus s);      // answered not_found handoff
const char* UnsupportedPolicyName(UnsupportedPolicy p);  // flag drop

// The answer options by name (in addition to SearchOptionSpecs()):
// max_passages, answer_mode, unsupported, not_found_threshold, handoff_threshold,
// llm_url, llm_model, llm_max_tokens, llm_timeout.
const std::vector<SearchOptionSpec>& AskOptionSpecs();
// Sets an answer option, or else a search option (SetSearchOption) by name.
Status SetAskOption(AskOptions* options, std::string_view name, std::string_view value);
Status ValidateAskOptions(const AskOptions& options);

// Retrieve, read, verify. InvalidArgument for an empty question or one over
// 4096 bytes, or bad options; errors of the search are returned as they are.
Result<Answer> Ask(const Collection& collection, const std::string& question, const AskOptions& options);

// The reader alone, on passages given by the caller (e.g. a gold passage):
// passages are numbered 1..n in order. `analyzer` names the text analyzer
// ("auto-stop", ...); `idf` (optional) gives a term's inverse document frequency.
struct ReaderInput {
  std::string question;
  std::vector<AnswerPassage> passages;
  std::string analyzer = "auto-stop";
  std::function<double(const std::string& term)> idf;  // empty: every term weighs 1
  // The share (0..1) of the question's weight carried by terms the collection
  // knows; the confidence is multiplied by it, so a question about what the
  // knowledge base never mentions ("the capital of France") is not answered
  // from a passage that shares its other words. 1: every term known.
  double known_share = 1;
};
Result<Answer> ReadAnswer(const ReaderInput& input, const AskOptions& options);

}  // namespace glassbox
