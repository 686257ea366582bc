// Internal pieces of the text module, exposed for tests and for the analyzer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "glassbox/status.h"
#include "text/analyzer.h"

namespace glassbox::text::internal {

// The Chinese segmenter "auto" uses for runs of Han characters: "jieba",
// "icu" or "bigram". Chosen by measuring nDCG on cmrc2018.
inline constexpr std::string_view kDefaultChineseSegmenter = "jieba";

// The mark in front of a character bigram in the multi-granularity analyzers
// ("chinese-mix", "auto-stop-mix"): "#北京" is the bigram, "北京" the word.
// No analyzed word contains '#' (it is not a word character), so the two
// vocabularies never meet.
inline constexpr std::string_view kBigramMark = "#";

// How runs of Han characters are handled.
enum class HanMode {
  kInline,  // no special handling: ICU word breaks (its CJK dictionary), no T2S folding
  kJieba,   // T2S, then max-probability segmentation over jieba's dictionary
  kIcu,     // T2S, then ICU's dictionary word breaks on the Han run alone
  kBigram,  // T2S, then overlapping character bigrams
  kMulti,   // T2S, jieba words, and at each word's position the character
            // bigrams inside it and across its end (multi-granularity). The
            // index keeps one term per position, so only the words reach it:
            // kept as it was for the collections built with it.
  kMix,     // T2S, then the granularities in AnalyzerConfig::mix, every
            // token at a position of its own (see MixConfig)
};

// Multi-granularity for HanMode::kMix. Per word of the run (cut by `words`),
// in order: the word, then its characters if `unigrams`, then the bigrams that
// start inside it (the last one crosses into the next word) if `bigrams`. A
// bigram term carries `bigram_mark` in front, so that it is a term of its own
// and not the dictionary word it may spell (empty: no mark).
struct MixConfig {
  HanMode words = HanMode::kJieba;  // kJieba, kIcu, or kInline for none
  bool unigrams = false;
  bool bigrams = true;
  std::string bigram_mark;
};

struct AnalyzerConfig {
  std::string name;
  bool stem = false;            // Snowball English on non-Han words
  bool stop = false;            // English stop list (before stemming; keeps positions)
  HanMode han = HanMode::kInline;
  bool ascii_fast_path = true;  // false: every span goes through ICU (tests)
  std::string jieba_dict_path;  // for kJieba
  std::string opencc_config;    // for every mode but kInline
  MixConfig mix;                // for kMix
  // > 0: queries (AnalyzeQuery) drop English stop words when at least this
  // many other words remain; the index keeps them (stop is false).
  int query_stop_min = 0;
};

// The query_stop_min of "auto-qstop-mix": kQueryStopMin, or
// $GLASSBOX_QUERY_STOP_MIN (an evaluation knob).
inline constexpr int kQueryStopMin = 3;
int QueryStopMin();

// Makes an analyzer from an explicit configuration (MakeAnalyzer resolves
// names and paths into one of these). Fails NotFound if a data file is missing.
Result<std::shared_ptr<const Analyzer>> MakeAnalyzerFromConfig(const AnalyzerConfig& config);

// A byte range [begin, end) of a word.
using Span = std::pair<uint32_t, uint32_t>;

// UAX #29 word segmentation of pure-ASCII text, restricted to the segments that
// contain at least one ASCII letter or digit. Offsets are relative to `text`
// plus `base`. Agrees with IcuWordSpans on ASCII text (a test checks this).
void AsciiWordSpans(std::string_view text, uint32_t base, std::vector<Span>* out);

// Bytes whose chunks must go through ICU: all bytes >= 0x80, plus any ASCII
// character on which AsciiWordSpans and IcuWordSpans were found to disagree
// (checked once per process against the ICU in use; none with ICU 72).
struct AsciiRouteTable {
  bool to_icu[256];
};
const AsciiRouteTable& AsciiRoutes();

// ICU word-break segments of `text` (UTF-8, possibly invalid) whose rule status
// is not UBRK_WORD_NONE and that contain at least one letter or number
// (general category L* or N*). Offsets relative to `text` plus `base`.
void IcuWordSpans(std::string_view text, uint32_t base, std::vector<Span>* out);

// True if the folded (lowercase) word is on the English stop list.
bool IsEnglishStopWord(std::string_view folded);
// The stop list, for documentation and tests.
const std::vector<std::string_view>& EnglishStopWords();

}  // namespace glassbox::text::internal
