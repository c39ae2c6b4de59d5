#include "server/service/request_context.h"

#include "proto/kring/v1/audit_event_types.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

RequestContext::RequestContext(std::shared_ptr<ConnectionImpl> connection,
                               v1::ClientFrame::RequestCase request, uint64_t request_id,
                               AuditDraft audit)
    : connection_(std::move(connection)),
      service_(connection_->service()),
      request_(request),
      request_id_(request_id),
      audit_(std::move(audit)) {}

RequestContext::~RequestContext() {
  if (answered_) return;
  // An action that neither answered nor kept the context: a bug, but the request is still
  // recorded and answered, so the app is not left waiting and the log has no gap.
  const Status dropped = Internal("the request was not answered");
  auto draft = std::make_shared<const AuditDraft>(std::move(audit_));
  ServiceImpl& service = service_;
  service.writer.Submit(Writer::Op{[&service, draft, dropped](storage::Transaction& txn) {
                                     return StageAudit(service, txn, *draft, dropped);
                                   },
                                   [connection = connection_, id = request_id_, dropped](
                                       const Status&) { connection->ReplyError(id, dropped); }});
}

void RequestContext::MarkAnswered() {
  // Two answers to one request would be two records and two responses.
  if (answered_) std::abort();
  answered_ = true;
}

StatusOr<Actor> RequestContext::Authenticate(const storage::ReadView& view, AuditDraft* audit,
                                             AccessCache* cache) const {
  KRING_ASSIGN_OR_RETURN(Actor actor, connection_->Authenticate(view, audit, cache));
  // The one place every request's actor comes from, so the one place this is enforced.
  KRING_RETURN_IF_ERROR(AuthorizeRequest(actor, request_));
  return actor;
}

StatusOr<Standing> RequestContext::StandingOf(const storage::ReadView& view, uint64_t network_id,
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

StatusOr<Permitted> RequestContext::Permit(const storage::ReadView& view, uint64_t network_id,
                                           Operation op, const ThreadRef& thread, AuditDraft* audit,
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
      expired.set_event_type(std::string(v1::event_type::kConsentExpired));
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

void RequestContext::Write(WriteFn apply) {
  MarkAnswered();
  auto self = shared_from_this();
  auto outcome = std::make_shared<WriteOutcome>();
  service_.writer.Submit(
      Writer::Op{[self, outcome, apply = std::move(apply)](storage::Transaction& txn) {
                   KRING_RETURN_IF_ERROR(apply(*self, txn, *outcome));
                   // The change and its record, in one batch.
                   return StageAudit(self->service_, txn, self->audit_, Status::Ok());
                 },
                 [self, outcome](const Status& status) {
                   ConnectionImpl& connection = *self->connection_;
                   if (!status.ok()) return connection.ReplyAuthError(self->request_id_, status);
                   for (auto& effect : outcome->effects) effect();
                   if (outcome->frame) {
                     connection.SendFrame(std::move(outcome->frame));
                   } else {
                     connection.Reply(self->request_id_, std::move(outcome->response));
                   }
                   for (auto& effect : outcome->after_reply) effect();
                 },
                 // Nothing of the request is kept, but the attempt is.
                 [self](storage::Transaction& txn, const Status& failure) {
                   return StageAudit(self->service_, txn, self->audit_, failure);
                 }});
}

void RequestContext::Answer(StatusOr<v1::Response> result, std::function<void()> after_reply) {
  MarkAnswered();
  auto self = shared_from_this();
  auto shared = std::make_shared<StatusOr<v1::Response>>(std::move(result));
  service_.writer.Submit(
      Writer::Op{[self, shared](storage::Transaction& txn) {
                   return StageAudit(self->service_, txn, self->audit_, shared->status());
                 },
                 [self, shared, after_reply = std::move(after_reply)](const Status& recorded) {
                   ConnectionImpl& connection = *self->connection_;
                   const uint64_t id = self->request_id_;
                   if (!recorded.ok()) {
                     return connection.ReplyError(
                         id, Internal("the access could not be recorded; nothing was shown"));
                   }
                   if (!shared->ok()) return connection.ReplyAuthError(id, shared->status());
                   connection.Reply(id, std::move(**shared));
                   if (after_reply) after_reply();
                 }});
}

void RequestContext::AnswerUnrecorded(const Status& refusal) {
  MarkAnswered();
  connection_->ReplyError(request_id_, refusal);
}

}  // namespace kring::service
