#include "server/app/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace kring::app {
namespace {

namespace fs = std::filesystem;

Status Refuse(const std::string& path, const std::string& why) {
  return InvalidArgument("master key file " + path + ": " + why);
}

// Writes 32 fresh random bytes to `path` (which must not exist) with mode 0600, durably.
Status MakeDevKey(const fs::path& path, Random& random) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Internal("cannot create " + path.parent_path().string() + ": " + ec.message());
  ::chmod(path.parent_path().c_str(), 0700);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create " + path.string() + ": " + std::strerror(errno));
  const std::string raw = random.Bytes(32);
  const bool ok =
      ::write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Internal("cannot write " + path.string());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<SealingKey> ReadMasterKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Refuse(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Refuse(path, "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Refuse(path, std::string("readable by group or others (mode ") + mode +
                            "); make it 0600: chmod 600 " + path);
  }
  std::string raw(33, '\0');
  const ssize_t n = ::read(fd, raw.data(), raw.size());
  ::close(fd);
  if (n != 32) {
    return Refuse(path, "must hold exactly 32 bytes (e.g. head -c 32 /dev/urandom), holds " +
                            std::to_string(n < 0 ? 0 : st.st_size));
  }
  raw.resize(32);
  return SealingKey::FromBytes(raw);
}

StatusOr<SealingKey> LoadMasterKey(const Config& config, Random& random, bool* made) {
  if (made != nullptr) *made = false;
  if (!config.storage.master_key_file.empty()) {
    return ReadMasterKeyFile(config.storage.master_key_file);
  }
  if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials != nullptr) {
    const fs::path path = fs::path(credentials) / kMasterKeyCredential;
    std::error_code ec;
    if (fs::exists(path, ec)) return ReadMasterKeyFile(path.string());
  }
  if (!config.tls.cert_file.empty()) {
    return InvalidArgument(
        "no master key: set [storage] master_key_file (32 random bytes, mode 0600, outside the "
        "data dir) or give systemd credential " +
        std::string(kMasterKeyCredential));
  }
  // Dev mode: beside the dev certificate, made once.
  const fs::path path = fs::path(config.server.data_dir) / "tls" / "master.key";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    KRING_RETURN_IF_ERROR(MakeDevKey(path, random));
    if (made != nullptr) *made = true;
  }
  return ReadMasterKeyFile(path.string());
}

}  // namespace kring::app
