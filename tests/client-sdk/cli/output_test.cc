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

TEST(OneLine, EscapesWhatWouldHijackTheTerminalOrTheLine) {
  struct Case {
    const char* why;
    std::string text;
    std::string want;
  };
  const Case cases[] = {
      {"plain text", "Afspraak om 9:30", "Afspraak om 9:30"},
      {"newline and tab", "a\nb\tc", "a\\nb\\tc"},
      {"a backslash", "a\\b", "a\\\\b"},
      {"ESC (C0)", "\x1b[31mred", "\\x1b[31mred"},
      {"DEL", "a\x7f", "a\\x7f"},
      // C1 controls: U+009B is a one-character CSI in terminals that honour 8-bit controls.
      {"CSI (C1)", "\u009b31mred", "\\u009b31mred"},
      {"first and last C1", "\u0080 \u009f", "\\u0080 \\u009f"},
      {"NEL (C1) breaks lines in some terminals", "a\u0085b", "a\\u0085b"},
      // Bidi embeddings, overrides and isolates reorder the rest of the line (the fields after
      // a name); line and paragraph separators break it.
      {"right-to-left override", "Werk\u202Egnilpas", "Werk\\u202egnilpas"},
      {"every embedding and override", "\u202A\u202B\u202C\u202D", "\\u202a\\u202b\\u202c\\u202d"},
      {"isolates", "\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"},
      {"line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"},
      // What people type passes through: letters of any script, the marks Arabic text uses,
      // joiners in Persian words and emoji.
      {"Latin-1 letters next to C1", "caf\u00e9 \u00a0\u00ff", "caf\u00e9 \u00a0\u00ff"},
      {"Arabic with a right-to-left mark", "\u0645\u0631\u062d\u0628\u0627\u200F 42",
       "\u0645\u0631\u062d\u0628\u0627\u200F 42"},
      {"Persian with a zero-width non-joiner", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645",
       "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"},
      {"Tigrinya", "\u1230\u120B\u121D", "\u1230\u120B\u121D"},
      {"an emoji ZWJ sequence", "\U0001F468\u200D\U0001F469\u200D\U0001F467",
       "\U0001F468\u200D\U0001F469\u200D\U0001F467"},
      {"characters next to the escaped ranges", "\u2027\u202F\u2065\u206A",
       "\u2027\u202F\u2065\u206A"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(OneLine(c.text), c.want) << c.why;
  }
}

// Corrections and retractions (issue 15, item 3): history says what changed, and a retracted
// message shows no text.
TEST(MessageText, SaysCorrectedAndRetractedByTheAuthor) {
  v1::Message m;
  m.set_seq(4);
  m.set_sender_handle("jo");
  m.set_posted_at_ms(1798736400000);
  m.set_text("Afspraak om 10 uur");
  EXPECT_EQ(MessageText(m), "4  jo  2026-12-31T17:00:00.000Z  Afspraak om 10 uur");
  m.set_text("Afspraak om 11 uur");
  m.set_version(2);
  m.set_corrected_at_ms(1798736460000);
  EXPECT_EQ(MessageText(m),
            "4  jo  2026-12-31T17:00:00.000Z  Afspraak om 11 uur  (corrected "
            "2026-12-31T17:01:00.000Z)");
  EXPECT_NE(MessageJson(m).str().find("\"version\":2"), std::string::npos);
  m.clear_text();
  m.set_retracted(true);
  m.set_retracted_at_ms(1798736520000);
  EXPECT_EQ(MessageText(m),
            "4  jo  2026-12-31T17:00:00.000Z  (retracted by the author 2026-12-31T17:02:00.000Z)");
  EXPECT_NE(MessageJson(m).str().find("\"retracted\":true"), std::string::npos);
}

}  // namespace
}  // namespace kring::cli
