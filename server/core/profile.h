// A person's profile settings the apps read: language and time zone. Plain checks, no I/O.
#pragma once

#include <string_view>

#include "server/core/status.h"

namespace kring {

// What new accounts start with (and what an empty field on an older account means).
inline constexpr std::string_view kDefaultLanguage = "nl";
inline constexpr std::string_view kDefaultTimeZone = "Europe/Amsterdam";

// OK for a language the apps are written in: "nl", "en", "ar", "ti" (BCP 47, lower case).
// INVALID_ARGUMENT otherwise, naming the four.
[[nodiscard]] Status CheckLanguage(std::string_view language);

// OK for a plausible IANA time zone name: "UTC", or AREA/LOCATION[/SUBLOCATION] with AREA one of
// the IANA areas (Africa, America, Antarctica, Arctic, Asia, Atlantic, Australia, Europe, Indian,
// Pacific, Etc) and each part 1..30 characters of A-Z, a-z, 0-9, '_', '-', '+', starting with a
// letter (Etc/GMT+1 excepted); 64 bytes at most. Whether the zone exists is the app's to find:
// the server keeps no time zone database. INVALID_ARGUMENT otherwise.
[[nodiscard]] Status CheckTimeZone(std::string_view time_zone);

}  // namespace kring
