#include "cli/common.h"

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

}  // namespace glassbox::cli
