// SHA-256 and HMAC-SHA256 (OpenSSL), comparing secrets, and secret random
// bytes, for every part of Clinic Core that hashes or makes secrets: request
// fingerprints, etags, page-token MACs and keys, the audit trail's hash
// chain, token secrets and plugin files. A library of its own (clinic_hash)
// so only that code links OpenSSL's crypto.
#ifndef CLINIC_COMMON_CORE_HASH_H_
#define CLINIC_COMMON_CORE_HASH_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic {

inline constexpr size_t kSha256Bytes = 32;

// The SHA-256 digest of `bytes`: kSha256Bytes raw bytes.
std::string Sha256(absl::string_view bytes);

// The same digest as 64 lowercase hex digits, as sha256sum prints it.
std::string Sha256Hex(absl::string_view bytes);

// HMAC-SHA256 of `message` under `key` (RFC 2104): kSha256Bytes raw bytes.
std::string HmacSha256(absl::string_view key, absl::string_view message);

// Whether `a` and `b` hold the same bytes, in a time that depends on their
// length only, not on where they differ, so comparing a MAC or a secret
// tells an attacker nothing about how close a guess came. Lengths are not
// secret: values of different lengths are unequal at once.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// `count` bytes from OpenSSL's cryptographically secure generator, for keys
// and secrets; INTERNAL when the generator cannot give them, so nothing is
// ever made secret with predictable bytes.
absl::StatusOr<std::string> RandomBytes(size_t count);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_HASH_H_
