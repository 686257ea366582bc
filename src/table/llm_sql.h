// The LLM text-to-SQL path (docs/tables.md, "The LLM path"): the catalog
// retriever's top tables and columns for the question -> a prompt (types,
// units, descriptions, sample values, join keys, the reference date) -> a chat
// model (an OpenAI-compatible endpoint or a GGUF model in process, given as a
// ChatFn by src/answer/chat.h) -> one SELECT in a fenced block, or
// UNANSWERABLE -> the SQL guard (read-only authorizer, the prompt's tables
// only, one statement, row and time limits) -> the rows. A reply that is not
// one read-only SELECT over the prompt's tables is refused, never run.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/status.h"
#include "table/catalog.h"

namespace glassbox::table {

using ChatMessages = std::vector<std::pair<std::string, std::string>>;  // {role, content}

// What the model said and how the call went (one line for the trace).
struct ChatReply {
  std::string text;
  std::string how;   // "sent to URL (model M), N bytes back" ...
  double ms = 0;     // the whole call
};
// One chat completion: messages -> text. Errors as the endpoint / GGUF path gives them.
using ChatFn = std::function<Result<ChatReply>(const ChatMessages&)>;

// The prompt: the tables and columns it describes (catalog indexes) and the messages.
struct SqlPrompt {
  std::vector<int> tables;  // catalog table indexes, best first
  ChatMessages messages;
};
SqlPrompt BuildSqlPrompt(const Catalog& catalog, const std::string& question, const std::string& today_iso,
                         size_t max_tables = 3);

// The model's reply -> the SQL: the first ```sql (or ```) fenced block, else
// the whole reply when it starts with SELECT/WITH. `*unanswerable` is set when
// the reply is the word UNANSWERABLE (and holds no fenced SQL). InvalidArgument
// (saying what the reply was) when neither.
Result<std::string> ExtractSql(const std::string& reply, bool* unanswerable);

}  // namespace glassbox::table
