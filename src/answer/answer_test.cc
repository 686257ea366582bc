#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "answer/compare.h"
#include "answer/faq.h"
#include "answer/generate.h"
#include "answer/reader.h"
#include "answer/recognize.h"
#include "answer/route.h"
#include "glassbox/ingest.h"
#include "answer/verify.h"
#include "search/scorers.h"
#include "text/analyzer.h"
#include "glassbox/answer.h"
#include "glassbox/collection.h"

namespace glassbox::answer {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("gb_answer_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

// Collection options without an embedder (BM25 only).
CollectionOptions NoVectors() {
  CollectionOptions o;
  o.embedder = "none";
  return o;
}

std::vector<std::string> Norms(const std::string& text, Entity::Kind kind) {
  std::vector<std::string> out;
  for (const auto& e : FindEntities(text))
    if (e.kind == kind) out.push_back(e.norm);
  return out;
}

TEST(Recognize, NumbersNormalise) {
  EXPECT_EQ(Norms("paid 1,000 yuan", Entity::Kind::kNumber), std::vector<std::string>{"1000"});
  EXPECT_EQ(Norms("一千元", Entity::Kind::kNumber), std::vector<std::string>{"1000"});
  EXPECT_EQ(Norms("两万三千人", Entity::Kind::kNumber), std::vector<std::string>{"23000"});
  EXPECT_EQ(Norms("3万", Entity::Kind::kNumber), std::vector<std::string>{"30000"});
  EXPECT_EQ(Norms("2.5 million", Entity::Kind::kNumber), std::vector<std::string>{"2500000"});
  EXPECT_EQ(Norms("four Pro Bowl selections", Entity::Kind::kNumber), std::vector<std::string>{"4"});
  auto e = FindEntities("468 CNY per tonne");
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(e[0].has_unit);
}

TEST(Recognize, DatesNormalise) {
  EXPECT_EQ(Norms("from 2026年1月1日起", Entity::Kind::kDate), std::vector<std::string>{"2026-01-01"});
  EXPECT_EQ(Norms("from 1 January 2026 on", Entity::Kind::kDate), std::vector<std::string>{"2026-01-01"});
  EXPECT_EQ(Norms("on January 1, 2026.", Entity::Kind::kDate), std::vector<std::string>{"2026-01-01"});
  EXPECT_EQ(Norms("dated 2026-01-01", Entity::Kind::kDate), std::vector<std::string>{"2026-01-01"});
  EXPECT_EQ(Norms("in March 1998", Entity::Kind::kDate), std::vector<std::string>{"1998-03"});
}

TEST(Recognize, Names) {
  EXPECT_EQ(Norms("tackle Kawann Short led the team", Entity::Kind::kName), std::vector<std::string>{"kawann short"});
  EXPECT_EQ(Norms("the University of Notre Dame", Entity::Kind::kName),
            std::vector<std::string>{"university of notre dame"});
}

TEST(Verify, SplitsEnglishAndChineseSentences) {
  std::string t = "Prices rose 5% in 2025 [1]. Mr. Li said so. 价格上涨。原因是什么？";
  auto s = SplitSentences(t);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(t.substr(s[0].first, s[0].second - s[0].first), "Prices rose 5% in 2025 [1].");
  EXPECT_EQ(t.substr(s[1].first, s[1].second - s[1].first), "Mr. Li said so.");
  EXPECT_EQ(t.substr(s[3].first, s[3].second - s[3].first), "原因是什么？");
}

// The reader reads a multi-granularity collection word by word: the analyzer
// for "auto-stop-mix" gives no marked bigram.
TEST(SharedAnalyzerTest, ReadsMixCollectionsByWords) {
  auto a = SharedAnalyzer("auto-stop-mix");
  ASSERT_TRUE(a.ok()) << a.status().message();
  std::vector<text::Token> toks;
  (*a)->Analyze("水泥价格自2026年起调整", &toks);
  ASSERT_FALSE(toks.empty());
  for (const auto& t : toks) EXPECT_NE(t.term[0], '#') << t.term;
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = SharedAnalyzer("auto-stop");
    ASSERT_TRUE(a.ok()) << a.status().message();
    analyzer_ = *a;
  }
  std::shared_ptr<const text::Analyzer> analyzer_;
  const std::vector<std::string> passages_ = {
      "The contract sets the price of bagged P.O 42.5 cement at 468 CNY per tonne, and bulk cement at 430 CNY per "
      "tonne, from 1 January 2026.",
      "Deliveries are made by truck within 48 hours of an order; the supplier is Anhui Conch.",
      "水泥价格自2026年1月1日起调整为每吨一千元。",
      "Annual leave is 25 days for staff with five years of service."};
};

TEST_F(VerifyTest, SupportedSentencePasses) {
  auto r = VerifyAnswer("Bagged cement costs 468 CNY per tonne from 1 January 2026 [1].", passages_, *analyzer_,
                        UnsupportedPolicy::kFlag);
  ASSERT_EQ(r.sentences.size(), 1u);
  EXPECT_TRUE(r.sentences[0].supported) << r.sentences[0].reason;
  EXPECT_TRUE(r.all_supported);
}

TEST_F(VerifyTest, WrongNumberIsRejected) {
  auto r = VerifyAnswer("Bagged cement costs 470 CNY per tonne [1].", passages_, *analyzer_, UnsupportedPolicy::kFlag);
  ASSERT_EQ(r.sentences.size(), 1u);
  EXPECT_FALSE(r.sentences[0].supported);
  EXPECT_NE(r.sentences[0].reason.find("470"), std::string::npos) << r.sentences[0].reason;
}

TEST_F(VerifyTest, WrongPassageIsRejected) {
  // True of passage 1, cited as passage 2.
  auto r = VerifyAnswer("Bagged cement costs 468 CNY per tonne [2].", passages_, *analyzer_, UnsupportedPolicy::kFlag);
  EXPECT_FALSE(r.sentences[0].supported) << r.sentences[0].reason;
}

TEST_F(VerifyTest, InventedSourceIsRejected) {
  auto r = VerifyAnswer("Deliveries take 48 hours [5].", passages_, *analyzer_, UnsupportedPolicy::kFlag);
  ASSERT_EQ(r.sentences.size(), 1u);
  EXPECT_FALSE(r.sentences[0].supported);
  EXPECT_EQ(r.sentences[0].invalid_cites, std::vector<int>{5});
  EXPECT_NE(r.sentences[0].reason.find("only 4 passage"), std::string::npos) << r.sentences[0].reason;
}

TEST_F(VerifyTest, SupportedParaphraseAndNormalisedForms) {
  // "25 days" and "five years" match; 2026-01-01 matches 2026年1月1日; 1,000 = 一千.
  auto r = VerifyAnswer(
      "Staff with 5 years of service get 25 days of annual leave [4]. 自2026-01-01起，水泥价格为每吨1,000元 [3]。",
      passages_, *analyzer_, UnsupportedPolicy::kFlag);
  ASSERT_EQ(r.sentences.size(), 2u);
  EXPECT_TRUE(r.sentences[0].supported) << r.sentences[0].reason;
  EXPECT_TRUE(r.sentences[1].supported) << r.sentences[1].reason;
}

TEST_F(VerifyTest, UncitedAndDropPolicy) {
  auto r = VerifyAnswer("Deliveries take 48 hours [2]. The supplier also sells steel.", passages_, *analyzer_,
                        UnsupportedPolicy::kDrop);
  ASSERT_EQ(r.sentences.size(), 2u);
  EXPECT_TRUE(r.sentences[0].supported) << r.sentences[0].reason;
  EXPECT_FALSE(r.sentences[1].supported);
  EXPECT_EQ(r.sentences[1].reason, "no citation");
  EXPECT_EQ(r.text, "Deliveries take 48 hours [2].");
  EXPECT_FALSE(r.all_supported);
}

TEST_F(VerifyTest, WrongNameIsRejected) {
  auto r = VerifyAnswer("The supplier is Beijing Cement [2].", passages_, *analyzer_, UnsupportedPolicy::kFlag);
  EXPECT_FALSE(r.sentences[0].supported) << r.sentences[0].reason;
}

TEST(Reader, QuestionTypes) {
  EXPECT_EQ(ClassifyQuestion("How many sacks did Short have?"), QuestionType::kCount);
  EXPECT_EQ(ClassifyQuestion("When did the price change?"), QuestionType::kDate);
  EXPECT_EQ(ClassifyQuestion("Who supplies the cement?"), QuestionType::kPerson);
  EXPECT_EQ(ClassifyQuestion("水泥价格是多少？"), QuestionType::kAmount);
  EXPECT_EQ(ClassifyQuestion("有多少人？"), QuestionType::kCount);
  EXPECT_EQ(ClassifyQuestion("价格什么时候调整？"), QuestionType::kDate);
  EXPECT_EQ(ClassifyQuestion("谁是供应商？"), QuestionType::kPerson);
  EXPECT_EQ(ClassifyQuestion("他为什么离开公司？"), QuestionType::kReason);
  EXPECT_EQ(ClassifyQuestion("What satellite was used when Sky Digital was launched?"), QuestionType::kWhat);
  EXPECT_EQ(ClassifyQuestion("When was the satellite launched, and what replaced it?"), QuestionType::kDate);
  EXPECT_EQ(ClassifyQuestion("索靖去世后被追封为什么？"), QuestionType::kWhat);  // 为 + 什么, not why
}

TEST(Reader, PicksTypedSpanNearQuestionTerms) {
  ReaderInput in;
  in.question = "How many interceptions did the Panthers defense have?";
  in.passages = {{1, "p0", "p0", 1, "", "The Panthers defense gave up just 308 points, ranking sixth in the league, "
                  "while also leading the NFL in interceptions with 24 and boasting four Pro Bowl selections.", {}, ""}};
  in.idf = [](const std::string& t) { return t.rfind("intercept", 0) == 0 ? 3.0 : 1.0; };
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].quote, "24");
  EXPECT_EQ(in.passages[0].text.substr(a->citations[0].start, a->citations[0].end - a->citations[0].start), "24");
  EXPECT_TRUE(a->verified);
  bool has_span = false;
  for (const auto& t : a->trace) has_span |= t.step == "span" && t.detail.find("number span") != std::string::npos;
  EXPECT_TRUE(has_span);
}

