// One chat completion -- messages in, text out -- shared by the generative
// answerer (generate.cc, generate_gguf.cc) and the LLM text-to-SQL path
// (table/llm_sql.h): an OpenAI-compatible /v1/chat/completions endpoint
// (ChatEndpoint) or a GGUF chat model run in process by llama.cpp (ChatGguf).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "glassbox/answer.h"
#include "table/nl2sql.h"

namespace glassbox::answer {

using ChatMessages = std::vector<std::pair<std::string, std::string>>;  // {role, content}

struct ChatOptions {
  std::string url, model = "default", gguf;
  size_t max_tokens = 256;
  int timeout_ms = 30000;
  int threads = 0;
  std::function<bool(std::string_view piece)> on_token;  // as AskOptions::on_token
  const std::atomic<bool>* cancel = nullptr;
};
ChatOptions ChatOptionsFrom(const AskOptions& o);

struct ChatResult {
  std::string text;
  AnswerTimings timings;  // load, prompt, first token, generate (= read), tokens
  // Endpoint: the reply came as an event stream / generation was cancelled.
  bool streamed = false, cancelled = false;
  // GGUF: how the prompt was laid out, the threads, why generation stopped.
  std::string layout, stop;
  int threads = 0;
};

// Errors: IOError (no connection, HTTP error, a reply that is not a chat completion), DeadlineExceeded (timeout).
Result<ChatResult> ChatEndpoint(const ChatMessages& messages, const ChatOptions& options);
// Errors: NotFound / InvalidArgument (no such file, not a GGUF chat model, a prompt longer than the context),
// DeadlineExceeded (timeout), Unsupported (built without llama.cpp).
Result<ChatResult> ChatGguf(const ChatMessages& messages, const ChatOptions& options);

// The text-to-SQL options of an ask: today, sql_mode, and the chat call (llm_gguf, else llm_url) as a ChatFn.
void TableOptionsFrom(const AskOptions& o, table::AnswerOptions* out);

}  // namespace glassbox::answer
