// The access log's records, access-log entries, chain verification and checkpoints, as `kring
// audit` prints them (formats: output.h).
#include <string>
#include <vector>

#include "client-sdk/cli/output.h"

namespace kring::cli {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 0x3f]);
  }
  const size_t left = bytes.size() - i;
  if (left > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 0x3f]);
    out.push_back(kAlphabet[(v >> 12) & 0x3f]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

std::string ActionName(v1::AuditAction action) {
  switch (action) {
    case v1::AUDIT_ACTION_CREATE:
      return "create";
    case v1::AUDIT_ACTION_READ:
      return "read";
    case v1::AUDIT_ACTION_UPDATE:
      return "update";
    case v1::AUDIT_ACTION_DELETE:
      return "delete";
    case v1::AUDIT_ACTION_EXECUTE:
      return "execute";
    default:
      return "";
  }
}

std::string OutcomeName(v1::AuditOutcome outcome) {
  switch (outcome) {
    case v1::AUDIT_OUTCOME_SUCCESS:
      return "success";
    case v1::AUDIT_OUTCOME_DENIED:
      return "denied";
    case v1::AUDIT_OUTCOME_ERROR:
      return "error";
    default:
      return "";
  }
}

bool ParseAction(std::string_view name, v1::AuditAction* out) {
  for (auto a : {v1::AUDIT_ACTION_CREATE, v1::AUDIT_ACTION_READ, v1::AUDIT_ACTION_UPDATE,
                 v1::AUDIT_ACTION_DELETE, v1::AUDIT_ACTION_EXECUTE}) {
    if (name == ActionName(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

bool ParseOutcome(std::string_view name, v1::AuditOutcome* out) {
  for (auto o : {v1::AUDIT_OUTCOME_SUCCESS, v1::AUDIT_OUTCOME_DENIED, v1::AUDIT_OUTCOME_ERROR}) {
    if (name == OutcomeName(o)) {
      *out = o;
      return true;
    }
  }
  return false;
}

void AddAuditEventFields(const v1::AuditEvent& e, JsonObject* json) {
  json->Uint("seq", e.seq())
      .Str("time", FormatTime(e.time_ms()))
      .Str("action", ActionName(e.action()))
      .Str("event_type", e.event_type())
      .Str("outcome", OutcomeName(e.outcome()))
      .Str("outcome_detail", e.outcome_detail())
      .Uint("actor_id", e.actor_id())
      .Str("actor", e.actor_handle())
      .Str("actor_kind", KindName(e.actor_kind()))
      .Str("actor_role", RoleName(e.actor_role()))
      .Str("actor_profession", e.actor_profession())
      .Uint("on_behalf_of", e.on_behalf_of())
      .Uint("client_id", e.client_id())
      .Uint("network_id", e.network_id())
      .Uint("thread_id", e.thread_id())
      .Uint("seq_from", e.seq_from())
      .Uint("seq_to", e.seq_to())
      .Uint("count", e.count())
      .Uint("consent_id", e.consent_id())
      .Uint("object_id", e.object_id())
      .Str("object_handle", e.object_handle())
      .Str("source_address", e.source_address())
      .Str("app", e.app())
      .Str("server_id", e.server_id())
      .Str("prev_hash", Hex(e.prev_hash()))
      .Uint("prev_client_seq", e.prev_client_seq())
      .Uint("prev_actor_seq", e.prev_actor_seq())
      .Uint("requested_thread_id", e.requested_thread_id());
}

JsonObject AuditEventJson(const v1::AuditEvent& e) {
  JsonObject json;
  AddAuditEventFields(e, &json);
  return json;
}

JsonObject AccessLogEntryJson(const v1::AccessLogEntry& entry) {
  JsonObject json;
  AddAuditEventFields(entry.event(), &json);
  json.Str("summary", entry.summary())
      .Str("actor_display_name", entry.actor_display_name())
      .Str("thread_title", entry.thread_title());
  return json;
}

std::string AuditActorText(const v1::AuditEvent& e) {
  if (e.actor_handle().empty() && e.actor_id() == 0) return "-";  // e.g. a failed login
  std::string actor = e.actor_handle().empty() ? "account " + std::to_string(e.actor_id())
                                               : OneLine(e.actor_handle());
  // The role in the network concerned says more than the account's kind; outside a network
  // (logins, account management, the log itself) the kind is all there is.
  std::string as = RoleName(e.actor_role());
  if (as.empty()) as = KindName(e.actor_kind());
  if (!as.empty()) actor += " (" + as + ")";
  if (e.on_behalf_of() != 0) actor += " for account " + std::to_string(e.on_behalf_of());
  return actor;
}

std::string AuditObjectText(const v1::AuditEvent& e) {
  std::vector<std::string> parts;
  if (e.client_id() != 0) parts.push_back("client " + std::to_string(e.client_id()));
  if (e.network_id() != 0) parts.push_back("network " + std::to_string(e.network_id()));
  if (e.thread_id() != 0) parts.push_back("thread " + std::to_string(e.thread_id()));
  if (e.requested_thread_id() != 0) {  // not a thread of this network, or not checked to be
    parts.push_back("asked for thread #" + std::to_string(e.requested_thread_id()));
  }
  if (e.seq_from() != 0) {
    std::string seq = "seq " + std::to_string(e.seq_from());
    if (e.seq_to() > e.seq_from()) seq += "-" + std::to_string(e.seq_to());
    parts.push_back(seq);
  }
  if (e.count() != 0) parts.push_back("count " + std::to_string(e.count()));
  if (e.consent_id() != 0) parts.push_back("consent #" + std::to_string(e.consent_id()));
  if (!e.object_handle().empty()) {
    parts.push_back("object " + OneLine(e.object_handle()));
  } else if (e.object_id() != 0) {
    parts.push_back("object #" + std::to_string(e.object_id()));
  }
  if (parts.empty()) return "-";
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

std::string AuditEventText(const v1::AuditEvent& e) {
  std::string line = "#" + std::to_string(e.seq()) + "  " + Field(FormatTime(e.time_ms())) + "  " +
                     Field(OutcomeName(e.outcome())) + "  " + Field(OneLine(e.event_type())) +
                     "  " + AuditActorText(e) + "  " + AuditObjectText(e);
  if (!e.outcome_detail().empty()) line += "  (" + OneLine(e.outcome_detail()) + ")";
  return line;
}

std::string AccessLogEntryText(const v1::AccessLogEntry& entry) {
  return AuditEventText(entry.event()) + "  " + Field(OneLine(entry.summary()));
}

JsonObject VerifyJson(const v1::VerifyAuditChainResult& v) {
  JsonObject json;
  json.Bool("intact", v.intact())
      .Uint("records", v.records())
      .Uint("first_bad_seq", v.first_bad_seq())
      .Str("problem", v.problem())
      .Str("head_hash", Hex(v.head_hash()))
      .Uint("repaired_records", v.repaired_records());
  return json;
}

std::string VerifyText(const v1::VerifyAuditChainResult& v) {
  if (!v.intact()) {
    return "broken at record " + std::to_string(v.first_bad_seq()) + " of " +
           std::to_string(v.records()) + ": " + OneLine(v.problem());
  }
  std::string text =
      "intact: " + std::to_string(v.records()) + " records, head " + Field(Hex(v.head_hash()));
  if (v.repaired_records() != 0) {
    text += "\nnote: " + std::to_string(v.repaired_records()) +
            " records hold text that is not valid UTF-8 (shown with U+FFFD)";
  }
  return text;
}

JsonObject CheckpointJson(const v1::AuditCheckpoint& c) {
  JsonObject json;
  json.Str("server_id", c.server_id())
      .Uint("count", c.count())
      .Str("head_hash", Base64(c.head_hash()))
      .Str("time", FormatTime(c.time_ms()))
      .Int("time_ms", c.time_ms())
      .Str("algorithm", c.algorithm())
      .Str("signature", Base64(c.signature()))
      .Str("public_key_pem", c.public_key_pem());
  return json;
}

std::string CheckpointText(const v1::AuditCheckpoint& c) {
  std::string pem = c.public_key_pem();
  if (!pem.empty() && pem.back() == '\n') pem.pop_back();
  return "server_id  " + Field(OneLine(c.server_id())) + "\ncount  " + std::to_string(c.count()) +
         "\nhead_hash  " + Field(Hex(c.head_hash())) + "\ntime  " + Field(FormatTime(c.time_ms())) +
         " (" + std::to_string(c.time_ms()) + ")\nalgorithm  " + Field(OneLine(c.algorithm())) +
         "\nsignature  " + Field(Base64(c.signature())) + "\n" + pem;
}

}  // namespace kring::cli
