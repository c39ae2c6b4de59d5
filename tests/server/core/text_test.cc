#include "server/core/text.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace kring {
namespace {

using namespace std::string_view_literals;

// Hex of the bytes, so a failing case names exactly what was fed in.
std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

TEST(TextTest, Utf8AcceptsWhatPeopleWrite) {
  const std::string_view kValid[] = {
      ""sv,
      "Hallo, hoe gaat het?"sv,
      "Afspraak bij de huisarts om 9:30 \x7F"sv,  // DEL is still ASCII
      "Één afspraak, geëmigreerd, café, ĳs"sv,    // Dutch with diacritics and the ĳ ligature
      "مرحبا، كيف حالك؟"sv,                       // Arabic
      "ሰላም"sv,                                    // Tigrinya (Ge'ez script), 3-byte sequences
      "ሰላም ከመይ ኣለኻ?"sv,
      "👍🏽 tot morgen 🎉"sv,  // 4-byte sequences and a skin-tone modifier
      "👨‍👩‍👧"sv,        // ZWJ sequence
  };
  for (std::string_view s : kValid) {
    SCOPED_TRACE(Hex(s));
    EXPECT_TRUE(IsValidUtf8(s));
  }
}

TEST(TextTest, Utf8AcceptsTheEdgesOfEachRange) {
  const std::string_view kValid[] = {
      "\x01"sv,              // U+0001, the smallest non-NUL
      "\x7F"sv,              // U+007F, last 1-byte
      "\xC2\x80"sv,          // U+0080, first 2-byte
      "\xDF\xBF"sv,          // U+07FF, last 2-byte
      "\xE0\xA0\x80"sv,      // U+0800, first 3-byte
      "\xED\x9F\xBF"sv,      // U+D7FF, just below the surrogates
      "\xEE\x80\x80"sv,      // U+E000, just above the surrogates
      "\xEF\xBF\xBD"sv,      // U+FFFD, replacement character
      "\xEF\xBF\xBF"sv,      // U+FFFF, last 3-byte
      "\xF0\x90\x80\x80"sv,  // U+10000, first 4-byte
      "\xF4\x8F\xBF\xBF"sv,  // U+10FFFF, the last code point
  };
  for (std::string_view s : kValid) {
    SCOPED_TRACE(Hex(s));
    EXPECT_TRUE(IsValidUtf8(s));
  }
}

TEST(TextTest, Utf8RejectsMalformedInput) {
  struct Case {
    const char* why;
    std::string_view bytes;
  };
  const Case kInvalid[] = {
      {"NUL alone", "\0"sv},
      {"NUL inside text", "ab\0cd"sv},
      {"overlong NUL (2 bytes)", "\xC0\x80"sv},
      {"overlong '/' (2 bytes)", "\xC0\xAF"sv},
      {"overlong U+007F (C1 lead)", "\xC1\xBF"sv},
      {"overlong NUL (3 bytes)", "\xE0\x80\x80"sv},
      {"overlong U+07FF (3 bytes)", "\xE0\x9F\xBF"sv},
      {"overlong NUL (4 bytes)", "\xF0\x80\x80\x80"sv},
      {"overlong U+FFFF (4 bytes)", "\xF0\x8F\xBF\xBF"sv},
      {"high surrogate U+D800", "\xED\xA0\x80"sv},
      {"low surrogate U+DFFF", "\xED\xBF\xBF"sv},
      {"surrogate pair as CESU-8", "\xED\xA0\xBD\xED\xB8\x80"sv},
      {"U+110000", "\xF4\x90\x80\x80"sv},
      {"F5 lead", "\xF5\x80\x80\x80"sv},
      {"F7 lead", "\xF7\xBF\xBF\xBF"sv},
      {"F8 lead (5-byte form)", "\xF8\x88\x80\x80\x80"sv},
      {"FC lead (6-byte form)", "\xFC\x84\x80\x80\x80\x80"sv},
      {"FE", "\xFE"sv},
      {"FF", "\xFF"sv},
      {"stray continuation at start", "\x80"sv},
      {"stray continuation after ASCII", "abc\xBF"sv},
      {"continuation after a complete sequence", "\xC3\xA9\xA9"sv},
      {"truncated 2-byte at end", "caf\xC3"sv},
      {"truncated 3-byte at end (1 of 3)", "\xE1"sv},
      {"truncated 3-byte at end (2 of 3)", "\xE1\x88"sv},
      {"truncated Tigrinya at end", "\xE1\x88\xB0\xE1\x88"sv},
      {"truncated 4-byte at end (3 of 4)", "\xF0\x9F\x91"sv},
      {"truncated emoji at end", "ok \xF0\x9F"sv},
      {"truncated 2-byte before ASCII",
       "\xC3"
       "a"sv},
      {"truncated 3-byte before ASCII",
       "\xE1\x88"
       "a"sv},
      {"truncated 4-byte before a new lead", "\xF0\x9F\x91\xF0\x9F\x91\x8D"sv},
  };
  for (const Case& c : kInvalid) {
    SCOPED_TRACE(std::string(c.why) + ": " + Hex(c.bytes));
    EXPECT_FALSE(IsValidUtf8(c.bytes));
  }
}

TEST(TextTest, Utf8LooksOnlyAtTheGivenBytes) {
  // A view that stops in the middle of a valid sequence is truncated, whatever follows in memory.
  const std::string full = "ሰላም";
  EXPECT_TRUE(IsValidUtf8(full));
  EXPECT_FALSE(IsValidUtf8(std::string_view(full).substr(0, 4)));
  EXPECT_TRUE(IsValidUtf8(std::string_view(full).substr(0, 3)));
}

TEST(TextTest, CanonicalHandleLowerCasesAscii) {
  EXPECT_EQ(CanonicalHandle("Anna"), "anna");
  EXPECT_EQ(CanonicalHandle("ANNA.de-Vries_2"), "anna.de-vries_2");
  EXPECT_EQ(CanonicalHandle("job.coach"), "job.coach");
  EXPECT_EQ(CanonicalHandle("AZaz09._-"), "azaz09._-");
}

TEST(TextTest, CanonicalHandleAcceptsEveryAllowedCharacterAlone) {
  const std::string allowed = "abcdefghijklmnopqrstuvwxyz0123456789._-";
  for (char c : allowed) {
    SCOPED_TRACE(std::string(1, c));
    EXPECT_EQ(CanonicalHandle(std::string(1, c)), std::string(1, c));
  }
}

TEST(TextTest, CanonicalHandleLengthIsOneTo64Bytes) {
  EXPECT_EQ(CanonicalHandle(""), std::nullopt);
  EXPECT_EQ(CanonicalHandle(std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(CanonicalHandle(std::string(64, 'A')), std::string(64, 'a'));
  EXPECT_EQ(CanonicalHandle(std::string(65, 'a')), std::nullopt);
  EXPECT_EQ(CanonicalHandle(std::string(1000, 'a')), std::nullopt);
}

TEST(TextTest, CanonicalHandleRejectsEverythingElse) {
  const std::string_view kInvalid[] = {
      " anna"sv,
      "anna "sv,
      "an na"sv,
      "anna\t"sv,
      "anna\n"sv,
      "anna@kring"sv,
      "anna/b"sv,
      "anna+1"sv,
      "anna:1"sv,
      "anna!"sv,
      "anna'"sv,
      // Neighbours of the allowed ranges in ASCII.
      "@"sv,
      "["sv,
      "`"sv,
      "{"sv,
      "/"sv,
      ":"sv,
      ","sv,
      "a\0b"sv,
      "\x7F"sv,
      // Non-ASCII, even when it looks like a letter.
      "anné"sv,
      "ÄNNA"sv,
      "ሰላም"sv,
      "مرحبا"sv,
      "👍"sv,
      "\xC3"sv,
      "\xFF"sv,
  };
  for (std::string_view s : kInvalid) {
    SCOPED_TRACE(Hex(s));
    EXPECT_EQ(CanonicalHandle(s), std::nullopt);
  }
}

TEST(TextTest, CanonicalHandleIsIdempotent) {
  auto once = CanonicalHandle("Job.Coach-Utrecht_01");
  ASSERT_TRUE(once.has_value());
  EXPECT_EQ(CanonicalHandle(*once), once);
}

// --- Names and titles ---

TEST(TextTest, NamesAcceptWhatPeopleAreCalledInAnyScript) {
  const std::string_view kValid[] = {
      ""sv,  // emptiness is the caller's rule
      "Jo de Vries"sv,
      "Anna-Lena O'Brien (job coach)"sv,
      "Ĳsbrand Çelik, geëmigreerd"sv,
      "\u00A0non-breaking\u00A0space"sv,
      "محمد العلي"sv,              // Arabic
      "מרים כהן"sv,                // Hebrew
      "ሳባ ገብረመድህን"sv,              // Tigrinya (Ge'ez script)
      "زهرا ابراهیم\u200Cزاده"sv,  // Persian: ZWNJ inside the word
      "\u0D28\u0D4D\u200D"sv
      "\u0D2A\u0D4D\u0D2A"sv,        // Malayalam: ZWJ after a virama
      "\u0915\u094D\u200D\u0937"sv,  // Devanagari: ZWJ half form
      "Dokter 👩\u200D⚕️"sv,   // an emoji ZWJ sequence
      "Schotland 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"sv,  // tag flag
      "家庭医生"sv,
  };
  for (std::string_view s : kValid) {
    SCOPED_TRACE(Hex(s));
    Status status = CheckNameCharacters(s, "the name");
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
}

TEST(TextTest, NamesRefuseCharactersThatDisguiseOrReorderThem) {
  struct Case {
    std::string_view name;
    std::string_view detail;
  };
  const Case kRefused[] = {
      // Bidi embeddings, overrides, isolates and marks.
      {"Wer\u202Ak"sv, "the name has a left-to-right embedding (U+202A) at character 4"sv},
      {"\u202BWerk"sv, "the name has a right-to-left embedding (U+202B) at character 1"sv},
      {"Werk\u202C"sv, "the name has a pop directional formatting (U+202C) at character 5"sv},
      {"a\u202Db"sv, "the name has a left-to-right override (U+202D) at character 2"sv},
      {"abc\u202Efdp.exe"sv, "the name has a right-to-left override (U+202E) at character 4"sv},
      {"a\u2066b"sv, "the name has a left-to-right isolate (U+2066) at character 2"sv},
      {"a\u2067b"sv, "the name has a right-to-left isolate (U+2067) at character 2"sv},
      {"a\u2068b"sv, "the name has a first-strong isolate (U+2068) at character 2"sv},
      {"a\u2069b"sv, "the name has a pop directional isolate (U+2069) at character 2"sv},
      {"jo\u200E"sv, "the name has a left-to-right mark (U+200E) at character 3"sv},
      {"محمد\u200F"sv, "the name has a right-to-left mark (U+200F) at character 5"sv},
      {"محمد\u061C"sv, "the name has an Arabic letter mark (U+061C) at character 5"sv},
      // Invisible characters.
      {"j\u200Bo"sv, "the name has a zero-width space (U+200B) at character 2"sv},
      {"jo\u2060"sv, "the name has a word joiner (U+2060) at character 3"sv},
      {"\uFEFFjo"sv, "the name has a zero-width no-break space (U+FEFF) at character 1"sv},
      {"j\u00ADo"sv, "the name has a soft hyphen (U+00AD) at character 2"sv},
      {"a\u2062b"sv, "the name has an invisible operator (U+2062) at character 2"sv},
      {"a\u206Bb"sv, "the name has a deprecated format character (U+206B) at character 2"sv},
      {"a\uFFF9b"sv, "the name has an interlinear annotation character (U+FFF9) at character 2"sv},
      {"jo\U000E0041"sv, "the name has a tag character (U+E0041) at character 3"sv},
      // Joiners where no script needs them: next to ASCII, at either end, doubled.
      {"j\u200Co"sv,
       "the name has a zero-width non-joiner (U+200C) at character 2, which only "
       "belongs between two letters of a script that joins them"sv},
      {"j\u200Do"sv,
       "the name has a zero-width joiner (U+200D) at character 2, which only "
       "belongs between two letters of a script that joins them"sv},
      {"\u200Cمحمد"sv,
       "the name has a zero-width non-joiner (U+200C) at character 1, which only "
       "belongs between two letters of a script that joins them"sv},
      {"محمد\u200D"sv,
       "the name has a zero-width joiner (U+200D) at character 5, which only "
       "belongs between two letters of a script that joins them"sv},
      {"م\u200C\u200Cد"sv,
       "the name has a zero-width non-joiner (U+200C) at character 2, which "
       "only belongs between two letters of a script that joins them"sv},
      // Controls: C0 (with the common ones named), DEL, C1; line and paragraph separators.
      {"jo\x1b[2J"sv, "the name has an escape character (U+001B) at character 3"sv},
      {"jo\nadmin"sv, "the name has a line feed (U+000A) at character 3"sv},
      {"jo\radmin"sv, "the name has a carriage return (U+000D) at character 3"sv},
      {"jo\tx"sv, "the name has a tab (U+0009) at character 3"sv},
      {"\x01"sv, "the name has a control character (U+0001) at character 1"sv},
      {"a\x1f"sv, "the name has a control character (U+001F) at character 2"sv},
      {"a\x7f"sv, "the name has a delete character (U+007F) at character 2"sv},
      {"é\u0080"sv, "the name has a C1 control character (U+0080) at character 2"sv},
      {"a\u009b31m"sv, "the name has a C1 control character (U+009B) at character 2"sv},
      {"a\u009f"sv, "the name has a C1 control character (U+009F) at character 2"sv},
      {"a\u2028b"sv, "the name has a line separator (U+2028) at character 2"sv},
      {"a\u2029b"sv, "the name has a paragraph separator (U+2029) at character 2"sv},
      // The first offending character is named, counted in characters, not bytes.
      {"ሳባ\u202E\u202D"sv, "the name has a right-to-left override (U+202E) at character 3"sv},
      // Not UTF-8 at all.
      {"caf\xC3"sv, "the name is not valid UTF-8"sv},
  };
  for (const Case& c : kRefused) {
    SCOPED_TRACE(Hex(c.name));
    Status status = CheckNameCharacters(c.name, "the name");
    EXPECT_EQ(status.code(), Code::kInvalidArgument);
    EXPECT_EQ(status.detail(), c.detail);
  }
}

TEST(TextTest, NamesAcceptTheNeighboursOfEveryRefusedRange) {
  // Off-by-one guards: the code points just outside each refused range are ordinary text.
  const std::string_view kValid[] = {
      " "sv,      "~"sv,      "\u00A0"sv, "\u00AC"sv, "\u00AE"sv,     "\u061B"sv,     "\u061D"sv,
      "\u200A"sv, "\u2010"sv, "\u2027"sv, "\u202F"sv, "\u205F"sv,     "\u2065"sv,     "\u2070"sv,
      "\uFEFE"sv, "\uFF00"sv, "\uFFF8"sv, "\uFFFC"sv, "\U000DFFFF"sv, "\U000E0080"sv,
  };
  for (std::string_view s : kValid) {
    SCOPED_TRACE(Hex(s));
    Status status = CheckNameCharacters(s, "the name");
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
}

TEST(TextTest, NamesSayWhichFieldIsAtFault) {
  EXPECT_EQ(CheckNameCharacters("x\u202E", "the title").detail(),
            "the title has a right-to-left override (U+202E) at character 2");
  EXPECT_EQ(CheckNameCharacters("\x1b", "the role label").detail(),
            "the role label has an escape character (U+001B) at character 1");
}

TEST(TextTest, CutUtf8NeverSplitsACharacter) {
  const std::string two_byte = std::string(99, 'a') + "\xC3\xA9";  // "é" at bytes 99..100
  EXPECT_EQ(CutUtf8(two_byte, 100), std::string(99, 'a'));
  EXPECT_EQ(CutUtf8(two_byte, 101), two_byte);
  EXPECT_EQ(CutUtf8("ab\xE2\x82\xAC", 4), "ab");      // "€" needs 3 bytes
  EXPECT_EQ(CutUtf8("ab\xF0\x9F\x91\x8D", 5), "ab");  // "👍" needs 4
  EXPECT_EQ(CutUtf8("abc", 2), "ab");
  EXPECT_EQ(CutUtf8("", 0), "");
  for (size_t max = 0; max < 12; ++max) {
    SCOPED_TRACE(max);
    EXPECT_TRUE(IsValidUtf8(CutUtf8("h\xC3\xA9\xE2\x82\xAC\xF0\x9F\x91\x8Dz", max)));
  }
}

TEST(TextTest, MakeValidUtf8ReplacesWhatIsNotUtf8) {
  const std::pair<std::string_view, std::string_view> kCases[] = {
      {"\xFF\xFE"sv, "\xEF\xBF\xBD\xEF\xBF\xBD"sv},
      {"Mozilla \xC3"sv, "Mozilla \xEF\xBF\xBD"sv},  // cut inside "é"
      {"a\0b"sv,
       "a\xEF\xBF\xBD"
       "b"sv},
      {"\xC0\xAF"sv, "\xEF\xBF\xBD\xEF\xBF\xBD"sv},                  // overlong "/"
      {"\xED\xA0\x80"sv, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"sv},  // a surrogate
      {"ok \xE2\x82\xAC \x80!"sv, "ok \xE2\x82\xAC \xEF\xBF\xBD!"sv},
  };
  for (const auto& [in, want] : kCases) {
    SCOPED_TRACE(Hex(in));
    std::string s(in);
    EXPECT_TRUE(MakeValidUtf8(&s));
    EXPECT_EQ(s, want);
    EXPECT_TRUE(IsValidUtf8(s));
  }
  std::string valid = "Één afspraak 👍";
  const char* before = valid.data();
  EXPECT_FALSE(MakeValidUtf8(&valid));
  EXPECT_EQ(valid.data(), before);  // untouched: not even copied
}

}  // namespace
}  // namespace kring
