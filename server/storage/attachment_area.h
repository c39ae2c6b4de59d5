// Where attachment files live: the data dir's attachments/ area (docs/protocol.md,
// "Attachments"). Each network has a directory of its own, n<network id>/, holding its files
// under the SHA-256 of their content (a thumbnail is a file like any other), so no file is
// shared between networks and erasing a network's files is removing one directory. Uploads are
// received into tmp/ and moved into place only once their record is about to be written; tmp/ is
// emptied at start-up (uploads cut off by a crash).
//
// Sealed at rest (issue 16; docs/data-rights.md) once SealWith gives the area its networks' keys:
// a stored file is then "KRSEAL1\n" and its content in chunks of kSealedChunkBytes, each
// sealed with the network's key and bound to the file (network, name), its index and whether it
// is the last, so chunks cannot be reordered, swapped between files or cut off unnoticed. An
// upload is sealed on the file pool (Prepare), and its plaintext in tmp/ removed then.
//
// The records that make a file count (kAttachments) are the service's; this class knows files
// only. Thread-safe. Calls that say "blocks" do file I/O: not for io threads or the writer,
// except where the caller says why.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "server/core/file_type.h"
#include "server/core/random.h"
#include "server/core/sealing.h"
#include "server/core/status.h"

namespace kring::storage {

struct AttachmentLimits {
  uint64_t max_bytes = 20 * 1024 * 1024;                 // one file
  uint64_t network_quota_bytes = 1024ull * 1024 * 1024;  // all files of one network
  uint64_t max_image_pixels = 40'000'000;                // larger images get no thumbnail
};

inline constexpr uint32_t kThumbnailPixels = 256;       // the longer side of a thumbnail, at most
inline constexpr size_t kSealedChunkBytes = 64 * 1024;  // plaintext bytes per sealed chunk

// A network's data key, or FAILED_PRECONDITION (service/records_sealing.h).
using NetworkKeyLookup = std::function<StatusOr<SealingKey>(uint64_t network_id)>;

// A stored file read back a chunk at a time, opened (when sealed). Not thread-safe.
class AttachmentReader {
 public:
  virtual ~AttachmentReader() = default;
  // The next piece of the content (at most kSealedChunkBytes); empty at the end. Blocks (file
  // I/O). FAILED_PRECONDITION when a chunk does not open, INTERNAL when the file cannot be read.
  virtual StatusOr<std::string> Next() = 0;
  // Whether Next() has returned the last piece.
  virtual bool done() const = 0;
};

class AttachmentArea;

// One upload being received into tmp/, for one network and thread. Removed (with its thumbnail)
// when destroyed, unless moved into place by AttachmentArea::Place. Not thread-safe: one owner
// at a time.
class IncomingFile {
 public:
  ~IncomingFile();
  IncomingFile(const IncomingFile&) = delete;
  IncomingFile& operator=(const IncomingFile&) = delete;

  uint64_t network_id() const { return network_id_; }
  uint64_t thread_id() const { return thread_id_; }

  // Appends received bytes (write(2): page cache; no fsync). RESOURCE_EXHAUSTED past the size
  // limit, INTERNAL when the write fails.
  Status Append(std::string_view bytes);
  // The body is whole: decides its type from the content. INVALID_ARGUMENT when it is none of
  // the allowed types (file_type.h). Reads the file's tail (blocks briefly).
  Status Finish();

  // Removes the received files now (as destruction would), e.g. before a refusal is answered.
  void Drop() { RemoveFiles(); }

  uint64_t size() const { return size_; }
  const std::string& sha256_hex() const { return sha256_hex_; }          // after Finish
  std::string_view content_type() const { return content_type_; }        // after Finish
  bool has_thumbnail() const { return !thumbnail_sha256_hex_.empty(); }  // after Prepare
  const std::string& thumbnail_sha256_hex() const { return thumbnail_sha256_hex_; }
  uint64_t thumbnail_size() const { return thumbnail_size_; }

 private:
  friend class AttachmentArea;
  IncomingFile(AttachmentArea& area, uint64_t network_id, uint64_t thread_id, std::string path,
               int fd);
  void RemoveFiles();

