#include "server/core/audit_summary.h"

namespace kring {

namespace {

std::string Messages(uint64_t n) {
  return n == 1 ? "1 message" : std::to_string(n) + " messages";
}

}  // namespace

std::string SummarizeAuditEvent(const v1::AuditEvent& e, std::string_view actor_name,
                                std::string_view thread_title, std::string_view object_name) {
  const std::string actor = actor_name.empty() ? "someone" : std::string(actor_name);
  const std::string thread =
      thread_title.empty() ? (e.thread_id() ? "thread " + std::to_string(e.thread_id()) : "")
                           : "thread " + std::string(thread_title);
  const std::string object = object_name.empty() ? "someone" : std::string(object_name);
  const std::string& type = e.event_type();
  std::string what;
  if (type == "history.read") {
    what = "read " + Messages(e.count()) + " in " + thread;
  } else if (type == "live.started") {
    what = "started receiving " + thread + " as it is written";
  } else if (type == "live.ended") {
    what = "received " + Messages(e.count()) + " in " + thread + " as they were posted";
  } else if (type == "message.posted") {
    what = "posted a message in " + thread;
  } else if (type == "members.listed") {
    what = "looked at who is in the network";
  } else if (type == "threads.listed") {
    what = "looked at the list of threads";
  } else if (type == "read_marker.updated") {
    what = "marked " + thread + " as read";
  } else if (type == "read_markers.listed") {
    what = "looked at who has read " + thread;
  } else if (type == "thread.created") {
    what = "opened " + thread;
  } else if (type == "network.opened") {
    what = "opened the network";
  } else if (type == "invitation.created") {
    what = "invited " + object;
  } else if (type == "invitation.approved") {
    what = "approved the invitation of " + object;
  } else if (type == "invitation.declined") {
    what = "declined the invitation of " + object;
  } else if (type == "member.removed") {
    what = "removed " + object + " from the network";
  } else if (type == "member.left") {
    what = "left the network";
  } else if (type == "consent.granted") {
    what = object == "someone" ? "allowed team-only threads" : "gave consent to " + object;
  } else if (type == "consent.withdrawn") {
    what = object == "someone" ? "withdrew consent to team-only threads"
                               : "withdrew the consent of " + object;
  } else if (type == "consent.expired") {
    return "The consent of " + object + " ended";
  } else if (type == "consents.listed") {
    what = "looked at the consent list";
  } else if (type == "access_log.read") {
    what = "looked at this access log";
  } else if (type == "audit.queried") {
    what = "looked at access-log records about you, as an auditor";
  } else if (type == "audit.verified") {
    what = "checked that the access log is intact, as an auditor";
  } else if (type == "audit.checkpoint") {
    what = "had a signed checkpoint of the access log made, as an auditor";
  } else if (type == "representative.appointed") {
    what = "appointed " + object + " as representative";
  } else if (type == "representative.ended") {
    what = "ended the appointment of " + object + " as representative";
  } else {
    what = "did " + type;
  }
  std::string out = actor;
  if (e.on_behalf_of() != 0) out += " (for the client)";
  if (e.outcome() == v1::AUDIT_OUTCOME_SUCCESS) return out + " " + what;
  // Refused or failed: what was asked, and why it was not done. Threads of one Subscribe that
  // were refused share a record, which counts them.
  const std::string asked =
      type == "live.started" && e.count() > 1 ? std::to_string(e.count()) + " threads" : thread;
  return out + " was refused (" + type + (asked.empty() ? "" : ", " + asked) + ")" +
         (e.outcome_detail().empty() ? "" : ": " + e.outcome_detail());
}

}  // namespace kring
