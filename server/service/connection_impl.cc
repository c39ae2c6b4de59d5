#include "server/service/connection_impl.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "server/core/consent.h"
#include "server/core/login_throttle.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/audit.h"
#include "server/service/records.h"

namespace kring::service {

namespace {

// The request_id of a frame that did not parse as a whole (protobuf refuses a string field that
// is not UTF-8, for instance), so the app still hears which request failed. 0 if not found.
uint64_t SalvageRequestId(std::string_view bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == v1::ClientFrame::kRequestIdFieldNumber &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t id = 0;
      return in.ReadVarint64(&id) ? id : 0;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return 0;
  }
  return 0;
}

// The authenticated actor, into the access-log record being drafted.
void NoteActor(AuditDraft* audit, const AccessCache::Session& session) {
  if (audit == nullptr) return;
  v1::AuditEvent& e = audit->event;
  e.set_actor_id(session.actor.account_id);
  e.set_actor_handle(session.actor.handle);
  e.set_actor_kind(session.actor.kind);
  e.set_actor_profession(session.actor.profession);
  if (!session.app.empty()) e.set_app(session.app);
}

}  // namespace

ConnectionImpl::ConnectionImpl(ServiceImpl& service, std::shared_ptr<ConnectionSink> sink,
                               PeerInfo peer)
    : service_(service), sink_(std::move(sink)), peer_(std::move(peer)) {}

void ConnectionImpl::OnFrame(std::string_view bytes) {
  if (refusing_frames_) return;
  v1::ClientFrame frame;
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    ReplyError(SalvageRequestId(bytes),
               InvalidArgument("the frame is not a valid kring.v1.ClientFrame (malformed "
                               "protobuf, or a text field that is not UTF-8)"));
    // Answering a flood of garbage for ever costs more than the sender pays for it.
    if (++undecodable_frames_ >= kMaxUndecodableFrames) {
      refusing_frames_ = true;
      sink_->Close(CloseCode::kPolicyViolation, "too many frames that could not be decoded");
    }
    return;
  }
  Dispatch(frame);
}

void ConnectionImpl::OnClosed() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    auth_ = Auth{};
  }
  service_.hub.Detach(this);
}

void ConnectionImpl::SendFrame(Frame frame) { sink_->Send(std::move(frame)); }

void ConnectionImpl::WhenQueuedBelow(size_t bytes, std::function<void()> ready) {
  sink_->WhenQueuedBelow(bytes, std::move(ready));
}

void ConnectionImpl::EndSession(std::string_view reason) {
  SetAuth(Auth{});
  sink_->Send(SessionEndedFrame(std::string(reason)));
  sink_->Close(CloseCode::kSessionEnded, std::string(reason));
}

Status ConnectionImpl::AdmitRequest(uint64_t account) {
  if (int64_t wait = request_rate_.Take(service_.options.connection_rate, service_.clock.NowMs());
      wait > 0) {
    return RateExceeded("this connection", wait);
  }
  if (account == 0) return Status::Ok();
  return service_.account_rate.Take(account, "this account");
}

void ConnectionImpl::TryAgainLater(std::string_view reason) {
  sink_->Close(CloseCode::kTryAgainLater, std::string(reason));
}