TEST(Reader, ChineseDateQuestion) {
  ReaderInput in;
  in.question = "水泥价格什么时候调整？";
  in.passages = {{1, "c1", "c1", 1, "", "合同签订于去年。水泥价格自2026年1月1日起调整为每吨一千元。", {}, ""}};
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].quote, "2026年1月1日");
}

// Chinese keeps the question word where the answer goes: the answer is the run of characters right
// after the question's own context ("追封为什么" -> after "追封"), not a phrase near other terms.
TEST(Reader, ChineseSpanAfterTheQuestionsContext) {
  ReaderInput in;
  in.question = "索靖去世后被追封为什么？";
  in.passages = {{1, "c1", "c1", 1, "", "索靖去世后，朝廷又改赠他为司空，追封安乐亭侯，并获赐谥号为庄。", {}, ""}};
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].quote, "安乐亭侯");
  bool why = false;
  for (const auto& t : a->trace) why |= t.step == "span" && t.detail.find("question's own context \"追封\"") != std::string::npos;
  EXPECT_TRUE(why) << "the trace says why this span";
}

// 哪一个海峡: the answer ends with the noun asked for and uses none of the question's characters.
TEST(Reader, ChineseNameEndingWithTheNounAskedFor) {
  ReaderInput in;
  in.question = "广东省与海南岛之间相隔着哪一个海峡？";
  in.passages = {{1, "c1", "c1", 1, "", "广东省与海南岛两地之间是琼州海峡，宽约三十公里。", {}, ""}};
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].quote, "琼州海峡");
}

// "What satellite ...": the words right before the noun the question asks for, and the noun itself (SQuAD
// answers hold it), not the year near the question's other terms.
TEST(Reader, EnglishWordsBeforeTheHeadNoun) {
  ReaderInput in;
  in.question = "What satellite did the new Sky Digital service use?";
  in.passages = {{1, "p0", "p0", 1, "", "In 1998 the new Sky Digital service of British Sky Broadcasting used the "
                  "Astra 2A satellite, located at the 28.5E orbital position.", {}, ""}};
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].quote, "Astra 2A satellite");
  bool why = false;
  for (const auto& t : a->trace) why |= t.step == "span" && t.detail.find("right before \"satellit") != std::string::npos;
  EXPECT_TRUE(why);
}

// A recognised number inside a word is the whole word ("1940s", not "1940").
TEST(Reader, EntitySpanIsWholeWords) {
  ReaderInput in;
  in.question = "During what decade did the campus start to look more modern?";
  in.passages = {{1, "p0", "p0", 1, "", "The campus started to look more modern in the 1940s, after the war.", {}, ""}};
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->citations.size(), 1u);
  EXPECT_EQ(a->citations[0].quote, "1940s");
}

std::string ReadQuote(const std::string& question, const std::string& passage, std::string* trace = nullptr) {
  ReaderInput in;
  in.question = question;
  in.passages = {{1, "p0", "p0", 1, "", passage, {}, ""}};
  AskOptions o;
  o.not_found_threshold = 0.1;
  auto a = ReadAnswer(in, o);
  if (!a.ok() || a->citations.empty()) return "<none>";
  if (trace != nullptr)
    for (const auto& t : a->trace) *trace += t.step + ": " + t.detail + "\n";
  return a->citations[0].quote;
}

