// Pseudo-relevance feedback (SearchOptions::feedback, src/search/feedback.cc):
// which words it adds, with which weights, and that they are explained.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/collection.h"
#include "glassbox/request.h"

namespace glassbox {
namespace {

namespace fs = std::filesystem;

// Three documents about apples (their words counted by hand below), one about
// orchards without the word apple, and 40 that share one common word (in over
// 10 % of the documents, so never added).
class FeedbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("gb_feedback_test_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    CollectionOptions o;
    o.analyzer = "standard";  // lower-cases and splits; no stemming, no stop words
    o.embedder = "none";
    auto c = Collection::Create(dir_, o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    c_ = std::move(c.value());
    Add("a1", "apple orchard orchard cider");
    Add("a2", "apple orchard press common");
    Add("a3", "apple pie");
    Add("o1", "orchard ladder");
    for (int i = 0; i < 40; ++i) Add("f" + std::to_string(i), "filler" + std::to_string(i) + " common");
    ASSERT_TRUE(c_->Commit().ok());
  }
  void TearDown() override {
    c_.reset();
    fs::remove_all(dir_);
  }
  void Add(const std::string& id, const std::string& body) {
    Document d;
    d.id = id;
    d.text = {{"body", body}};
    ASSERT_TRUE(c_->Add(d).ok());
  }
  SearchOptions Options(const std::string& feedback) {
    SearchOptions o;
    o.k = 10;
    o.mode = SearchMode::kBm25;
    o.with_explanation = true;
    EXPECT_TRUE(SetSearchOption(&o, "feedback", feedback).ok()) << feedback;
    return o;
  }
  std::string dir_;
  std::unique_ptr<Collection> c_;
};

TEST_F(FeedbackTest, AddsTheRelevanceModelsTopWordsWithTheirWeights) {
  // First pass: the BM25 scores of a1, a2, a3 for "apple".
  auto first = c_->Search("apple", Options("off"));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->hits.size(), 3u);
  std::map<std::string, double> score;
  double mass = 0;
  for (const auto& h : first->hits) score[h.id] = h.score, mass += h.score;
  // P(w|R) = sum_d tf(w,d) / |d| * score(d) / mass.
  const double s1 = score["a1"] / mass, s2 = score["a2"] / mass, s3 = score["a3"] / mass;
  std::map<std::string, double> model = {
      {"apple", s1 / 4 + s2 / 4 + s3 / 2}, {"orchard", s1 * 2 / 4 + s2 / 4}, {"cider", s1 / 4},
      {"press", s2 / 4}, {"pie", s3 / 2}};  // "common" is in 41 of 44 documents: cut
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [w, p] : model) order.emplace_back(-p, w);
  std::sort(order.begin(), order.end());
  // The top 3 words, renormalized; weight 0.5 of a one-word query.
  std::map<std::string, double> expect;
  double kept = 0;
  for (size_t i = 0; i < 3; ++i) kept += -order[i].first;
  for (size_t i = 0; i < 3; ++i) expect[order[i].second] = 0.5 * 1 * (-order[i].first) / kept;
  ASSERT_TRUE(expect.count("apple") && expect.count("orchard"));  // the two strongest, by construction

