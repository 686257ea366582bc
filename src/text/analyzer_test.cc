#include "text/analyzer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <unicode/utf8.h>

#include "text/jieba.h"
#include "text/text_internal.h"

namespace glassbox::text {
namespace {

std::shared_ptr<const Analyzer> Make(const std::string& name) {
  auto r = MakeAnalyzer(name);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? r.value() : nullptr;
}

std::vector<Token> Analyze(const std::string& name, std::string_view text, uint32_t first = 0) {
  auto a = Make(name);
  std::vector<Token> out;
  if (a) a->Analyze(text, &out, first);
  return out;
}

std::vector<std::string> Terms(const std::string& name, std::string_view text) {
  std::vector<std::string> t;
  for (const auto& tok : Analyze(name, text)) t.push_back(tok.term);
  return t;
}

using V = std::vector<std::string>;

// Every token's offsets lie inside the text, on character boundaries, in order,
// and its positions are consecutive (or increase, with stop words).
void CheckWellFormed(std::string_view text, const std::vector<Token>& toks, uint32_t first = 0) {
  uint32_t prev_pos = first;
  bool started = false;
  for (const auto& t : toks) {
    ASSERT_LE(t.begin, t.end);
    ASSERT_LE(t.end, text.size());
    ASSERT_LT(t.begin, t.end);
    // The token's bytes are whole, valid characters.
    for (int32_t i = static_cast<int32_t>(t.begin); i < static_cast<int32_t>(t.end);) {
      UChar32 c;
      U8_NEXT(text.data(), i, static_cast<int32_t>(t.end), c);
      ASSERT_GE(c, 0) << t.term;
    }
    if (started) {
      ASSERT_GT(t.position, prev_pos);
    } else {
      ASSERT_GE(t.position, first);
    }
    prev_pos = t.position;
    started = true;
    ASSERT_FALSE(t.term.empty());
  }
}

TEST(AnalyzerTest, AutoStopDropsEnglishStopWordsKeepsChineseAndPositions) {
  auto toks = Analyze("auto-stop", "the price of 水泥");
  std::vector<std::string> terms;
  for (const auto& t : toks) terms.push_back(t.term);
  EXPECT_EQ(terms, (std::vector<std::string>{"price", "水泥"}));
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].position, 1u);
  EXPECT_EQ(toks[1].position, 3u);
}

TEST(AnalyzerTest, Names) {
  auto names = AnalyzerNames();
  EXPECT_EQ(names.size(), 12u);
  for (const auto& n : names) {
    auto a = Make(n);
    ASSERT_NE(a, nullptr) << n;
    EXPECT_EQ(a->name(), n);
  }
}

TEST(AnalyzerTest, UnknownNameIsInvalidArgument) {
  auto r = MakeAnalyzer("klingon");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("klingon"), std::string::npos);
  EXPECT_NE(r.status().message().find("english"), std::string::npos);
}

TEST(AnalyzerTest, StandardFoldsCaseNoStemming) {
  EXPECT_EQ(Terms("standard", "The Running DOGS, ran!"), (V{"the", "running", "dogs", "ran"}));
}

TEST(AnalyzerTest, StandardNfkcFullWidth) {
  // Full-width "ＧＬＡＳＳ" and "１２３" fold to ASCII.
  EXPECT_EQ(Terms("standard", "ＧＬＡＳＳ box １２３"), (V{"glass", "box", "123"}));
  // Ligature and German sharp s case folding.
  EXPECT_EQ(Terms("standard", "ﬁne STRASSE Straße"), (V{"fine", "strasse", "strasse"}));
}

TEST(AnalyzerTest, EnglishStems) {
  EXPECT_EQ(Terms("english", "running runs Connected connections"), (V{"run", "run", "connect", "connect"}));
  EXPECT_EQ(Terms("english", "The cat's toys"), (V{"the", "cat", "toy"}));
  // Typographic apostrophe folds like the ASCII one.
  EXPECT_EQ(Terms("english", "cat’s"), Terms("english", "cat's"));
}

TEST(AnalyzerTest, EnglishKeepsStopWords) {
  EXPECT_EQ(Terms("english", "the of and"), (V{"the", "of", "and"}));
}