// English read as a statement: the question word stands where the answer goes.
TEST(Reader, QuestionGap) {
  const std::string q1 = "Inflammation occurs because of the presence of what molecule?";
  QuestionGap g = FindQuestionGap(q1);
  ASSERT_TRUE(g.found);
  EXPECT_EQ(q1.substr(0, g.left_end), "Inflammation occurs because of the presence of ");
  EXPECT_EQ(g.right_begin, q1.size());  // "molecule" belongs to the question word
  const std::string q2 = "Who led the Panthers in sacks?";
  g = FindQuestionGap(q2);
  ASSERT_TRUE(g.found);
  EXPECT_EQ(g.left_end, 0u);
  EXPECT_EQ(q2.substr(g.right_begin), "led the Panthers in sacks?");
  EXPECT_FALSE(FindQuestionGap("What did the Islamic State proclaim itself in 2014?").found);  // fronted object
  EXPECT_FALSE(FindQuestionGap("In what year did Tesla die?").found);  // a fronted preposition is not context
  EXPECT_FALSE(FindQuestionGap("Is it raining?").found);
}

// The span right after the question's own context before its question word, not the word between two
// question terms that the proximity alone prefers.
TEST(Reader, EnglishSpanAfterTheQuestionsContext) {
  std::string trace;
  EXPECT_EQ(ReadQuote("Inflammation occurs during sleep times because of the presence of what molecule?",
                      "Second, inflammation may occur during sleep times due to the presence of melatonin.", &trace),
            "melatonin")
      << trace;
  EXPECT_NE(trace.find("the question's own context around its question word"), std::string::npos) << trace;
}

// Naming and example cues: "such as X", "called X".
TEST(Reader, EnglishWordsAfterANamingCue) {
  std::string trace;
  EXPECT_EQ(ReadQuote("What are two anti-inflammatory molecules that peak during awake hours?",
                      "As well during awake active times, anti-inflammatory molecules, such as cortisol and "
                      "catecholamines, peak.",
                      &trace),
            "cortisol and catecholamines")
      << trace;
  EXPECT_NE(trace.find("after \"such as\""), std::string::npos) << trace;
}

// A quoted title answers a what question as a name does.
TEST(Reader, EnglishQuotedTitle) {
  EXPECT_EQ(ReadQuote("What article was published in 1937?",
                      "For example, in his article, \"A Machine to End War\", published in 1937, Tesla stated:"),
            "A Machine to End War");
}

// A name may hold the noun the question asks for ("What gorge" -> "Rhine Gorge").
TEST(Reader, EnglishNameHoldingTheHeadNoun) {
  EXPECT_EQ(ReadQuote("What gorge is between the Bingen and Bonn?",
                      "Between Bingen and Bonn, the Middle Rhine flows through the Rhine Gorge, a formation which was "
                      "created by erosion."),
            "Rhine Gorge");
}

// How and why questions: the words that follow the question's own terms, not the whole sentence.
TEST(Reader, EnglishHowAndWhySpans) {
  std::string trace;
  EXPECT_EQ(ReadQuote("How are nurses licensed in most countries?",
                      "In most countries, nurses are licensed separately from doctors, and their training is shorter.",
                      &trace),
            "separately from doctors")
      << trace;
  EXPECT_NE(trace.find("which the answer to a how, why or what-did question follows"), std::string::npos) << trace;
  EXPECT_EQ(ReadQuote("How often are the city council elections held?",
                      "City council elections are held every four years, while the mayor serves for six."),
            "four years");
  // The span does not end inside a hyphenated word ("four" of "four-class"), which the verifier would reject.
  EXPECT_EQ(ReadQuote("How did the historian describe the class system?",
                      "The historian described it as a misleading name for their four-class system."),
            "misleading name for their four-class");
  EXPECT_EQ(ReadQuote("Why was the old bridge closed in 2019?",
                      "The old bridge was closed in 2019 because of severe structural damage."),
            "severe structural damage");
}

// "What did X V?" reads as "X V-ed [answer]"; "What is X?" often as "X is [answer]".
TEST(Reader, EnglishWhatDidAndWhatIsReadAsStatements) {
  std::string trace;
  EXPECT_EQ(ReadQuote("What did the 1998 treaty require?",
                      "Under the terms agreed by Norway, the 1998 treaty required annual inspections of every dam.",
                      &trace),
            "annual inspections of every dam")
      << trace;
  EXPECT_EQ(ReadQuote("What was the first product of the Lund workshop?",
                      "Visitors admire its painted doors, but the first product of the Lund workshop was a folding chair.",
                      &trace),
            "folding chair")
      << trace;
  // Also after a leading clause.
  EXPECT_EQ(ReadQuote("In its first year, what did the new museum display?",
                      "In its first year the new museum, run by Karl Weiss, displayed glass from Venice."),
            "glass from Venice");
}

// "Who" asks for a person: a name ending with an award, place or organisation word is a weaker candidate;
// a possessive name is the name without its "'s".
TEST(Reader, EnglishWhoPrefersPeopleAndDropsPossessives) {
  std::string trace;
  EXPECT_EQ(ReadQuote("Who sang the anthem at the 2015 final?",
                      "The anthem at the 2015 final was sung by the Golden Globe Award winner Mara Lind.", &trace),
            "Mara Lind")
      << trace;
  EXPECT_EQ(ReadQuote("Who reopened the old bakery?",
                      "The old bakery was reopened last October, after the fire, by the young Lena Kraus."),
            "Lena Kraus");  // a month is no person
  EXPECT_EQ(ReadQuote("Who first crossed the glacier on foot?",
                      "The glacier was first crossed on foot during Halvorsen's expedition of 1911."),
            "Halvorsen");
}

// "Which German architect": the answer stands before or is named for "architect", not "German".
TEST(Reader, EnglishHeadNounAfterAModifier) {
  std::string trace;
  EXPECT_EQ(ReadQuote("Which Danish architect designed the new library?",
                      "In 1961 the Danish council chose a design for the new library by the architect Jorn Dahl.",
                      &trace),
            "Jorn Dahl")
      << trace;
}

// "What kind of N" asks for the kind: the words joined to N in the passage, without N.
TEST(Reader, EnglishKindOfIsTheModifier) {
  std::string trace;
  EXPECT_EQ(ReadQuote("What kind of roof covers the old mill?",
                      "Since its restoration, the old mill has been covered with a steep slate roof.", &trace),
            "steep slate")
      << trace;
  EXPECT_EQ(ReadQuote("What type of engines were fitted to the ferry?",
                      "The ferry was fitted with engines of a new design, twin diesel-electric engines."),
            "twin diesel-electric");
}

