#include "index/wal.h"

#include <unistd.h>

#include "index/coding.h"

namespace glassbox::index {

Status WalWriter::Open(const std::string& path) { return file_.Open(path, /*append=*/true); }

Status WalWriter::Append(WalRecordType type, std::string_view payload) {
  scratch_.clear();
  PutFixed32(&scratch_, static_cast<uint32_t>(payload.size() + 1));
  PutFixed32(&scratch_, 0);
  scratch_.push_back(static_cast<char>(type));
  scratch_.append(payload);
  uint32_t crc = Crc32c(scratch_.data() + 8, scratch_.size() - 8);
  std::memcpy(scratch_.data() + 4, &crc, 4);
  GB_RETURN_IF_ERROR(file_.Append(scratch_));
  return file_.Flush();  // in the kernel now: survives the process dying
}

Status ReplayWal(const std::string& path, const std::function<Status(WalRecordType, std::string_view)>& fn,
                 WalReplayStats* stats) {
  *stats = WalReplayStats();
  MappedFile f;
  Status s = f.Open(path);
  if (s.code() == Status::Code::kNotFound) return Status::OK();
  GB_RETURN_IF_ERROR(s);
  const char* p = f.data();
  size_t left = f.size();
  while (left > 0) {
    if (left < 9) { stats->torn_tail = true; break; }
    uint32_t len = GetFixed32(p), crc = GetFixed32(p + 4);
    if (len == 0 || len > left - 8 || Crc32c(p + 8, len) != crc) { stats->torn_tail = true; break; }
    auto type = static_cast<WalRecordType>(p[8]);
    if (type != WalRecordType::kAdd && type != WalRecordType::kDelete) { stats->torn_tail = true; break; }
    GB_RETURN_IF_ERROR(fn(type, std::string_view(p + 9, len - 1)));
    p += 8 + len;
    left -= 8 + len;
    stats->records++;
    stats->valid_bytes += 8 + len;
  }
  return Status::OK();
}

Status TruncateFile(const std::string& path, uint64_t bytes) {
  if (::truncate(path.c_str(), static_cast<off_t>(bytes)) != 0)
    return Status::IOError(ErrnoMessage("cannot truncate", path));
  return Status::OK();
}

}  // namespace glassbox::index
