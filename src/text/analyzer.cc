// Analyzers: text -> terms with positions and byte offsets into the original text.
//
// Pipeline. The text is cut into chunks at ASCII whitespace (a UAX #29 word
// never spans ASCII whitespace). A chunk of pure ASCII goes through the ASCII
// fast path (ascii_segmenter.cc, the same boundaries ICU finds); runs of
// chunks with other bytes go through ICU's word BreakIterator over UTF-8.
// In the Chinese-aware analyzers ("auto", "chinese-*") runs of Han characters
// are cut out of those spans first, folded Traditional -> Simplified (OpenCC,
// one output character per input character so offsets stay exact) and
// segmented by jieba, ICU or bigrams. Words are folded with NFKC_Casefold;
// the English analyzers then apply the stop list and the Snowball stemmer.
#include <libstemmer.h>
#include <sys/stat.h>
#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

#include "text/analyzer.h"
#include "text/jieba.h"
#include "text/t2s.h"
#include "text/text_internal.h"

namespace glassbox::text {
namespace internal {
namespace {

constexpr const char* kDefaultJiebaDict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
constexpr const char* kDefaultOpenccConfig = "/usr/share/opencc/t2s.json";

// ---------------------------------------------------------------- ICU helpers

const icu::BreakIterator* WordBreakPrototype() {
  static const icu::BreakIterator* proto = [] {
    UErrorCode st = U_ZERO_ERROR;
    icu::BreakIterator* bi = icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), st);
    if (U_FAILURE(st)) {
      delete bi;
      std::fprintf(stderr, "glassbox: ICU word break iterator unavailable: %s\n", u_errorName(st));
      return static_cast<icu::BreakIterator*>(nullptr);
    }
    return bi;
  }();
  return proto;
}

// ICU break iterators are not thread-safe: each thread clones the prototype once.
struct IcuThread {
  std::unique_ptr<icu::BreakIterator> bi;
  UText ut = UTEXT_INITIALIZER;
  IcuThread() {
    if (const auto* p = WordBreakPrototype()) bi.reset(p->clone());
  }
  ~IcuThread() {
    bi.reset();
    utext_close(&ut);
  }
};

IcuThread& ThreadIcu() {
  thread_local IcuThread t;
  return t;
}

const icu::Normalizer2* NfkcCf() {
  static const icu::Normalizer2* n = [] {
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* r = icu::Normalizer2::getNFKCCasefoldInstance(st);
    return U_SUCCESS(st) ? r : nullptr;
  }();
  return n;
}

inline bool IsWordCodePoint(UChar32 c) { return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_N_MASK)) != 0; }

// ---------------------------------------------------------------- Snowball

struct StemThread {
  sb_stemmer* st = sb_stemmer_new("english", "UTF_8");
  ~StemThread() {
    if (st) sb_stemmer_delete(st);
  }
};

// A small direct-mapped per-thread cache of recent stems: word frequencies are
// skewed, so most words hit it and skip the Snowball call.
struct StemCache {
  static constexpr size_t kSize = 4096;
  static constexpr size_t kMaxWord = 24;
  struct Entry {
    std::string word, stem;
  };
  std::vector<Entry> entries{kSize};
};

void Stem(std::string* term) {
  thread_local StemThread t;
  thread_local StemCache cache;
  if (t.st == nullptr || term->empty()) return;
  StemCache::Entry* e = nullptr;
  if (term->size() <= StemCache::kMaxWord) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char b : *term) h = (h ^ b) * 1099511628211ull;
    e = &cache.entries[(h ^ (h >> 32)) & (StemCache::kSize - 1)];
    if (e->word == *term) {
      *term = e->stem;
      return;
    }
  }
  const sb_symbol* r = sb_stemmer_stem(t.st, reinterpret_cast<const sb_symbol*>(term->data()), static_cast<int>(term->size()));
  if (r == nullptr) return;
  if (e != nullptr) e->word = *term;
  term->assign(reinterpret_cast<const char*>(r), sb_stemmer_length(t.st));
  if (e != nullptr) e->stem = *term;
}