// Measures are numbers; ranges, clock times and degrees are one answer.
TEST(Reader, EnglishMeasuresRangesAndDegrees) {
  EXPECT_EQ(ClassifyQuestion("What is the population of the Greater Los Angeles Area?"), QuestionType::kCount);
  EXPECT_EQ(ClassifyQuestion("What was the final score of the game?"), QuestionType::kCount);
  EXPECT_EQ(ClassifyQuestion("What is the name of the stadium?"), QuestionType::kWhat);
  EXPECT_EQ(ReadQuote("What is the age range of most prostitutes in Kenya?", "Most of the prostitutes in Kenya are aged 9–18."),
            "9–18");
  EXPECT_EQ(ReadQuote("How much time was left in the game when Denver took the score to 24-10?",
                      "Manning completed a pass, giving Denver a 24–10 lead with 3:08 left."),
            "3:08");
  EXPECT_EQ(ReadQuote("What is the condenser temperature in a steam turbine?",
                      "In steam turbines, condenser temperatures are around 30 °C."),
            "30 °C");
  auto es = FindEntities("entry temperatures are typically 565 °C and the satellite sits at 28.5°E.");
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].kind, Entity::Kind::kNumber);
  EXPECT_TRUE(es[0].has_unit);
  EXPECT_EQ(es[1].norm, "28.5");
  for (const auto& e : es) EXPECT_NE(e.kind, Entity::Kind::kName);  // "C" and "E" are no names
}

TEST(Reader, HeadNoun) {
  EXPECT_EQ(HeadNoun("What satellite was used?"), "satellite");
  // After a modifier, the noun that ends the phrase; not past a verb.
  EXPECT_EQ(HeadNoun("Which German architect was asked to design it?"), "architect");
  EXPECT_EQ(HeadNoun("Which German architect was asked to design it?", false), "german");
  EXPECT_EQ(HeadNoun("What Oxford tower was copied?"), "tower");
  EXPECT_EQ(HeadNoun("What theorem defines the role of primes?"), "theorem");
  EXPECT_EQ(HeadNoun("In what kind of rock are fossils found?"), "rock");
  EXPECT_EQ(HeadNoun("What did Luther call the mass?"), "");
  EXPECT_EQ(HeadNoun("Who won?"), "");
}

TEST(Reader, WeakEvidenceIsNotFound) {
  ReaderInput in;
  in.question = "What is the boiling point of mercury?";
  in.passages = {{1, "x", "x", 1, "", "Annual leave is 25 days for staff with five years of service.", {}, ""}};
  auto a = ReadAnswer(in, AskOptions{});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, AnswerStatus::kNotFound);
  EXPECT_EQ(a->confidence, 0);
}

// A question whose weightiest word the collection never contains is not
// answered from a passage that shares only its other words.
TEST(Reader, UnknownQuestionWordsLowerTheConfidence) {
  ReaderInput in;
  in.question = "What is the capital of France?";
  in.passages = {{1, "h", "h", 1, "", "Hotels cost 380 CNY per night in provincial capitals such as Shenzhen.", {}, ""}};
  auto known = ReadAnswer(in, AskOptions{});
  in.known_share = 0.4;  // "france": not in the collection
  auto unknown = ReadAnswer(in, AskOptions{});
  ASSERT_TRUE(known.ok() && unknown.ok());
  EXPECT_NEAR(unknown->confidence, known->confidence * 0.4, 1e-9);
  EXPECT_EQ(unknown->status, AnswerStatus::kNotFound);
}

// Under "auto-qstop-mix" a short question keeps its stop words, and the
// collection knows them all; they must not make an unknown question look
// known ("france" is the only content word the collection lacks).
TEST(Reader, StopWordsDoNotCountAsKnownQuestionWords) {
  CorpusStatistics st;
  st.doc_count = 100;
  st.doc_freq = {{"what", 40}, {"is", 90}, {"the", 95}, {"of", 90}, {"capit", 3}, {"franc", 0}};
  ReaderInput in;
  in.question = "What is the capital of France?";
  in.analyzer = "auto-qstop-mix";
  SetStatistics(&in, st, /*principal=*/false);
  const double capital = search::Bm25Weight::Idf(3, 100), france = search::Bm25Weight::Idf(0, 100);
  EXPECT_NEAR(in.known_share, capital / (capital + france), 1e-12);
  EXPECT_NEAR(in.idf("is"), search::Bm25Weight::Idf(90, 100), 1e-12);  // idf still covers every term
  // A principal's search gets no share (its counts include hidden documents).
  ReaderInput p;
  p.question = in.question;
  p.analyzer = in.analyzer;
  SetStatistics(&p, st, /*principal=*/true);
  EXPECT_EQ(p.known_share, 1);
  // Analyzers whose queries are analyzed as their documents count every term.
  ReaderInput plain;
  plain.question = in.question;
  plain.analyzer = "auto";
  SetStatistics(&plain, st, false);
  double known = 0;
  for (const auto& [term, df] : st.doc_freq)
    if (df > 0) known += search::Bm25Weight::Idf(df, 100);
  EXPECT_NEAR(plain.known_share, known / (known + france), 1e-12);
}

// One matching FAQ entry has no runner-up: its confidence is the squared
// coverage, not a margin of 1.
TEST(Faq, ASingleWeakMatchIsNotCertain) {
  EXPECT_DOUBLE_EQ(FaqConfidence(5.0, 0.0, 0.5), 0.25);
  EXPECT_DOUBLE_EQ(FaqConfidence(5.0, 0.0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(FaqConfidence(5.0, 2.5, 1.0), 0.5);
  EXPECT_LT(FaqConfidence(5.0, 0.0, 0.5), 0.3);
}

TEST(Faq, ReadsJsonlCsvAndMarkdown) {
  const std::string dir = TempDir("faqfiles");
  fs::create_directories(dir);
  std::ofstream(dir + "/a.jsonl") << "{\"id\":\"f1\",\"question\":\"How do I reset my password?\",\"answer\":\"Use the link.\"}\n";
  std::ofstream(dir + "/b.csv") << "question,answer\n\"Where is the office?\",\"Main street, 5\"\n";
  std::ofstream(dir + "/c.md") << "Q: Can I bring a dog?\nA: Only guide dogs.\n\n# What are the hours?\nNine to five.\n";
  auto a = ReadFaqFile(dir + "/a.jsonl");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ((*a)[0].id, "f1");
  EXPECT_EQ(*(*a)[0].Text("title"), "How do I reset my password?");
  EXPECT_EQ((*a)[0].Meta("kind")->text, "faq");
  auto b = ReadFaqFile(dir + "/b.csv");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(*(*b)[0].Text("body"), "Main street, 5");
  auto c = ReadFaqFile(dir + "/c.md");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ(*(*c)[1].Text("title"), "What are the hours?");
  EXPECT_EQ(*(*c)[1].Text("body"), "Nine to five.");
  std::ofstream(dir + "/bad.csv") << "q,x\n1,2\n";
  EXPECT_FALSE(ReadFaqFile(dir + "/bad.csv").ok());
  fs::remove_all(dir);
}

class AskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("ask");
    CollectionOptions co;
    co.embedder = "none";
    auto c = Collection::Create(dir_, co);
    ASSERT_TRUE(c.ok()) << c.status().message();
    c_ = std::move(c.value());
    auto add = [&](const std::string& id, const std::string& body, std::vector<std::pair<std::string, MetadataValue>> meta) {
      Document d{id, {{"title", ""}, {"body", body}}, std::move(meta)};
      ASSERT_TRUE(c_->Add(d).ok());
    };
    add("contract#0", "The price of bagged cement is 468 CNY per tonne from 1 January 2026. Bulk cement costs 430 CNY "
                      "per tonne.", {{"doc_id", MetadataValue::Keyword("contract")}, {"page", MetadataValue::Number(3)}});
    add("secret", "The secret bonus for cement traders is 900 CNY per tonne.",
        {{"acl_users", MetadataValue::Keyword("boss")}});
    add("hr", "Annual leave is 25 days a year.", {});
    for (int i = 0; i < 5; ++i) add("filler" + std::to_string(i), "Unrelated text about trucks and roads number " + std::to_string(i), {});
    auto faq = ReadFaqFile(WriteFaq());
    ASSERT_TRUE(faq.ok()) << faq.status().message();
    for (const auto& d : *faq) ASSERT_TRUE(c_->Add(d).ok());
    ASSERT_TRUE(c_->Commit().ok());
  }
  void TearDown() override {
    c_.reset();
    fs::remove_all(dir_);
  }
  std::string WriteFaq() {
    std::string p = dir_ + "-faq.jsonl";
    std::ofstream(p) << "{\"id\":\"pw\",\"question\":\"How do I reset my password?\",\"answer\":\"Open Settings, then Reset password.\"}\n"
                        "{\"id\":\"hours\",\"question\":\"What are your opening hours?\",\"answer\":\"Nine to five, Monday to Friday.\"}\n"
                        "{\"id\":\"dog\",\"question\":\"Can I bring my dog to the office?\",\"answer\":\"Only guide dogs.\"}\n";
    return p;
  }
  std::string dir_;
  std::unique_ptr<Collection> c_;
};

