// The ASCII fast path must give exactly the tokens ICU gives.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "text/analyzer.h"
#include "text/text_internal.h"

namespace glassbox::text {
namespace {

using internal::Span;

std::string Show(std::string_view text, const std::vector<Span>& spans) {
  std::string s;
  for (auto& sp : spans) s += "[" + std::string(text.substr(sp.first, sp.second - sp.first)) + "]";
  return s;
}

std::vector<std::string> Corpus() {
  std::vector<std::string> v = {
      "can't won't o'clock rock'n'roll 'quoted' ''double''",
      "U.S.A. e.g. i.e. a.b.c. .net node.js v1.2.3 1.2.3.4 3.14 .5 5. 1..2 a..b",
      "1,000,000 1;2 a,b a;b 1,a a,1 1:2 a:b 12:30 http://example.com/a_b?c=d&e=f",
      "e-mail state-of-the-art x-ray - -- 1-2 a_b __init__ _a a_ 1_2 _1_ ___ a__b",
      "john.doe@example.com first_last+tag@sub.domain.org @handle #hashtag $100 100% 50/50",
      "foo'bar'baz 1'000 a.1 1.a a'1 1'a ab12cd 12ab 3rd 1990s mp3 b2b C++ C# F# .NET",
      "Hello, World! \"quoted\" (paren) [bracket] {brace} <angle> a|b a\\b a/b ~tilde ^caret `tick`",
      "\tTabs\tand\nnewlines\r\nand\fform\vfeeds   multiple   spaces",
      "end. End! end? end... 'start 'start' start' 2'' ''2 a.' '.a .' '. ,a a, ,1 1,",
      "", " ", ".", "'", "_", "a", "1", "a.", ".a", "1.", ".1", "a'", "'a", "A_", "_A",
  };
  // Random strings over a biased alphabet.
  std::mt19937_64 rng(12345);
  const std::string alphabet = "aaaabbbcdeeeXYZ0011223456789____....''',,;;::--@@##  \t\n\r!?/\\\"()+&%$";
  for (int i = 0; i < 4000; ++i) {
    std::string s;
    int len = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    v.push_back(s);
  }
  // Every printable ASCII character in every context of length 3.
  for (int c = 32; c < 127; ++c) {
    for (const char* ctx : {"a%ca", "1%c1", "a%c1", "1%ca", "_%c_", "%ca", "a%c", "%c1", "1%c", "a%c%ca", "1%c%c1"}) {
      char buf[16];
      std::snprintf(buf, sizeof buf, ctx, c, c);
      v.push_back(buf);
    }
  }
  return v;
}

TEST(AsciiFastPathTest, SpansEqualIcu) {
  int checked = 0;
  for (const auto& s : Corpus()) {
    std::vector<Span> fast, icu;
    internal::AsciiWordSpans(s, 0, &fast);
    internal::IcuWordSpans(s, 0, &icu);
    ASSERT_EQ(Show(s, fast), Show(s, icu)) << "text: \"" << s << "\"";
    ++checked;
  }
  EXPECT_GT(checked, 4000);
}

// With the ICU this is built against, the hand-written ASCII rules agree with
// ICU on every ASCII character, so no ASCII chunk needs to take the slow path.
TEST(AsciiFastPathTest, NoAsciiCharacterRoutedToIcu) {
  const auto& routes = internal::AsciiRoutes();
  for (int c = 0; c < 0x80; ++c) EXPECT_FALSE(routes.to_icu[c]) << "char " << c;
  for (int c = 0x80; c < 0x100; ++c) EXPECT_TRUE(routes.to_icu[c]) << "byte " << c;
}

TEST(AsciiFastPathTest, AnalyzersEqualIcuPath) {
  for (const char* name : {"standard", "english", "english-stop", "auto"}) {
    auto made = MakeAnalyzer(name);
    ASSERT_TRUE(made.ok());
    internal::AnalyzerConfig cfg;
    cfg.name = name;
    cfg.stem = std::string(name) != "standard";
    cfg.stop = std::string(name) == "english-stop";
    cfg.han = std::string(name) == "auto" ? internal::HanMode::kJieba : internal::HanMode::kInline;
    cfg.jieba_dict_path = "/usr/lib/python3/dist-packages/jieba/dict.txt";
    cfg.opencc_config = "/usr/share/opencc/t2s.json";
    cfg.ascii_fast_path = false;
    auto slow = internal::MakeAnalyzerFromConfig(cfg);
    ASSERT_TRUE(slow.ok()) << slow.status().ToString();
    std::string all;
    for (const auto& s : Corpus()) {
      all += s;
      all += ' ';
      std::vector<Token> a, b;
      made.value()->Analyze(s, &a, 3);
      slow.value()->Analyze(s, &b, 3);
      ASSERT_EQ(a.size(), b.size()) << name << " \"" << s << "\"";
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].term, b[i].term) << name << " \"" << s << "\"";
        EXPECT_EQ(a[i].position, b[i].position);
        EXPECT_EQ(a[i].begin, b[i].begin);
        EXPECT_EQ(a[i].end, b[i].end);
      }
    }
    // The whole corpus as one text (chunks mix with each other).
    std::vector<Token> a, b;
    made.value()->Analyze(all, &a);
    slow.value()->Analyze(all, &b);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].term, b[i].term);
      ASSERT_EQ(a[i].begin, b[i].begin);
    }
  }
}

