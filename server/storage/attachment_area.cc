#include "server/storage/attachment_area.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "server/storage/thumbnail.h"

namespace kring::storage {

namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Internal(Errno("write", path));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Internal(Errno("open", path));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal(Errno("fsync", path));
  return Status::Ok();
}

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Internal(Errno("mkdir", path));
  return Status::Ok();
}

// Moves `from` to `to` unless `to` exists (same name, same content): then drops `from`. True if
// it moved.
StatusOr<bool> MoveUnlessThere(const std::string& from, const std::string& to) {
  struct stat st {};
  if (::stat(to.c_str(), &st) == 0) {
    ::unlink(from.c_str());
    return false;
  }
  if (::rename(from.c_str(), to.c_str()) != 0) return Internal(Errno("rename to", to));
  return true;
}

}  // namespace

IncomingFile::IncomingFile(AttachmentArea& area, uint64_t network_id, uint64_t thread_id,
                           std::string path, int fd)
    : area_(area),
      network_id_(network_id),
      thread_id_(thread_id),
      path_(std::move(path)),
      fd_(fd),
      sha_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr);
}

IncomingFile::~IncomingFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!placed_) RemoveFiles();
  EVP_MD_CTX_free(sha_);
}

void IncomingFile::RemoveFiles() {
  ::unlink(path_.c_str());
  if (!thumbnail_path_.empty()) ::unlink(thumbnail_path_.c_str());
}

Status IncomingFile::Append(std::string_view bytes) {
  if (size_ + bytes.size() > area_.limits().max_bytes) {
    return ResourceExhausted("the file is larger than the limit of " +
                             std::to_string(area_.limits().max_bytes) + " bytes");
  }
  if (head_.size() < kFileHeadBytes) {
    head_.append(bytes.substr(0, kFileHeadBytes - head_.size()));
  }
  utf8_.Feed(bytes);
  EVP_DigestUpdate(sha_, bytes.data(), bytes.size());
  size_ += bytes.size();
  return WriteAll(fd_, bytes, path_);
}

Status IncomingFile::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(sha_, digest, &length);
  sha256_hex_ = Hex(digest, length);
  std::string tail(std::min<uint64_t>(size_, kFileTailBytes), '\0');
  if (!tail.empty()) {
    const ssize_t n = ::pread(fd_, tail.data(), tail.size(), size_ - tail.size());
    if (n != static_cast<ssize_t>(tail.size())) return Internal(Errno("read", path_));
  }
  content_type_ = DetectFileType({head_, tail, size_, utf8_.Valid()});
  if (content_type_.empty()) {
    return InvalidArgument(
        "the file's content is not one of the allowed types (PDF, PNG, JPEG, plain UTF-8 text, "
        "DOCX, ODT)");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<AttachmentArea>> AttachmentArea::Open(std::string dir,
                                                               AttachmentLimits limits,
                                                               Random& random) {
  KRING_RETURN_IF_ERROR(MakeDir(dir));
  const std::string tmp = dir + "/tmp";
  KRING_RETURN_IF_ERROR(MakeDir(tmp));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tmp, ec)) {
    std::filesystem::remove(entry.path(), ec);
  }
  return std::unique_ptr<AttachmentArea>(new AttachmentArea(std::move(dir), limits, random));
}

StatusOr<std::unique_ptr<IncomingFile>> AttachmentArea::Begin(uint64_t network_id,
                                                              uint64_t thread_id) {
  const std::string name = random_.Bytes(16);
  const std::string path =
      dir_ + "/tmp/" + Hex(reinterpret_cast<const unsigned char*>(name.data()), name.size());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Internal(Errno("create", path));
  // The reads of Finish go through the same descriptor.
  ::close(fd);
  const int rw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (rw < 0) {
    ::unlink(path.c_str());
    return Internal(Errno("open", path));
  }
  return std::unique_ptr<IncomingFile>(new IncomingFile(*this, network_id, thread_id, path, rw));
}

std::string AttachmentArea::Stage(std::unique_ptr<IncomingFile> file) {
  const std::string bytes = random_.Bytes(16);
  std::string id = Hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::lock_guard lock(mu_);
  staged_[id] = std::move(file);
  return id;
}

std::unique_ptr<IncomingFile> AttachmentArea::Take(std::string_view upload_id) {
  std::lock_guard lock(mu_);
  auto it = staged_.find(upload_id);
  if (it == staged_.end()) return nullptr;
  std::unique_ptr<IncomingFile> file = std::move(it->second);
  staged_.erase(it);
  return file;
}

void AttachmentArea::Discard(std::string_view upload_id) { Take(upload_id); }

Status AttachmentArea::Prepare(IncomingFile& file) {
  if (::fsync(file.fd_) != 0) return Internal(Errno("fsync", file.path_));
  const ImageSize image = ImageSizeOf(file.content_type_, file.head_);
  const uint64_t pixels = uint64_t{image.width} * image.height;
  if (pixels == 0 || pixels > limits_.max_image_pixels) return Status::Ok();
  std::optional<std::string> png = MakeThumbnail(file.path_, file.content_type_, kThumbnailPixels);
  if (!png) return Status::Ok();
  file.thumbnail_path_ = file.path_ + ".thumb";
  const int fd =
      ::open(file.thumbnail_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal(Errno("create", file.thumbnail_path_));
  Status written = WriteAll(fd, *png, file.thumbnail_path_);
  if (written.ok() && ::fsync(fd) != 0) written = Internal(Errno("fsync", file.thumbnail_path_));
  ::close(fd);
  KRING_RETURN_IF_ERROR(written);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(png->data(), png->size(), digest, &length, EVP_sha256(), nullptr);
  file.thumbnail_sha256_hex_ = Hex(digest, length);
  file.thumbnail_size_ = png->size();
  return Status::Ok();
}

Status AttachmentArea::Place(IncomingFile& file) {
  const std::string network_dir = dir_ + "/n" + std::to_string(file.network_id_);
  struct stat st {};
  if (::stat(network_dir.c_str(), &st) != 0) {
    KRING_RETURN_IF_ERROR(MakeDir(network_dir));
    KRING_RETURN_IF_ERROR(SyncPath(dir_, O_RDONLY | O_DIRECTORY));
  }
  KRING_ASSIGN_OR_RETURN(bool moved,
                         MoveUnlessThere(file.path_, PathOf(file.network_id_, file.sha256_hex_)));
  if (file.has_thumbnail()) {
    KRING_ASSIGN_OR_RETURN(bool thumb_moved,
                           MoveUnlessThere(file.thumbnail_path_,
                                           PathOf(file.network_id_, file.thumbnail_sha256_hex_)));
    moved |= thumb_moved;
  }
  if (moved) KRING_RETURN_IF_ERROR(SyncPath(network_dir, O_RDONLY | O_DIRECTORY));
  file.placed_ = true;
  return Status::Ok();
}

std::string AttachmentArea::PathOf(uint64_t network_id, std::string_view sha256_hex) const {
  return dir_ + "/n" + std::to_string(network_id) + "/" + std::string(sha256_hex);
}

}  // namespace kring::storage
