// Write-ahead log: every acknowledged Add/Delete is appended here (write(2))
// before the call returns, so it survives kill -9; Sync() makes it survive
// power loss. Record: u32 length, u32 crc32c(type + payload), u8 type, payload.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "glassbox/status.h"
#include "index/file_util.h"

namespace glassbox::index {

enum class WalRecordType : uint8_t { kAdd = 1, kDelete = 2 };

class WalWriter {
 public:
  Status Open(const std::string& path);  // appends to an existing log
  Status Append(WalRecordType type, std::string_view payload);
  Status Sync() { return file_.Sync(); }
  Status Close() { return file_.is_open() ? file_.Close(true) : Status::OK(); }
  uint64_t size() const { return file_.size(); }

 private:
  FileWriter file_;
  std::string scratch_;
};

struct WalReplayStats {
  uint64_t records = 0;
  uint64_t valid_bytes = 0;   // prefix of the file holding whole, valid records
  bool torn_tail = false;     // the file ended in a partial or bad record
};

// Calls fn for each valid record in order; stops at the first partial or
// corrupt record (an unacknowledged torn write) and reports it. A missing file
// is an empty log. fn's error aborts the replay.
Status ReplayWal(const std::string& path, const std::function<Status(WalRecordType, std::string_view)>& fn,
                 WalReplayStats* stats);

// Cuts the log to `bytes` (drops a torn tail before appending again).
Status TruncateFile(const std::string& path, uint64_t bytes);

}  // namespace glassbox::index
