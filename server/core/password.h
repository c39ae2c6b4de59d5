// Password hashing with Argon2id (RFC 9106), stored in the PHC string format
// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash") so parameters can change over time.
//
// Both functions are slow on purpose (tens of milliseconds with the defaults): call them on the
// blocking pool, never on an io thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/core/random.h"
#include "server/core/status.h"

namespace kring {

struct PasswordPolicy {
  // The defaults follow OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane).
  uint32_t time_cost = 2;
  uint32_t memory_kib = 19 * 1024;
  uint32_t parallelism = 1;
};

inline constexpr size_t kMinPasswordBytes = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;

// INVALID_ARGUMENT if the password is outside 12..1024 bytes.
Status CheckPasswordLength(std::string_view password);

StatusOr<std::string> HashPassword(std::string_view password, const PasswordPolicy& policy,
                                   Random& random);

// False for a wrong password and for a malformed `encoded`.
bool VerifyPassword(std::string_view password, std::string_view encoded);

}  // namespace kring
