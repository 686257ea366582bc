#include "answer/verify.h"
#include "ingest/text_util.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>

#include "answer/recognize.h"

namespace glassbox::answer {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Citation markers "[3]" or "[1, 2]" at s[i]; returns the end offset (i when none).
size_t ParseMarker(std::string_view s, size_t i, std::vector<int>* numbers) {
  if (i >= s.size() || s[i] != '[') return i;
  size_t j = i + 1;
  std::vector<int> found;
  while (j < s.size()) {
    while (j < s.size() && (s[j] == ' ' || s[j] == ',')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      int v = 0;
      size_t digits = 0;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) && digits < 6) v = v * 10 + (s[j++] - '0'), ++digits;
      found.push_back(v);
      continue;
    }
    break;
  }
  if (j < s.size() && s[j] == ']' && !found.empty()) {
    if (numbers) numbers->insert(numbers->end(), found.begin(), found.end());
    return j + 1;
  }
  return i;
}

bool IsAbbreviation(std::string_view text, size_t dot) {
  size_t b = dot;
  while (b > 0 && std::isalpha(static_cast<unsigned char>(text[b - 1]))) --b;
  std::string w = ingest::AsciiLower(text.substr(b, dot - b));
  if (w.size() == 1) return true;  // initials, U.S.
  static const char* kAbbr[] = {"mr", "mrs", "ms", "dr", "st", "vs", "etc", "inc", "ltd", "jr", "sr", "no", "co", "prof", "e.g", "i.e"};
  for (const char* a : kAbbr)
    if (w == a) return true;
  return false;
}

std::string StripMarkers(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t j = ParseMarker(s, i, nullptr);
    if (j > i) {
      i = j;
      continue;
    }
    out += s[i++];
  }
  return out;
}

}  // namespace

std::vector<std::pair<size_t, size_t>> SplitSentences(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t start = 0;
  auto emit = [&](size_t end) {
    size_t b = start, e = end;
    while (b < e && IsSpace(text[b])) ++b;
    while (e > b && IsSpace(text[e - 1])) --e;
    if (e > b) out.emplace_back(b, e);
    start = end;
  };
  // After a split point at `end`: closing quotes and citation markers stay with the sentence.
  auto extend = [&](size_t end) {
    while (true) {
      size_t k = end;
      while (k < text.size() && (text[k] == '"' || text[k] == '\'' || text[k] == ')')) ++k;
      if (text.substr(k).rfind("”", 0) == 0 || text.substr(k).rfind("’", 0) == 0 || text.substr(k).rfind("」", 0) == 0 ||
          text.substr(k).rfind("）", 0) == 0) {
        end = k + 3;
        continue;
      }
      size_t m = k;
      while (m < text.size() && text[m] == ' ') ++m;
      size_t after = ParseMarker(text, m, nullptr);
      if (after > m) {
        end = after;
        continue;
      }
      return k;
    }
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '.' || c == '!' || c == '?') {
      size_t after = i + 1;
      bool boundary = after >= text.size() || IsSpace(text[after]) || text[after] == '"' || text[after] == '[';
      if (c == '.' && boundary && IsAbbreviation(text, i)) boundary = false;
      if (c == '.' && after < text.size() && std::isdigit(static_cast<unsigned char>(text[after]))) boundary = false;
      if (boundary) {
        size_t end = extend(after);
        emit(end);
        i = end;
        continue;
      }
    } else if (c == '\n') {
      size_t k = i + 1;
      while (k < text.size() && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) ++k;
      if (k < text.size() && text[k] == '\n') {
        emit(i);
        i = k;
        continue;
      }
    } else if (static_cast<unsigned char>(c) == 0xE3 || static_cast<unsigned char>(c) == 0xEF) {
      std::string_view rest = text.substr(i);
      if (rest.rfind("。", 0) == 0 || rest.rfind("！", 0) == 0 || rest.rfind("？", 0) == 0) {
        size_t end = extend(i + 3);
        emit(end);
        i = end;
        continue;
      }
    }
    ++i;
  }
  emit(text.size());
  return out;
}

Result<std::shared_ptr<const text::Analyzer>> SharedAnalyzer(const std::string& name, bool words) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const text::Analyzer>> cache;
  const std::string made = words ? text::WordAnalyzerName(name) : name;  // reading wants words, not bigrams
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(made);
  if (it != cache.end()) return it->second;
  auto a = text::MakeAnalyzer(made);
  if (!a.ok()) return a.status();
  cache[made] = *a;
  return *a;
}

