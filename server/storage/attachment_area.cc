#include "server/storage/attachment_area.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>

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

constexpr std::string_view kSealedMagic = "KRSEAL1\n";

// What a file's chunks are bound to: the file (network and name), each its index and whether it
// is the last.
std::string FileIdentity(uint64_t network_id, std::string_view name) {
  return "kring/attachment/" + std::to_string(network_id) + "/" + std::string(name);
}

std::string ChunkIdentity(const std::string& file, uint64_t index, bool last) {
  return file + "/" + std::to_string(index) + (last ? "/last" : "/more");
}

// Reads up to out.size() bytes (fewer only at the end of the file); the count.
StatusOr<size_t> ReadFull(int fd, std::string& out, const std::string& path) {
  size_t have = 0;
  while (have < out.size()) {
    const ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(Errno("read", path));
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  return have;
}

// Seals the file at `from` into a new file `to`, fsynced: the magic, then its chunks.
Status SealFile(const std::string& from, const std::string& to, const SealingKey& key,
                const std::string& identity, Random& random) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Internal(Errno("open", from));
  struct stat st {};
  if (::fstat(in, &st) != 0) {
    ::close(in);
    return Internal(Errno("stat", from));
  }
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return Internal(Errno("create", to));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t chunks = std::max<uint64_t>(1, (size + kSealedChunkBytes - 1) / kSealedChunkBytes);
  Status status = WriteAll(out, kSealedMagic, to);
  std::string plain(kSealedChunkBytes, '\0');
  for (uint64_t i = 0; status.ok() && i < chunks; ++i) {
    const bool last = i + 1 == chunks;
    plain.resize(last ? size - i * kSealedChunkBytes : kSealedChunkBytes);
    StatusOr<size_t> got = ReadFull(in, plain, from);
    if (!got.ok() || *got != plain.size()) {
      status = got.ok() ? Internal("the file " + from + " changed while sealed") : got.status();
      break;
    }
    status = WriteAll(out, Seal(key, plain, ChunkIdentity(identity, i, last), random), to);
  }
  if (status.ok() && ::fsync(out) != 0) status = Internal(Errno("fsync", to));
  ::close(in);
  ::close(out);
  if (!status.ok()) ::unlink(to.c_str());
  return status;
}

class FileReader final : public AttachmentReader {
 public:
  FileReader(int fd, uint64_t size, std::string path, std::optional<SealingKey> key,
             std::string identity)
      : fd_(fd),
        remaining_(size),
        path_(std::move(path)),
        key_(std::move(key)),
        identity_(std::move(identity)) {}
  ~FileReader() override { ::close(fd_); }

  StatusOr<std::string> Next() override {
    if (done_) return std::string();
    const uint64_t whole = key_ ? kSealedChunkBytes + kSealOverhead : kSealedChunkBytes;
    std::string bytes(std::min<uint64_t>(remaining_, whole), '\0');
    KRING_ASSIGN_OR_RETURN(size_t got, ReadFull(fd_, bytes, path_));
    if (got != bytes.size()) return Internal("the file " + path_ + " is shorter than it was");
    remaining_ -= got;
    done_ = remaining_ == 0;
    if (!key_) return bytes;
    StatusOr<std::string> plain = Open(*key_, bytes, ChunkIdentity(identity_, index_++, done_));
    if (!plain.ok()) {
      done_ = true;
      return FailedPrecondition("a sealed attachment does not open: damaged, or not its own");
    }
    return plain;
  }
  bool done() const override { return done_; }

 private:
  const int fd_;
  uint64_t remaining_;
  const std::string path_;
  const std::optional<SealingKey> key_;
  const std::string identity_;
  uint64_t index_ = 0;
  bool done_ = false;
};

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
  for (const std::string* path : std::initializer_list<const std::string*>{
           &path_, &thumbnail_path_, &ready_path_, &ready_thumbnail_path_}) {
    if (!path->empty()) ::unlink(path->c_str());
  }
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
  KRING_RETURN_IF_ERROR(PrepareInClear(file));
  file.ready_path_ = file.path_;
  file.ready_thumbnail_path_ = file.thumbnail_path_;
  if (!keys_) return Status::Ok();
  KRING_ASSIGN_OR_RETURN(SealingKey key, keys_(file.network_id_));
  file.ready_path_ = file.path_ + ".sealed";
  KRING_RETURN_IF_ERROR(SealFile(file.path_, file.ready_path_, key,
                                 FileIdentity(file.network_id_, file.sha256_hex_), random_));
  ::unlink(file.path_.c_str());
  if (file.has_thumbnail()) {
    file.ready_thumbnail_path_ = file.thumbnail_path_ + ".sealed";
    KRING_RETURN_IF_ERROR(SealFile(file.thumbnail_path_, file.ready_thumbnail_path_, key,
                                   FileIdentity(file.network_id_, file.thumbnail_sha256_hex_),
                                   random_));
    ::unlink(file.thumbnail_path_.c_str());
  }
  return Status::Ok();
}

