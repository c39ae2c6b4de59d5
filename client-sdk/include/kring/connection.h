// A connection from an app to kringd: TLS + WebSocket at /v1/ws, one protobuf per binary frame.
//
// Connection is thread-safe: any thread may call any method at once. Calls block the calling
// thread until kringd answers, the request times out or the connection closes. Each Connection
// runs one io thread of its own; events and close notifications are delivered on it.
//
//   auto conn = kring::sdk::Connection::Open({.host = "localhost", .port = 8443});
//   if (!conn.ok()) { ... conn.error().ToString() ... }
//   auto login = (*conn)->Login("sam", "correct horse battery");
//
// A Connection is one connection: when it breaks, it stays broken. Apps that must survive the
// network (reconnect, resume from cursors, an outbox of unsent messages) use kring/session.h,
// which is built on this class.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kring/result.h"
#include "kring/v1/kring.pb.h"

namespace kring::sdk {

struct ConnectOptions {
  std::string host = "localhost";
  uint16_t port = 8443;
  // PEM file of the CA (or self-signed certificate) to trust. Empty: the system's CAs.
  std::string ca_file;
  // Name sent as SNI and checked against the certificate (RFC 6125). Empty: `host`.
  std::string server_name;
  // Bounds TCP connect + TLS handshake + WebSocket handshake together, and the closing handshake.
  std::chrono::milliseconds connect_timeout{10'000};
  // How long Call() and the typed requests wait for their Response.
  std::chrono::milliseconds request_timeout{30'000};
  // Largest ServerFrame accepted; a bigger one closes the connection (1009).
  uint64_t max_frame_bytes = 16 << 20;
  // Largest request (ClientFrame) sent: kringd closes the connection (1009) on a bigger one, so
  // Call refuses it here (INVALID_ARGUMENT, not sent). Match kringd's limits.max_frame_bytes.
  uint64_t max_request_bytes = 64 * 1024;
  // Longest message text PostMessage sends (kringd refuses longer ones): INVALID_ARGUMENT, not
  // sent, the limit named. Match kringd's limits.max_message_bytes.
  uint64_t max_message_bytes = 16 * 1024;
  // Sent as the WebSocket upgrade's User-Agent and as `app` in Login / ResumeSession.
  std::string user_agent = "kring-sdk-cpp/0.1";
  // Extra headers on the WebSocket upgrade request, as a browser would send them (Origin,
  // Cookie). Apps log in with a token and need none.
  std::vector<std::pair<std::string, std::string>> upgrade_headers;
};

// How a connection ended. code is a kring::v1::CloseCode: the WebSocket close code the server
// sent (e.g. CLOSE_CODE_GOING_AWAY, CLOSE_CODE_SESSION_ENDED), CLOSE_CODE_NO_STATUS when its
// close frame carried no code, or CLOSE_CODE_ABNORMAL when the connection ended without a close
// frame (reset, crash, TLS failure).
struct CloseInfo {
  uint16_t code = 0;
  std::string reason;
};

// Receives server-pushed events. Called on the connection's io thread, one call at a time, in
// the order kringd sent them, never while an SDK lock is held. Implementations must not block
// for long (that stalls the connection's reads) and must not destroy the Connection from inside
// a callback. Calls on the Connection (including Call) are allowed from a callback only if they
// do not wait for the io thread: use another thread for requests.
class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnEvent(const v1::Event& event) = 0;
  // Called once, after which no OnEvent follows.
  virtual void OnClosed(uint16_t close_code, std::string reason) = 0;
};

class Connection {
 public:
  // Connects, verifies the server's certificate (peer + host name), and upgrades to WebSocket.
  // Blocks up to options.connect_timeout. Errors are transport errors.
  static Result<std::unique_ptr<Connection>> Open(ConnectOptions options);

