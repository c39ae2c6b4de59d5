#include "server/core/profile.h"

#include <gtest/gtest.h>

#include <string>

namespace kring {
namespace {

TEST(CheckLanguageTest, TheFourLanguages) {
  for (const char* ok : {"nl", "en", "ar", "ti"}) EXPECT_TRUE(CheckLanguage(ok).ok()) << ok;
  for (const char* bad : {"", "NL", "de", "nl-NL", "en_GB", "tir", "ar\n", "ti "}) {
    Status s = CheckLanguage(bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
  }
}

TEST(CheckTimeZoneTest, PlausibleIanaNames) {
  for (const char* ok : {"Europe/Amsterdam", "Africa/Asmara", "Asia/Damascus", "UTC",
                         "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+1",
                         "Etc/GMT-14", "America/North_Dakota/New_Salem"}) {
    EXPECT_TRUE(CheckTimeZone(ok).ok()) << ok;
  }
}

TEST(CheckTimeZoneTest, RefusesWhatIsNoZoneName) {
  for (const std::string& bad :
       {std::string(), std::string("Amsterdam"), std::string("Mars/Olympus"),
        std::string("europe/amsterdam"), std::string("Europe/"), std::string("/Europe"),
        std::string("Europe//Amsterdam"), std::string("Europe/../../etc/passwd"),
        std::string("Europe/Amster dam"), std::string("Europe/Amsterdam\n"),
        std::string("Europe/A/B/C"), std::string("Europe/") + std::string(31, 'a'),
        std::string("Europe/Am\u202Esterdam"), std::string("Europe/1abc"),
        std::string("Europe/Amsterdam\0x", 18)}) {
    EXPECT_EQ(CheckTimeZone(bad).code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace kring
