#include "table/nl2sql.h"
#include "ingest/text_util.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <regex>
#include <set>

#include "table/table_store.h"

namespace glassbox::table {
namespace {

bool Contains(const std::string& s, const std::string& w) { return s.find(w) != std::string::npos; }

// A money column that is a price per unit ("unit_price", "rate", "price per unit").
bool PerUnitPrice(const CatalogColumn& col) {
  return !col.currency.empty() &&
         (Contains(col.name, "price") || Contains(col.name, "rate") || Contains(col.description, "per "));
}

// Whole-word (ASCII) or substring (Han) containment; returns the byte offset or npos.
size_t FindWord(const std::string& s, const std::string& w) {
  size_t p = 0;
  while ((p = s.find(w, p)) != std::string::npos) {
    bool han = static_cast<unsigned char>(w[0]) >= 0x80;
    bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(s[p - 1]));
    bool right = p + w.size() >= s.size() || !std::isalnum(static_cast<unsigned char>(s[p + w.size()]));
    if (han || (left && right)) return p;
    ++p;
  }
  return std::string::npos;
}

bool HasAny(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (FindWord(s, w) != std::string::npos) return true;
  return false;
}

int DaysIn(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : d[m - 1];
}

Date AddMonths(Date x, int months) {
  int total = x.y * 12 + (x.m - 1) + months;
  x.y = total / 12;
  x.m = total % 12 + 1;
  x.d = std::min(x.d, DaysIn(x.y, x.m));
  return x;
}

int SmallNumber(const std::string& w) {
  static const std::map<std::string, int> k = {
      {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6}, {"seven", 7}, {"eight", 8},
      {"nine", 9}, {"ten", 10}, {"twelve", 12}, {"一", 1}, {"两", 2}, {"二", 2}, {"三", 3}, {"四", 4}, {"五", 5},
      {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9}, {"十", 10}, {"十二", 12}};
  auto it = k.find(w);
  if (it != k.end()) return it->second;
  if (!w.empty() && std::all_of(w.begin(), w.end(), ::isdigit) && w.size() < 4) return std::stoi(w);
  return 0;
}

int MonthNumber(const std::string& w) {
  static const char* names[] = {"january", "february", "march", "april", "may", "june", "july", "august",
                                "september", "october", "november", "december"};
  for (int i = 0; i < 12; ++i)
    if (w == names[i] || (w.size() >= 3 && std::string(names[i]).compare(0, w.size(), w) == 0 && w.size() == 3))
      return i + 1;
  return 0;
}

std::string FormatNumber(const Value& v) {
  if (v.kind != Value::Kind::kInteger && v.kind != Value::Kind::kReal) return v.ToString();
  double x = v.kind == Value::Kind::kInteger ? static_cast<double>(v.integer) : v.real;
  char buf[64];
  if (x == std::floor(x) && std::fabs(x) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", x);
  else std::snprintf(buf, sizeof buf, "%.2f", x);
  // Thousands separators.
  std::string s = buf, out;
  size_t dot = s.find('.');
  std::string intpart = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot);
  bool neg = !intpart.empty() && intpart[0] == '-';
  if (neg) intpart = intpart.substr(1);
  for (size_t i = 0; i < intpart.size(); ++i) {
    if (i > 0 && (intpart.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(intpart[i]);
  }
  return (neg ? "-" : "") + out + frac;
}

enum class Agg { kNone, kSum, kAvg, kCount, kMax, kMin };
const char* AggSql(Agg a) {
  switch (a) {
    case Agg::kSum: return "SUM";
    case Agg::kAvg: return "AVG";
    case Agg::kCount: return "COUNT";
    case Agg::kMax: return "MAX";
    case Agg::kMin: return "MIN";
    default: return "";
  }
}
const char* AggWord(Agg a) {
  switch (a) {
    case Agg::kSum: return "total";
    case Agg::kAvg: return "average";
    case Agg::kCount: return "number of rows";
    case Agg::kMax: return "maximum";
    case Agg::kMin: return "minimum";
    default: return "";
  }
}

struct Comparison {
  std::string op;  // ">", ">=", "<", "<="
  double number = 0;
  std::string words;
  size_t begin = 0;  // byte offset in the question
};

std::vector<Comparison> FindComparisons(const std::string& q) {
  std::vector<Comparison> out;
  static const std::vector<std::pair<std::string, std::string>> kOps = {
      {"more than", ">"}, {"greater than", ">"}, {"over", ">"}, {"above", ">"}, {"exceeding", ">"},
      {"at least", ">="}, {"less than", "<"}, {"fewer than", "<"}, {"below", "<"}, {"under", "<"}, {"at most", "<="},
      {"超过", ">"}, {"大于", ">"}, {"多于", ">"}, {"高于", ">"}, {"低于", "<"}, {"少于", "<"}, {"小于", "<"}, {"不少于", ">="},
      {"不超过", "<="}};
  for (auto& [w, op] : kOps) {
    size_t p = FindWord(q, w);
    if (p == std::string::npos) continue;
    size_t i = p + w.size();
    while (i < q.size() && (q[i] == ' ' || q[i] == '$' || static_cast<unsigned char>(q[i]) == 0xC2)) ++i;
    if (q.compare(i, 2, "¥") == 0) i += 2;
    std::string num;
    while (i < q.size() && (std::isdigit(static_cast<unsigned char>(q[i])) || q[i] == '.' || q[i] == ',')) {
      if (q[i] != ',') num.push_back(q[i]);
      ++i;
    }
    if (num.empty()) continue;
    double mult = 1;
    if (i < q.size() && (q[i] == 'k' || q[i] == 'K')) mult = 1000;
    if (q.compare(i, 3, "万") == 0) mult = 10000;
    if (q.compare(i, 1, " ") == 0 && q.compare(i + 1, 8, "thousand") == 0) mult = 1000;
    if (q.compare(i, 1, " ") == 0 && q.compare(i + 1, 7, "million") == 0) mult = 1e6;
    Comparison c;
    c.op = op;
    c.number = std::strtod(num.c_str(), nullptr) * mult;
    c.words = q.substr(p, i - p);
    c.begin = p;
    out.push_back(c);
  }
  // "500吨以上" / "1000元以下"
  static const std::regex kPost("([0-9.]+)[^0-9]{0,6}?(以上|以下)");
  std::smatch m;
  if (out.empty() && std::regex_search(q, m, kPost)) {
    Comparison c;
    c.op = m[2] == "以上" ? ">" : "<";
    c.number = std::strtod(m[1].str().c_str(), nullptr);
    c.words = m[0];
    c.begin = m.position(0);
    out.push_back(c);
  }
  return out;
}

// Below this, the best table matched only through descriptions or parts of names: refuse.
constexpr double kMinTableScore = 0.6;

bool IsQuestionWord(const std::string& t) {
  static const std::set<std::string> k = {"what", "which", "who", "how", "much", "mani", "many", "is", "are", "was", "were",
                                          "the", "a", "an", "of", "in", "on", "for", "did", "do", "we", "our", "there", "to",
                                          "by", "per", "total", "averag", "number", "count", "most", "least", "highest",
                                          "lowest", "s", "it", "and", "with", "from", "at", "than", "more", "less", "our",
                                          "多少", "我们", "的", "了", "是", "一共", "总共", "什么", "哪个", "？", "?", "吗"};
  return k.count(t) > 0;
}

struct Ranked {
  int table;
  double score;
  std::vector<const Link*> links;
};

// The column of table `from` that joins table `to` (at column `to_col`, or any column when -1): declared keys first,
// then equal names, then value overlap. Returns the pair of columns; {-1, -1} when the tables do not join.
std::pair<int, int> JoinColumns(const Catalog& cat, int from, int to, int to_col, std::string* how) {
  const auto& T = cat.tables();
  std::pair<int, int> best{-1, -1};
  int best_rank = 99;
  for (const ForeignKey& k : cat.keys()) {
    int fc = -1, tc = -1;
    if (k.from_table == from && k.to_table == to) fc = k.from_column, tc = k.to_column;
    else if (k.to_table == from && k.from_table == to) fc = k.to_column, tc = k.from_column;
    else continue;
    if (to_col >= 0 && tc != to_col) continue;
    // Measures do not join; ids do ("id" = "<table>_id").
    auto id_name = [](const std::string& n) {
      std::string l = ingest::AsciiLower(n);
      return l == "id" || (l.size() > 3 && l.compare(l.size() - 3, 3, "_id") == 0);
    };
    const bool ids = id_name(T[from].columns[fc].name) && id_name(T[to].columns[tc].name);
    if (!ids && (T[from].columns[fc].numeric() || T[to].columns[tc].numeric())) continue;
    if (T[from].columns[fc].distinct == 1 || T[to].columns[tc].distinct == 1) continue;  // one value: no key
    bool same = ingest::AsciiLower(T[from].columns[fc].name) == ingest::AsciiLower(T[to].columns[tc].name);
    // A side whose values are unique is an entity key: prefer joins onto one.
    bool unique = static_cast<int64_t>(T[to].columns[tc].distinct) == T[to].rows ||
                  static_cast<int64_t>(T[from].columns[fc].distinct) == T[from].rows;
    int rank = k.declared ? 0 : same ? (unique ? 1 : 3) : (unique ? 2 : 4);
    if (rank < best_rank) {
      best_rank = rank, best = {fc, tc};
      if (how)
        *how = T[from].name + "." + T[from].columns[fc].name + " = " + T[to].name + "." + T[to].columns[tc].name +
               (k.declared ? " (declared key)" : same ? " (inferred: equal names, overlapping values)"
                              : ids ? " (inferred: <table>_id = id)" : " (inferred: overlapping values)");
    }
  }
  return best;
}

// The column that names a table's entities: a text column named after the table ("city_name" in "city",
// "river_name" in "rivers"; not "purchaser" in "purchases"), else one called "name", else one whose values are all
// distinct.
// -1 when none.
int EntityColumn(const CatalogTable& t) {
  std::string tn = ingest::AsciiLower(t.name);
  if (tn.size() > 3 && tn.back() == 's') tn.pop_back();
  int by_values = -1;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    const auto& col = t.columns[c];
    if (col.type != "text" || col.name.empty() || col.name[0] == '_') continue;
    std::string cn = ingest::AsciiLower(col.name);
    if (cn == tn || cn == tn + "_name" || cn == tn + "name" || cn == tn + " name" || cn == "name")
      return static_cast<int>(c);
    if (by_values < 0 && t.rows > 1 && static_cast<int64_t>(col.distinct) == t.rows) by_values = static_cast<int>(c);
  }
  return by_values;
}

// Text columns with too many values for a dictionary (street names, people's names) are not in the catalog's
// index: runs of question words that nothing linked (longest first, up to four words) are looked up in them.
// All lookups of one question together: each is a scan of an unindexed column.
constexpr int kLookUpBudgetMs = 500;

void LookUpLargeColumnValues(const ReadOnlyDatabase& db, const Catalog& cat, const Catalog::Terms& terms,
                             const QueryLimits& limits, std::vector<Link>* links) {
  constexpr size_t kMaxWords = 4, kMaxQueries = 96;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLookUpBudgetMs);
  std::vector<std::pair<int, int>> large;
  const auto& T = cat.tables();
  for (size_t t = 0; t < T.size(); ++t)
    for (size_t c = 0; c < T[t].columns.size(); ++c) {
      const auto& col = T[t].columns[c];
      if (col.type == "text" && col.values.empty() && col.distinct > kMaxDictionary && col.name[0] != '_')
        large.push_back({static_cast<int>(t), static_cast<int>(c)});
    }
  if (large.empty()) return;
  const size_t n = terms.terms.size();
  // Free: no value linked there. A run may hold a word that names a column or table ("street 6" holds "street")
  // but needs one that nothing linked.
  std::vector<bool> free(n, true), unlinked(n, true);
  for (const Link& l : *links)
    for (size_t p = l.begin; p < l.end && p < n; ++p) {
      unlinked[p] = false;
      if (l.kind == Link::Kind::kValue) free[p] = false;
    }
  for (size_t i = 0; i < n; ++i)
    if (terms.words[i].empty() || terms.words[i][0] == '\x01' || !std::isalnum(static_cast<unsigned char>(terms.words[i][0])))
      free[i] = false;
  size_t queries = 0;
  for (size_t i = 0; i < n;) {
    if (!free[i]) { ++i; continue; }
    size_t run = 0;
    while (i + run < n && free[i + run] && run < kMaxWords) ++run;
    bool found = false;
    for (size_t len = run; len >= 1 && !found; --len) {
      bool any_unlinked = false;
      for (size_t k = i; k < i + len; ++k) any_unlinked |= unlinked[k];
      if (!any_unlinked) continue;
      if (len == 1 && IsQuestionWord(terms.terms[i])) break;
      std::string text;
      for (size_t k = i; k < i + len; ++k) text += (k > i ? " " : "") + ingest::AsciiLower(terms.words[k]);
      for (auto [t, c] : large) {
        if (++queries > kMaxQueries) return;
        // One budget for all the lookups of a question, not 2 s each.
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        QueryLimits each = limits;
        each.timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), limits.timeout_ms));
        auto r = db.Run("SELECT " + Quote(T[t].columns[c].name) + " FROM " + Quote(T[t].name) + " WHERE " +
                            Quote(T[t].columns[c].name) + " = " + Lit(text) + " COLLATE NOCASE LIMIT 1", each);
        if (!r.ok() || r->rows.empty() || r->rows[0].empty()) continue;
        Link l{Link::Kind::kValue, t, c, r->rows[0][0].ToString(), i, i + len, 1.0, text, "value (looked up)"};
        links->push_back(l);
        found = true;
      }
      if (found) i += len;
    }
    if (!found) ++i;
  }
}

