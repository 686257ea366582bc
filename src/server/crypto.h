// The cryptography of API keys, from OpenSSL's libcrypto: SHA-256 digests,
// random bytes from the system's CSPRNG, and constant-time comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "glassbox/status.h"

namespace glassbox::server {

// Lower-case hex SHA-256 digest of s.
std::string Sha256Hex(std::string_view s);
// `bytes` random bytes (RAND_bytes) as 2 * bytes lower-case hex digits; an
// error if OpenSSL's generator cannot be seeded (never a weaker fallback).
Result<std::string> RandomHex(size_t bytes);
// Whether a == b, in time that depends only on their lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace glassbox::server
