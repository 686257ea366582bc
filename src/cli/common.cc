#include "cli/common.h"

#include <filesystem>
#include <iostream>

#include "server/json.h"

namespace glassbox::cli {

int ExitFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return kOk;
    case Status::Code::kInvalidArgument:
    case Status::Code::kAlreadyExists:
    case Status::Code::kUnsupported:
    case Status::Code::kPermissionDenied: return kInvalid;
    case Status::Code::kNotFound: return kNotFound;
    case Status::Code::kDeadlineExceeded: return kTimedOut;
    default: return kFailure;
  }
}

int Fail(const Status& s, bool as_json) {
  if (as_json) std::cout << json_output::ErrorToJson(s.CodeName(), s.message()).dump() << "\n";
  else std::cerr << "glassbox: " << s.message() << "\n";
  return ExitFor(s);
}

int Usage(const std::string& msg, const char* help) {
  std::cerr << "glassbox: " << msg << "\n\n" << help;
  return kUsage;
}

namespace {

// A non-empty wal-*.log: writes that were logged but not committed.
bool HasLoggedWrites(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("wal-", 0) == 0 && name.size() > 8 && name.compare(name.size() - 4, 4, ".log") == 0 &&
        e.file_size(ec) > 0 && !ec)
      return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Collection>> OpenForReading(const std::string& dir) {
  if (HasLoggedWrites(dir)) {
    auto c = Collection::Open(dir, false);
    if (c.ok() || c.status().code() != Status::Code::kBusy) return c;
  }
  return Collection::Open(dir, true);
}

}  // namespace glassbox::cli
