// Text analysis: text -> a sequence of terms with positions and offsets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::text {

struct Token {
  std::string term;     // normalized, folded (and stemmed) term, UTF-8
  uint32_t position;    // 0-based token position; a phrase is consecutive positions
  uint32_t begin;       // byte offset of the token in the analyzed text
  uint32_t end;         // byte offset one past the token
};

// An Analyzer is immutable after construction and safe to use from many
// threads at once.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // Appends the tokens of `text` to *out. Positions start at `first_position`.
  // Never fails: invalid UTF-8 is replaced, not rejected.
  virtual void Analyze(std::string_view text, std::vector<Token>* out, uint32_t first_position = 0) const = 0;
  // Queries: "auto-qstop-mix" keeps English stop words in its index and drops
  // them from a query's clauses only when the whole query keeps enough other
  // words. QueryDropsStopWords decides once per query (from all its words);
  // AnalyzeQuery analyzes one clause with that decision. Other analyzers
  // analyze a clause as Analyze does.
  virtual bool QueryDropsStopWords(std::string_view whole_query) const {
    (void)whole_query;
    return false;
  }
  virtual void AnalyzeQuery(std::string_view clause, bool drop_stop, std::vector<Token>* out) const {
    (void)drop_stop;
    Analyze(clause, out);
  }
  // The spec this analyzer was made from ("auto", "english", ...).
  virtual const std::string& name() const = 0;
};

// Makes an analyzer from its name (see CollectionOptions::analyzer for the list).
// InvalidArgument for an unknown name; NotFound if a data file it needs
// (the Chinese dictionary, OpenCC config) is missing, naming the file.
Result<std::shared_ptr<const Analyzer>> MakeAnalyzer(const std::string& name);

// Names MakeAnalyzer accepts.
std::vector<std::string> AnalyzerNames();

// The analyzer that reads text word by word for analyzer `name`: the same
// analyzer without its extra granularity ("auto-stop-mix" -> "auto-stop",
// "chinese-mix" -> "chinese-jieba"), `name` itself for the others. Its words
// are terms of `name`'s index too. For the answer reader, which matches words
// and spans and is hurt by overlapping bigrams (EVALUATION.md).
std::string WordAnalyzerName(const std::string& name);

}  // namespace glassbox::text
