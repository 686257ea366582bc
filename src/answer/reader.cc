// The extractive reader: sentences scored by IDF-weighted question-term
// coverage, spans by question type, proximity to the question's terms and
// the recognisers (numbers, dates, names).
#include "answer/reader.h"
#include "ingest/text_util.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <set>

#include "answer/recognize.h"
#include "answer/verify.h"
#include "search/scorers.h"

namespace glassbox::answer {
namespace {

bool Contains(std::string_view s, std::string_view w) { return s.find(w) != std::string_view::npos; }

// Whole-word match in lower-cased English text.
size_t WordPos(const std::string& lower, std::string_view w) {
  size_t pos = 0;
  while ((pos = lower.find(w, pos)) != std::string::npos) {
    bool left = pos == 0 || !std::isalpha(static_cast<unsigned char>(lower[pos - 1]));
    bool right = pos + w.size() >= lower.size() || !std::isalpha(static_cast<unsigned char>(lower[pos + w.size()]));
    if (left && right) return pos;
    pos += w.size();
  }
  return std::string::npos;
}

bool HasWord(const std::string& lower, const std::string& w) {
  size_t pos = 0;
  while ((pos = lower.find(w, pos)) != std::string::npos) {
    bool left = pos == 0 || !std::isalpha(static_cast<unsigned char>(lower[pos - 1]));
    bool right = pos + w.size() >= lower.size() || !std::isalpha(static_cast<unsigned char>(lower[pos + w.size()]));
    if (left && right) return true;
    pos += w.size();
  }
  return false;
}

// Interrogative words: never evidence in a passage.
bool IsQuestionWord(const std::string& t) {
  static const std::set<std::string> kWords = {
      "who", "whom", "whose", "what", "when", "where", "which", "why", "how", "much", "mani", "many",
      "什么", "甚么", "甚麼", "谁", "誰", "哪里", "哪裡", "哪儿", "哪个", "哪個", "哪些", "多少", "几", "幾",
      "何时", "何時", "什么时候", "怎么", "怎樣", "怎样", "如何", "为什么", "為什麼", "哪", "哪一", "呢", "吗", "嗎",
      "是", "的", "了", "在", "有", "为", "為", "被", "和", "与", "與", "中", "上", "个", "個", "位", "是什么", "叫"};
  return kWords.count(t) > 0;
}

// Characters that end a span inside a sentence.
bool BreaksSpan(std::string_view gap) {
  for (std::string_view p : {",", ";", ":", "(", ")", "\"", "，", "；", "：", "（", "）", "、", "“", "”", "「", "」",
                             "《", "》", "—", " - ", "–"})
    if (Contains(gap, p)) return true;
  return false;
}

struct SentenceInfo {
  int passage = 0;
  size_t begin = 0, end = 0;     // in the passage text
  std::vector<text::Token> tokens;  // offsets in the passage text
  double coverage = 0;           // share of the question's weight found
  std::vector<std::string> matched;
};

// Words a span does not begin or end with.
bool IsEdgeWord(const std::string& t) {
  static const std::set<std::string> kWords = {"的", "了", "在", "是", "于", "於", "和", "与", "與", "及", "被", "为", "為",
                                               "由", "等", "也", "都", "又", "而", "并", "並", "对", "對", "从", "從", "将",
                                               "將", "把", "就", "其", "之", "以", "即", "则", "則", "着", "着", "过", "過"};
  return kWords.count(t) > 0;
}

bool HasHanText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    if (IsHan(DecodeAt(s, i, &len))) return true;
    i += len;
  }
  return false;
}

bool WantsEntity(QuestionType t, const Entity& e) {
  switch (t) {
    case QuestionType::kCount: return e.kind == Entity::Kind::kNumber && !e.is_year;
    case QuestionType::kAmount: return e.kind == Entity::Kind::kNumber && !e.is_year;
    case QuestionType::kDate: return e.kind == Entity::Kind::kDate || (e.kind == Entity::Kind::kNumber && e.is_year);
    case QuestionType::kPerson:
    case QuestionType::kPlace: return e.kind == Entity::Kind::kName;
    default: return false;
  }
}

}  // namespace

std::string HeadNoun(std::string_view question, bool multi_word) {
  const std::string q = ingest::AsciiLower(question);
  std::vector<std::string> words;
  std::vector<bool> capital;  // the word is capitalised in the question
  std::string w;
  for (size_t i = 0; i <= q.size(); ++i) {
    const char ch = i < q.size() ? q[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '\'') {
      if (w.empty()) capital.push_back(std::isupper(static_cast<unsigned char>(question[i])) != 0);
      w += ch;
    } else if (!w.empty()) {
      words.push_back(w), w.clear();
    }
  }
  static const std::set<std::string> kNot = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "had",
                                             "can", "could", "would", "will", "should", "may", "might", "the", "a",
                                             "an", "of", "in", "on", "to", "for", "by", "with", "at", "from", "it",
                                             "he", "she", "they", "happened", "happens", "caused", "causes", "made"};
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] != "what" && words[i] != "which") continue;
    size_t k = i + 1;
    if ((words[k] == "kind" || words[k] == "type" || words[k] == "sort" || words[k] == "form") && k + 2 < words.size() &&
        words[k + 1] == "of")
      k += 2;
    if (kNot.count(words[k]) || words[k].find('\'') != std::string::npos) return "";
    if (multi_word) {
      // "Which German architect was asked": the noun ends the question word's phrase, before an auxiliary,
      // a preposition or a verb ("What satellite enabled ...").
      static const std::set<std::string> kEnd = {"that", "which", "who", "whom", "whose", "and", "or", "as", "be",
                                                 "been", "being", "said", "says", "say", "holds", "hold", "gave",
                                                 "give", "gives", "took", "take", "takes", "led", "leads", "won",
                                                 "wins", "became", "become", "becomes", "began", "begin", "begins",
                                                 "went", "goes", "came", "comes", "got", "gets", "used", "uses",
                                                 "make", "makes", "found", "find", "finds", "left", "saw", "sees",
                                                 "during", "after", "before", "about", "into", "under", "between",
                                                 "among", "than", "not", "also", "first", "most", "only"};
      const size_t first = k;
      // Only after a modifier: a capitalised word (German, Buddhist, UN) or an adjective ending.
      bool modifier = capital[k] && k > 0;
      for (std::string_view suffix : {"al", "ic", "an", "ous", "ern", "ive", "ish", "ese", "ary", "ior"})
        modifier |= words[k].size() > suffix.size() + 2 && words[k].ends_with(suffix);
      auto is_verb = [&](size_t j) {  // followed by a determiner: "defines the", "includes its"
        static const std::set<std::string> kDet = {"the", "a", "an", "its", "their", "his", "her", "this", "these"};
        return j + 1 < words.size() && kDet.count(words[j + 1]) > 0;
      };
      while (modifier && k + 1 < words.size() && k + 1 - first < 3 && !is_verb(k + 1) && !kNot.count(words[k + 1]) && !kEnd.count(words[k + 1]) &&
             !(words[k + 1].size() > 3 && words[k + 1].ends_with("ed")) && words[k + 1].find('\'') == std::string::npos &&
             !std::isdigit(static_cast<unsigned char>(words[k + 1][0])))
        ++k;
    }
    return words[k];
  }
  return "";
}

