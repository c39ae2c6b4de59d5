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

// The longest prefix of `s` of at most `max_bytes` that does not end inside a UTF-8 sequence:
// a cut that would split a character drops the whole character. Invalid bytes are left as they
// are (MakeValidUtf8 replaces them).
std::string_view CutUtf8(std::string_view s, size_t max_bytes);

// Makes `*s` well-formed UTF-8 in the sense of IsValidUtf8: each byte that does not begin a
// valid character (and NUL) becomes U+FFFD. Returns whether anything changed. Already valid
// text is only scanned: no allocation, no copy.
bool MakeValidUtf8(std::string* s);

}  // namespace kring
