// The English stop list of "english-stop": common function words (articles,
// pronouns, auxiliaries, prepositions, conjunctions), matched on the
// case-folded word before stemming. Our own list; kept short on purpose so that
// content-bearing words (e.g. "new", "first", "state") are never dropped.
#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "text/text_internal.h"

namespace glassbox::text::internal {
namespace {

const std::vector<std::string_view>& List() {
  static const std::vector<std::string_view> kWords = {
      // articles, determiners
      "a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every", "no", "such",
      // pronouns
      "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you", "your", "yours",
      "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it",
      "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom",
      "whose",
      // auxiliaries
      "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
      "does", "did", "doing", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
      // contractions
      "it's", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "i'm", "i've",
      "you're", "they're", "we're", "that's", "there's", "can't", "won't",
      // prepositions
      "of", "in", "on", "at", "by", "for", "with", "about", "against", "between", "into", "through",
      "during", "before", "after", "above", "below", "to", "from", "up", "down", "out", "off", "over",
      "under", "again", "further", "upon", "onto", "within", "without",
      // conjunctions, adverbs
      "and", "but", "or", "nor", "if", "then", "else", "than", "because", "as", "until", "while", "so",
      "too", "very", "just", "also", "only", "not", "there", "here", "when", "where", "why", "how",
      "all", "both", "few", "more", "most", "other", "own", "same", "once",
  };
  return kWords;
}

struct Set {
  std::unordered_set<std::string_view> words;
  size_t max_len = 0;
  Set() {
    for (auto w : List()) {
      words.insert(w);
      max_len = std::max(max_len, w.size());
    }
  }
};

}  // namespace

const std::vector<std::string_view>& EnglishStopWords() { return List(); }

bool IsEnglishStopWord(std::string_view folded) {
  static const Set kSet;
  if (folded.size() > kSet.max_len) return false;
  return kSet.words.count(folded) != 0;
}

}  // namespace glassbox::text::internal