QuestionGap FindQuestionGap(std::string_view question) {
  QuestionGap gap;
  const std::string q = ingest::AsciiLower(question);
  struct Word { std::string w; size_t b, e; };
  std::vector<Word> words;
  for (size_t i = 0; i < q.size();) {
    if (!std::isalnum(static_cast<unsigned char>(q[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < q.size() && (std::isalnum(static_cast<unsigned char>(q[j])) || q[j] == '\'' || q[j] == '-')) ++j;
    words.push_back({q.substr(i, j - i), i, j});
    i = j;
  }
  static const std::set<std::string> kWh = {"what", "which", "who", "whom", "whose", "when", "where"};
  size_t w = 0;
  while (w < words.size() && !kWh.count(words[w].w)) ++w;
  if (w == words.size()) return gap;
  // Words that may stand before a fronted question word ("In what year", "According to whom").
  static const std::set<std::string> kLead = {"in", "on", "at", "by", "for", "from", "to", "about", "with", "of",
                                              "during", "under", "after", "before", "since", "through", "into",
                                              "over", "and", "so", "according", "against", "between", "upon", "as"};
  bool in_place = false;
  for (size_t k = 0; k < w; ++k) in_place |= !kLead.count(words[k].w);
  // The question word's phrase: "what (kind of) molecule"; its noun is not context.
  size_t after = w + 1;
  static const std::set<std::string> kAux = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "had",
                                             "can", "could", "would", "will", "should", "may", "might", "must"};
  if ((words[w].w == "what" || words[w].w == "which") && after < words.size() && !kAux.count(words[after].w)) {
    if ((words[after].w == "kind" || words[after].w == "type" || words[after].w == "sort") && after + 2 < words.size() &&
        words[after + 1].w == "of")
      after += 2;
    ++after;
  }
  if (in_place) {
    gap.found = true;
    gap.left_end = words[w].b;
    gap.right_begin = after < words.size() ? words[after].b : q.size();
    return gap;
  }
  // A subject question: "Who led ...", "What caused ..." (the next word is a verb, not an auxiliary).
  if (w == 0 && w + 1 < words.size() && !kAux.count(words[w + 1].w) &&
      (words[w].w == "who" || ((words[w].w == "what" || words[w].w == "which") && words[w + 1].w.size() > 3 &&
                               words[w + 1].w.ends_with("ed")))) {
    gap.found = true;
    gap.left_end = 0;
    gap.right_begin = words[w + 1].b;
  }
  return gap;
}

namespace {

// A capitalised name whose last word names a place, an organisation, an event or a work, not a person
// ("Academy Award", "Middle East", "Oracle Corporation").
bool NamesAThing(std::string_view lower_name) {
  static const std::set<std::string, std::less<>> kThings = {
      "award", "awards", "prize", "medal", "cup", "bowl", "league", "championship", "games", "olympics", "war",
      "republic", "kingdom", "empire", "state", "states", "union", "federation", "province", "county", "city",
      "district", "region", "territory", "island", "islands", "peninsula", "ocean", "sea", "lake", "river", "bay",
      "mountain", "mountains", "valley", "desert", "coast", "america", "europe", "asia", "africa", "east", "west",
      "north", "south", "corporation", "company", "inc", "ltd", "group", "network", "association", "society",
      "institute", "institution", "university", "college", "school", "academy", "museum", "library", "gallery",
      "church", "party", "council", "committee", "commission", "parliament", "congress", "assembly", "court",
      "ministry", "department", "agency", "office", "army", "navy", "force", "bank", "exchange", "street", "road",
      "avenue", "square", "park", "station", "airport", "bridge", "tower", "hall", "palace", "castle", "cathedral",
      "exhibition", "festival", "conference", "treaty", "act", "agreement", "constitution", "revolution",
      "centre", "center", "hospital", "stadium", "theatre", "theater", "building", "house", "law"};
  size_t sp = lower_name.find_last_of(' ');
  std::string_view last = sp == std::string_view::npos ? lower_name : lower_name.substr(sp + 1);
  while (!last.empty() && !std::isalpha(static_cast<unsigned char>(last.back()))) last.remove_suffix(1);
  if (last.ends_with("'s")) last.remove_suffix(2);
  return kThings.count(last) > 0;
}

// Month and weekday names, which the name recogniser reads as capitalised names.
bool IsCalendarWord(std::string_view lower) {
  static const std::set<std::string, std::less<>> kWords = {
      "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
      "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  return kWords.count(lower) > 0;
}

bool IsFactoid(QuestionType t) { return t != QuestionType::kReason && t != QuestionType::kOther; }

// The reader's weights. Defaults chosen on xquad-en, cmrc2018-dev and drcd-test together and checked
// leave-one-out (EVALUATION.md); GLASSBOX_READER_TUNE="name=value,..." overrides them for that experiment.
struct Tuning {
  double zh_anchor = 0.5;      // bonus of a Chinese span next to the question's own context
  double zh_max_chars = 40;    // longest such span, in characters
  double zh_min_anchor = 1;    // characters of question context that must match
  double zh_type = 0.6;        // bonus of a name that ends with the noun the question asks for
  double zh_type_chars = 6;    // at most this many characters before that noun
  double prox = 0.6;           // weight of the proximity to the question's terms
  double what_name = 0.15;     // bonus of a capitalised name for a what/which question
  double max_len = 5;          // longest phrase, in tokens (English)
  double between = 0.0;        // bonus of a phrase with question terms right before and right after it
  double adjacent = 0.0;       // bonus of a phrase next to a question term on one side
  double head = 0.3;           // bonus of a phrase right before the noun a what/which question asks for
  double len_bonus = 0.0;      // bonus per token of an English phrase (answers run to a few words)
  double top = 3;              // sentences whose spans are candidates
  double head_len = 3;         // at most this many tokens before that noun
  double en_anchor = 0.5;      // English: bonus of a span next to the question's own context (zh_anchor's value)
  double ranges = 1;           // a number's span runs over a range or clock time (9–18, 4:51)
  double cue = 0.3;            // English what/which: bonus of the words after "such as", "called", "known as"
  double quoted = 1;           // English what/which: a quoted title is a candidate, as a name
  double head_incl = 1;        // English: the head rule's span ends with that noun; names may hold it
  double en_side = 1;          // English: question terms on the wrong side of the answer's place count a tenth
  double how_span = 1;         // English how/why questions: the words after the question's terms, not the whole sentence
  double how_len = 10;         // longest such span, in tokens
  double kind_mod = 1;         // English "what kind of N": the head rule's span is the words joined to N, without N
  double what_did = 2;         // "What did X V?": the words after the question's terms (2: only they compete, 1: with the rest)
  double what_is = 1;          // "What is X?": the words after the question's terms compete with the other spans
  double calendar = 1;         // English who/where: a month or weekday name is no candidate
  double head_phrase = 1;      // English: after a modifier the asked-for noun ends the phrase ("German architect")
  double clause_lead = 1;      // the what-did/what-is rules also after a leading clause (", what did ...")
  double poss = 1;             // English: a name's possessive "'s" is not part of the answer
  double who_thing = 0.3;      // English who: penalty of a name that ends with a place/organisation/event word
};
const Tuning& Tune() {
  static const Tuning t = [] {
    Tuning t;
    const char* env = std::getenv("GLASSBOX_READER_TUNE");
    if (env == nullptr) return t;
    std::string_view rest(env);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view kv = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      std::string k(kv.substr(0, eq));
      double v = std::atof(std::string(kv.substr(eq + 1)).c_str());
#define GB_TUNE(name) if (k == #name) t.name = v;
      GB_TUNE(zh_anchor) GB_TUNE(zh_max_chars) GB_TUNE(zh_min_anchor) GB_TUNE(zh_type) GB_TUNE(zh_type_chars) GB_TUNE(prox) GB_TUNE(what_name) GB_TUNE(max_len) GB_TUNE(between) GB_TUNE(adjacent) GB_TUNE(head) GB_TUNE(head_len) GB_TUNE(top) GB_TUNE(len_bonus) GB_TUNE(en_side) GB_TUNE(head_incl) GB_TUNE(quoted) GB_TUNE(cue) GB_TUNE(ranges) GB_TUNE(en_anchor) GB_TUNE(how_span) GB_TUNE(how_len) GB_TUNE(poss) GB_TUNE(clause_lead) GB_TUNE(head_phrase) GB_TUNE(calendar) GB_TUNE(what_is) GB_TUNE(what_did) GB_TUNE(kind_mod) GB_TUNE(who_thing)
#undef GB_TUNE
    }
    return t;
  }();
  return t;
}

// Code points of `s` with their byte offsets.
struct Char { size_t at = 0, len = 0; char32_t c = 0; };
std::vector<Char> Chars(std::string_view s) {
  std::vector<Char> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    char32_t c = DecodeAt(s, i, &len);
    out.push_back({i, len, c});
    i += len;
  }
  return out;
}

bool IsOneOf(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }
// Characters that end a Chinese clause (an answer does not run past them).
constexpr std::u32string_view kClauseEnd = U"，。；！？,;!?";
// Characters an answer next to the question's context does not begin or end with.
constexpr std::u32string_view kZhEdge = U"是为為了在有被叫于於即乃的：:　 ";

// The question around its question word: the context before it (`left`) and after it (`right`),
// without the function characters next to the question word ("定都在什么地方" -> left "定都").
struct ZhQuestionContext {
  std::u32string left, right;
  std::u32string type_noun;  // the noun after 哪一个 / 什么 ("哪一个海峡" -> "海峡"), which answers often end with
  std::u32string all;        // every character of the question
};
ZhQuestionContext SplitAroundQuestionWord(std::string_view q) {
  ZhQuestionContext out;
  size_t wh = std::string_view::npos, wh_len = 0;
  for (std::string_view w : {"什么时候", "什麼時候", "什么", "什麼", "甚麼", "甚么", "哪里", "哪裡", "哪儿", "哪个", "哪個",
                             "哪些", "哪一", "哪", "谁", "誰", "多少", "几", "幾", "何时", "何時", "何"}) {
    size_t p = q.find(w);
    if (p != std::string_view::npos && (p < wh || (p == wh && w.size() > wh_len))) wh = p, wh_len = w.size();
  }
  for (const auto& ch : Chars(q)) out.all.push_back(ch.c);
  if (wh == std::string_view::npos) return out;
  for (const auto& ch : Chars(q.substr(0, wh))) out.left.push_back(ch.c);
  for (const auto& ch : Chars(q.substr(wh + wh_len))) out.right.push_back(ch.c);
  // 哪 + 一 + a classifier: the classifier belongs to the question word.
  if (q.substr(wh, wh_len).starts_with("哪")) {
    if (!out.right.empty() && out.right.front() == U'一') out.right.erase(out.right.begin());
    if (!out.right.empty() && IsOneOf(out.right.front(), U"个個种種条條位家份部本座所支项項类類首间間只隻名块塊门門张張"))
      out.right.erase(out.right.begin());
  }
  if (out.right.size() >= 2 && IsHan(out.right[0]) && IsHan(out.right[1]) && !IsOneOf(out.right[0], kZhEdge) &&
      !IsOneOf(out.right[1], kZhEdge))
    out.type_noun = out.right.substr(0, 2);
  while (!out.left.empty() && IsOneOf(out.left.back(), kZhEdge)) out.left.pop_back();
  while (!out.right.empty() && IsOneOf(out.right.back(), U"？?。！!呢吗嗎啊呀 ")) out.right.pop_back();
  while (!out.right.empty() && IsOneOf(out.right.front(), kZhEdge)) out.right.erase(out.right.begin());
  return out;
}

// Where `needle` occurs in `hay` (code points), searching from `from`; npos when it does not.
size_t FindChars(const std::vector<Char>& hay, std::u32string_view needle, size_t from) {
  if (needle.empty() || hay.size() < needle.size()) return std::string::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && hay[i + k].c == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string::npos;
}

// A Chinese answer span next to the question's context: the characters after the longest end of the
// question's left context found in the sentence (up to the clause's end or the right context), or
// before the longest start of its right context. Character indexes into `sc`; false when none.
struct ZhAnchorSpan {
  size_t begin = 0, end = 0;  // code points of the sentence
  size_t left_match = 0, right_match = 0;
  std::u32string left_text, right_text;
};
bool FindZhAnchorSpan(const std::vector<Char>& sc, const ZhQuestionContext& q, size_t min_match, size_t max_chars,
                      ZhAnchorSpan* out) {
  size_t lpos = std::string::npos, lk = 0;
  for (size_t k = q.left.size(); k >= std::max<size_t>(min_match, 1) && k > 0; --k) {
    size_t p = FindChars(sc, std::u32string_view(q.left).substr(q.left.size() - k), 0);
    if (p != std::string::npos) {
      lpos = p, lk = k;
      break;
    }
  }
  size_t rpos = std::string::npos, rk = 0;
  const size_t rfrom = lpos == std::string::npos ? 0 : lpos + lk;
  for (size_t k = q.right.size(); k >= std::max<size_t>(min_match, 1) && k > 0; --k) {
    size_t p = FindChars(sc, std::u32string_view(q.right).substr(0, k), rfrom);
    if (p != std::string::npos) {
      rpos = p, rk = k;
      break;
    }
  }
  size_t b, e;
  if (lpos != std::string::npos) {
    b = lpos + lk;
    while (b < sc.size() && IsOneOf(sc[b].c, kZhEdge)) ++b;
    e = b;
    while (e < sc.size() && !IsOneOf(sc[e].c, kClauseEnd) && e - b < max_chars && (rpos == std::string::npos || e < rpos))
      ++e;
  } else if (rpos != std::string::npos) {
    e = rpos;
    b = e;
    while (b > 0 && !IsOneOf(sc[b - 1].c, kClauseEnd) && e - b < max_chars) --b;
    while (b < e && IsOneOf(sc[b].c, kZhEdge)) ++b;
  } else {
    return false;
  }
  while (e > b && IsOneOf(sc[e - 1].c, kZhEdge)) --e;
  if (e <= b) return false;
  out->begin = b;
  out->end = e;
  out->left_match = lpos == std::string::npos ? 0 : lk;
  out->right_match = rpos == std::string::npos ? 0 : rk;
  if (out->left_match) out->left_text = q.left.substr(q.left.size() - lk);
  if (out->right_match) out->right_text = q.right.substr(0, rk);
  return true;
}

std::string ToUtf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) out += static_cast<char>(c);
    else if (c < 0x800) out += static_cast<char>(0xC0 | (c >> 6)), out += static_cast<char>(0x80 | (c & 0x3F));
    else if (c < 0x10000)
      out += static_cast<char>(0xE0 | (c >> 12)), out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
          out += static_cast<char>(0x80 | (c & 0x3F));
    else
      out += static_cast<char>(0xF0 | (c >> 18)), out += static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
          out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)), out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

}  // namespace

