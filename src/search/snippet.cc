// Snippets: the best window of a hit's text, its matched terms marked. A
// request's bound query (plan.h) lists the analyzed terms to highlight;
// Searcher::Search calls MakeSnippet on each hit's body when asked for
// snippets. Linear in the text and its matches.
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "search/searcher.h"

namespace glassbox::search {

std::string MakeSnippet(const text::Analyzer& analyzer, const std::string& text, const std::vector<std::string>& terms,
                        size_t max_chars, const std::string& open, const std::string& close) {
  std::vector<text::Token> tokens;
  analyzer.Analyze(text, &tokens);
  std::unordered_set<std::string> wanted(terms.begin(), terms.end());
  std::vector<size_t> hits;  // token indexes that match
  for (size_t i = 0; i < tokens.size(); ++i)
    if (wanted.count(tokens[i].term)) hits.push_back(i);
  // Best window: the first with the most distinct matched terms within
  // max_chars bytes. The window [a, b) only moves forward (two pointers), so
  // this is linear in the matches even when every token of a long text is one.
  size_t begin = 0, end = std::min(text.size(), max_chars);
  if (!hits.empty()) {
    size_t best = 0, best_count = 0;
    std::unordered_map<std::string_view, size_t> in_window;  // term -> matches in [a, b)
    for (size_t a = 0, b = 0; a < hits.size(); ++a) {
      b = std::max(a, b);
      for (; b < hits.size() && tokens[hits[b]].end - tokens[hits[a]].begin <= max_chars; ++b)
        ++in_window[tokens[hits[b]].term];
      if (in_window.size() > best_count) {
        best_count = in_window.size();
        best = a;
      }
      if (a < b) {
        auto it = in_window.find(tokens[hits[a]].term);
        if (--it->second == 0) in_window.erase(it);
      }
    }
    size_t first = tokens[hits[best]].begin;
    // Start a little before the first match, at a token boundary.
    size_t lead = max_chars / 5;
    begin = first > lead ? first - lead : 0;
    for (const auto& t : tokens) {
      if (t.begin >= begin) { begin = t.begin; break; }
    }
    if (first - begin > lead) begin = first;
    end = std::min(text.size(), begin + max_chars);
  }
  // Never cut a UTF-8 sequence.
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  while (begin > 0 && begin < text.size() && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  std::string out;
  if (begin > 0) out += "…";
  // Matches that overlap (a multi-granularity analyzer's words and bigrams,
  // in order of their starts) are marked as one.
  std::vector<std::pair<size_t, size_t>> marks;
  for (size_t h : hits) {
    const auto& t = tokens[h];
    if (t.begin >= end) break;
    if (t.begin < begin || t.end > end) continue;
    if (!marks.empty() && t.begin < marks.back().second) {
      marks.back().second = std::max<size_t>(marks.back().second, t.end);
    } else {
      marks.emplace_back(t.begin, t.end);
    }
  }
  size_t cursor = begin;
  for (const auto& [b, e] : marks) {
    out.append(text, cursor, b - cursor);
    out += open;
    out.append(text, b, e - b);
    out += close;
    cursor = e;
  }
  out.append(text, cursor, end - cursor);
  if (end < text.size()) out += "…";
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

}  // namespace glassbox::search
