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

// Where the bytes of an opened read-only file live.
enum class Residency {
  // A shared map of the file: pages are the kernel's page cache, faulted in on
  // first touch, and reclaimed, aged and sampled by the kernel's memory
  // management like any cache page.
  kMapped,
  // Read once into memory of the process's own (anonymous, read-only after the
  // read; transparent huge pages where the kernel allows). Nothing is faulted
  // in later and the kernel does not scan these pages for reclaim (without
  // swap), so a search never waits on the kernel's memory management. See
  // docs/architecture.md, "Where a collection's bytes live".
  kInMemory,
  // kInMemory when the file takes at most a quarter of the memory available
  // (MemAvailable in /proc/meminfo) as it is opened, else kMapped.
  kAuto,
};

// The residency of segment and vector files, from the environment variable
// GLASSBOX_FILES ("memory", "mapped" or "auto"; unset or empty: "mapped").
// `glassbox serve` sets it to "auto" when it is unset: a server opens a
// collection once and searches it many times, while reading a large
// collection into memory makes a one-shot command's open about three times
// slower than mapping it. InvalidArgument names the variable and the value
// for anything else.
Result<Residency> ResidencyFromEnvironment();

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  Status Open(const std::string& path, Residency residency = Residency::kMapped);
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  bool in_memory() const { return in_memory_; }  // Open chose kInMemory

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  bool in_memory_ = false;
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