TEST(AnalyzerTest, EnglishStopKeepsPositions) {
  auto toks = Analyze("english-stop", "The quick fox jumped over the lazy dog");
  ASSERT_EQ(toks.size(), 5u);
  EXPECT_EQ(toks[0].term, "quick");
  EXPECT_EQ(toks[0].position, 1u);
  EXPECT_EQ(toks[1].term, "fox");
  EXPECT_EQ(toks[1].position, 2u);
  EXPECT_EQ(toks[2].term, "jump");
  EXPECT_EQ(toks[2].position, 3u);
  EXPECT_EQ(toks[3].term, "lazi");
  EXPECT_EQ(toks[3].position, 6u);
  EXPECT_EQ(toks[4].term, "dog");
  EXPECT_EQ(toks[4].position, 7u);
  EXPECT_TRUE(internal::IsEnglishStopWord("the"));
  EXPECT_FALSE(internal::IsEnglishStopWord("fox"));
  EXPECT_GE(internal::EnglishStopWords().size(), 100u);
}

TEST(AnalyzerTest, OffsetsMapToOriginal) {
  std::string text = "Ｈｅｌｌｏ, WORLD! naïve café — 2024-01-05";
  for (const char* name : {"standard", "english", "auto", "chinese-bigram"}) {
    auto toks = Analyze(name, text);
    CheckWellFormed(text, toks);
    std::vector<std::string> originals;
    for (const auto& t : toks) originals.push_back(text.substr(t.begin, t.end - t.begin));
    EXPECT_EQ(originals, (V{"Ｈｅｌｌｏ", "WORLD", "naïve", "café", "2024", "01", "05"})) << name;
  }
}

TEST(AnalyzerTest, PositionsStartAtFirstPosition) {
  auto toks = Analyze("english", "alpha beta gamma", 10);
  ASSERT_EQ(toks.size(), 3u);
  EXPECT_EQ(toks[0].position, 10u);
  EXPECT_EQ(toks[1].position, 11u);
  EXPECT_EQ(toks[2].position, 12u);
  // Appends, does not clear.
  auto a = Make("english");
  std::vector<Token> out = toks;
  a->Analyze("delta", &out, 13);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].term, "delta");
  EXPECT_EQ(out[3].position, 13u);
}

TEST(AnalyzerTest, WordBreakRules) {
  EXPECT_EQ(Terms("standard", "can't U.S.A. 3.14 1,000,000 e-mail foo_bar a.b@c.com"),
            (V{"can't", "u.s.a", "3.14", "1,000,000", "e", "mail", "foo_bar", "a.b@c.com"}));
  EXPECT_EQ(Terms("standard", "... --- ___ !!"), V{});
}

TEST(AnalyzerTest, EmptyAndWhitespace) {
  for (const auto& n : AnalyzerNames()) {
    EXPECT_TRUE(Analyze(n, "").empty()) << n;
    EXPECT_TRUE(Analyze(n, " \t\r\n ").empty()) << n;
    EXPECT_TRUE(Analyze(n, "，。！？").empty()) << n;
  }
}

TEST(AnalyzerTest, InvalidUtf8DoesNotCrash) {
  std::string text = "abc \xFF\xFE def \xC3 ghi \xE4\xB8 \xED\xA0\x80 caf\xC3\xA9\x80 中\xFF文 end";
  for (const auto& n : AnalyzerNames()) {
    auto toks = Analyze(n, text);
    CheckWellFormed(text, toks);
    V terms;
    for (auto& t : toks) terms.push_back(t.term);
    EXPECT_EQ(terms.front(), "abc") << n;
    EXPECT_EQ(terms.back(), "end") << n;
    EXPECT_NE(std::find(terms.begin(), terms.end(), "def"), terms.end()) << n;
    EXPECT_NE(std::find(terms.begin(), terms.end(), "ghi"), terms.end()) << n;
  }
  // Random bytes: never crash, always well-formed output.
  uint64_t x = 88172645463325252ull;
  auto a = Make("auto");
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s;
    int len = iter % 40;
    for (int k = 0; k < len; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      static const char* pieces[] = {"a", "Z", " ", "\xFF", "\xC3", "\xA9", "\xE4\xB8\xAD", "\xE6", ".", "'", "1", "戰", "\xCC\x81"};
      s += pieces[x % 13];
    }
    std::vector<Token> out;
    a->Analyze(s, &out);
    CheckWellFormed(s, out);
  }
}

