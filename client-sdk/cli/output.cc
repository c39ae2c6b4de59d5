#include "client-sdk/cli/output.h"

#include <cstdio>
#include <ctime>

namespace kring::cli {
namespace {

// Fields of a text line are separated by two spaces; an empty one shows as "-".
std::string Field(std::string_view s) { return s.empty() ? "-" : std::string(s); }

}  // namespace

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
    default:
      return "";
  }
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
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
      .Str("created_at", FormatTime(a.created_at_ms()));
  return j;
}

JsonObject NetworkJson(const v1::Network& n) {
  JsonObject j;
  j.Uint("id", n.id())
      .Str("client", n.client_handle())
      .Uint("general_thread_id", n.general_thread_id())
      .Str("my_role", RoleName(n.my_role()))
      .Str("created_at", FormatTime(n.created_at_ms()));
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
      .Str("created_at", FormatTime(i.created_at_ms()));
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
  return j;
}

JsonObject ThreadJson(const v1::Thread& t) {
  JsonObject j;
  j.Uint("id", t.id())
      .Uint("network_id", t.network_id())
      .Str("title", t.title())
      .Uint("last_seq", t.last_seq())
      .Str("created_at", FormatTime(t.created_at_ms()));
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
  return j;
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
  return s;
}

std::string NetworkText(const v1::Network& n) {
  return std::to_string(n.id()) + "  " + n.client_handle() + "  " + Field(RoleName(n.my_role())) +
         "  " + std::to_string(n.general_thread_id());
}

std::string InvitationText(const v1::Invitation& i) {
  return std::to_string(i.id()) + "  " + std::to_string(i.network_id()) + "  " +
         Field(i.invitee_handle()) + "  " + Field(i.invited_by_handle()) + "  " +
         Field(StateName(i.state())) + "  " + Field(OneLine(i.role_label()));
}

std::string MemberText(const v1::Member& m) {
  return m.handle() + "  " + Field(RoleName(m.role())) + "  " + Field(OneLine(m.role_label()));
}

std::string ThreadText(const v1::Thread& t) {
  return std::to_string(t.id()) + "  " + std::to_string(t.last_seq()) + "  " + OneLine(t.title());
}

std::string MessageText(const v1::Message& m) {
  return std::to_string(m.seq()) + "  " + m.sender_handle() + "  " + FormatTime(m.posted_at_ms()) +
         "  " + OneLine(m.text());
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
