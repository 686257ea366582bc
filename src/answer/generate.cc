#include "answer/generate.h"

#include "answer/chat.h"

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

Result<ChatResult> ChatEndpoint(const ChatMessages& messages, const ChatOptions& co) {
  const auto t0 = std::chrono::steady_clock::now();
  ChatResult out;
  json msgs = json::array();
  for (const auto& [role, content] : messages) msgs.push_back({{"role", role}, {"content", content}});
  // http(s)://host[:port]/path
  const size_t scheme_end = co.url.find("://");
  const size_t path_begin = co.url.find('/', scheme_end + 3);
  const std::string origin = co.url.substr(0, path_begin);
  const std::string path = path_begin == std::string::npos ? "/v1/chat/completions" : co.url.substr(path_begin);
  httplib::Client client(origin);
  if (!client.is_valid()) return Status::InvalidArgument("cannot use the model endpoint " + co.url);
  const time_t sec = co.timeout_ms / 1000, usec = (co.timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  // With a token callback the reply is asked for as a stream of Server-Sent
  // Events (choices[0].delta.content per event); an endpoint that ignores
  // "stream" and answers with one JSON completion is read as that.
  const bool stream = static_cast<bool>(co.on_token);
  json body = {{"model", co.model},
               {"messages", msgs},
               {"max_tokens", co.max_tokens},
               {"temperature", 0},
               {"stream", stream}};
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  if (stream) req.set_header("Accept", "text/event-stream");
  int status = 0;
  bool sse = false, cancelled = false, too_big = false;
  std::string raw;      // the body when it is not an event stream (or an error)
  std::string pending;  // event-stream bytes not yet ending in a newline
  std::string text;
  size_t events = 0, pieces = 0;
  double first_ms = -1;
  const json* usage = nullptr;
  json usage_event;
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    sse = stream && r.status == 200 && r.get_header_value("Content-Type").find("text/event-stream") != std::string::npos;
    return true;
  };
  // One "data: {...}" line of the stream.
  auto on_event = [&](std::string_view data) {
    if (data == "[DONE]") return true;
    json ev = json::parse(data, nullptr, false);
    if (ev.is_discarded() || !ev.is_object()) return true;  // comments, keep-alives
    if (ev.contains("usage") && ev["usage"].is_object()) {
      usage_event = ev["usage"];
      usage = &usage_event;
    }
    if (!ev.contains("choices") || !ev["choices"].is_array() || ev["choices"].empty()) return true;
    ++events;  // a completion chunk
    const json& ch = ev["choices"][0];
    if (!ch.is_object() || !ch.contains("delta") || !ch["delta"].is_object()) return true;
    const json& d = ch["delta"];
    if (!d.contains("content") || !d["content"].is_string()) return true;
    const std::string piece = d["content"].get<std::string>();
    if (piece.empty()) return true;
    if (first_ms < 0)
      first_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++pieces;
    text += piece;
    if (!co.on_token(piece) || (co.cancel && co.cancel->load())) {
      cancelled = true;
      return false;
    }
    return true;
  };
  constexpr size_t kMaxReply = 8 << 20;
  // Bounds on the whole reply, not per read: its size, llm_timeout from the
  // start (a trickling stream never trips the socket's idle timeout), and the
  // cancel flag at every chunk.
  size_t received = 0;
  bool out_of_time = false;
  const auto deadline = t0 + std::chrono::milliseconds(co.timeout_ms);
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    received += n;
    if (received > kMaxReply) {
      too_big = true;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      out_of_time = true;
      return false;
    }
    if (co.cancel && co.cancel->load()) {
      cancelled = true;
      return false;
    }
    if (!sse) {
      raw.append(data, n);
      return true;
    }
    pending.append(data, n);
    size_t from = 0, nl;
    while ((nl = pending.find('\n', from)) != std::string::npos) {
      std::string_view line(pending.data() + from, nl - from);
      from = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.substr(0, 5) != "data:") continue;
      line.remove_prefix(5);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (!on_event(line)) return false;
    }
    pending.erase(0, from);
    return true;
  };
  httplib::Result r = client.send(req);
  const auto t1 = std::chrono::steady_clock::now();
  const double gen_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  if (too_big)
    return Status::IOError("the model endpoint " + co.url + " sent more than " + std::to_string(kMaxReply >> 20) +
                           " MiB");
  if (out_of_time)
    return Status::DeadlineExceeded("the model endpoint " + co.url + " did not finish its reply within llm_timeout " +
                                    std::to_string(co.timeout_ms) + " ms (" + std::to_string(received) +
                                    " bytes received)");
  // A last event without its newline.
  if (sse && !cancelled && !pending.empty()) {
    std::string_view line(pending);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 5) == "data:") {
      line.remove_prefix(5);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      on_event(line);
    }
  }
  if (!r && !cancelled) {
    if (r.error() == httplib::Error::Read || r.error() == httplib::Error::ConnectionTimeout)
      return Status::DeadlineExceeded("the model endpoint " + co.url + " gave no answer within llm_timeout " +
                                      std::to_string(co.timeout_ms) + " ms (" + httplib::to_string(r.error()) + ")");
    return Status::IOError("the model endpoint " + co.url + " could not be reached: " + httplib::to_string(r.error()));
  }
  if (status != 200)
    return Status::IOError("the model endpoint " + co.url + " answered HTTP " + std::to_string(status) + ": " +
                           Clip(raw, 200));
  json reply;
  if (!sse) {  // one JSON completion
    reply = json::parse(raw, nullptr, false);
    const json* content = nullptr;
    if (!reply.is_discarded() && reply.is_object() && reply.contains("choices") && reply["choices"].is_array() &&
        !reply["choices"].empty() && reply["choices"][0].is_object() && reply["choices"][0].contains("message") &&
        reply["choices"][0]["message"].is_object() && reply["choices"][0]["message"].contains("content") &&
        reply["choices"][0]["message"]["content"].is_string())
      content = &reply["choices"][0]["message"]["content"];
    if (!content)
      return Status::IOError("the model endpoint " + co.url + " did not return a chat completion " +
                             "(choices[0].message.content): " + Clip(raw, 200));
    text = content->get<std::string>();
    if (reply.contains("usage") && reply["usage"].is_object()) usage = &reply["usage"];
    first_ms = gen_ms;  // one reply, not streamed
    if (co.on_token && !text.empty()) co.on_token(text);
  } else if (events == 0 && !cancelled) {
    return Status::IOError("the model endpoint " + co.url +
                           " sent an event stream without a chat completion chunk (choices[0].delta.content)");
  }
  out.streamed = sse;
  out.cancelled = cancelled;
  AnswerTimings& tm = out.timings;
  tm.read_ms = tm.generate_ms = gen_ms;
  tm.first_token_ms = first_ms < 0 ? gen_ms : first_ms;
  if (usage) {
    const json& u = *usage;
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_unsigned())
      tm.prompt_tokens = u["prompt_tokens"].get<size_t>();
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_unsigned())
      tm.generated_tokens = u["completion_tokens"].get<size_t>();
  }
  if (sse && tm.generated_tokens == 0) tm.generated_tokens = pieces;  // one piece per token, usually
  const double after_first_s = (gen_ms - tm.first_token_ms) / 1000.0;
  if (sse && tm.generated_tokens > 1 && after_first_s > 0)
    tm.tokens_per_s = static_cast<double>(tm.generated_tokens - 1) / after_first_s;
  out.text = std::move(text);
  return out;
}

