// Routing a question: documents, tables, or a compound question in steps.
#pragma once

#include <string>
#include <vector>

#include "glassbox/answer.h"

namespace glassbox::answer {

// The documents route: retrieve passages, read, verify (answer.cc).
Result<Answer> AskDocuments(const Collection& collection, const std::string& question, const AskOptions& options);

// Ask's router (route.cc): splits a compound question into steps, and sends
// each part to the collection's tables or documents (AskOptions::route).
Result<Answer> Route(const Collection& collection, const std::string& question, const AskOptions& options);

// Whether the question asks for a figure over rows: an aggregate ("how much",
// "total", "average", "most", 多少, 总, 平均, 最) or a time range ("last three
// years", "in 2025", 去年, 近三年). The word that decided goes to *cue.
bool HasTableCue(const std::string& question, std::string* cue = nullptr);

// The parts of a compound question ("How much cement did we buy, and which
// supplier delivered most of it?"): split at ", and <question word>", "; ",
// and between sentences ending in '?'/'？'. One part: not compound.
std::vector<std::string> SplitCompound(const std::string& question);

}  // namespace glassbox::answer
