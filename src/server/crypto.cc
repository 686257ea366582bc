#include "server/crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <vector>

namespace glassbox::server {
namespace {

std::string ToHex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return ToHex(digest, sizeof digest);
}

Result<std::string> RandomHex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof why);
    return Status::IOError(std::string("cannot get random bytes from OpenSSL: ") + why);
  }
  return ToHex(raw.data(), raw.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The lengths of stored hashes are not secret; only their contents are.
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace glassbox::server
