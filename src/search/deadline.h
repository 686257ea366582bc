// A request's time budget, checked cooperatively by the loops that can run
// long (top-k, phrase matching, exhaustive scoring, snippets).
//
// Loops call Expired(work) with the units of work done since their last call;
// the clock is read only once per kStride units, so checking costs nothing
// measurable. Once expired, a Deadline stays expired and remembers what was
// running first; loops stop early (their results are then meaningless) and
// the Searcher turns the expiry into Status::DeadlineExceeded. One Deadline
// serves one call on one thread (not thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace glassbox::search {

class Deadline {
 public:
  static constexpr uint64_t kStride = 4096;

  Deadline() = default;  // unlimited
  explicit Deadline(std::chrono::milliseconds budget) : budget_(budget) {
    if (budget.count() > 0) end_ = std::chrono::steady_clock::now() + budget;
  }

  bool limited() const { return budget_.count() > 0; }
  bool expired() const { return expired_; }

  // Counts `work` units; true once the budget is spent. `what` (e.g.
  // "ranking documents") is kept from the first expiry.
  bool Expired(uint64_t work, std::string_view what) {
    if (expired_) return true;
    if (!limited()) return false;
    pending_ += work;
    if (pending_ < kStride) return false;
    pending_ = 0;
    return CheckNow(what);
  }
  // Reads the clock now (between stages, whatever the work done).
  bool CheckNow(std::string_view what) {
    if (expired_) return true;
    if (!limited() || std::chrono::steady_clock::now() < end_) return false;
    expired_ = true;
    what_ = what;
    return true;
  }

  // "the query exceeded its time budget of 5000 ms while matching a phrase"
  std::string Message() const {
    return "the query exceeded its time budget of " + std::to_string(budget_.count()) + " ms while " + what_;
  }

 private:
  std::chrono::milliseconds budget_{0};
  std::chrono::steady_clock::time_point end_{};
  uint64_t pending_ = 0;
  bool expired_ = false;
  std::string what_;
};

}  // namespace glassbox::search