  // Closes (see Close) and joins the io thread.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `frame` with a fresh request_id (any request_id in it is replaced) and waits for the
  // matching Response. A transport Error on timeout or close; the Response otherwise, including
  // one that carries a server Error (the typed methods below turn those into error Results).
  // A frame that would not decode (a string field that is not valid UTF-8) is not sent: the
  // result is an INVALID_ARGUMENT Error with transport == false.
  Result<v1::Response> Call(v1::ClientFrame frame);

  // --- Sessions and accounts ---
  Result<v1::LoginResult> Login(const std::string& handle, const std::string& password);
  Result<v1::ResumeSessionResult> ResumeSession(const std::string& token);
  Result<v1::LogoutResult> Logout();
  Result<v1::WhoAmIResult> WhoAmI();
  Result<v1::CreateAccountResult> CreateAccount(const std::string& handle, v1::AccountKind kind,
                                                const std::string& password,
                                                const std::string& display_name = {},
                                                const std::string& profession = {},
                                                bool one_time_password = false);
  Result<v1::DisableAccountResult> DisableAccount(const std::string& handle);
  Result<v1::ChangePasswordResult> ChangePassword(const std::string& old_password,
                                                  const std::string& new_password);
  // The caller's language ("nl", "en", "ar", "ti") and IANA time zone; an empty one stays as
  // it is. Returns the account as it is now. A bad value: INVALID_ARGUMENT.
  Result<v1::UpdateProfileResult> UpdateProfile(const std::string& language,
                                                const std::string& time_zone);
  // Admin only. One page of accounts with an id above `after_id` whose handle or display name
  // contains `query` (A-Z in any case; empty: all); `limit` 0: the server's default (100).
  // next_after_id != 0: more follow, ask again with after_id = next_after_id.
  Result<v1::ListAccountsResult> ListAccounts(const std::string& query, uint64_t after_id = 0,
                                              uint32_t limit = 0);
  // Admin only. Asks for the appointment: pending, no access, until a second admin confirms it
  // (ConfirmRepresentative); the client is told at once. Once in force, the representative acts
  // for the client in every network of the client (docs/consent.md). `basis` is required: the
  // legal reference, at least 8 characters with a digit, e.g. "guardianship, court order
  // 2026/123".
  Result<v1::AppointRepresentativeResult> AppointRepresentative(
      const std::string& client_handle, const std::string& representative_handle,
      const std::string& basis);
  // Admin only, not the admin who asked: the pending appointment takes effect.
  Result<v1::ConfirmRepresentativeResult> ConfirmRepresentative(
      const std::string& client_handle, const std::string& representative_handle);
  // Admin only: drops a pending appointment (refused, or withdrawn by the admin who asked).
  Result<v1::RefuseRepresentativeResult> RefuseRepresentative(
      const std::string& client_handle, const std::string& representative_handle);
  // Admin only. Empty client_handle: every pending appointment; else the client's appointments,
  // in force and pending.
  Result<v1::ListRepresentationsResult> ListRepresentations(const std::string& client_handle = {});
  // Admin only. Effective before the answer: the representative's connections get AccessEnded.
  Result<v1::EndRepresentationResult> EndRepresentation(const std::string& client_handle,
                                                        const std::string& representative_handle);

  // --- Networks and membership ---
  Result<v1::OpenNetworkResult> OpenNetwork(const std::string& client_handle);
  Result<v1::ListNetworksResult> ListNetworks();
  Result<v1::InviteResult> Invite(uint64_t network_id, const std::string& invitee_handle,
                                  const std::string& role_label = {});
  Result<v1::ListInvitationsResult> ListInvitations();
  // By the client or a representative: the approval is the client's consent. A default (empty)
  // provision leaves the scope to the server: every thread, read and post, no history. Build a
  // provision with kring/consent.h (ToProvision).
  Result<v1::ApproveInvitationResult> ApproveInvitation(
      uint64_t invitation_id, const v1::ConsentProvision& provision = v1::ConsentProvision());
  Result<v1::DeclineInvitationResult> DeclineInvitation(uint64_t invitation_id);
  // By the client or a representative, for a network a member opened for the client (pending
  // until then): the acceptance is the client's consent for the opener, as for
  // ApproveInvitation (empty provision: every thread, read and post, no history).
  Result<v1::AcceptNetworkResult> AcceptNetwork(
      uint64_t network_id, const v1::ConsentProvision& provision = v1::ConsentProvision());
  // By the client or a representative: the pending network is dropped.
  Result<v1::DeclineNetworkResult> DeclineNetwork(uint64_t network_id);
  Result<v1::RemoveMemberResult> RemoveMember(uint64_t network_id, const std::string& handle);
  // A team admitted as one member: every person through it loses access before the answer.
  Result<v1::RemoveMemberResult> RemoveTeam(uint64_t network_id, uint64_t team_id);
  Result<v1::ListMembersResult> ListMembers(uint64_t network_id);