  auto r = c_->Search("apple", Options("docs=3,terms=3,weight=0.5"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, double> seen_feedback, seen_boost;
  bool o1_found = false;
  for (const auto& h : r->hits) {
    o1_found |= h.id == "o1";
    const Explanation& e = *h.explanation;
    double sum = 0;
    for (const auto& t : e.terms) {
      sum += t.contribution;
      if (t.feedback > 0) seen_feedback[t.term] = t.feedback;
      seen_boost[t.term] = t.boost;
    }
    EXPECT_NEAR(sum, h.score, 1e-6) << h.id;
    EXPECT_NEAR(e.score, h.score, 1e-6) << h.id;
  }
  // The query's word keeps half its boost plus its share of the model.
  EXPECT_NEAR(seen_boost["apple"], 0.5 + expect["apple"], 1e-9);
  EXPECT_NEAR(seen_feedback["apple"], expect["apple"], 1e-9);
  // Added words: boost is all feedback; a word outside the top 3 never appears.
  for (const auto& [w, b] : expect) {
    if (w == "apple") continue;
    EXPECT_NEAR(seen_feedback[w], b, 1e-9) << w;
    EXPECT_NEAR(seen_boost[w], b, 1e-9) << w;
  }
  for (const auto& [w, b] : seen_feedback) EXPECT_TRUE(expect.count(w)) << w << " was not in the top 3";
  EXPECT_EQ(seen_feedback.count("common"), 0u);
  // "orchard" brings in the document without "apple".
  EXPECT_TRUE(o1_found);
}

TEST_F(FeedbackTest, OffLeavesTheSearchAsItWas) {
  auto plain = c_->Search("apple orchard", Options("off"));
  SearchOptions none;
  none.mode = SearchMode::kBm25;
  none.with_explanation = true;
  auto def = c_->Search("apple orchard", none);
  ASSERT_TRUE(plain.ok() && def.ok());
  ASSERT_EQ(plain->hits.size(), def->hits.size());
  for (size_t i = 0; i < def->hits.size(); ++i) {
    EXPECT_EQ(plain->hits[i].id, def->hits[i].id);
    EXPECT_EQ(plain->hits[i].score, def->hits[i].score);
    for (const auto& t : def->hits[i].explanation->terms) EXPECT_EQ(t.feedback, 0) << t.term;
  }
}

TEST_F(FeedbackTest, WhyNotInResultsSeesTheExpandedQuery) {
  SearchOptions o = Options("docs=3,terms=3,weight=0.5");
  o.k = 1;
  auto w = c_->WhyNotInResults("apple", o, "o1");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // o1 has no "apple": it matches only through the added "orchard".
  EXPECT_EQ(w->reason, WhyNot::Reason::kRankedBelow) << w->message;
  EXPECT_GT(w->score, 0);
}

// The feedback documents are those the principal may see: a hidden document's
// words never join the query (nor bring in the visible documents they match).
TEST(Feedback, OnlyVisibleDocumentsFeedTheModel) {
  std::string dir = (fs::temp_directory_path() / ("gb_feedback_acl_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  CollectionOptions co;
  co.analyzer = "standard";
  co.embedder = "none";
  auto c = Collection::Create(dir, co);
  ASSERT_TRUE(c.ok());
  auto add = [&](const std::string& id, const std::string& body, const std::string& user) {
    Document d;
    d.id = id;
    d.text = {{"body", body}};
    if (!user.empty()) d.metadata = {{kAclUsersField, MetadataValue::Keyword(user)}};
    ASSERT_TRUE((*c)->Add(d).ok());
  };
  add("hidden", "apple apple secretword secretword", "boss");
  add("visible", "apple pie", "");
  add("bait", "secretword only", "");
  for (int i = 0; i < 30; ++i) add("f" + std::to_string(i), "filler" + std::to_string(i), "");
  ASSERT_TRUE((*c)->Commit().ok());
  for (bool statistics : {false, true}) {
    SearchOptions o;
    o.mode = SearchMode::kBm25;
    o.with_explanation = true;
    o.principal = Principal{"intern", {}};
    o.principal_statistics = statistics;
    ASSERT_TRUE(SetSearchOption(&o, "feedback", "docs=5,terms=5,weight=0.5").ok());
    auto r = (*c)->Search("apple", o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->hits.size(), 1u);
    EXPECT_EQ(r->hits[0].id, "visible");
    for (const auto& t : r->hits[0].explanation->terms) EXPECT_NE(t.term, "secretword");
    // The boss sees the hidden document: its word joins and brings in "bait".
    o.principal = Principal{"boss", {}};
    auto b = (*c)->Search("apple", o);
    ASSERT_TRUE(b.ok());
    bool bait = false;
    for (const auto& h : b->hits) bait |= h.id == "bait";
    EXPECT_TRUE(bait) << "statistics " << statistics;
  }
  c->reset();
  fs::remove_all(dir);
}

TEST_F(FeedbackTest, OptionSyntaxAndLimits) {
  SearchOptions o;
  EXPECT_TRUE(SetSearchOption(&o, "feedback", "on").ok());
  EXPECT_EQ(o.feedback.docs, 10u);
  EXPECT_EQ(o.feedback.terms, 10u);
  EXPECT_EQ(o.feedback.weight, 0.5);
  EXPECT_TRUE(SetSearchOption(&o, "feedback", "terms=20").ok());
  EXPECT_EQ(o.feedback.docs, 10u);
  EXPECT_EQ(o.feedback.terms, 20u);
  EXPECT_TRUE(SetSearchOption(&o, "feedback", "off").ok());
  EXPECT_EQ(o.feedback.docs, 0u);
  Status bad = SetSearchOption(&o, "feedback", "docs=3,depth=2");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("depth"), std::string::npos) << bad.message();
  EXPECT_FALSE(SetSearchOption(&o, "feedback", "weight=x").ok());
  ASSERT_TRUE(SetSearchOption(&o, "feedback", "weight=1.5").ok());
  Status range = ValidateSearchOptions(o);
  EXPECT_FALSE(range.ok());
  EXPECT_NE(range.message().find("feedback"), std::string::npos) << range.message();
}

}  // namespace
}  // namespace glassbox
