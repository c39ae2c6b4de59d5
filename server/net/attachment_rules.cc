#include "server/net/attachment_rules.h"

#include <charconv>

#include "server/net/browser_session.h"

namespace kring::net {

namespace {

constexpr std::string_view kNetworks = "/v1/networks/";

// A positive decimal id, the whole of `s`.
std::optional<uint64_t> ParseId(std::string_view s) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value == 0) {
    return std::nullopt;
  }
  return value;
}

// The path's segments after /v1/networks/.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(kNetworks.size());
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] != '%') {
      out.push_back(s[i]);
    } else {
      if (i + 2 >= s.size()) return std::nullopt;
      const int high = HexValue(s[i + 1]);
      const int low = HexValue(s[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high << 4 | low));
      i += 2;
    }
  }
  return out;
}

}  // namespace

bool IsAttachmentPath(std::string_view path) { return path.starts_with(kNetworks); }

std::optional<UploadTarget> ParseUploadTarget(std::string_view target) {
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  if (!IsAttachmentPath(path)) return std::nullopt;
  const std::vector<std::string_view> parts = Segments(path);
  if (parts.size() != 4 || parts[1] != "threads" || parts[3] != "attachments") return std::nullopt;
  auto network = ParseId(parts[0]);
  auto thread = ParseId(parts[2]);
  if (!network || !thread) return std::nullopt;
  UploadTarget out{*network, *thread, {}};
  std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with("name=")) {
      auto name = PercentDecode(pair.substr(5));
      if (!name) return std::nullopt;
      out.name = std::move(*name);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::optional<DownloadTarget> ParseDownloadTarget(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (!IsAttachmentPath(path)) return std::nullopt;
  const std::vector<std::string_view> parts = Segments(path);
  if (parts.size() < 3 || parts.size() > 4 || parts[1] != "attachments") return std::nullopt;
  if (parts.size() == 4 && parts[3] != "thumbnail") return std::nullopt;
  auto network = ParseId(parts[0]);
  auto id = ParseId(parts[2]);
  if (!network || !id) return std::nullopt;
  return DownloadTarget{*network, *id, parts.size() == 4};
}

Credentials CredentialsOf(std::string_view authorization, std::string_view cookie,
                          std::string_view origin, const std::vector<std::string>& origins,
                          bool origin_required) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.starts_with(kBearer)) {
    std::string_view token = authorization.substr(kBearer.size());
    if (token.empty()) return {};
    return {std::string(token), false};
  }
  std::optional<std::string> from_cookie = SessionCookieFrom(cookie);
  if (!from_cookie) return {};
  if (origin.empty() && !origin_required) return {std::move(from_cookie), false};
  if (!OriginAllowed(origins, origin)) return {std::nullopt, true};
  return {std::move(from_cookie), false};
}

std::string ContentDisposition(std::string_view name) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "attachment; filename*=UTF-8''";
  for (unsigned char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

}  // namespace kring::net
