#include "server/storage/keys.h"

namespace kring::storage::keys {

namespace {
void AppendU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
}  // namespace

std::string U64(uint64_t a) {
  std::string out;
  out.reserve(8);
  AppendU64(out, a);
  return out;
}

std::string U64U64(uint64_t a, uint64_t b) {
  std::string out;
  out.reserve(16);
  AppendU64(out, a);
  AppendU64(out, b);
  return out;
}

std::string U64Bytes(uint64_t a, std::string_view b) {
  std::string out;
  out.reserve(8 + b.size());
  AppendU64(out, a);
  out.append(b);
  return out;
}

uint64_t ReadU64(std::string_view key, size_t offset) {
  if (offset > key.size() || key.size() - offset < 8) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(key[offset + i]);
  return v;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xFF) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace kring::storage::keys
