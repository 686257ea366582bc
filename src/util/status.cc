#include "glassbox/status.h"

namespace glassbox {

const char* Status::CodeName() const {
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kCorruption: return "corruption";
    case Code::kIOError: return "io_error";
    case Code::kBusy: return "busy";
    case Code::kUnsupported: return "unsupported";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kDeadlineExceeded: return "deadline_exceeded";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName()) + ": " + message_;
}

}  // namespace glassbox