  // --- Threads and messages ---
  // team_only: a thread without the client; refused (PERMISSION_DENIED) unless the client
  // consents to team-only threads (TeamThreadsProvision in kring/consent.h).
  // sensitive: only the client, representatives and those whose consent names the thread read
  // it (a consent for all threads does not cover it), the creator included (docs/consent.md).
  Result<v1::CreateThreadResult> CreateThread(uint64_t network_id, const std::string& title,
                                              bool team_only = false, bool sensitive = false);
  Result<v1::ListThreadsResult> ListThreads(uint64_t network_id);
  // attachment_ids: the sender's uploads to this thread (kring/attachments.h), at most 10.
  Result<v1::PostMessageResult> PostMessage(uint64_t network_id, uint64_t thread_id,
                                            const std::string& client_msg_id,
                                            const std::string& text, uint64_t reply_to_seq = 0,
                                            const std::vector<uint64_t>& attachment_ids = {});
  Result<v1::FetchHistoryResult> FetchHistory(uint64_t network_id, uint64_t thread_id,
                                              uint64_t after_seq = 0, uint32_t limit = 0);
  Result<v1::SubscribeResult> Subscribe(uint64_t network_id,
                                        const std::vector<v1::ThreadCursor>& threads);
  // Empty thread_ids: every thread of the network.
  Result<v1::UnsubscribeResult> Unsubscribe(uint64_t network_id,
                                            const std::vector<uint64_t>& thread_ids = {});
  Result<v1::MarkReadResult> MarkRead(uint64_t network_id, uint64_t thread_id, uint64_t seq);
  Result<v1::ListReadMarkersResult> ListReadMarkers(uint64_t network_id, uint64_t thread_id);
  // By the client or a representative. Marking cuts the live delivery of members whose consent
  // covers the thread only through "all threads" before the result returns (they get
  // AccessEnded with the thread id); the others who read it get ThreadChanged.
  Result<v1::SetThreadSensitiveResult> SetThreadSensitive(uint64_t network_id, uint64_t thread_id,
                                                          bool sensitive);

  // --- Corrections and retractions (issue 15, item 3; docs/protocol.md) ---
  // By the author, while they may post in the thread: `text` replaces the shown text of message
  // `seq` as its next version; the earlier versions stay readable (ListMessageVersions).
  // `client_msg_id` makes a resend safe (duplicate in the result), as for PostMessage; the ids
  // of posts and changes are one namespace per author. Not the author: PERMISSION_DENIED; a
  // retracted message: FAILED_PRECONDITION. Text over max_message_bytes is not sent.
  Result<v1::CorrectMessageResult> CorrectMessage(uint64_t network_id, uint64_t thread_id,
                                                  uint64_t seq, const std::string& client_msg_id,
                                                  const std::string& text);
  // By the author: the message is shown as "retracted by the author", without text; its
  // versions are no longer served, to the author neither.
  Result<v1::RetractMessageResult> RetractMessage(uint64_t network_id, uint64_t thread_id,
                                                  uint64_t seq, const std::string& client_msg_id);
  // Every version of the message, oldest first (the last is the current one).
  Result<v1::ListMessageVersionsResult> ListMessageVersions(uint64_t network_id, uint64_t thread_id,
                                                            uint64_t seq);
  // The messages corrected or retracted after change number `after_change` (0: all), as they
  // are now. Apps keep a change cursor per thread (FetchHistoryResult.last_change to start) and
  // call this after (re)subscribing, to learn what changed while they were away.
  Result<v1::FetchMessageChangesResult> FetchMessageChanges(uint64_t network_id, uint64_t thread_id,
                                                            uint64_t after_change = 0,
                                                            uint32_t limit = 0);