bool Supports(std::string_view claim_with_markers, std::string_view passage, const text::Analyzer& analyzer,
              std::string* reason) {
  const std::string claim = StripMarkers(claim_with_markers);
  std::vector<Entity> ce = FindEntities(claim), pe = FindEntities(passage);
  std::set<std::string> numbers, dates;
  for (const auto& e : pe) {
    if (e.kind == Entity::Kind::kNumber) numbers.insert(e.norm);
    if (e.kind == Entity::Kind::kDate) {
      dates.insert(e.norm);
      if (e.norm.size() >= 4 && e.norm[0] != '-') numbers.insert(e.norm.substr(0, 4));  // its year
    }
  }
  const std::string lower_passage = ingest::AsciiLower(passage);
  for (const auto& e : ce) {
    const std::string surface(claim.substr(e.begin, e.end - e.begin));
    if (e.kind == Entity::Kind::kNumber && !numbers.count(e.norm)) {
      *reason = "the number \"" + surface + "\" (" + e.norm + ") does not appear in the passage";
      return false;
    }
    if (e.kind == Entity::Kind::kDate) {
      bool ok = dates.count(e.norm) > 0;
      for (const auto& d : dates) {
        if (ok) break;
        if (d.rfind(e.norm, 0) == 0) ok = true;  // the claim is less specific
        if (e.norm.rfind("--", 0) == 0 && d.size() >= e.norm.size() - 1 &&
            d.compare(d.size() - (e.norm.size() - 1), std::string::npos, e.norm.substr(1)) == 0)
          ok = true;  // month and day, any year
      }
      if (!ok && e.norm.size() == 4 && numbers.count(e.norm)) ok = true;
      if (!ok) {
        *reason = "the date \"" + surface + "\" (" + e.norm + ") does not appear in the passage";
        return false;
      }
    }
    if (e.kind == Entity::Kind::kName && lower_passage.find(e.norm) == std::string::npos) {
      // Each word of the name, at least.
      size_t b = 0;
      std::string norm = e.norm + " ";
      while (b < norm.size()) {
        size_t sp = norm.find(' ', b);
        std::string w = norm.substr(b, sp - b);
        if (!w.empty() && lower_passage.find(w) == std::string::npos) {
          *reason = "the name \"" + surface + "\" does not appear in the passage";
          return false;
        }
        b = sp + 1;
      }
    }
  }
  std::vector<text::Token> ct, pt;
  analyzer.Analyze(claim, &ct);
  analyzer.Analyze(passage, &pt);
  std::set<std::string> pterms;
  for (const auto& t : pt) pterms.insert(t.term);
  std::set<std::string> cterms, missing;
  for (const auto& t : ct) {
    if (std::all_of(t.term.begin(), t.term.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == ','; }))
      continue;  // numbers were checked above
    cterms.insert(t.term);
    // A term the passage's own analysis does not yield (words cut differently in context) still
    // counts when its text appears in the passage.
    if (!pterms.count(t.term) && lower_passage.find(ingest::AsciiLower(claim.substr(t.begin, t.end - t.begin))) == std::string::npos)
      missing.insert(t.term);
  }
  const double coverage = cterms.empty() ? 1.0 : 1.0 - static_cast<double>(missing.size()) / cterms.size();
  if (coverage < kMinContentCoverage) {
    std::string m;
    for (const auto& w : missing) m += (m.empty() ? "" : ", ") + w;
    *reason = "only " + std::to_string(static_cast<int>(coverage * 100 + 0.5)) +
              "% of its content words appear in the passage (missing: " + m + ")";
    return false;
  }
  *reason = "supported: " + std::to_string(ce.size()) + " number/date/name(s) and " +
            std::to_string(static_cast<int>(coverage * 100 + 0.5)) + "% of content words found";
  return true;
}

VerifyResult VerifyAnswer(std::string_view answer, const std::vector<std::string>& passages,
                          const text::Analyzer& analyzer, UnsupportedPolicy policy) {
  VerifyResult r;
  for (auto [b, e] : SplitSentences(answer)) {
    SentenceCheck s;
    s.begin = b;
    s.end = e;
    s.text = std::string(answer.substr(b, e - b));
    for (size_t i = 0; i < s.text.size();) {
      std::vector<int> nums;
      size_t j = ParseMarker(s.text, i, &nums);
      if (j > i) {
        for (int n : nums) {
          if (n >= 1 && static_cast<size_t>(n) <= passages.size()) {
            if (std::find(s.cites.begin(), s.cites.end(), n) == s.cites.end()) s.cites.push_back(n);
          } else {
            s.invalid_cites.push_back(n);
          }
        }
        i = j;
      } else {
        ++i;
      }
    }
    std::string invalid;
    for (int n : s.invalid_cites) invalid += (invalid.empty() ? "[" : ", [") + std::to_string(n) + "]";
    if (!s.invalid_cites.empty())
      invalid = "cites " + invalid + " but only " + std::to_string(passages.size()) + " passage(s) were given";
    if (s.cites.empty()) {
      s.supported = false;
      s.reason = invalid.empty() ? "no citation" : invalid;
    } else {
      std::string joined, why;
      for (int n : s.cites) joined += passages[n - 1] + "\n\n";
      s.supported = Supports(s.text, joined, analyzer, &why);
      std::string cites;
      for (int n : s.cites) cites += "[" + std::to_string(n) + "]";
      s.reason = cites + " " + why;
      if (!invalid.empty()) s.reason += "; " + invalid + " (rejected)";
    }
    if (!s.supported) {
      r.all_supported = false;
      ++r.unsupported;
    }
    r.sentences.push_back(std::move(s));
  }
  for (const auto& s : r.sentences) {
    if (!s.supported && policy == UnsupportedPolicy::kDrop) continue;
    if (!r.text.empty() && static_cast<unsigned char>(r.text.back()) < 0x80) r.text += " ";
    r.text += s.text;
  }
  return r;
}

}  // namespace glassbox::answer