const char* kSuperlatives =
    "(largest|biggest|smallest|highest|lowest|longest|shortest|greatest|most|least|fewest|tallest|maximum|minimum)";

// Does `word` name a table (its name or a synonym)? Returns the table, or -1.
int TableNamed(const Catalog& cat, const std::string& word) {
  Catalog::Terms t = cat.Analyze(word);
  double best = 0;
  int table = -1;
  for (const Link& l : cat.LinkTerms(t))
    if (l.kind == Link::Kind::kTable && (l.via == "name" || l.via == "synonym") && l.score > best) best = l.score, table = l.table;
  return table;
}

// A nested superlative clause: "... the state with the largest area", "... in the largest state". Byte span in the
// (lower-case) question; the clause runs to the end of the question.
bool FindNestedClause(const Catalog& cat, const std::string& lq, size_t* begin) {
  std::smatch m;
  static const std::regex kWith(std::string(R"(\b(?:the |a )?([a-z]+) (?:with|having|that has|that have|which has|which have|whose) (?:the )?)") +
                                kSuperlatives + R"(\b)");
  if (std::regex_search(lq, m, kWith) && TableNamed(cat, m[1]) >= 0) {
    *begin = m.position(0);
    return true;
  }
  static const std::regex kOf(std::string(R"(\b(?:in|of|through|on|from|at|across|into|within|to|border|borders|bordering) (the )") +
                              kSuperlatives + R"( ([a-z]+)))");
  if (std::regex_search(lq, m, kOf) && TableNamed(cat, m[3]) >= 0) {
    // Only when something before the clause names a table or column (the clause is not the subject).
    Catalog::Terms t = cat.Analyze(lq.substr(0, m.position(1)));
    for (const Link& l : cat.LinkTerms(t))
      if (l.kind != Link::Kind::kValue) {
        *begin = m.position(1);
        return true;
      }
  }
  return false;
}

}  // namespace

std::string Date::Iso() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

bool Date::Parse(const std::string& s, Date* out) {
  int y, m, d;
  char tail;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  if (m < 1 || m > 12 || d < 1 || d > DaysIn(y, m)) return false;
  *out = {y, m, d};
  return true;
}

Date Date::Today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