Result<Answer> Generate(const ReaderInput& in, const AskOptions& o) {
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
  auto r = ChatEndpoint(BuildMessages(in.question, in.passages), ChatOptionsFrom(o));
  if (!r.ok()) return r.status();
  char buf[240];
  std::snprintf(buf, sizeof buf, "%zu passage(s) sent to %s (model %s), %zu bytes back in %.1f ms%s", in.passages.size(),
                o.llm_url.c_str(), o.llm_model.c_str(), r->text.size(), r->timings.generate_ms,
                !r->streamed ? "" : r->cancelled ? ", streamed, cancelled" : ", streamed");
  ans.trace.push_back({"generate", buf});
  ans.timings = r->timings;
  return FinishGenerated(in, o, r->text, std::move(ans));
}

ChatOptions ChatOptionsFrom(const AskOptions& o) {
  ChatOptions c;
  c.url = o.llm_url;
  c.model = o.llm_model;
  c.gguf = o.llm_gguf;
  c.max_tokens = o.llm_max_tokens;
  c.timeout_ms = o.llm_timeout_ms;
  c.threads = o.llm_threads;
  c.on_token = o.on_token;
  c.cancel = o.cancel;
  return c;
}

void TableOptionsFrom(const AskOptions& o, table::AnswerOptions* out) {
  out->today = o.today;
  out->sql_mode = o.sql_mode;
  if (o.sql_mode == "deterministic" || (o.llm_url.empty() && o.llm_gguf.empty())) return;
  ChatOptions c = ChatOptionsFrom(o);
  c.on_token = nullptr;  // the SQL is checked whole before anything is shown
  c.max_tokens = std::max<size_t>(c.max_tokens, 512);
  out->chat = [c](const table::ChatMessages& m) -> Result<table::ChatReply> {
    auto r = c.gguf.empty() ? ChatEndpoint(m, c) : ChatGguf(m, c);
    if (!r.ok()) return r.status();
    table::ChatReply reply;
    reply.text = r->text;
    reply.ms = r->timings.generate_ms;
    char buf[300];
    if (c.gguf.empty())
      std::snprintf(buf, sizeof buf, "sent to %s (model %s), %zu bytes back in %.1f ms", c.url.c_str(), c.model.c_str(),
                    r->text.size(), reply.ms);
    else
      std::snprintf(buf, sizeof buf, "%s in process (%s; %zu prompt tokens): %zu token(s), stopped by %s, %.1f ms",
                    c.gguf.c_str(), r->layout.c_str(), r->timings.prompt_tokens, r->timings.generated_tokens,
                    r->stop.c_str(), reply.ms);
    reply.how = buf;
    return reply;
  };
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
