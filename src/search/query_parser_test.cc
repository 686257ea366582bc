#include <random>
#include <string>

#include <gtest/gtest.h>

#include "search/query.h"

namespace glassbox::search {
namespace {

using Kind = Clause::Kind;

ParsedQuery MustParse(std::string_view q) {
  auto r = ParseQuery(q);
  EXPECT_TRUE(r.ok()) << q << " -> " << r.status().ToString();
  if (!r.ok()) return {};
  return std::move(r).value();
}

std::string ErrorOf(std::string_view q) {
  auto r = ParseQuery(q);
  EXPECT_FALSE(r.ok()) << q;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

void ExpectClause(const Clause& c, Kind kind, Occur occur, std::string_view field, std::string_view text,
                  double boost = 1.0) {
  EXPECT_EQ(c.kind, kind) << text;
  EXPECT_EQ(c.occur, occur) << text;
  EXPECT_EQ(c.field, field) << text;
  EXPECT_EQ(c.text, text);
  EXPECT_DOUBLE_EQ(c.boost, boost) << text;
}

TEST(QueryParser, BareWords) {
  auto q = MustParse("annual leave");
  ASSERT_EQ(q.clauses.size(), 2u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "annual");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "leave");
  EXPECT_TRUE(q.ranges.empty());
  EXPECT_TRUE(q.boosts.empty());
}

TEST(QueryParser, MustAndMustNot) {
  auto q = MustParse("+annual leave -unpaid");
  ASSERT_EQ(q.clauses.size(), 3u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kMust, "", "annual");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "leave");
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kMustNot, "", "unpaid");
}

TEST(QueryParser, Phrases) {
  auto q = MustParse("\"annual leave\" +\"sick day\" -\"no pay\" \"x y\"^2.5");
  ASSERT_EQ(q.clauses.size(), 4u);
  ExpectClause(q.clauses[0], Kind::kPhrase, Occur::kShould, "", "annual leave");
  ExpectClause(q.clauses[1], Kind::kPhrase, Occur::kMust, "", "sick day");
  ExpectClause(q.clauses[2], Kind::kPhrase, Occur::kMustNot, "", "no pay");
  ExpectClause(q.clauses[3], Kind::kPhrase, Occur::kShould, "", "x y", 2.5);
}

TEST(QueryParser, SingleWordPhraseStaysPhrase) {
  auto q = MustParse("\"word\"");
  ASSERT_EQ(q.clauses.size(), 1u);
  ExpectClause(q.clauses[0], Kind::kPhrase, Occur::kShould, "", "word");
}

TEST(QueryParser, Fields) {
  auto q = MustParse("title:leave body:\"sick day\" +tags.main:hr -x_1:y title:policy^3");
  ASSERT_EQ(q.clauses.size(), 5u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "title", "leave");
  ExpectClause(q.clauses[1], Kind::kPhrase, Occur::kShould, "body", "sick day");
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kMust, "tags.main", "hr");
  ExpectClause(q.clauses[3], Kind::kTerm, Occur::kMustNot, "x_1", "y");
  ExpectClause(q.clauses[4], Kind::kTerm, Occur::kShould, "title", "policy", 3);
}

TEST(QueryParser, FieldPhraseBoost) {
  auto q = MustParse("body:\"a b\"^4");
  ASSERT_EQ(q.clauses.size(), 1u);
  ExpectClause(q.clauses[0], Kind::kPhrase, Occur::kShould, "body", "a b", 4);
}

