// The attachment endpoints' rules, as plain C++ (no Beast) so they are unit-tested without
// sockets: their paths, how a request proves its session, and the download's headers.
// attachment_http.cc applies them (docs/protocol.md, "Attachments").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kring::net {

// POST /v1/networks/N/threads/T/attachments?name=NAME (NAME percent-encoded UTF-8).
struct UploadTarget {
  uint64_t network_id = 0;
  uint64_t thread_id = 0;
  std::string name;
};
// GET /v1/networks/N/attachments/ID, and .../ID/thumbnail.
struct DownloadTarget {
  uint64_t network_id = 0;
  uint64_t attachment_id = 0;
  bool thumbnail = false;
};

// Whether `path` (no query) is under /v1/networks/: an attachment endpoint or no endpoint.
bool IsAttachmentPath(std::string_view path);
// The upload or download a request target names; nullopt when it names neither (or an id is not
// a positive decimal number, or the name is not percent-encoded properly).
std::optional<UploadTarget> ParseUploadTarget(std::string_view target);
std::optional<DownloadTarget> ParseDownloadTarget(std::string_view target);

// How a request proves its session: `Authorization: Bearer TOKEN` (the SDK, the CLI, curl), or
// the browser's kring_session cookie from an allowed Origin. A request with the cookie and
// another Origin is refused (forgery); `origin_required` (uploads: they change state) refuses
// the cookie without an Origin too. A GET a browser makes for a download link carries no
// Origin; its SameSite=Strict cookie is what keeps other sites out.
struct Credentials {
  std::optional<std::string> token;  // none: unauthenticated
  bool refused = false;              // the cookie came with an Origin that is not allowed
};
Credentials CredentialsOf(std::string_view authorization, std::string_view cookie,
                          std::string_view origin, const std::vector<std::string>& origins,
                          bool origin_required);

// `attachment; filename*=UTF-8''NAME` with NAME percent-encoded (RFC 6266, RFC 8187): the browser
// saves the file under its name and never shows it in place.
std::string ContentDisposition(std::string_view name);

// What a download is served with besides its type: never run as a page, never sniffed.
inline constexpr std::string_view kDownloadCsp = "sandbox; default-src 'none'";

}  // namespace kring::net
