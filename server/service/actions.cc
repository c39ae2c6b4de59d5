#include "server/service/actions.h"

#include <array>

#include "proto/kring/v1/audit_event_types.h"
#include "server/service/account_actions.h"
#include "server/service/attachment_actions.h"
#include "server/service/audit_actions.h"
#include "server/service/consent_actions.h"
#include "server/service/correction_actions.h"
#include "server/service/message_actions.h"
#include "server/service/network_actions.h"
#include "server/service/plan_actions.h"
#include "server/service/representative_actions.h"
#include "server/service/team_actions.h"
#include "server/service/thread_actions.h"

namespace kring::service {

namespace {

using F = v1::ClientFrame;
using K = RequestKind;
namespace type = v1::event_type;

// Calls `action` with the frame's request of its type.
template <auto get, auto action>
Status Run(RequestContext& ctx, const v1::ClientFrame& frame) {
  return action(ctx, (frame.*get)());
}

constexpr v1::AuditAction kCreate = v1::AUDIT_ACTION_CREATE;
constexpr v1::AuditAction kReadAction = v1::AUDIT_ACTION_READ;
constexpr v1::AuditAction kUpdate = v1::AUDIT_ACTION_UPDATE;
constexpr v1::AuditAction kDelete = v1::AUDIT_ACTION_DELETE;
constexpr v1::AuditAction kExecute = v1::AUDIT_ACTION_EXECUTE;

// clang-format off
constexpr std::array kRows = {
  // Sessions and accounts.
  ActionRow{F::kLogin, type::kLogin, kExecute, K::kLogin, Run<&F::login, Login>},
  ActionRow{F::kResumeSession, type::kSessionResumed, kExecute, K::kLogin,
            Run<&F::resume_session, ResumeSession>},
  ActionRow{F::kLogout, type::kLogout, kExecute, K::kWrite, Run<&F::logout, Logout>},
  ActionRow{F::kWhoAmI, type::kSessionChecked, kReadAction, K::kRead, Run<&F::who_am_i, WhoAmI>},
  ActionRow{F::kCreateAccount, type::kAccountCreated, kCreate, K::kPassword,
            Run<&F::create_account, CreateAccount>},
  ActionRow{F::kDisableAccount, type::kAccountDisabled, kUpdate, K::kWrite,
            Run<&F::disable_account, DisableAccount>},
  ActionRow{F::kChangePassword, type::kPasswordChanged, kUpdate, K::kPassword,
            Run<&F::change_password, ChangePassword>},
  ActionRow{F::kAppointRepresentative, type::kRepresentativeRequested, kCreate, K::kWrite,
            Run<&F::appoint_representative, AppointRepresentative>},
  ActionRow{F::kEndRepresentation, type::kRepresentativeEnded, kDelete, K::kWrite,
            Run<&F::end_representation, EndRepresentation>},
  ActionRow{F::kUpdateProfile, type::kProfileUpdated, kUpdate, K::kWrite,
            Run<&F::update_profile, UpdateProfile>},
  ActionRow{F::kListAccounts, type::kAccountsListed, kReadAction, K::kRead,
            Run<&F::list_accounts, ListAccounts>},
  ActionRow{F::kConfirmRepresentative, type::kRepresentativeConfirmed, kUpdate, K::kWrite,
            Run<&F::confirm_representative, ConfirmRepresentative>},
  ActionRow{F::kListRepresentations, type::kRepresentationsListed, kReadAction, K::kRead,
            Run<&F::list_representations, ListRepresentations>},
  ActionRow{F::kRefuseRepresentative, type::kRepresentativeRefused, kDelete, K::kWrite,
            Run<&F::refuse_representative, RefuseRepresentative>},

  // Networks and membership.
  ActionRow{F::kOpenNetwork, type::kNetworkOpened, kCreate, K::kWrite,
            Run<&F::open_network, OpenNetwork>},
  ActionRow{F::kListNetworks, type::kNetworksListed, kReadAction, K::kRead,
            Run<&F::list_networks, ListNetworks>},
  ActionRow{F::kInvite, type::kInvitationCreated, kCreate, K::kWrite, Run<&F::invite, Invite>},
  ActionRow{F::kListInvitations, type::kInvitationsListed, kReadAction, K::kRead,
            Run<&F::list_invitations, ListInvitations>},
  ActionRow{F::kApproveInvitation, type::kInvitationApproved, kUpdate, K::kWrite,
            Run<&F::approve_invitation, ApproveInvitation>},
  ActionRow{F::kDeclineInvitation, type::kInvitationDeclined, kUpdate, K::kWrite,
            Run<&F::decline_invitation, DeclineInvitation>},
  ActionRow{F::kRemoveMember, type::kMemberRemoved, kDelete, K::kWrite,
            Run<&F::remove_member, RemoveMember>},
  ActionRow{F::kListMembers, type::kMembersListed, kReadAction, K::kRead,
            Run<&F::list_members, ListMembers>},
  ActionRow{F::kAcceptNetwork, type::kNetworkAccepted, kUpdate, K::kWrite,
            Run<&F::accept_network, AcceptNetwork>},
  ActionRow{F::kDeclineNetwork, type::kNetworkDeclined, kUpdate, K::kWrite,
            Run<&F::decline_network, DeclineNetwork>},

  // Threads and messages.
  ActionRow{F::kCreateThread, type::kThreadCreated, kCreate, K::kWrite,
            Run<&F::create_thread, CreateThread>},
  ActionRow{F::kListThreads, type::kThreadsListed, kReadAction, K::kRead,
            Run<&F::list_threads, ListThreads>},
  ActionRow{F::kPostMessage, type::kMessagePosted, kCreate, K::kWrite,
            Run<&F::post_message, PostMessage>},
  ActionRow{F::kFetchHistory, type::kHistoryRead, kReadAction, K::kRead,
            Run<&F::fetch_history, FetchHistory>},
  ActionRow{F::kSubscribe, type::kLiveStarted, kReadAction, K::kRead,
            Run<&F::subscribe, Subscribe>},
  ActionRow{F::kUnsubscribe, type::kLiveStopped, kExecute, K::kRead,
            Run<&F::unsubscribe, Unsubscribe>},
  ActionRow{F::kMarkRead, type::kReadMarkerUpdated, kUpdate, K::kWrite,
            Run<&F::mark_read, MarkRead>},
  ActionRow{F::kListReadMarkers, type::kReadMarkersListed, kReadAction, K::kRead,
            Run<&F::list_read_markers, ListReadMarkers>},
  ActionRow{F::kSetThreadSensitive, type::kThreadMarkedSensitive, kUpdate, K::kWrite,
            Run<&F::set_thread_sensitive, SetThreadSensitive>},

  // Consent.
  ActionRow{F::kGrantConsent, type::kConsentGranted, kCreate, K::kWrite,
            Run<&F::grant_consent, GrantConsent>},
  ActionRow{F::kWithdrawConsent, type::kConsentWithdrawn, kUpdate, K::kWrite,
            Run<&F::withdraw_consent, WithdrawConsent>},
  ActionRow{F::kListConsents, type::kConsentsListed, kReadAction, K::kRead,
            Run<&F::list_consents, ListConsents>},

  // The access log.
  ActionRow{F::kQueryAudit, type::kAuditQueried, kReadAction, K::kRead,
            Run<&F::query_audit, QueryAudit>},
  ActionRow{F::kMyAccessLog, type::kAccessLogRead, kReadAction, K::kRead,
            Run<&F::my_access_log, MyAccessLog>},
  ActionRow{F::kVerifyAuditChain, type::kAuditVerified, kExecute, K::kRead,
            Run<&F::verify_audit_chain, VerifyAuditChain>},
  ActionRow{F::kAuditCheckpoint, type::kAuditCheckpoint, kExecute, K::kWrite,
            Run<&F::audit_checkpoint, AuditCheckpoint>},

  // Teams.
  ActionRow{F::kCreateTeam, type::kTeamCreated, kCreate, K::kWrite,
            Run<&F::create_team, CreateTeam>},
  ActionRow{F::kSetTeamPerson, type::kTeamPersonSet, kUpdate, K::kWrite,
            Run<&F::set_team_person, SetTeamPerson>},
  ActionRow{F::kRemoveTeamPerson, type::kTeamPersonRemoved, kDelete, K::kWrite,
            Run<&F::remove_team_person, RemoveTeamPerson>},
  ActionRow{F::kListTeams, type::kTeamsListed, kReadAction, K::kRead,
            Run<&F::list_teams, ListTeams>},
  ActionRow{F::kListTeamPeople, type::kTeamPeopleListed, kReadAction, K::kRead,
            Run<&F::list_team_people, ListTeamPeople>},
  ActionRow{F::kSetTeamExclusion, type::kTeamExclusionSet, kUpdate, K::kWrite,
            Run<&F::set_team_exclusion, SetTeamExclusion>},

  // Attachments (issue 15, item 2).
  ActionRow{F::kAttachmentStore, type::kAttachmentStored, kCreate, K::kWrite,
            Run<&F::attachment_store, AttachmentStore>},
  ActionRow{F::kAttachmentOpen, type::kAttachmentRead, kReadAction, K::kRead,
            Run<&F::attachment_open, AttachmentOpen>},
  ActionRow{F::kAttachmentBegin, type::kAttachmentUploadBegun, kReadAction, K::kRead,
            Run<&F::attachment_begin, AttachmentBegin>},
  // The shared plan (issue 15, item 1).
  ActionRow{F::kGetPlan, type::kPlanRead, kReadAction, K::kRead, Run<&F::get_plan, GetPlan>},
  ActionRow{F::kSetPlanFrame, type::kPlanFrameSet, kUpdate, K::kWrite,
            Run<&F::set_plan_frame, SetPlanFrame>},
  ActionRow{F::kSetPlanGoal, type::kPlanGoalSet, kUpdate, K::kWrite,
            Run<&F::set_plan_goal, SetPlanGoal>},
  ActionRow{F::kSetPlanAction, type::kPlanActionSet, kUpdate, K::kWrite,
            Run<&F::set_plan_action, SetPlanAction>},
  ActionRow{F::kMakePlanVersion, type::kPlanVersionMade, kCreate, K::kWrite,
            Run<&F::make_plan_version, MakePlanVersion>},
  ActionRow{F::kAcknowledgePlanVersion, type::kPlanVersionAcknowledged, kUpdate, K::kWrite,
            Run<&F::acknowledge_plan_version, AcknowledgePlanVersion>},
  ActionRow{F::kListPlanChanges, type::kPlanChangesRead, kReadAction, K::kRead,
            Run<&F::list_plan_changes, ListPlanChanges>},
  // Corrections and retractions (issue 15, item 3).
  ActionRow{F::kCorrectMessage, type::kMessageCorrected, kUpdate, K::kWrite,
            Run<&F::correct_message, CorrectMessage>},
  ActionRow{F::kRetractMessage, type::kMessageRetracted, kUpdate, K::kWrite,
            Run<&F::retract_message, RetractMessage>},
  ActionRow{F::kListMessageVersions, type::kMessageVersionsRead, kReadAction, K::kRead,
            Run<&F::list_message_versions, ListMessageVersions>},
  ActionRow{F::kFetchMessageChanges, type::kMessageChangesRead, kReadAction, K::kRead,
            Run<&F::fetch_message_changes, FetchMessageChanges>},
};
// clang-format on

}  // namespace

const ActionRow* FindAction(v1::ClientFrame::RequestCase request) {
  for (const ActionRow& row : kRows) {
    if (row.request == request) return &row;
  }
  return nullptr;
}

std::span<const ActionRow> AllActions() { return kRows; }

}  // namespace kring::service
