// The browser's session rules, as plain C++ (no Beast) so they are unit-tested without sockets:
// the HttpOnly session cookie that carries the token instead of script, and the Origin check
// that keeps other sites from using it (cross-site request forgery, cross-site WebSocket
// hijacking). web_endpoints.cc applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kring/v1/kring.pb.h"

namespace kring::net {

inline constexpr std::string_view kSessionCookieName = "kring_session";

// The value of the kring_session cookie in a Cookie header ("a=1; kring_session=T; b=2"), or
// nullopt if absent or empty. The first one wins when a header carries several.
std::optional<std::string> SessionCookieFrom(std::string_view cookie_header);

// Set-Cookie values: the token for `max_age_seconds` (at least 0), and one that clears it.
// Secure, HttpOnly, SameSite=Strict, Path=/: script cannot read it, other sites cannot send it.
std::string SessionCookie(std::string_view token, int64_t max_age_seconds);
std::string ClearedSessionCookie();

// Whether `origin` (an Origin header's value) is one of `allowed`, compared exactly after
// lower-casing the scheme and host; an empty or "null" origin never is.
bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin);

// The origins a browser shows for kringd on this machine when none are configured:
// https://localhost:PORT, https://127.0.0.1:PORT and https://[::1]:PORT.
std::vector<std::string> LocalOrigins(uint16_t port);

// "https://Host:8443/" -> "https://host:8443": scheme and host lower case, no trailing slash.
// Empty if it is not scheme://host[:port].
std::string NormalizeOrigin(std::string_view origin);

// The HTTP status that carries a typed error of the session endpoints.
unsigned HttpStatusFor(v1::Error::Code code);

}  // namespace kring::net