  // --- Consent (docs/consent.md) ---
  // By the client or a representative. A new record for `grantee_handle` that supersedes their
  // current one, effective before the answer. An empty grantee_handle addresses the team as a
  // whole (pass TeamThreadsProvision()). Build provisions with kring/consent.h (ToProvision).
  Result<v1::GrantConsentResult> GrantConsent(uint64_t network_id,
                                              const std::string& grantee_handle,
                                              const v1::ConsentProvision& provision);
  // By the client or a representative; effective before the answer. An empty grantee_handle
  // withdraws the consent to team-only threads.
  Result<v1::WithdrawConsentResult> WithdrawConsent(uint64_t network_id,
                                                    const std::string& grantee_handle);
  // By the client or a representative. Each grantee's current record; with `history`, every
  // record of the network, oldest first.
  Result<v1::ListConsentsResult> ListConsents(uint64_t network_id, bool history = false);

  // --- Teams (docs/consent.md, "Teams") ---
  // By an admin.
  Result<v1::CreateTeamResult> CreateTeam(const std::string& name,
                                          const std::string& organisation = {});
  // Adds a person to the team or changes their period (from_ms 0: now; until_ms 0: open). An
  // admin may do anything, a coordinator of the team for people who are not coordinators.
  Result<v1::SetTeamPersonResult> SetTeamPerson(uint64_t team_id, const std::string& handle,
                                                bool coordinator = false, int64_t from_ms = 0,
                                                int64_t until_ms = 0);
  // Effective before the answer: the person's live delivery in the team's networks ends.
  Result<v1::RemoveTeamPersonResult> RemoveTeamPerson(uint64_t team_id, const std::string& handle);
  Result<v1::ListTeamsResult> ListTeams();
  Result<v1::ListTeamPeopleResult> ListTeamPeople(uint64_t team_id);
  // By the client or a representative: a person of a team in the network has no access there
  // through the team (excluded) or again (not excluded); effective before the answer.
  Result<v1::SetTeamExclusionResult> SetTeamExclusion(uint64_t network_id, uint64_t team_id,
                                                      const std::string& handle, bool excluded);
  // A team instead of a person: Invite with the team's id; the client approves as for a person.
  Result<v1::InviteResult> InviteTeam(uint64_t network_id, uint64_t team_id,
                                      const std::string& role_label = {});
  // Grant and withdraw the consent of a team in the network (by the client or a representative).
  Result<v1::GrantConsentResult> GrantTeamConsent(uint64_t network_id, uint64_t team_id,
                                                  const v1::ConsentProvision& provision);
  Result<v1::WithdrawConsentResult> WithdrawTeamConsent(uint64_t network_id, uint64_t team_id);