TimeRange FindTimeRange(const std::string& question, const Date& today) {
  TimeRange r;
  std::string q = ingest::AsciiLower(question);
  std::smatch m;
  auto set = [&](Date from, Date to, size_t pos, size_t len) {
    r.found = true;
    r.from = from, r.to = to, r.begin = pos, r.end = pos + len;
    r.words = question.substr(pos, len);
  };
  Date jan1{today.y, 1, 1};
  // Rolling windows: "last three years", "past 2 years", "近三年", "过去三年", "最近3年", "last 6 months", "近6个月".
  static const std::regex kLastN(
      R"((last|past|previous)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(years?|months?|days?|weeks?))");
  static const std::regex kZhLastN("(近|过去|最近|前)(\\d+|一|两|二|三|四|五|六|七|八|九|十|十二)(个)?(年|月|天|周)");
  if (std::regex_search(q, m, kLastN) || std::regex_search(q, m, kZhLastN)) {
    bool zh = static_cast<unsigned char>(m.str(0)[0]) >= 0x80;
    int n = SmallNumber(m[2]);
    std::string unit = zh ? m[4].str() : m[3].str();
    Date from = today;
    if (unit.rfind("year", 0) == 0 || unit == "年") from = AddMonths(today, -12 * n);
    else if (unit.rfind("month", 0) == 0 || unit == "月") from = AddMonths(today, -n);
    else {
      int days = (unit.rfind("week", 0) == 0 || unit == "周") ? 7 * n : n;
      // step back day by day (small n)
      for (int i = 0; i < days; ++i) {
        if (--from.d == 0) { from = AddMonths({from.y, from.m, 1}, -1); from.d = DaysIn(from.y, from.m); }
      }
    }
    if (n > 0) { set(from, today, m.position(0), m.length(0)); return r; }
  }
  struct Fixed { const char* w; int kind; };  // 0 last year 1 this year 2 last month 3 this month 4 last quarter 5 this quarter
  static const Fixed kFixed[] = {{"last year", 0}, {"去年", 0}, {"上一年", 0}, {"this year", 1}, {"今年", 1},
                                 {"本年", 1}, {"last month", 2}, {"上个月", 2}, {"上月", 2}, {"this month", 3},
                                 {"本月", 3}, {"这个月", 3}, {"last quarter", 4}, {"上个季度", 4}, {"上季度", 4},
                                 {"上一季度", 4}, {"this quarter", 5}, {"本季度", 5}, {"这个季度", 5}};
  for (const auto& f : kFixed) {
    size_t p = FindWord(q, f.w);
    if (p == std::string::npos) continue;
    size_t len = std::string(f.w).size();
    int qstart = (today.m - 1) / 3 * 3 + 1;
    switch (f.kind) {
      case 0: set({today.y - 1, 1, 1}, {today.y - 1, 12, 31}, p, len); break;
      case 1: set(jan1, today, p, len); break;
      case 2: {
        Date s = AddMonths({today.y, today.m, 1}, -1);
        set(s, {s.y, s.m, DaysIn(s.y, s.m)}, p, len);
        break;
      }
      case 3: set({today.y, today.m, 1}, today, p, len); break;
      case 4: {
        Date s = AddMonths({today.y, qstart, 1}, -3);
        Date e = AddMonths(s, 2);
        set(s, {e.y, e.m, DaysIn(e.y, e.m)}, p, len);
        break;
      }
      case 5: set({today.y, qstart, 1}, today, p, len); break;
    }
    return r;
  }
  // "since March", "since 2024", "自3月以来", "3月以来", "从三月起".
  static const std::regex kSince(R"(since\s+(january|february|march|april|may|june|july|august|september|october|november|december|\d{4}))");
  static const std::regex kZhSince("(自|从)?(\\d{4}年)?(\\d{1,2}|一|二|三|四|五|六|七|八|九|十|十一|十二)月(份)?(以来|起|开始|至今)");
  if (std::regex_search(q, m, kSince)) {
    std::string w = m[1];
    Date from;
    if (std::isdigit(static_cast<unsigned char>(w[0]))) from = {std::stoi(w), 1, 1};
    else {
      int mo = MonthNumber(w);
      from = {mo <= today.m ? today.y : today.y - 1, mo, 1};
    }
    set(from, today, m.position(0), m.length(0));
    return r;
  }
  if (std::regex_search(q, m, kZhSince)) {
    int mo = SmallNumber(m[3]);
    if (mo == 0) mo = std::stoi(m[3]);
    int y = m[2].matched ? std::stoi(m[2].str().substr(0, 4)) : (mo <= today.m ? today.y : today.y - 1);
    if (mo >= 1 && mo <= 12) { set({y, mo, 1}, today, m.position(0), m.length(0)); return r; }
  }
  // "in March 2025", "in march", "2025年3月".
  static const std::regex kMonthYear(
      R"((january|february|march|april|may|june|july|august|september|october|november|december)\s+(\d{4}))");
  if (std::regex_search(q, m, kMonthYear)) {
    int mo = MonthNumber(m[1]), y = std::stoi(m[2]);
    set({y, mo, 1}, {y, mo, DaysIn(y, mo)}, m.position(0), m.length(0));
    return r;
  }
  static const std::regex kZhMonthYear("(\\d{4})年(\\d{1,2})月");
  if (std::regex_search(q, m, kZhMonthYear)) {
    int y = std::stoi(m[1]), mo = std::stoi(m[2]);
    if (mo >= 1 && mo <= 12) { set({y, mo, 1}, {y, mo, DaysIn(y, mo)}, m.position(0), m.length(0)); return r; }
  }
  // Halves and quarters of a year: "first half of 2025", "H2 2024", "Q4 2025", "fourth quarter of 2025",
  // "2025年上半年", "2025年第四季度", "2025年Q4".
  {
    static const std::regex kPart(
        R"(\b(first|second|1st|2nd|third|3rd|fourth|4th)\s+(half|quarter)\s+(of\s+)?(\d{4})\b|\b(h[12]|q[1-4])\s+(of\s+)?(\d{4})\b)");
    static const std::regex kZhPart("(\\d{4})年(的)?(上半年|下半年|第(一|二|三|四|1|2|3|4)季度|q([1-4]))");
    int y = 0, first = 0, months = 0;  // first month and length of the part
    if (std::regex_search(q, m, kPart)) {
      std::string w = m[1].matched ? m[1].str() : m[5].str();
      int n = w[0] == 'h' || w[0] == 'q' ? w[1] - '0'
              : (w == "first" || w == "1st") ? 1 : (w == "second" || w == "2nd") ? 2 : (w == "third" || w == "3rd") ? 3 : 4;
      months = (m[2].matched ? m[2].str() == "half" : w[0] == 'h') ? 6 : 3;
      y = std::stoi(m[4].matched ? m[4].str() : m[7].str());
      if (months == 6 && n > 2) months = 0;
      first = (n - 1) * months + 1;
    } else if (std::regex_search(q, m, kZhPart)) {
      y = std::stoi(m[1]);
      const std::string p = m[3];
      if (p == "上半年" || p == "下半年") months = 6, first = p == "上半年" ? 1 : 7;
      else {
        int n = m[5].matched ? std::stoi(m[5]) : SmallNumber(m[4]) > 0 ? SmallNumber(m[4]) : std::stoi(m[4]);
        months = 3, first = (n - 1) * 3 + 1;
      }
    }
    if (months > 0 && first >= 1 && first <= 12) {
      Date e = AddMonths({y, first, 1}, months - 1);
      set({y, first, 1}, {e.y, e.m, DaysIn(e.y, e.m)}, m.position(0), m.length(0));
      return r;
    }
  }
  // A year: "in 2025", "2025年", "during 2024".
  static const std::regex kYear(R"((^|[^0-9])((19|20)\d{2})(年)?($|[^0-9]))");
  if (std::regex_search(q, m, kYear)) {
    int y = std::stoi(m[2]);
    size_t pos = m.position(2), len = m.length(2) + (m[4].matched ? m.length(4) : 0);
    static const std::regex kInYear(R"((in|during|for)\s+$)");
    std::string before = q.substr(0, pos);
    std::smatch mb;
    if (std::regex_search(before, mb, kInYear)) { pos = mb.position(0); len += mb.length(0); }
    set({y, 1, 1}, {y, 12, 31}, pos, len);
    return r;
  }
  static const std::regex kInMonth(
      R"(\bin\s+(january|february|march|april|may|june|july|august|september|october|november|december)\b)");
  if (std::regex_search(q, m, kInMonth)) {
    int mo = MonthNumber(m[1]);
    int y = mo <= today.m ? today.y : today.y - 1;
    set({y, mo, 1}, {y, mo, DaysIn(y, mo)}, m.position(0), m.length(0));
    return r;
  }
  return r;
}

Result<std::unique_ptr<ReadOnlyDatabase>> OpenTables(const std::string& dir_or_db) {
  struct stat st;
  if (::stat(dir_or_db.c_str(), &st) != 0) return Status::NotFound(dir_or_db + ": no such collection or database");
  if (S_ISDIR(st.st_mode)) {
    if (!HasTableStore(dir_or_db))
      return Status::NotFound(dir_or_db + ": the collection has no tables (ingest a CSV file to add one)");
    return ReadOnlyDatabase::Open(dir_or_db + "/" + kTablesFile);
  }
  return ReadOnlyDatabase::Open(dir_or_db);
}

Result<TableAnswer> AnswerQuestion(const std::string& dir_or_db, const std::string& question,
                                   const AnswerOptions& options) {
  auto db = OpenTables(dir_or_db);
  if (!db.ok()) return db.status();
  auto catalog = Catalog::Load(**db);
  if (!catalog.ok()) return catalog.status();
  return AnswerWithCatalog(**db, **catalog, question, options);
}

bool ValidSqlMode(const std::string& m) { return m == "deterministic" || m == "llm" || m == "llm-fallback"; }

namespace {
Result<TableAnswer> AnswerDeterministic(const ReadOnlyDatabase& db, const Catalog& catalog, const std::string& question,
                                        const AnswerOptions& options);
}  // namespace

Result<TableAnswer> AnswerWithCatalog(const ReadOnlyDatabase& db, const Catalog& catalog, const std::string& question,
                                      const AnswerOptions& options) {
  if (options.depth > 0 || options.sql_mode.empty() || options.sql_mode == "deterministic")
    return AnswerDeterministic(db, catalog, question, options);
  if (!ValidSqlMode(options.sql_mode))
    return Status::InvalidArgument("sql_mode: expected deterministic, llm or llm-fallback, got '" + options.sql_mode + "'");
  if (options.sql_mode == "llm") return AnswerWithLlm(db, catalog, question, options);
  // llm-fallback: the parser first; the model only when it refuses or asks back.
  auto det = AnswerDeterministic(db, catalog, question, options);
  if (!det.ok() || det->status == "answered") return det;
  auto llm = AnswerWithLlm(db, catalog, question, options);
  if (!llm.ok()) {  // the parser's answer stands, with why the model's did not
    det->explanation.push_back("LLM fallback after the parser's " + det->status + " failed: " + llm.status().message());
    return det;
  }
  llm->explanation.insert(llm->explanation.begin(), "the parser's answer was " + det->status + " (" + det->answer +
                                                        "); the LLM path was asked (sql_mode llm-fallback)");
  return llm;
}

