#include "client-sdk/cli/output.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace kring::cli {
namespace {

TEST(ParseTime, AcceptsRfc3339AndRoundTripsWithFormatTime) {
  struct Case {
    std::string text;
    int64_t want_ms;
  };
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-12-31T17:00:00Z", 1798736400000},
      {"2026-12-31t17:00:00z", 1798736400000},  // RFC 3339 allows lower case
      {"2026-12-31T18:00:00+01:00", 1798736400000},
      {"2026-12-31T12:30:00-04:30", 1798736400000},
      {"2026-12-31T17:00:00.5Z", 1798736400500},
      {"2026-12-31T17:00:00.123456Z", 1798736400123},  // beyond milliseconds: dropped
      {"2028-02-29T00:00:00Z", 1835395200000},         // a leap day
  };
  for (const Case& c : cases) {
    int64_t ms = -1;
    ASSERT_TRUE(ParseTime(c.text, &ms)) << c.text;
    EXPECT_EQ(ms, c.want_ms) << c.text;
  }
  int64_t ms = 0;
  ASSERT_TRUE(ParseTime(FormatTime(1798736400123), &ms));
  EXPECT_EQ(ms, 1798736400123);
}

TEST(ParseTime, RefusesWhatIsNotRfc3339) {
  for (const char* text : {
           "",
           "2026-12-31",                // a date without a time
           "2026-12-31T17:00:00",       // no offset
           "2026-12-31 17:00:00Z",      // a space for T
           "2026-13-01T00:00:00Z",      // month 13
           "2026-02-29T00:00:00Z",      // not a leap year
           "2026-04-31T00:00:00Z",      // April has 30 days
           "2026-12-31T24:00:00Z",      // hour 24
           "2026-12-31T17:00:00.Z",     // a dot without digits
           "2026-12-31T17:00:00+0100",  // offset without a colon
           "2026-12-31T17:00:00Zjunk",  // trailing junk
           "yesterday",
       }) {
    int64_t ms = 0;
    EXPECT_FALSE(ParseTime(text, &ms)) << text;
  }
}

}  // namespace
}  // namespace kring::cli