  // --- The shared plan (PIP; docs/plan.md; issue 15, item 1) ---
  // The plan as it is now (version 0) or exactly as it was at a formal version, with the list of
  // versions. By the client, representatives, coordinators, and members whose consent has a plan
  // scope (others: PERMISSION_DENIED). Recorded like a read of messages.
  Result<v1::GetPlanResult> GetPlan(uint64_t network_id, uint32_t version = 0);
  // By an editor (the client, a representative, a coordinator): the frame replaced whole.
  Result<v1::SetPlanFrameResult> SetPlanFrame(uint64_t network_id, const v1::PlanFrame& frame);
  // By an editor: a new goal (status UNSPECIFIED: open).
  Result<v1::SetPlanGoalResult> AddPlanGoal(uint64_t network_id, const std::string& title,
                                            v1::PlanGoalStatus status = {});
  // By an editor: adds (goal_id 0) or updates a goal; fields left unset stay as they are.
  Result<v1::SetPlanGoalResult> SetPlanGoal(const v1::SetPlanGoalRequest& request);
  // Adds (action_id 0; by an editor) or updates an action. The assignee whose consent has
  // PLAN_SCOPE_UPDATE_ASSIGNED sets only status and note of their own actions
  // (UpdatePlanActionStatus); an assignee who is not a member: INVALID_ARGUMENT.
  Result<v1::SetPlanActionResult> SetPlanAction(const v1::SetPlanActionRequest& request);
  // What an assignee does: the action's status (UNSPECIFIED: unchanged) and, if given, its note.
  Result<v1::SetPlanActionResult> UpdatePlanActionStatus(
      uint64_t network_id, uint64_t action_id, v1::PlanActionStatus status,
      const std::optional<std::string>& note = std::nullopt);
  // By an editor: a formal version of the plan as it is now, with its reason.
  Result<v1::MakePlanVersionResult> MakePlanVersion(uint64_t network_id,
                                                    v1::PlanVersionReason reason,
                                                    const std::string& note = {});
  // By the client or a representative: the client acknowledges the version.
  Result<v1::AcknowledgePlanVersionResult> AcknowledgePlanVersion(uint64_t network_id,
                                                                  uint32_t version);
  // The plan's dated changes after `after_seq`, oldest first (limit 0: 100; at most 500);
  // continue from next_after_seq until it is 0.
  Result<v1::ListPlanChangesResult> ListPlanChanges(uint64_t network_id, uint64_t after_seq = 0,
                                                    uint32_t limit = 0);

  // --- The access log (NEN 7513, docs/audit.md) ---
  // By an auditor (AccountKind AUDITOR): records matching every set filter, oldest first, at
  // most query.limit (0: 100). Continue with after_seq = next_after_seq until it is 0. The query
  // is itself recorded. Others get PERMISSION_DENIED.
  Result<v1::QueryAuditResult> QueryAudit(const v1::QueryAuditRequest& query);
  // By a client about themself, or by a representative naming the client in client_handle:
  // who accessed the client's data, oldest first, each with a plain-English summary. Never
  // contains message text. The read is itself recorded. Others get PERMISSION_DENIED.
  Result<v1::MyAccessLogResult> MyAccessLog(const v1::MyAccessLogRequest& request = {});
  // By an auditor: walks the whole chain; intact, or the first broken record and why. A broken
  // chain is a successful answer with intact == false, not an Error.
  Result<v1::VerifyAuditChainResult> VerifyAuditChain();
  // By an auditor: the chain's head signed with the server's Ed25519 key. Fails (with the
  // server's Error) when the server has no signing key configured.
  Result<v1::AuditCheckpointResult> AuditCheckpoint();

  // --- Events ---
  // With a listener set, events go to it; without one (the default) they are queued for
  // NextEvent. Setting a listener does not hand it events already queued. Passing nullptr
  // returns to queueing. The listener is kept alive by the Connection while in use.
  void SetEventListener(std::shared_ptr<EventListener> listener);
  // The next queued event, waiting up to `timeout`; nullopt if none arrived in time.
  std::optional<v1::Event> NextEvent(std::chrono::milliseconds timeout);

  // --- Closing ---
  // How the connection ended, waiting up to `timeout` for it to end; nullopt if still open.
  std::optional<CloseInfo> WaitClosed(std::chrono::milliseconds timeout);
  bool closed() const;
  // Sends a close frame (1000), waits up to connect_timeout for the closing handshake, then
  // drops the TCP connection. Pending calls fail with a transport error. Idempotent. Blocks.
  void Close();

  const ConnectOptions& options() const;

 private:
  class Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kring::sdk