const char* QuestionTypeName(QuestionType t) {
  switch (t) {
    case QuestionType::kPerson: return "who";
    case QuestionType::kDate: return "when";
    case QuestionType::kPlace: return "where";
    case QuestionType::kCount: return "how many";
    case QuestionType::kAmount: return "how much";
    case QuestionType::kWhich: return "which";
    case QuestionType::kWhat: return "what";
    case QuestionType::kReason: return "why/how";
    case QuestionType::kOther: return "other";
  }
  return "?";
}

QuestionType ClassifyQuestion(std::string_view question) {
  const std::string q = ingest::AsciiLower(question);
  // Chinese (Simplified and Traditional).
  for (std::string_view w : {"什么时候", "什麼時候", "甚麼時候", "何时", "何時", "哪一年", "哪年", "几年", "幾年", "哪一天",
                             "什么时间", "什麼時間", "日期", "何年"})
    if (Contains(q, w)) return QuestionType::kDate;
  for (std::string_view w : {"哪里", "哪裡", "哪儿", "何处", "何處", "什么地方", "什麼地方", "哪个国家", "哪個國家", "哪座城市",
                             "在哪"})
    if (Contains(q, w)) return QuestionType::kPlace;
  for (std::string_view w : {"多少钱", "多少錢", "价格", "價格", "多少元"})
    if (Contains(q, w)) return QuestionType::kAmount;
  for (std::string_view w : {"多少", "几", "幾", "多大", "多长", "多長", "多高", "多重", "多远", "多遠", "多久"})
    if (Contains(q, w)) return QuestionType::kCount;
  for (std::string_view w : {"为什么", "為什麼", "為甚麼", "为何", "為何", "怎么", "怎麼", "如何"}) {
    size_t p = q.find(w);
    if (p == std::string::npos) continue;
    // "被追封为什么？" ends with 为 + 什么: what it was made, not why.
    std::string_view rest = std::string_view(q).substr(p + w.size());
    bool at_end = w.starts_with("为") || w.starts_with("為");
    for (std::string_view tail : {"？", "?", "。", "呢", " "})
      while (rest.starts_with(tail)) rest.remove_prefix(tail.size());
    if (at_end && rest.empty()) break;
    return QuestionType::kReason;
  }
  for (std::string_view w : {"谁", "誰", "哪位"})
    if (Contains(q, w)) return QuestionType::kPerson;
  for (std::string_view w : {"哪个", "哪個", "哪些", "哪一", "哪"})
    if (Contains(q, w)) return QuestionType::kWhich;
  for (std::string_view w : {"什么", "什麼", "甚麼", "甚么"})
    if (Contains(q, w)) return QuestionType::kWhat;
  // English. A what/which question with a "when"/"who"/"where" clause later asks for what it names
  // ("What satellite was used when Sky Digital launched?").
  size_t first_what = std::min(WordPos(q, "what"), WordPos(q, "which"));
  auto leads = [&](std::string_view w) { return WordPos(q, w) < first_what; };
  if (HasWord(q, "how many") || HasWord(q, "how long") || HasWord(q, "how old") || HasWord(q, "how far") ||
      HasWord(q, "how big") || HasWord(q, "how large") || HasWord(q, "what percentage") || HasWord(q, "what number"))
    return QuestionType::kCount;
  // "What is the population of ...", "What was the final score": a measure is a number.
  {
    static const std::set<std::string> kMeasures = {
        "population", "temperature", "percentage", "percent", "score", "rate", "speed", "distance", "length",
        "height", "weight", "age", "area", "efficiency", "ratio", "total", "capacity", "depth", "width",
        "elevation", "altitude", "size", "salary", "budget", "revenue", "density", "frequency", "wavelength",
        "voltage", "mass", "diameter", "duration", "attendance", "gauge"};
    for (std::string_view wh : {"what", "which"}) {
      size_t p = WordPos(q, wh);
      if (p == std::string::npos) continue;
      std::vector<std::string> next;
      std::string w;
      for (size_t i = p + wh.size(); i <= q.size() && next.size() < 5; ++i) {
        if (i < q.size() && std::isalpha(static_cast<unsigned char>(q[i]))) w += q[i];
        else if (!w.empty()) next.push_back(w), w.clear();
      }
      // what [is|was|are|were] [the] [adjective] <measure>
      size_t k = 0;
      if (k < next.size() && (next[k] == "is" || next[k] == "was" || next[k] == "are" || next[k] == "were")) ++k;
      if (k < next.size() && next[k] == "the") ++k;
      for (size_t m = k; m < std::min(next.size(), k + 2); ++m)
        if (kMeasures.count(next[m])) return QuestionType::kCount;
    }
  }
  if (HasWord(q, "how much") || HasWord(q, "what price") || HasWord(q, "what amount") || HasWord(q, "what cost"))
    return QuestionType::kAmount;
  if (leads("when") || HasWord(q, "what year") || HasWord(q, "which year") || HasWord(q, "what date") ||
      HasWord(q, "what day") || HasWord(q, "what century") || HasWord(q, "what decade") || HasWord(q, "in what year"))
    return QuestionType::kDate;
  if (HasWord(q, "price") || HasWord(q, "cost") || HasWord(q, "fee")) return QuestionType::kAmount;
  if (leads("who") || leads("whom") || leads("whose")) return QuestionType::kPerson;
  if (leads("where") || HasWord(q, "what city") || HasWord(q, "what country") || HasWord(q, "which city") ||
      HasWord(q, "which country") || HasWord(q, "what state"))
    return QuestionType::kPlace;
  if (leads("why") || HasWord(q, "how do") || HasWord(q, "how does") || HasWord(q, "how did") ||
      HasWord(q, "how can") || HasWord(q, "how is") || HasWord(q, "how are") || HasWord(q, "how was"))
    return QuestionType::kReason;
  if (HasWord(q, "which")) return QuestionType::kWhich;
  if (HasWord(q, "what")) return QuestionType::kWhat;
  return QuestionType::kOther;
}