TEST(AnalyzerTest, ChineseJiebaSegments) {
  EXPECT_EQ(Terms("chinese-jieba", "我们在北京大学学习"), (V{"我们", "在", "北京大学", "学习"}));
  EXPECT_EQ(Terms("chinese-jieba", "我来到北京清华大学"), (V{"我", "来到", "北京", "清华大学"}));
  // Expected outputs are jieba 0.42.1's lcut(s, HMM=False).
  EXPECT_EQ(Terms("chinese-jieba", "他来到了网易杭研大厦"), (V{"他", "来到", "了", "网易", "杭", "研", "大厦"}));
  EXPECT_EQ(Terms("chinese-jieba", "小明硕士毕业于中国科学院计算所"),
            (V{"小", "明", "硕士", "毕业", "于", "中国科学院", "计算所"}));
  EXPECT_EQ(Terms("chinese-jieba", "戰國時期的歷史"), (V{"战国时期", "的", "历史"}));
  auto toks = Analyze("chinese-jieba", "我们在北京大学学习");
  std::string text = "我们在北京大学学习";
  ASSERT_EQ(toks.size(), 4u);
  EXPECT_EQ(text.substr(toks[2].begin, toks[2].end - toks[2].begin), "北京大学");
  EXPECT_EQ(toks[3].position, 3u);
}

TEST(AnalyzerTest, ChineseIcuSegments) {
  auto terms = Terms("chinese-icu", "我们在北京大学学习");
  std::string joined;
  for (auto& t : terms) joined += t;
  EXPECT_EQ(joined, "我们在北京大学学习");
  EXPECT_GE(terms.size(), 3u);
  EXPECT_LE(terms.size(), 7u);  // words, not single characters
}

TEST(AnalyzerTest, ChineseBigrams) {
  EXPECT_EQ(Terms("chinese-bigram", "北京大学"), (V{"北京", "京大", "大学"}));
  EXPECT_EQ(Terms("chinese-bigram", "我，北京"), (V{"我", "北京"}));
  auto toks = Analyze("chinese-bigram", "北京大学");
  ASSERT_EQ(toks.size(), 3u);
  EXPECT_EQ(toks[1].begin, 3u);
  EXPECT_EQ(toks[1].end, 9u);
  EXPECT_EQ(toks[2].position, 2u);
}

// Multi-granularity: jieba's words, and at each word's position the bigrams
// inside it and the one across its end, so that a query segmented
// differently still meets the document's characters.
TEST(AnalyzerTest, ChineseMultiGranularity) {
  // 我们|在|北京大学|学习 -> bigrams inside 北京大学, and across every word end.
  EXPECT_EQ(Terms("chinese-multi", "我们在北京大学学习"),
            (V{"们在", "我们", "在北", "在", "北京", "京大", "大学", "学学", "北京大学", "学习"}));
  auto toks = Analyze("chinese-multi", "我们在北京大学学习");
  std::string text = "我们在北京大学学习";
  std::vector<uint32_t> positions;
  for (const auto& t : toks) {
    positions.push_back(t.position);
    EXPECT_EQ(text.substr(t.begin, t.end - t.begin), t.term) << t.term;  // offsets point at the characters
  }
  // Words advance the position; bigrams share the position of the word they start in.
  EXPECT_EQ(positions, (std::vector<uint32_t>{0, 0, 1, 1, 2, 2, 2, 2, 2, 3}));
}

