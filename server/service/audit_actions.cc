// The access log for its readers: auditors query, verify and sign it; a client (or their
// representative) reads who accessed the client's data. Every one of these reads is itself
// recorded. Nobody reads message content here: records hold none.
#include "server/service/audit_actions.h"

#include <unordered_map>

#include "server/core/audit_summary.h"
#include "server/core/ed25519.h"
#include "server/core/text.h"
#include "server/service/audit.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr uint32_t kDefaultPage = 100;
constexpr uint32_t kMaxPage = 1000;

size_t PageSize(uint32_t requested) {
  return requested == 0 ? kDefaultPage : std::min(requested, kMaxPage);
}

// The account named by `handle` (empty: 0, meaning "any").
StatusOr<uint64_t> IdOf(const storage::ReadView& view, const std::string& handle) {
  if (handle.empty()) return uint64_t{0};
  std::optional<std::string> canonical = CanonicalHandle(handle);
  if (!canonical) return InvalidArgument("not a valid handle");
  KRING_ASSIGN_OR_RETURN(auto id, records::FindAccountId(view, *canonical));
  if (!id) return NotFound("no account \"" + *canonical + "\"");
  return *id;
}

// "Jo de Vries (job coach)", or the handle.
std::string PersonName(const storage::ReadView& view, uint64_t account_id,
                       const std::string& fallback) {
  auto account = records::GetAccount(view, account_id);
  if (!account.ok() || !*account) return fallback;
  const v1::Account& a = (*account)->account();
  std::string name = a.display_name().empty() ? a.handle() : a.display_name();
  if (!a.profession().empty()) name += " (" + a.profession() + ")";
  return name;
}

template <typename Result>
void AddProblems(const audit::Page& page, Result* result) {
  for (const audit::Problem& p : page.problems) {
    v1::AuditProblem* problem = result->add_problems();
    problem->set_seq(p.seq);
    problem->set_problem(p.problem);
  }
}

}  // namespace

Status QueryAudit(RequestContext& ctx, const v1::QueryAuditRequest& req) {
  const storage::Store& store = ctx.service().store;
  AuditDraft& audit = ctx.audit();
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &audit));
  KRING_RETURN_IF_ERROR(AuthorizeAuditor(actor));
  audit::Query query;
  KRING_ASSIGN_OR_RETURN(query.client_id, IdOf(store, req.client_handle()));
  KRING_ASSIGN_OR_RETURN(query.actor_id, IdOf(store, req.user_handle()));
  query.since_ms = req.since_ms();
  query.until_ms = req.until_ms();
  query.action = req.action();
  query.outcome = req.outcome();
  query.event_type = req.event_type();
  query.after_seq = req.after_seq();
  query.limit = PageSize(req.limit());
  // What was asked, on the record: whose data and whose actions.
  audit.event.set_client_id(query.client_id);
  audit.event.set_object_id(query.actor_id);
  audit.event.set_object_handle(req.user_handle());
  KRING_ASSIGN_OR_RETURN(audit::Page page, audit::Find(store, query));
  v1::Response response;
  auto* result = response.mutable_query_audit();
  for (auto& e : page.events) *result->add_events() = std::move(e);
  result->set_next_after_seq(page.next_after_seq);
  AddProblems(page, result);
  audit.event.set_count(result->events_size());
  ctx.Answer(std::move(response));
  return Status::Ok();
}

