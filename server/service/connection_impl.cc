#include "server/service/connection_impl.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "server/core/consent.h"
#include "server/core/login_throttle.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/actions.h"
#include "server/service/audit.h"
#include "server/service/records.h"
#include "server/service/request_context.h"

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
    auth_ = SessionAuth{};
  }
  service_.hub.Detach(this);
}

void ConnectionImpl::SendFrame(Frame frame) { sink_->Send(std::move(frame)); }

void ConnectionImpl::WhenQueuedBelow(size_t bytes, std::function<void()> ready) {
  sink_->WhenQueuedBelow(bytes, std::move(ready));
}

void ConnectionImpl::EndSession(std::string_view reason) {
  SetAuth(SessionAuth{});
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

void ConnectionImpl::Dispatch(const v1::ClientFrame& frame) {
  const uint64_t id = frame.request_id();
  const uint64_t account = account_id();
  // Before anything is read or recorded: a refused request costs the server next to nothing.
  // Neither this refusal nor that of a request this server does not know is recorded: both
  // come before the request is looked at, and a flood of them must not fill the log.
  if (Status admitted = AdmitRequest(account); !admitted.ok()) return ReplyError(id, admitted);
  const ActionRow* row = FindAction(frame.request_case());
  if (row == nullptr) return ReplyError(id, Unimplemented("this server does not know the request"));
  auto ctx = std::make_shared<RequestContext>(shared_from_this(), id,
                                              NewAudit(row->event_type, row->audit_action));
  Status outcome = row->kind != RequestKind::kLogin && account == 0
                       ? Unauthenticated("log in first")
                       : row->run(*ctx, frame);
  // The action's refusal, answered and recorded here. An action that returned OK has answered
  // or holds the context until it does (request_context.h).
  if (!outcome.ok() && !ctx->answered()) ctx->Answer(std::move(outcome));
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

SessionAuth ConnectionImpl::auth() const {
  std::lock_guard lock(mu_);
  return auth_;
}

uint64_t ConnectionImpl::account_id() const {
  std::lock_guard lock(mu_);
  return auth_.account_id;
}

void ConnectionImpl::SetAuth(SessionAuth auth) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  const bool was = auth_.account_id != 0;
  const bool is = auth.account_id != 0;
  auth_ = std::move(auth);
  // Under mu_, so that the transport hears the changes in the order they happened; the sink
  // only posts, never calls back.
  if (was != is) sink_->SetAuthenticated(is);
}

AuditDraft ConnectionImpl::NewAudit(std::string_view event_type, v1::AuditAction action) const {
  AuditDraft draft;
  draft.event.set_event_type(std::string(event_type));
  draft.event.set_action(action);
  draft.event.set_actor_id(auth().account_id);
  draft.event.set_source_address(std::string(AddressWithoutPort(peer_.address)));
  draft.event.set_app(std::string(CutUtf8(peer_.user_agent, 100)));  // Stage mends the rest
  return draft;
}

StatusOr<Actor> ConnectionImpl::Authenticate(const storage::ReadView& view, AuditDraft* audit,
                                             AccessCache* cache) const {
  SessionAuth a = auth();
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
    AccessCache::Session found{Actor{account->account().id(), account->account().kind(),
                                     account->account().handle(), account->account().profession()},
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

bool ConnectionImpl::BeginPasswordCheck() {
  std::lock_guard lock(mu_);
  if (password_check_in_flight_) return false;
  password_check_in_flight_ = true;
  return true;
}

void ConnectionImpl::EndPasswordCheck() {
  std::lock_guard lock(mu_);
  password_check_in_flight_ = false;
}

}  // namespace kring::service
