// Fixed-width lowercase hex, 16 digits: how the fanout scenarios carry a send time (and, for
// XMPP, the message number) at the start of each message text, patched in place per message
// and read back at every arrival without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kring::bench {

constexpr size_t kHexDigits = 16;

inline void WriteHex16(char* out, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 15];
}

// False unless s begins with 16 lowercase hex digits (what WriteHex16 writes).
inline bool ReadHex16(std::string_view s, uint64_t* v) {
  if (s.size() < kHexDigits) return false;
  uint64_t r = 0;
  for (size_t i = 0; i < kHexDigits; ++i) {
    const char c = s[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    r = r << 4 | static_cast<uint64_t>(d);
  }
  *v = r;
  return true;
}

}  // namespace kring::bench