TEST(QueryParser, Boosts) {
  // leave^3 has no prefix and looks like a field name: a FieldBoost (the
  // binder turns it into a boosted term if no such field exists).
  auto q = MustParse("leave^3 +sick^2 -x^5 covid-19^2 title^2 _f.x^0.5");
  ASSERT_EQ(q.clauses.size(), 3u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kMust, "", "sick", 2);
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kMustNot, "", "x", 5);
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kShould, "", "covid-19", 2);
  ASSERT_EQ(q.boosts.size(), 3u);
  EXPECT_EQ(q.boosts[0].field, "leave");
  EXPECT_DOUBLE_EQ(q.boosts[0].weight, 3);
  EXPECT_EQ(q.boosts[1].field, "title");
  EXPECT_EQ(q.boosts[2].field, "_f.x");
  EXPECT_DOUBLE_EQ(q.boosts[2].weight, 0.5);
}

TEST(QueryParser, BareNameBoostIsFieldBoost) {
  auto q = MustParse("title^2 body^0.5 leave +title^3");
  ASSERT_EQ(q.boosts.size(), 2u);
  EXPECT_EQ(q.boosts[0].field, "title");
  EXPECT_DOUBLE_EQ(q.boosts[0].weight, 2);
  EXPECT_EQ(q.boosts[1].field, "body");
  EXPECT_DOUBLE_EQ(q.boosts[1].weight, 0.5);
  ASSERT_EQ(q.clauses.size(), 2u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "leave");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kMust, "", "title", 3);
}

TEST(QueryParser, NonFieldNameBoostIsClause) {
  auto q = MustParse("covid-19^2 10:30^2 中文^3");
  EXPECT_TRUE(q.boosts.empty());
  ASSERT_EQ(q.clauses.size(), 3u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "covid-19", 2);
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "10:30", 2);
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kShould, "", "中文", 3);
}

TEST(QueryParser, Ranges) {
  auto q = MustParse("year:[2001 TO 2010] price:{1 TO 5} d:[a TO b} e:{a TO b] n:[* TO 5] m:[3 TO *]");
  ASSERT_EQ(q.ranges.size(), 6u);
  EXPECT_TRUE(q.clauses.empty());
  const auto& r = q.ranges;
  EXPECT_EQ(r[0].field, "year");
  EXPECT_EQ(r[0].lo, "2001");
  EXPECT_EQ(r[0].hi, "2010");
  EXPECT_TRUE(r[0].lo_inclusive);
  EXPECT_TRUE(r[0].hi_inclusive);
  EXPECT_EQ(r[0].occur, Occur::kMust);
  EXPECT_FALSE(r[1].lo_inclusive);
  EXPECT_FALSE(r[1].hi_inclusive);
  EXPECT_TRUE(r[2].lo_inclusive);
  EXPECT_FALSE(r[2].hi_inclusive);
  EXPECT_FALSE(r[3].lo_inclusive);
  EXPECT_TRUE(r[3].hi_inclusive);
  EXPECT_EQ(r[4].lo, "");
  EXPECT_EQ(r[4].hi, "5");
  EXPECT_EQ(r[5].lo, "3");
  EXPECT_EQ(r[5].hi, "");
}

TEST(QueryParser, RangeOccurAndSpacing) {
  auto q = MustParse("-date:[2020-01-01 TO 2020-12-31] +n:[  1   TO   2  ] x:[\"a b\" TO \"c\"]");
  ASSERT_EQ(q.ranges.size(), 3u);
  EXPECT_EQ(q.ranges[0].occur, Occur::kMustNot);
  EXPECT_EQ(q.ranges[0].lo, "2020-01-01");
  EXPECT_EQ(q.ranges[0].hi, "2020-12-31");
  EXPECT_EQ(q.ranges[1].occur, Occur::kMust);
  EXPECT_EQ(q.ranges[1].lo, "1");
  EXPECT_EQ(q.ranges[1].hi, "2");
  EXPECT_EQ(q.ranges[2].lo, "a b");
  EXPECT_EQ(q.ranges[2].hi, "c");
}

TEST(QueryParser, RangeDateTimeWithColons) {
  auto q = MustParse("ts:[2020-01-01T10:00:00 TO 2020-01-02T00:00:00]");
  ASSERT_EQ(q.ranges.size(), 1u);
  EXPECT_EQ(q.ranges[0].lo, "2020-01-01T10:00:00");
  EXPECT_EQ(q.ranges[0].hi, "2020-01-02T00:00:00");
}

