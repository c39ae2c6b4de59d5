// The access log for its readers: auditors query, verify and sign it; a client (or their
// representative) reads who accessed the client's data. Every one of these reads is itself
// recorded. Nobody reads message content here: records hold none.
#include <unordered_map>

#include "server/core/audit_summary.h"
#include "server/core/ed25519.h"
#include "server/core/text.h"
#include "server/service/audit.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"

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

void ConnectionImpl::QueryAudit(uint64_t id, const v1::QueryAuditRequest& req) {
  const storage::Store& store = service_.store;
  AuditDraft audit = NewAudit("audit.queried", v1::AUDIT_ACTION_READ);
  auto actor = Authenticate(store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  if (Status s = AuthorizeAuditor(*actor); !s.ok()) return ReplyAudited(id, std::move(audit), s);
  audit::Query query;
  auto client_id = IdOf(store, req.client_handle());
  auto user_id = IdOf(store, req.user_handle());
  if (!client_id.ok()) return ReplyAudited(id, std::move(audit), client_id.status());
  if (!user_id.ok()) return ReplyAudited(id, std::move(audit), user_id.status());
  query.client_id = *client_id;
  query.actor_id = *user_id;
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
  auto page = audit::Find(store, query);
  if (!page.ok()) return ReplyAudited(id, std::move(audit), page.status());
  v1::Response response;
  auto* result = response.mutable_query_audit();
  for (auto& e : page->events) *result->add_events() = std::move(e);
  result->set_next_after_seq(page->next_after_seq);
  AddProblems(*page, result);
  audit.event.set_count(result->events_size());
  ReplyAudited(id, std::move(audit), std::move(response));
}

void ConnectionImpl::MyAccessLog(uint64_t id, const v1::MyAccessLogRequest& req) {
  const storage::Store& store = service_.store;
  AuditDraft audit = NewAudit("access_log.read", v1::AUDIT_ACTION_READ);
  auto actor = Authenticate(store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  // The client themself, or a representative of the client named.
  uint64_t client_id = actor->account_id;
  if (!req.client_handle().empty()) {
    auto named = IdOf(store, req.client_handle());
    if (!named.ok()) return ReplyAudited(id, std::move(audit), named.status());
    client_id = *named;
  }
  audit.event.set_client_id(client_id);
  if (client_id != actor->account_id) {
    auto representation = records::GetRepresentation(store, client_id, actor->account_id);
    if (!representation.ok()) return ReplyError(id, representation.status());
    if (!*representation) {
      return ReplyAudited(id, std::move(audit),
                          PermissionDenied("only the client or their representative reads the "
                                           "client's access log"));
    }
    audit.event.set_actor_role(v1::MEMBER_ROLE_REPRESENTATIVE);
    audit.event.set_on_behalf_of(client_id);
  } else if (actor->kind != v1::ACCOUNT_KIND_CLIENT) {
    return ReplyAudited(id, std::move(audit),
                        PermissionDenied("an access log is kept for clients; name the client "
                                         "you represent"));
  }
  audit::Query query;
  query.client_id = client_id;
  query.network_id = req.network_id();
  query.since_ms = req.since_ms();
  query.until_ms = req.until_ms();
  query.after_seq = req.after_seq();
  query.limit = PageSize(req.limit());
  auto page = audit::Find(store, query);
  if (!page.ok()) return ReplyAudited(id, std::move(audit), page.status());
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
  for (v1::AuditEvent& e : page->events) {
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
  result->set_next_after_seq(page->next_after_seq);
  AddProblems(*page, result);
  audit.event.set_count(result->entries_size());
  // Decided again on the writer, in order with EndRepresentation: once its response is out, the
  // former representative reads no more of the client's log, however the requests were queued.
  response.set_request_id(id);
  v1::ServerFrame answer;
  *answer.mutable_response() = std::move(response);
  Write(id, std::move(audit),
        [self = shared_from_this(), client_id,
         frame = std::make_shared<const std::string>(answer.SerializeAsString())](
            storage::Transaction& txn, WriteOutcome& out) -> Status {
          KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, nullptr,
                                                                 &self->service_.access_cache));
          if (client_id != actor.account_id) {
            KRING_ASSIGN_OR_RETURN(auto representation,
                                   records::GetRepresentation(txn, client_id, actor.account_id));
            if (!representation) {
              out.audit.event.clear_count();  // nothing was shown
              return PermissionDenied(
                  "only the client or their representative reads the client's access log");
            }
          }
          out.frame = frame;
          return Status::Ok();
        });
}

void ConnectionImpl::VerifyAuditChain(uint64_t id) {
  AuditDraft audit = NewAudit("audit.verified", v1::AUDIT_ACTION_EXECUTE);
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  if (Status s = AuthorizeAuditor(*actor); !s.ok()) return ReplyAudited(id, std::move(audit), s);
  // Reads the whole log: on the read pool, never on an io thread.
  Status posted = service_.read_pool.Post([self = shared_from_this(), id, audit]() mutable {
    auto verified = audit::VerifyChain(self->service_.store);
    if (!verified.ok()) return self->ReplyAudited(id, std::move(audit), verified.status());
    v1::Response response;
    auto* result = response.mutable_verify_audit_chain();
    result->set_intact(verified->intact);
    result->set_records(verified->records);
    result->set_first_bad_seq(verified->first_bad_seq);
    result->set_problem(verified->problem);
    result->set_head_hash(verified->head_hash);
    result->set_repaired_records(verified->repaired);
    audit.event.set_count(verified->records);
    if (!verified->intact) audit.event.set_outcome_detail(verified->problem);
    self->ReplyAudited(id, std::move(audit), std::move(response));
  });
  if (!posted.ok()) ReplyAudited(id, std::move(audit), posted);
}

void ConnectionImpl::AuditCheckpoint(uint64_t id) {
  AuditDraft audit = NewAudit("audit.checkpoint", v1::AUDIT_ACTION_EXECUTE);
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  if (Status s = AuthorizeAuditor(*actor); !s.ok()) return ReplyAudited(id, std::move(audit), s);
  const std::string& key = service_.options.audit_signing_key_pem;
  if (key.empty()) {
    return ReplyAudited(id, std::move(audit),
                        FailedPrecondition("this server has no audit signing key"));
  }
  // The head as it stands, read on the writer so no record is half-staged.
  auto response = std::make_shared<v1::Response>();
  auto self = shared_from_this();
  service_.writer.Submit(Writer::Op{
      [self, response, key](storage::Transaction& txn) -> Status {
        KRING_ASSIGN_OR_RETURN(store::AuditHead head, audit::GetHead(txn));
        v1::AuditCheckpoint* c = response->mutable_audit_checkpoint()->mutable_checkpoint();
        c->set_server_id(self->service_.options.server_id);
        c->set_count(head.seq());
        c->set_head_hash(head.hash());
        c->set_time_ms(self->service_.clock.NowMs());
        c->set_algorithm("Ed25519");
        KRING_ASSIGN_OR_RETURN(std::string signature,
                               ed25519::Sign(key, audit::CheckpointMessage(*c)));
        c->set_signature(signature);
        KRING_ASSIGN_OR_RETURN(std::string public_pem, ed25519::PublicKeyPem(key));
        c->set_public_key_pem(public_pem);
        return Status::Ok();
      },
      [self, response, id, audit = std::move(audit)](const Status& status) mutable {
        audit.event.set_count(response->audit_checkpoint().checkpoint().count());
        if (!status.ok()) return self->ReplyAudited(id, std::move(audit), status);
        self->ReplyAudited(id, std::move(audit), std::move(*response));
      }});
}

}  // namespace kring::service
