#include "client-sdk/cli/output.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace kring::cli {

std::string Field(std::string_view s) { return s.empty() ? "-" : std::string(s); }

std::string HandleOf(uint64_t id, const Handles& handles) {
  auto it = handles.find(id);
  return it != handles.end() ? it->second : "account " + std::to_string(id);
}

std::string FormatTime(int64_t unix_ms) {
  if (unix_ms == 0) return "";
  // Floor division, so times before 1970 still get a millisecond part in 0..999.
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

namespace {

// Reads exactly `digits` decimal digits at *at into *value; advances *at.
bool Digits(std::string_view s, size_t* at, int digits, int* value) {
  if (*at + digits > s.size()) return false;
  int v = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = s[*at + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *at += digits;
  *value = v;
  return true;
}

bool Expect(std::string_view s, size_t* at, char c) {
  if (*at >= s.size() || std::tolower(static_cast<unsigned char>(s[*at])) != c) return false;
  ++*at;
  return true;
}

}  // namespace

bool ParseTime(std::string_view text, int64_t* unix_ms) {
  size_t at = 0;
  int year, month, day, hour, minute, second;
  if (!Digits(text, &at, 4, &year) || !Expect(text, &at, '-') || !Digits(text, &at, 2, &month) ||
      !Expect(text, &at, '-') || !Digits(text, &at, 2, &day) || !Expect(text, &at, 't') ||
      !Digits(text, &at, 2, &hour) || !Expect(text, &at, ':') || !Digits(text, &at, 2, &minute) ||
      !Expect(text, &at, ':') || !Digits(text, &at, 2, &second)) {
    return false;
  }
  int64_t ms = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int scale = 100, count = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      ms += (text[at] - '0') * scale;  // beyond milliseconds, digits are dropped
      scale /= 10;
      ++at;
      ++count;
    }
    if (count == 0) return false;
  }
  int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int sign = text[at] == '-' ? -1 : 1;
    ++at;
    int oh, om;
    if (!Digits(text, &at, 2, &oh) || !Expect(text, &at, ':') || !Digits(text, &at, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else if (!Expect(text, &at, 'z')) {
    return false;
  }
  if (at != text.size()) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || hour > 23 || minute > 59 ||
      second > 60) {
    return false;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  if (second == 60) second = 59;  // a leap second: the instant just before the next minute
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t secs = static_cast<int64_t>(::timegm(&tm)) - offset_minutes * 60;
  *unix_ms = secs * 1000 + ms;
  return true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string KindName(v1::AccountKind kind) {
  switch (kind) {
    case v1::ACCOUNT_KIND_CLIENT:
      return "client";
    case v1::ACCOUNT_KIND_MEMBER:
      return "member";
    case v1::ACCOUNT_KIND_ADMIN:
      return "admin";
    case v1::ACCOUNT_KIND_AUDITOR:
      return "auditor";
    default:
      return "";
  }
}

std::string RoleName(v1::MemberRole role) {
  switch (role) {
    case v1::MEMBER_ROLE_CLIENT:
      return "client";
    case v1::MEMBER_ROLE_COORDINATOR:
      return "coordinator";
    case v1::MEMBER_ROLE_MEMBER:
      return "member";
    case v1::MEMBER_ROLE_REPRESENTATIVE:
      return "representative";
    default:
      return "";
  }
}

std::string StateName(v1::InvitationState state) {
  switch (state) {
    case v1::INVITATION_STATE_PENDING:
      return "pending";
    case v1::INVITATION_STATE_APPROVED:
      return "approved";
    case v1::INVITATION_STATE_DECLINED:
      return "declined";
    case v1::INVITATION_STATE_EXPIRED:
      return "expired";
    default:
      return "";
  }
}

namespace {

// The code point of a character OneLine escapes by its UTF-8 bytes at `s` (kringd sends only
// valid UTF-8), with its length; 0 if it is shown as it is. C1 controls (U+0080..009F) act like
// C0 in terminals that honour 8-bit controls (U+009B is a CSI); bidi embeddings, overrides and
// isolates (U+202A..202E, U+2066..2069) reorder the rest of the line, so a name could move the
// fields printed after it; line and paragraph separators (U+2028/2029) break it. Bidi marks
// (U+200E/200F, U+061C) and joiners pass: Arabic and Persian text uses them, and they move
// nothing beyond their neighbours.
uint32_t EscapedCodePoint(std::string_view s, size_t* length) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.size() >= 2 && b(0) == 0xC2 && b(1) >= 0x80 && b(1) <= 0x9F) {
    *length = 2;
    return b(1);
  }
  if (s.size() >= 3 && b(0) == 0xE2 && (b(1) == 0x80 || b(1) == 0x81)) {
    const uint32_t cp = 0x2000 | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    if ((cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      *length = 3;
      return cp;
    }
  }
  return 0;
}

}  // namespace

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    size_t length = 0;
    if (u >= 0xC2) {
      if (const uint32_t cp = EscapedCodePoint(text.substr(i), &length); cp != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
        out += buf;
        i += length - 1;
        continue;
      }
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

JsonObject AccountJson(const v1::Account& a) {
  JsonObject j;
  j.Uint("id", a.id())
      .Str("handle", a.handle())
      .Str("kind", KindName(a.kind()))
      .Str("display_name", a.display_name())
      .Str("profession", a.profession())
      .Bool("disabled", a.disabled())
      .Str("created_at", FormatTime(a.created_at_ms()))
      .Str("language", a.language())
      .Str("time_zone", a.time_zone());
  if (a.must_change_password()) j.Bool("must_change_password", true);
  return j;
}

JsonObject NetworkJson(const v1::Network& n) {
  JsonObject j;
  j.Uint("id", n.id())
      .Str("client", n.client_handle())
      .Uint("general_thread_id", n.general_thread_id())
      .Str("my_role", RoleName(n.my_role()))
      .Str("created_at", FormatTime(n.created_at_ms()));
  if (n.state() == v1::NETWORK_STATE_PENDING) j.Str("state", "pending");
  if (n.state() == v1::NETWORK_STATE_ACCEPTED) j.Str("state", "accepted");
  return j;
}

JsonObject InvitationJson(const v1::Invitation& i) {
  JsonObject j;
  j.Uint("id", i.id())
      .Uint("network_id", i.network_id())
      .Str("client", i.client_handle())
      .Str("invitee", i.invitee_handle())
      .Str("invited_by", i.invited_by_handle())
      .Str("role_label", i.role_label())
      .Str("state", StateName(i.state()))
      .Str("created_at", FormatTime(i.created_at_ms()))
      .Str("expires_at", FormatTime(i.expires_at_ms()));
  return j;
}

JsonObject MemberJson(const v1::Member& m) {
  JsonObject j;
  j.Str("handle", m.handle())
      .Str("display_name", m.display_name())
      .Str("profession", m.profession())
      .Str("role", RoleName(m.role()))
      .Str("role_label", m.role_label())
      .Str("since", FormatTime(m.since_ms()));
  if (m.has_access_in_force()) j.Bool("access_in_force", m.access_in_force());
  if (m.has_consent()) j.Raw("consent", ConsentJson(m.consent(), NowMs()).str());
  if (m.has_team()) {
    std::vector<std::string> people;
    for (const auto& p : m.team_people()) people.push_back(p.handle());
    j.Uint("team_id", m.team().id()).Str("team", m.team().name());
    j.Raw("team_people", JsonStringArray(people));
  }
  return j;
}

JsonObject ThreadJson(const v1::Thread& t, const Handles* handles) {
  JsonObject j;
  j.Uint("id", t.id())
      .Uint("network_id", t.network_id())
      .Str("title", t.title())
      .Uint("last_seq", t.last_seq())
      .Str("created_at", FormatTime(t.created_at_ms()))
      .Bool("team_only", t.team_only())
      .Bool("sensitive", t.sensitive())
      .Raw("participant_ids", JsonUintArray(t.participant_ids()));
  if (handles != nullptr && !t.participant_ids().empty()) {
    std::vector<std::string> names;
    for (uint64_t id : t.participant_ids()) names.push_back(HandleOf(id, *handles));
    j.Raw("participants", JsonStringArray(names));
  }
  return j;
}

JsonObject MessageJson(const v1::Message& m) {
  JsonObject j;
  j.Uint("network_id", m.network_id())
      .Uint("thread_id", m.thread_id())
      .Uint("seq", m.seq())
      .Str("sender", m.sender_handle())
      .Str("client_msg_id", m.client_msg_id())
      .Str("text", m.text())
      .Uint("reply_to_seq", m.reply_to_seq())
      .Str("posted_at", FormatTime(m.posted_at_ms()));
  // Attachments (issue 15, item 2): only when there are some, so other output stays as it was.
  if (m.attachments_size() > 0) {
    std::string list = "[";
    for (const v1::Attachment& a : m.attachments()) {
      if (list.size() > 1) list += ",";
      list += AttachmentJson(a).str();
    }
    j.Raw("attachments", list + "]");
  }
  // Corrections and retractions (issue 15, item 3): only on messages that changed.
  if (m.version() > 1) j.Uint("version", m.version());
  if (m.corrected_at_ms() != 0) j.Str("corrected_at", FormatTime(m.corrected_at_ms()));
  if (m.retracted()) {
    j.Bool("retracted", true).Str("retracted_at", FormatTime(m.retracted_at_ms()));
  }
  return j;
}

JsonObject AttachmentJson(const v1::Attachment& a) {
  JsonObject j;
  j.Uint("id", a.id())
      .Uint("network_id", a.network_id())
      .Uint("thread_id", a.thread_id())
      .Str("name", a.name())
      .Str("content_type", a.content_type())
      .Uint("size", a.size())
      .Str("sha256", a.sha256())
      .Bool("thumbnail", a.has_thumbnail());
  return j;
}

std::string AttachmentText(const v1::Attachment& a) {
  return std::to_string(a.id()) + "  " + OneLine(a.name()) + "  " + a.content_type() + "  " +
         std::to_string(a.size()) + " bytes";
}

JsonObject ReadMarkerJson(const v1::ReadMarker& r) {
  JsonObject j;
  j.Uint("thread_id", r.thread_id())
      .Str("handle", r.handle())
      .Uint("seq", r.seq())
      .Str("updated_at", FormatTime(r.updated_at_ms()));
  return j;
}

std::string AccountText(const v1::Account& a) {
  std::string s = a.handle() + "  " + Field(KindName(a.kind())) + "  " +
                  Field(OneLine(a.display_name())) + "  " + Field(OneLine(a.profession()));
  if (a.disabled()) s += "  disabled";
  if (a.must_change_password()) s += "  must-change-password";
  return s;
}

std::string NetworkText(const v1::Network& n) {
  return std::to_string(n.id()) + "  " + n.client_handle() + "  " + Field(RoleName(n.my_role())) +
         "  " + std::to_string(n.general_thread_id()) +
         (n.state() == v1::NETWORK_STATE_PENDING ? "  pending" : "");
}

std::string InvitationText(const v1::Invitation& i) {
  return std::to_string(i.id()) + "  " + std::to_string(i.network_id()) + "  " +
         Field(i.invitee_handle()) + "  " + Field(i.invited_by_handle()) + "  " +
         Field(StateName(i.state())) + "  " + Field(FormatTime(i.expires_at_ms())) + "  " +
         Field(OneLine(i.role_label()));
}

std::string MemberText(const v1::Member& m, int64_t now_ms) {
  // A team: its name, and the people in it now (docs/consent.md, "Teams").
  const std::string who =
      m.has_team() ? "team #" + std::to_string(m.team().id()) + " " + OneLine(m.team().name())
                   : m.handle();
  std::string s = who + "  " + Field(RoleName(m.role())) + "  " + Field(OneLine(m.role_label()));
  if (m.has_team()) {
    s += "  people now: " +
         (m.team_people().empty()
              ? std::string("none")
              : Join(m.team_people(), [](const v1::TeamPerson& p) { return p.handle(); }));
  }
  if (m.has_consent()) {
    s += "  consent #" + std::to_string(m.consent().id()) + ": " +
         ConsentSummary(m.consent(), now_ms);
  } else if (m.has_access_in_force() && !m.access_in_force()) {
    s += "  access ended";  // a coordinator's view: whom to ask the client about, not the details
  }
  return s;
}

std::string ThreadText(const v1::Thread& t, const Handles* handles) {
  std::string s =
      std::to_string(t.id()) + "  " + std::to_string(t.last_seq()) + "  " + OneLine(t.title());
  if (t.team_only()) s += "  (team-only)";
  if (t.sensitive()) s += "  (sensitive)";
  if (!t.participant_ids().empty()) {
    const Handles none;
    const Handles& names = handles != nullptr ? *handles : none;
    s += "  participants: " +
         Join(t.participant_ids(), [&names](uint64_t id) { return HandleOf(id, names); });
  }
  return s;
}

std::string MessageText(const v1::Message& m) {
  const std::string head =
      std::to_string(m.seq()) + "  " + m.sender_handle() + "  " + FormatTime(m.posted_at_ms());
  if (m.retracted()) {
    return head + "  (retracted by the author " + FormatTime(m.retracted_at_ms()) + ")";
  }
  std::string line = head + "  " + OneLine(m.text());
  if (m.corrected_at_ms() != 0) line += "  (corrected " + FormatTime(m.corrected_at_ms()) + ")";
  for (const v1::Attachment& a : m.attachments()) line += "  [attached: " + AttachmentText(a) + "]";
  return line;
}

void Output::Emit(std::string_view text, const JsonObject& json) const {
  Line(json_ ? json.str() : std::string(text));
}

void Output::Line(std::string_view line) const {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace kring::cli