// Mixed ASCII / non-ASCII text: chunking at ASCII whitespace must not change tokens.
TEST(AsciiFastPathTest, MixedTextEqualsIcuPath) {
  auto made = MakeAnalyzer("english");
  internal::AnalyzerConfig cfg;
  cfg.name = "english";
  cfg.stem = true;
  cfg.ascii_fast_path = false;
  auto slow = internal::MakeAnalyzerFromConfig(cfg);
  ASSERT_TRUE(slow.ok());
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a", "B", "1", ".", "'", " ", "\t", "é", "ß", "’", "—", "中", "文", "ｘ",
                                           "_", ",", "\xCC\x81", "\xE2\x80\x8B", "Д", "\n", "\xF0\x9F\x98\x80"};
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    int len = 1 + static_cast<int>(rng() % 20);
    for (int k = 0; k < len; ++k) s += pieces[rng() % pieces.size()];
    std::vector<Token> a, b;
    made.value()->Analyze(s, &a);
    slow.value()->Analyze(s, &b);
    ASSERT_EQ(a.size(), b.size()) << "\"" << s << "\"";
    for (size_t k = 0; k < a.size(); ++k) {
      ASSERT_EQ(a[k].term, b[k].term) << "\"" << s << "\"";
      ASSERT_EQ(a[k].begin, b[k].begin) << "\"" << s << "\"";
      ASSERT_EQ(a[k].end, b[k].end) << "\"" << s << "\"";
    }
  }
}

std::string EnglishProse(size_t bytes) {
  static const char* words[] = {
      "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "information", "retrieval", "systems",
      "are", "evaluated", "using", "relevance", "judgments", "and", "ranking", "metrics", "such", "as", "nDCG",
      "Search", "engines", "index", "documents", "into", "inverted", "lists;", "each", "posting", "records",
      "a", "document's", "term", "frequency,", "positions", "1998", "3.5", "U.S.", "e-mail", "running",
      "connected", "happily", "organization.", "Its", "it's", "don't", "(see", "Section", "4.2)", "of", "in"};
  std::mt19937_64 rng(42);
  std::string s;
  size_t n = sizeof(words) / sizeof(words[0]);
  while (s.size() < bytes) {
    s += words[rng() % n];
    s += (rng() % 17 == 0) ? "\n" : " ";
  }
  return s;
}

