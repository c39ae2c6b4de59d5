// Validation of text that arrives from apps.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kring {

// True if `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF, no truncated sequences. NUL is rejected too: it breaks C strings in apps.
bool IsValidUtf8(std::string_view s);

// An account handle in canonical form (lower case), or nullopt if it is not 1..64 bytes of
// [a-z0-9._-] after lower-casing ASCII letters.
std::optional<std::string> CanonicalHandle(std::string_view handle);

}  // namespace kring