TEST_F(AskTest, AnswersWithCitationPageAndTrace) {
  AskOptions o;
  auto a = Ask(*c_, "What is the price of bagged cement per tonne?", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kAnswered) << a->text;
  ASSERT_EQ(a->citations.size(), 1u);
  const auto& c = a->citations[0];
  EXPECT_EQ(c.id, "contract#0");
  EXPECT_EQ(c.doc_id, "contract");
  EXPECT_EQ(c.page, 3);
  EXPECT_NE(c.quote.find("468"), std::string::npos) << c.quote;
  EXPECT_TRUE(c.verified);
  EXPECT_GT(a->confidence, 0.35);
  EXPECT_EQ(a->trace.front().step, "retrieve");
}

TEST_F(AskTest, AccessControlHidesPassages) {
  AskOptions o;
  o.search.principal = Principal{"ann", {}};
  auto a = Ask(*c_, "What is the secret bonus for cement traders?", o);
  ASSERT_TRUE(a.ok());
  for (const auto& p : a->passages) EXPECT_NE(p.id, "secret");
  EXPECT_EQ(a->text.find("900"), std::string::npos) << a->text;
  o.search.principal = Principal{"boss", {}};
  auto b = Ask(*c_, "What is the secret bonus for cement traders?", o);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->text.find("900"), std::string::npos) << b->text;
}

TEST_F(AskTest, NotFoundAndBadQuestions) {
  auto a = Ask(*c_, "Who painted the Mona Lisa?", AskOptions{});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, AnswerStatus::kNotFound);
  EXPECT_FALSE(Ask(*c_, "   ", AskOptions{}).ok());
  EXPECT_FALSE(Ask(*c_, std::string(10000, 'a'), AskOptions{}).ok());
  auto bin = Ask(*c_, std::string("\x01\xff\xfe binary", 10), AskOptions{});
  ASSERT_TRUE(bin.ok()) << bin.status().message();
  EXPECT_NE(bin->status, AnswerStatus::kAnswered);
  AskOptions bad;
  EXPECT_FALSE(SetAskOption(&bad, "unsupported", "maybe").ok());
  EXPECT_FALSE(SetAskOption(&bad, "max_passages", "x").ok());
  EXPECT_TRUE(SetAskOption(&bad, "mode", "bm25").ok());  // falls through to the search options
}