// ---------------------------------------------------------------- helpers

inline bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

inline bool IsHan(UChar32 c) {
  if (c < 0x2E80) return false;
  UErrorCode st = U_ZERO_ERROR;
  return uscript_getScript(c, &st) == USCRIPT_HAN;
}

// Compatibility ideographs, radicals and the like -> the unified ideograph (NFKC).
UChar32 FoldHan(UChar32 c) {
  if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c < 0x2F800) ||
      (c >= 0x30000 && c <= 0x3FFFF)) {
    return c;
  }
  const icu::Normalizer2* n = NfkcCf();
  if (n == nullptr) return c;
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString s(c);
  icu::UnicodeString r = n->normalize(s, st);
  if (U_FAILURE(st) || r.length() == 0 || r.countChar32() != 1) return c;
  return r.char32At(0);
}

void AppendUtf8(std::string* s, UChar32 c) {
  char buf[4];
  int32_t len = 0;
  UBool err = false;
  U8_APPEND(buf, len, 4, c, err);
  if (err) {
    s->append("\xEF\xBF\xBD");
  } else {
    s->append(buf, len);
  }
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string EnvOr(const char* var, const char* dflt) {
  const char* v = std::getenv(var);
  return (v != nullptr && *v != '\0') ? std::string(v) : std::string(dflt);
}

// ---------------------------------------------------------------- the analyzer

struct HanUnit {
  uint32_t begin, end;  // bytes in the original text (the character plus its combining marks)
  UChar32 cp;
};

class AnalyzerImpl final : public Analyzer {
 public:
  explicit AnalyzerImpl(AnalyzerConfig config) : cfg_(std::move(config)) {}

  const std::string& name() const override { return cfg_.name; }

  void Analyze(std::string_view text, std::vector<Token>* out, uint32_t first_position) const override {
    AnalyzeWith(text, out, first_position, cfg_.stop);
  }

  // Short questions keep their stop words (their question words are much of
  // what they share with stored questions); longer queries drop them.
  bool QueryDropsStopWords(std::string_view whole_query) const override {
    if (cfg_.query_stop_min <= 0) return cfg_.stop;
    std::vector<Token> content;
    AnalyzeWith(whole_query, &content, 0, true);
    std::set<std::string> distinct;
    for (const Token& t : content) distinct.insert(t.term);
    return distinct.size() >= static_cast<size_t>(cfg_.query_stop_min);
  }
  void AnalyzeQuery(std::string_view clause, bool drop_stop, std::vector<Token>* out) const override {
    AnalyzeWith(clause, out, 0, cfg_.query_stop_min > 0 ? drop_stop : cfg_.stop);
  }

 private:
  void AnalyzeWith(std::string_view text, std::vector<Token>* out, uint32_t first_position, bool stop) const {
    Sink sink{text, out, first_position, stop};
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    if (!cfg_.ascii_fast_path) {
      Complex(sink, 0, n);
      return;
    }
    thread_local std::vector<Span> spans;
    const bool* to_icu = AsciiRoutes().to_icu;
    size_t i = 0;
    while (i < n) {
      while (i < n && IsAsciiSpace(s[i])) ++i;
      if (i == n) break;
      size_t j = i;
      bool complex = false;
      while (j < n && !IsAsciiSpace(s[j])) complex |= to_icu[s[j++]];
      if (!complex) {
        spans.clear();
        AsciiWordSpans(text.substr(i, j - i), static_cast<uint32_t>(i), &spans);
        for (const Span& sp : spans) EmitAscii(sink, sp.first, sp.second);
        i = j;
        continue;
      }
      // Extend over the following chunks that are not pure ASCII, then hand the
      // whole stretch to the general path.
      size_t end = j;
      while (true) {
        size_t k = end;
        while (k < n && IsAsciiSpace(s[k])) ++k;
        if (k == n) break;
        size_t m = k;
        complex = false;
        while (m < n && !IsAsciiSpace(s[m])) complex |= to_icu[s[m++]];
        if (!complex) break;
        end = m;
      }
      Complex(sink, i, end);
      i = end;
    }
  }

 private:
  struct Sink {
    std::string_view text;
    std::vector<Token>* out;
    uint32_t position;
    bool stop;  // the English stop list applies
  };

  // Finishes a folded non-Han word: stop list, stemming, output.
  void Finish(Sink& sink, std::string&& term, uint32_t b, uint32_t e) const {
    if (sink.stop && IsEnglishStopWord(term)) {
      ++sink.position;  // a stopped word keeps its position
      return;
    }
    if (cfg_.stem) Stem(&term);
    sink.out->push_back(Token{std::move(term), sink.position++, b, e});
  }

  void EmitAscii(Sink& sink, uint32_t b, uint32_t e) const {
    std::string term(sink.text.data() + b, e - b);
    for (char& c : term) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    Finish(sink, std::move(term), b, e);
  }

  void EmitIcuWord(Sink& sink, uint32_t b, uint32_t e) const {
    std::string_view w = sink.text.substr(b, e - b);
    bool ascii = true;
    for (unsigned char c : w) ascii &= c < 0x80;
    if (ascii) return EmitAscii(sink, b, e);
    std::string term;
    const icu::Normalizer2* n = NfkcCf();
    if (n != nullptr) {
      UErrorCode st = U_ZERO_ERROR;
      icu::StringByteSink<std::string> bs(&term);
      n->normalizeUTF8(0, icu::StringPiece(w.data(), static_cast<int32_t>(w.size())), bs, nullptr, st);
      if (U_FAILURE(st)) term.assign(w);
    } else {
      term.assign(w);
    }
    if (term.empty()) return;  // only default-ignorable characters
    if (cfg_.stem) {
      // Fold the typographic apostrophe (U+2019) so "don’t" and "don't" agree.
      size_t p;
      while ((p = term.find("\xE2\x80\x99")) != std::string::npos) term.replace(p, 3, "'");
    }
    Finish(sink, std::move(term), b, e);
  }

  void IcuSpan(Sink& sink, size_t a, size_t b) const {
    if (a >= b) return;
    thread_local std::vector<Span> spans;
    spans.clear();
    IcuWordSpans(sink.text.substr(a, b - a), static_cast<uint32_t>(a), &spans);
    for (const Span& sp : spans) EmitIcuWord(sink, sp.first, sp.second);
  }

  // Text that is not pure ASCII: ICU, with Han runs cut out when the analyzer
  // segments Chinese itself.
  void Complex(Sink& sink, size_t a, size_t b) const {
    if (cfg_.han == HanMode::kInline) return IcuSpan(sink, a, b);
    const char* s = sink.text.data();
    thread_local std::vector<HanUnit> units;
    size_t other_start = a;
    int32_t i = static_cast<int32_t>(a);
    const int32_t end = static_cast<int32_t>(b);
    while (i < end) {
      UChar32 c;
      int32_t j = i;
      U8_NEXT(s, j, end, c);
      if (c < 0 || !IsHan(c)) {
        i = j;
        continue;
      }
      IcuSpan(sink, other_start, static_cast<size_t>(i));
      units.clear();
      units.push_back(HanUnit{static_cast<uint32_t>(i), static_cast<uint32_t>(j), c});
      i = j;
      while (i < end) {
        j = i;
        U8_NEXT(s, j, end, c);
        if (c < 0) break;
        if (IsHan(c)) {
          units.push_back(HanUnit{static_cast<uint32_t>(i), static_cast<uint32_t>(j), c});
        } else if (U_GET_GC_MASK(c) & (U_GC_MN_MASK | U_GC_ME_MASK)) {
          units.back().end = static_cast<uint32_t>(j);  // combining mark / variation selector
        } else {
          break;
        }
        i = j;
      }
      HanRun(sink, units);
      other_start = static_cast<size_t>(i);
    }
    IcuSpan(sink, other_start, b);
  }

  void HanRun(Sink& sink, const std::vector<HanUnit>& units) const {
    thread_local std::vector<int32_t> cps;
    thread_local std::string utf8;
    thread_local std::vector<uint32_t> starts;
    thread_local std::vector<uint32_t> ends;  // word ends, in characters
    cps.clear();
    for (const HanUnit& u : units) cps.push_back(FoldHan(u.cp));
    if (const T2S* t = Converter()) t->Convert(&cps);
    utf8.clear();
    starts.clear();
    for (int32_t c : cps) {
      starts.push_back(static_cast<uint32_t>(utf8.size()));
      AppendUtf8(&utf8, c);
    }
    starts.push_back(static_cast<uint32_t>(utf8.size()));
    const uint32_t n = static_cast<uint32_t>(cps.size());
    auto emit = [&](uint32_t x, uint32_t y) {  // characters [x, y)
      sink.out->push_back(Token{utf8.substr(starts[x], starts[y] - starts[x]), sink.position++, units[x].begin,
                                units[y - 1].end});
    };
    // Word ends (character indices) of the run by jieba's dictionary; single
    // characters when the dictionary could not be loaded.
    auto cut = [&] {
      ends.clear();
      if (const JiebaDict* d = Dict()) {
        d->Cut(utf8, starts, &ends);
      } else {
        for (uint32_t k = 1; k <= n; ++k) ends.push_back(k);
      }
    };
    // A token at the current position that does not advance it (kMulti's bigrams).
    auto emit_here = [&](uint32_t x, uint32_t y) {
      sink.out->push_back(Token{utf8.substr(starts[x], starts[y] - starts[x]), sink.position, units[x].begin,
                                units[y - 1].end});
    };
    switch (cfg_.han) {
      case HanMode::kMulti: {
        cut();
        uint32_t x = 0;
        for (uint32_t y : ends) {
          // Bigrams first, at the word's position; then the word, which advances it.
          if (y - x > 2)
            for (uint32_t k = x; k + 2 <= y; ++k) emit_here(k, k + 2);
          if (y < n) emit_here(y - 1, y + 1);  // across the word's end
          emit(x, y);
          x = y;
        }
        break;
      }
      case HanMode::kMix: {
        const MixConfig& m = cfg_.mix;
        ends.clear();
        if (m.words == HanMode::kJieba) {
          cut();
        } else if (m.words == HanMode::kIcu) {
          IcuEnds(utf8, starts, n, &ends);
        } else {
          for (uint32_t k = 1; k <= n; ++k) ends.push_back(k);
        }
        const bool unigrams = m.unigrams && m.words != HanMode::kInline;
        uint32_t x = 0;
        for (uint32_t y : ends) {
          emit(x, y);
          if (unigrams && y - x > 1)
            for (uint32_t k = x; k < y; ++k) emit(k, k + 1);
          if (m.bigrams)
            for (uint32_t k = x; k < y && k + 2 <= n; ++k) {
              emit(k, k + 2);
              if (!m.bigram_mark.empty()) sink.out->back().term.insert(0, m.bigram_mark);
            }
          x = y;
        }
        break;
      }
      case HanMode::kJieba: {
        cut();
        uint32_t x = 0;
        for (uint32_t y : ends) {
          emit(x, y);
          x = y;
        }
        break;
      }
      case HanMode::kIcu: {
        thread_local std::vector<Span> spans;
        spans.clear();
        IcuWordSpans(utf8, 0, &spans);
        // Byte offsets -> character indices (the spans are in order).
        uint32_t x = 0;
        for (const Span& sp : spans) {
          while (x < n && starts[x] < sp.first) ++x;
          uint32_t y = x;
          while (y < n && starts[y] < sp.second) ++y;
          if (y > x) emit(x, y);
          x = y;
        }
        break;
      }
      case HanMode::kBigram:
        if (n == 1) {
          emit(0, 1);
        } else {
          for (uint32_t x = 0; x + 1 < n; ++x) emit(x, x + 2);
        }
        break;
      case HanMode::kInline:
        break;
    }
  }

  // Word ends (character indices, the last one n) of the folded run `utf8`
  // by ICU's dictionary break iterator; a character ICU puts in no word ends
  // a word of its own.
  static void IcuEnds(const std::string& utf8, const std::vector<uint32_t>& starts, uint32_t n,
                      std::vector<uint32_t>* ends) {
    thread_local std::vector<Span> spans;
    spans.clear();
    IcuWordSpans(utf8, 0, &spans);
    uint32_t x = 0;
    for (const Span& sp : spans) {
      while (x < n && starts[x] < sp.first) ends->push_back(++x);
      uint32_t y = x;
      while (y < n && starts[y] < sp.second) ++y;
      if (y > x) ends->push_back(y);
      x = y;
    }
    while (x < n) ends->push_back(++x);
  }

  const JiebaDict* Dict() const {
    std::call_once(dict_once_, [this] {
      auto r = JiebaDict::Shared(cfg_.jieba_dict_path);
      if (r.ok()) {
        dict_ = r.value();
      } else {
        std::fprintf(stderr, "glassbox: %s; Chinese falls back to single characters\n",
                     r.status().ToString().c_str());
      }
    });
    return dict_.get();
  }

  const T2S* Converter() const {
    std::call_once(t2s_once_, [this] {
      auto r = T2S::Shared(cfg_.opencc_config);
      if (r.ok()) {
        t2s_ = r.value();
      } else {
        std::fprintf(stderr, "glassbox: %s; Traditional Chinese is not folded\n", r.status().ToString().c_str());
      }
    });
    return t2s_.get();
  }

  const AnalyzerConfig cfg_;
  mutable std::once_flag dict_once_, t2s_once_;
  mutable std::shared_ptr<const JiebaDict> dict_;
  mutable std::shared_ptr<const T2S> t2s_;
};

}  // namespace

