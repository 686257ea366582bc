// FAQ mode: stored question -> answer entries (documents with metadata
// kind=faq, title = the question, body = the answer) matched against a user's
// question; the stored answer verbatim, or a hand-off with the top three.
#pragma once

#include <string>
#include <vector>

#include "glassbox/answer.h"
#include "glassbox/collection.h"
#include "glassbox/document.h"
#include "text/analyzer.h"

namespace glassbox::answer {

inline constexpr const char* kFaqKind = "faq";

// Reads FAQ entries from a file: .jsonl/.json (objects with "question" and
// "answer", optional "id"), .csv (a header with question and answer columns)
// or .md ("Q:" / "A:" lines, or a "#"-heading question followed by its
// answer). Ids default to "<file stem>-<n>". Errors name the file and line.
Result<std::vector<Document>> ReadFaqFile(const std::string& path);

// The query a user's question becomes: every word, and every English word
// again on the stored question (title), so the stored question weighs double.
// What the FAQ retriever (search/retrievers.h FaqRetriever) ranks with.
std::string FaqQuery(const std::string& question);

// FAQ entries only, the question's words (BM25 over question + answer).
std::string FaqWordsQuery(const std::string& question);

// The fusion `ask` in FAQ mode runs (min-max): BM25 over question + answer
// and the FAQ retriever, unless the options name faq=W themselves.
inline constexpr double kFaqFusionBm25 = 0.1;
inline constexpr double kFaqFusionFaq = 0.9;

// Share of the question's analyzed terms found in an entry (question + answer).
double FaqCoverage(const std::string& question, const std::string& entry, const text::Analyzer& analyzer);

// FAQ confidence, 0..1: the score margin (top1 - top2) / top1, times the
// coverage of the question's terms by the top entry when that is under half
// (a lone weak match stays low).
double FaqConfidence(double top1, double top2, double coverage);

// The hand-off threshold derived from the collection alone (no labels): each
// of up to `sample` stored questions (the first by document id) is asked back
// as two paraphrases, its even-numbered words and its odd-numbered words in
// reverse order (about half of its words each, order changed); an asked
// paraphrase is right when the top entry is the question's own (a self-match)
// and wrong when another entry's is. The threshold is the lowest confidence on the grid 0, 0.05, ..., 0.95 at which
// at least `precision` of the probes answered are right (0.95 when none is).
// Computed once per collection and number of FAQ entries, then cached.
inline constexpr double kFaqDerivedPrecision = 0.95;
inline constexpr size_t kFaqDerivedSample = 300;
struct FaqThreshold {
  double threshold = 0.95;
  size_t probes = 0;       // paraphrases asked
  size_t right = 0;        // right answers among them (own entry on top)
  double answered = 0;     // share of probes at or above the threshold
  double precision = 0;    // right among those
};
FaqThreshold DeriveFaqThreshold(const Collection& collection, double precision = kFaqDerivedPrecision,
                                size_t sample = kFaqDerivedSample);

Result<Answer> AnswerFaq(const Collection& collection, const std::string& question, const AskOptions& options);

}  // namespace glassbox::answer
