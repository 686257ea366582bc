// Status and Result<T>: how every Glassbox call reports failure.
//
// No Glassbox function throws across the public API. A call that can fail
// returns a Status (or a Result<T> holding either a value or a Status). The
// message names what was wrong and where ("corpus.jsonl:17: expected '}'"),
// so that it can be shown to a person as is.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace glassbox {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad query, bad option, malformed input file
    kNotFound,         // collection, document or file does not exist
    kAlreadyExists,
    kCorruption,       // a file on disk does not match its checksum or format
    kIOError,          // the operating system refused a read or a write
    kBusy,             // another writer holds the collection lock
    kUnsupported,      // a feature that is not implemented (said plainly)
    kPermissionDenied, // the principal may not change this document
    kDeadlineExceeded, // a call ran past its time budget (SearchOptions::time_budget)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) { return Status(Code::kAlreadyExists, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(Code::kUnsupported, std::move(msg)); }
  static Status PermissionDenied(std::string msg) { return Status(Code::kPermissionDenied, std::move(msg)); }
  static Status DeadlineExceeded(std::string msg) { return Status(Code::kDeadlineExceeded, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: seg_3.gbs: bad checksum" — code name, then message.
  std::string ToString() const;
  // A short stable name of the code, e.g. "invalid_argument"; used in JSON output.
  const char* CodeName() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or an error. Check ok() before value().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: implicit by design
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace glassbox

#define GB_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::glassbox::Status _gb_st = (expr);       \
    if (!_gb_st.ok()) return _gb_st;          \
  } while (0)
