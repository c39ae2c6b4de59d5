#include "client-sdk/cli/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace kring::cli {
namespace {

constexpr char kFileName[] = "session";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool HasNewline(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

}  // namespace

bool KringHome(std::string* dir, std::string* error) {
  if (const char* home = std::getenv("KRING_HOME"); home != nullptr && *home != '\0') {
    *dir = home;
    return true;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    *dir = std::string(home) + "/.config/kring";
    return true;
  }
  *error = "neither KRING_HOME nor HOME is set: cannot tell where the session file lives";
  return false;
}

bool LoadSession(const std::string& dir, SavedSession* out, std::string* error) {
  *out = {};
  const std::string path = dir + "/" + kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return true;
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    std::string value = line.substr(eq + 1);
    if (key == "server") out->server = std::move(value);
    if (key == "ca") out->ca = std::move(value);
    if (key == "token") out->token = std::move(value);
  }
  if (in.bad()) {
    *error = "cannot read " + path;
    return false;
  }
  return true;
}

bool SaveSession(const std::string& dir, const SavedSession& session, std::string* error) {
  if (HasNewline(session.server) || HasNewline(session.ca) || HasNewline(session.token)) {
    *error = "the server, CA path and token must not contain line breaks";
    return false;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    const fs::path parent = fs::path(dir).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      *error = Errno("cannot create " + dir);
      return false;
    }
  }
  const std::string path = dir + "/" + kFileName;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = Errno("cannot write " + tmp);
    return false;
  }
  const std::string text =
      "server=" + session.server + "\nca=" + session.ca + "\ntoken=" + session.token + "\n";
  // fchmod: an old temp file left by a crash keeps its mode through O_TRUNC.
  const bool ok = ::fchmod(fd, 0600) == 0 && WriteAll(fd, text) && ::fsync(fd) == 0;
  const std::string write_error = ok ? "" : Errno("cannot write " + tmp);
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    *error = write_error;
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = Errno("cannot replace " + path);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace kring::cli
