#include "server/service/connection_impl.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "server/service/frames.h"
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

}  // namespace

ConnectionImpl::ConnectionImpl(ServiceImpl& service, std::shared_ptr<ConnectionSink> sink,
                               PeerInfo peer)
    : service_(service), sink_(std::move(sink)), peer_(std::move(peer)) {}

void ConnectionImpl::OnFrame(std::string_view bytes) {
  v1::ClientFrame frame;
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    ReplyError(SalvageRequestId(bytes),
               InvalidArgument("the frame is not a valid kring.v1.ClientFrame (malformed "
                               "protobuf, or a text field that is not UTF-8)"));
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
  v1::Event event;
  event.mutable_session_ended()->set_reason(std::string(reason));
  sink_->Send(EventFrame(event));
  sink_->Close(CloseCode::kSessionEnded, std::string(reason));
}

void ConnectionImpl::Dispatch(const v1::ClientFrame& f) {
  const uint64_t id = f.request_id();
  using F = v1::ClientFrame;
  const bool opens_session =
      f.request_case() == F::kLogin || f.request_case() == F::kResumeSession;
  if (!opens_session && f.request_case() != F::REQUEST_NOT_SET && auth().account_id == 0) {
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
    case F::REQUEST_NOT_SET:
      break;
  }
  ReplyError(id, Unimplemented("this server does not know the request"));
}

void ConnectionImpl::Write(uint64_t request_id, WriteFn apply) {
  auto outcome = std::make_shared<WriteOutcome>();
  auto self = shared_from_this();
  service_.writer.Submit(Writer::Op{
      [outcome, apply = std::move(apply)](storage::Transaction& txn) {
        return apply(txn, *outcome);
      },
      [self, outcome, request_id](const Status& status) {
        if (!status.ok()) {
          self->ReplyAuthError(request_id, status);
          return;
        }
        for (auto& effect : outcome->effects) effect();
        self->Reply(request_id, std::move(outcome->response));
        for (auto& effect : outcome->after_reply) effect();
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

void ConnectionImpl::SetAuth(Auth auth) {
  std::lock_guard lock(mu_);
  if (!closed_) auth_ = std::move(auth);
}

StatusOr<Actor> ConnectionImpl::Authenticate(const storage::ReadView& view) const {
  Auth a = auth();
  if (a.account_id == 0) return Unauthenticated("log in first");
  KRING_ASSIGN_OR_RETURN(auto session, records::GetSession(view, a.session_key));
  if (!session) return Unauthenticated("the session has ended");
  if (session->expires_at_ms() <= service_.clock.NowMs()) {
    return Unauthenticated("the session has expired");
  }
  KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, session->account_id()));
  if (!account || account->account().disabled() ||
      account->session_epoch() != session->session_epoch()) {
    return Unauthenticated("the session has ended");
  }
  return Actor{account->account().id(), account->account().kind(), account->account().handle()};
}

StatusOr<ConnectionImpl::Permitted> ConnectionImpl::Permit(const storage::ReadView& view,
                                                           uint64_t network_id, Operation op,
                                                           const ThreadRef& thread) const {
  KRING_ASSIGN_OR_RETURN(Actor actor, Authenticate(view));
  KRING_ASSIGN_OR_RETURN(Standing standing, records::GetStanding(view, network_id, actor.account_id,
                                                                 service_.clock.NowMs()));
  // Decided before the thread is looked up, so that its existence is no answer to people
  // without access; then again with what the thread is.
  KRING_RETURN_IF_ERROR(Authorize(actor, op, standing, thread));
  Permitted permitted{std::move(actor), std::move(standing), {}};
  if (thread.id != 0) {
    KRING_ASSIGN_OR_RETURN(permitted.thread, records::GetThreadIn(view, network_id, thread.id));
    KRING_RETURN_IF_ERROR(
        Authorize(permitted.actor, op, permitted.standing, records::RefOf(permitted.thread)));
  }
  return permitted;
}

}  // namespace kring::service