  AttachmentArea& area_;
  const uint64_t network_id_;
  const uint64_t thread_id_;
  const std::string path_;  // in tmp/
  int fd_ = -1;
  EVP_MD_CTX* sha_ = nullptr;
  uint64_t size_ = 0;
  std::string head_;  // the first kFileHeadBytes
  Utf8Stream utf8_;
  std::string sha256_hex_;
  std::string_view content_type_;
  std::string thumbnail_path_;  // in tmp/, when there is a thumbnail
  // What Place moves into the area: the sealed copies Prepare made, or the files themselves.
  std::string ready_path_;
  std::string ready_thumbnail_path_;
  std::string thumbnail_sha256_hex_;
  uint64_t thumbnail_size_ = 0;
  bool placed_ = false;
};

class AttachmentArea {
 public:
  // Creates `dir` (0700) and dir/tmp if missing and empties dir/tmp. `random` must outlive this.
  static StatusOr<std::unique_ptr<AttachmentArea>> Open(std::string dir, AttachmentLimits limits,
                                                        Random& random);

  // From now on files are sealed with their network's key as Prepare stores them, and read
  // back opened. Call once, before any upload; `keys` must be thread-safe.
  void SealWith(NetworkKeyLookup keys) { keys_ = std::move(keys); }

  const AttachmentLimits& limits() const { return limits_; }
  const std::string& dir() const { return dir_; }

  // A new, empty upload in tmp/. INTERNAL when the file cannot be made.
  StatusOr<std::unique_ptr<IncomingFile>> Begin(uint64_t network_id, uint64_t thread_id);

  // Holds a finished upload for the service under a fresh, unguessable id, until Take or Discard
  // (kringd's HTTPS endpoint stages the body it received and names it in AttachmentStoreRequest).
  std::string Stage(std::unique_ptr<IncomingFile> file);
  // The staged upload, handed over once; null for an unknown or taken id.
  std::unique_ptr<IncomingFile> Take(std::string_view upload_id);
  // Drops a staged upload that was not taken (its files are removed). No-op otherwise.
  void Discard(std::string_view upload_id);

  // Blocks: fsyncs the upload and, for an image within max_image_pixels, makes and fsyncs its
  // thumbnail (a PNG of at most kThumbnailPixels a side). An image that does not decode gets no
  // thumbnail; that is no error. With SealWith: seals both (then fsynced) and removes their
  // plaintext; FAILED_PRECONDITION when the network has no key.
  Status Prepare(IncomingFile& file);
  // Blocks: moves the upload (and its thumbnail) to n<network>/<sha256> and fsyncs that
  // directory; content already there is kept and the upload dropped. After an OK the files
  // stay when `file` goes.
  Status Place(IncomingFile& file);

  // The stored file of a network with that content (it may not exist): named by the content's
  // SHA-256, keyed with the network's key under SealWith (a bare hash of a known document would
  // tell anyone who can list the directory that the network holds it). FAILED_PRECONDITION when
  // the network has no key.
  StatusOr<std::string> PathOf(uint64_t network_id, std::string_view sha256_hex) const;

  // With SealWith: seals every stored file that a kringd from before sealing stored in the clear
  // (run once at start, before serving). Returns how many it sealed. Blocks.
  StatusOr<size_t> SealStoredFiles();

  // The stored file of a network with that content, to read (opened a chunk at a time when
  // sealed). NOT_FOUND when there is no such file. Blocks (opens the file).
  StatusOr<std::unique_ptr<AttachmentReader>> OpenFile(uint64_t network_id,
                                                       std::string_view sha256_hex) const;

 private:
  friend class IncomingFile;
  // Prepare's work on the plaintext: fsync, thumbnail.
  Status PrepareInClear(IncomingFile& file);
  AttachmentArea(std::string dir, AttachmentLimits limits, Random& random)
      : dir_(std::move(dir)), limits_(limits), random_(random) {}

  const std::string dir_;
  const AttachmentLimits limits_;
  Random& random_;
  NetworkKeyLookup keys_;  // set before use (SealWith); empty: files are kept in the clear
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<IncomingFile>, std::less<>> staged_;  // guarded by mu_
};

}  // namespace kring::storage
