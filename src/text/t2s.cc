#include "text/t2s.h"
#include "index/bits.h"

#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>
#include <unicode/utf8.h>

#include <exception>
#include <map>
#include <mutex>

namespace glassbox::text {
namespace {

void AppendUtf8(std::string* s, int32_t c) {
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

void Decode(const std::string& s, std::vector<int32_t>* out) {
  out->clear();
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    out->push_back(c < 0 ? 0xFFFD : c);
  }
}

// Marks every character of `key` that an entry changes (all of them when the
// entry changes the length).
void MarkChanges(const opencc::DictPtr& dict, std::vector<uint64_t>* bits) {
  if (!dict) return;
  if (auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
    for (const auto& d : group->GetDicts()) MarkChanges(d, bits);
    return;
  }
  auto lex = dict->GetLexicon();
  if (!lex) return;
  std::vector<int32_t> k, v;
  for (const auto& e : *lex) {
    Decode(e->Key(), &k);
    bool same_len = true;
    for (const std::string& value : e->Values()) {
      Decode(value, &v);
      same_len &= v.size() == k.size();
      for (size_t i = 0; i < k.size() && i < v.size(); ++i) {
        if (k[i] != v[i] && k[i] >= 0 && k[i] < 0x110000) SetBit(*bits, static_cast<uint64_t>(k[i]));
      }
    }
    if (!same_len) {
      for (int32_t c : k) {
        if (c >= 0 && c < 0x110000) SetBit(*bits, static_cast<uint64_t>(c));
      }
    }
  }
}

}  // namespace

T2S::~T2S() = default;

bool T2S::MayChange(int32_t c) const {
  if (changeable_ == 0) return true;
  if (c < 0 || c >= 0x110000) return false;
  return TestBit(changes_, c);
}

Result<std::shared_ptr<const T2S>> T2S::Load(const std::string& config) {
  std::shared_ptr<T2S> t(new T2S());
  try {
    opencc::Config cfg;
    t->conv_ = cfg.NewFromFile(config);
    if (!t->conv_) return Status::NotFound("cannot load OpenCC configuration " + config);
  } catch (const std::exception& e) {
    return Status::NotFound("cannot load OpenCC configuration " + config + ": " + e.what());
  } catch (...) {
    return Status::NotFound("cannot load OpenCC configuration " + config);
  }
  // Which characters can change (see MayChange). Values of every entry are
  // considered, not only the default one, to stay on the safe side.
  try {
    std::vector<uint64_t> bits(0x110000 / 64, 0);
    if (auto chain = t->conv_->GetConversionChain()) {
      for (const auto& conv : chain->GetConversions()) MarkChanges(conv->GetDict(), &bits);
    }
    const size_t n = CountBits(bits);
    if (n > 0) {
      t->changes_ = std::move(bits);
      t->changeable_ = n;
    }
  } catch (...) {
    // No filter: every run goes through OpenCC.
  }
  return std::shared_ptr<const T2S>(std::move(t));
}

Result<std::shared_ptr<const T2S>> T2S::Shared(const std::string& config) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const T2S>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(config);
  if (it != cache.end()) return it->second;
  auto r = Load(config);
  if (!r.ok()) return r.status();
  cache.emplace(config, r.value());
  return r.value();
}

std::string T2S::ConvertUtf8(const std::string& utf8) const {
  try {
    return conv_->Convert(utf8);
  } catch (...) {
    return utf8;
  }
}

void T2S::Convert(std::vector<int32_t>* cps) const {
  if (cps->empty()) return;
  bool any = false;
  for (int32_t c : *cps) any |= MayChange(c);
  if (!any) return;
  thread_local std::string in, outs;
  thread_local std::vector<int32_t> conv;
  in.clear();
  for (int32_t c : *cps) AppendUtf8(&in, c);
  try {
    outs = conv_->Convert(in);
  } catch (...) {
    return;  // leave the text as it is
  }
  Decode(outs, &conv);
  if (conv.size() == cps->size()) {
    cps->swap(conv);
    return;
  }
  // The phrase rules changed the length: fall back to one character at a time.
  for (int32_t& c : *cps) {
    in.clear();
    AppendUtf8(&in, c);
    try {
      outs = conv_->Convert(in);
    } catch (...) {
      continue;
    }
    Decode(outs, &conv);
    if (conv.size() == 1) c = conv[0];
  }
}

}  // namespace glassbox::text