void ConnectionImpl::Dispatch(const v1::ClientFrame& f) {
  const uint64_t id = f.request_id();
  const uint64_t account = account_id();
  // Before anything is read or recorded: a refused request costs the server next to nothing.
  if (Status admitted = AdmitRequest(account); !admitted.ok()) return ReplyError(id, admitted);
  using F = v1::ClientFrame;
  const bool opens_session =
      f.request_case() == F::kLogin || f.request_case() == F::kResumeSession;
  if (!opens_session && f.request_case() != F::REQUEST_NOT_SET && account == 0) {
    return ReplyError(id, Unauthenticated("log in first"));
  }
  switch (f.request_case()) {
    case F::kLogin: return Login(id, f.login());
    case F::kResumeSession: return ResumeSession(id, f.resume_session());
    case F::kLogout: return Logout(id);
    case F::kWhoAmI: return WhoAmI(id);
    case F::kCreateAccount: return CreateAccount(id, f.create_account());
    case F::kDisableAccount: return DisableAccount(id, f.disable_account());
    case F::kChangePassword: return ChangePassword(id, f.change_password());
    case F::kUpdateProfile: return UpdateProfile(id, f.update_profile());
    case F::kOpenNetwork: return OpenNetwork(id, f.open_network());
    case F::kListNetworks: return ListNetworks(id);
    case F::kInvite: return Invite(id, f.invite());
    case F::kListInvitations: return ListInvitations(id);
    case F::kApproveInvitation: return ApproveInvitation(id, f.approve_invitation());
    case F::kDeclineInvitation: return DeclineInvitation(id, f.decline_invitation());
    case F::kRemoveMember: return RemoveMember(id, f.remove_member());
    case F::kListMembers: return ListMembers(id, f.list_members());
    case F::kCreateThread: return CreateThread(id, f.create_thread());
    case F::kListThreads: return ListThreads(id, f.list_threads());
    case F::kPostMessage: return PostMessage(id, f.post_message());
    case F::kFetchHistory: return FetchHistory(id, f.fetch_history());
    case F::kSubscribe: return Subscribe(id, f.subscribe());
    case F::kUnsubscribe: return Unsubscribe(id, f.unsubscribe());
    case F::kMarkRead: return MarkRead(id, f.mark_read());
    case F::kListReadMarkers: return ListReadMarkers(id, f.list_read_markers());
    case F::kGrantConsent: return GrantConsent(id, f.grant_consent());
    case F::kWithdrawConsent: return WithdrawConsent(id, f.withdraw_consent());
    case F::kListConsents: return ListConsents(id, f.list_consents());
    case F::kAppointRepresentative: return AppointRepresentative(id, f.appoint_representative());
    case F::kEndRepresentation: return EndRepresentation(id, f.end_representation());
    case F::kQueryAudit: return QueryAudit(id, f.query_audit());
    case F::kMyAccessLog: return MyAccessLog(id, f.my_access_log());
    case F::kVerifyAuditChain: return VerifyAuditChain(id);
    case F::kAuditCheckpoint: return AuditCheckpoint(id);
    case F::REQUEST_NOT_SET:
      break;
  }
  ReplyError(id, Unimplemented("this server does not know the request"));
}

void ConnectionImpl::Write(uint64_t request_id, AuditDraft audit, WriteFn apply) {
  auto outcome = std::make_shared<WriteOutcome>();
  outcome->audit = std::move(audit);
  auto self = shared_from_this();
  service_.writer.Submit(Writer::Op{
      [self, outcome, apply = std::move(apply)](storage::Transaction& txn) {
        KRING_RETURN_IF_ERROR(apply(txn, *outcome));
        // The change and its record, in one batch.
        return StageAudit(self->service_, txn, outcome->audit, Status::Ok());
      },
      [self, outcome, request_id](const Status& status) {
        if (!status.ok()) {
          self->ReplyAuthError(request_id, status);
          return;
        }
        for (auto& effect : outcome->effects) effect();
        if (outcome->frame) {
          self->sink_->Send(std::move(outcome->frame));
        } else {
          self->Reply(request_id, std::move(outcome->response));
        }
        for (auto& effect : outcome->after_reply) effect();
      },
      // Nothing of the request is kept, but the attempt is.
      [self, outcome](storage::Transaction& txn, const Status& failure) {
        return StageAudit(self->service_, txn, outcome->audit, failure);
      }});
}

void ConnectionImpl::Reply(uint64_t request_id, v1::Response response) {
  v1::ServerFrame frame;
  response.set_request_id(request_id);
  *frame.mutable_response() = std::move(response);
  sink_->Send(std::make_shared<const std::string>(frame.SerializeAsString()));
}

void ConnectionImpl::ReplyError(uint64_t request_id, const Status& status) {
  v1::Response response;
  *response.mutable_error() = ErrorProto(status);
  Reply(request_id, std::move(response));
}

void ConnectionImpl::ReplyAuthError(uint64_t request_id, const Status& status) {
  bool had_session = auth().account_id != 0;
  ReplyError(request_id, status);
  if (status.code() == Code::kUnauthenticated && had_session) {
    service_.hub.Detach(this);
    EndSession(status.detail());
  }
}