Pick FirstSentence(const std::vector<AnswerPassage>& passages) {
  Pick p;
  if (passages.empty()) return p;
  auto s = SplitSentences(passages[0].text);
  if (s.empty()) return p;
  p.passage = 0;
  p.start = s[0].first;
  p.end = s[0].second;
  p.why = "first sentence of the top passage";
  return p;
}

Pick BestBm25Sentence(const std::string& question, const std::vector<AnswerPassage>& passages,
                      const text::Analyzer& analyzer, const std::function<double(const std::string&)>& idf) {
  std::vector<text::Token> qt;
  analyzer.Analyze(question, &qt);
  std::set<std::string> q;
  for (const auto& t : qt) q.insert(t.term);
  struct S { int p; size_t b, e; std::map<std::string, int> tf; size_t len; };
  std::vector<S> all;
  double total_len = 0;
  for (size_t pi = 0; pi < passages.size(); ++pi) {
    for (auto [b, e] : SplitSentences(passages[pi].text)) {
      std::vector<text::Token> st;
      analyzer.Analyze(std::string_view(passages[pi].text).substr(b, e - b), &st);
      S s{static_cast<int>(pi), b, e, {}, st.size()};
      for (const auto& t : st)
        if (q.count(t.term)) s.tf[t.term]++;
      total_len += st.size();
      all.push_back(std::move(s));
    }
  }
  Pick best;
  if (all.empty()) return best;
  const double avg = total_len / all.size(), k1 = 1.2, b = 0.75;
  best.score = -1;
  for (const auto& s : all) {
    double score = 0;
    for (const auto& [t, tf] : s.tf) {
      double w = idf ? idf(t) : 1.0;
      score += w * tf * (k1 + 1) / (tf + k1 * (1 - b + b * s.len / std::max(avg, 1.0)));
    }
    if (score > best.score) {
      best.score = score;
      best.passage = s.p;
      best.start = s.b;
      best.end = s.e;
    }
  }
  best.why = "sentence with the highest BM25 score";
  return best;
}