TEST(QueryParser, OneSidedRanges) {
  auto q = MustParse("a:>=1 b:>2 c:<=3 d:<4 -e:>5");
  ASSERT_EQ(q.ranges.size(), 5u);
  EXPECT_EQ(q.ranges[0].lo, "1");
  EXPECT_TRUE(q.ranges[0].lo_inclusive);
  EXPECT_EQ(q.ranges[0].hi, "");
  EXPECT_EQ(q.ranges[1].lo, "2");
  EXPECT_FALSE(q.ranges[1].lo_inclusive);
  EXPECT_EQ(q.ranges[2].hi, "3");
  EXPECT_TRUE(q.ranges[2].hi_inclusive);
  EXPECT_EQ(q.ranges[2].lo, "");
  EXPECT_EQ(q.ranges[3].hi, "4");
  EXPECT_FALSE(q.ranges[3].hi_inclusive);
  EXPECT_EQ(q.ranges[4].occur, Occur::kMustNot);
  EXPECT_EQ(q.ranges[4].field, "e");
}

TEST(QueryParser, WordsKeepPunctuationAndColons) {
  auto q = MustParse("covid-19 e-mail http://example.com/a?b=c 10:30 std::vector a:b:c");
  ASSERT_EQ(q.clauses.size(), 6u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "covid-19");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "e-mail");
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kShould, "", "http://example.com/a?b=c");
  ExpectClause(q.clauses[3], Kind::kTerm, Occur::kShould, "", "10:30");
  ExpectClause(q.clauses[4], Kind::kTerm, Occur::kShould, "", "std::vector");
  ExpectClause(q.clauses[5], Kind::kTerm, Occur::kShould, "a", "b:c");
}

TEST(QueryParser, Chinese) {
  auto q = MustParse("年假 +病假 -无薪 \"带薪 年假\" title:员工手册 标题^2");
  ASSERT_EQ(q.clauses.size(), 6u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "年假");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kMust, "", "病假");
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kMustNot, "", "无薪");
  ExpectClause(q.clauses[3], Kind::kPhrase, Occur::kShould, "", "带薪 年假");
  ExpectClause(q.clauses[4], Kind::kTerm, Occur::kShould, "title", "员工手册");
  ExpectClause(q.clauses[5], Kind::kTerm, Occur::kShould, "", "标题", 2);
}

TEST(QueryParser, IdeographicAndNoBreakSpaceSeparate) {
  auto q = MustParse("年假\xE3\x80\x80病假\xC2\xA0sick");
  ASSERT_EQ(q.clauses.size(), 3u);
  EXPECT_EQ(q.clauses[0].text, "年假");
  EXPECT_EQ(q.clauses[1].text, "病假");
  EXPECT_EQ(q.clauses[2].text, "sick");
}

TEST(QueryParser, ChineseColonIsNotAField) {
  // A full-width colon is a word byte sequence, and a CJK "name" is no field.
  auto q = MustParse("标题:年假 标题\xEF\xBC\x9A年假");
  ASSERT_EQ(q.clauses.size(), 2u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "标题:年假");
}

