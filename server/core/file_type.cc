#include "server/core/file_type.h"

#include <algorithm>
#include <vector>

#include "server/core/text.h"

namespace kring {

namespace {

uint32_t Le16(std::string_view s, size_t at) {
  return static_cast<uint8_t>(s[at]) | static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 8;
}
uint32_t Le32(std::string_view s, size_t at) { return Le16(s, at) | Le16(s, at + 2) << 16; }
uint32_t Be16(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 8 | static_cast<uint8_t>(s[at + 1]);
}
uint32_t Be32(std::string_view s, size_t at) { return Be16(s, at) << 16 | Be16(s, at + 2); }

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
constexpr std::string_view kZipLocal = "PK\x03\x04";
constexpr std::string_view kOdtMimetype = "application/vnd.oasis.opendocument.text";

// The names in a ZIP's central directory, if `tail` (the file's last bytes) holds all of it.
std::vector<std::string_view> ZipNames(std::string_view tail, uint64_t size) {
  std::vector<std::string_view> names;
  if (tail.size() < 22) return names;
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65535.
  const size_t lowest = tail.size() >= 22 + 65535 ? tail.size() - 22 - 65535 : 0;
  size_t eocd = std::string_view::npos;
  for (size_t at = tail.size() - 22 + 1; at-- > lowest;) {
    if (tail.substr(at, 4) == "PK\x05\x06") {
      eocd = at;
      break;
    }
  }
  if (eocd == std::string_view::npos) return names;
  const uint64_t entries = Le16(tail, eocd + 10);
  const uint64_t cd_size = Le32(tail, eocd + 12);
  const uint64_t cd_offset = Le32(tail, eocd + 16);
  const uint64_t tail_start = size - tail.size();
  if (cd_offset < tail_start || cd_offset + cd_size > tail_start + eocd) return names;
  std::string_view cd = tail.substr(cd_offset - tail_start, cd_size);
  size_t at = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    if (at + 46 > cd.size() || cd.substr(at, 4) != "PK\x01\x02") return {};
    const size_t name_len = Le16(cd, at + 28);
    const size_t skip = name_len + Le16(cd, at + 30) + Le16(cd, at + 32);
    if (at + 46 + skip > cd.size()) return {};
    names.push_back(cd.substr(at + 46, name_len));
    at += 46 + skip;
  }
  return names;
}

// ODF: the first entry is "mimetype", stored uncompressed, holding the document's type.
bool IsOdt(std::string_view head) {
  if (head.size() < 30 || Le16(head, 8) != 0) return false;
  const size_t name_len = Le16(head, 26);
  const size_t extra_len = Le16(head, 28);
  const size_t data_len = Le32(head, 18);
  if (30 + name_len + extra_len + data_len > head.size()) return false;
  return head.substr(30, name_len) == "mimetype" && data_len == kOdtMimetype.size() &&
         head.substr(30 + name_len + extra_len, data_len) == kOdtMimetype;
}

bool IsDocx(std::string_view tail, uint64_t size) {
  bool types = false;
  bool document = false;
  for (std::string_view name : ZipNames(tail, size)) {
    types |= name == "[Content_Types].xml";
    document |= name == "word/document.xml";
  }
  return types && document;
}

// The length of the UTF-8 sequence a lead byte starts; 0 for a continuation or invalid byte.
size_t SequenceLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

}  // namespace

std::string_view DetectFileType(const FileContent& content) {
  const std::string_view head = content.head;
  if (content.size == 0) return {};
  if (head.starts_with("%PDF-")) return kTypePdf;
  if (head.starts_with(kPngSignature) && head.size() >= 24 && head.substr(12, 4) == "IHDR") {
    return kTypePng;
  }
  if (head.starts_with("\xff\xd8\xff")) return kTypeJpeg;
  if (head.starts_with(kZipLocal)) {
    if (IsOdt(head)) return kTypeOdt;
    if (IsDocx(content.tail, content.size)) return kTypeDocx;
    return {};
  }
  if (content.utf8) return kTypeText;
  return {};
}

ImageSize ImageSizeOf(std::string_view type, std::string_view head) {
  if (type == kTypePng) {
    if (head.size() < 24) return {};
    return {Be32(head, 16), Be32(head, 20)};
  }
  if (type != kTypeJpeg) return {};
  size_t at = 2;
  while (at + 4 <= head.size()) {
    if (static_cast<uint8_t>(head[at]) != 0xff) return {};
    const uint8_t marker = static_cast<uint8_t>(head[at + 1]);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {  // no length
      at += 2;
      continue;
    }
    const size_t length = Be16(head, at + 2);
    const bool sof =
        marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (sof) {
      if (at + 9 > head.size()) return {};
      return {Be16(head, at + 7), Be16(head, at + 5)};
    }
    if (length < 2) return {};
    at += 2 + length;
  }
  return {};
}

void Utf8Stream::Feed(std::string_view chunk) {
  if (!valid_ || chunk.empty()) return;
  if (chunk.find('\0') != std::string_view::npos) {
    valid_ = false;
    return;
  }
  std::string joined;
  if (!pending_.empty()) {
    joined = pending_ + std::string(chunk);
    chunk = joined;
    pending_.clear();
  }
  // Keep back a sequence the chunk's end cuts short: at most 3 bytes, from its lead byte on.
  size_t keep = 0;
  for (size_t back = 1; back <= std::min<size_t>(3, chunk.size()); ++back) {
    const uint8_t byte = static_cast<uint8_t>(chunk[chunk.size() - back]);
    if ((byte & 0xc0) == 0x80) continue;  // a continuation byte: look further back
    const size_t length = SequenceLength(byte);
    if (length > back) keep = back;
    break;
  }
  if (!IsValidUtf8(chunk.substr(0, chunk.size() - keep))) {
    valid_ = false;
    return;
  }
  pending_ = std::string(chunk.substr(chunk.size() - keep));
}

}  // namespace kring
