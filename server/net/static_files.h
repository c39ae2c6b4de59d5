// The web app's files as kringd serves them at `/`: which file a request path names, whether it
// may be served, its MIME type and how long browsers may cache it. Plain C++ (no Beast), so the
// decisions are unit-tested without sockets; web_endpoints.cc puts the answer on the wire.
//
// Path safety: the path is percent-decoded once; a decoded path with a NUL or another control
// character, a backslash, or a segment that starts with '.' (so "..", "." and hidden files,
// however encoded) is refused; the file found is resolved through its symlinks and must still
// lie inside the web root. Directories are never listed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kring::net {

// The headers on every HTTP response of kringd (static files, /healthz, errors, the session
// endpoints): a strict Content-Security-Policy (no inline script or style, no eval, connections
// only to this origin, no framing), no MIME sniffing, no Referer.
inline constexpr std::pair<std::string_view, std::string_view> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
     "form-action 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
};

inline constexpr std::string_view kNoCache = "no-cache";  // index.html: revalidate every time
inline constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

// Files larger than this are not served (the app's are far smaller; this bounds memory).
inline constexpr size_t kMaxStaticFileBytes = 32 * 1024 * 1024;

// The decoded path below the web root ("index.html", "assets/app-3F2A.js") for a request
// target's path (query already removed), or nullopt if it is malformed or unsafe (see above).
// "/" and "" give "".
std::optional<std::string> SafeRelativePath(std::string_view target_path);

// The Content-Type for a file name by its extension; "application/octet-stream" if unknown.
std::string_view MimeTypeFor(std::string_view file_name);

// The Cache-Control for a path below the web root: immutable for hashed assets under assets/,
// no-cache for the rest (index.html, the manifest, the icon).
std::string_view CacheControlFor(std::string_view relative_path);

struct StaticFile {
  int status = 404;               // 200, 400 (unsafe path), 404, 500 (unreadable)
  std::string relative_path;      // what was served (200)
  std::string_view content_type;  // with status 200
  std::string_view cache_control;
  std::string body;  // the file (200) or a short plain-text reason
};

// The web root: a directory that may not exist (then every path is 404). Thread-safe (reads the
// disk on every call; the app's files may be rebuilt while kringd runs). Blocks on disk reads.
class WebRoot {
 public:
  explicit WebRoot(std::string root) : root_(std::move(root)) {}

  // The file for a GET of `target_path`: "/" is index.html; a missing path whose last segment
  // has no '.' is index.html too (the app's own routes), except under /v1/ (the API's).
  StaticFile Get(std::string_view target_path) const;

  const std::string& root() const { return root_; }

 private:
  const std::string root_;
};

}  // namespace kring::net
