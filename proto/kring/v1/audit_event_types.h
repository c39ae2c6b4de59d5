// The event types of access-log records (AuditEvent.event_type): part of the protocol, as
// stable as the proto's field names. kringd stages them, its plain-language summaries and
// `kring audit query --type` read them; docs/audit.md says when each is recorded.
#pragma once

#include <array>
#include <string_view>

namespace kring::v1::event_type {

inline constexpr std::string_view kLogin = "login";
inline constexpr std::string_view kSessionResumed = "session.resumed";
inline constexpr std::string_view kLogout = "logout";
inline constexpr std::string_view kSessionChecked = "session.checked";
inline constexpr std::string_view kAccountCreated = "account.created";
inline constexpr std::string_view kAccountDisabled = "account.disabled";
inline constexpr std::string_view kPasswordChanged = "password.changed";
inline constexpr std::string_view kProfileUpdated = "profile.updated";
inline constexpr std::string_view kAccountsListed = "accounts.listed";
inline constexpr std::string_view kRepresentativeAppointed = "representative.appointed";
inline constexpr std::string_view kRepresentativeEnded = "representative.ended";
// Four eyes on representatives: asked by one admin, confirmed or refused by another. (Records
// of type representative.appointed were written before appointments needed a second admin.)
inline constexpr std::string_view kRepresentativeRequested = "representative.requested";
inline constexpr std::string_view kRepresentativeConfirmed = "representative.confirmed";
inline constexpr std::string_view kRepresentativeRefused = "representative.refused";
inline constexpr std::string_view kRepresentationsListed = "representations.listed";
// A network a member opened for a client, answered by the client or a representative.
inline constexpr std::string_view kNetworkAccepted = "network.accepted";
inline constexpr std::string_view kNetworkDeclined = "network.declined";
inline constexpr std::string_view kNetworkOpened = "network.opened";
inline constexpr std::string_view kNetworksListed = "networks.listed";
inline constexpr std::string_view kInvitationCreated = "invitation.created";
inline constexpr std::string_view kInvitationApproved = "invitation.approved";
inline constexpr std::string_view kInvitationDeclined = "invitation.declined";
inline constexpr std::string_view kInvitationsListed = "invitations.listed";
inline constexpr std::string_view kMemberRemoved = "member.removed";
inline constexpr std::string_view kMemberLeft = "member.left";
inline constexpr std::string_view kMembersListed = "members.listed";
inline constexpr std::string_view kConsentGranted = "consent.granted";
inline constexpr std::string_view kConsentWithdrawn = "consent.withdrawn";
inline constexpr std::string_view kConsentsListed = "consents.listed";
inline constexpr std::string_view kConsentExpired = "consent.expired";
inline constexpr std::string_view kThreadCreated = "thread.created";
inline constexpr std::string_view kThreadsListed = "threads.listed";
inline constexpr std::string_view kThreadMarkedSensitive = "thread.marked_sensitive";
inline constexpr std::string_view kThreadUnmarkedSensitive = "thread.unmarked_sensitive";
inline constexpr std::string_view kMessagePosted = "message.posted";
inline constexpr std::string_view kHistoryRead = "history.read";
inline constexpr std::string_view kLiveStarted = "live.started";
inline constexpr std::string_view kLiveEnded = "live.ended";
inline constexpr std::string_view kLiveStopped = "live.stopped";
inline constexpr std::string_view kReadMarkerUpdated = "read_marker.updated";
inline constexpr std::string_view kReadMarkersListed = "read_markers.listed";
inline constexpr std::string_view kAuditQueried = "audit.queried";
inline constexpr std::string_view kAccessLogRead = "access_log.read";
inline constexpr std::string_view kAuditVerified = "audit.verified";
inline constexpr std::string_view kAuditCheckpoint = "audit.checkpoint";
// Teams (docs/consent.md, "Teams").
inline constexpr std::string_view kTeamCreated = "team.created";
inline constexpr std::string_view kTeamPersonSet = "team.person_set";
inline constexpr std::string_view kTeamPersonRemoved = "team.person_removed";
inline constexpr std::string_view kTeamsListed = "teams.listed";
inline constexpr std::string_view kTeamPeopleListed = "team.people_listed";
inline constexpr std::string_view kTeamExclusionSet = "team.exclusion_set";
// Attachments (issue 15, item 2).
inline constexpr std::string_view kAttachmentStored = "attachment.stored";
inline constexpr std::string_view kAttachmentRead = "attachment.read";
inline constexpr std::string_view kAttachmentUploadBegun = "attachment.upload_begun";
// The shared plan (issue 15, item 1; docs/plan.md).
inline constexpr std::string_view kPlanRead = "plan.read";
inline constexpr std::string_view kPlanFrameSet = "plan.frame_set";
inline constexpr std::string_view kPlanGoalSet = "plan.goal_set";
inline constexpr std::string_view kPlanActionSet = "plan.action_set";
inline constexpr std::string_view kPlanVersionMade = "plan.version_made";
inline constexpr std::string_view kPlanVersionAcknowledged = "plan.version_acknowledged";
inline constexpr std::string_view kPlanChangesRead = "plan.changes_read";
// Corrections and retractions (issue 15, item 3).
inline constexpr std::string_view kMessageCorrected = "message.corrected";
inline constexpr std::string_view kMessageRetracted = "message.retracted";
inline constexpr std::string_view kMessageVersionsRead = "message.versions_read";
inline constexpr std::string_view kMessageChangesRead = "message.changes_read";

// Every type above, in the order docs/audit.md lists them.
inline constexpr std::array kAll = {
    kLogin,
    kSessionResumed,
    kLogout,
    kSessionChecked,
    kAccountCreated,
    kAccountDisabled,
    kPasswordChanged,
    kProfileUpdated,
    kAccountsListed,
    kRepresentativeAppointed,
    kRepresentativeEnded,
    kRepresentativeRequested,
    kRepresentativeConfirmed,
    kRepresentativeRefused,
    kRepresentationsListed,
    kNetworkAccepted,
    kNetworkDeclined,
    kNetworkOpened,
    kNetworksListed,
    kInvitationCreated,
    kInvitationApproved,
    kInvitationDeclined,
    kInvitationsListed,
    kMemberRemoved,
    kMemberLeft,
    kMembersListed,
    kConsentGranted,
    kConsentWithdrawn,
    kConsentsListed,
    kConsentExpired,
    kThreadCreated,
    kThreadsListed,
    kThreadMarkedSensitive,
    kThreadUnmarkedSensitive,
    kMessagePosted,
    kHistoryRead,
    kLiveStarted,
    kLiveEnded,
    kLiveStopped,
    kReadMarkerUpdated,
    kReadMarkersListed,
    kAuditQueried,
    kAccessLogRead,
    kAuditVerified,
    kAuditCheckpoint,
    kTeamCreated,
    kTeamPersonSet,
    kTeamPersonRemoved,
    kTeamsListed,
    kTeamPeopleListed,
    kTeamExclusionSet,
    // Attachments (issue 15, item 2).
    kAttachmentStored,
    kAttachmentRead,
    kAttachmentUploadBegun,
    // The shared plan.
    kPlanRead,
    kPlanFrameSet,
    kPlanGoalSet,
    kPlanActionSet,
    kPlanVersionMade,
    kPlanVersionAcknowledged,
    kPlanChangesRead,
    // Corrections and retractions (issue 15, item 3).
    kMessageCorrected,
    kMessageRetracted,
    kMessageVersionsRead,
    kMessageChangesRead,
};

// Whether `type` is one of kAll.
constexpr bool IsKnown(std::string_view type) {
  for (std::string_view known : kAll) {
    if (known == type) return true;
  }
  return false;
}

}  // namespace kring::v1::event_type
