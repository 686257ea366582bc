#include "index/file_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace glassbox::index {

std::string ErrnoMessage(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) Close(false);
}

Status FileWriter::Open(const std::string& path, bool append) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd_ < 0) return Status::IOError(ErrnoMessage("cannot open", path));
  struct stat st;
  size_ = (append && ::fstat(fd_, &st) == 0) ? static_cast<uint64_t>(st.st_size) : 0;
  return Status::OK();
}

Status FileWriter::Append(std::string_view data) {
  size_ += data.size();
  if (buf_.size() + data.size() > (1 << 20)) {
    GB_RETURN_IF_ERROR(Flush());
    if (data.size() > (1 << 20)) {
      buf_.assign(data);
      return Flush();
    }
  }
  buf_.append(data);
  return Status::OK();
}

Status FileWriter::Flush() {
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(ErrnoMessage("cannot write", path_));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  buf_.clear();
  return Status::OK();
}

Status FileWriter::Sync() {
  GB_RETURN_IF_ERROR(Flush());
  if (::fdatasync(fd_) != 0) return Status::IOError(ErrnoMessage("cannot sync", path_));
  return Status::OK();
}

Status FileWriter::Close(bool sync) {
  Status s = sync ? Sync() : Flush();
  if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = Status::IOError(ErrnoMessage("cannot close", path_));
  fd_ = -1;
  return s;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr && size_ > 0) ::munmap(const_cast<char*>(data_), size_);
}

Result<Residency> ResidencyFromEnvironment() {
  const char* v = std::getenv("GLASSBOX_FILES");
  const std::string s = v == nullptr ? "" : v;
  if (s.empty() || s == "mapped") return Residency::kMapped;
  if (s == "memory") return Residency::kInMemory;
  if (s == "auto") return Residency::kAuto;
  return Status::InvalidArgument("environment variable GLASSBOX_FILES is \"" + s +
                                 "\"; it must be memory, mapped or auto (or unset)");
}

namespace {

// MemAvailable from /proc/meminfo in bytes; 0 when it cannot be read.
uint64_t MemAvailableBytes() {
  FILE* f = std::fopen("/proc/meminfo", "re");
  if (f == nullptr) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
  std::fclose(f);
  return static_cast<uint64_t>(kb) * 1024;
}

// Reads the whole of fd (size bytes) into fresh anonymous memory, read-only afterwards.
Result<const char*> ReadIntoMemory(int fd, size_t size, const std::string& path) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Status::IOError(ErrnoMessage("cannot allocate memory for", path));
#ifdef MADV_HUGEPAGE
  if (size >= (2u << 20)) ::madvise(p, size, MADV_HUGEPAGE);  // a hint; refused is fine
#endif
  char* dst = static_cast<char*>(p);
  size_t got = 0;
  while (got < size) {
    ssize_t r = ::pread(fd, dst + got, size - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      Status s = r < 0 ? Status::IOError(ErrnoMessage("cannot read", path))
                       : Status::Corruption(path + ": shrank while being read (" + std::to_string(got) + " of " +
                                            std::to_string(size) + " bytes)");
      ::munmap(p, size);
      return s;
    }
    got += static_cast<size_t>(r);
  }
  ::mprotect(p, size, PROT_READ);
  // The page cache keeps its copy: the kernel drops it when memory is short, and until then the next process
  // to open the file (every CLI command does) reads it from memory, not from the disk.
  return static_cast<const char*>(p);
}

}  // namespace

Status MappedFile::Open(const std::string& path, Residency residency) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::NotFound(ErrnoMessage("cannot open", path))
                                     : Status::IOError(ErrnoMessage("cannot open", path));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError(ErrnoMessage("cannot stat", path));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (residency == Residency::kAuto)
    residency = size_ <= MemAvailableBytes() / 4 ? Residency::kInMemory : Residency::kMapped;
  if (size_ > 0 && residency == Residency::kInMemory) {
    auto p = ReadIntoMemory(fd, size_, path);
    ::close(fd);
    if (!p.ok()) {
      size_ = 0;
      return p.status();
    }
    data_ = p.value();
    in_memory_ = true;
    return Status::OK();
  }
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return Status::IOError(ErrnoMessage("cannot map", path));
    }
    data_ = static_cast<const char*>(p);
  }
  ::close(fd);
  return Status::OK();
}

Status ReadFileToString(const std::string& path, std::string* out) {
  MappedFile f;
  GB_RETURN_IF_ERROR(f.Open(path));
  out->assign(f.data() ? f.data() : "", f.size());
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(ErrnoMessage("cannot open directory", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(ErrnoMessage("cannot sync directory", dir));
  return Status::OK();
}

Status AtomicWriteFile(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  FileWriter w;
  GB_RETURN_IF_ERROR(w.Open(tmp));
  GB_RETURN_IF_ERROR(w.Append(data));
  GB_RETURN_IF_ERROR(w.Close(true));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError(ErrnoMessage("cannot rename onto", path));
  return SyncDir(std::filesystem::path(path).parent_path().string());
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<DirLock>> DirLock::Acquire(const std::string& dir) {
  std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(ErrnoMessage("cannot open", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Busy("collection " + dir + " is open for writing by another process (" + path + " is locked)");
  }
  auto lock = std::unique_ptr<DirLock>(new DirLock());
  lock->fd_ = fd;
  return lock;
}

}  // namespace glassbox::index