// Multi-granularity that reaches the index: jieba's words and the character
// bigrams of the run, each bigram marked ("#北京") so that it is a term of its
// own, not the word it may spell. The index keeps one term per position, so
// every token has a position of its own (chinese-multi's bigrams share the
// word's position and never reach it).
TEST(AnalyzerTest, ChineseMixWordsAndMarkedBigrams) {
  // 我们|在|北京大学|学习: each word, then the bigrams starting in it.
  EXPECT_EQ(Terms("chinese-mix", "我们在北京大学学习"),
            (V{"我们", "#我们", "#们在", "在", "#在北", "北京大学", "#北京", "#京大", "#大学", "#学学", "学习", "#学习"}));
  std::string text = "我们在北京大学学习";
  auto toks = Analyze("chinese-mix", text);
  CheckWellFormed(text, toks);  // strictly increasing positions
  for (size_t i = 0; i < toks.size(); ++i) {
    EXPECT_EQ(toks[i].position, i);
    std::string chars = toks[i].term[0] == '#' ? toks[i].term.substr(1) : toks[i].term;
    EXPECT_EQ(text.substr(toks[i].begin, toks[i].end - toks[i].begin), chars);  // offsets point at the characters
  }
  // A lone character has no bigram; a query analyzed the same way meets the
  // document's bigrams even where jieba cuts it differently (中文搜索 is one word).
  EXPECT_EQ(Terms("chinese-mix", "我"), V{"我"});
  auto doc = Terms("chinese-mix", "支持中文搜索");
  for (const char* b : {"#中文", "#文搜", "#搜索"})
    EXPECT_NE(std::find(doc.begin(), doc.end(), b), doc.end()) << b;
}

// The other granularities measured in EVALUATION.md (not named analyzers):
// characters plus bigrams (as Xapian's CJK n-grams), words plus characters.
TEST(AnalyzerTest, MixConfigVariants) {
  internal::AnalyzerConfig c;
  c.name = "test-mix";
  c.han = internal::HanMode::kMix;
  c.jieba_dict_path = "/usr/lib/python3/dist-packages/jieba/dict.txt";
  c.opencc_config = "/usr/share/opencc/t2s.json";
  auto terms = [&](std::string_view text) {
    auto a = internal::MakeAnalyzerFromConfig(c);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    std::vector<Token> out;
    if (a.ok()) a.value()->Analyze(text, &out);
    CheckWellFormed(text, out);
    V t;
    for (auto& tok : out) t.push_back(tok.term);
    return t;
  };
  c.mix.words = internal::HanMode::kInline;  // characters
  EXPECT_EQ(terms("北京大学"), (V{"北", "北京", "京", "京大", "大", "大学", "学"}));
  c.mix.words = internal::HanMode::kJieba;
  c.mix.unigrams = true;
  c.mix.bigrams = false;
  EXPECT_EQ(terms("在北京大学"), (V{"在", "北京大学", "北", "京", "大", "学"}));
  c.mix.words = internal::HanMode::kIcu;
  c.mix.unigrams = false;
  c.mix.bigrams = true;
  c.mix.bigram_mark = "#";
  auto t = terms("北京大学");
  EXPECT_NE(std::find(t.begin(), t.end(), "#京大"), t.end());
  EXPECT_EQ(std::count_if(t.begin(), t.end(), [](const std::string& x) { return x[0] == '#'; }), 3);
}

// The word-level analyzer of a multi-granularity one: its terms are the
// words (no marked bigram), each of which is also a term of the mix analyzer.
TEST(AnalyzerTest, WordAnalyzerNameDropsTheBigrams) {
  EXPECT_EQ(WordAnalyzerName("auto-stop-mix"), "auto-stop");
  EXPECT_EQ(WordAnalyzerName("chinese-mix"), "chinese-jieba");
  EXPECT_EQ(WordAnalyzerName("auto-stop"), "auto-stop");
  EXPECT_EQ(WordAnalyzerName("chinese-bigram"), "chinese-bigram");
  const std::string text = "Glassbox 支持中文搜索, the searching";
  auto mix = Terms("auto-stop-mix", text);
  auto words = Terms(WordAnalyzerName("auto-stop-mix"), text);
  V mix_words;
  for (auto& t : mix)
    if (t[0] != '#') mix_words.push_back(t);
  EXPECT_EQ(words, mix_words);
}

