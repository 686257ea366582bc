#include "text/t2s.h"

#include <opencc/SimpleConverter.hpp>
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

}  // namespace

T2S::~T2S() = default;

Result<std::shared_ptr<const T2S>> T2S::Load(const std::string& config) {
  std::shared_ptr<T2S> t(new T2S());
  try {
    t->conv_ = std::make_unique<opencc::SimpleConverter>(config);
  } catch (const std::exception& e) {
    return Status::NotFound("cannot load OpenCC configuration " + config + ": " + e.what());
  } catch (...) {
    return Status::NotFound("cannot load OpenCC configuration " + config);
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

void T2S::Convert(std::vector<int32_t>* cps) const {
  if (cps->empty()) return;
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
