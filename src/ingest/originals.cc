#include "ingest/originals.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <openssl/sha.h>

namespace glassbox::ingest {
namespace {

namespace fs = std::filesystem;

bool IsHash(const std::string& h) {
  if (h.size() != 64) return false;
  for (char c : h)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::IOError(path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(path + ": fsync: " + std::strerror(errno));
  return Status::OK();
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * sizeof digest, '0');
  for (size_t i = 0; i < sizeof digest; ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return out;
}

bool IsPageViewable(std::string_view b) {
  return b.substr(0, 5) == "%PDF-" || b.substr(0, 4) == "\x89PNG" || b.substr(0, 3) == "\xFF\xD8\xFF" ||
         b.substr(0, 4) == std::string_view("II*\0", 4) || b.substr(0, 4) == std::string_view("MM\0*", 4);
}

Status StoreOriginal(const std::string& dir, const std::string& hash, std::string_view bytes) {
  if (!IsHash(hash)) return Status::InvalidArgument("bad original hash '" + hash + "'");
  const fs::path folder = fs::path(dir) / "originals";
  const fs::path path = folder / hash;
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) == bytes.size()) return Status::OK();
  fs::create_directories(folder, ec);
  if (ec) return Status::IOError(folder.string() + ": " + ec.message());
  static std::atomic<uint64_t> counter{0};
  const fs::path tmp = folder / (hash + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      return Status::IOError(tmp.string() + ": cannot write the copy of the original");
    }
  }
  if (Status s = SyncPath(tmp.string(), O_RDONLY); !s.ok()) {
    fs::remove(tmp, ec);
    return s;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::IOError(path.string() + ": " + ec.message());
  }
  return SyncPath(folder.string(), O_RDONLY | O_DIRECTORY);
}

namespace {

// Copies whose hash was checked: path -> (size, modification time) then.
struct Verified {
  std::mutex mu;
  std::map<std::string, std::pair<uintmax_t, fs::file_time_type>> files;
  uint64_t checks = 0;
};
Verified& VerifiedCopies() {
  static Verified* v = new Verified;
  return *v;
}

}  // namespace

Result<std::string> LoadOriginal(const std::string& dir, const std::string& hash) {
  if (!IsHash(hash)) return Status::InvalidArgument("bad original hash '" + hash + "'");
  const fs::path path = fs::path(dir) / "originals" / hash;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("the collection's copy of the original file is missing");
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  const fs::file_time_type mtime = ec ? fs::file_time_type() : fs::last_write_time(path, ec);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = std::move(ss).str();
  Verified& v = VerifiedCopies();
  const std::string key = path.string();
  {
    std::lock_guard<std::mutex> lock(v.mu);
    auto it = v.files.find(key);
    if (!ec && it != v.files.end() && it->second.first == size && it->second.second == mtime && bytes.size() == size)
      return bytes;
    ++v.checks;
  }
  if (Sha256Hex(bytes) != hash) return Status::Corruption("the collection's copy of the original file is damaged");
  if (!ec && bytes.size() == size) {
    std::lock_guard<std::mutex> lock(v.mu);
    v.files[key] = {size, mtime};
  }
  return bytes;
}

uint64_t OriginalHashChecks() {
  Verified& v = VerifiedCopies();
  std::lock_guard<std::mutex> lock(v.mu);
  return v.checks;
}

std::vector<std::string> ListOriginals(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "originals", ec)) {
    std::string name = e.path().filename().string();
    if (IsHash(name)) out.push_back(std::move(name));
  }
  return out;
}

Status RemoveOriginal(const std::string& dir, const std::string& hash) {
  if (!IsHash(hash)) return Status::InvalidArgument("bad original hash '" + hash + "'");
  const fs::path path = fs::path(dir) / "originals" / hash;
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return Status::IOError(path.string() + ": " + ec.message());
  Verified& v = VerifiedCopies();
  std::lock_guard<std::mutex> lock(v.mu);
  v.files.erase(path.string());
  return Status::OK();
}

}  // namespace glassbox::ingest