// auto-qstop-mix: the index keeps English stop words; a query drops them
// only when it keeps at least 3 other distinct words (short questions keep
// "what is", whose words are much of what they share with stored questions).
TEST(AnalyzerTest, QueryStopWordsOnlyLeaveLongerQueries) {
  auto an = MakeAnalyzer("auto-qstop-mix");
  ASSERT_TRUE(an.ok()) << an.status().message();
  auto terms = [&](std::string_view clause, std::string_view whole) {
    std::vector<Token> t;
    (*an)->AnalyzeQuery(clause, (*an)->QueryDropsStopWords(whole), &t);
    V out;
    for (auto& x : t) out.push_back(x.term);
    return out;
  };
  std::vector<Token> indexed;
  (*an)->Analyze("What is the incubation period?", &indexed);
  EXPECT_EQ(indexed.size(), 5u);  // the index keeps every word
  EXPECT_EQ(terms("what is covid", "what is covid"), (V{"what", "is", "covid"}));
  EXPECT_EQ(terms("what is the incubation period", "what is the incubation period"),
            (V{"what", "is", "the", "incub", "period"}));  // two other words: kept
  EXPECT_EQ(terms("what is the incubation period of covid", "what is the incubation period of covid"),
            (V{"incub", "period", "covid"}));  // three: dropped
  // The decision is the whole query's, applied to each clause.
  EXPECT_EQ(terms("what is", "what is the incubation period of covid"), V{});
  EXPECT_EQ(terms("what is", "what is covid"), (V{"what", "is"}));
  // Repeated words count once; other analyzers analyze a query as a text.
  EXPECT_EQ(terms("what is covid covid covid", "what is covid covid covid"),
            (V{"what", "is", "covid", "covid", "covid"}));
  auto stop = MakeAnalyzer("auto-stop-mix");
  std::vector<Token> t;
  EXPECT_TRUE((*stop)->QueryDropsStopWords("what is covid"));
  (*stop)->AnalyzeQuery("what is covid", (*stop)->QueryDropsStopWords("what is covid"), &t);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].term, "covid");
  EXPECT_EQ(WordAnalyzerName("auto-qstop-mix"), "auto-stop");  // the answer reader reads as before
}

// Latin and digit runs inside Chinese text stay whole words (stemmed as
// English), and English text analyzes exactly as in auto-stop.
TEST(AnalyzerTest, AutoStopMixLatinDigitsAndEnglish) {
  EXPECT_EQ(Terms("auto-stop-mix", "用iPhone12拍了2019年的照片"),
            (V{"用", "iphone12", "拍", "#拍了", "了", "2019", "年", "#年的", "的", "#的照", "照片", "#照片"}));
  for (const char* en : {"The quick brown foxes are running over the lazy dogs", "U.S.A. e-mail can't 3.14 ＧＬＡＳＳ"}) {
    auto a = Analyze("auto-stop", en), b = Analyze("auto-stop-mix", en);
    ASSERT_EQ(a.size(), b.size()) << en;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].term, b[i].term);
      EXPECT_EQ(a[i].position, b[i].position);
    }
  }
  std::string mixed = "Glassbox 支持中文搜索 and English searching";
  CheckWellFormed(mixed, Analyze("auto-stop-mix", mixed));
}

TEST(AnalyzerTest, TraditionalFoldsToSimplified) {
  for (const char* name :
       {"auto", "chinese-jieba", "chinese-icu", "chinese-bigram", "chinese-multi", "chinese-mix", "auto-stop-mix"}) {
    EXPECT_EQ(Terms(name, "戰國時期的歷史"), Terms(name, "战国时期的历史")) << name;
    EXPECT_EQ(Terms(name, "戰國"), Terms(name, "战国")) << name;
    // Offsets still refer to the Traditional original.
    std::string text = "戰國";
    auto toks = Analyze(name, text);
    ASSERT_FALSE(toks.empty());
    EXPECT_EQ(toks.front().begin, 0u);
    EXPECT_EQ(toks.back().end, text.size());
  }
  // Phrase-level conversion (乾燥 -> 干燥, while 乾隆 keeps 乾).
  EXPECT_EQ(Terms("chinese-bigram", "乾燥"), V{"干燥"});
  EXPECT_EQ(Terms("chinese-bigram", "乾隆"), V{"乾隆"});
  // "standard" does not fold.
  EXPECT_NE(Terms("standard", "戰國"), Terms("standard", "战国"));
}

