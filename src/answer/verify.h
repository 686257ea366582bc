// Citation verification: every sentence of an answer must be supported by
// the passages it cites ([n], 1-based, among the passages that were given).
//
// A sentence is supported by a passage when every number (1,000 = 1000 =
// 一千), amount, date (2026年1月1日 = 1 January 2026 = 2026-01-01) and
// capitalised name in it appears in the passage, and at least
// kMinContentCoverage of its content words (analyzed terms: stemmed, stop
// words removed) do. A citation to a passage that was not given is rejected;
// a sentence without a valid citation is unsupported.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "glassbox/answer.h"
#include "text/analyzer.h"

namespace glassbox::answer {

inline constexpr double kMinContentCoverage = 0.6;

struct SentenceCheck {
  std::string text;          // the sentence, citation markers included
  size_t begin = 0, end = 0; // byte offsets in the answer text
  std::vector<int> cites;    // [n] markers found, in order
  std::vector<int> invalid_cites;  // markers naming no given passage
  bool supported = false;
  std::string reason;        // why (or why not), one line
};

struct VerifyResult {
  std::vector<SentenceCheck> sentences;
  std::string text;          // the answer after the policy (kDrop: unsupported sentences removed)
  bool all_supported = true; // every sentence of the original answer is supported
  size_t unsupported = 0;
};

// Byte ranges of the sentences of `text` (English . ! ? and Chinese 。！？,
// blank lines); a citation marker after the full stop stays with its sentence.
std::vector<std::pair<size_t, size_t>> SplitSentences(std::string_view text);

// Whether `passage` supports `claim` (citation markers in the claim ignored);
// *reason says what was missing, or what matched.
bool Supports(std::string_view claim, std::string_view passage, const text::Analyzer& analyzer, std::string* reason);

// Checks each sentence of `answer` against the passages it cites;
// passages[0] is [1].
VerifyResult VerifyAnswer(std::string_view answer, const std::vector<std::string>& passages,
                          const text::Analyzer& analyzer, UnsupportedPolicy policy);

// The analyzer that reads text for analyzer `name` (text::WordAnalyzerName:
// a collection's "auto-stop-mix" is read with "auto-stop"), or with
// words = false analyzer `name` itself; made once per process and shared.
Result<std::shared_ptr<const text::Analyzer>> SharedAnalyzer(const std::string& name, bool words = true);

}  // namespace glassbox::answer