TEST(QueryParser, Escapes) {
  auto q = MustParse(R"(\+plus \-minus a\:b x\^2 \"quoted\" "say \"hi\"" a\ b title\^2 c:\>5 back\)");
  ASSERT_EQ(q.clauses.size(), 10u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "+plus");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "-minus");
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kShould, "", "a:b");
  ExpectClause(q.clauses[3], Kind::kTerm, Occur::kShould, "", "x^2");
  ExpectClause(q.clauses[4], Kind::kTerm, Occur::kShould, "", "\"quoted\"");
  ExpectClause(q.clauses[5], Kind::kPhrase, Occur::kShould, "", "say \"hi\"");
  ExpectClause(q.clauses[6], Kind::kTerm, Occur::kShould, "", "a b");
  ExpectClause(q.clauses[7], Kind::kTerm, Occur::kShould, "", "title^2");
  ExpectClause(q.clauses[8], Kind::kTerm, Occur::kShould, "c", ">5");
  ExpectClause(q.clauses[9], Kind::kTerm, Occur::kShould, "", "back\\");
  EXPECT_TRUE(q.boosts.empty());
  EXPECT_TRUE(q.ranges.empty());
}

TEST(QueryParser, EscapedBoostNameIsNotFieldBoost) {
  auto q = MustParse(R"(ti\tle^2)");
  EXPECT_TRUE(q.boosts.empty());
  ASSERT_EQ(q.clauses.size(), 1u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "title", 2);
}

TEST(QueryParser, OddButAccepted) {
  // lone operators and empty phrases vanish; caret at word start is literal
  auto q = MustParse("+ - a \"\" ^2 b\"c d\" --x ++y");
  ASSERT_EQ(q.clauses.size(), 6u);
  ExpectClause(q.clauses[0], Kind::kTerm, Occur::kShould, "", "a");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "^2");
  ExpectClause(q.clauses[2], Kind::kTerm, Occur::kShould, "", "b\"c");
  ExpectClause(q.clauses[3], Kind::kTerm, Occur::kShould, "", "d\"");
  ExpectClause(q.clauses[4], Kind::kTerm, Occur::kMustNot, "", "-x");
  ExpectClause(q.clauses[5], Kind::kTerm, Occur::kMust, "", "+y");
}

TEST(QueryParser, PhraseFollowedDirectly) {
  auto q = MustParse("\"a b\"c");
  ASSERT_EQ(q.clauses.size(), 2u);
  ExpectClause(q.clauses[0], Kind::kPhrase, Occur::kShould, "", "a b");
  ExpectClause(q.clauses[1], Kind::kTerm, Occur::kShould, "", "c");
}

TEST(QueryParser, TabsAndNewlines) {
  auto q = MustParse("\t a\n\r+b\f\v-c  ");
  ASSERT_EQ(q.clauses.size(), 3u);
  EXPECT_EQ(q.clauses[1].occur, Occur::kMust);
  EXPECT_EQ(q.clauses[2].occur, Occur::kMustNot);
}

TEST(QueryParser, EmptyQuery) {
  EXPECT_EQ(ErrorOf(""), "query is empty");
  EXPECT_EQ(ErrorOf("   \t\n"), "query is empty");
  EXPECT_EQ(ErrorOf("\xE3\x80\x80"), "query is empty");
  EXPECT_EQ(ErrorOf(" + - \"\" "), "query is empty");
}