TEST(AnalyzerTest, MixedAuto) {
  std::string text = "Glassbox 支持中文搜索 and English searching";  // jieba: 支持/中文搜索
  auto toks = Analyze("auto", text);
  CheckWellFormed(text, toks);
  V terms;
  for (auto& t : toks) terms.push_back(t.term);
  EXPECT_EQ(terms, (V{"glassbox", "支持", "中文搜索", "and", "english", "search"}));
  for (size_t i = 0; i < toks.size(); ++i) EXPECT_EQ(toks[i].position, i);
  EXPECT_EQ(text.substr(toks[2].begin, toks[2].end - toks[2].begin), "中文搜索");
  // No space between scripts.
  EXPECT_EQ(Terms("auto", "用Glassbox搜索Running"), (V{"用", "glassbox", "搜索", "run"}));
  // Latin letters inside chinese-* analyzers are treated as in "english".
  EXPECT_EQ(Terms("chinese-bigram", "支持Running"), (V{"支持", "run"}));
}

TEST(AnalyzerTest, MissingDictionaryViaEnv) {
  const char* old = getenv("GLASSBOX_JIEBA_DICT");
  std::string saved = old ? old : "";
  setenv("GLASSBOX_JIEBA_DICT", "/nonexistent/glassbox/dict.txt", 1);
  auto r = MakeAnalyzer("chinese-jieba");
  auto r_auto = MakeAnalyzer("auto");
  auto r_bigram = MakeAnalyzer("chinese-bigram");
  if (old) {
    setenv("GLASSBOX_JIEBA_DICT", saved.c_str(), 1);
  } else {
    unsetenv("GLASSBOX_JIEBA_DICT");
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/glassbox/dict.txt"), std::string::npos);
  EXPECT_NE(r.status().message().find("GLASSBOX_JIEBA_DICT"), std::string::npos);
  if (internal::kDefaultChineseSegmenter == "jieba") {
    EXPECT_FALSE(r_auto.ok());
  }
  EXPECT_TRUE(r_bigram.ok());  // bigrams need no dictionary
  EXPECT_TRUE(MakeAnalyzer("chinese-jieba").ok());
}

TEST(AnalyzerTest, JiebaDictLoadsAndScores) {
  auto t0 = std::chrono::steady_clock::now();
  auto fresh = JiebaDict::Load("/usr/lib/python3/dist-packages/jieba/dict.txt");
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(fresh.ok());
  std::printf("jieba dictionary: %zu words, %zu keys, loaded in %.1f ms\n", fresh.value()->words(),
              fresh.value()->entries(), ms);
  EXPECT_LT(ms, 5000);  // normally ~70 ms; generous for loaded CI machines
  auto r = JiebaDict::Shared("/usr/lib/python3/dist-packages/jieba/dict.txt");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& d = *r.value();
  EXPECT_GT(d.words(), 300000u);
  EXPECT_GT(d.entries(), d.words());
  double lp_common = 0, lp_rare = 0;
  ASSERT_TRUE(d.LogProb("北京", &lp_common));
  ASSERT_TRUE(d.LogProb("北京大学", &lp_rare));
  EXPECT_GT(lp_common, lp_rare);
  EXPECT_LT(lp_common, 0);
  double x;
  EXPECT_FALSE(d.LogProb("北京大", &x));  // a prefix, not a word
  // Shared returns the same instance.
  auto r2 = JiebaDict::Shared("/usr/lib/python3/dist-packages/jieba/dict.txt");
  EXPECT_EQ(r.value().get(), r2.value().get());
}

TEST(AnalyzerTest, ThreadSafe) {
  std::vector<std::string> texts = {"The quick brown foxes are running over lazy dogs.",
                                    "我们在北京大学学习，戰國時期的歷史 and naïve café résumé",
                                    "ＧＬＡＳＳ 3.14 U.S.A. e-mail can't won't"};
  for (const auto& name : AnalyzerNames()) {
    auto a = Make(name);
    std::vector<std::vector<Token>> expect;
    for (auto& t : texts) {
      std::vector<Token> out;
      a->Analyze(t, &out);
      expect.push_back(out);
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&] {
        for (int it = 0; it < 300; ++it) {
          for (size_t i = 0; i < texts.size(); ++i) {
            std::vector<Token> out;
            a->Analyze(texts[i], &out);
            if (out.size() != expect[i].size()) {
              ++mismatches;
              continue;
            }
            for (size_t j = 0; j < out.size(); ++j) {
              if (out[j].term != expect[i][j].term || out[j].begin != expect[i][j].begin) ++mismatches;
            }
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0) << name;
  }
}

}  // namespace
}  // namespace glassbox::text
