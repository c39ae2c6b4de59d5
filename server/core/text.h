// Validation of text that arrives from apps.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/core/status.h"

namespace kring {

// True if `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF, no truncated sequences. NUL is rejected too: it breaks C strings in apps.
bool IsValidUtf8(std::string_view s);

// OK if `name` (valid UTF-8) can stand for a person, a role or a thread wherever it is shown.
// Else INVALID_ARGUMENT naming the first character that would let one name pass for another or
// reorder the line it is shown in, and its position in characters (code points) from 1, as
// "<what> has a right-to-left override (U+202E) at character 4". Refused: C0 controls (tab and
// newline too), DEL and C1 controls; bidi embeddings, overrides, isolates and marks (an app shows
// each name isolated, so none is needed); invisible characters (zero-width space, word joiner,
// BOM, soft hyphen, invisible operators, tags outside a flag emoji); line and paragraph
// separators. ZWNJ and ZWJ only between two non-ASCII characters (see text.cc). Also
// INVALID_ARGUMENT if `name` is not valid UTF-8. Lengths and emptiness are the caller's rules.
// Message text is not a name: people type newlines and bidi marks there.
Status CheckNameCharacters(std::string_view name, std::string_view what);

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
