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
    if (cp < kMinForLength[extra]) return false;     // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // UTF-16 surrogate
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

namespace {

// The length of the valid UTF-8 character (not NUL) at p, or 0 if there is none.
size_t Utf8CharLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  if (c != 0 && c < 0x80) return 1;
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
    return 0;  // NUL, a continuation byte without a lead, or 0xF8..0xFF
  }
  if (end - p <= extra) return 0;
  for (int i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return static_cast<size_t>(extra) + 1;
}

// Where the first byte that does not begin a valid character is, or s.size().
size_t ValidUtf8Prefix(std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = begin + s.size();
  const auto* p = begin;
  while (p < end) {
    const size_t n = Utf8CharLength(p, end);
    if (n == 0) break;
    p += n;
  }
  return static_cast<size_t>(p - begin);
}

}  // namespace

std::string_view CutUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  // Back up over continuation bytes to the lead of the character the cut falls in; if that
  // character does not fit whole, it goes. (At most 3 steps for UTF-8.)
  size_t lead = cut;
  while (lead > 0 && cut - lead < 3 && (static_cast<unsigned char>(s[lead]) & 0xC0) == 0x80) {
    --lead;
  }
  if (lead < cut && (static_cast<unsigned char>(s[lead]) & 0xC0) == 0xC0) cut = lead;
  return s.substr(0, cut);
}

bool MakeValidUtf8(std::string* s) {
  size_t valid = ValidUtf8Prefix(*s);
  if (valid == s->size()) return false;
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out(s->data(), valid);
  const auto* end = reinterpret_cast<const unsigned char*>(s->data()) + s->size();
  const auto* p = reinterpret_cast<const unsigned char*>(s->data()) + valid;
  while (p < end) {
    const size_t n = Utf8CharLength(p, end);
    if (n == 0) {
      out += kReplacement;
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
  *s = std::move(out);
  return true;
}

}  // namespace kring
