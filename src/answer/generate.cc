#include "answer/generate.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <nlohmann/json.hpp>

#include "answer/reader.h"
#include "answer/verify.h"

namespace glassbox::answer {
namespace {

using nlohmann::json;

constexpr const char* kSystem =
    "Answer the question using only the numbered passages. End every sentence with the number of the passage "
    "that supports it, like [1]. Copy numbers, dates and names exactly. If the passages do not contain the answer, "
    "reply exactly: NOT FOUND";

std::string Clip(const std::string& s, size_t n) { return s.size() > n ? s.substr(0, n) + "..." : s; }

// The sentence of `passage` that shares the most analyzed terms with `claim`.
std::pair<size_t, size_t> BestSentence(const std::string& claim, const std::string& passage,
                                       const text::Analyzer& analyzer) {
  std::vector<text::Token> ct;
  analyzer.Analyze(claim, &ct);
  std::set<std::string> terms;
  for (const auto& t : ct) terms.insert(t.term);
  std::pair<size_t, size_t> best{0, passage.size()};
  size_t best_n = 0;
  for (auto [b, e] : SplitSentences(passage)) {
    std::vector<text::Token> st;
    analyzer.Analyze(std::string_view(passage).substr(b, e - b), &st);
    std::set<std::string> seen;
    for (const auto& t : st)
      if (terms.count(t.term)) seen.insert(t.term);
    if (seen.size() > best_n) best_n = seen.size(), best = {b, e};
  }
  return best;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> BuildMessages(const std::string& question,
                                                               const std::vector<AnswerPassage>& passages) {
  std::string user = "Passages:\n";
  for (const auto& p : passages) user += "[" + std::to_string(p.n) + "] " + p.text + "\n";
  user += "\nQuestion: " + question;
  return {{"system", kSystem}, {"user", user}};
}

std::string BuildPrompt(const std::string& question, const std::vector<AnswerPassage>& passages) {
  json messages = json::array();
  for (const auto& [role, content] : BuildMessages(question, passages))
    messages.push_back({{"role", role}, {"content", content}});
  return messages.dump();
}

Result<Answer> Generate(const ReaderInput& in, const AskOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  Answer ans;
  ans.passages = in.passages;
  if (in.passages.empty()) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    ans.trace.push_back({"decision", "no passage was retrieved; the model was not called"});
    return ans;
  }
  auto an = SharedAnalyzer(in.analyzer);
  if (!an.ok()) return an.status();
  // http(s)://host[:port]/path
  const size_t scheme_end = o.llm_url.find("://");
  const size_t path_begin = o.llm_url.find('/', scheme_end + 3);
  const std::string origin = o.llm_url.substr(0, path_begin);
  const std::string path = path_begin == std::string::npos ? "/v1/chat/completions" : o.llm_url.substr(path_begin);
  httplib::Client client(origin);
  if (!client.is_valid()) return Status::InvalidArgument("cannot use the model endpoint " + o.llm_url);
  const time_t sec = o.llm_timeout_ms / 1000, usec = (o.llm_timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  json body = {{"model", o.llm_model},
               {"messages", json::parse(BuildPrompt(in.question, in.passages))},
               {"max_tokens", o.llm_max_tokens},
               {"temperature", 0},
               {"stream", false}};
  httplib::Result r = client.Post(path, body.dump(), "application/json");
  const auto t1 = std::chrono::steady_clock::now();
  const double gen_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  if (!r) {
    if (r.error() == httplib::Error::Read || r.error() == httplib::Error::ConnectionTimeout)
      return Status::DeadlineExceeded("the model endpoint " + o.llm_url + " gave no answer within llm_timeout " +
                                      std::to_string(o.llm_timeout_ms) + " ms (" + httplib::to_string(r.error()) + ")");
    return Status::IOError("the model endpoint " + o.llm_url + " could not be reached: " + httplib::to_string(r.error()));
  }
  if (r->status != 200)
    return Status::IOError("the model endpoint " + o.llm_url + " answered HTTP " + std::to_string(r->status) + ": " +
                           Clip(r->body, 200));
  json reply = json::parse(r->body, nullptr, false);
  const json* content = nullptr;
  if (!reply.is_discarded() && reply.is_object() && reply.contains("choices") && reply["choices"].is_array() &&
      !reply["choices"].empty() && reply["choices"][0].is_object() && reply["choices"][0].contains("message") &&
      reply["choices"][0]["message"].is_object() && reply["choices"][0]["message"].contains("content") &&
      reply["choices"][0]["message"]["content"].is_string())
    content = &reply["choices"][0]["message"]["content"];
  if (!content)
    return Status::IOError("the model endpoint " + o.llm_url + " did not return a chat completion " +
                           "(choices[0].message.content): " + Clip(r->body, 200));
  std::string text = content->get<std::string>();
  char buf[160];
  std::snprintf(buf, sizeof buf, "%zu passage(s) sent to %s (model %s), %zu bytes back in %.1f ms",
                in.passages.size(), o.llm_url.c_str(), o.llm_model.c_str(), text.size(), gen_ms);
  ans.trace.push_back({"generate", buf});
  ans.timings.read_ms = gen_ms;
  ans.timings.generate_ms = ans.timings.first_token_ms = gen_ms;  // one reply, not streamed
  if (reply.contains("usage") && reply["usage"].is_object()) {
    const json& u = reply["usage"];
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_unsigned())
      ans.timings.prompt_tokens = u["prompt_tokens"].get<size_t>();
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_unsigned())
      ans.timings.generated_tokens = u["completion_tokens"].get<size_t>();
  }
  if (o.on_token && !text.empty()) o.on_token(text);
  return FinishGenerated(in, o, text, std::move(ans));
}

Result<Answer> FinishGenerated(const ReaderInput& in, const AskOptions& o, const std::string& text, Answer ans) {
  const auto t1 = std::chrono::steady_clock::now();
  auto an = SharedAnalyzer(in.analyzer);
  if (!an.ok()) return an.status();
  char buf[160];
  if (text.find("NOT FOUND") != std::string::npos || text.find_first_not_of(" \t\r\n") == std::string::npos) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    ans.trace.push_back({"decision", "the model said the passages do not contain the answer"});
    return ans;
  }
  // Verify every sentence against what it cites.
  std::vector<std::string> texts;
  for (const auto& p : in.passages) texts.push_back(p.text);
  VerifyResult v = VerifyAnswer(text, texts, **an, o.unsupported);
  size_t supported = 0;
  for (const auto& s : v.sentences) {
    ans.trace.push_back({"verify", "\"" + Clip(s.text, 120) + "\": " + (s.supported ? "" : "UNSUPPORTED: ") + s.reason});
    if (!s.supported) {
      if (o.unsupported == UnsupportedPolicy::kFlag)
        for (int n : s.cites) {  // the cited passage, marked not verified
          Citation c;
          c.n = n;
          c.id = in.passages[n - 1].id;
          c.doc_id = in.passages[n - 1].doc_id;
          c.field = "body";
          c.page = in.passages[n - 1].page;
          c.verified = false;
          ans.citations.push_back(c);
        }
      continue;
    }
    ++supported;
    for (int n : s.cites) {
      const AnswerPassage& p = in.passages[n - 1];
      auto [b, e] = BestSentence(s.text, p.text, **an);
      Citation c;
      c.n = n;
      c.id = p.id;
      c.doc_id = p.doc_id.empty() ? p.id : p.doc_id;
      c.field = "body";
      c.start = b;
      c.end = e;
      c.page = p.page;
      c.quote = p.text.substr(b, e - b);
      c.verified = true;
      ans.citations.push_back(c);
    }
  }
  ans.verified = v.all_supported;
  ans.confidence = v.sentences.empty() ? 0 : static_cast<double>(supported) / v.sentences.size();
  if (supported == 0 && (o.unsupported == UnsupportedPolicy::kDrop || v.sentences.empty())) {
    ans.status = AnswerStatus::kNotFound;
    ans.text = "Not found in the knowledge base.";
    ans.trace.push_back({"decision", "no sentence of the model's answer is supported by the passage it cites"});
  } else {
    ans.status = AnswerStatus::kAnswered;
    ans.text = o.unsupported == UnsupportedPolicy::kDrop ? v.text : text;
    std::snprintf(buf, sizeof buf, "%zu of %zu sentence(s) supported by their citations%s", supported,
                  v.sentences.size(), v.all_supported ? "" : (o.unsupported == UnsupportedPolicy::kDrop ? "; the rest dropped" : "; the rest flagged"));
    ans.trace.push_back({"decision", buf});
  }
  ans.timings.verify_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  return ans;
}

}  // namespace glassbox::answer
