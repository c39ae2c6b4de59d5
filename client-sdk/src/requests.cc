// Connection's typed requests: each builds one ClientFrame, Calls it, and unwraps the matching
// result or the server's Error.
#include <string>
#include <utility>

#include "kring/connection.h"

namespace kring::sdk {
namespace {

template <typename T>
Result<T> Unwrap(Result<v1::Response> r, v1::Response::ResultCase want,
                 T* (v1::Response::*mutable_result)()) {
  if (!r.ok()) return r.error();
  v1::Response& response = *r;
  if (response.has_error()) return Error::FromProto(response.error());
  if (response.result_case() != want) {
    return Error{v1::Error::INTERNAL,
                 "response carries result " + std::to_string(response.result_case()) +
                     ", expected " + std::to_string(want),
                 0, false};
  }
  return std::move(*(response.*mutable_result)());
}

}  // namespace

#define KRING_SDK_CALL(frame, field, Case) \
  Unwrap(Call(std::move(frame)), v1::Response::Case, &v1::Response::mutable_##field)

// --- Sessions and accounts ---

Result<v1::LoginResult> Connection::Login(const std::string& handle, const std::string& password) {
  v1::ClientFrame f;
  auto* req = f.mutable_login();
  req->set_handle(handle);
  req->set_password(password);
  req->set_app(options().user_agent);
  return KRING_SDK_CALL(f, login, kLogin);
}

Result<v1::ResumeSessionResult> Connection::ResumeSession(const std::string& token) {
  v1::ClientFrame f;
  auto* req = f.mutable_resume_session();
  req->set_token(token);
  req->set_app(options().user_agent);
  return KRING_SDK_CALL(f, resume_session, kResumeSession);
}

Result<v1::LogoutResult> Connection::Logout() {
  v1::ClientFrame f;
  f.mutable_logout();
  return KRING_SDK_CALL(f, logout, kLogout);
}

Result<v1::WhoAmIResult> Connection::WhoAmI() {
  v1::ClientFrame f;
  f.mutable_who_am_i();
  return KRING_SDK_CALL(f, who_am_i, kWhoAmI);
}

Result<v1::CreateAccountResult> Connection::CreateAccount(
    const std::string& handle, v1::AccountKind kind, const std::string& password,
    const std::string& display_name, const std::string& profession, bool one_time_password) {
  v1::ClientFrame f;
  auto* req = f.mutable_create_account();
  req->set_one_time_password(one_time_password);
  req->set_handle(handle);
  req->set_kind(kind);
  req->set_password(password);
  req->set_display_name(display_name);
  req->set_profession(profession);
  return KRING_SDK_CALL(f, create_account, kCreateAccount);
}

Result<v1::DisableAccountResult> Connection::DisableAccount(const std::string& handle) {
  v1::ClientFrame f;
  f.mutable_disable_account()->set_handle(handle);
  return KRING_SDK_CALL(f, disable_account, kDisableAccount);
}

Result<v1::ChangePasswordResult> Connection::ChangePassword(const std::string& old_password,
                                                            const std::string& new_password) {
  v1::ClientFrame f;
  auto* req = f.mutable_change_password();
  req->set_old_password(old_password);
  req->set_new_password(new_password);
  return KRING_SDK_CALL(f, change_password, kChangePassword);
}

Result<v1::UpdateProfileResult> Connection::UpdateProfile(const std::string& language,
                                                          const std::string& time_zone) {
  v1::ClientFrame f;
  auto* req = f.mutable_update_profile();
  req->set_language(language);
  req->set_time_zone(time_zone);
  return KRING_SDK_CALL(f, update_profile, kUpdateProfile);
}

Result<v1::ListAccountsResult> Connection::ListAccounts(const std::string& query, uint64_t after_id,
                                                        uint32_t limit) {
  v1::ClientFrame f;
  auto* req = f.mutable_list_accounts();
  req->set_query(query);
  req->set_after_id(after_id);
  req->set_limit(limit);
  return KRING_SDK_CALL(f, list_accounts, kListAccounts);
}

Result<v1::AppointRepresentativeResult> Connection::AppointRepresentative(
    const std::string& client_handle, const std::string& representative_handle,
    const std::string& basis) {
  v1::ClientFrame f;
  auto* req = f.mutable_appoint_representative();
  req->set_client_handle(client_handle);
  req->set_representative_handle(representative_handle);
  req->set_basis(basis);
  return KRING_SDK_CALL(f, appoint_representative, kAppointRepresentative);
}

Result<v1::EndRepresentationResult> Connection::EndRepresentation(
    const std::string& client_handle, const std::string& representative_handle) {
  v1::ClientFrame f;
  auto* req = f.mutable_end_representation();
  req->set_client_handle(client_handle);
  req->set_representative_handle(representative_handle);
  return KRING_SDK_CALL(f, end_representation, kEndRepresentation);
}

Result<v1::ConfirmRepresentativeResult> Connection::ConfirmRepresentative(
    const std::string& client_handle, const std::string& representative_handle) {
  v1::ClientFrame f;
  auto* req = f.mutable_confirm_representative();
  req->set_client_handle(client_handle);
  req->set_representative_handle(representative_handle);
  return KRING_SDK_CALL(f, confirm_representative, kConfirmRepresentative);
}

Result<v1::RefuseRepresentativeResult> Connection::RefuseRepresentative(
    const std::string& client_handle, const std::string& representative_handle) {
  v1::ClientFrame f;
  auto* req = f.mutable_refuse_representative();
  req->set_client_handle(client_handle);
  req->set_representative_handle(representative_handle);
  return KRING_SDK_CALL(f, refuse_representative, kRefuseRepresentative);
}

Result<v1::ListRepresentationsResult> Connection::ListRepresentations(
    const std::string& client_handle) {
  v1::ClientFrame f;
  f.mutable_list_representations()->set_client_handle(client_handle);
  return KRING_SDK_CALL(f, list_representations, kListRepresentations);
}

// --- Networks and membership ---

Result<v1::OpenNetworkResult> Connection::OpenNetwork(const std::string& client_handle) {
  v1::ClientFrame f;
  f.mutable_open_network()->set_client_handle(client_handle);
  return KRING_SDK_CALL(f, open_network, kOpenNetwork);
}

Result<v1::ListNetworksResult> Connection::ListNetworks() {
  v1::ClientFrame f;
  f.mutable_list_networks();
  return KRING_SDK_CALL(f, list_networks, kListNetworks);
}

Result<v1::InviteResult> Connection::Invite(uint64_t network_id, const std::string& invitee_handle,
                                            const std::string& role_label) {
  v1::ClientFrame f;
  auto* req = f.mutable_invite();
  req->set_network_id(network_id);
  req->set_invitee_handle(invitee_handle);
  req->set_role_label(role_label);
  return KRING_SDK_CALL(f, invite, kInvite);
}

Result<v1::ListInvitationsResult> Connection::ListInvitations() {
  v1::ClientFrame f;
  f.mutable_list_invitations();
  return KRING_SDK_CALL(f, list_invitations, kListInvitations);
}

Result<v1::ApproveInvitationResult> Connection::ApproveInvitation(
    uint64_t invitation_id, const v1::ConsentProvision& provision) {
  v1::ClientFrame f;
  auto* req = f.mutable_approve_invitation();
  req->set_invitation_id(invitation_id);
  // An empty provision stays unset on the wire, so that the server applies its default.
  if (provision.ByteSizeLong() != 0) *req->mutable_provision() = provision;
  return KRING_SDK_CALL(f, approve_invitation, kApproveInvitation);
}

Result<v1::DeclineInvitationResult> Connection::DeclineInvitation(uint64_t invitation_id) {
  v1::ClientFrame f;
  f.mutable_decline_invitation()->set_invitation_id(invitation_id);
  return KRING_SDK_CALL(f, decline_invitation, kDeclineInvitation);
}

Result<v1::AcceptNetworkResult> Connection::AcceptNetwork(uint64_t network_id,
                                                          const v1::ConsentProvision& provision) {
  v1::ClientFrame f;
  auto* req = f.mutable_accept_network();
  req->set_network_id(network_id);
  // An empty provision stays unset on the wire, so that the server applies its default.
  if (provision.ByteSizeLong() != 0) *req->mutable_provision() = provision;
  return KRING_SDK_CALL(f, accept_network, kAcceptNetwork);
}

Result<v1::DeclineNetworkResult> Connection::DeclineNetwork(uint64_t network_id) {
  v1::ClientFrame f;
  f.mutable_decline_network()->set_network_id(network_id);
  return KRING_SDK_CALL(f, decline_network, kDeclineNetwork);
}

Result<v1::RemoveMemberResult> Connection::RemoveMember(uint64_t network_id,
                                                        const std::string& handle) {
  v1::ClientFrame f;
  auto* req = f.mutable_remove_member();
  req->set_network_id(network_id);
  req->set_handle(handle);
  return KRING_SDK_CALL(f, remove_member, kRemoveMember);
}

Result<v1::RemoveMemberResult> Connection::RemoveTeam(uint64_t network_id, uint64_t team_id) {
  v1::ClientFrame f;
  auto* req = f.mutable_remove_member();
  req->set_network_id(network_id);
  req->set_team_id(team_id);
  return KRING_SDK_CALL(f, remove_member, kRemoveMember);
}

Result<v1::ListMembersResult> Connection::ListMembers(uint64_t network_id) {
  v1::ClientFrame f;
  f.mutable_list_members()->set_network_id(network_id);
  return KRING_SDK_CALL(f, list_members, kListMembers);
}

// --- Threads and messages ---

Result<v1::CreateThreadResult> Connection::CreateThread(uint64_t network_id,
                                                        const std::string& title, bool team_only,
                                                        bool sensitive) {
  v1::ClientFrame f;
  auto* req = f.mutable_create_thread();
  req->set_network_id(network_id);
  req->set_title(title);
  req->set_team_only(team_only);
  req->set_sensitive(sensitive);
  return KRING_SDK_CALL(f, create_thread, kCreateThread);
}

Result<v1::ListThreadsResult> Connection::ListThreads(uint64_t network_id) {
  v1::ClientFrame f;
  f.mutable_list_threads()->set_network_id(network_id);
  return KRING_SDK_CALL(f, list_threads, kListThreads);
}

Result<v1::PostMessageResult> Connection::PostMessage(uint64_t network_id, uint64_t thread_id,
                                                      const std::string& client_msg_id,
                                                      const std::string& text,
                                                      uint64_t reply_to_seq,
                                                      const std::vector<uint64_t>& attachment_ids) {
  if (text.size() > options().max_message_bytes) {
    return Error{v1::Error::INVALID_ARGUMENT,
                 "the text is " + std::to_string(text.size()) + " bytes; a message holds at most " +
                     std::to_string(options().max_message_bytes) + " bytes; not sent",
                 0, false};
  }
  v1::ClientFrame f;
  auto* req = f.mutable_post_message();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_client_msg_id(client_msg_id);
  req->set_text(text);
  req->set_reply_to_seq(reply_to_seq);
  for (uint64_t id : attachment_ids) req->add_attachment_ids(id);
  return KRING_SDK_CALL(f, post_message, kPostMessage);
}

Result<v1::FetchHistoryResult> Connection::FetchHistory(uint64_t network_id, uint64_t thread_id,
                                                        uint64_t after_seq, uint32_t limit) {
  v1::ClientFrame f;
  auto* req = f.mutable_fetch_history();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_after_seq(after_seq);
  req->set_limit(limit);
  return KRING_SDK_CALL(f, fetch_history, kFetchHistory);
}

Result<v1::SubscribeResult> Connection::Subscribe(uint64_t network_id,
                                                  const std::vector<v1::ThreadCursor>& threads) {
  v1::ClientFrame f;
  auto* req = f.mutable_subscribe();
  req->set_network_id(network_id);
  for (const v1::ThreadCursor& cursor : threads) *req->add_threads() = cursor;
  return KRING_SDK_CALL(f, subscribe, kSubscribe);
}

Result<v1::UnsubscribeResult> Connection::Unsubscribe(uint64_t network_id,
                                                      const std::vector<uint64_t>& thread_ids) {
  v1::ClientFrame f;
  auto* req = f.mutable_unsubscribe();
  req->set_network_id(network_id);
  for (uint64_t id : thread_ids) req->add_thread_ids(id);
  return KRING_SDK_CALL(f, unsubscribe, kUnsubscribe);
}

Result<v1::MarkReadResult> Connection::MarkRead(uint64_t network_id, uint64_t thread_id,
                                                uint64_t seq) {
  v1::ClientFrame f;
  auto* req = f.mutable_mark_read();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_seq(seq);
  return KRING_SDK_CALL(f, mark_read, kMarkRead);
}

Result<v1::SetThreadSensitiveResult> Connection::SetThreadSensitive(uint64_t network_id,
                                                                    uint64_t thread_id,
                                                                    bool sensitive) {
  v1::ClientFrame f;
  auto* req = f.mutable_set_thread_sensitive();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_sensitive(sensitive);
  return KRING_SDK_CALL(f, set_thread_sensitive, kSetThreadSensitive);
}

Result<v1::ListReadMarkersResult> Connection::ListReadMarkers(uint64_t network_id,
                                                              uint64_t thread_id) {
  v1::ClientFrame f;
  auto* req = f.mutable_list_read_markers();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  return KRING_SDK_CALL(f, list_read_markers, kListReadMarkers);
}

// --- Consent ---

Result<v1::GrantConsentResult> Connection::GrantConsent(uint64_t network_id,
                                                        const std::string& grantee_handle,
                                                        const v1::ConsentProvision& provision) {
  v1::ClientFrame f;
  auto* req = f.mutable_grant_consent();
  req->set_network_id(network_id);
  req->set_grantee_handle(grantee_handle);
  *req->mutable_provision() = provision;
  return KRING_SDK_CALL(f, grant_consent, kGrantConsent);
}

Result<v1::WithdrawConsentResult> Connection::WithdrawConsent(uint64_t network_id,
                                                              const std::string& grantee_handle) {
  v1::ClientFrame f;
  auto* req = f.mutable_withdraw_consent();
  req->set_network_id(network_id);
  req->set_grantee_handle(grantee_handle);
  return KRING_SDK_CALL(f, withdraw_consent, kWithdrawConsent);
}

Result<v1::ListConsentsResult> Connection::ListConsents(uint64_t network_id, bool history) {
  v1::ClientFrame f;
  auto* req = f.mutable_list_consents();
  req->set_network_id(network_id);
  req->set_history(history);
  return KRING_SDK_CALL(f, list_consents, kListConsents);
}

// --- The access log ---

Result<v1::QueryAuditResult> Connection::QueryAudit(const v1::QueryAuditRequest& query) {
  v1::ClientFrame f;
  *f.mutable_query_audit() = query;
  return KRING_SDK_CALL(f, query_audit, kQueryAudit);
}

Result<v1::MyAccessLogResult> Connection::MyAccessLog(const v1::MyAccessLogRequest& request) {
  v1::ClientFrame f;
  *f.mutable_my_access_log() = request;
  return KRING_SDK_CALL(f, my_access_log, kMyAccessLog);
}

Result<v1::VerifyAuditChainResult> Connection::VerifyAuditChain() {
  v1::ClientFrame f;
  f.mutable_verify_audit_chain();
  return KRING_SDK_CALL(f, verify_audit_chain, kVerifyAuditChain);
}

Result<v1::AuditCheckpointResult> Connection::AuditCheckpoint() {
  v1::ClientFrame f;
  f.mutable_audit_checkpoint();
  return KRING_SDK_CALL(f, audit_checkpoint, kAuditCheckpoint);
}

// --- Teams ---

Result<v1::CreateTeamResult> Connection::CreateTeam(const std::string& name,
                                                    const std::string& organisation) {
  v1::ClientFrame f;
  auto* req = f.mutable_create_team();
  req->set_name(name);
  req->set_organisation(organisation);
  return KRING_SDK_CALL(f, create_team, kCreateTeam);
}

Result<v1::SetTeamPersonResult> Connection::SetTeamPerson(uint64_t team_id,
                                                          const std::string& handle,
                                                          bool coordinator, int64_t from_ms,
                                                          int64_t until_ms) {
  v1::ClientFrame f;
  auto* req = f.mutable_set_team_person();
  req->set_team_id(team_id);
  req->set_handle(handle);
  req->set_coordinator(coordinator);
  req->set_from_ms(from_ms);
  req->set_until_ms(until_ms);
  return KRING_SDK_CALL(f, set_team_person, kSetTeamPerson);
}

Result<v1::RemoveTeamPersonResult> Connection::RemoveTeamPerson(uint64_t team_id,
                                                                const std::string& handle) {
  v1::ClientFrame f;
  auto* req = f.mutable_remove_team_person();
  req->set_team_id(team_id);
  req->set_handle(handle);
  return KRING_SDK_CALL(f, remove_team_person, kRemoveTeamPerson);
}

Result<v1::ListTeamsResult> Connection::ListTeams() {
  v1::ClientFrame f;
  f.mutable_list_teams();
  return KRING_SDK_CALL(f, list_teams, kListTeams);
}

Result<v1::ListTeamPeopleResult> Connection::ListTeamPeople(uint64_t team_id) {
  v1::ClientFrame f;
  f.mutable_list_team_people()->set_team_id(team_id);
  return KRING_SDK_CALL(f, list_team_people, kListTeamPeople);
}

Result<v1::SetTeamExclusionResult> Connection::SetTeamExclusion(uint64_t network_id,
                                                                uint64_t team_id,
                                                                const std::string& handle,
                                                                bool excluded) {
  v1::ClientFrame f;
  auto* req = f.mutable_set_team_exclusion();
  req->set_network_id(network_id);
  req->set_team_id(team_id);
  req->set_handle(handle);
  req->set_excluded(excluded);
  return KRING_SDK_CALL(f, set_team_exclusion, kSetTeamExclusion);
}

Result<v1::InviteResult> Connection::InviteTeam(uint64_t network_id, uint64_t team_id,
                                                const std::string& role_label) {
  v1::ClientFrame f;
  auto* req = f.mutable_invite();
  req->set_network_id(network_id);
  req->set_team_id(team_id);
  req->set_role_label(role_label);
  return KRING_SDK_CALL(f, invite, kInvite);
}

Result<v1::GrantConsentResult> Connection::GrantTeamConsent(uint64_t network_id, uint64_t team_id,
                                                            const v1::ConsentProvision& provision) {
  v1::ClientFrame f;
  auto* req = f.mutable_grant_consent();
  req->set_network_id(network_id);
  req->set_team_id(team_id);
  *req->mutable_provision() = provision;
  return KRING_SDK_CALL(f, grant_consent, kGrantConsent);
}

Result<v1::WithdrawConsentResult> Connection::WithdrawTeamConsent(uint64_t network_id,
                                                                  uint64_t team_id) {
  v1::ClientFrame f;
  auto* req = f.mutable_withdraw_consent();
  req->set_network_id(network_id);
  req->set_team_id(team_id);
  return KRING_SDK_CALL(f, withdraw_consent, kWithdrawConsent);
}

// --- The shared plan ---

Result<v1::GetPlanResult> Connection::GetPlan(uint64_t network_id, uint32_t version) {
  v1::ClientFrame f;
  f.mutable_get_plan()->set_network_id(network_id);
  f.mutable_get_plan()->set_version(version);
  return KRING_SDK_CALL(f, get_plan, kGetPlan);
}

Result<v1::SetPlanFrameResult> Connection::SetPlanFrame(uint64_t network_id,
                                                        const v1::PlanFrame& frame) {
  v1::ClientFrame f;
  f.mutable_set_plan_frame()->set_network_id(network_id);
  *f.mutable_set_plan_frame()->mutable_frame() = frame;
  return KRING_SDK_CALL(f, set_plan_frame, kSetPlanFrame);
}

Result<v1::SetPlanGoalResult> Connection::AddPlanGoal(uint64_t network_id, const std::string& title,
                                                      v1::PlanGoalStatus status) {
  v1::SetPlanGoalRequest req;
  req.set_network_id(network_id);
  req.set_title(title);
  req.set_status(status);
  return SetPlanGoal(req);
}

Result<v1::SetPlanGoalResult> Connection::SetPlanGoal(const v1::SetPlanGoalRequest& request) {
  v1::ClientFrame f;
  *f.mutable_set_plan_goal() = request;
  return KRING_SDK_CALL(f, set_plan_goal, kSetPlanGoal);
}

Result<v1::SetPlanActionResult> Connection::SetPlanAction(const v1::SetPlanActionRequest& request) {
  v1::ClientFrame f;
  *f.mutable_set_plan_action() = request;
  return KRING_SDK_CALL(f, set_plan_action, kSetPlanAction);
}

Result<v1::SetPlanActionResult> Connection::UpdatePlanActionStatus(
    uint64_t network_id, uint64_t action_id, v1::PlanActionStatus status,
    const std::optional<std::string>& note) {
  v1::SetPlanActionRequest req;
  req.set_network_id(network_id);
  req.set_action_id(action_id);
  req.set_status(status);
  if (note) req.set_note(*note);
  return SetPlanAction(req);
}

Result<v1::MakePlanVersionResult> Connection::MakePlanVersion(uint64_t network_id,
                                                              v1::PlanVersionReason reason,
                                                              const std::string& note) {
  v1::ClientFrame f;
  auto* req = f.mutable_make_plan_version();
  req->set_network_id(network_id);
  req->set_reason(reason);
  req->set_note(note);
  return KRING_SDK_CALL(f, make_plan_version, kMakePlanVersion);
}

Result<v1::AcknowledgePlanVersionResult> Connection::AcknowledgePlanVersion(uint64_t network_id,
                                                                            uint32_t version) {
  v1::ClientFrame f;
  f.mutable_acknowledge_plan_version()->set_network_id(network_id);
  f.mutable_acknowledge_plan_version()->set_version(version);
  return KRING_SDK_CALL(f, acknowledge_plan_version, kAcknowledgePlanVersion);
}

Result<v1::ListPlanChangesResult> Connection::ListPlanChanges(uint64_t network_id,
                                                              uint64_t after_seq, uint32_t limit) {
  v1::ClientFrame f;
  auto* req = f.mutable_list_plan_changes();
  req->set_network_id(network_id);
  req->set_after_seq(after_seq);
  req->set_limit(limit);
  return KRING_SDK_CALL(f, list_plan_changes, kListPlanChanges);
}

// --- Corrections and retractions (issue 15, item 3) ---

Result<v1::CorrectMessageResult> Connection::CorrectMessage(uint64_t network_id, uint64_t thread_id,
                                                            uint64_t seq,
                                                            const std::string& client_msg_id,
                                                            const std::string& text) {
  if (text.size() > options().max_message_bytes) {
    return Error{v1::Error::INVALID_ARGUMENT,
                 "the text is " + std::to_string(text.size()) + " bytes; a message holds at most " +
                     std::to_string(options().max_message_bytes) + " bytes; not sent",
                 0, false};
  }
  v1::ClientFrame f;
  auto* req = f.mutable_correct_message();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_seq(seq);
  req->set_client_msg_id(client_msg_id);
  req->set_text(text);
  return KRING_SDK_CALL(f, correct_message, kCorrectMessage);
}

Result<v1::RetractMessageResult> Connection::RetractMessage(uint64_t network_id, uint64_t thread_id,
                                                            uint64_t seq,
                                                            const std::string& client_msg_id) {
  v1::ClientFrame f;
  auto* req = f.mutable_retract_message();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_seq(seq);
  req->set_client_msg_id(client_msg_id);
  return KRING_SDK_CALL(f, retract_message, kRetractMessage);
}

Result<v1::ListMessageVersionsResult> Connection::ListMessageVersions(uint64_t network_id,
                                                                      uint64_t thread_id,
                                                                      uint64_t seq) {
  v1::ClientFrame f;
  auto* req = f.mutable_list_message_versions();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_seq(seq);
  return KRING_SDK_CALL(f, list_message_versions, kListMessageVersions);
}

Result<v1::FetchMessageChangesResult> Connection::FetchMessageChanges(uint64_t network_id,
                                                                      uint64_t thread_id,
                                                                      uint64_t after_change,
                                                                      uint32_t limit) {
  v1::ClientFrame f;
  auto* req = f.mutable_fetch_message_changes();
  req->set_network_id(network_id);
  req->set_thread_id(thread_id);
  req->set_after_change(after_change);
  req->set_limit(limit);
  return KRING_SDK_CALL(f, fetch_message_changes, kFetchMessageChanges);
}

#undef KRING_SDK_CALL

}  // namespace kring::sdk
