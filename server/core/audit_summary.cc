#include "server/core/audit_summary.h"

#include "proto/kring/v1/audit_event_types.h"

namespace kring {

namespace {

namespace event_type = v1::event_type;

std::string Messages(uint64_t n) { return n == 1 ? "1 message" : std::to_string(n) + " messages"; }

}  // namespace

std::string SummarizeAuditEvent(const v1::AuditEvent& e, std::string_view actor_name,
                                std::string_view thread_title, std::string_view object_name) {
  const std::string actor = actor_name.empty() ? "someone" : std::string(actor_name);
  const std::string thread = thread_title.empty()
                                 ? (e.thread_id() ? "thread " + std::to_string(e.thread_id()) : "")
                                 : "thread " + std::string(thread_title);
  const std::string object = object_name.empty() ? "someone" : std::string(object_name);
  const std::string& type = e.event_type();
  std::string what;
  if (type == event_type::kHistoryRead) {
    what = "read " + Messages(e.count()) + " in " + thread;
  } else if (type == event_type::kLiveStarted) {
    what = "started receiving " + thread + " as it is written";
  } else if (type == event_type::kLiveEnded) {
    what = "received " + Messages(e.count()) + " in " + thread + " as they were posted";
  } else if (type == event_type::kLiveStopped) {
    what = "stopped receiving new messages as they are written";
  } else if (type == event_type::kMessagePosted) {
    what = "posted a message in " + thread;
  } else if (type == event_type::kMessageCorrected) {
    what = "corrected a message in " + thread;
  } else if (type == event_type::kMessageRetracted) {
    what = "retracted a message in " + thread;
  } else if (type == event_type::kMessageVersionsRead) {
    what = "read the earlier versions of a message in " + thread;
  } else if (type == event_type::kMessageChangesRead) {
    what = "read " + Messages(e.count()) + " corrected or retracted in " + thread;
  } else if (type == event_type::kMembersListed) {
    what = "looked at who is in the network";
  } else if (type == event_type::kThreadsListed) {
    what = "looked at the list of threads";
  } else if (type == event_type::kReadMarkerUpdated) {
    what = "marked " + thread + " as read";
  } else if (type == event_type::kReadMarkersListed) {
    what = "looked at who has read " + thread;
  } else if (type == event_type::kThreadCreated) {
    what = "opened " + thread;
  } else if (type == event_type::kThreadMarkedSensitive) {
    what = "marked " + thread + " sensitive";
  } else if (type == event_type::kThreadUnmarkedSensitive) {
    what = "marked " + thread + " not sensitive";
  } else if (type == event_type::kNetworkOpened) {
    what = "opened the network";
  } else if (type == event_type::kInvitationCreated) {
    what = "invited " + object;
  } else if (type == event_type::kInvitationApproved) {
    what = "approved the invitation of " + object;
  } else if (type == event_type::kInvitationDeclined) {
    what = "declined the invitation of " + object;
  } else if (type == event_type::kMemberRemoved) {
    what = "removed " + object + " from the network";
  } else if (type == event_type::kMemberLeft) {
    what = "left the network";
  } else if (type == event_type::kConsentGranted) {
    what = object == "someone" ? "allowed team-only threads" : "gave consent to " + object;
  } else if (type == event_type::kConsentWithdrawn) {
    what = object == "someone" ? "withdrew consent to team-only threads"
                               : "withdrew the consent of " + object;
  } else if (type == event_type::kConsentExpired) {
    return "The consent of " + object + " ended";
  } else if (type == event_type::kConsentsListed) {
    what = "looked at the consent list";
  } else if (type == event_type::kAccessLogRead) {
    what = "looked at this access log";
  } else if (type == event_type::kAuditQueried) {
    what = "looked at access-log records about you, as an auditor";
  } else if (type == event_type::kAuditVerified) {
    what = "checked that the access log is intact, as an auditor";
  } else if (type == event_type::kAuditCheckpoint) {
    what = "had a signed checkpoint of the access log made, as an auditor";
  } else if (type == event_type::kAccountsListed) {
    what = "looked at the list of accounts, as an admin";
  } else if (type == event_type::kRepresentativeAppointed) {
    what = "appointed " + object + " as representative";
  } else if (type == event_type::kRepresentativeEnded) {
    what = "ended the appointment of " + object + " as representative";
  } else if (type == event_type::kTeamCreated) {
    what = "created a team, as an admin";
  } else if (type == event_type::kTeamPersonSet) {
    what = "added " + object + " to a team (or changed their period)";
  } else if (type == event_type::kTeamPersonRemoved) {
    what = "removed " + object + " from a team";
  } else if (type == event_type::kTeamsListed) {
    what = "looked at the list of teams";
  } else if (type == event_type::kTeamPeopleListed) {
    what = "looked at who is in a team";
  } else if (type == event_type::kTeamExclusionSet) {
    what = "changed whether " + object + " of a team may take part in the network";
  } else if (type == event_type::kRepresentativeRequested) {
    what = "asked to appoint " + object +
           " as your representative; it takes effect only when a second admin confirms it";
  } else if (type == event_type::kRepresentativeConfirmed) {
    what = "confirmed the appointment of " + object + " as your representative: it is in force";
  } else if (type == event_type::kRepresentativeRefused) {
    what = "refused the appointment of " + object + " as your representative";
  } else if (type == event_type::kRepresentationsListed) {
    what = "looked at the appointments of your representatives, as an admin";
  } else if (type == event_type::kNetworkAccepted) {
    what = "accepted the network " + object + " opened";
  } else if (type == event_type::kNetworkDeclined) {
    what = "declined the network " + object + " opened";
  } else if (type == event_type::kAttachmentStored) {  // attachments (issue 15, item 2)
    what = "uploaded a file to " + thread;
  } else if (type == event_type::kAttachmentRead) {
    what = "downloaded a file of " + thread;
  } else if (type == event_type::kAttachmentUploadBegun) {
    what = "started to upload a file to " + thread;
  } else if (type == event_type::kPlanRead) {
    what = e.plan_version() != 0
               ? "read version " + std::to_string(e.plan_version()) + " of the plan"
               : "read the plan";
  } else if (type == event_type::kPlanChangesRead) {
    what = "read the changes of the plan";
  } else if (type == event_type::kPlanFrameSet) {
    what = "changed the plan's route, period or guidance";
  } else if (type == event_type::kPlanGoalSet) {
    what = "added or changed a goal of the plan";
  } else if (type == event_type::kPlanActionSet) {
    what = "added or changed an action of the plan";
  } else if (type == event_type::kPlanVersionMade) {
    what = "made version " + std::to_string(e.plan_version()) + " of the plan";
  } else if (type == event_type::kPlanVersionAcknowledged) {
    what = "acknowledged version " + std::to_string(e.plan_version()) + " of the plan";
  } else {
    what = "did " + type;
  }
  std::string out = actor;
  if (e.on_behalf_of() != 0) out += " (for the client)";
  if (e.for_team_id() != 0) {
    out += " for team " + (e.for_team_name().empty() ? std::to_string(e.for_team_id())
                                                     : "\"" + e.for_team_name() + "\"");
  }
  if (e.outcome() == v1::AUDIT_OUTCOME_SUCCESS) return out + " " + what;
  // Refused or failed: what was asked, and why it was not done. Threads of one Subscribe that
  // were refused share a record, which counts them.
  const std::string asked = type == event_type::kLiveStarted && e.count() > 1
                                ? std::to_string(e.count()) + " threads"
                                : thread;
  return out + " was refused (" + type + (asked.empty() ? "" : ", " + asked) + ")" +
         (e.outcome_detail().empty() ? "" : ": " + e.outcome_detail());
}

}  // namespace kring
