#include "server/core/text.h"

#include <cstdint>
#include <string>

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

namespace {

// The code point at p (valid UTF-8, p < end), and advances p past it.
char32_t NextCodePoint(const unsigned char*& p) {
  const unsigned char c = *p++;
  if (c < 0x80) return c;
  int extra = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
  char32_t cp = c & (0x3F >> extra);
  while (extra-- > 0) cp = (cp << 6) | (*p++ & 0x3F);
  return cp;
}

struct RefusedRange {
  char32_t first, last;
  const char* name;  // with its article, as it reads in "<what> has <name> (U+XXXX) ..."
};

// Named entries come before the ranges that hold them: the first match names the character.
constexpr RefusedRange kRefusedInNames[] = {
    {0x0009, 0x0009, "a tab"},
    {0x000A, 0x000A, "a line feed"},
    {0x000D, 0x000D, "a carriage return"},
    {0x001B, 0x001B, "an escape character"},
    {0x0000, 0x001F, "a control character"},
    {0x007F, 0x007F, "a delete character"},
    {0x0080, 0x009F, "a C1 control character"},
    {0x00AD, 0x00AD, "a soft hyphen"},
    {0x061C, 0x061C, "an Arabic letter mark"},
    {0x200B, 0x200B, "a zero-width space"},
    {0x200C, 0x200C, "a zero-width non-joiner"},
    {0x200D, 0x200D, "a zero-width joiner"},
    {0x200E, 0x200E, "a left-to-right mark"},
    {0x200F, 0x200F, "a right-to-left mark"},
    {0x2028, 0x2028, "a line separator"},
    {0x2029, 0x2029, "a paragraph separator"},
    {0x202A, 0x202A, "a left-to-right embedding"},
    {0x202B, 0x202B, "a right-to-left embedding"},
    {0x202C, 0x202C, "a pop directional formatting"},
    {0x202D, 0x202D, "a left-to-right override"},
    {0x202E, 0x202E, "a right-to-left override"},
    {0x2060, 0x2060, "a word joiner"},
    {0x2061, 0x2064, "an invisible operator"},
    {0x2066, 0x2066, "a left-to-right isolate"},
    {0x2067, 0x2067, "a right-to-left isolate"},
    {0x2068, 0x2068, "a first-strong isolate"},
    {0x2069, 0x2069, "a pop directional isolate"},
    {0x206A, 0x206F, "a deprecated format character"},
    {0xFEFF, 0xFEFF, "a zero-width no-break space"},
    {0xFFF9, 0xFFFB, "an interlinear annotation character"},
    {0xE0000, 0xE007F, "a tag character"},
};

const RefusedRange* RefusedIn(char32_t cp) {
  for (const RefusedRange& r : kRefusedInNames) {
    if (cp >= r.first && cp <= r.last) return &r;
  }
  return nullptr;
}

constexpr char32_t kZwnj = 0x200C, kZwj = 0x200D;
constexpr char32_t kBlackFlag = 0x1F3F4;  // U+1F3F4 + tags + U+E007F: a subdivision flag

bool IsTag(char32_t cp) { return cp >= 0xE0000 && cp <= 0xE007F; }

// A neighbour a joiner may stand next to: a letter or symbol of some script, not ASCII and not
// itself refused or a joiner.
bool JoinsWithJoiner(char32_t cp) { return cp >= 0x80 && RefusedIn(cp) == nullptr; }

std::string CodePointLabel(char32_t cp) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string hex;
  for (char32_t v = cp; v != 0 || hex.size() < 4; v >>= 4)
    hex.insert(hex.begin(), kDigits[v & 0xF]);
  return "U+" + hex;
}

}  // namespace

Status CheckNameCharacters(std::string_view name, std::string_view what) {
  if (!IsValidUtf8(name)) return InvalidArgument(std::string(what) + " is not valid UTF-8");
  std::u32string cps;
  cps.reserve(name.size());
  for (const auto *p = reinterpret_cast<const unsigned char*>(name.data()), *end = p + name.size();
       p < end;) {
    cps.push_back(NextCodePoint(p));
  }
  for (size_t i = 0; i < cps.size(); ++i) {
    const char32_t cp = cps[i];
    const RefusedRange* refused = RefusedIn(cp);
    if (refused == nullptr) continue;
    std::string why;
    if (cp == kZwnj || cp == kZwj) {
      // ZWNJ and ZWJ are part of how people write their names in Persian (ZWNJ in
      // "ابراهیم‌زاده"), in Indic scripts (ZWJ/ZWNJ choose half forms and chillus in
      // Devanagari, Malayalam, Sinhala) and in emoji sequences, so refusing them would refuse those
      // names. They cannot be told apart from nothing, though: between ASCII letters ("j<ZWJ>o"
      // looks like "jo") they only disguise. So they are allowed exactly where a script joins:
      // between two non-ASCII characters. (Handles are ASCII and never contain them; Arabic and
      // Tigrinya names need neither.)
      if (i > 0 && i + 1 < cps.size() && JoinsWithJoiner(cps[i - 1]) &&
          JoinsWithJoiner(cps[i + 1])) {
        continue;
      }
      why = ", which only belongs between two letters of a script that joins them";
    }
    // Tags are invisible (they can smuggle text past a reader) except in a flag emoji.
    if (IsTag(cp) && i > 0 && (cps[i - 1] == kBlackFlag || IsTag(cps[i - 1]))) continue;
    return InvalidArgument(std::string(what) + " has " + refused->name + " (" + CodePointLabel(cp) +
                           ") at character " + std::to_string(i + 1) + why);
  }
  return Status::Ok();
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
