// The hashing and encoding behind session tokens, idempotency keys and the access-log chain.
// Plain functions over bytes; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kring {

// SHA-256 of `data`, as 32 raw bytes.
std::string Sha256(std::string_view data);

// URL-safe base64 without padding (RFC 4648 section 5).
std::string Base64Url(std::string_view bytes);

}  // namespace kring
