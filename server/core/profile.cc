#include "server/core/profile.h"

#include <array>

namespace kring {

Status CheckLanguage(std::string_view language) {
  for (std::string_view known : {"nl", "en", "ar", "ti"}) {
    if (language == known) return Status::Ok();
  }
  return InvalidArgument("language must be nl, en, ar or ti");
}

Status CheckTimeZone(std::string_view time_zone) {
  const Status invalid =
      InvalidArgument("time_zone must be an IANA time zone name such as Europe/Amsterdam");
  if (time_zone == "UTC") return Status::Ok();
  if (time_zone.empty() || time_zone.size() > 64) return invalid;
  static constexpr std::array<std::string_view, 11> kAreas = {
      "Africa",    "America", "Antarctica", "Arctic",  "Asia", "Atlantic",
      "Australia", "Europe",  "Indian",     "Pacific", "Etc"};
  const size_t slash = time_zone.find('/');
  if (slash == std::string_view::npos) return invalid;
  const std::string_view area = time_zone.substr(0, slash);
  bool known = false;
  for (std::string_view a : kAreas) known = known || a == area;
  if (!known) return invalid;
  std::string_view rest = time_zone.substr(slash + 1);
  int parts = 0;
  while (true) {
    const size_t next = rest.find('/');
    const std::string_view part = rest.substr(0, next);
    if (part.empty() || part.size() > 30 || ++parts > 2) return invalid;
    const char first = part.front();
    const bool letter = (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z');
    if (!letter) return invalid;
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '+';
      if (!ok) return invalid;
    }
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return Status::Ok();
}

}  // namespace kring
