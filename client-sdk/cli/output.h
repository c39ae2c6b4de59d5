// What `kring` prints on stdout: short human lines, or with --json one JSON object per line.
//
// JSON field names are part of the CLI's interface and never change meaning (new fields may be
// added). Times are UTC, RFC 3339 with milliseconds ("2026-11-22T17:00:00.000Z"). Per object:
//
//   account     {"id","handle","kind","display_name","profession","disabled","created_at"}
//               kind: "client" | "member" | "admin" | "auditor"
//   network     {"id","client","general_thread_id","my_role","created_at"}
//               my_role: "client" | "coordinator" | "member" | "representative" | ""
//   invitation  {"id","network_id","client","invitee","invited_by","role_label","state",
//                "created_at","expires_at"}
//               state: "pending" | "approved" | "declined" | "expired"; expires_at "": never
//   member      {"handle","display_name","profession","role","role_label","since"[,"consent"]}
//               role: "client" | "coordinator" | "member" | "representative"; consent (a consent
//               object) when kringd shows it: in the client's and representatives' lists, and
//               in a member's own entry
//   thread      {"id","network_id","title","last_seq","created_at","team_only",
//                "participant_ids"[,"participants"]}   participants: their handles
//   consent     {"id","network_id","grantee","grantee_id","client_id","recorded_by",
//                "recorded_by_id","by_representative","status","state","all_threads",
//                "thread_ids","actions","history_visible","start","end","supersedes",
//                "recorded_at","reason","access_since","hidden_through_seq"}
//               status: "active" | "withdrawn" (the record); state: "in_force" | "not_yet" |
//               "expired" | "withdrawn" | "superseded" (at the time of listing); grantee ""
//               and grantee_id 0: the team (team-only threads); actions: "read" | "post" |
//               "coordinate" | "team_threads"; end "": until withdrawn;
//               hidden_through_seq: {"THREAD_ID": SEQ}
//   message     {"network_id","thread_id","seq","sender","client_msg_id","text","reply_to_seq",
//                "posted_at"}
//   read marker {"thread_id","handle","seq","updated_at"}
//   audit event {"seq","time","action","event_type","outcome","outcome_detail","actor_id",
//                "actor","actor_kind","actor_role","actor_profession","on_behalf_of",
//                "client_id","network_id","thread_id","seq_from","seq_to","count","consent_id",
//                "object_id","object_handle","source_address","app","server_id","prev_hash",
//                "prev_client_seq","prev_actor_seq","requested_thread_id"}
//               action: "create" | "read" | "update" | "delete" | "execute"; outcome:
//               "success" | "denied" | "error"; actor: the handle; prev_hash: hex ("" for
//               record 1); 0 and "": not applicable
//   access log entry  an audit event plus "summary","actor_display_name","thread_title"
//               (kringd leaves source_address, app, prev_hash and prev_*_seq empty here)
//
// Commands that print no such object print their own (documented in `kring --help`):
// login/whoami add "session_expires_at" to the account, approve adds "invitation_id" to the
// member, send prints {"network_id","thread_id","seq","client_msg_id","duplicate","posted_at"},
// history may start with {"network_id","thread_id","hidden_through_seq"} (messages 1..N exist
// but are not visible to the caller), representative appoint prints a representation
// {"client","representative","basis","since"}, audit verify {"intact","records","first_bad_seq",
// "problem","head_hash","repaired_records"} (hex), audit checkpoint
// {"server_id","count","head_hash","time", "time_ms","algorithm","signature","public_key_pem"}
// (head_hash and signature base64). audit query and mine end a page with more after it with
// {"more_after"}.
//
// Every line is flushed at once, so a pipe sees `tail` output as it happens.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "client-sdk/cli/json.h"
#include "kring/v1/kring.pb.h"

