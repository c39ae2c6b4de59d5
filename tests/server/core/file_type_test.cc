// The allow-list of attachment types, decided from the content (server/core/file_type.h).
#include "server/core/file_type.h"

#include <gtest/gtest.h>

#include <string>

namespace kring {
namespace {

std::string Le16(uint16_t v) { return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }
std::string Le32(uint32_t v) { return Le16(v & 0xffff) + Le16(v >> 16); }

// A ZIP with stored (uncompressed) entries, as DOCX and ODT are.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  std::string cd;
  for (const auto& [name, data] : entries) {
    const uint32_t offset = out.size();
    out += "PK\x03\x04" + Le16(20) + Le16(0) + Le16(0) + Le16(0) + Le16(0) + Le32(0) +
           Le32(data.size()) + Le32(data.size()) + Le16(name.size()) + Le16(0) + name + data;
    cd += "PK\x01\x02" + Le16(20) + Le16(20) + Le16(0) + Le16(0) + Le16(0) + Le16(0) + Le32(0) +
          Le32(data.size()) + Le32(data.size()) + Le16(name.size()) + Le16(0) + Le16(0) + Le16(0) +
          Le16(0) + Le32(0) + Le32(offset) + name;
  }
  const uint32_t cd_offset = out.size();
  out += cd;
  out += "PK\x05\x06" + Le16(0) + Le16(0) + Le16(entries.size()) + Le16(entries.size()) +
         Le32(cd.size()) + Le32(cd_offset) + Le16(0);
  return out;
}

std::string_view TypeOf(const std::string& bytes, bool utf8 = false) {
  return DetectFileType({bytes, bytes, bytes.size(), utf8});
}

std::string Png(uint32_t w, uint32_t h) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(w) + be32(h) +
         std::string("\x08\x06\0\0\0", 5);
}

TEST(FileTypeTest, AllowedTypesAreKnownByTheirContent) {
  EXPECT_EQ(TypeOf("%PDF-1.7\n..."), kTypePdf);
  EXPECT_EQ(TypeOf(Png(10, 10)), kTypePng);
  EXPECT_EQ(TypeOf(std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10)), kTypeJpeg);
  EXPECT_EQ(TypeOf("Hallo, dit is mijn brief.\n", true), kTypeText);
  EXPECT_EQ(TypeOf(Zip({{"mimetype", "application/vnd.oasis.opendocument.text"},
                        {"content.xml", "<x/>"}})),
            kTypeOdt);
  EXPECT_EQ(TypeOf(Zip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w/>"}})),
            kTypeDocx);
}

TEST(FileTypeTest, EverythingElseIsRefused) {
  EXPECT_EQ(TypeOf(std::string("MZ\x90\0\x03\0\0\0", 8)), "");  // an .exe, whatever its name
  EXPECT_EQ(TypeOf("<html><script>alert(1)</script>", false), "");
  EXPECT_EQ(TypeOf(""), "");
  EXPECT_EQ(TypeOf(Zip({{"evil.js", "x"}})), "");                     // some other ZIP
  EXPECT_EQ(TypeOf(Zip({{"[Content_Types].xml", "<Types/>"}})), "");  // no document in it
  EXPECT_EQ(TypeOf(Zip({{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}})), "");
  EXPECT_EQ(TypeOf(std::string("\x89PNG", 4)), "");  // truncated
  std::string zip = Zip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w/>"}});
  EXPECT_EQ(TypeOf(zip.substr(0, zip.size() - 10)), "");  // cut off: no central directory
}

TEST(FileTypeTest, ImageSizesComeFromTheHeader) {
  ImageSize png = ImageSizeOf(kTypePng, Png(640, 480));
  EXPECT_EQ(png.width, 640u);
  EXPECT_EQ(png.height, 480u);
  // SOI, an APP0 segment, then SOF0 with height 300 and width 400.
  const std::string jpeg =
      std::string("\xff\xd8\xff\xe0\0\x04\0\0\xff\xc0\0\x11\x08\x01\x2c\x01\x90", 17);
  ImageSize j = ImageSizeOf(kTypeJpeg, jpeg);
  EXPECT_EQ(j.width, 400u);
  EXPECT_EQ(j.height, 300u);
  EXPECT_EQ(ImageSizeOf(kTypeJpeg, std::string("\xff\xd8\xff\xe0\0\x01", 6)).width, 0u);
}

TEST(FileTypeTest, Utf8IsCheckedAcrossChunks) {
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Stream stream;
    stream.Feed(text.substr(0, cut));
    stream.Feed(text.substr(cut));
    EXPECT_TRUE(stream.Valid()) << cut;
  }
  Utf8Stream cut_short;
  cut_short.Feed("caf\xc3");
  EXPECT_FALSE(cut_short.Valid());
  Utf8Stream nul;
  nul.Feed(std::string("a\0b", 3));
  EXPECT_FALSE(nul.Valid());
  Utf8Stream invalid;
  invalid.Feed("\xff");
  invalid.Feed("abc");
  EXPECT_FALSE(invalid.Valid());
}

}  // namespace
}  // namespace kring
