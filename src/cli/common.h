// What every glassbox command shares: exit codes (docs/cli.md) and how a
// failure or a usage error is reported.
#pragma once

#include <memory>
#include <string>

#include "glassbox/collection.h"
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

// Opens a collection for a command that only reads. Read-only, so that the
// command neither merges nor builds graphs in the background (and never waits
// for them at exit), unless the write-ahead log holds writes a crashed writer
// left: then it takes the write lock (when free) so that they are recovered
// first. A collection another process holds for writing is read at its last commit.
Result<std::unique_ptr<Collection>> OpenForReading(const std::string& dir);

}  // namespace glassbox::cli
