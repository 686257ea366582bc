// MakeSnippet picks its window in linear time; it must give the same snippet
// as the plain quadratic search (the first window of at most max_chars bytes
// with the most distinct matched terms) that it replaced.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_set>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "search/searcher.h"
#include "text/analyzer.h"

namespace glassbox::search {
namespace {

// The implementation before the linear window search, quadratic in the
// matches: the reference.
std::string ReferenceSnippet(const text::Analyzer& analyzer, const std::string& text, const std::vector<std::string>& terms,
                        size_t max_chars, const std::string& open, const std::string& close) {
  std::vector<text::Token> tokens;
  analyzer.Analyze(text, &tokens);
  std::unordered_set<std::string> wanted(terms.begin(), terms.end());
  std::vector<size_t> hits;  // token indexes that match
  for (size_t i = 0; i < tokens.size(); ++i)
    if (wanted.count(tokens[i].term)) hits.push_back(i);
  // Best window: most distinct matched terms within max_chars bytes.
  size_t begin = 0, end = std::min(text.size(), max_chars);
  if (!hits.empty()) {
    size_t best = 0, best_count = 0;
    for (size_t a = 0; a < hits.size(); ++a) {
      std::set<std::string_view> distinct;
      for (size_t b = a; b < hits.size() && tokens[hits[b]].end - tokens[hits[a]].begin <= max_chars; ++b)
        distinct.insert(tokens[hits[b]].term);
      if (distinct.size() > best_count) {
        best_count = distinct.size();
        best = a;
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
  size_t cursor = begin;
  for (size_t h : hits) {
    const auto& t = tokens[h];
    if (t.begin < begin || t.end > end) continue;
    out.append(text, cursor, t.begin - cursor);
    out += open;
    out.append(text, t.begin, t.end - t.begin);
    out += close;
    cursor = t.end;
  }
  out.append(text, cursor, end - cursor);
  if (end < text.size()) out += "…";
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

TEST(Snippet, SameAsTheQuadraticReference) {
  auto analyzer = text::MakeAnalyzer("standard");
  ASSERT_TRUE(analyzer.ok());
  std::mt19937 rng(5);
  const std::vector<std::string> words = {"ab", "cd", "efgh", "ij", "klmnopqrstu", "v", "é"};
  int highlighted = 0;
  for (int round = 0; round < 1000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 150);
    for (int i = 0; i < n; ++i) text += words[rng() % words.size()] + std::string(1 + rng() % 3, rng() % 9 ? ' ' : '\n');
    std::vector<std::string> terms;
    for (const auto& w : words)
      if (rng() % 2) terms.push_back(w);
    const size_t max_chars = 1 + rng() % 80;
    const std::string want = ReferenceSnippet(**analyzer, text, terms, max_chars, "[", "]");
    EXPECT_EQ(MakeSnippet(**analyzer, text, terms, max_chars, "[", "]"), want)
        << "text: " << text << " max_chars " << max_chars;
    highlighted += want.find('[') != std::string::npos;
  }
  EXPECT_GT(highlighted, 500);
}

TEST(Snippet, EveryTokenMatchingIsLinear) {
  auto analyzer = text::MakeAnalyzer("standard");
  ASSERT_TRUE(analyzer.ok());
  std::string text;
  for (int i = 0; i < 200000; ++i) text += i % 2 ? "cd " : "ab ";
  auto start = std::chrono::steady_clock::now();
  const std::string s = MakeSnippet(**analyzer, text, {"ab", "cd"}, 2000, "[", "]");
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(s.rfind("[ab] [cd]", 0), 0u) << s.substr(0, 40);
  EXPECT_LT(took, 1.0);  // was ~ 200,000 * 666 set insertions
}

// A multi-granularity analyzer's tokens overlap (a word and the bigrams in
// it and across its end): overlapping matches are one mark, the text is
// copied once.
TEST(Snippet, OverlappingTokensAreOneMark) {
  auto analyzer = text::MakeAnalyzer("chinese-mix");
  ASSERT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  const std::string text = "我们在北京大学学习";
  EXPECT_EQ(MakeSnippet(**analyzer, text, {"北京大学", "#北京", "#京大", "#大学"}, 200, "[", "]"), "我们在[北京大学]学习");
  EXPECT_EQ(MakeSnippet(**analyzer, text, {"在", "#在北", "#大学"}, 200, "[", "]"), "我们[在北]京[大学]学习");
  EXPECT_EQ(MakeSnippet(**analyzer, text, {"我们", "学习"}, 200, "[", "]"), "[我们]在北京大学[学习]");
}

// The cache key of a principal's visible documents: no user or group name can
// spell another principal's key; group order does not matter.
TEST(PrincipalKey, DistinctPrincipalsHaveDistinctKeys) {
  EXPECT_NE(PrincipalKey({"a\x1f" "b", {}}), PrincipalKey({"a", {"b"}}));
  EXPECT_NE(PrincipalKey({"a;1:b", {}}), PrincipalKey({"a", {"b"}}));
  EXPECT_NE(PrincipalKey({"", {"a", "b"}}), PrincipalKey({"", {"a;1:b"}}));
  EXPECT_EQ(PrincipalKey({"u", {"x", "y"}}), PrincipalKey({"u", {"y", "x"}}));
}

}  // namespace
}  // namespace glassbox::search
