// Comparing two figures from two steps (compare.h).
#include "answer/compare.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "answer/recognize.h"
#include "ingest/text_util.h"

namespace glassbox::answer {
namespace {

// Spaces and ASCII punctuation at both ends, and whole trailing Chinese punctuation (never a byte of a character).
std::string Trim(std::string s) {
  static const char* kSpace = " \t\r\n?.,";
  static const std::string kZh[] = {"？", "。", "，"};
  for (bool again = true; again;) {
    again = false;
    size_t b = s.find_first_not_of(kSpace), e = s.find_last_not_of(kSpace);
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
    for (const auto& z : kZh)
      if (s.size() >= z.size() && s.compare(s.size() - z.size(), z.size(), z) == 0) s.resize(s.size() - z.size()), again = true;
  }
  return s;
}

// A side that is only a number ("400", "400 CNY") is a filter, not a figure to look up.
bool BareNumber(const std::string& side) {
  auto ents = FindEntities(side);
  if (ents.size() != 1 || ents[0].kind != Entity::Kind::kNumber) return false;
  std::string rest = side.substr(0, ents[0].begin) + side.substr(ents[0].end);
  size_t letters = 0;
  for (unsigned char ch : rest) letters += std::isalpha(ch) != 0;
  return letters <= 4;  // "CNY", "t"
}

// Currency named in `text` (lower-cased ASCII, Chinese as is), normalised; empty when none.
std::string CurrencyIn(const std::string& text) {
  const std::string t = ingest::AsciiLower(text);
  struct { const char* w; const char* c; } kCur[] = {
      {"cny", "CNY"}, {"rmb", "CNY"}, {"yuan", "CNY"}, {"元", "CNY"}, {"¥", "CNY"}, {"￥", "CNY"},
      {"usd", "USD"}, {"$", "USD"},   {"美元", "USD"}, {"eur", "EUR"}, {"€", "EUR"}, {"欧元", "EUR"}};
  for (const auto& k : kCur)
    if (t.find(k.w) != std::string::npos) return k.c;
  return "";
}

// The unit a price is per ("per tonne", "/t", "每吨"), normalised; empty when none.
std::string PerUnitIn(const std::string& text) {
  const std::string t = ingest::AsciiLower(text);
  struct { const char* w; const char* u; } kPer[] = {
      {"per tonne", "tonne"}, {"per ton", "tonne"}, {"/tonne", "tonne"}, {"/t", "tonne"},    {"每吨", "tonne"},
      {"/吨", "tonne"},       {"per kg", "kg"},     {"/kg", "kg"},       {"per litre", "litre"},
      {"per liter", "litre"}, {"/l", "litre"},      {"per piece", "piece"}, {"per m3", "m3"}, {"per m2", "m2"},
      {"每立方", "m3"},       {"每平方", "m2"},     {"每升", "litre"},   {"每件", "piece"}, {"per bag", "bag"}};
  for (const auto& k : kPer) {
    const std::string w = k.w;
    for (size_t at = t.find(w); at != std::string::npos; at = t.find(w, at + 1)) {
      const size_t e = at + w.size();
      // A whole word: "/t" in "CNY/t." but not in "/tax".
      if (static_cast<unsigned char>(w.back()) >= 0x80 || e >= t.size() || !std::isalnum(static_cast<unsigned char>(t[e])))
        return k.u;
    }
  }
  return "";
}

std::string Unit(const Figure& f) {
  std::string u = f.currency.empty() ? "(no currency)" : f.currency;
  if (!f.per.empty()) u += "/" + f.per;
  return u;
}

}  // namespace

bool SplitComparison(const std::string& question, Comparison* out) {
  const std::string q = ingest::AsciiLower(question);
  // English: "is|are|was|were A <word> B?"
  static const char* kOpen[] = {"is ", "are ", "was ", "were "};
  struct { const char* w; int sense; } kEn[] = {
      {" higher than ", 1}, {" greater than ", 1}, {" more than ", 1}, {" above ", 1}, {" more expensive than ", 1},
      {" over ", 1},        {" lower than ", -1},  {" less than ", -1}, {" below ", -1}, {" cheaper than ", -1},
      {" under ", -1}};
  for (const char* o : kOpen) {
    if (q.rfind(o, 0) != 0) continue;
    for (const auto& k : kEn) {
      size_t at = q.find(k.w);
      if (at == std::string::npos) continue;
      Comparison c;
      c.left = Trim(question.substr(std::string(o).size(), at - std::string(o).size()));
      c.right = Trim(question.substr(at + std::string(k.w).size()));
      c.words = Trim(std::string(k.w));
      c.sense = k.sense;
      if (c.left.empty() || c.right.empty() || BareNumber(c.right)) return false;
      *out = c;
      return true;
    }
    return false;
  }
  // Chinese: "A是否高于B", "A高于B吗", "A比B高吗".
  struct { const char* w; int sense; } kZh[] = {{"高于", 1}, {"超过", 1}, {"大于", 1}, {"贵于", 1},
                                                {"低于", -1}, {"小于", -1}, {"少于", -1}};
  auto strip = [](std::string s, const char* w) {
    size_t at = s.rfind(w);
    if (at != std::string::npos && at + std::string(w).size() >= s.size()) s = s.substr(0, at);
    return s;
  };
  const bool asks = question.find("是否") != std::string::npos || question.find("吗") != std::string::npos;
  if (!asks) return false;
  for (const auto& k : kZh) {
    size_t at = question.find(k.w);
    if (at == std::string::npos) continue;
    Comparison c;
    std::string left = question.substr(0, at);
    left = strip(left, "是否");
    left = strip(left, "是不是");
    c.left = Trim(left);
    std::string right = Trim(question.substr(at + std::string(k.w).size()));
    right = Trim(strip(right, "吗"));
    right = Trim(strip(right, "呢"));
    c.right = right;
    c.words = k.w;
    c.sense = k.sense;
    if (c.left.empty() || c.right.empty() || BareNumber(c.right)) return false;
    *out = c;
    return true;
  }
  // "A比B高吗" / "A比B贵吗" / "A比B低吗"
  size_t bi = question.find("比");
  if (bi != std::string::npos) {
    struct { const char* w; int sense; } kAdj[] = {{"高", 1}, {"贵", 1}, {"多", 1}, {"低", -1}, {"便宜", -1}, {"少", -1}};
    std::string rest = Trim(strip(Trim(question.substr(bi + 3)), "吗"));
    for (const auto& k : kAdj) {
      const std::string w = k.w;
      if (rest.size() <= w.size() || rest.compare(rest.size() - w.size(), w.size(), w) != 0) continue;
      Comparison c;
      c.left = Trim(strip(question.substr(0, bi), "是否"));
      c.right = Trim(rest.substr(0, rest.size() - w.size()));
      c.words = "比…" + w;
      c.sense = k.sense;
      if (c.left.empty() || c.right.empty() || BareNumber(c.right)) return false;
      *out = c;
      return true;
    }
  }
  return false;
}

Figure FigureOfDocuments(const Answer& a) {
  Figure f;
  if (a.status != AnswerStatus::kAnswered) {
    f.why_not = "the documents do not give it (" + a.text + ")";
    return f;
  }
  // The answer text without its [n] markers.
  std::string text;
  for (size_t i = 0; i < a.text.size(); ++i) {
    if (a.text[i] == '[') {
      size_t j = i + 1;
      while (j < a.text.size() && std::isdigit(static_cast<unsigned char>(a.text[j]))) ++j;
      if (j > i + 1 && j < a.text.size() && a.text[j] == ']') {
        i = j;
        continue;
      }
    }
    text += a.text[i];
  }
  for (const auto& e : FindEntities(text)) {
    if (e.kind != Entity::Kind::kNumber || e.is_year) continue;
    f.found = true;
    f.value = std::strtod(e.norm.c_str(), nullptr);
    // Currency and unit: the words right after the number in the answer, else the cited passage.
    std::string near = text.substr(e.begin, std::min<size_t>(text.size() - e.begin, 40));
    f.currency = CurrencyIn(near);
    f.per = PerUnitIn(near);
    std::string cited;
    if (!a.citations.empty()) {
      const Citation& ci = a.citations[0];
      for (const auto& p : a.passages)
        if (p.n == ci.n) cited = p.text;
      if (cited.empty()) cited = ci.quote;
      f.from = "[" + std::to_string(ci.n) + "] " + ci.id + ": '" + text.substr(e.begin, e.end - e.begin) + "'";
    } else {
      f.from = "the answer text: '" + text.substr(e.begin, e.end - e.begin) + "'";
    }
    if (f.currency.empty()) f.currency = CurrencyIn(cited);
    if (f.per.empty()) f.per = PerUnitIn(cited);
    return f;
  }
  f.why_not = "the documents' answer has no number ('" + a.text + "')";
  return f;
}

Figure FigureOfTable(const Answer& a, const std::string& unit) {
  Figure f;
  if (a.status != AnswerStatus::kAnswered || !a.table) {
    f.why_not = "the tables do not give it (" + a.text + ")";
    return f;
  }
  const TableResult& t = *a.table;
  if (t.rows.size() != 1 || t.rows[0].size() != 1) {
    f.why_not = "the table answer is not one figure (" + std::to_string(t.rows.size()) + " rows)";
    return f;
  }
  const std::string& cell = t.rows[0][0];
  char* end = nullptr;
  double v = std::strtod(cell.c_str(), &end);
  if (cell.empty() || end == cell.c_str()) {
    f.why_not = "the table answer is not a number ('" + cell + "')";
    return f;
  }
  f.found = true;
  f.value = v;
  size_t slash = unit.find('/');
  f.currency = unit.substr(0, slash);
  if (slash != std::string::npos) f.per = unit.substr(slash + 1);
  f.from = "table " + t.table + ": " + t.sql;
  return f;
}

Answer CompareFigures(const Comparison& c, const Figure& left, const Figure& right) {
  Answer a;
  a.route = "compare";
  a.route_reason = "compares the figures of the two steps ('" + c.words + "')";
  auto show = [](const Figure& f) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s", FormatNumber(f.value).c_str());
    return std::string(buf) + " " + Unit(f);
  };
  a.trace.push_back({"figure", "left: \"" + c.left + "\" = " +
                                   (left.found ? show(left) + " from " + left.from : "none: " + left.why_not)});
  a.trace.push_back({"figure", "right: \"" + c.right + "\" = " +
                                   (right.found ? show(right) + " from " + right.from : "none: " + right.why_not)});
  a.status = AnswerStatus::kNotFound;
  if (!left.found || !right.found) {
    a.text = "Cannot compare: " + (left.found ? right.why_not : left.why_not) + ".";
    a.trace.push_back({"decision", "not compared: a figure is missing"});
    return a;
  }
  if (left.currency != right.currency || left.per != right.per) {
    // A side that says no currency or unit is not assumed to be in the other's.
    a.text = "Cannot compare: the figures are in different units (" + show(left) + " vs " + show(right) + ").";
    a.trace.push_back({"units", "differ: " + Unit(left) + " vs " + Unit(right)});
    a.trace.push_back({"decision", "not compared: units or currencies differ"});
    return a;
  }
  a.trace.push_back({"units", "both in " + Unit(left)});
  const double diff = left.value - right.value;
  const bool yes = c.sense > 0 ? diff > 0 : diff < 0;
  std::string rel = diff > 0 ? "above" : diff < 0 ? "below" : "equal to";
  std::string pct;
  if (right.value != 0 && diff != 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%+.1f%%)", 100.0 * diff / std::fabs(right.value));
    pct = buf;
  }
  a.text = std::string(yes ? "Yes" : "No") + ": " + show(left) + " is " + rel + " " + show(right) +
           (diff != 0 ? " by " + FormatNumber(std::fabs(diff)) + " " + Unit(left) + pct : "") + ".";
  a.trace.push_back({"compare", FormatNumber(left.value) + " - " + FormatNumber(right.value) + " = " +
                                    FormatNumber(diff) + " → '" + c.words + "' is " + (yes ? "true" : "false")});
  a.status = AnswerStatus::kAnswered;
  a.verified = true;
  a.confidence = 1;
  return a;
}

}  // namespace glassbox::answer
