#include "server/core/text.h"

namespace kring {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c == 0) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte without a lead, or 0xF8..0xFF
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return false;        // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;     // UTF-16 surrogate
    if (cp > 0x10FFFF) return false;
    p += extra + 1;
  }
  return true;
}

std::optional<std::string> CanonicalHandle(std::string_view handle) {
  if (handle.empty() || handle.size() > 64) return std::nullopt;
  std::string out;
  out.reserve(handle.size());
  for (char c : handle) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace kring
