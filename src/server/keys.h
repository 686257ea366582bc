// API keys for `glassbox serve`, kept in a file of JSON lines, one key a line:
//   {"id":"3f2a9c1d","name":"bob-reader","role":"reader","collections":["kb"],
//    "user":"bob","groups":["eng"],"salt":"…","hash":"…","revoked":false,"created":"…"}
// A key is "gbk_<id>_<secret>"; only SHA-256(salt + key) is stored, so the key
// itself is shown once, when it is created.
#pragma once

#include <cstdint>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::server {

enum class Role { kReader = 0, kWriter = 1, kAdmin = 2 };
const char* RoleName(Role r);
bool ParseRole(const std::string& s, Role* r);

struct ApiKey {
  std::string id;                        // public part of the key, 8 hex digits
  std::string name;
  Role role = Role::kReader;
  std::vector<std::string> collections;  // empty: every collection
  std::string user;                      // principal for document-level access control
  std::vector<std::string> groups;
  std::string salt, hash;                // hex
  bool revoked = false;
  std::string created;                   // ISO 8601 UTC

  bool AllowsCollection(const std::string& c) const;
};

// Reads every key in `path` (a missing file holds no keys).
Result<std::vector<ApiKey>> LoadKeys(const std::string& path);
// Adds a key and returns the secret ("gbk_…"), to be shown once.
Result<std::string> CreateKey(const std::string& path, ApiKey spec);
// Marks keys whose name or id equals `name_or_id` revoked; NotFound if none.
Status RevokeKey(const std::string& path, const std::string& name_or_id);

// The keys of a file, re-read when the file changes (so `keys revoke` takes
// effect on a running server). Fails closed: while the file is missing,
// unreadable or malformed, no key is valid (an error goes to stderr).
// Thread-safe.
class KeyStore {
 public:
  explicit KeyStore(std::string path) : path_(std::move(path)) {}
  Status Load();
  // The key for an Authorization bearer token, if valid and not revoked.
  std::optional<ApiKey> Authenticate(const std::string& token);

 private:
  void MaybeReload();
  std::string path_;
  std::mutex mu_;
  std::vector<ApiKey> keys_;
  struct timespec mtime_ {};
  static constexpr off_t kMissing = -2;  // size_ while the file cannot be read
  off_t size_ = -1;
};

}  // namespace glassbox::server
