// The type of an uploaded file, decided from its content, never from its name: the allow-list of
// attachments (docs/protocol.md, "Attachments"). Pure functions over bytes; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kring {

// What the content of a whole file showed. `head`: its first bytes (up to kFileHeadBytes);
// `tail`: its last bytes (up to kFileTailBytes; the ZIP central directory of DOCX/ODT is there);
// `size`: the whole file's. `utf8`: the whole file is valid UTF-8 without NUL bytes.
struct FileContent {
  std::string_view head;
  std::string_view tail;
  uint64_t size = 0;
  bool utf8 = false;
};

inline constexpr size_t kFileHeadBytes = 64 * 1024;
inline constexpr size_t kFileTailBytes = 256 * 1024;

inline constexpr std::string_view kTypePdf = "application/pdf";
inline constexpr std::string_view kTypePng = "image/png";
inline constexpr std::string_view kTypeJpeg = "image/jpeg";
inline constexpr std::string_view kTypeText = "text/plain; charset=utf-8";
inline constexpr std::string_view kTypeDocx =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
inline constexpr std::string_view kTypeOdt = "application/vnd.oasis.opendocument.text";

// One of the kType* above, or empty when the content is none of the allowed types.
std::string_view DetectFileType(const FileContent& content);

// An image's size in pixels read from its header (PNG IHDR, JPEG SOFn in `head`); 0x0 when not
// found. Checked against a limit before any decoding.
struct ImageSize {
  uint32_t width = 0;
  uint32_t height = 0;
};
ImageSize ImageSizeOf(std::string_view type, std::string_view head);

// Checks UTF-8 across chunks: a sequence may be split between two Feed calls.
class Utf8Stream {
 public:
  void Feed(std::string_view chunk);
  // True if everything fed was valid UTF-8 without NUL bytes and ended on a whole character.
  bool Valid() const { return valid_ && pending_.empty(); }

 private:
  std::string pending_;  // the start of a character split at the end of the last chunk
  bool valid_ = true;
};

}  // namespace kring
