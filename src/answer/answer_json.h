// An Answer as JSON: the one shape the CLI (--json), the HTTP API and Python return.
#pragma once

#include <nlohmann/json.hpp>

#include "glassbox/answer.h"

namespace glassbox::answer {

// {"status", "answer", "confidence", "verified", "faq_id"?, "citations": [{"n", "id", "doc_id", "field",
//  "start", "end", "page"?, "quote", "verified"}], "passages": [{"n", "id", "doc_id", "score", "title",
//  "page"?, "why"}], "trace": [{"step", "detail"}], "timings_ms": {"retrieve", "read", "verify"}}
nlohmann::json AnswerToJson(const Answer& a, bool with_passage_text = false);
nlohmann::json CitationToJson(const Citation& c);

}  // namespace glassbox::answer
