// What `kring` prints on stdout: short human lines, or with --json one JSON object per line.
//
// JSON field names are part of the CLI's interface and never change meaning (new fields may be
// added). Times are UTC, RFC 3339 with milliseconds ("2026-11-22T17:00:00.000Z"). Per object:
//
//   account     {"id","handle","kind","display_name","profession","disabled","created_at"}
//               kind: "client" | "member" | "admin" | "auditor"
//   network     {"id","client","general_thread_id","my_role","created_at"}
//               my_role: "client" | "coordinator" | "member" | "" (not in a listing)
//   invitation  {"id","network_id","client","invitee","invited_by","role_label","state",
//                "created_at"}   state: "pending" | "approved" | "declined"
//   member      {"handle","display_name","profession","role","role_label","since"}
//   thread      {"id","network_id","title","last_seq","created_at"}
//   message     {"network_id","thread_id","seq","sender","client_msg_id","text","reply_to_seq",
//                "posted_at"}
//   read marker {"thread_id","handle","seq","updated_at"}
//
// Commands that print no such object print their own (documented in `kring --help`):
// login/whoami add "session_expires_at" to the account, approve adds "invitation_id" to the
// member, send prints {"network_id","thread_id","seq","client_msg_id","duplicate","posted_at"}.
//
// Every line is flushed at once, so a pipe sees `tail` output as it happens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "client-sdk/cli/json.h"
#include "kring/v1/kring.pb.h"

namespace kring::cli {

// "2026-11-22T17:00:00.000Z"; "" for 0 (unset).
std::string FormatTime(int64_t unix_ms);
std::string KindName(v1::AccountKind kind);
std::string RoleName(v1::MemberRole role);
std::string StateName(v1::InvitationState state);

// Message text on one line for humans: newlines, tabs and other control characters are shown
// escaped (\n, \t, \x1b, ...) so neither line structure nor the terminal can be hijacked.
std::string OneLine(std::string_view text);

JsonObject AccountJson(const v1::Account& a);
JsonObject NetworkJson(const v1::Network& n);
JsonObject InvitationJson(const v1::Invitation& i);
JsonObject MemberJson(const v1::Member& m);
JsonObject ThreadJson(const v1::Thread& t);
JsonObject MessageJson(const v1::Message& m);
JsonObject ReadMarkerJson(const v1::ReadMarker& r);

std::string AccountText(const v1::Account& a);
std::string NetworkText(const v1::Network& n);
std::string InvitationText(const v1::Invitation& i);
std::string MemberText(const v1::Member& m);
std::string ThreadText(const v1::Thread& t);
std::string MessageText(const v1::Message& m);

// Writes to stdout either the text line or the JSON object, whichever the mode asks for.
class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  bool json() const { return json_; }

  // Prints `text` in text mode, `json` in JSON mode; each followed by a newline and a flush.
  void Emit(std::string_view text, const JsonObject& json) const;
  void Line(std::string_view line) const;

 private:
  bool json_;
};

}  // namespace kring::cli
