// Sealing content at rest (issue 16): AES-256-GCM through OpenSSL, each sealed value bound to
// the identity of the record it belongs to (its associated data), so a ciphertext copied into
// another record, another network or another field does not open. Network data keys are sealed
// the same way under the master key ("wrapped"), bound to their network.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/core/random.h"
#include "server/core/status.h"

namespace kring {

// A 256-bit AES key. Not printable, not comparable: pass it by reference, never log it.
struct SealingKey {
  std::array<unsigned char, 32> bytes{};
  static SealingKey Generate(Random& random);
  // Exactly 32 raw bytes, else INVALID_ARGUMENT.
  static StatusOr<SealingKey> FromBytes(std::string_view raw);
};

// version (1 byte, 1) | nonce (12 random bytes) | ciphertext (as long as the plaintext) | tag
// (16 bytes). A random nonce per seal: at 2^32 seals under one key the chance of a repeat stays
// below 2^-32 (NIST SP 800-38D, 8.3); a network's key seals far fewer values than that.
inline constexpr size_t kSealOverhead = 1 + 12 + 16;

std::string Seal(const SealingKey& key, std::string_view plaintext, std::string_view associated,
                 Random& random);

// The plaintext, or FAILED_PRECONDITION when the value is not one sealed by `key` with exactly
// `associated` (tampered, truncated, moved to another record, or another key).
StatusOr<std::string> Open(const SealingKey& key, std::string_view sealed,
                           std::string_view associated);

// A network's data key sealed under the master key, bound to the network's id.
std::string WrapNetworkKey(const SealingKey& master, uint64_t network_id,
                           const SealingKey& network_key, Random& random);
StatusOr<SealingKey> UnwrapNetworkKey(const SealingKey& master, uint64_t network_id,
                                      std::string_view wrapped);

}  // namespace kring