Status MyAccessLog(RequestContext& ctx, const v1::MyAccessLogRequest& req) {
  const storage::Store& store = ctx.service().store;
  AuditDraft& audit = ctx.audit();
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &audit));
  // The client themself, or a representative of the client named.
  uint64_t client_id = actor.account_id;
  if (!req.client_handle().empty()) {
    KRING_ASSIGN_OR_RETURN(client_id, IdOf(store, req.client_handle()));
  }
  audit.event.set_client_id(client_id);
  if (client_id != actor.account_id) {
    KRING_ASSIGN_OR_RETURN(auto representation,
                           records::GetRepresentation(store, client_id, actor.account_id));
    KRING_RETURN_IF_ERROR(AuthorizeAccessLogRead(actor, client_id, representation.has_value()));
    audit.event.set_actor_role(v1::MEMBER_ROLE_REPRESENTATIVE);
    audit.event.set_on_behalf_of(client_id);
  } else {
    KRING_RETURN_IF_ERROR(AuthorizeAccessLogRead(actor, client_id, false));
  }
  audit::Query query;
  query.client_id = client_id;
  query.network_id = req.network_id();
  query.since_ms = req.since_ms();
  query.until_ms = req.until_ms();
  query.after_seq = req.after_seq();
  query.limit = PageSize(req.limit());
  KRING_ASSIGN_OR_RETURN(audit::Page page, audit::Find(store, query));
  // A page names the same few people and threads over and over: look each up once.
  std::unordered_map<uint64_t, std::string> names;
  std::unordered_map<uint64_t, std::pair<uint64_t, std::string>> threads;  // network, title
  auto name_of = [&](uint64_t account_id, const std::string& handle) -> std::string {
    if (account_id == 0) return handle;  // e.g. a login tried for a handle that has no account
    auto [it, fresh] = names.try_emplace(account_id);
    if (fresh) it->second = PersonName(store, account_id, handle);
    return it->second;
  };
  // Only a thread of the record's own network is named: a record kept from before ids were
  // checked (or any future slip) must not show another network's title.
  auto title_of = [&](uint64_t thread_id, uint64_t network_id) -> std::string {
    auto [it, fresh] = threads.try_emplace(thread_id);
    if (fresh) {
      auto thread = records::GetThread(store, thread_id);
      if (thread.ok() && *thread) it->second = {(*thread)->network_id(), (*thread)->title()};
    }
    return it->second.first == network_id ? it->second.second : std::string();
  };
  v1::Response response;
  auto* result = response.mutable_my_access_log();
  for (v1::AuditEvent& e : page.events) {
    v1::AccessLogEntry* entry = result->add_entries();
    entry->set_actor_display_name(name_of(e.actor_id(), e.actor_handle()));
    if (e.thread_id() != 0 && e.network_id() != 0) {
      entry->set_thread_title(title_of(e.thread_id(), e.network_id()));
    }
    const std::string object =
        e.object_handle().empty() ? "" : name_of(e.object_id(), e.object_handle());
    entry->set_summary(
        SummarizeAuditEvent(e, entry->actor_display_name(), entry->thread_title(), object));
    // Where professionals connect from is theirs, not part of the client's view.
    e.clear_source_address();
    e.clear_app();
    e.clear_prev_hash();
    e.clear_prev_client_seq();
    e.clear_prev_actor_seq();  // the professional's other records are not the client's
    *entry->mutable_event() = std::move(e);
  }
  result->set_next_after_seq(page.next_after_seq);
  AddProblems(page, result);
  audit.event.set_count(result->entries_size());
  // Decided again on the writer, in order with EndRepresentation: once its response is out, the
  // former representative reads no more of the client's log, however the requests were queued.
  response.set_request_id(ctx.request_id());
  v1::ServerFrame answer;
  *answer.mutable_response() = std::move(response);
  ctx.Write([client_id, frame = std::make_shared<const std::string>(answer.SerializeAsString())](
                RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor,
                           ctx.Authenticate(txn, nullptr, &ctx.service().access_cache));
    if (client_id != actor.account_id) {
      KRING_ASSIGN_OR_RETURN(auto representation,
                             records::GetRepresentation(txn, client_id, actor.account_id));
      if (Status s = AuthorizeAccessLogRead(actor, client_id, representation.has_value());
          !s.ok()) {
        ctx.audit().event.clear_count();  // nothing was shown
        return s;
      }
    }
    out.frame = frame;
    return Status::Ok();
  });
  return Status::Ok();
}

Status VerifyAuditChain(RequestContext& ctx, const v1::VerifyAuditChainRequest&) {
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(ctx.service().store, &ctx.audit()));
  KRING_RETURN_IF_ERROR(AuthorizeAuditor(actor));
  // Reads the whole log: on the read pool, never on an io thread.
  return ctx.service().read_pool.Post([self = ctx.self()] {
    auto verified = audit::VerifyChain(self->service().store);
    if (!verified.ok()) return self->Answer(verified.status());
    v1::Response response;
    auto* result = response.mutable_verify_audit_chain();
    result->set_intact(verified->intact);
    result->set_records(verified->records);
    result->set_first_bad_seq(verified->first_bad_seq);
    result->set_problem(verified->problem);
    result->set_head_hash(verified->head_hash);
    result->set_repaired_records(verified->repaired);
    AuditDraft& audit = self->audit();
    audit.event.set_count(verified->records);
    if (!verified->intact) audit.event.set_outcome_detail(verified->problem);
    self->Answer(std::move(response));
  });
}

Status AuditCheckpoint(RequestContext& ctx, const v1::AuditCheckpointRequest&) {
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(ctx.service().store, &ctx.audit()));
  KRING_RETURN_IF_ERROR(AuthorizeAuditor(actor));
  const std::string& key = ctx.service().options.audit_signing_key_pem;
  if (key.empty()) return FailedPrecondition("this server has no audit signing key");
  // The head as it stands, read on the writer so no record is half-staged. The checkpoint's own
  // record follows the head it signs.
  ctx.Write([key](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(store::AuditHead head, audit::GetHead(txn));
    v1::AuditCheckpoint* c = out.response.mutable_audit_checkpoint()->mutable_checkpoint();
    c->set_server_id(ctx.service().options.server_id);
    c->set_count(head.seq());
    c->set_head_hash(head.hash());
    c->set_time_ms(ctx.service().clock.NowMs());
    c->set_algorithm("Ed25519");
    KRING_ASSIGN_OR_RETURN(std::string signature, ed25519::Sign(key, audit::CheckpointMessage(*c)));
    c->set_signature(signature);
    KRING_ASSIGN_OR_RETURN(std::string public_pem, ed25519::PublicKeyPem(key));
    c->set_public_key_pem(public_pem);
    ctx.audit().event.set_count(head.seq());
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
