// The extractive reader's parts, exposed for the evaluation and tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "glassbox/answer.h"
#include "text/analyzer.h"

namespace glassbox::answer {

// What a question asks for.
enum class QuestionType { kPerson, kDate, kPlace, kCount, kAmount, kWhich, kWhat, kReason, kOther };
const char* QuestionTypeName(QuestionType t);
QuestionType ClassifyQuestion(std::string_view question);

// A sentence or span picked from passage `passage` (0-based), byte offsets in its text.
struct Pick {
  int passage = -1;
  size_t start = 0, end = 0;
  double score = 0;
  std::string why;
};

// Baselines for the evaluation: the first sentence of the first passage; the
// sentence with the highest BM25 score against the question (sentences as documents).
Pick FirstSentence(const std::vector<AnswerPassage>& passages);
Pick BestBm25Sentence(const std::string& question, const std::vector<AnswerPassage>& passages,
                      const text::Analyzer& analyzer, const std::function<double(const std::string&)>& idf);

// The noun right after "what"/"which" ("What satellite was used" -> "satellite", "what kind of rock"
// -> "rock"); empty when a verb or nothing follows. With `multi_word`, a modifier's noun ("Which German
// architect was asked" -> "architect"), up to three words, before an auxiliary, preposition or verb.
std::string HeadNoun(std::string_view question, bool multi_word = true);

// Where the answer stands in an English question read as a statement: terms before `left_end` (bytes)
// precede the answer, terms from `right_begin` on follow it. In place ("...the presence of what
// molecule?": left_end at "what", right_begin after "molecule") or a who/what subject ("Who led the
// Panthers?": left_end 0); found false for a fronted object ("What did X proclaim?") or no question word.
struct QuestionGap {
  bool found = false;
  size_t left_end = 0, right_begin = 0;
};
QuestionGap FindQuestionGap(std::string_view question);

// A search hit as a numbered passage (text: the body field; doc_id, page from metadata).
AnswerPassage PassageFromHit(const Hit& hit, int n);

// The extractive reader (ReadAnswer's work).
Result<Answer> ReadExtractive(const ReaderInput& input, const AskOptions& options);

// Gives the reader the collection's statistics for the question's terms:
// in->idf (BM25's idf, as the search scored the passages) and, unless the
// search ran for a principal, in->known_share -- the IDF-weighted share of the
// question's content terms the collection contains. Stop words a long query
// would drop (analyzer "auto-qstop-mix" keeps them in short ones) do not count:
// "What is the capital of France?" is not 80 % known because the index has
// "what", "is" and "the". A principal's search gets no share: its counts
// include documents it may not see, and a lowered confidence would tell that a
// word exists only there. Ask and the sharded coordinator (read_answer) both
// call this, so a sharded answer equals one node's.
void SetStatistics(ReaderInput* in, CorpusStatistics statistics, bool principal);

}  // namespace glassbox::answer