ConnectionImpl::Auth ConnectionImpl::auth() const {
  std::lock_guard lock(mu_);
  return auth_;
}

uint64_t ConnectionImpl::account_id() const {
  std::lock_guard lock(mu_);
  return auth_.account_id;
}

void ConnectionImpl::SetAuth(Auth auth) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  const bool was = auth_.account_id != 0;
  const bool is = auth.account_id != 0;
  auth_ = std::move(auth);
  // Under mu_, so that the transport hears the changes in the order they happened; the sink
  // only posts, never calls back.
  if (was != is) sink_->SetAuthenticated(is);
}

AuditDraft ConnectionImpl::NewAudit(std::string_view event_type,
                                                    v1::AuditAction action) const {
  AuditDraft draft;
  draft.event.set_event_type(std::string(event_type));
  draft.event.set_action(action);
  draft.event.set_actor_id(auth().account_id);
  draft.event.set_source_address(std::string(AddressWithoutPort(peer_.address)));
  draft.event.set_app(std::string(CutUtf8(peer_.user_agent, 100)));  // Stage mends the rest
  return draft;
}

void NoteStanding(v1::AuditEvent& e, uint64_t network_id, const Standing& standing) {
  e.set_network_id(network_id);
  e.set_client_id(standing.client_id);
  if (standing.role) e.set_actor_role(*standing.role);
  if (standing.role == v1::MEMBER_ROLE_REPRESENTATIVE) e.set_on_behalf_of(standing.client_id);
  if (standing.consent) e.set_consent_id(standing.consent->id());
}

void NoteThread(v1::AuditEvent& e, uint64_t thread_id, bool in_network) {
  if (thread_id == 0) return;
  if (in_network) {
    e.set_thread_id(thread_id);
  } else {
    e.set_requested_thread_id(thread_id);
  }
}

Status StageAudit(ServiceImpl& service, storage::Transaction& txn, const AuditDraft& draft,
                  const Status& outcome) {
  const int64_t now = service.clock.NowMs();
  const std::string_view server_id = service.options.server_id;
  if (const auto& expired = draft.consent_expired) {
    const std::string key = "consent_expired:" + storage::keys::U64(expired->consent_id());
    KRING_ASSIGN_OR_RETURN(auto noted, txn.Get(storage::Table::kMeta, key));
    if (!noted) {
      txn.Put(storage::Table::kMeta, key, "");
      KRING_RETURN_IF_ERROR(audit::Stage(txn, *expired, now, server_id).status());
    }
  }
  for (const v1::AuditEvent& extra : draft.also) {
    KRING_RETURN_IF_ERROR(audit::Stage(txn, extra, now, server_id).status());
  }
  if (draft.event.event_type().empty()) return Status::Ok();
  v1::AuditEvent record = draft.event;
  record.set_outcome(audit::OutcomeOf(outcome));
  if (!outcome.ok()) record.set_outcome_detail(outcome.detail());
  return audit::Stage(txn, std::move(record), now, server_id).status();
}

void ConnectionImpl::ReplyAudited(uint64_t request_id, AuditDraft audit,
                                  StatusOr<v1::Response> result,
                                  std::function<void()> after_reply) {
  auto self = shared_from_this();
  auto shared = std::make_shared<std::pair<AuditDraft, StatusOr<v1::Response>>>(
      std::move(audit), std::move(result));
  service_.writer.Submit(Writer::Op{
      [self, shared](storage::Transaction& txn) {
        return StageAudit(self->service_, txn, shared->first, shared->second.status());
      },
      [self, shared, request_id, after_reply = std::move(after_reply)](const Status& recorded) {
        if (!recorded.ok()) {
          return self->ReplyError(request_id,
                                  Internal("the access could not be recorded; nothing was shown"));
        }
        if (!shared->second.ok()) return self->ReplyAuthError(request_id, shared->second.status());
        self->Reply(request_id, std::move(*shared->second));
        if (after_reply) after_reply();
      }});
}