Status AttachmentArea::PrepareInClear(IncomingFile& file) {
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
  KRING_ASSIGN_OR_RETURN(std::string path, PathOf(file.network_id_, file.sha256_hex_));
  KRING_ASSIGN_OR_RETURN(bool moved, MoveUnlessThere(file.ready_path_, path));
  if (file.has_thumbnail()) {
    KRING_ASSIGN_OR_RETURN(std::string thumbnail,
                           PathOf(file.network_id_, file.thumbnail_sha256_hex_));
    KRING_ASSIGN_OR_RETURN(bool thumb_moved,
                           MoveUnlessThere(file.ready_thumbnail_path_, thumbnail));
    moved |= thumb_moved;
  }
  if (moved) KRING_RETURN_IF_ERROR(SyncPath(network_dir, O_RDONLY | O_DIRECTORY));
  file.placed_ = true;
  return Status::Ok();
}

StatusOr<std::string> AttachmentArea::PathOf(uint64_t network_id,
                                             std::string_view sha256_hex) const {
  const std::string dir = dir_ + "/n" + std::to_string(network_id) + "/";
  if (!keys_) return dir + std::string(sha256_hex);
  KRING_ASSIGN_OR_RETURN(SealingKey key, keys_(network_id));
  const std::string input = "kring attachment name " + std::string(sha256_hex);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &length) == nullptr) {
    return Internal("HMAC failed");
  }
  return dir + Hex(mac, length);
}

StatusOr<size_t> AttachmentArea::SealStoredFiles() {
  if (!keys_) return size_t{0};
  size_t sealed = 0;
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = dir.path().filename().string();
    if (name.size() < 2 || name[0] != 'n' || !dir.is_directory()) continue;
    const uint64_t network_id = std::strtoull(name.c_str() + 1, nullptr, 10);
    for (const auto& file : std::filesystem::directory_iterator(dir.path(), ec)) {
      const std::string path = file.path().string();
      if (!file.is_regular_file() || path.ends_with(".sealed")) continue;
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Internal(Errno("open", path));
      std::string magic(kSealedMagic.size(), '\0');
      StatusOr<size_t> got = ReadFull(fd, magic, path);
      ::close(fd);
      KRING_RETURN_IF_ERROR(got.status());
      if (*got == magic.size() && magic == kSealedMagic) continue;
      // Stored before sealing: named by its content's SHA-256, which the record names too.
      const std::string sha256_hex = file.path().filename().string();
      KRING_ASSIGN_OR_RETURN(SealingKey key, keys_(network_id));
      KRING_ASSIGN_OR_RETURN(std::string keyed, PathOf(network_id, sha256_hex));
      const std::string next = keyed + ".sealed";
      KRING_RETURN_IF_ERROR(
          SealFile(path, next, key, FileIdentity(network_id, sha256_hex), random_));
      if (::rename(next.c_str(), keyed.c_str()) != 0) return Internal(Errno("rename to", keyed));
      ::unlink(path.c_str());
      KRING_RETURN_IF_ERROR(SyncPath(dir.path().string(), O_RDONLY | O_DIRECTORY));
      ++sealed;
    }
  }
  if (ec) return Internal("listing " + dir_ + ": " + ec.message());
  return sealed;
}

StatusOr<std::unique_ptr<AttachmentReader>> AttachmentArea::OpenFile(
    uint64_t network_id, std::string_view sha256_hex) const {
  KRING_ASSIGN_OR_RETURN(const std::string path, PathOf(network_id, sha256_hex));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT ? NotFound("the attachment's file is missing")
                           : Internal(Errno("open", path));
  }
  struct stat st {};
  std::string magic(kSealedMagic.size(), '\0');
  StatusOr<size_t> got = ::fstat(fd, &st) == 0 ? ReadFull(fd, magic, path)
                                               : StatusOr<size_t>(Internal(Errno("stat", path)));
  if (!got.ok()) {
    ::close(fd);
    return got.status();
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  std::optional<SealingKey> key;
  if (*got == magic.size() && magic == kSealedMagic && keys_) {
    StatusOr<SealingKey> found = keys_(network_id);
    if (!found.ok()) {
      ::close(fd);
      return found.status();
    }
    key = *found;
    size -= magic.size();
  } else if (::lseek(fd, 0, SEEK_SET) != 0) {  // stored before sealing: read as it is
    ::close(fd);
    return Internal(Errno("seek", path));
  }
  return std::unique_ptr<AttachmentReader>(
      new FileReader(fd, size, path, std::move(key), FileIdentity(network_id, sha256_hex)));
}

}  // namespace kring::storage
