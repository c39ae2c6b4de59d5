// Thumbnails of uploaded images (libgd). Internal to storage/attachment_area.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kring::storage {

// Decodes the PNG or JPEG at `path` (the caller has checked its pixel count from the header) and
// returns a PNG of it scaled to fit `max_side` x `max_side` (never enlarged); nullopt when the
// image does not decode. Blocks: reads the file.
std::optional<std::string> MakeThumbnail(const std::string& path, std::string_view type,
                                         uint32_t max_side);

}  // namespace kring::storage