StatusOr<Actor> ConnectionImpl::Authenticate(const storage::ReadView& view, AuditDraft* audit,
                                             AccessCache* cache) const {
  Auth a = auth();
  if (a.account_id == 0) return Unauthenticated("log in first");
  const int64_t now = service_.clock.NowMs();
  const AccessCache::Session* known = cache ? cache->FindSession(a.session_key) : nullptr;
  if (known == nullptr) {
    KRING_ASSIGN_OR_RETURN(auto session, records::GetSession(view, a.session_key));
    if (!session) return Unauthenticated("the session has ended");
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, session->account_id()));
    if (!account || account->account().disabled() ||
        account->session_epoch() != session->session_epoch()) {
      return Unauthenticated("the session has ended");
    }
    AccessCache::Session found{
        Actor{account->account().id(), account->account().kind(), account->account().handle(),
              account->account().profession()},
        session->expires_at_ms(), session->app()};
    if (cache == nullptr) {
      if (found.expires_at_ms <= now) return Unauthenticated("the session has expired");
      NoteActor(audit, found);
      return std::move(found.actor);
    }
    cache->PutSession(a.session_key, std::move(found));
    known = cache->FindSession(a.session_key);
  }
  if (known->expires_at_ms <= now) return Unauthenticated("the session has expired");
  NoteActor(audit, *known);
  return known->actor;
}

StatusOr<Standing> ConnectionImpl::StandingOf(const storage::ReadView& view, uint64_t network_id,
                                              uint64_t account_id, AccessCache* cache) const {
  const records::StandingRecords* known =
      cache ? cache->FindStanding(network_id, account_id) : nullptr;
  std::optional<records::StandingRecords> read;
  if (known == nullptr) {
    KRING_ASSIGN_OR_RETURN(read, records::ReadStandingRecords(view, network_id, account_id));
    if (cache != nullptr) cache->PutStanding(network_id, account_id, *read);
    known = &*read;
  }
  return records::StandingAt(*known, service_.clock.NowMs());
}

StatusOr<ConnectionImpl::Permitted> ConnectionImpl::Permit(const storage::ReadView& view,
                                                           uint64_t network_id, Operation op,
                                                           const ThreadRef& thread,
                                                           AuditDraft* audit,
                                                           AccessCache* cache) const {
  KRING_ASSIGN_OR_RETURN(Actor actor, Authenticate(view, audit, cache));
  KRING_ASSIGN_OR_RETURN(Standing standing, StandingOf(view, network_id, actor.account_id, cache));
  if (audit != nullptr) NoteStanding(audit->event, network_id, standing);
  // Decided before the thread is looked up, so that its existence is no answer to people
  // without access; then again with what the thread is.
  Status allowed = Authorize(actor, op, standing, thread);
  if (!allowed.ok()) {
    if (audit != nullptr && thread.id != 0) {  // for the record only, not for the answer
      auto found = records::GetThread(view, thread.id);
      NoteThread(audit->event, thread.id,
                 found.ok() && *found && (*found)->network_id() == network_id);
    }
    const auto& c = standing.consent;
    if (audit != nullptr && c && c->status() == v1::CONSENT_STATUS_ACTIVE &&
        c->provision().end_ms() != 0 && standing.now_ms >= c->provision().end_ms()) {
      v1::AuditEvent expired;
      expired.set_action(v1::AUDIT_ACTION_UPDATE);
      expired.set_event_type("consent.expired");
      expired.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
      expired.set_client_id(standing.client_id);
      expired.set_network_id(network_id);
      expired.set_consent_id(c->id());
      expired.set_object_id(c->grantee_id());
      expired.set_object_handle(c->grantee_handle());
      audit->consent_expired = std::move(expired);
    }
    return allowed;
  }
  Permitted permitted{std::move(actor), std::move(standing), {}};
  if (thread.id != 0) {
    auto found = records::GetThreadIn(view, network_id, thread.id);
    if (audit != nullptr) NoteThread(audit->event, thread.id, found.ok());
    if (!found.ok()) return found.status();
    permitted.thread = std::move(*found);
    KRING_RETURN_IF_ERROR(
        Authorize(permitted.actor, op, permitted.standing, records::RefOf(permitted.thread)));
  }
  return permitted;
}

}  // namespace kring::service