void IcuWordSpans(std::string_view text, uint32_t base, std::vector<Span>* out) {
  if (text.empty()) return;
  IcuThread& t = ThreadIcu();
  if (!t.bi) return;
  UErrorCode st = U_ZERO_ERROR;
  utext_openUTF8(&t.ut, text.data(), static_cast<int64_t>(text.size()), &st);
  if (U_FAILURE(st)) return;
  t.bi->setText(&t.ut, st);
  if (U_FAILURE(st)) return;
  const char* s = text.data();
  int32_t start = t.bi->first();
  for (int32_t end = t.bi->next(); end != icu::BreakIterator::DONE; start = end, end = t.bi->next()) {
    if (t.bi->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;
    bool word = false;
    for (int32_t i = start; i < end && !word;) {
      UChar32 c;
      U8_NEXT(s, i, end, c);
      word = c >= 0 && IsWordCodePoint(c);
    }
    if (word) out->emplace_back(base + static_cast<uint32_t>(start), base + static_cast<uint32_t>(end));
  }
}

Result<std::shared_ptr<const Analyzer>> MakeAnalyzerFromConfig(const AnalyzerConfig& config) {
  const bool jieba = config.han == HanMode::kJieba || config.han == HanMode::kMulti ||
                     (config.han == HanMode::kMix && config.mix.words == HanMode::kJieba);
  if (jieba && !FileExists(config.jieba_dict_path)) {
    return Status::NotFound("jieba dictionary not found: " + config.jieba_dict_path +
                            " (install python3-jieba or set GLASSBOX_JIEBA_DICT to the path of dict.txt)");
  }
  if (config.han != HanMode::kInline && !FileExists(config.opencc_config)) {
    return Status::NotFound("OpenCC configuration not found: " + config.opencc_config +
                            " (install opencc or set GLASSBOX_OPENCC_CONFIG to the path of t2s.json)");
  }
  if (WordBreakPrototype() == nullptr || NfkcCf() == nullptr) {
    return Status::NotFound("ICU data (word break rules, nfkc_cf) not available");
  }
  return std::shared_ptr<const Analyzer>(std::make_shared<AnalyzerImpl>(config));
}

}  // namespace internal

