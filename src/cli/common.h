// What every glassbox command shares: exit codes (docs/cli.md) and how a
// failure or a usage error is reported.
#pragma once

#include <string>

#include "glassbox/status.h"

namespace glassbox::cli {

enum Exit { kOk = 0, kFailure = 1, kUsage = 2, kInvalid = 3, kNotFound = 4, kPartial = 5, kTimedOut = 6 };

// The exit code of a failed Status.
int ExitFor(const Status& s);
// Prints the error (as {"error": {"code", "message"}} with --json, else on
// stderr) and returns its exit code.
int Fail(const Status& s, bool as_json);
// Prints the message and the command's help on stderr; returns kUsage.
int Usage(const std::string& msg, const char* help);

}  // namespace glassbox::cli