namespace kring::cli {

// Account ids to handles, for records that name people by id (consents, thread participants).
using Handles = std::map<uint64_t, std::string>;
using Titles = std::map<uint64_t, std::string>;  // thread id -> title

// "2026-11-22T17:00:00.000Z"; "" for 0 (unset).
std::string FormatTime(int64_t unix_ms);
// An RFC 3339 date-time ("2026-12-31T17:00:00Z", "2026-12-31T18:00:00.5+01:00"; T and Z in
// either case) to Unix milliseconds. False if `text` is not one.
[[nodiscard]] bool ParseTime(std::string_view text, int64_t* unix_ms);
// The machine's clock, in Unix milliseconds: what consent states are judged by.
int64_t NowMs();
std::string KindName(v1::AccountKind kind);
std::string RoleName(v1::MemberRole role);
std::string StateName(v1::InvitationState state);

// Message text on one line for humans: newlines, tabs and other control characters are shown
// escaped (\n, \t, \x1b, ...; C1 controls as \u0080..\u009f) so neither line structure nor the
// terminal can be hijacked. Bidi embeddings, overrides and isolates and the line and paragraph
// separators are shown escaped too (\u202e, ...): they would reorder or break the rest of the
// line.
std::string OneLine(std::string_view text);

JsonObject AccountJson(const v1::Account& a);
JsonObject NetworkJson(const v1::Network& n);
JsonObject InvitationJson(const v1::Invitation& i);
JsonObject MemberJson(const v1::Member& m);
// `handles` (may be null) names the participants.
JsonObject ThreadJson(const v1::Thread& t, const Handles* handles = nullptr);
JsonObject MessageJson(const v1::Message& m);
// Attachments (issue 15, item 2): "ID  NAME  TYPE  SIZE bytes" and its JSON.
JsonObject AttachmentJson(const v1::Attachment& a);
std::string AttachmentText(const v1::Attachment& a);
JsonObject ReadMarkerJson(const v1::ReadMarker& r);

std::string AccountText(const v1::Account& a);
std::string NetworkText(const v1::Network& n);
std::string InvitationText(const v1::Invitation& i);
// With the member's consent summary when the record carries one.
std::string MemberText(const v1::Member& m, int64_t now_ms);
// With "(team-only)" and the participants (by handle when `handles` knows them).
std::string ThreadText(const v1::Thread& t, const Handles* handles = nullptr);

// --- Consent records (consent_output.cc) ---

// A consent record for people: "in force", "not yet", "expired" or "withdrawn" at now_ms.
std::string ConsentState(const v1::Consent& c, int64_t now_ms);
// "all threads; read, post; history not visible; from T until withdrawn; in force" (for the
// team's record "team-only threads allowed; from ...").
std::string ConsentSummary(const v1::Consent& c, int64_t now_ms);
// `state` overrides ConsentState (e.g. "superseded" in a history); `handles` names the client
// of a record made by a representative.
JsonObject ConsentJson(const v1::Consent& c, int64_t now_ms, std::string_view state = {});
// `titles` (thread id -> title, from ListConsentsResult.thread_titles) puts titles beside ids.
std::string ConsentText(const v1::Consent& c, int64_t now_ms, const Handles& handles,
                        std::string_view state = {}, const Titles* titles = nullptr);
// The access a record gives, in one plain line: "ruud may read (read only) in Werk, Wonen;
// earlier messages hidden; until 2026-12-31" (thread titles from `titles`, ids where unknown).
std::string AccessLine(const v1::Consent& c, const Titles& titles);
// "SEQ  HANDLE  TIME  TEXT", with "  (corrected TIME)" after a corrected text, and
// "SEQ  HANDLE  TIME  (retracted by the author TIME)" in place of a retracted one.
std::string MessageText(const v1::Message& m);

// --- The access log (audit_output.cc) ---

// Lower-case hexadecimal and standard (padded) base64 of raw bytes.
std::string Hex(std::string_view bytes);
std::string Base64(std::string_view bytes);
// "create" | "read" | "update" | "delete" | "execute"; "" for UNSPECIFIED.
std::string ActionName(v1::AuditAction action);
// "success" | "denied" | "error"; "" for UNSPECIFIED.
std::string OutcomeName(v1::AuditOutcome outcome);
// The inverses, for --action and --outcome; false for any other name.
[[nodiscard]] bool ParseAction(std::string_view name, v1::AuditAction* out);
[[nodiscard]] bool ParseOutcome(std::string_view name, v1::AuditOutcome* out);

// Appends every field of a record (an audit event object) to *json.
void AddAuditEventFields(const v1::AuditEvent& e, JsonObject* json);
JsonObject AuditEventJson(const v1::AuditEvent& e);
// The record's fields plus "summary", "actor_display_name" and "thread_title".
JsonObject AccessLogEntryJson(const v1::AccessLogEntry& entry);
// "jo (member)", "mentor (representative) for account 3", "audrey (auditor)"; "-" for nobody.
std::string AuditActorText(const v1::AuditEvent& e);
// What the record concerns: "client 3, network 1, thread 2, seq 4-6, count 3"; "-" for nothing.
std::string AuditObjectText(const v1::AuditEvent& e);
// "#SEQ  TIME  OUTCOME  EVENT_TYPE  ACTOR  OBJECT  [(DETAIL)]".
std::string AuditEventText(const v1::AuditEvent& e);
// AuditEventText followed by the server's plain summary.
std::string AccessLogEntryText(const v1::AccessLogEntry& entry);
// "intact: N records, head HEX" or "broken at record N: PROBLEM".
std::string VerifyText(const v1::VerifyAuditChainResult& v);
JsonObject VerifyJson(const v1::VerifyAuditChainResult& v);
// Lines "KEY  VALUE" (hash hex, signature base64), then the public key PEM.
std::string CheckpointText(const v1::AuditCheckpoint& c);
// head_hash and signature base64; the PEM as a string.
JsonObject CheckpointJson(const v1::AuditCheckpoint& c);

// --- Helpers of the formatters ---

// A field of a text line (fields are separated by two spaces): "-" when empty.
std::string Field(std::string_view s);
// The handle `handles` knows for `id`, else "account ID".
std::string HandleOf(uint64_t id, const Handles& handles);
// format(item) for each item, separated by ", ".
template <typename Range, typename Format>
std::string Join(const Range& items, const Format& format) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += format(item);
  }
  return out;
}

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