TEST_F(AskTest, FaqAnswersVerbatimOrHandsOff) {
  AskOptions o;
  o.mode = AnswerMode::kFaq;
  auto a = Ask(*c_, "how can I reset the password", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  EXPECT_EQ(a->faq_id, "pw");
  EXPECT_EQ(a->text, "Open Settings, then Reset password.");
  o.handoff_threshold = 0.99;
  auto b = Ask(*c_, "how can I reset the password of my dog", o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->status, AnswerStatus::kHandoff);
  EXPECT_LE(b->passages.size(), 3u);
  EXPECT_EQ(b->passages[0].id, "pw");
}

// The FAQ retriever in the request pipeline: fused with BM25 by name and
// weight (also without an embedder), each retriever's part explained, and
// the parts summing to the fused score exactly as for BM25 and vectors.
TEST_F(AskTest, FaqRetrieverIsFusedAndExplained) {
  Document hidden{"bonus-faq", {{"title", "What is the password bonus?"}, {"body", "900 CNY."}},
                  {{"kind", MetadataValue::Keyword("faq")}, {"acl_users", MetadataValue::Keyword("boss")}}};
  ASSERT_TRUE(c_->Add(hidden).ok());
  ASSERT_TRUE(c_->Commit().ok());
  SearchOptions so;
  ASSERT_TRUE(SetSearchOption(&so, "weights", "bm25=0.3,faq=0.7").ok());
  so.with_explanation = true;
  so.principal = Principal{"ann", {}};
  auto r = c_->Search(FaqWordsQuery("how can I reset the password"), so);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mode, "hybrid");
  EXPECT_NE(r->fusion.find("faq=0.7"), std::string::npos) << r->fusion;
  ASSERT_FALSE(r->hits.empty());
  EXPECT_EQ(r->hits[0].id, "pw");
  for (const auto& h : r->hits) {
    EXPECT_NE(h.id, "bonus-faq");  // access control holds for the FAQ retriever's candidates
    ASSERT_EQ(h.retrievers.size(), 2u) << h.id;
    EXPECT_EQ(h.retrievers[0].retriever, "bm25");
    EXPECT_EQ(h.retrievers[1].retriever, "faq");
    EXPECT_DOUBLE_EQ(h.retrievers[1].weight, 0.7);
    double sum = 0, shares = 0;
    for (const auto& p : h.retrievers) {
      EXPECT_NEAR(p.contribution, p.weight * p.normalized, 1e-12);
      sum += p.contribution;
      shares += p.share;
    }
    EXPECT_NEAR(sum, h.score, 1e-12) << h.id;
    if (h.score > 0) EXPECT_NEAR(shares, 1.0, 1e-9) << h.id;
  }
  EXPECT_EQ(r->hits[0].retrievers[1].rank, 1u);
  EXPECT_GT(r->hits[0].retrievers[1].raw, 0);
  // The name is taken while the FAQ retriever runs; an unknown name is refused.
  EXPECT_FALSE(SetSearchOption(&so, "weights", "bm25=0.3,faqs=0.7").ok());

  // ask routes through the same fusion: the stored answer verbatim, the FAQ part in its explanation.
  AskOptions o;
  o.mode = AnswerMode::kFaq;
  auto a = Ask(*c_, "how can I reset the password", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  EXPECT_EQ(a->text, "Open Settings, then Reset password.");
  ASSERT_FALSE(a->passages.empty());
  EXPECT_NE(a->passages[0].why.find("faq rank 1"), std::string::npos) << a->passages[0].why;
  EXPECT_NE(a->trace[0].detail.find("faq=0.9"), std::string::npos) << a->trace[0].detail;
}

TEST_F(AskTest, FaqThresholdDerivedFromTheCollectionWhenUnset) {
  const FaqThreshold d = DeriveFaqThreshold(*c_);
  EXPECT_GT(d.probes, 0u);  // paraphrases of the stored questions were asked
  EXPECT_LE(d.right, d.probes);
  EXPECT_GE(d.threshold, 0.0);
  EXPECT_LE(d.threshold, 0.95);
  EXPECT_GE(d.precision, kFaqDerivedPrecision);
  EXPECT_EQ(DeriveFaqThreshold(*c_).threshold, d.threshold);  // cached
  AskOptions o;
  o.mode = AnswerMode::kFaq;
  EXPECT_TRUE(std::isnan(o.handoff_threshold));
  auto a = Ask(*c_, "how can I reset the password", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  bool said = false;
  for (const auto& t : a->trace) said |= t.step == "confidence" && t.detail.find("derived from the collection") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(a->status, a->confidence >= d.threshold ? AnswerStatus::kAnswered : AnswerStatus::kHandoff);
}

// A question that shares no word with any entry, or ties two entries, is
// handed off at any threshold, 0 included (a derived threshold can be 0).
TEST_F(AskTest, FaqNoEvidenceHandsOffEvenAtThresholdZero) {
  AskOptions o;
  o.mode = AnswerMode::kFaq;
  o.handoff_threshold = 0;
  auto a = Ask(*c_, "book a meeting room on the moon", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kHandoff) << a->text;
  EXPECT_EQ(a->confidence, 0);
  EXPECT_TRUE(a->faq_id.empty());
}

TEST_F(AskTest, FaqWeakMatchHandsOffWithThreeCandidates) {
  AskOptions o;
  o.mode = AnswerMode::kFaq;
  // One word of each entry: no entry stands out.
  o.handoff_threshold = 0.3;
  auto a = Ask(*c_, "password hours dog", o);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kHandoff) << a->confidence;
  EXPECT_LT(a->confidence, o.handoff_threshold);
  ASSERT_EQ(a->passages.size(), 3u);
  EXPECT_TRUE(a->faq_id.empty());
  EXPECT_NE(a->text.find("[3]"), std::string::npos) << a->text;
}

// A stand-in for an OpenAI-compatible chat endpoint: replies with `reply_` (or sleeps, or garbage).
class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      last_request_ = req.body;
      if (mode_ == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      if (mode_ == "garbage") return res.set_content("<html>oops</html>", "text/html");
      const bool wants_stream = nlohmann::json::parse(req.body).value("stream", false);
      if (wants_stream && mode_ != "no-stream") {
        // Server-Sent Events, one word per event (the OpenAI chunk format),
        // or events without a completion chunk ("stream-garbage").
        std::vector<std::string> events;
        if (mode_ == "stream-garbage") {
          events = {"{\"object\": \"ping\"}", "not json"};
        } else {
          size_t b = 0;
          while (b < reply_.size()) {
            size_t e = reply_.find(' ', b + 1);
            e = e == std::string::npos ? reply_.size() : e;
            nlohmann::json ev = {{"choices", {{{"delta", {{"content", reply_.substr(b, e - b)}}}}}}};
            events.push_back(ev.dump());
            b = e;
          }
        }
        events.push_back("[DONE]");
        auto shared = std::make_shared<std::vector<std::string>>(std::move(events));
        const bool trickle = mode_ == "trickle";  // one event every 300 ms
        res.set_chunked_content_provider("text/event-stream", [shared, trickle](size_t, httplib::DataSink& sink) {
          for (const auto& ev : *shared) {
            if (trickle) std::this_thread::sleep_for(std::chrono::milliseconds(300));
            const std::string line = "data: " + ev + "\n\n";
            if (!sink.write(line.data(), line.size())) return false;
          }
          sink.done();
          return true;
        });
        return;
      }
      nlohmann::json j = {{"choices", {{{"message", {{"role", "assistant"}, {"content", reply_}}}}}}};
      res.set_content(j.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    in_.question = "How much does bagged cement cost?";
    in_.passages = {{1, "c#0", "contract", 1, "", "Bagged cement costs 468 CNY per tonne from 1 January 2026. Bulk is 430 CNY.", 7, ""},
                    {2, "d#0", "delivery", 1, "", "Deliveries take 48 hours from the Anhui depot.", {}, ""}};
    o_.mode = AnswerMode::kGenerative;
    o_.llm_url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/chat/completions";
    o_.llm_timeout_ms = 1000;
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::string reply_, mode_, last_request_;
  ReaderInput in_;
  AskOptions o_;
};

TEST_F(GenerateTest, SupportedAnswerIsCitedAtTheSentence) {
  reply_ = "Bagged cement costs 468 CNY per tonne [1]. Deliveries take 48 hours [2].";
  auto a = Generate(in_, o_);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  EXPECT_TRUE(a->verified);
  ASSERT_EQ(a->citations.size(), 2u);
  EXPECT_EQ(a->citations[0].id, "c#0");
  EXPECT_EQ(a->citations[0].page, 7);
  EXPECT_EQ(a->citations[0].quote, "Bagged cement costs 468 CNY per tonne from 1 January 2026.");
  EXPECT_EQ(a->citations[1].id, "d#0");
  // The prompt numbers the passages.
  EXPECT_NE(last_request_.find("[1] Bagged cement"), std::string::npos) << last_request_;
  EXPECT_NE(last_request_.find("[2] Deliveries"), std::string::npos);
}

TEST_F(GenerateTest, InventedSourceAndWrongNumberAreFlaggedOrDropped) {
  reply_ = "Bagged cement costs 470 CNY per tonne [1]. It is made in Anhui [5]. Deliveries take 48 hours [2].";
  auto a = Generate(in_, o_);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  EXPECT_FALSE(a->verified);  // never presented as verified
  size_t verified = 0;
  for (const auto& c : a->citations) verified += c.verified;
  EXPECT_EQ(verified, 1u);
  EXPECT_NEAR(a->confidence, 1.0 / 3, 1e-9);
  o_.unsupported = UnsupportedPolicy::kDrop;
  auto b = Generate(in_, o_);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->text, "Deliveries take 48 hours [2].");
  reply_ = "The price is 999 CNY [3].";
  auto c = Generate(in_, o_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, AnswerStatus::kNotFound);  // nothing supported, policy drop
}

TEST_F(GenerateTest, NotFoundGarbageAndTimeout) {
  reply_ = "NOT FOUND";
  auto a = Generate(in_, o_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, AnswerStatus::kNotFound);
  mode_ = "garbage";
  auto g = Generate(in_, o_);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("did not return a chat completion"), std::string::npos) << g.status().message();
  mode_ = "slow";
  auto s = Generate(in_, o_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kDeadlineExceeded) << s.status().message();
  AskOptions bad;
  bad.mode = AnswerMode::kGenerative;
  EXPECT_FALSE(ValidateAskOptions(bad).ok());  // no endpoint
}

