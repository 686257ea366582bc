// The generative answerer: numbered passages to a chat model -- an
// OpenAI-compatible /v1/chat/completions endpoint (Generate) or a GGUF chat
// model run in process by llama.cpp (GenerateGguf, generate_gguf.cc) -- its
// [n] citations parsed, every sentence verified (src/answer/verify.h) as an
// extractive answer's is. Both share the prompt (BuildMessages) and the
// verification (FinishGenerated).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "glassbox/answer.h"

namespace glassbox::answer {

// The chat messages ({role, content}: a system and a user message) for a
// question and its passages (numbered [1]..[n]).
std::vector<std::pair<std::string, std::string>> BuildMessages(const std::string& question,
                                                               const std::vector<AnswerPassage>& passages);
// The same messages as an OpenAI "messages" JSON array.
std::string BuildPrompt(const std::string& question, const std::vector<AnswerPassage>& passages);

// Calls the endpoint and verifies the reply. Errors: IOError (no connection,
// HTTP error, a reply that is not a chat completion), DeadlineExceeded (llm_timeout).
Result<Answer> Generate(const ReaderInput& input, const AskOptions& options);

// Runs the GGUF chat model options.llm_gguf in process and verifies its
// text. Errors: NotFound / InvalidArgument (no such file, not a GGUF chat
// model llama.cpp can load, a prompt longer than the model's context),
// DeadlineExceeded (llm_timeout), Unsupported (built without llama.cpp).
Result<Answer> GenerateGguf(const ReaderInput& input, const AskOptions& options);

// The model's text -> the answer: "NOT FOUND" or nothing -> not found;
// otherwise each sentence verified against the passage it cites, citations
// at the supporting sentence, the unsupported ones flagged or dropped.
// `ans` carries the passages, trace and timings so far; verify_ms is set.
Result<Answer> FinishGenerated(const ReaderInput& input, const AskOptions& options, const std::string& text,
                               Answer ans);

}  // namespace glassbox::answer
