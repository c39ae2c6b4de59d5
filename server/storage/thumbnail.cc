#include "server/storage/thumbnail.h"

#include <gd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "server/core/file_type.h"

namespace kring::storage {

std::optional<std::string> MakeThumbnail(const std::string& path, std::string_view type,
                                         uint32_t max_side) {
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!in) return std::nullopt;
  gdImagePtr image = nullptr;
  if (type == kTypePng) {
    image = gdImageCreateFromPng(in.get());
  } else if (type == kTypeJpeg) {
    image = gdImageCreateFromJpeg(in.get());
  }
  if (image == nullptr) return std::nullopt;
  std::unique_ptr<gdImage, void (*)(gdImagePtr)> source(image, &gdImageDestroy);
  const int width = gdImageSX(image);
  const int height = gdImageSY(image);
  if (width <= 0 || height <= 0) return std::nullopt;
  const double scale =
      std::min(1.0, static_cast<double>(max_side) / static_cast<double>(std::max(width, height)));
  const int out_width = std::max(1, static_cast<int>(width * scale));
  const int out_height = std::max(1, static_cast<int>(height * scale));
  gdImageSetInterpolationMethod(image, GD_BILINEAR_FIXED);
  gdImagePtr scaled = gdImageScale(image, out_width, out_height);
  if (scaled == nullptr) return std::nullopt;
  std::unique_ptr<gdImage, void (*)(gdImagePtr)> thumbnail(scaled, &gdImageDestroy);
  int size = 0;
  void* png = gdImagePngPtr(scaled, &size);
  if (png == nullptr || size <= 0) return std::nullopt;
  std::string bytes(static_cast<const char*>(png), static_cast<size_t>(size));
  gdFree(png);
  return bytes;
}

}  // namespace kring::storage