Result<Answer> ReadExtractive(const ReaderInput& in, const AskOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  Answer ans;
  auto an = SharedAnalyzer(in.analyzer);
  if (!an.ok()) return an.status();
  const text::Analyzer& analyzer = **an;
  const QuestionType qtype = ClassifyQuestion(in.question);

  // Question terms and their weights.
  std::vector<text::Token> qtokens;
  analyzer.Analyze(in.question, &qtokens);
  std::map<std::string, double> weight;
  for (const auto& t : qtokens) {
    if (IsQuestionWord(t.term)) continue;
    weight[t.term] = in.idf ? std::max(0.05, in.idf(t.term)) : 1.0;
  }
  double total_weight = 0;
  std::string terms_line;
  for (const auto& [t, w] : weight) {
    total_weight += w;
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.2f)", w);
    terms_line += (terms_line.empty() ? "" : ", ") + t + buf;
  }
  ans.trace.push_back({"question", std::string("type ") + QuestionTypeName(qtype) + "; weighted terms: " +
                                       (terms_line.empty() ? "none" : terms_line)});
  const bool zh_question = HasHanText(in.question);
  const std::string lq = ingest::AsciiLower(in.question);  // the question, ASCII letters lowered
  // The unit a count question names ("how many days" -> "day", "多少天" -> "天"): numbers with it come first.
  std::string unit;
  {
    for (std::string_view lead : {"how many ", "how much "}) {
      size_t p = lq.find(lead);
      if (p == std::string::npos) continue;
      size_t b = p + lead.size(), e = b;
      while (e < lq.size() && std::isalpha(static_cast<unsigned char>(lq[e]))) ++e;
      unit = lq.substr(b, std::min<size_t>(e - b, 3));  // a prefix: day/days, tonne/tonnes
    }
    for (std::string_view lead : {"多少", "几", "幾"}) {
      size_t p = in.question.find(lead);
      if (p == std::string::npos || p + lead.size() >= in.question.size()) continue;
      size_t len = 1;
      char32_t c = DecodeAt(in.question, p + lead.size(), &len);
      if (IsHan(c)) unit = in.question.substr(p + lead.size(), len);
    }
    if (unit.size() < 2 && !zh_question) unit.clear();
  }
  // Chinese keeps the question word where the answer goes ("X的祖籍是哪里" / "X的祖籍是上海"):
  // terms before it should precede the answer, terms after it follow it.
  std::map<std::string, int> side;
  if (zh_question) {
    size_t wh = std::string::npos;
    for (std::string_view w : {"什么", "什麼", "甚麼", "谁", "誰", "哪", "多少", "几", "幾", "何"}) {
      size_t p = in.question.find(w);
      if (p != std::string::npos) wh = std::min(wh, p);
    }
    if (wh != std::string::npos)
      for (const auto& t : qtokens) side[t.term] = t.begin < wh ? -1 : 1;
  }
  // English read as a statement: "...the presence of what molecule?" -> "the presence of [melatonin]": the
  // question's terms before its question word (en_left) precede the answer, those after it (en_right) follow.
  std::vector<std::string> en_left, en_right;
  if (!zh_question) {
    const QuestionGap gap = FindQuestionGap(in.question);
    if (gap.found)
      for (const auto& t : qtokens) {
        if (IsQuestionWord(t.term)) continue;
        if (t.begin < gap.left_end) {
          en_left.push_back(t.term);
          if (Tune().en_side > 0) side[t.term] = -1;
        } else if (t.begin >= gap.right_begin) {
          en_right.push_back(t.term);
          if (Tune().en_side > 0) side[t.term] = 1;
        }
      }
  }
  // English "how" and "why" questions (how did X V, how often, why was X V-ed) read as a statement: the manner,
  // degree or reason follows the question's own words ("pharmacists are regulated [separately from physicians]").
  bool how_question = false;
  if (!zh_question && Tune().how_span > 0 && (qtype == QuestionType::kReason || qtype == QuestionType::kOther)) {
    how_question = HasWord(lq, "how") || HasWord(lq, "why");
    if (how_question)
      for (const auto& t : qtokens)
        if (!IsQuestionWord(t.term)) side[t.term] = -1;
  }
  // "What did X V?" read as "X V-ed [answer]": the object follows the question's words; so, often, does what
  // "What is X?" asks ("X is [answer]"), where the words after the question's terms join the other candidates.
  bool did_question = false, be_question = false;
  if (!zh_question && qtype == QuestionType::kWhat) {
    // The question word leads the question or its main clause ("After rejecting X, what did Luther call for?").
    auto leads = [&](std::string_view w) {
      return lq.starts_with(w) || (Tune().clause_lead > 0 && lq.find(", " + std::string(w)) != std::string::npos);
    };
    did_question = Tune().what_did > 0 && (leads("what did ") || leads("what does ") || leads("what do ")) &&
                   !lq.ends_with(" do?") && !lq.ends_with(" do");
    if (Tune().what_is > 0)
      be_question = leads("what is ") || leads("what was ") || leads("what are ") || leads("what were ");
    if (did_question || be_question)
      for (const auto& t : qtokens)
        if (!IsQuestionWord(t.term)) side[t.term] = -1;
  }
  // Chinese: the question's character bigrams (outside its question words), a check on segmentation.
  std::set<std::string> qbigrams;
  if (zh_question) {
    std::vector<std::pair<size_t, size_t>> chars;
    for (size_t i = 0; i < in.question.size();) {
      size_t len = 1;
      char32_t c = DecodeAt(in.question, i, &len);
      if (IsHan(c)) chars.push_back({i, len});
      else chars.push_back({i, 0});
      i += len;
    }
    for (size_t k = 0; k + 1 < chars.size(); ++k) {
      if (!chars[k].second || !chars[k + 1].second || chars[k + 1].first != chars[k].first + chars[k].second) continue;
      std::string bg = in.question.substr(chars[k].first, chars[k].second + chars[k + 1].second);
      bool wh = false;
      for (std::string_view w : {"什", "么", "麼", "谁", "誰", "哪", "多少", "几", "幾", "何"})
        wh |= bg.find(w) != std::string::npos;
      if (!wh) qbigrams.insert(bg);
    }
  }
  // English what/which questions: the noun they ask for ("What satellite was used" -> satellite), which
  // the answer often stands right before ("the Astra 2A satellite").
  std::string head_term, head_word;
  if (!zh_question && (qtype == QuestionType::kWhat || qtype == QuestionType::kWhich)) {
    head_word = HeadNoun(in.question, Tune().head_phrase > 0);
    std::vector<text::Token> ht;
    if (!head_word.empty()) analyzer.Analyze(head_word, &ht);
    if (ht.size() == 1) head_term = ht[0].term;
  }
  bool kind_question = false;  // "what kind/type/sort/form of <noun>"
  if (!head_term.empty() && Tune().kind_mod > 0) {
    for (std::string_view k : {"kind of", "kinds of", "type of", "types of", "sort of", "sorts of", "form of", "forms of"})
      kind_question |= HasWord(lq, std::string(k));
  }
  const ZhQuestionContext zh_context = zh_question ? SplitAroundQuestionWord(in.question) : ZhQuestionContext{};
  std::set<std::string> question_entities;
  for (const auto& e : FindEntities(in.question)) question_entities.insert(e.norm);

  // Sentences of every passage, scored by the question weight they cover.
  std::vector<SentenceInfo> sentences;
  for (size_t pi = 0; pi < in.passages.size(); ++pi) {
    const std::string& text = in.passages[pi].text;
    std::vector<text::Token> tokens;
    analyzer.Analyze(text, &tokens);
    size_t ti = 0;
    for (auto [b, e] : SplitSentences(text)) {
      SentenceInfo s;
      s.passage = static_cast<int>(pi);
      s.begin = b;
      s.end = e;
      while (ti < tokens.size() && tokens[ti].begin < b) ++ti;
      while (ti < tokens.size() && tokens[ti].end <= e) s.tokens.push_back(tokens[ti++]);
      std::set<std::string> seen;
      double covered = 0;
      for (const auto& t : s.tokens) {
        auto it = weight.find(t.term);
        if (it != weight.end() && seen.insert(t.term).second) {
          covered += it->second;
          s.matched.push_back(t.term);
        }
      }
      s.coverage = total_weight > 0 ? covered / total_weight : 0;
      // Chinese: mostly the share of the question's character bigrams found (chosen on cmrc2018-dev:
      // F1 33.0 with words alone, 34.6 with 0.8 bigrams), so a word segmented differently still counts.
      if (zh_question && !qbigrams.empty()) {
        const std::string st = text.substr(b, e - b);
        size_t found = 0;
        for (const auto& bg : qbigrams) found += st.find(bg) != std::string::npos;
        const double bw = 0.8;
        s.coverage = (1 - bw) * s.coverage + bw * static_cast<double>(found) / qbigrams.size();
      }
      sentences.push_back(std::move(s));
    }
  }
  auto t_read_start = t0;
  (void)t_read_start;
  if (sentences.empty() || total_weight == 0) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    ans.trace.push_back({"decision", sentences.empty() ? "no passage text to read" : "the question has no searchable terms"});
    return ans;
  }
  // Rank sentences: coverage, a little for the passage's rank.
  std::vector<size_t> order(sentences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // A sentence that is itself a question (an FAQ's, a heading's) does not answer one.
  auto is_question = [&](const SentenceInfo& s) {
    std::string_view t = std::string_view(in.passages[s.passage].text).substr(s.begin, s.end - s.begin);
    return (!t.empty() && t.back() == '?') || (t.size() >= 3 && t.substr(t.size() - 3) == "？");
  };
  auto sentence_score = [&](const SentenceInfo& s) { return s.coverage - 0.02 * s.passage - (is_question(s) ? 0.5 : 0); };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sentence_score(sentences[a]) > sentence_score(sentences[b]); });

  // Candidate spans in the best sentences.
  struct Cand {
    size_t sentence = 0;
    size_t start = 0, end = 0;  // passage bytes
    double score = 0;
    std::string kind;           // "number", "date", "name", "phrase", "sentence"
    std::string near;           // nearest question term
    size_t distance = 0;
    std::string side;           // "context" spans: "after" / "before" the question's context
  };
  std::vector<Cand> cands;
  const size_t top = std::min<size_t>(static_cast<size_t>(std::max(1.0, Tune().top)), order.size());
  for (size_t oi = 0; oi < top; ++oi) {
    const SentenceInfo& s = sentences[order[oi]];
    const std::string& text = in.passages[s.passage].text;
    const size_t n = s.tokens.size();
    std::vector<bool> is_q(n);
    for (size_t i = 0; i < n; ++i) is_q[i] = weight.count(s.tokens[i].term) > 0;
    // Proximity of a token range to the question terms: each term at its nearest occurrence.
    auto proximity = [&](size_t tb, size_t te, std::string* near, size_t* nearest) {
      std::map<std::string, size_t> best_d;
      std::map<std::string, double> best_p;
      const double dec = 1.0, wrong = 0.1;  // a term on the wrong side of a Chinese answer counts a tenth
      for (size_t i = 0; i < n; ++i) {
        if (!is_q[i]) continue;
        const std::string& t = s.tokens[i].term;
        size_t d = i < tb ? tb - i : (i >= te ? i - te + 1 : 0);
        double f = 1;
        auto sd = side.find(t);
        if (sd != side.end() && ((sd->second < 0 && i >= tb) || (sd->second > 0 && i < te))) f = wrong;
        double p = f * weight[t] / std::pow(1.0 + d, dec);
        if (p > best_p[t]) best_p[t] = p;
        auto it = best_d.find(t);
        if (it == best_d.end() || d < it->second) best_d[t] = d;
      }
      double p = 0;
      *nearest = SIZE_MAX;
      for (const auto& [t, d] : best_d) {
        p += best_p[t];
        if (d < *nearest) *nearest = d, *near = t;
      }
      return total_weight > 0 ? p / total_weight : 0;
    };
    auto token_range = [&](size_t b, size_t e, size_t* tb, size_t* te) {
      *tb = n;
      *te = 0;
      for (size_t i = 0; i < n; ++i)
        if (s.tokens[i].end > b && s.tokens[i].begin < e) *tb = std::min(*tb, i), *te = i + 1;
      if (*tb == n) {  // no token inside (e.g. a stop word): the position it would have
        size_t i = 0;
        while (i < n && s.tokens[i].begin < b) ++i;
        *tb = i;
        *te = i;
      }
    };
    // English: how many of the question's terms next to its question word stand right before (en_left's
    // end) and right after (en_right's start) tokens [tb, te), in the question's order.
    auto en_anchor = [&](size_t tb, size_t te, std::string* near) {
      size_t lk = 0, rk = 0;
      while (lk < en_left.size() && lk < tb && s.tokens[tb - lk - 1].term == en_left[en_left.size() - lk - 1]) ++lk;
      while (rk < en_right.size() && te + rk < n && s.tokens[te + rk].term == en_right[rk]) ++rk;
      if (lk + rk > 0) *near = lk ? s.tokens[tb - 1].term : s.tokens[te].term;
      return std::min(1.0, static_cast<double>(lk + rk) / 2.0);
    };
    const double sscore = sentence_score(s);
    // Typed entities. A question that wants a number, date or name prefers a phrase holding one.
    const bool typed = qtype == QuestionType::kCount || qtype == QuestionType::kAmount || qtype == QuestionType::kDate ||
                       (!zh_question && (qtype == QuestionType::kPerson || qtype == QuestionType::kPlace));
    std::string_view sentence_text = std::string_view(text).substr(s.begin, s.end - s.begin);
    for (const auto& e : FindEntities(sentence_text)) {
      if (question_entities.count(e.norm)) continue;
      const bool wanted = WantsEntity(qtype, e);
      if (!wanted && (e.kind != Entity::Kind::kName || (qtype != QuestionType::kWhich && qtype != QuestionType::kWhat)))
        continue;
      // Latin names inside Chinese text are glosses, not answers; a lone capitalised first word is no name.
      if (e.kind == Entity::Kind::kName && (zh_question || (e.begin == 0 && e.norm.find(' ') == std::string::npos)))
        continue;
      Cand c;
      c.sentence = order[oi];
      c.start = s.begin + e.begin;
      c.end = s.begin + e.end;
      // A recognised part of a word is the whole word ("1940" of "1940s").
      while (c.end < s.end && std::isalnum(static_cast<unsigned char>(text[c.end]))) ++c.end;
      while (c.start > s.begin && std::isalnum(static_cast<unsigned char>(text[c.start - 1]))) --c.start;
      if (e.kind == Entity::Kind::kNumber && Tune().ranges > 0) {
        // A range or a clock time is one answer: 9–18, 20-18, 4:51.
        auto digit_at = [&](size_t p) { return p < s.end && std::isdigit(static_cast<unsigned char>(text[p])); };
        for (std::string_view joint : {"–", "-", ":"}) {
          if (std::string_view(text).substr(c.end).starts_with(joint) && digit_at(c.end + joint.size())) {
            c.end += joint.size();
            while (c.end < s.end && std::isalnum(static_cast<unsigned char>(text[c.end]))) ++c.end;
          }
          if (c.start >= s.begin + joint.size() + 1 &&
              std::string_view(text).substr(c.start - joint.size(), joint.size()) == joint &&
              std::isdigit(static_cast<unsigned char>(text[c.start - joint.size() - 1]))) {
            c.start -= joint.size();
            while (c.start > s.begin && std::isalnum(static_cast<unsigned char>(text[c.start - 1]))) --c.start;
          }
        }
      }
      size_t tb, te;
      token_range(c.start, c.end, &tb, &te);
      bool overlaps_q = false;  // a number's unit may be a question word ("how many days": "10 days")
      size_t q_inside = 0, head_inside = 0;
      for (size_t i = tb; i < (e.kind == Entity::Kind::kNumber ? std::min(te, tb + 1) : te); ++i) {
        overlaps_q |= is_q[i];
        q_inside += is_q[i];
        head_inside += !head_term.empty() && s.tokens[i].term == head_term;
      }
      // A name may hold the noun the question asks for ("What gorge ...?" -> "the Rhine Gorge"), not its other terms.
      const bool named_head = Tune().head_incl > 0 && e.kind == Entity::Kind::kName && head_inside > 0 &&
                              q_inside == head_inside && te - tb > q_inside;
      if (overlaps_q && !named_head) continue;
      double prox = proximity(tb, te, &c.near, &c.distance);
      double type = wanted ? 0.6 : Tune().what_name;
      if (wanted && qtype == QuestionType::kAmount && e.has_unit) type += 0.2;
      const std::string surface = ingest::AsciiLower(sentence_text.substr(e.begin, e.end - e.begin));
      if (wanted && !unit.empty() && e.kind == Entity::Kind::kNumber) {
        size_t u = surface.find(unit);
        if (u != std::string::npos && (zh_question || (u > 0 && surface[u - 1] == ' '))) type += 0.4;
      }
      if (named_head) type += Tune().head;
      if (!zh_question && e.kind == Entity::Kind::kName && Tune().poss > 0) {
        // A possessive is the name, not its "'s" ("Marconi's" -> "Marconi").
        for (std::string_view poss : {"'s", "’s", "'"})
          if (c.end - c.start > poss.size() + 1 && std::string_view(text).substr(c.start, c.end - c.start).ends_with(poss)) {
            c.end -= poss.size();
            break;
          }
      }
      if (!zh_question && (qtype == QuestionType::kPerson || qtype == QuestionType::kPlace) &&
          e.kind == Entity::Kind::kName && Tune().calendar > 0 && IsCalendarWord(surface))
        continue;  // "September", "Tuesday": neither a person nor a place
      if (!zh_question && qtype == QuestionType::kPerson && e.kind == Entity::Kind::kName && Tune().who_thing > 0 &&
          NamesAThing(surface))
        type -= Tune().who_thing;  // "who" asks for a person: not "Academy Award", "Middle East"
      c.score = sscore + Tune().prox * prox + type;
      c.kind = EntityKindName(e.kind);
      if (std::string anchor_term; Tune().en_anchor > 0 && en_anchor(tb, te, &anchor_term) > 0) {
        c.score += Tune().en_anchor * en_anchor(tb, te, &anchor_term);
        c.side = "anchor";
        c.near = anchor_term;
      }
      cands.push_back(c);
    }
    // Chinese: the run of characters next to the question's own context ("追封为什么" -> after "追封").
    if (zh_question && (!zh_context.left.empty() || !zh_context.right.empty())) {
      const std::vector<Char> sc = Chars(sentence_text);
      ZhAnchorSpan a;
      if (FindZhAnchorSpan(sc, zh_context, static_cast<size_t>(Tune().zh_min_anchor),
                           static_cast<size_t>(Tune().zh_max_chars), &a)) {
        Cand c;
        c.sentence = order[oi];
        c.start = s.begin + sc[a.begin].at;
        c.end = s.begin + (a.end < sc.size() ? sc[a.end].at : sentence_text.size());
        const double strength = std::min(1.0, (a.left_match + a.right_match) / 4.0);
        c.score = sscore + Tune().zh_anchor * strength;
        c.kind = "context";
        c.near = a.left_match ? ToUtf8(a.left_text) : ToUtf8(a.right_text);
        c.distance = 0;
        c.side = a.left_match ? "after" : "before";
        cands.push_back(c);
      }
    }
    // Chinese: a name ending with the noun the question asks for ("哪一个海峡" -> "琼州海峡"): the characters
    // before that noun that the question does not use.
    if (zh_question && !zh_context.type_noun.empty() && Tune().zh_type > 0) {
      const std::vector<Char> sc = Chars(sentence_text);
      for (size_t p = FindChars(sc, zh_context.type_noun, 1); p != std::string::npos;
           p = FindChars(sc, zh_context.type_noun, p + 1)) {
        size_t b = p;
        while (b > 0 && p - b < static_cast<size_t>(Tune().zh_type_chars) && IsHan(sc[b - 1].c) &&
               !IsOneOf(sc[b - 1].c, kZhEdge) && zh_context.all.find(sc[b - 1].c) == std::u32string::npos)
          --b;
        if (b == p) continue;
        const size_t e = p + zh_context.type_noun.size();
        Cand c;
        c.sentence = order[oi];
        c.start = s.begin + sc[b].at;
        c.end = s.begin + (e < sc.size() ? sc[e].at : sentence_text.size());
        c.score = sscore + Tune().zh_type;
        c.kind = "typed";
        c.near = ToUtf8(zh_context.type_noun);
        cands.push_back(c);
      }
    }
    // English what/which questions: the words a naming or example cue introduces ("such as cortisol and
    // catecholamines", "called \"ctenes\"", "known as the hockey stick graph").
    if (!zh_question && Tune().cue > 0 && (qtype == QuestionType::kWhat || qtype == QuestionType::kWhich)) {
      const std::string lower = ingest::AsciiLower(sentence_text);
      for (std::string_view cue : {"such as", "including", "includes", "include", "called", "named", "known as",
                                   "referred to as", "termed", "dubbed"}) {
        for (size_t p = lower.find(cue); p != std::string::npos; p = lower.find(cue, p + 1)) {
          if ((p > 0 && std::isalpha(static_cast<unsigned char>(lower[p - 1]))) ||
              (p + cue.size() < lower.size() && std::isalpha(static_cast<unsigned char>(lower[p + cue.size()]))))
            continue;
          const size_t from = s.begin + p + cue.size();
          size_t tb = 0;
          while (tb < n && s.tokens[tb].begin < from) ++tb;
          if (tb == n || is_q[tb]) continue;
          // Up to a break, a question term or max_len tokens.
          if (BreaksSpan(std::string_view(text).substr(from, s.tokens[tb].begin - from)) &&
              std::string_view(text).substr(from, s.tokens[tb].begin - from).find('"') == std::string_view::npos)
            continue;
          size_t te = tb + 1;
          while (te < n && te - tb < static_cast<size_t>(Tune().max_len) && !is_q[te] &&
                 !BreaksSpan(std::string_view(text).substr(s.tokens[te - 1].end, s.tokens[te].begin - s.tokens[te - 1].end)))
            ++te;
          Cand c;
          c.sentence = order[oi];
          c.start = s.tokens[tb].begin;
          c.end = s.tokens[te - 1].end;
          c.score = sscore + Tune().prox * proximity(tb, te, &c.near, &c.distance) + Tune().cue;
          c.kind = "phrase";
          c.side = "cue";
          c.near = std::string(cue);
          cands.push_back(c);
        }
      }
    }
    // English what/which questions: a quoted title or term ("A Machine to End War"), as a name.
    if (!zh_question && Tune().quoted > 0 && (qtype == QuestionType::kWhat || qtype == QuestionType::kWhich)) {
      for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"\"", "\""}, {"“", "”"}}) {
        size_t p = sentence_text.find(open);
        while (p != std::string_view::npos) {
          const size_t q = sentence_text.find(close, p + open.size());
          if (q == std::string_view::npos) break;
          size_t tb, te;
          token_range(s.begin + p + open.size(), s.begin + q, &tb, &te);
          size_t inside_q = 0;
          for (size_t k = tb; k < te; ++k) inside_q += is_q[k];
          if (te > tb && te - tb <= 12 && inside_q * 2 < te - tb) {
            Cand c;
            c.sentence = order[oi];
            c.start = s.begin + p + open.size();
            c.end = s.begin + q;
            c.score = sscore + Tune().prox * proximity(tb, te, &c.near, &c.distance) + Tune().what_name;
            c.kind = "quoted";
            cands.push_back(c);
          }
          p = sentence_text.find(open, q + close.size());
        }
      }
    }
    // English how/why questions: the words right after a question term, up to a break or the next question term;
    // question terms before the span count fully, those after it a tenth (`side`).
    if (how_question || did_question || be_question) {
      for (size_t k = 1; k < n; ++k) {
        if (is_q[k] || !is_q[k - 1]) continue;
        size_t e = k + 1;
        while (e < n && !is_q[e] && e - k < static_cast<size_t>(Tune().how_len) &&
               !BreaksSpan(std::string_view(text).substr(s.tokens[e - 1].end, s.tokens[e].begin - s.tokens[e - 1].end)))
          ++e;
        if (BreaksSpan(std::string_view(text).substr(s.tokens[k - 1].end, s.tokens[k].begin - s.tokens[k - 1].end)))
          continue;  // a new clause starts: not what the question's words lead to
        Cand c;
        c.sentence = order[oi];
        c.start = s.tokens[k].begin;  // without the stop words before it (with them: xquad-en F1 -0.1)
        c.end = s.tokens[e - 1].end;
        // Not inside a hyphenated word ("four" of "four-class").
        while (c.end + 1 < s.end && (text[c.end] == '-' || text[c.end] == '\'') &&
               std::isalnum(static_cast<unsigned char>(text[c.end + 1]))) {
          ++c.end;
          while (c.end < s.end && std::isalnum(static_cast<unsigned char>(text[c.end]))) ++c.end;
        }
        c.score = sscore + Tune().prox * proximity(k, e, &c.near, &c.distance);
        c.kind = "phrase";
        c.side = "how";
        c.near = s.tokens[k - 1].term;
        cands.push_back(c);
      }
    }
    // Phrases: runs of tokens that are not question terms, unbroken by punctuation.
    size_t cp_len = 1;
    const bool han = n > 0 && IsHan(DecodeAt(text, s.tokens[0].begin, &cp_len));
    const size_t max_len = han ? 8 : static_cast<size_t>(Tune().max_len);  // tokens (Chinese: words)
    size_t i = 0;
    while (i < n) {
      if (is_q[i]) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < n && !is_q[j] &&
             !BreaksSpan(std::string_view(text).substr(s.tokens[j - 1].end, s.tokens[j].begin - s.tokens[j - 1].end)))
        ++j;
      // [i, j) is a run: without function words at its edges, at most max_len tokens next to the nearer question term.
      size_t rb = i, re = j;
      while (rb < re && IsEdgeWord(s.tokens[rb].term)) ++rb;
      while (re > rb && IsEdgeWord(s.tokens[re - 1].term)) --re;
      if (rb == re) {
        i = j;
        continue;
      }
      std::vector<std::pair<size_t, size_t>> spans;
      {
        if (re - rb > max_len) {
          bool left_q = rb > 0 && is_q[rb - 1];
          bool right_q = re < n && is_q[re];
          if (right_q && !left_q) rb = re - max_len;
          else re = rb + max_len;
        }
        spans.push_back({rb, re});
      }
      for (auto [sb, se] : spans) {
        while (se > sb && IsEdgeWord(s.tokens[se - 1].term)) --se;
        while (sb < se && IsEdgeWord(s.tokens[sb].term)) ++sb;
        if (sb == se) continue;
        Cand c;
        c.sentence = order[oi];
        c.start = s.tokens[sb].begin;
        c.end = s.tokens[se - 1].end;
        double prox = proximity(sb, se, &c.near, &c.distance);
        bool has_wanted = false;
        for (const auto& e : FindEntities(std::string_view(text).substr(c.start, c.end - c.start)))
          has_wanted |= WantsEntity(qtype, e) && !question_entities.count(e.norm);
        // Weights chosen on xquad-en and cmrc2018-dev (EVALUATION.md); a length penalty measured worse.
        c.score = sscore + Tune().prox * prox + (has_wanted ? 0.3 : typed ? -0.3 : 0);
        // Between question terms ("proclaimed itself [a caliphate] in 2014"), or next to one.
        if (!han) c.score += Tune().len_bonus * static_cast<double>(se - sb - 1);
        if (!head_term.empty() && se < n && s.tokens[se].term == head_term &&
            !BreaksSpan(std::string_view(text).substr(s.tokens[se - 1].end, s.tokens[se].begin - s.tokens[se - 1].end))) {
          // Right before the noun the question asks for (no punctuation between): the words just before it.
          Cand h = c;
          size_t hb = se - std::min<size_t>(se - sb, static_cast<size_t>(Tune().head_len));
          if (kind_question) {
            // "What kind of farmers" asks for the kind: the words joined to the noun, without it ("soy",
            // "moist broadleaf", "multi-cultural"), not across a stop word.
            auto joined = [&](size_t a) {
              for (char ch : std::string_view(text).substr(s.tokens[a].end, s.tokens[a + 1].begin - s.tokens[a].end))
                if (ch != ' ' && ch != '-') return false;
              return true;
            };
            hb = se - 1;
            while (hb > sb && se - hb < static_cast<size_t>(Tune().head_len) && joined(hb - 1)) --hb;
          }
          size_t b2 = hb;
          while (b2 < se && IsEdgeWord(s.tokens[b2].term)) ++b2;
          if (b2 < se) {
            h.start = s.tokens[b2].begin;
            if (Tune().head_incl > 0 && !kind_question)
              h.end = s.tokens[se].end;  // the noun belongs to the answer ("fundamental theorem")
            h.score = c.score + Tune().head;
            h.kind = "phrase";
            h.near = head_term;
            h.distance = 1;
            h.side = "head";
            cands.push_back(h);
          }
        }
        const bool q_before = sb > 0 && is_q[sb - 1], q_after = se < n && is_q[se];
        if (!han && q_before && q_after) c.score += Tune().between;
        else if (!han && (q_before || q_after)) c.score += Tune().adjacent;
        c.kind = "phrase";
        if (std::string anchor_term; !han && Tune().en_anchor > 0 && en_anchor(sb, se, &anchor_term) > 0) {
          c.score += Tune().en_anchor * en_anchor(sb, se, &anchor_term);
          c.side = "anchor";
          c.near = anchor_term;
          c.distance = 0;
        }
        cands.push_back(c);
      }
      i = j;
    }
  }
  if (how_question || (did_question && Tune().what_did > 1)) {  // only these spans compete; the whole sentence if none
    std::erase_if(cands, [](const Cand& c) { return c.side != "how"; });
  }
  if ((!IsFactoid(qtype) && !how_question) || cands.empty()) {
    const SentenceInfo& s = sentences[order[0]];
    cands.clear();
    cands.push_back({order[0], s.begin, s.end, sentence_score(s), "sentence", "", 0, ""});
  }
  const Cand* best = &cands[0];
  for (const auto& c : cands)
    if (c.score > best->score) best = &c;
  const SentenceInfo& bs = sentences[best->sentence];
  const AnswerPassage& bp = in.passages[bs.passage];
  {
    std::string matched;
    for (const auto& m : bs.matched) matched += (matched.empty() ? "" : ", ") + m;
    char buf[64];
    std::snprintf(buf, sizeof buf, "covers %.0f%% of the question's weight", bs.coverage * 100);
    ans.trace.push_back({"sentence", "[" + std::to_string(bs.passage + 1) + "] \"" +
                                         bp.text.substr(bs.begin, bs.end - bs.begin) + "\" " + buf +
                                         " (terms: " + (matched.empty() ? "none" : matched) + ")"});
  }
  {
    std::string why = best->kind == "sentence"
                          ? std::string("the question asks ") + QuestionTypeName(qtype) + ": the whole sentence answers"
                      : best->kind == "typed"
                          ? "a name ending with \"" + best->near + "\", the noun the " + QuestionTypeName(qtype) +
                                " question asks for, without the question's own words"
                      : best->kind == "context"
                          ? "the words " + best->side + " the question's own context \"" + best->near +
                                "\" (where the question word stands), for a " + QuestionTypeName(qtype) + " question"
                      : best->kind == "quoted"
                          ? "a quoted title or term, for a " + std::string(QuestionTypeName(qtype)) + " question"
                      : best->side == "cue"
                          ? "the words after \"" + best->near + "\", which names or gives examples, for a " +
                                QuestionTypeName(qtype) + " question"
                      : best->side == "anchor"
                          ? "the words next to \"" + best->near +
                                "\", the question's own context around its question word, for a " +
                                QuestionTypeName(qtype) + " question"
                      : best->side == "how"
                          ? "the words right after the question's terms (\"" + best->near +
                                "\"), which the answer to a how, why or what-did question follows"
                      : best->side == "head"
                          ? "the words right before \"" + best->near + "\", the noun the " + QuestionTypeName(qtype) +
                                " question asks for"
                          : best->kind + " span" +
                                (best->near.empty() ? std::string()
                                                    : ", " + std::to_string(best->distance) +
                                                          " token(s) from the question term \"" + best->near + "\"") +
                                ", for a " + QuestionTypeName(qtype) + " question";
    ans.trace.push_back({"span", "\"" + bp.text.substr(best->start, best->end - best->start) + "\": " + why});
  }
  ans.confidence = std::clamp(bs.coverage * in.known_share, 0.0, 1.0);
  if (in.known_share < 1) {
    char kb[128];
    std::snprintf(kb, sizeof kb, "%.0f%% of the question's weight is in words the collection contains (confidence scaled)",
                  in.known_share * 100);
    ans.trace.push_back({"coverage", kb});
  }
  Citation cite;
  cite.n = bs.passage + 1;
  cite.id = bp.id;
  cite.doc_id = bp.doc_id.empty() ? bp.id : bp.doc_id;
  cite.field = "body";
  cite.start = best->start;
  cite.end = best->end;
  cite.page = bp.page;
  cite.quote = bp.text.substr(best->start, best->end - best->start);
  auto t_read = std::chrono::steady_clock::now();
  ans.timings.read_ms = std::chrono::duration<double, std::milli>(t_read - t0).count();
  char buf[128];
  if (ans.confidence < options.not_found_threshold) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    std::snprintf(buf, sizeof buf, "confidence %.2f < not_found_threshold %.2f: not found (closest passages kept)",
                  ans.confidence, options.not_found_threshold);
    ans.trace.push_back({"decision", buf});
    ans.passages = in.passages;
    ans.citations.push_back(cite);  // the closest span, for the caller to show
    return ans;
  }
  ans.status = AnswerStatus::kAnswered;
  ans.text = cite.quote + " [" + std::to_string(cite.n) + "]";
  ans.citations.push_back(cite);
  std::snprintf(buf, sizeof buf, "confidence %.2f >= not_found_threshold %.2f: answered", ans.confidence,
                options.not_found_threshold);
  ans.trace.push_back({"decision", buf});
  ans.passages = in.passages;
  // Verify, as for every answer.
  std::vector<std::string> texts;
  for (const auto& p : in.passages) texts.push_back(p.text);
  VerifyResult v = VerifyAnswer(ans.text, texts, analyzer, options.unsupported);
  for (const auto& s : v.sentences) ans.trace.push_back({"verify", s.reason});
  ans.verified = v.all_supported;
  ans.citations[0].verified = v.all_supported;
  if (!v.all_supported && options.unsupported == UnsupportedPolicy::kDrop) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    ans.trace.push_back({"decision", "the verifier rejected the answer and the policy is drop"});
  }
  ans.timings.verify_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_read).count();
  return ans;
}

void SetStatistics(ReaderInput* in, CorpusStatistics statistics, bool principal) {
  auto st = std::make_shared<const CorpusStatistics>(std::move(statistics));
  in->idf = [st](const std::string& term) {
    auto it = st->doc_freq.find(term);
    return search::Bm25Weight::Idf(it == st->doc_freq.end() ? 0 : it->second, st->doc_count);
  };
  if (principal) return;
  // Terms only a question that keeps its stop words has (none for analyzers
  // whose queries are analyzed as their documents).
  std::set<std::string> stop_terms;
  if (auto an = SharedAnalyzer(in->analyzer, /*words=*/false); an.ok()) {
    std::vector<text::Token> all_words, content;
    (*an)->AnalyzeQuery(in->question, false, &all_words);
    (*an)->AnalyzeQuery(in->question, true, &content);
    for (const auto& t : all_words) stop_terms.insert(t.term);
    for (const auto& t : content) stop_terms.erase(t.term);
  }
  double known = 0, all = 0;
  for (const auto& [term, df] : st->doc_freq) {
    if (stop_terms.count(term)) continue;
    const double w = in->idf(term);
    all += w;
    if (df > 0) known += w;
  }
  if (all > 0) in->known_share = known / all;
}

}  // namespace glassbox::answer
