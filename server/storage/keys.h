// Key encodings. Integers are 8-byte big-endian so that bytewise key order is numeric order:
// a scan over (thread id, seq) keys returns messages in sequence order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kring::storage::keys {

std::string U64(uint64_t a);                           // 8 bytes
std::string U64U64(uint64_t a, uint64_t b);            // 16 bytes
std::string U64Bytes(uint64_t a, std::string_view b);  // 8 bytes, then b

// Reads the big-endian u64 at `offset`; 0 if `key` is too short (callers check lengths).
uint64_t ReadU64(std::string_view key, size_t offset = 0);

// The first key after every key that starts with `prefix` (for a scan's end bound).
// Empty when no such key exists (prefix all 0xFF): an unbounded scan.
std::string PrefixEnd(std::string_view prefix);

inline constexpr std::string_view kNextId = "next_id";
inline constexpr std::string_view kSchemaVersion = "schema_version";

}  // namespace kring::storage::keys