std::string ChineseProse(size_t bytes) {
  const std::string para =
      "信息检索系统通过倒排索引快速找到包含查询词的文档。我们在北京大学学习自然语言处理，"
      "戰國時期的歷史文獻也需要被檢索。搜索引擎使用BM25对文档打分，并支持中文分词和繁简转换。";
  std::string s;
  while (s.size() < bytes) s += para;
  return s;
}

std::string DataDir() {
  if (const char* d = std::getenv("GLASSBOX_DATA"); d != nullptr && *d != '\0') return d;
#ifdef GLASSBOX_SOURCE_DIR
  return std::string(GLASSBOX_SOURCE_DIR) + "/../shared";
#else
  return "/work/shared";
#endif
}

// The lines of a dataset's corpus.jsonl (one document per line), or empty.
std::vector<std::string> CorpusLines(const std::string& dataset) {
  std::vector<std::string> lines;
  std::ifstream in(DataDir() + "/datasets/" + dataset + "/corpus.jsonl");
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Prints throughput; run with --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'.
TEST(AsciiFastPathTest, DISABLED_Throughput) {
  const std::string en = EnglishProse(8 << 20);
  const std::string zh = ChineseProse(4 << 20);
  struct Case {
    const char* name;
    const std::string* text;
    const char* label;
  };
  std::vector<Case> cases = {{"standard", &en, "English"},      {"english", &en, "English"},
                             {"english-stop", &en, "English"},  {"auto", &en, "English"},
                             {"auto", &zh, "Chinese"},          {"chinese-jieba", &zh, "Chinese"},
                             {"chinese-icu", &zh, "Chinese"},   {"chinese-bigram", &zh, "Chinese"},
                             {"english", &zh, "Chinese"}};
  for (const auto& c : cases) {
    auto a = MakeAnalyzer(c.name);
    ASSERT_TRUE(a.ok());
    std::vector<Token> out;
    // Warm up (loads dictionaries), then time documents of ~4 KB.
    a.value()->Analyze(c.text->substr(0, 100000), &out);
    const size_t doc = 4096;
    size_t tokens = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (size_t off = 0; off < c.text->size(); off += doc) {
      out.clear();
      std::string_view d(*c.text);
      d = d.substr(off, std::min(doc, c.text->size() - off));
      a.value()->Analyze(d, &out);
      tokens += out.size();
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-15s %-8s %7.1f MB/s  %6.2f Mtokens/s\n", c.name, c.label, c.text->size() / s / 1e6,
                tokens / s / 1e6);
  }
  // Real corpora (raw JSON lines, one document each), when present.
  for (const auto& [dataset, names] : std::vector<std::pair<std::string, std::vector<const char*>>>{
           {"scifact", {"standard", "english", "english-stop", "auto"}},
           {"cmrc2018-dev", {"auto", "chinese-jieba", "chinese-icu", "chinese-bigram"}}}) {
    auto lines = CorpusLines(dataset);
    if (lines.empty()) {
      std::printf("(%s not found under %s)\n", dataset.c_str(), DataDir().c_str());
      continue;
    }
    size_t bytes = 0;
    for (auto& l : lines) bytes += l.size();
    for (const char* name : names) {
      auto a = MakeAnalyzer(name);
      ASSERT_TRUE(a.ok());
      std::vector<Token> out;
      a.value()->Analyze(lines[0], &out);
      double best = 1e9;
      size_t tokens = 0;
      for (int rep = 0; rep < 3; ++rep) {
        tokens = 0;
        auto t0 = std::chrono::steady_clock::now();
        for (const auto& l : lines) {
          out.clear();
          a.value()->Analyze(l, &out);
          tokens += out.size();
        }
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      std::printf("%-15s %-12s %7.1f MB/s  %6.2f Mtokens/s  (%.1f MB, best of 3)\n", name, dataset.c_str(),
                  bytes / best / 1e6, tokens / best / 1e6, bytes / 1e6);
    }
  }
}

}  // namespace
}  // namespace glassbox::text
