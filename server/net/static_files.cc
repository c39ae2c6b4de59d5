#include "server/net/static_files.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace kring::net {
namespace fs = std::filesystem;

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string_view Extension(std::string_view name) {
  const size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  return name.substr(dot + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

// `path` lies inside `root` (both canonical): component by component, so "/web-other" is not
// inside "/web".
bool Inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

StaticFile Refusal(int status, std::string reason) {
  StaticFile file;
  file.status = status;
  file.cache_control = kNoCache;
  file.body = std::move(reason);
  return file;
}

// The regular file at `relative` inside `root`, if there is one (symlinks resolved, still
// inside). nullopt: none. A StaticFile with a status other than 200: there is, but unservable.
std::optional<StaticFile> ReadInside(const fs::path& root, const std::string& relative) {
  std::error_code ec;
  const fs::path found = fs::canonical(root / relative, ec);
  if (ec || !Inside(root, found)) return std::nullopt;
  if (!fs::is_regular_file(found, ec) || ec) return std::nullopt;
  const uintmax_t size = fs::file_size(found, ec);
  if (ec) return std::nullopt;
  if (size > kMaxStaticFileBytes) return Refusal(500, "the file is too large to serve");
  std::ifstream in(found, std::ios::binary);
  if (!in) return Refusal(500, "the file cannot be read");
  StaticFile file;
  file.status = 200;
  file.relative_path = relative;
  file.content_type = MimeTypeFor(relative);
  file.cache_control = CacheControlFor(relative);
  file.body.reserve(size);
  file.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Refusal(500, "the file cannot be read");
  return file;
}

}  // namespace

std::optional<std::string> SafeRelativePath(std::string_view target_path) {
  if (target_path.empty()) return std::string();
  if (target_path.front() != '/') return std::nullopt;
  std::optional<std::string> decoded = PercentDecode(target_path.substr(1));
  if (!decoded) return std::nullopt;
  size_t start = 0;
  while (start <= decoded->size()) {
    size_t end = decoded->find('/', start);
    if (end == std::string::npos) end = decoded->size();
    const std::string_view segment = std::string_view(*decoded).substr(start, end - start);
    if (!segment.empty() && segment.front() == '.') return std::nullopt;
    // An empty segment ("a//b") is harmless only at the end ("assets/": a directory).
    if (segment.empty() && end != decoded->size()) return std::nullopt;
    start = end + 1;
  }
  for (const char c : *decoded) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') return std::nullopt;
  }
  return decoded;
}

std::string_view MimeTypeFor(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes = {{
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"webmanifest", "application/manifest+json"},
      {"ico", "image/x-icon"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
      {"xml", "application/xml"},
  }};
  const std::string_view ext = Extension(file_name);
  for (const auto& [known, type] : kTypes) {
    if (EqualsIgnoreCase(ext, known)) return type;
  }
  return "application/octet-stream";
}

std::string_view CacheControlFor(std::string_view relative_path) {
  // Only hashed build output lives under assets/: its name changes with its content.
  if (relative_path.starts_with("assets/") && relative_path.size() > 7) return kImmutable;
  return kNoCache;
}

StaticFile WebRoot::Get(std::string_view target_path) const {
  std::optional<std::string> relative = SafeRelativePath(target_path);
  if (!relative) return Refusal(400, "bad path");
  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec || !fs::is_directory(root, ec)) return Refusal(404, "not found");

  if (relative->empty()) relative = "index.html";
  if (std::optional<StaticFile> file = ReadInside(root, *relative)) return std::move(*file);

  // The app's own routes ("/networks/12") load the app, which reads its location. Anything that
  // looks like a file ("x.js"), a directory ("assets/") or the API's namespace stays 404.
  const bool api = *relative == "v1" || relative->starts_with("v1/");
  const bool directory = relative->ends_with("/");
  const size_t slash = relative->rfind('/');
  const std::string_view last = slash == std::string::npos
                                    ? std::string_view(*relative)
                                    : std::string_view(*relative).substr(slash + 1);
  if (api || directory || last.find('.') != std::string_view::npos) {
    return Refusal(404, "not found");
  }
  if (std::optional<StaticFile> index = ReadInside(root, "index.html")) return std::move(*index);
  return Refusal(404, "not found");
}

}  // namespace kring::net