std::vector<std::string> AnalyzerNames() {
  return {"auto",          "auto-stop",   "auto-stop-mix", "auto-qstop-mix", "standard",      "english",
          "english-stop",  "chinese-jieba", "chinese-icu",  "chinese-bigram", "chinese-multi", "chinese-mix"};
}

std::string WordAnalyzerName(const std::string& name) {
  if (name == "auto-stop-mix") return "auto-stop";
  if (name == "auto-qstop-mix") return "auto-stop";
  if (name == "chinese-mix") return "chinese-jieba";
  return name;
}

int internal::QueryStopMin() {
  const char* v = std::getenv("GLASSBOX_QUERY_STOP_MIN");
  if (v == nullptr || *v == '\0') return kQueryStopMin;
  const int n = std::atoi(v);
  return n > 0 ? n : kQueryStopMin;
}

Result<std::shared_ptr<const Analyzer>> MakeAnalyzer(const std::string& name) {
  using internal::HanMode;
  internal::AnalyzerConfig c;
  c.name = name;
  auto segmenter = [](std::string_view s) {
    if (s == "icu") return HanMode::kIcu;
    if (s == "bigram") return HanMode::kBigram;
    return HanMode::kJieba;
  };
  if (name == "standard") {
  } else if (name == "english") {
    c.stem = true;
  } else if (name == "english-stop") {
    c.stem = c.stop = true;
  } else if (name == "chinese-jieba") {
    c.stem = true;
    c.han = HanMode::kJieba;
  } else if (name == "chinese-icu") {
    c.stem = true;
    c.han = HanMode::kIcu;
  } else if (name == "chinese-bigram") {
    c.stem = true;
    c.han = HanMode::kBigram;
  } else if (name == "chinese-multi") {
    c.stem = true;
    c.han = HanMode::kMulti;
  } else if (name == "chinese-mix") {
    c.stem = true;
    c.han = HanMode::kMix;
    c.mix.bigram_mark = internal::kBigramMark;
  } else if (name == "auto-stop-mix") {
    c.stem = c.stop = true;
    c.han = HanMode::kMix;
    c.mix.bigram_mark = internal::kBigramMark;
  } else if (name == "auto-qstop-mix") {
    // auto-stop-mix, but the index keeps English stop words; queries drop them
    // only when enough other words remain (kQueryStopMin).
    c.stem = true;
    c.query_stop_min = internal::QueryStopMin();
    c.han = HanMode::kMix;
    c.mix.bigram_mark = internal::kBigramMark;
  } else if (name == "auto") {
    c.stem = true;
    c.han = segmenter(internal::kDefaultChineseSegmenter);
  } else if (name == "auto-stop") {
    c.stem = c.stop = true;
    c.han = segmenter(internal::kDefaultChineseSegmenter);
  } else {
    std::string list;
    for (const auto& n : AnalyzerNames()) list += (list.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("unknown analyzer \"" + name + "\" (expected one of: " + list + ")");
  }
  c.jieba_dict_path = internal::EnvOr("GLASSBOX_JIEBA_DICT", internal::kDefaultJiebaDict);
  c.opencc_config = internal::EnvOr("GLASSBOX_OPENCC_CONFIG", internal::kDefaultOpenccConfig);
  return internal::MakeAnalyzerFromConfig(c);
}

}  // namespace glassbox::text