TEST_F(GenerateTest, StreamsTheEndpointsReplyPieceByPiece) {
  reply_ = "Bagged cement costs 468 CNY per tonne [1]. Deliveries take 48 hours [2].";
  std::vector<std::string> pieces;
  o_.on_token = [&](std::string_view p) {
    pieces.emplace_back(p);
    return true;
  };
  auto a = Generate(in_, o_);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NE(last_request_.find("\"stream\":true"), std::string::npos) << last_request_;
  ASSERT_EQ(pieces.size(), 13u);  // one per word, as sent
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, reply_);
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  EXPECT_TRUE(a->verified);
  EXPECT_EQ(a->citations.size(), 2u);
  EXPECT_EQ(a->timings.generated_tokens, 13u);
  EXPECT_LE(a->timings.first_token_ms, a->timings.generate_ms);
  bool traced = false;
  for (const auto& t : a->trace) traced |= t.detail.find("streamed") != std::string::npos;
  EXPECT_TRUE(traced);

  // Stopping after the first sentence: the answer is what arrived so far.
  pieces.clear();
  o_.on_token = [&](std::string_view p) {
    pieces.emplace_back(p);
    return p.find("[1].") == std::string_view::npos;
  };
  auto c = Generate(in_, o_);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(pieces.size(), 8u);
  EXPECT_EQ(c->text, "Bagged cement costs 468 CNY per tonne [1].");
  EXPECT_EQ(c->citations.size(), 1u);

  // An endpoint that ignores "stream" answers with one completion: one piece.
  mode_ = "no-stream";
  pieces.clear();
  o_.on_token = [&](std::string_view p) {
    pieces.emplace_back(p);
    return true;
  };
  auto d = Generate(in_, o_);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0], reply_);

  // A stream that trickles past llm_timeout (1 s here; each read is within
  // the socket's idle timeout) is stopped by the whole-reply deadline.
  mode_ = "trickle";
  const auto t0 = std::chrono::steady_clock::now();
  auto slow = Generate(in_, o_);
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), Status::Code::kDeadlineExceeded) << slow.status().message();
  EXPECT_NE(slow.status().message().find("did not finish its reply"), std::string::npos) << slow.status().message();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);

  // A stream with no completion chunk is an error that says so.
  mode_ = "stream-garbage";
  auto g = Generate(in_, o_);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("event stream without a chat completion chunk"), std::string::npos)
      << g.status().message();
}

// ---------------------------------------------------------------------------
// Routing (route.cc): tables, documents, steps.

TEST(Route, CuesAndCompoundQuestions) {
  std::string cue;
  EXPECT_TRUE(HasTableCue("How much cement did we buy?", &cue));
  EXPECT_EQ(cue, "how much");
  EXPECT_TRUE(HasTableCue("过去三年我们买了多少水泥？"));
  EXPECT_FALSE(HasTableCue("What is the price of bagged cement per tonne?"));
  EXPECT_FALSE(HasTableCue("Who painted the Mona Lisa?"));
  EXPECT_FALSE(HasTableCue("Can I open an account?"));  // "count" is a word, not a part of one
  auto parts = SplitCompound("How much cement did we buy in the last three years, and which supplier delivered most of it?");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "How much cement did we buy in the last three years");
  EXPECT_EQ(parts[1], "which supplier delivered most of it?");
  EXPECT_EQ(SplitCompound("过去三年我们买了多少水泥，以及哪个供应商供应的最多？").size(), 2u);
  EXPECT_EQ(SplitCompound("Sand and gravel: how much did we buy?").size(), 1u);
}

TEST(Compare, SplitsComparisonsOfTwoFigures) {
  Comparison c;
  ASSERT_TRUE(SplitComparison("Is the contract price of bagged cement above what we paid on average in 2025?", &c));
  EXPECT_EQ(c.left, "the contract price of bagged cement");
  EXPECT_EQ(c.right, "what we paid on average in 2025");
  EXPECT_EQ(c.sense, 1);
  ASSERT_TRUE(SplitComparison("袋装水泥的合同价是否高于2025年我们支付的平均单价？", &c));
  EXPECT_EQ(c.left, "袋装水泥的合同价");
  EXPECT_EQ(c.right, "2025年我们支付的平均单价");
  ASSERT_TRUE(SplitComparison("中砂的合同价格是否高于2024年我们支付的平均单价？", &c));
  EXPECT_EQ(c.left, "中砂的合同价格");  // whole characters: no byte of 格 or ？ trimmed away
  EXPECT_EQ(c.right, "2024年我们支付的平均单价");
  ASSERT_TRUE(SplitComparison("Was the average price of sand lower than the contract price?", &c));
  EXPECT_EQ(c.sense, -1);
  // A bare number is a filter for the tables, not a second figure; other questions are not comparisons.
  EXPECT_FALSE(SplitComparison("Is any delivery above 400 tonnes?", &c));
  EXPECT_FALSE(SplitComparison("How much cement did we buy in the last three years?", &c));
  EXPECT_FALSE(SplitComparison("Which deliveries were above 100 tonnes?", &c));
}

TEST(Compare, ComparesOnlyFiguresInTheSameUnit) {
  Comparison c;
  ASSERT_TRUE(SplitComparison("Is the contract price above what we paid on average?", &c));
  Figure doc{true, 468, "CNY", "tonne", "[1] contract", ""};
  Figure tab{true, 462, "CNY", "tonne", "table purchases", ""};
  Answer a = CompareFigures(c, doc, tab);
  EXPECT_EQ(a.status, AnswerStatus::kAnswered);
  EXPECT_EQ(a.text.rfind("Yes", 0), 0u) << a.text;
  EXPECT_NE(a.text.find("by 6 CNY/tonne"), std::string::npos) << a.text;
  tab.value = 470;
  EXPECT_EQ(CompareFigures(c, doc, tab).text.rfind("No", 0), 0u);
  tab.currency = "USD";
  Answer u = CompareFigures(c, doc, tab);
  EXPECT_EQ(u.status, AnswerStatus::kNotFound);
  EXPECT_NE(u.text.find("different units"), std::string::npos) << u.text;
  tab.currency = "CNY";
  tab.per = "";  // a total in CNY is not a price per tonne
  EXPECT_EQ(CompareFigures(c, doc, tab).status, AnswerStatus::kNotFound);
  Figure none;
  none.why_not = "the documents do not give it";
  Answer m = CompareFigures(c, none, tab);
  EXPECT_EQ(m.status, AnswerStatus::kNotFound);
  EXPECT_NE(m.text.find("documents do not give it"), std::string::npos) << m.text;
}

class RouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("route");
    auto c = Collection::Create(dir_, NoVectors());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    IngestOptions io;
    io.paths = {std::string(GLASSBOX_SOURCE_DIR) + "/examples/kb"};
    io.exclude = {"README.md"};
    auto r = Ingest(**c, io);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    c_ = std::move(c.value());
  }
  void TearDown() override {
    c_.reset();
    fs::remove_all(dir_);
  }
  AskOptions Opts() const {
    AskOptions o;
    o.today = "2026-10-20";
    return o;
  }
  std::string dir_;
  std::unique_ptr<Collection> c_;
};

TEST_F(RouteTest, FiguresGoToTablesAndCompoundQuestionsKeepTheirSubject) {
  auto a = Ask(*c_, "How much cement did we buy in the last three years?", Opts());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->route, "table");
  EXPECT_EQ(a->status, AnswerStatus::kAnswered);
  ASSERT_TRUE(a->table.has_value());
  EXPECT_NE(a->table->sql.find("SUM("), std::string::npos) << a->table->sql;
  EXPECT_NE(a->table->sql.find("'cement'"), std::string::npos) << a->table->sql;
  EXPECT_NE(a->table->sql.find("'2023-10-20'"), std::string::npos) << a->table->sql;
  EXPECT_FALSE(a->table->rows.empty());
  EXPECT_FALSE(a->table->evidence_rows.empty());

  auto m = Ask(*c_, "How much cement did we buy in the last three years, and which supplier delivered most of it?",
               Opts());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->route, "multi-step");
  ASSERT_EQ(m->steps.size(), 2u);
  EXPECT_EQ(m->steps[0].route, "table");
  ASSERT_TRUE(m->steps[1].table.has_value());
  const std::string& sql = m->steps[1].table->sql;
  EXPECT_NE(sql.find("\"supplier\""), std::string::npos) << sql;
  EXPECT_NE(sql.find("'cement'"), std::string::npos) << sql;  // "it" kept its subject
  EXPECT_NE(sql.find("'2023-10-20'"), std::string::npos) << sql;
}

// A later part with no figure cue and no back-reference is a question of its own: the earlier part's words
// would bring their cue along and send it to the tables again.
TEST_F(RouteTest, ALaterPartWithoutACueIsAskedOnItsOwn) {
  auto m = Ask(*c_, "How much steel rebar did we buy in 2025, and who signed the rebar agreement for the seller?", Opts());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->route, "multi-step");
  ASSERT_EQ(m->steps.size(), 2u);
  EXPECT_EQ(m->steps[0].route, "table");
  EXPECT_EQ(m->steps[1].route, "documents") << m->steps[1].text;
  EXPECT_FALSE(m->steps[1].table.has_value());
  // A later part with only a time range (还有2026年呢) keeps the earlier part's subject.
  auto e = Ask(*c_, "2024年水泥的平均单价是多少，还有2026年呢？", Opts());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->steps.size(), 2u);
  ASSERT_TRUE(e->steps[1].table.has_value()) << e->steps[1].text;
  EXPECT_NE(e->steps[1].table->sql.find("'cement'"), std::string::npos) << e->steps[1].table->sql;
}

TEST_F(RouteTest, DocumentsForPrincipalsAndForQuestionsWithoutACue) {
  AskOptions o = Opts();
  o.search.principal = Principal{"bob", {}};
  auto a = Ask(*c_, "How much cement did we buy in the last three years?", o);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->route, "documents");
  EXPECT_NE(a->route_reason.find("principal"), std::string::npos) << a->route_reason;
  EXPECT_FALSE(a->table.has_value());
  o.route = "tables";
  EXPECT_EQ(Ask(*c_, "How much cement did we buy?", o).status().code(), Status::Code::kInvalidArgument);

  auto d = Ask(*c_, "Who painted the Mona Lisa?", Opts());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->route, "documents");
  EXPECT_EQ(d->status, AnswerStatus::kNotFound);
  EXPECT_FALSE(d->table.has_value());
}

TEST_F(RouteTest, AFigureCueWithOnlyGeneralWordsLinkedPrefersTheDocuments) {
  // "paid" links purchases.amount through the general glossary only: the documents answer it.
  auto a = Ask(*c_, "How many days of marriage leave are paid?", Opts());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->route, "documents") << a->text;
  EXPECT_NE(a->text.find("3"), std::string::npos) << a->text;
  EXPECT_NE(a->route_reason.find("general words"), std::string::npos) << a->route_reason;
  // A general word with a time range of the table's own stays with the table.
  auto t = Ask(*c_, "How much did we spend in total this year?", Opts());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->route, "table") << t->route_reason;
}

TEST_F(RouteTest, ComparesAContractPriceWithAnAverageFromTheTables) {
  auto a = Ask(*c_, "Is the contract price of bagged cement above what we paid on average in 2025?", Opts());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->route, "multi-step");
  ASSERT_EQ(a->steps.size(), 3u);
  const Answer& doc = a->steps[0];
  EXPECT_EQ(doc.route, "documents");
  ASSERT_FALSE(doc.citations.empty());
  EXPECT_NE(doc.citations[0].quote.find("468"), std::string::npos) << doc.citations[0].quote;  // the cited passage
  const Answer& tab = a->steps[1];
  EXPECT_EQ(tab.route, "table");
  ASSERT_TRUE(tab.table.has_value());
  EXPECT_NE(tab.table->sql.find("AVG(\"unit_price\")"), std::string::npos) << tab.table->sql;
  EXPECT_NE(tab.table->sql.find("'cement'"), std::string::npos) << tab.table->sql;
  EXPECT_NE(tab.table->sql.find("'2025-01-01'"), std::string::npos) << tab.table->sql;
  EXPECT_EQ(a->steps[2].route, "compare");
  EXPECT_EQ(a->status, AnswerStatus::kAnswered) << a->text;
  // 2026's contract price (468 CNY/tonne) against 2025's average paid (462 CNY/tonne).
  EXPECT_EQ(a->text, "Yes: 468 CNY/tonne is above 462 CNY/tonne by 6 CNY/tonne (+1.3%).");
  bool units = false;
  for (const auto& t : a->trace) units = units || (t.step == "units" && t.detail == "both in CNY/tonne");
  EXPECT_TRUE(units);

  // The documents give no price for a moon shuttle: no comparison, and the answer says why.
  auto r = Ask(*c_, "Is the contract price of the moon shuttle above what we paid on average for cement in 2025?", Opts());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->steps.size(), 3u);
  EXPECT_EQ(r->status, AnswerStatus::kNotFound);
  EXPECT_EQ(r->text.rfind("Cannot compare: the documents do not give it", 0), 0u) << r->text;
}

}  // namespace
}  // namespace glassbox::answer
