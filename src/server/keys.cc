#include "server/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "server/crypto.h"

namespace glassbox::server {
namespace {

using nlohmann::json;

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json KeyToJson(const ApiKey& k) {
  return {{"id", k.id},       {"name", k.name},     {"role", RoleName(k.role)}, {"collections", k.collections},
          {"user", k.user},   {"groups", k.groups}, {"salt", k.salt},           {"hash", k.hash},
          {"revoked", k.revoked}, {"created", k.created}};
}

Status WriteKeys(const std::string& path, const std::vector<ApiKey>& keys) {
  std::string tmp = path + ".tmp";
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IOError("cannot write " + tmp);
    std::string text;
    for (const auto& k : keys) text += KeyToJson(k).dump() + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Status::IOError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError("cannot rename " + tmp + " to " + path);
  return Status::OK();
}

std::string HashKey(const std::string& salt, const std::string& key) { return Sha256Hex(salt + key); }

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kReader: return "reader";
    case Role::kWriter: return "writer";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

bool ParseRole(const std::string& s, Role* r) {
  if (s == "reader") *r = Role::kReader;
  else if (s == "writer") *r = Role::kWriter;
  else if (s == "admin") *r = Role::kAdmin;
  else return false;
  return true;
}

bool ApiKey::AllowsCollection(const std::string& c) const {
  if (collections.empty()) return true;
  for (const auto& x : collections)
    if (x == c) return true;
  return false;
}

Result<std::vector<ApiKey>> LoadKeys(const std::string& path) {
  std::vector<ApiKey> keys;
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return keys;
    return Status::IOError("cannot read " + path);
  }
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno) + ": ";
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::Corruption(where + "not a JSON object");
    try {
      ApiKey k;
      k.id = j.at("id").get<std::string>();
      k.name = j.value("name", "");
      if (!ParseRole(j.at("role").get<std::string>(), &k.role)) return Status::Corruption(where + "unknown role");
      k.collections = j.value("collections", std::vector<std::string>());
      k.user = j.value("user", "");
      k.groups = j.value("groups", std::vector<std::string>());
      k.salt = j.at("salt").get<std::string>();
      k.hash = j.at("hash").get<std::string>();
      k.revoked = j.value("revoked", false);
      k.created = j.value("created", "");
      keys.push_back(std::move(k));
    } catch (const json::exception& e) {
      return Status::Corruption(where + e.what());
    }
  }
  return keys;
}

Result<std::string> CreateKey(const std::string& path, ApiKey spec) {
  if (spec.name.empty()) return Status::InvalidArgument("a key needs a name");
  auto keys = LoadKeys(path);
  if (!keys.ok()) return keys.status();
  for (const auto& k : *keys)
    if (k.name == spec.name && !k.revoked) return Status::AlreadyExists("a key named '" + spec.name + "' exists");
  auto id = RandomHex(4), secret_part = RandomHex(24), salt = RandomHex(16);
  for (const auto* r : {&id, &secret_part, &salt})
    if (!r->ok()) return r->status();
  spec.id = *id;
  std::string secret = "gbk_" + spec.id + "_" + *secret_part;
  spec.salt = *salt;
  spec.hash = HashKey(spec.salt, secret);
  spec.revoked = false;
  spec.created = NowIso();
  keys->push_back(std::move(spec));
  GB_RETURN_IF_ERROR(WriteKeys(path, *keys));
  return secret;
}

Status RevokeKey(const std::string& path, const std::string& name_or_id) {
  auto keys = LoadKeys(path);
  if (!keys.ok()) return keys.status();
  size_t n = 0;
  for (auto& k : *keys)
    if (!k.revoked && (k.name == name_or_id || k.id == name_or_id)) {
      k.revoked = true;
      ++n;
    }
  if (n == 0) return Status::NotFound("no active key named '" + name_or_id + "'");
  return WriteKeys(path, *keys);
}

Status KeyStore::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  auto keys = LoadKeys(path_);
  if (!keys.ok()) return keys.status();
  keys_ = std::move(*keys);
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    mtime_ = st.st_mtim;
    size_ = st.st_size;
  } else {
    size_ = kMissing;  // no file yet: no keys, as LoadKeys says, and nothing to report
  }
  return Status::OK();
}

void KeyStore::MaybeReload() {
  // Fail closed: a keys file that disappears or stops parsing after start
  // leaves no key valid (a deleted file must not keep the old keys working),
  // until a good file is back. Each change of state is reported once.
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (size_ != kMissing) {
      std::fprintf(stderr, "glassbox serve: error: cannot read the keys file %s (%s); no API key is valid until it is back\n",
                   path_.c_str(), std::strerror(errno));
      keys_.clear();
      size_ = kMissing;
    }
    return;
  }
  if (st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec && st.st_size == size_) return;
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  auto keys = LoadKeys(path_);
  if (!keys.ok()) {
    std::fprintf(stderr, "glassbox serve: error: %s; no API key is valid until the keys file is fixed\n",
                 keys.status().ToString().c_str());
    keys_.clear();
    return;
  }
  keys_ = std::move(*keys);
}

std::optional<ApiKey> KeyStore::Authenticate(const std::string& token) {
  // gbk_<8 hex id>_<48 hex secret>
  if (token.size() != 4 + 8 + 1 + 48 || token.compare(0, 4, "gbk_") != 0 || token[12] != '_') return std::nullopt;
  const std::string id = token.substr(4, 8);
  std::lock_guard<std::mutex> lock(mu_);
  MaybeReload();
  for (const auto& k : keys_) {
    if (k.id != id || k.revoked) continue;
    if (ConstantTimeEquals(HashKey(k.salt, token), k.hash)) return k;
  }
  return std::nullopt;
}

}  // namespace glassbox::server
