// One app connection, as the service sees it: decodes frames, authenticates, dispatches each
// request to its handler, and receives events from the Hub. Internal to server/service.
//
// Every request of a logged-in connection (and every login) leaves one access-log record
// (audit.h), written in the same batch as the change it describes: Write() stages it with the
// request's own writes, or alone when the request fails; reads reply only once their record is
// durable (ReplyAudited).
//
// Handlers are split by theme: account_handlers.cc, network_handlers.cc,
// message_handlers.cc, consent_handlers.cc. Every change runs on the Writer via Write(). A read
// of network content is decided there too, in order with the changes (ReadInNetwork, reads.cc):
// its answer is built on the calling (io) thread and given only if the standing it was built
// under is the one the writer finds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"
#include "server/core/request_rate.h"
#include "server/service/access_cache.h"
#include "server/service/connection.h"
#include "server/service/hub.h"
#include "server/service/service_impl.h"
#include "server/storage/transaction.h"

namespace kring::service {

// The access-log records of one request, staged by StageAudit.
struct AuditDraft {
  v1::AuditEvent event;  // gets the request's outcome; none when event_type is empty
  // Staged whatever the outcome, each with the outcome it carries (per-thread subscriptions).
  std::vector<v1::AuditEvent> also;
  // A consent found past its end: recorded the first time it is observed, once per record.
  std::optional<v1::AuditEvent> consent_expired;
};

class ConnectionImpl final : public Connection,
                             public EventTarget,
                             public std::enable_shared_from_this<ConnectionImpl> {
 public:
  ConnectionImpl(ServiceImpl& service, std::shared_ptr<ConnectionSink> sink, PeerInfo peer);

  void OnFrame(std::string_view bytes) override;
  void OnClosed() override;

  // Before the first frame: logs the connection in with `token` as ResumeSession would, with its
  // access-log record, but without a response (cookie_session.cc). An invalid token leaves it
  // logged out. `settled` is called once: true when nothing is left to record or the record is
  // durable, false when the record of a resumed session could not be written (the session then
  // ends right after).
  void StartResumed(const std::string& token, std::function<void(bool recorded)> settled);

  void SendFrame(Frame frame) override;
  void EndSession(std::string_view reason) override;
  void TryAgainLater(std::string_view reason) override;
  void WhenQueuedBelow(size_t bytes, std::function<void()> ready) override;

 private:
  struct Auth {
    uint64_t account_id = 0;  // 0: not authenticated
    std::string session_key;  // SHA-256 of the token
    int64_t expires_ms = 0;
  };

  // What a write produces besides its staged mutations. `effects` run after the write is durable
  // and before the response goes out (so "when the response arrives" guarantees hold);
  // `after_reply` after it.
  struct WriteOutcome {
    v1::Response response;
    Frame frame;  // if set, sent instead of `response`: a whole ServerFrame, request_id included
    std::vector<std::function<void()>> effects;
    std::vector<std::function<void()>> after_reply;
    AuditDraft audit;
  };
  using WriteFn = std::function<Status(storage::Transaction& txn, WriteOutcome& out)>;

  void Dispatch(const v1::ClientFrame& frame);
  // OK if the request rate of this connection and of `account` (0: none yet) allows one more
  // request now; takes a token from each. Else RESOURCE_EXHAUSTED with retry_after_ms.
  Status AdmitRequest(uint64_t account);
  // A record for a request of this connection: type, action, where from, and the session's
  // account (handlers add the rest as they learn it).
  AuditDraft NewAudit(std::string_view event_type, v1::AuditAction action) const;
  // Applies `apply` on the writer with `audit` (see WriteOutcome::audit) and answers when durable.
  void Write(uint64_t request_id, AuditDraft audit, WriteFn apply);
  // Records `audit` with the outcome of `result`, then replies with it: nothing is disclosed
  // before its record is durable (a failed record write answers INTERNAL instead).
  // `after_reply` runs once the response is out.
  void ReplyAudited(uint64_t request_id, AuditDraft audit, StatusOr<v1::Response> result,
                    std::function<void()> after_reply = nullptr);
  void Reply(uint64_t request_id, v1::Response response);
  void ReplyError(uint64_t request_id, const Status& status);

  Auth auth() const;
  // auth().account_id without copying the session key: for the per-request checks.
  uint64_t account_id() const;
  // Also tells the transport when the connection gains or loses its session.
  void SetAuth(Auth auth);
  // The actor behind this connection, if its session is valid in `view` right now. Fills in
  // the actor in `audit`.
  // With `cache` (only the writer's, with `view` its transaction) the session and account come
  // from it when it has them; the expiry is checked at this instant either way.
  StatusOr<Actor> Authenticate(const storage::ReadView& view, AuditDraft* audit = nullptr,
                               AccessCache* cache = nullptr) const;
  // The account's standing in the network at this instant; `cache` as for Authenticate.
  StatusOr<Standing> StandingOf(const storage::ReadView& view, uint64_t network_id,
                                uint64_t account_id, AccessCache* cache = nullptr) const;
  struct Permitted {
    Actor actor;
    Standing standing;
    v1::Thread thread;  // when the operation names a thread
  };
  // Authenticate + Authorize for a network-scoped operation, at this instant. With thread.id,
  // the thread must exist in the network (NOT_FOUND otherwise, told only to people with access);
  // for kCreateThread, `thread` describes the new thread.
  // Fills in `audit`: actor, role, network, client, thread, the consent relied on, and a
  // consent.expired record when the refusal is the first sight of an ended consent.
  // `cache` as for Authenticate: the standing's records may come from it, decided at this
  // instant.
  StatusOr<Permitted> Permit(const storage::ReadView& view, uint64_t network_id, Operation op,
                             const ThreadRef& thread = {}, AuditDraft* audit = nullptr,
                             AccessCache* cache = nullptr) const;
  // Replies with the error; if it is UNAUTHENTICATED for a connection that had a session (it
  // expired or ended meanwhile), also ends the session on this connection.
  void ReplyAuthError(uint64_t request_id, const Status& status);

  // reads.cc. Builds the answer of a read of one network: from `view` under `permitted`, noting
  // on `record` what it disclosed (count, seq range). Must only read.
  using BuildRead = std::function<StatusOr<v1::Response>(
      const storage::ReadView& view, const Permitted& permitted, v1::AuditEvent& record)>;
  // A read of network content, decided in order with the writes: `build` runs here against the
  // store, under the standing Permit finds now; the writer then authorizes the request again
  // (Permit with its AccessCache) in the op that stages its record, and answers with what was
  // built if the standing is the same (SameStanding), else builds it there. So no answer is
  // decided before a change the writer applied earlier: after a withdrawal's AccessEnded went
  // out, no read of that person answers with content of the network.
  void ReadInNetwork(uint64_t request_id, AuditDraft audit, uint64_t network_id, Operation op,
                     ThreadRef thread, BuildRead build);
  // The standings, per network, that an answer across the actor's networks was built under.
  using Basis = std::vector<std::pair<uint64_t, Standing>>;
  // Builds the answer of a read across the actor's networks from `view` (with `cache` on the
  // writer), noting in `basis` every standing it looked at.
  using BuildAccountRead =
      std::function<StatusOr<v1::Response>(const storage::ReadView& view, AccessCache* cache,
                                           const Actor& actor, Basis& basis,
                                           v1::AuditEvent& record)>;
  // As ReadInNetwork, for ListNetworks and ListInvitations: the answer built here is given if
  // every standing of its basis is the same on the writer, else built there.
  void ReadAcrossNetworks(uint64_t request_id, AuditDraft audit, BuildAccountRead build);

  // account_handlers.cc
  void Login(uint64_t id, const v1::LoginRequest& req);
  void ResumeSession(uint64_t id, const v1::ResumeSessionRequest& req);
  void Logout(uint64_t id);
  void WhoAmI(uint64_t id);
  void CreateAccount(uint64_t id, const v1::CreateAccountRequest& req);
  void DisableAccount(uint64_t id, const v1::DisableAccountRequest& req);
  void ChangePassword(uint64_t id, const v1::ChangePasswordRequest& req);

  // profile_handlers.cc
  void UpdateProfile(uint64_t id, const v1::UpdateProfileRequest& req);

  // network_handlers.cc
  void OpenNetwork(uint64_t id, const v1::OpenNetworkRequest& req);
  void ListNetworks(uint64_t id);
  void Invite(uint64_t id, const v1::InviteRequest& req);
  void ListInvitations(uint64_t id);
  void ApproveInvitation(uint64_t id, const v1::ApproveInvitationRequest& req);
  void DeclineInvitation(uint64_t id, const v1::DeclineInvitationRequest& req);
  void RemoveMember(uint64_t id, const v1::RemoveMemberRequest& req);
  void ListMembers(uint64_t id, const v1::ListMembersRequest& req);

  // message_handlers.cc
  void CreateThread(uint64_t id, const v1::CreateThreadRequest& req);
  void ListThreads(uint64_t id, const v1::ListThreadsRequest& req);
  void PostMessage(uint64_t id, const v1::PostMessageRequest& req);
  void FetchHistory(uint64_t id, const v1::FetchHistoryRequest& req);
  void Subscribe(uint64_t id, const v1::SubscribeRequest& req);
  void Unsubscribe(uint64_t id, const v1::UnsubscribeRequest& req);
  void MarkRead(uint64_t id, const v1::MarkReadRequest& req);
  void ListReadMarkers(uint64_t id, const v1::ListReadMarkersRequest& req);

  // audit_handlers.cc
  void QueryAudit(uint64_t id, const v1::QueryAuditRequest& req);
  void MyAccessLog(uint64_t id, const v1::MyAccessLogRequest& req);
  void VerifyAuditChain(uint64_t id);
  void AuditCheckpoint(uint64_t id);

  // consent_handlers.cc
  void GrantConsent(uint64_t id, const v1::GrantConsentRequest& req);
  void WithdrawConsent(uint64_t id, const v1::WithdrawConsentRequest& req);
  void ListConsents(uint64_t id, const v1::ListConsentsRequest& req);
  void AppointRepresentative(uint64_t id, const v1::AppointRepresentativeRequest& req);
  void EndRepresentation(uint64_t id, const v1::EndRepresentationRequest& req);

  // account_handlers.cc: this connection's one password check in flight (Login,
  // ChangePassword); a second one is refused until the first is answered.
  class PasswordCheck;
  void EndPasswordCheck();

  ServiceImpl& service_;
  const std::shared_ptr<ConnectionSink> sink_;
  const PeerInfo peer_;

  mutable std::mutex mu_;
  Auth auth_;                              // guarded by mu_
  bool closed_ = false;                    // guarded by mu_
  bool password_check_in_flight_ = false;  // guarded by mu_

  // Touched only by OnFrame, whose calls are never concurrent.
  TokenBucket request_rate_;
  int undecodable_frames_ = 0;
  bool refusing_frames_ = false;  // closed for a policy violation: later frames are dropped
};

// The undecodable frames (not a ClientFrame) one connection may send: each is answered
// INVALID_ARGUMENT, and the last of them closes the connection with 1008. A correct app sends
// none; a few tolerate a bug in one request type without tearing down the app's session.
inline constexpr int kMaxUndecodableFrames = 3;

// Stages a new account (shared by CreateAccount and Service::CreateAccountOffline).
StatusOr<v1::Account> StageNewAccount(storage::Transaction& txn, const v1::CreateAccountRequest& req,
                                      const std::string& password_hash, int64_t now_ms);

// INVALID_ARGUMENT unless the request's fields are well-formed (not whether it is allowed).
Status ValidateCreateAccount(const v1::CreateAccountRequest& req);

// Notes in `e` the network, its client and the actor's role and consent there.
void NoteStanding(v1::AuditEvent& e, uint64_t network_id, const Standing& standing);
// Names the thread a request asked for on its record: as thread_id once it is known to be a
// thread of the record's network, else only as requested_thread_id, which no view resolves
// (another network's thread title is not for this network's access log).
void NoteThread(v1::AuditEvent& e, uint64_t thread_id, bool in_network);

// Stages the records of `draft`, its event with `outcome`. Used by every write, by ReplyAudited
// and for records of no request (the end of a live subscription, a console action).
Status StageAudit(ServiceImpl& service, storage::Transaction& txn, const AuditDraft& draft,
                  const Status& outcome);

// A consent record staged in a write, with what it changes for live delivery.
struct StagedConsent {
  v1::Consent consent;
  AccessCut cut;                     // the live access it takes away
  std::vector<uint64_t> principals;  // the client and representatives, to be told
};

// Stages the grantee's next record: `provision` (already normalized) as a grant, or a
// withdrawal when `provision` is null. `actor` records it (as representative when their standing
// says so); the caller has authorized it. Grantee 0: the team.
StatusOr<StagedConsent> StageConsent(storage::Transaction& txn, const v1::Network& network,
                                     uint64_t grantee_id, const std::string& grantee_handle,
                                     const v1::ConsentProvision* provision, const Actor& actor,
                                     const Standing& actor_standing, std::string reason);

// After the write is durable, before the response: cuts what the record takes away from the
// grantee's connections (AccessEnded with `ended_reason`), moves their subscriptions' end, and
// sends ConsentChanged to the grantee and the principals.
void ApplyConsentChange(ServiceImpl& service, const StagedConsent& staged,
                        const std::string& ended_reason);

}  // namespace kring::service
