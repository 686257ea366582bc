#include "text/t2s.h"

#include <gtest/gtest.h>
#include <unicode/utf8.h>

#include <string>
#include <vector>

namespace glassbox::text {
namespace {

std::string Utf8(const std::vector<int32_t>& cps) {
  std::string s;
  for (int32_t c : cps) {
    char buf[4];
    int32_t len = 0;
    UBool err = false;
    U8_APPEND(buf, len, 4, c, err);
    EXPECT_FALSE(err);
    s.append(buf, len);
  }
  return s;
}

std::vector<int32_t> Cps(const std::string& s) {
  std::vector<int32_t> v;
  int32_t i = 0;
  while (i < static_cast<int32_t>(s.size())) {
    UChar32 c;
    U8_NEXT(s.data(), i, static_cast<int32_t>(s.size()), c);
    v.push_back(c);
  }
  return v;
}

std::shared_ptr<const T2S> Get() {
  auto r = T2S::Shared("/usr/share/opencc/t2s.json");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : nullptr;
}

TEST(T2STest, ConvertsCharactersAndPhrases) {
  auto t = Get();
  ASSERT_NE(t, nullptr);
  auto v = Cps("戰國時期的歷史");
  t->Convert(&v);
  EXPECT_EQ(Utf8(v), "战国时期的历史");
  v = Cps("乾燥");
  t->Convert(&v);
  EXPECT_EQ(Utf8(v), "干燥");
  v = Cps("乾隆");
  t->Convert(&v);
  EXPECT_EQ(Utf8(v), "乾隆");
  v = Cps("我们在北京大学学习");
  t->Convert(&v);
  EXPECT_EQ(Utf8(v), "我们在北京大学学习");
}

TEST(T2STest, MissingConfigIsNotFound) {
  auto r = T2S::Load("/nonexistent/t2s.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
}

// The "may change" filter must be sound: OpenCC leaves every character outside
// it unchanged, alone and inside long runs of such characters.
TEST(T2STest, ChangeFilterIsSound) {
  auto t = Get();
  ASSERT_NE(t, nullptr);
  EXPECT_GT(t->changeable(), 2000u);
  EXPECT_TRUE(t->MayChange(0x6230));    // 戰
  EXPECT_FALSE(t->MayChange(0x6218));   // 战
  std::vector<int32_t> stable;
  for (int32_t c = 0x3400; c <= 0x9FFF; ++c) {
    if (c > 0x4DBF && c < 0x4E00) continue;
    if (!t->MayChange(c)) stable.push_back(c);
  }
  ASSERT_GT(stable.size(), 20000u);
  // In chunks (phrases could only match within a chunk of stable characters).
  for (size_t i = 0; i < stable.size(); i += 4000) {
    std::vector<int32_t> part(stable.begin() + i, stable.begin() + std::min(stable.size(), i + 4000));
    std::string in = Utf8(part);
    EXPECT_EQ(t->ConvertUtf8(in), in);
  }
}

}  // namespace
}  // namespace glassbox::text
