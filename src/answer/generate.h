// The generative answerer: numbered passages to an OpenAI-compatible
// /v1/chat/completions endpoint, its [n] citations parsed, every sentence
// verified (src/answer/verify.h) as an extractive answer's is.
#pragma once

#include <string>
#include <vector>

#include "glassbox/answer.h"

namespace glassbox::answer {

// The chat messages sent for a question and its passages (numbered [1]..[n]).
std::string BuildPrompt(const std::string& question, const std::vector<AnswerPassage>& passages);

// Calls the endpoint and verifies the reply. Errors: IOError (no connection,
// HTTP error, a reply that is not a chat completion), DeadlineExceeded (llm_timeout).
Result<Answer> Generate(const ReaderInput& input, const AskOptions& options);

}  // namespace glassbox::answer
