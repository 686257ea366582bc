// File helpers: buffered writer with fsync, read-only memory maps, atomic
// replace, directory sync, and an exclusive lock file.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "glassbox/status.h"

namespace glassbox::index {

class FileWriter {
 public:
  FileWriter() = default;
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  // Creates or truncates `path` (append: keeps and appends).
  Status Open(const std::string& path, bool append = false);
  Status Append(std::string_view data);
  Status Flush();  // write(2) what is buffered
  Status Sync();   // Flush + fdatasync
  Status Close(bool sync);
  uint64_t size() const { return size_; }
  bool is_open() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string buf_;
  uint64_t size_ = 0;
};

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  Status Open(const std::string& path);
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

Status ReadFileToString(const std::string& path, std::string* out);
// Writes `data` to path.tmp, fsyncs, renames over path, fsyncs the directory.
Status AtomicWriteFile(const std::string& path, std::string_view data);
Status SyncDir(const std::string& dir);
std::string ErrnoMessage(const std::string& what, const std::string& path);

// An exclusive advisory lock (flock) on dir/LOCK, held until destroyed.
class DirLock {
 public:
  ~DirLock();
  static Result<std::unique_ptr<DirLock>> Acquire(const std::string& dir);

 private:
  int fd_ = -1;
};

}  // namespace glassbox::index
