#include "server/net/browser_session.h"

#include <algorithm>

namespace kring::net {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Characters a token may hold in a cookie value: base64url (what kringd makes) and nothing
// that could end the attribute list.
bool CookieSafe(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~' || c == '=';
  });
}

}  // namespace

std::optional<std::string> SessionCookieFrom(std::string_view header) {
  while (!header.empty()) {
    const size_t semicolon = header.find(';');
    const std::string_view pair = Trim(header.substr(0, semicolon));
    header =
        semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != kSessionCookieName) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty() || !CookieSafe(value)) return std::nullopt;
    return std::string(value);
  }
  return std::nullopt;
}

std::string SessionCookie(std::string_view token, int64_t max_age_seconds) {
  return std::string(kSessionCookieName) + "=" + std::string(token) +
         "; Path=/; Max-Age=" + std::to_string(std::max<int64_t>(0, max_age_seconds)) +
         "; Secure; HttpOnly; SameSite=Strict";
}

std::string ClearedSessionCookie() { return SessionCookie("", 0); }

std::string NormalizeOrigin(std::string_view origin) {
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return {};
  std::string out(origin);
  while (!out.empty() && out.back() == '/') out.pop_back();
  const size_t host_start = scheme_end + 3;
  if (out.size() <= host_start || out.find('/', host_start) != std::string::npos) return {};
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin) {
  const std::string normalized = NormalizeOrigin(origin);
  if (normalized.empty()) return false;  // also "null", sent by sandboxed and file: pages
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return NormalizeOrigin(a) == normalized; });
}

std::vector<std::string> LocalOrigins(uint16_t port) {
  const std::string p = ":" + std::to_string(port);
  return {"https://localhost" + p, "https://127.0.0.1" + p, "https://[::1]" + p};
}

unsigned HttpStatusFor(v1::Error::Code code) {
  switch (code) {
    case v1::Error::UNAUTHENTICATED:
      return 401;
    case v1::Error::PERMISSION_DENIED:
      return 403;
    case v1::Error::NOT_FOUND:
      return 404;
    case v1::Error::INVALID_ARGUMENT:
      return 400;
    case v1::Error::ALREADY_EXISTS:
    case v1::Error::FAILED_PRECONDITION:
      return 409;
    case v1::Error::RESOURCE_EXHAUSTED:
      return 429;
    case v1::Error::UNIMPLEMENTED:
      return 501;
    default:
      return 500;
  }
}

}  // namespace kring::net