namespace {
Result<TableAnswer> AnswerDeterministic(const ReadOnlyDatabase& db, const Catalog& catalog, const std::string& question_arg,
                                        const AnswerOptions& options) {
  TableAnswer ans;
  const std::string& question0 = question_arg;
  Date today = Date::Today();
  if (!options.today.empty() && !Date::Parse(options.today, &today))
    return Status::InvalidArgument("today: expected YYYY-MM-DD, got '" + options.today + "'");
  if (question0.find_first_not_of(" \t\r\n?？") == std::string::npos) return Status::InvalidArgument("empty question");
  if (catalog.tables().empty()) {
    ans.status = "unanswerable";
    ans.answer = "the data has no tables";
    return ans;
  }
  std::string lower = ingest::AsciiLower(question0);
  const auto& tables = catalog.tables();
  // 0. A nested superlative clause is answered first (its entity column), then joined into the rest of the question.
  struct Nested { int table = -1, column = -1; std::string sql, words; } nested;
  std::string question_in = question0;
  size_t clause_begin = 0;
  if (options.depth < 2 && FindNestedClause(catalog, lower, &clause_begin)) {
    AnswerOptions io = options;
    io.entity = true, io.depth = options.depth + 1, io.allow_ask_back = false;
    std::string clause = question0.substr(clause_begin);
    auto inner = AnswerWithCatalog(db, catalog, clause, io);
    if (inner.ok() && inner->status == "answered" && inner->columns.size() == 1) {
      std::string outer = question0.substr(0, clause_begin);
      Catalog::Terms ot = catalog.Analyze(outer);
      bool content = false;
      for (const Link& l : catalog.LinkTerms(ot)) content |= l.kind != Link::Kind::kValue || l.score >= 1.0;
      if (!content) {
        TableAnswer a = *inner;
        a.explanation.insert(a.explanation.begin(), "the question is the clause '" + clause + "'");
        return a;
      }
      for (size_t t = 0; t < tables.size(); ++t)
        if (tables[t].name == inner->table) nested.table = static_cast<int>(t);
      if (nested.table >= 0) nested.column = tables[nested.table].Find(inner->columns[0]);
      if (nested.column >= 0) {
        nested.sql = inner->sql, nested.words = clause;
        ans.explanation.push_back("nested: '" + clause + "' → " + inner->sql);
        for (auto& e : inner->explanation) ans.explanation.push_back("  " + e);
        question_in = outer;
        lower = ingest::AsciiLower(outer);
      }
    }
  }
  const std::string& question = question_in;
  // 0b. "which X has the most Y": Y's rows counted per X across the join.
  {
    std::smatch m;
    static const std::regex kMostY(
        R"(\b(?:which|what) ([a-z]+) (?:has|have|contains|contain|with|holds|hold) (?:the )?(most|fewest|least|largest number of|greatest number of|highest number of|smallest number of) ([a-z]+))");
    if (std::regex_search(lower, m, kMostY)) {
      int tx = TableNamed(catalog, m[1]), ty = TableNamed(catalog, m[3]);
      std::string how;
      auto jc = tx >= 0 && ty >= 0 && tx != ty ? JoinColumns(catalog, ty, tx, -1, &how) : std::pair<int, int>{-1, -1};
      if (jc.first >= 0) {
        const CatalogTable& Y = tables[ty];
        std::string k = Quote(Y.columns[jc.first].name);
        std::string word = m[2];
        bool desc = word.find("fewest") == std::string::npos && word.find("least") == std::string::npos &&
                    word.find("smallest") == std::string::npos;
        std::string inner = "SELECT COUNT(*) AS n FROM " + Quote(Y.name) + " WHERE " + k + " IS NOT NULL GROUP BY " + k;
        ans.sql = "SELECT " + k + " FROM " + Quote(Y.name) + " WHERE " + k + " IS NOT NULL GROUP BY " + k +
                  " HAVING COUNT(*) = (SELECT " + (desc ? "MAX" : "MIN") + "(n) FROM (" + inner + "))";
        ans.table = Y.name;
        ans.explanation.push_back("'" + m.str(1) + "' → table " + tables[tx].name + ", '" + m.str(3) + "' → table " + Y.name +
                                  ": rows of " + Y.name + " counted per " + tables[tx].name + ", joined on " + how);
        ans.explanation.push_back(std::string("'") + word + "': the group(s) with the " + (desc ? "largest" : "smallest") + " count");
        auto res = db.Run(ans.sql, options.limits);
        if (!res.ok()) return res.status();
        ans.columns = res->columns, ans.rows = std::move(res->rows), ans.truncated = res->truncated;
        ans.status = "answered";
        ans.answer = ans.rows.empty() ? "no rows match" : ans.rows[0][0].ToString() + (ans.rows.size() > 1 ? " (tied with others)" : "");
        ans.answer += " — from " + Y.name;
        return ans;
      }
    }
  }
  // 0c. "with no Y" / "without Y": anti-join, its words kept out of table choice.
  std::string anti_words;
  {
    std::smatch m;
    static const std::regex kNo(R"(\b(?:have no|has no|with no|without) ((?:[a-z]+ )?[a-z]+)\s*\??$)");
    if (std::regex_search(lower, m, kNo)) {
      anti_words = m[1];
      question_in = question_in.substr(0, m.position(0));
      lower = ingest::AsciiLower(question_in);
    }
  }
  // 1. Time range and comparisons: found first, their words removed before linking.
  TimeRange when = FindTimeRange(question, today);
  std::vector<Comparison> comps = FindComparisons(lower);
  std::string rest = question;
  if (when.found) {
    rest.replace(when.begin, when.end - when.begin, std::string(when.end - when.begin, ' '));
    ans.explanation.push_back("time: '" + when.words + "' → " + when.from.Iso() + " .. " + when.to.Iso() +
                              " (reference date " + today.Iso() + ")");
  }
  for (auto& c : comps)
    for (size_t i = c.begin; i < c.begin + c.words.size() && i < rest.size(); ++i)
      if (std::isdigit(static_cast<unsigned char>(rest[i]))) rest[i] = ' ';
  // 2. Intent.
  std::string lr = ingest::AsciiLower(rest);
  Agg agg = Agg::kNone;
  bool superlative_desc = true, superlative = false, how_much = false, wants_count = false;
  if (HasAny(lr, {"average", "mean", "avg", "平均"})) agg = Agg::kAvg;
  else if (HasAny(lr, {"how many times", "number of", "count", "多少次", "几次", "几笔", "多少笔", "多少条", "多少个", "几个", "多少家"}))
    agg = Agg::kCount, wants_count = true;
  else if (HasAny(lr, {"how many"})) agg = Agg::kCount, wants_count = true;
  else if (HasAny(lr, {"how much", "total", "sum", "altogether", "in total", "combined", "总共", "总计", "合计", "一共", "总额", "总量", "多少"}))
    agg = Agg::kSum, how_much = true;
  size_t sup_pos = std::string::npos;
  {
    std::smatch m;
    static const std::regex kSup(std::string(R"(\b)") + kSuperlatives + R"(\b)");
    if (std::regex_search(lr, m, kSup)) sup_pos = m.position(0);
  }
  if (HasAny(lr, {"maximum", "max", "highest", "largest", "biggest", "most expensive", "greatest", "most", "longest",
                  "tallest", "最高", "最大", "最贵", "最多", "最长"}))
    superlative = true, superlative_desc = true;
  else if (HasAny(lr, {"minimum", "min", "lowest", "smallest", "cheapest", "least", "fewest", "shortest", "最低", "最小",
                       "最便宜", "最少", "最短"}))
    superlative = true, superlative_desc = false;
  // 最低单价是多少: 是多少 / 为多少 asks for a figure ("what is"), not a total; with a superlative and no other
  // total cue it is the superlative's MIN/MAX of the named column (below), as "What is the lowest unit price" is.
  bool figure_asked = false;
  if (superlative && agg == Agg::kSum && HasAny(lr, {"是多少", "为多少"}) &&
      !HasAny(lr, {"how much", "total", "sum", "altogether", "总共", "总计", "合计", "一共", "总额", "总量"}))
    agg = Agg::kNone, how_much = false, figure_asked = true;
  // A superlative inside a column's name ("highest elevation", "lowest point") names the column, not a ranking.
  if (superlative && sup_pos != std::string::npos) {
    Catalog::Terms st = catalog.Analyze(rest);
    for (const Link& l : catalog.LinkTerms(st)) {
      if (l.kind != Link::Kind::kColumn || l.via != "name" || l.words.find(' ') == std::string::npos) continue;
      size_t p = lr.find(ingest::AsciiLower(l.words));
      if (p != std::string::npos && p <= sup_pos && sup_pos < p + l.words.size()) {
        superlative = false;
        ans.explanation.push_back("'" + l.words + "' names a column, not a ranking");
        break;
      }
    }
  }
  int top_n = 0;
  {
    std::smatch m;
    static const std::regex kTop(R"(top\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten))");
    static const std::regex kZhTop("前(\\d+|一|两|二|三|四|五|六|七|八|九|十)(名|个|家|位)?");
    // 金额最高的三个供应商: a superlative, 的, then a counted noun.
    static const std::regex kZhSupN("最(?:高|多|大|贵|低|少|小|便宜)的(\\d+|两|二|三|四|五|六|七|八|九|十)(?:名|个|家|位|种|项)");
    if (std::regex_search(lr, m, kTop) || std::regex_search(lr, m, kZhTop) || std::regex_search(lr, m, kZhSupN))
      top_n = SmallNumber(m[1]);
  }
  // 3. Linking.
  Catalog::Terms terms = catalog.Analyze(rest);
  std::vector<Link> links = catalog.LinkTerms(terms);
  LookUpLargeColumnValues(db, catalog, terms, options.limits, &links);
  // The first linked term after "how many" (what is counted).
  size_t count_head = std::string::npos;
  {
    size_t hm = std::string::npos;
    for (size_t i = 0; i + 1 < terms.words.size(); ++i)
      if (ingest::AsciiLower(terms.words[i]) == "how" && ingest::AsciiLower(terms.words[i + 1]) == "many") hm = i + 2;
    if (hm != std::string::npos) {
      count_head = terms.terms.size();
      for (const Link& l : links)
        if (l.begin >= hm && l.begin < count_head) count_head = l.begin;
    }
  }
  std::vector<Ranked> ranked;
  for (size_t t = 0; t < tables.size(); ++t) {
    std::map<size_t, const Link*> best;  // per question position: the best link into this table
    for (const Link& l : links) {
      if (l.table != static_cast<int>(t)) continue;
      for (size_t p = l.begin; p < l.end; ++p) {
        auto it = best.find(p);
        if (it == best.end() || it->second->score < l.score) best[p] = &l;
      }
    }
    Ranked r{static_cast<int>(t), 0, {}};
    std::set<const Link*> used;
    for (auto& [p, l] : best) {
      if (used.insert(l).second) r.links.push_back(l);
    }
    // A value of the table's entity column ("austin" a city_name) says a little more about the table than the same
    // value elsewhere (a state's capital): it breaks ties.
    const int ent = EntityColumn(tables[t]);
    for (auto* l : r.links) r.score += l->score + (l->kind == Link::Kind::kValue && l->column == ent ? 0.05 : 0.0);
    // "the missouri river": an entity's name followed by its table's noun names that entity.
    for (auto* l : r.links) {
      if (l->kind != Link::Kind::kValue || l->column != ent) continue;
      bool noun_after = false;
      for (auto* tl : r.links)
        noun_after |= tl->kind == Link::Kind::kTable && (tl->via == "name" || tl->via == "synonym") && tl->begin == l->end;
      if (noun_after) {
        r.score += 0.5;
        break;
      }
      // "atlanta georgia": an entity's name qualified by a value of another column right after it.
      bool qualified = false;
      for (auto* ql : r.links)
        qualified |= ql->kind == Link::Kind::kValue && ql->column != ent && ql->begin == l->end;
      if (qualified) {
        r.score += 0.3;
        break;
      }
    }
    // A nested clause joins this table (or is about it).
    if (nested.table >= 0) {
      if (static_cast<int>(t) == nested.table) r.score += 0.6;
      else if (JoinColumns(catalog, static_cast<int>(t), nested.table, nested.column, nullptr).first >= 0) r.score += 0.5;
    }
    // Values of joined tables count for this one (a little less than its own).
    std::map<std::pair<size_t, size_t>, double> joined;
    for (const Link& l : links) {
      if (l.kind != Link::Kind::kValue || l.table == static_cast<int>(t)) continue;
      bool covered = false;
      for (size_t p = l.begin; p < l.end; ++p) covered |= best.count(p) > 0;
      if (covered || JoinColumns(catalog, static_cast<int>(t), l.table, -1, nullptr).first < 0) continue;
      double& j = joined[{l.begin, l.end}];
      j = std::max(j, 0.8 * l.score);
    }
    for (auto& [span, sc] : joined) r.score += sc;
    // "how many chinese places ...": a value right after "how many" says what is counted.
    if (count_head < terms.terms.size())
      for (auto* l : r.links)
        if (l->begin == count_head && l->kind == Link::Kind::kValue) r.score += 0.3;
    if (r.score > 0) ranked.push_back(std::move(r));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Ranked& a, const Ranked& b) {
    if (std::fabs(a.score - b.score) > 1e-9) return a.score > b.score;
    return tables[a.table].rows < tables[b.table].rows;  // tie: the smaller (entity) table
  });
  auto why_table = [&](const Ranked& r) {
    std::string s;
    for (auto* l : r.links) s += (s.empty() ? "" : "; ") + catalog.Describe(*l);
    return s;
  };
  if (ranked.empty()) {
    ans.status = "unanswerable";
    std::string content;
    for (size_t i = 0; i < terms.terms.size(); ++i)
      if (!terms.words[i].empty() && terms.words[i][0] != '\x01' && terms.words[i].size() > 2) content += (content.empty() ? "" : " ") + terms.words[i];
    ans.answer = "the data has no table about '" + (content.empty() ? question : content) + "'";
    ans.explanation.push_back("no question word matched a table, column, description or value in the catalog");
    return ans;
  }
  for (size_t i = 0; i < ranked.size() && i < 5; ++i)
    ans.alternatives.push_back({tables[ranked[i].table].name, ranked[i].score, why_table(ranked[i])});
  if (options.allow_ask_back && ranked.size() > 1 && ranked[1].score >= ranked[0].score * (1 - options.ask_back_margin)) {
    ans.status = "ask_back";
    ans.answer = "Which table do you mean: " + tables[ranked[0].table].name + " or " + tables[ranked[1].table].name + "?";
    ans.explanation.push_back("the two best tables score within " + std::to_string(int(options.ask_back_margin * 100)) +
                              "% of each other");
    return ans;
  }
  if (ranked[0].score < kMinTableScore) {
    ans.status = "unanswerable";
    std::string unlinked;
    std::set<size_t> linked_pos;
    for (auto* l : ranked[0].links)
      for (size_t p = l->begin; p < l->end; ++p) linked_pos.insert(p);
    for (size_t i = 0; i < terms.terms.size(); ++i) {
      const std::string& w = terms.words[i];
      if (w.empty() || w[0] == '\x01' || linked_pos.count(i) || IsQuestionWord(terms.terms[i])) continue;
      unlinked += (unlinked.empty() ? "'" : " ") + w;
    }
    ans.answer = "the data has no " + (unlinked.empty() ? std::string("table for this question") : unlinked + "'") +
                 " (closest: " + tables[ranked[0].table].name + ", weak match)";
    ans.explanation.push_back("best table " + tables[ranked[0].table].name + " matched only weakly: " + why_table(ranked[0]));
    return ans;
  }
  const Ranked& best = ranked[0];
  const CatalogTable& T = tables[best.table];
  ans.table = T.name;
  ans.general_words_only = !when.found && std::all_of(best.links.begin(), best.links.end(), [](const Link* l) {
    return l->via.find("glossary") != std::string::npos;
  });
  {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", best.score);
    ans.explanation.push_back("table " + T.name + (T.source.empty() ? "" : " (" + T.source + ")") + ", score " + buf +
                              ": " + why_table(best));
    if (ranked.size() > 1) {
      std::snprintf(buf, sizeof buf, "%.2f", ranked[1].score);
      ans.explanation.push_back("runner-up " + tables[ranked[1].table].name + ", score " + buf);
    }
  }
  // Links of the chosen table, by kind.
  std::vector<const Link*> value_links, column_links;
  for (const Link& l : links) {
    if (l.table != best.table) continue;
    if (l.kind == Link::Kind::kValue) value_links.push_back(&l);
    if (l.kind == Link::Kind::kColumn) column_links.push_back(&l);
  }
  // 4. Filters: one per question span (longest value first), the leftmost column holding it.
  struct Filter { int column; std::vector<std::string> values; const Link* link; bool negate = false; std::string sub, why; };
  // "not X", "except X", "other than X", "不是X", "除了X": the value is excluded.
  auto negated = [&](const Link* l) {
    size_t p = lr.find(ingest::AsciiLower(l->words));
    if (p == std::string::npos) return false;
    std::string before = lr.substr(p >= 16 ? p - 16 : 0, p >= 16 ? 16 : p);
    static const std::regex kNot(R"((\bnot|\bexcept|\bother than|\bexcluding|\bbesides|n't|不是|除了|不在|非)\s*(?:the |in |from |of |on )?\s*$)");
    return std::regex_search(before, kNot);
  };
  std::vector<Filter> filters;
  std::set<size_t> filtered_positions;
  // A column that is the only home of some span's value is reserved for it: another span whose value also sits in
  // a second column goes there (two equalities on one column would match nothing).
  std::map<std::pair<size_t, size_t>, std::set<int>> span_columns;
  for (const Link* l : value_links) span_columns[{l->begin, l->end}].insert(l->column);
  std::set<int> reserved;
  for (auto& [span, cols] : span_columns)
    if (cols.size() == 1) reserved.insert(*cols.begin());
  // A value found both in the entity column and in another column of the table: the entity column when the words
  // name the entity ("the missouri river", "rivers named colorado", or no word names the table), else the other
  // column ("rivers in colorado", "the biggest city in wyoming": the question asks for the entities).
  const int entity_col = EntityColumn(T);
  auto value_rank = [&](const Link* l) {
    bool table_named = false, names_entity = false;
    for (auto* tl : best.links) {
      if (tl->kind != Link::Kind::kTable || (tl->via != "name" && tl->via != "synonym")) continue;
      table_named = true;
      names_entity |= tl->begin == l->end;
    }
    for (size_t i = l->begin; i-- > 0;) {
      if (terms.words[i].empty() || terms.words[i][0] == '\x01') continue;
      std::string w = ingest::AsciiLower(terms.words[i]);
      names_entity |= w == "named" || w == "called";
      break;
    }
    bool want_entity = names_entity || !table_named;
    return (l->column == entity_col) == want_entity ? 0 : 1;
  };
  // The same words as values of several columns: the column where the value is common ("san francisco" in 1,000
  // rows' city, one row's food type) is the likelier reading.
  std::map<const Link*, int64_t> value_rows;
  for (const Link* l : value_links) {
    if (span_columns[{l->begin, l->end}].size() < 2) continue;
    auto r = db.Run("SELECT COUNT(*) FROM " + Quote(T.name) + " WHERE " + Quote(T.columns[l->column].name) + " = " +
                        Lit(l->value), options.limits);
    if (r.ok() && !r->rows.empty() && !r->rows[0].empty()) value_rows[l] = r->rows[0][0].integer;
  }
  std::stable_sort(value_links.begin(), value_links.end(), [&](const Link* a, const Link* b) {
    if (a->end - a->begin != b->end - b->begin) return a->end - a->begin > b->end - b->begin;
    bool ra = reserved.count(a->column) && span_columns[{a->begin, a->end}].size() > 1;
    bool rb = reserved.count(b->column) && span_columns[{b->begin, b->end}].size() > 1;
    if (ra != rb) return rb;
    if (entity_col >= 0 && a->begin == b->begin && a->end == b->end) {
      int va = value_rank(a), vb = value_rank(b);
      if (va != vb) return va < vb;
    }
    if (a->begin == b->begin && a->end == b->end && value_rows.count(a) && value_rows.count(b) &&
        value_rows[a] != value_rows[b])
      return value_rows[a] > value_rows[b];
    return a->column < b->column;
  });
  for (const Link* l : value_links) {
    bool overlap = false;
    for (size_t p = l->begin; p < l->end; ++p) overlap |= filtered_positions.count(p) > 0;
    if (overlap) {
      // The same words naming another value of the same column (synonyms): OR them.
      for (auto& f : filters)
        if (f.column == l->column && f.link->begin == l->begin && f.link->end == l->end &&
            std::find(f.values.begin(), f.values.end(), l->value) == f.values.end())
          f.values.push_back(l->value);
      continue;
    }
    for (size_t p = l->begin; p < l->end; ++p) filtered_positions.insert(p);
    filters.push_back({l->column, {l->value}, l, negated(l), "", ""});
  }
  // Values found only in a joined table: a semi-join (T.c IN (SELECT k FROM U WHERE U.col = v)).
  {
    std::set<size_t> own;
    for (auto* l : best.links)
      for (size_t p = l->begin; p < l->end; ++p) own.insert(p);
    for (const Link& l : links) {
      if (l.kind != Link::Kind::kValue || l.table == best.table) continue;
      bool covered = false;
      for (size_t p = l.begin; p < l.end; ++p) covered |= filtered_positions.count(p) > 0 || own.count(p) > 0;
      if (covered) continue;
      std::string how;
      auto jc = JoinColumns(catalog, best.table, l.table, -1, &how);
      if (jc.first < 0) continue;
      for (size_t p = l.begin; p < l.end; ++p) filtered_positions.insert(p);
      const CatalogTable& U = tables[l.table];
      Filter f{jc.first, {l.value}, &l, negated(&l), "", ""};
      f.sub = "SELECT " + Quote(U.columns[jc.second].name) + " FROM " + Quote(U.name) + " WHERE " +
              Quote(U.columns[l.column].name) + " = " + Lit(l.value);
      f.why = "join " + how + ": " + catalog.Describe(l);
      filters.push_back(std::move(f));
    }
  }
  // The nested clause, joined.
  if (nested.table >= 0) {
    std::string how, sub = nested.sql;
    int col = nested.column;
    if (best.table != nested.table) {
      // Any key between the tables; the clause's query then selects its side of the key.
      auto jc = JoinColumns(catalog, best.table, nested.table, -1, &how);
      col = jc.first;
      std::string prefix = "SELECT " + Quote(tables[nested.table].columns[nested.column].name) + " FROM ";
      if (col >= 0 && sub.compare(0, prefix.size(), prefix) == 0)
        sub = "SELECT " + Quote(tables[nested.table].columns[jc.second].name) + " FROM " + sub.substr(prefix.size());
      else if (col >= 0 && jc.second != nested.column)
        col = JoinColumns(catalog, best.table, nested.table, nested.column, &how).first;
    }
    if (col >= 0) {
      Filter f{col, {}, nullptr, false, sub, ""};
      f.why = "nested clause '" + nested.words + "'" + (how.empty() ? " (same table)" : ", joined on " + how);
      filters.push_back(std::move(f));
    }
  }
  // "with no Y": T's key NOT IN Y's joining column.
  if (!anti_words.empty()) {
    Catalog::Terms at = catalog.Analyze(anti_words);
    for (const Link& l : catalog.LinkTerms(at)) {
      if (l.kind == Link::Kind::kValue) continue;
      std::string how;
      auto jc = JoinColumns(catalog, l.table, best.table, -1, &how);
      if (l.table == best.table || jc.first < 0) continue;
      const CatalogTable& U = tables[l.table];
      Filter f{jc.second, {}, nullptr, true, "SELECT " + Quote(U.columns[jc.first].name) + " FROM " + Quote(U.name) +
                                                 " WHERE " + Quote(U.columns[jc.first].name) + " IS NOT NULL", ""};
      f.why = "'no " + anti_words + "' → " + catalog.Describe(l) + ": anti-join on " + how;
      filters.push_back(std::move(f));
      break;
    }
  }
  // 5. Columns named in the question (not inside a value).
  std::vector<const Link*> named;
  for (const Link* l : column_links) {
    bool inside = false;
    for (size_t p = l->begin; p < l->end; ++p) inside |= filtered_positions.count(p) > 0;
    if (inside) continue;
    bool dup = false;
    for (auto* n : named) dup |= n->column == l->column;
    if (!dup) named.push_back(l);
  }
  std::stable_sort(named.begin(), named.end(), [](const Link* a, const Link* b) { return a->score > b->score; });
  // Two measures named side by side ("population density"): the last is the head noun, the first only qualifies it.
  {
    std::vector<const Link*> heads;
    for (auto* a : named) {
      bool modifier = false;
      for (auto* b : named)
        modifier |= b != a && b->begin == a->end && b->column != a->column && T.columns[a->column].numeric() &&
                    T.columns[b->column].numeric() && a->via.find("glossary") == std::string::npos;
      if (!modifier) heads.push_back(a);
      else ans.explanation.push_back("'" + a->words + "' qualifies the next word, not a column of its own");
    }
    if (!heads.empty()) named = std::move(heads);
  }
  auto filter_column = [&](int c) {
    for (auto& f : filters) if (f.column == c && f.sub.empty()) return true;
    return false;
  };
  // Measure: a numeric column named in the question, else a default.
  std::vector<int> measures;
  if (!options.measure_like.empty()) {
    const size_t slash = options.measure_like.find('/');
    const std::string currency = options.measure_like.substr(0, slash);
    for (auto* l : named) {
      const auto& col = T.columns[l->column];
      if (!col.numeric() || filter_column(l->column) || (col.currency.empty() ? col.unit : col.currency) != currency ||
          PerUnitPrice(col) != (slash != std::string::npos))
        continue;
      measures.push_back(l->column);
      ans.explanation.push_back("measure " + col.name + ": in the unit of the figure it is compared with (" +
                                options.measure_like + "); " + catalog.Describe(*l));
      break;
    }
  }
  for (auto* l : named)
    if (measures.empty() && T.columns[l->column].numeric() && !filter_column(l->column)) {
      measures.push_back(l->column);
      ans.explanation.push_back("measure " + T.columns[l->column].name + ": " + catalog.Describe(*l));
      break;
    }
  int quantity_col = -1, money_col = -1;
  for (size_t c = 0; c < T.columns.size(); ++c) {
    const auto& col = T.columns[c];
    if (!col.numeric()) continue;
    if (quantity_col < 0 && (!col.unit.empty() || !col.unit_column.empty() || Contains(col.name, "quantity") || Contains(col.name, "qty")))
      quantity_col = static_cast<int>(c);
    if (!col.currency.empty() && (money_col < 0 || Contains(col.name, "amount") || Contains(col.name, "total")))
      money_col = static_cast<int>(c);
  }
  if (measures.empty() && (how_much || (superlative && agg == Agg::kNone) || agg == Agg::kAvg || agg == Agg::kMax ||
                           agg == Agg::kMin || top_n > 0)) {
    if (quantity_col >= 0 && how_much) {
      measures.push_back(quantity_col);
      ans.explanation.push_back("measure " + T.columns[quantity_col].name + ": 'how much' of a thing asks for its quantity" +
                                (T.columns[quantity_col].unit_column.empty() ? "" : " (unit in column " + T.columns[quantity_col].unit_column + ")"));
      if (money_col >= 0 && money_col != quantity_col) {
        measures.push_back(money_col);
        ans.explanation.push_back("and " + T.columns[money_col].name + " (" + T.columns[money_col].currency + "): what it cost");
      }
    } else if (money_col >= 0 && how_much) {
      measures.push_back(money_col);
      ans.explanation.push_back("measure " + T.columns[money_col].name + ": the money column (" + T.columns[money_col].currency + ")");
    } else {
      for (size_t c = 0; c < T.columns.size(); ++c)
        if (T.columns[c].numeric() && !filter_column(static_cast<int>(c)) && T.columns[c].name[0] != '_') {
          measures.push_back(static_cast<int>(c));
          ans.explanation.push_back("measure " + T.columns[c].name + ": the table's first numeric column (no column named)");
          break;
        }
    }
  }
  // "how many people ..." where the words after "how many" name a numeric column: its value, not a count of rows.
  {
    std::smatch m;
    static const std::regex kHowMany(R"(\bhow many ([a-z]+))");
    // Unless the word names the rows themselves ("how many deliveries": a synonym of the table): a count.
    bool names_rows = false;
    if (wants_count && std::regex_search(lr, m, kHowMany))
      for (auto* l : best.links)
        names_rows |= l->kind == Link::Kind::kTable && (l->via == "name" || l->via == "synonym") &&
                      ingest::AsciiLower(l->words) == m.str(1);
    if (wants_count && !names_rows && std::regex_search(lr, m, kHowMany))
      for (auto* l : named)
        if (T.columns[l->column].numeric() && ingest::AsciiLower(l->words) == m.str(1)) {
          agg = Agg::kNone, wants_count = false;
          ans.explanation.push_back("'how many " + m.str(1) + "' names the column " + T.columns[l->column].name + ": its value");
          break;
        }
  }
  if (how_much && measures.empty() && !wants_count) {
    ans.status = "unanswerable";
    ans.answer = "the data has no quantity or amount column in " + T.name;
    return ans;
  }
  // Group by: "by X", "per X", "each X", "按X", "每个X", or "which X ... most".
  int group_col = -1;
  for (auto* l : named) {
    if (T.columns[l->column].numeric()) continue;
    size_t b = 0;
    std::string before;
    for (size_t i = 0; i < terms.words.size() && i < l->begin; ++i)
      if (terms.words[i][0] != '\x01') before = ingest::AsciiLower(terms.words[i]);
    (void)b;
    bool by = before == "by" || before == "per" || before == "each" || before == "every";
    std::string lw = ingest::AsciiLower(l->words);
    size_t wpos = lr.find(lw);
    if (wpos != std::string::npos && wpos >= 3 &&
        (lr.compare(wpos - 3, 3, "按") == 0 || (wpos >= 6 && (lr.compare(wpos - 6, 6, "每个") == 0 || lr.compare(wpos - 6, 6, "各个") == 0)) ||
         lr.compare(wpos - 3, 3, "各") == 0 || lr.compare(wpos - 3, 3, "每") == 0))
      by = true;
    bool which = (before == "which" || before == "what" || before == "哪个" || before == "哪家" || before == "哪") ||
                 (wpos != std::string::npos && wpos >= 3 && (lr.compare(wpos - 3, 3, "哪") == 0 || (wpos >= 6 && lr.compare(wpos - 6, 6, "哪个") == 0) || (wpos >= 6 && lr.compare(wpos - 6, 6, "哪家") == 0)));
    const auto& col = T.columns[l->column];
    bool repeating = col.distinct > 0 && static_cast<int64_t>(col.distinct) < T.rows;
    // "what city has the largest population": the table's own entity is ranked, not grouped.
    if (!by && l->column == entity_col) continue;
    if (by || ((which || top_n > 0) && (superlative || top_n > 0) && repeating)) {
      group_col = l->column;
      ans.explanation.push_back("group by " + col.name + ": '" + l->words + "'" + (by ? " after by/per/each" : " asks which one"));
      break;
    }
  }
  // Comparisons apply to the measure (or the first numeric column named near them).
  struct Cmp { int column; Comparison c; };
  std::vector<Cmp> cmps;
  for (auto& c : comps) {
    int col = -1;
    size_t best_dist = std::string::npos;
    for (auto* l : named)
      if (T.columns[l->column].numeric()) {
        size_t wp = lr.find(ingest::AsciiLower(l->words));
        size_t d = wp == std::string::npos ? 1000 : (wp > c.begin ? wp - c.begin : c.begin - wp);
        if (d < best_dist) best_dist = d, col = l->column;
      }
    if (col < 0) col = !measures.empty() ? measures[0] : (money_col >= 0 ? money_col : quantity_col);
    if (col < 0) {
      ans.status = "unanswerable";
      ans.answer = "the data has no numeric column in " + T.name + " to compare with '" + c.words + "'";
      return ans;
    }
    cmps.push_back({col, c});
    ans.explanation.push_back("comparison '" + c.words + "' → " + T.columns[col].name + " " + c.op + " " + FormatNumber({Value::Kind::kReal, 0, c.number, ""}));
  }
  // Date column for the time range.
  int date_col = -1;
  if (when.found) {
    for (auto* l : named)
      if (T.columns[l->column].type == "date") { date_col = l->column; break; }
    for (size_t c = 0; c < T.columns.size() && date_col < 0; ++c)
      if (T.columns[c].type == "date") date_col = static_cast<int>(c);
    if (date_col < 0) {
      ans.status = "unanswerable";
      ans.answer = "the data has no date column in " + T.name + " to apply '" + when.words + "'";
      return ans;
    }
    ans.explanation.push_back("date column " + T.columns[date_col].name);
  }
  // 6. SQL.
  std::vector<std::string> where;
  for (auto& f : filters) {
    std::string col = Quote(T.columns[f.column].name);
    if (!f.sub.empty()) {
      where.push_back(col + (f.negate ? " NOT IN (" : " IN (") + f.sub + ")");
      ans.explanation.push_back("filter " + T.columns[f.column].name + (f.negate ? " NOT IN " : " IN ") + "(" + f.sub + "): " + f.why);
      continue;
    }
    if (f.values.size() == 1) where.push_back(col + (f.negate ? " <> " : " = ") + Lit(f.values[0]));
    else {
      std::string in;
      for (auto& v : f.values) in += (in.empty() ? "" : ", ") + Lit(v);
      where.push_back(col + (f.negate ? " NOT IN (" : " IN (") + in + ")");
    }
    ans.explanation.push_back("filter " + T.columns[f.column].name + (f.negate ? " <> '" : " = '") + f.values[0] + "': " +
                              catalog.Describe(*f.link) + (f.negate ? " (negated)" : ""));
  }
  if (when.found) {
    std::string col = Quote(T.columns[date_col].name);
    where.push_back(col + " BETWEEN " + Lit(when.from.Iso()) + " AND " + Lit(when.to.Iso()));
  }
  for (auto& c : cmps) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", c.c.number);
    where.push_back(Quote(T.columns[c.column].name) + " " + c.c.op + " " + buf);
  }
  std::string where_sql;
  for (size_t i = 0; i < where.size(); ++i) where_sql += (i ? " AND " : " WHERE ") + where[i];
  std::string select, tail;
  // The entity column: a text column named in the question that is not a filter, else the first text column.
  int entity = -1;
  for (auto* l : named)
    if (!T.columns[l->column].numeric() && !filter_column(l->column) && l->column != group_col && T.columns[l->column].type != "date") {
      entity = l->column;
      break;
    }
  if (entity < 0 && entity_col >= 0 && !filter_column(entity_col)) entity = entity_col;
  // Else the first text column that is not a filter, preferring one with more than one value (a column with one value
  // everywhere tells nothing about the rows).
  for (int pass = 0; pass < 2 && entity < 0; ++pass)
    for (size_t c = 0; c < T.columns.size(); ++c)
      if (T.columns[c].type == "text" && !filter_column(static_cast<int>(c)) && T.columns[c].name[0] != '_' &&
          (pass == 1 || T.columns[c].distinct != 1)) {
        entity = static_cast<int>(c);
        break;
      }
  // "which states does the missouri river run through", "which state has the longest river": the asked-for noun
  // names another table; the answer is this table's column that joins that table's entities.
  bool head_entity = false;
  {
    std::smatch m;
    static const std::regex kHead(
        R"(^\s*(?:what|which|name|list|show|give me|through which|in which)\s+(?:are |is |were )?(?:the |all (?:the )?)?([a-z]+))");
    if (std::regex_search(lower, m, kHead)) {
      int u = TableNamed(catalog, m[1]);
      int ue = u >= 0 ? EntityColumn(tables[u]) : -1;
      bool text_named = false;  // a text column the question names is the answer already ("which states border X")
      for (auto* l : named)
        text_named |= !T.columns[l->column].numeric() && !filter_column(l->column) && l->column != entity_col;
      if (u >= 0 && u != best.table && ue >= 0 && !text_named) {
        std::string how;
        auto jc = JoinColumns(catalog, best.table, u, ue, &how);
        if (jc.first >= 0 && !filter_column(jc.first)) {
          entity = jc.first, head_entity = true;
          ans.explanation.push_back("'" + m.str(1) + "' asks for " + tables[u].name + ": answer " + T.columns[entity].name +
                                    ", joined on " + how);
        }
      }
    }
  }
  if (superlative && agg == Agg::kSum && !how_much) agg = Agg::kNone;
  bool explicit_measure = false;
  for (auto* l : named)
    if (!measures.empty() && l->column == measures[0] && l->via.find("glossary") == std::string::npos) explicit_measure = true;
  const bool asks_which = HasAny(lr, {"which", "who", "哪", "哪个", "哪家", "谁"}) || top_n > 0;
  // "what state has the largest population": the table is named before the superlative, so the entity is asked for.
  bool entity_first = options.entity;
  if (superlative && sup_pos != std::string::npos)
    for (auto* l : best.links)
      if (l->kind == Link::Kind::kTable && (l->via == "name" || l->via == "synonym")) {
        size_t p = lr.find(ingest::AsciiLower(l->words));
        if (p != std::string::npos && p < sup_pos) entity_first = true;
        // "the most populous city", "the longest river": the superlative qualifies the table's noun.
        if (p != std::string::npos && p > sup_pos && p - sup_pos < 32 &&
            lr.substr(sup_pos, p - sup_pos).find(" of ") == std::string::npos)
          entity_first = true;
      }
  if (superlative && agg == Agg::kNone && group_col < 0 && (explicit_measure || (figure_asked && !measures.empty())) &&
      !asks_which && !entity_first) {
    agg = superlative_desc ? Agg::kMax : Agg::kMin;
    superlative = false;
    ans.explanation.push_back(std::string("aggregate ") + AggSql(agg) + ": a superlative of a named column, no 'which'");
  }
  if (group_col >= 0) {
    std::string g = Quote(T.columns[group_col].name);
    Agg a = agg == Agg::kNone || agg == Agg::kMax || agg == Agg::kMin ? (measures.empty() ? Agg::kCount : Agg::kSum) : agg;
    std::string m = a == Agg::kCount || measures.empty() ? "COUNT(*)" : std::string(AggSql(a)) + "(" + Quote(T.columns[measures[0]].name) + ")";
    select = g + ", " + m;
    std::string unit;
    if (!measures.empty() && a != Agg::kCount && !T.columns[measures[0]].unit_column.empty())
      select += ", " + Quote(T.columns[measures[0]].unit_column), unit = ", " + Quote(T.columns[measures[0]].unit_column);
    tail = " GROUP BY " + g + unit + " ORDER BY 2 " + (superlative && !superlative_desc ? "ASC" : "DESC");
    if (superlative || top_n > 0) tail += " LIMIT " + std::to_string(top_n > 0 ? top_n : 1);
  } else if (agg == Agg::kCount && !superlative) {
    select = "COUNT(*)";
  } else if (agg != Agg::kNone && !measures.empty() && !(superlative && agg == Agg::kNone)) {
    std::vector<std::string> parts;
    std::string group;
    for (int mcol : measures) {
      Agg a = agg;
      if (superlative && agg == Agg::kSum && !how_much) a = superlative_desc ? Agg::kMax : Agg::kMin;
      parts.push_back(std::string(AggSql(a)) + "(" + Quote(T.columns[mcol].name) + ") AS " +
                      Quote(ingest::AsciiLower(AggWord(a)) + "_" + T.columns[mcol].name));
      if (a == Agg::kSum && !T.columns[mcol].unit_column.empty() && group.empty()) group = Quote(T.columns[mcol].unit_column);
    }
    for (auto& p : parts) select += (select.empty() ? "" : ", ") + p;
    if (!group.empty()) select += ", " + group, tail = " GROUP BY " + group;
  } else if (superlative || top_n > 0) {
    int m = measures.empty() ? -1 : measures[0];
    if (m < 0) {
      ans.status = "unanswerable";
      ans.answer = "the data has no numeric column in " + T.name + " to rank by";
      return ans;
    }
    select = entity >= 0 ? Quote(T.columns[entity].name) : Quote(T.columns[m].name);
    if (entity >= 0) ans.explanation.push_back("answer column " + T.columns[entity].name + ", ranked by " + T.columns[m].name);
    if (top_n > 0) {
      tail = " ORDER BY " + Quote(T.columns[m].name) + (superlative_desc || !superlative ? " DESC" : " ASC") +
             " LIMIT " + std::to_string(top_n);
      where_sql += (where_sql.empty() ? " WHERE " : " AND ") + Quote(T.columns[m].name) + " IS NOT NULL";
    } else {
      // The superlative as a nested query: every row that ties for the extreme value.
      std::string extreme = std::string("(SELECT ") + (superlative_desc ? "MAX(" : "MIN(") + Quote(T.columns[m].name) +
                            ") FROM " + Quote(T.name) + where_sql + ")";
      where_sql += (where_sql.empty() ? " WHERE " : " AND ") + Quote(T.columns[m].name) + " = " + extreme;
      ans.explanation.push_back(std::string("superlative: rows whose ") + T.columns[m].name + " is the " +
                                (superlative_desc ? "largest" : "smallest") + " (nested query)");
    }
  } else {
    // A lookup: the columns named in the question that are not filters.
    std::vector<int> cols;
    for (auto* l : named)
      if (!filter_column(l->column) && std::find(cols.begin(), cols.end(), l->column) == cols.end()) cols.push_back(l->column);
    if (head_entity) cols.insert(cols.begin(), entity);
    // "how high is the highest point in montana": "how <adjective>" asks for the measure the adjective (or its
    // superlative, "highest") names.
    {
      std::smatch m;
      static const std::regex kHowAdj(R"(^\s*how (high|long|big|large|tall|deep|old|far|wide|heavy|much|many) )");
      if (std::regex_search(lower, m, kHowAdj))
        for (auto* l : named)
          if (l->words.find(' ') == std::string::npos && ingest::AsciiLower(l->words).rfind(m.str(1), 0) == 0 &&
              !filter_column(l->column)) {
            cols.erase(std::remove(cols.begin(), cols.end(), l->column), cols.end());
            cols.insert(cols.begin(), l->column);
            ans.explanation.push_back("'how " + m.str(1) + "' asks for " + T.columns[l->column].name);
            break;
          }
    }
    if (cols.empty() && entity >= 0) cols.push_back(entity);
    // Every text column is a filter ("where is a place on buchanan in san francisco" over a table of addresses):
    // the first other column (a house number) rather than nothing.
    for (size_t c = 0; c < T.columns.size() && cols.empty(); ++c)
      if (!filter_column(static_cast<int>(c)) && T.columns[c].name[0] != '_' && T.columns[c].distinct != 1) {
        bool sub = false;
        for (auto& f : filters) sub |= f.column == static_cast<int>(c);
        if (!sub) cols.push_back(static_cast<int>(c));
      }
    if (cols.empty()) {
      ans.status = "unanswerable";
      ans.answer = "the data has no column in " + T.name + " that the question asks for";
      return ans;
    }
    // One column: the best named one.
    // An entity that repeats over rows (a river listed once per state it crosses) has one value per measure:
    // DISTINCT when the entity's name is the filter and a measure is asked for.
    bool repeated_entity = entity_col >= 0 && filter_column(entity_col) &&
                           static_cast<int64_t>(T.columns[entity_col].distinct) < T.rows && T.columns[cols[0]].numeric();
    select = (nested.table == best.table || repeated_entity ? "DISTINCT " : "") + Quote(T.columns[cols[0]].name);
    ans.explanation.push_back("answer column " + T.columns[cols[0]].name);
  }
  ans.sql = "SELECT " + select + " FROM " + Quote(T.name) + where_sql + tail;
  auto res = db.Run(ans.sql, options.limits);
  if (!res.ok()) return res.status();
  ans.columns = res->columns;
  ans.rows = std::move(res->rows);
  ans.truncated = res->truncated;
  ans.status = "answered";
  // Rows behind an aggregate.
  bool provenance = T.provenance;
  if (provenance && (agg != Agg::kNone || group_col >= 0)) {
    ans.evidence_sql = "SELECT _source, _row" ;
    for (int m : measures) ans.evidence_sql += ", " + Quote(T.columns[m].name);
    if (date_col >= 0) ans.evidence_sql += ", " + Quote(T.columns[date_col].name);
    ans.evidence_sql += " FROM " + Quote(T.name) + where_sql + " ORDER BY _row LIMIT 50";
    auto ev = db.Run(ans.evidence_sql, options.limits);
    if (ev.ok()) ans.evidence_columns = ev->columns, ans.evidence_rows = std::move(ev->rows);
  }
  // The measure's unit: its currency or unit; a price per unit also names the rows' unit when they share one.
  if (measures.size() == 1 && agg != Agg::kCount) {
    const auto& col = T.columns[measures[0]];
    ans.measure_unit = col.currency.empty() ? col.unit : col.currency;
    const bool per_unit = PerUnitPrice(col);
    int unit_col = -1;
    for (size_t i = 0; i < T.columns.size(); ++i)
      if (!T.columns[i].numeric() && (T.columns[i].name == "unit" || T.columns[i].name == "uom" || T.columns[i].name == "单位"))
        unit_col = static_cast<int>(i);
    if (per_unit && unit_col >= 0) {
      auto u = db.Run("SELECT DISTINCT " + Quote(T.columns[unit_col].name) + " FROM " + Quote(T.name) + where_sql +
                          " LIMIT 2", options.limits);
      if (u.ok() && u->rows.size() == 1 && !u->rows[0].empty()) {
        ans.measure_unit += "/" + u->rows[0][0].ToString();
        ans.explanation.push_back("unit: " + col.name + " is a price per " + T.columns[unit_col].name +
                                  "; every row counted has " + T.columns[unit_col].name + " = " + u->rows[0][0].ToString());
      }
    }
  }
  // The sentence.
  std::string s;
  if (ans.rows.empty()) s = "no rows match";
  else if (ans.rows.size() == 1 && measures.size() == 2 && ans.columns.size() == 3 && agg == Agg::kSum && group_col < 0) {
    // "1,570 tonne for 723,312 CNY"
    s = "total " + FormatNumber(ans.rows[0][0]) + " " + ans.rows[0][2].ToString() + " for " + FormatNumber(ans.rows[0][1]) +
        (T.columns[measures[1]].currency.empty() ? "" : " " + T.columns[measures[1]].currency);
  }
  else if (ans.rows.size() == 1 && group_col < 0) {
    for (size_t i = 0; i < ans.columns.size(); ++i) {
      const Value& v = ans.rows[0][i];
      if (!s.empty()) s += i + 1 == ans.columns.size() && agg == Agg::kSum && tail.find("GROUP BY") != std::string::npos ? " " : ", ";
      s += FormatNumber(v);
      if (i < measures.size() && agg != Agg::kCount && agg != Agg::kNone) {
        const auto& col = T.columns[measures[i]];
        if (!col.currency.empty()) s += " " + col.currency;
        else if (!col.unit.empty()) s += " " + col.unit;
      }
    }
    if (agg != Agg::kNone && agg != Agg::kCount && !measures.empty()) s = std::string(AggWord(agg)) + " " + s;
  } else {
    s = std::to_string(ans.rows.size()) + " rows" + (ans.truncated ? " (cut at the row limit)" : "");
    if (group_col >= 0 && !ans.rows.empty()) s = ans.rows[0][0].ToString() + " (" + FormatNumber(ans.rows[0][1]) + ")" + (ans.rows.size() > 1 ? ", then " + ans.rows[1][0].ToString() : "");
  }
  if (when.found) s += ", " + when.from.Iso() + " to " + when.to.Iso();
  s += " — from " + T.name + (T.source.empty() ? "" : " (" + T.source + ")");
  ans.answer = s;
  return ans;
}
}  // namespace

}  // namespace glassbox::table