TEST(QueryParser, Errors) {
  EXPECT_EQ(ErrorOf("a \"unterminated phrase"), "query:2: unterminated phrase");
  EXPECT_EQ(ErrorOf("title:\"abc"), "query:6: unterminated phrase");
  EXPECT_EQ(ErrorOf("n:[1 TO 5"), "query:2: unterminated range");
  EXPECT_EQ(ErrorOf("x n:{1 TO"), "query:4: unterminated range");
  EXPECT_EQ(ErrorOf("n:[1"), "query:2: unterminated range");
  EXPECT_EQ(ErrorOf("n:["), "query:2: unterminated range");
  EXPECT_EQ(ErrorOf("n:[1 5]"), "query:5: missing TO");
  EXPECT_EQ(ErrorOf("n:[1 to 5]"), "query:5: missing TO");
  EXPECT_EQ(ErrorOf("n:[1 TOO 5]"), "query:5: missing TO");
  EXPECT_EQ(ErrorOf("n:[1]"), "query:4: missing TO");
  EXPECT_EQ(ErrorOf("n:[1 TO 5 6]"), "query:10: expected ']' or '}' to close the range");
  EXPECT_EQ(ErrorOf("n:[1 TO 5]^2"), "query:10: a range cannot be boosted");
  EXPECT_EQ(ErrorOf("word^abc"), "query:5: bad boost number");
  EXPECT_EQ(ErrorOf("word^"), "query:5: bad boost number");
  EXPECT_EQ(ErrorOf("a word^0"), "query:7: bad boost number");
  EXPECT_EQ(ErrorOf("word^-1"), "query:5: bad boost number");
  EXPECT_EQ(ErrorOf("word^2x"), "query:5: bad boost number");
  EXPECT_EQ(ErrorOf("word^1e999"), "query:5: bad boost number");
  EXPECT_EQ(ErrorOf("word^nan"), "query:5: bad boost number");
  EXPECT_EQ(ErrorOf("\"a b\"^ c"), "query:6: bad boost number");
  EXPECT_EQ(ErrorOf("title: leave"), "query:6: empty field value");
  EXPECT_EQ(ErrorOf("a title:"), "query:8: empty field value");
  EXPECT_EQ(ErrorOf("title:\"\""), "query:6: empty field value");
  EXPECT_EQ(ErrorOf("n:>= 5"), "query:4: empty field value");
  EXPECT_EQ(ErrorOf("n:<"), "query:3: empty field value");
}

TEST(QueryParser, ErrorOffsetsAreBytes) {
  // "年假 " is 7 bytes
  EXPECT_EQ(ErrorOf("年假 \"abc"), "query:7: unterminated phrase");
}

TEST(QueryParser, LengthLimit) {
  std::string ok(4096, 'a');
  EXPECT_TRUE(ParseQuery(ok).ok());
  std::string too_long(4097, 'a');
  EXPECT_EQ(ErrorOf(too_long), "query:4096: query longer than 4096 bytes");
}

TEST(QueryParser, ClauseLimit) {
  std::string q;
  for (int i = 0; i < 256; ++i) q += "w ";
  EXPECT_TRUE(ParseQuery(q).ok());
  const size_t offset = q.size();
  q += "n:[1 TO 2]";
  EXPECT_EQ(ErrorOf(q), "query:" + std::to_string(offset) + ": more than 256 clauses");
}

TEST(QueryParser, NeverCrashesOnRandomBytes) {
  std::mt19937_64 rng(12345);
  // Bias the alphabet toward syntax characters so deep paths are reached.
  static const char kSyntax[] = "+-\"\\:^[]{}<>=*TO ab\t.0123456789_";
  size_t ok = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    const size_t len = rng() % 40;
    std::string s;
    for (size_t i = 0; i < len; ++i) {
      const uint64_t r = rng();
      if (r % 3 == 0) {
        s.push_back(static_cast<char>(r >> 8));
      } else {
        s.push_back(kSyntax[(r >> 8) % (sizeof(kSyntax) - 1)]);
      }
    }
    auto res = ParseQuery(s);
    if (res.ok()) {
      ++ok;
      const auto& q = res.value();
      EXPECT_LE(q.clauses.size() + q.ranges.size() + q.boosts.size(), 256u);
      EXPECT_GT(q.clauses.size() + q.ranges.size() + q.boosts.size(), 0u);
      for (const auto& c : q.clauses) {
        EXPECT_FALSE(c.text.empty());
        EXPECT_GT(c.boost, 0);
      }
    } else {
      const std::string& m = res.status().message();
      EXPECT_TRUE(m == "query is empty" || m.rfind("query:", 0) == 0) << m;
      if (m.rfind("query:", 0) == 0) {
        const size_t off = std::stoul(m.substr(6));
        EXPECT_LE(off, s.size()) << s;
      }
    }
  }
  EXPECT_GT(ok, 1000u);
}

}  // namespace
}  // namespace glassbox::search
