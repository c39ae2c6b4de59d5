// One JSON object per line, written by hand: the `kring --json` output format (JSON Lines).
//
// Keys are given by the caller and written verbatim (they are snake_case literals). Strings are
// escaped as RFC 8259 requires: `"` and `\` are escaped, control characters become \n, \t, ...
// or \u00XX, and everything else (UTF-8 included) passes through unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kring::cli {

// Appends `s` as a quoted, escaped JSON string to *out.
void AppendJsonString(std::string_view s, std::string* out);

// "[1,2,3]": unsigned numbers as a JSON array, for JsonObject::Raw.
template <typename Range>
std::string JsonUintArray(const Range& values) {
  std::string out = "[";
  for (uint64_t v : values) {
    if (out.size() > 1) out.push_back(',');
    out += std::to_string(v);
  }
  return out + "]";
}

// "[\"a\",\"b\"]": strings as a JSON array, for JsonObject::Raw.
template <typename Range>
std::string JsonStringArray(const Range& values) {
  std::string out = "[";
  for (const auto& v : values) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(v, &out);
  }
  return out + "]";
}

class JsonObject {
 public:
  // Distinct names, not overloads: a string literal would otherwise pick the bool overload.
  JsonObject& Str(std::string_view key, std::string_view value);
  JsonObject& Uint(std::string_view key, uint64_t value);
  JsonObject& Int(std::string_view key, int64_t value);
  JsonObject& Bool(std::string_view key, bool value);
  // `json` must already be valid JSON (e.g. another JsonObject's str() or an array).
  JsonObject& Raw(std::string_view key, std::string_view json);

  // The object, without a trailing newline.
  std::string str() const { return body_ + "}"; }

 private:
  void Key(std::string_view key);

  std::string body_ = "{";
};

}  // namespace kring::cli
