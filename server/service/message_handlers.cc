// Threads and messages: create/list threads, post, history, subscribe, read markers.
#include "server/core/text.h"
#include "server/service/audit.h"
#include "server/service/connection_impl.h"
#include "server/service/frames.h"
#include "server/service/records.h"

namespace kring::service {

using storage::Table;
using storage::keys::U64;
using storage::keys::U64Bytes;
using storage::keys::U64U64;

namespace {

constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxClientMsgIdBytes = 64;
constexpr uint32_t kDefaultHistoryPage = 100;

// Who takes part in the thread right now: the client and representatives (unless it is for the
// team only) and every member whose consent in force covers it.
std::vector<uint64_t> Participants(const v1::Thread& thread, const std::vector<uint64_t>& principals,
                                   const std::vector<v1::Consent>& consents, int64_t now_ms) {
  std::vector<uint64_t> out;
  if (!thread.team_only()) out = principals;
  for (const v1::Consent& c : consents) {
    if (c.grantee_id() != 0 && InForce(c, now_ms) && CoversThread(c, thread.id())) {
      out.push_back(c.grantee_id());
    }
  }
  return out;
}

// The end of one live subscription, on the access log: which messages it delivered.
void RecordLiveEnded(ServiceImpl& service, v1::AuditEvent record, uint64_t first, uint64_t last) {
  if (last >= first) {
    record.set_seq_from(first);
    record.set_seq_to(last);
    record.set_count(last - first + 1);
  }
  service.writer.Submit(Writer::Op{
      [&service, record](storage::Transaction& txn) {
        return StageAudit(service, txn, AuditDraft{record}, Status::Ok());
      },
      [](const Status&) {}});
}

// The cheap checks of a request run inside its write, after Permit, so that a refusal is
// recorded like any other outcome, with the network and client it concerns (docs/audit.md).
Status ValidateTitle(std::string_view title) {
  if (title.empty() || title.size() > kMaxTitleBytes || !IsValidUtf8(title)) {
    return InvalidArgument("a title is valid UTF-8 of 1 to 200 bytes");
  }
  return CheckNameCharacters(title, "the title");
}

// Message text is what people type: any valid UTF-8, newlines and bidi marks included (apps and
// the CLI escape what they cannot show); only its size is limited.
Status ValidatePost(const v1::PostMessageRequest& req, size_t max_bytes) {
  if (req.client_msg_id().empty() || req.client_msg_id().size() > kMaxClientMsgIdBytes) {
    return InvalidArgument("client_msg_id must be 1 to 64 bytes");
  }
  if (req.text().empty()) return InvalidArgument("the text is empty");
  if (req.text().size() > max_bytes) {
    return InvalidArgument("the text is " + std::to_string(req.text().size()) +
                           " bytes; the limit is " + std::to_string(max_bytes));
  }
  if (!IsValidUtf8(req.text())) return InvalidArgument("the text is not valid UTF-8");
  return Status::Ok();
}

Frame AccessEndedFrame(uint64_t network_id, uint64_t thread_id, std::string reason) {
  v1::Event event;
  event.mutable_access_ended()->set_network_id(network_id);
  event.mutable_access_ended()->add_thread_ids(thread_id);
  event.mutable_access_ended()->set_reason(std::move(reason));
  return EventFrame(event);
}

}  // namespace

void ConnectionImpl::CreateThread(uint64_t id, const v1::CreateThreadRequest& req) {
  Write(id, NewAudit("thread.created", v1::AUDIT_ACTION_CREATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted,
                           self->Permit(txn, req.network_id(), Operation::kCreateThread,
                                        ThreadRef{0, req.team_only()}, &out.audit));
    KRING_RETURN_IF_ERROR(ValidateTitle(req.title()));
    const int64_t now = permitted.standing.now_ms;
    KRING_ASSIGN_OR_RETURN(uint64_t thread_id, records::AllocateId(txn));
    out.audit.event.set_thread_id(thread_id);
    out.audit.event.set_object_id(thread_id);
    v1::Thread thread;
    thread.set_id(thread_id);
    thread.set_network_id(req.network_id());
    thread.set_title(req.title());
    thread.set_created_by(permitted.actor.account_id);
    thread.set_created_at_ms(now);
    thread.set_team_only(req.team_only());
    records::PutProto(txn, Table::kThreads, U64(thread_id), thread);
    txn.Put(Table::kNetworkThreads, U64U64(req.network_id(), thread_id), "");
    *out.response.mutable_create_thread()->mutable_thread() = thread;
    // Told to those who see it: the client and representatives (team-only threads included: they
    // see that it exists) and members whose consent covers every thread.
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> told, records::Principals(txn, *network));
    KRING_ASSIGN_OR_RETURN(auto consents, records::CurrentConsents(txn, req.network_id()));
    for (const v1::Consent& c : consents) {
      if (c.grantee_id() != 0 && InForce(c, now) && c.provision().all_threads()) {
        told.push_back(c.grantee_id());
      }
    }
    out.effects.push_back([self, thread, told = std::move(told)] {
      v1::Event event;
      *event.mutable_thread_created()->mutable_thread() = thread;
      self->service_.hub.PublishToNetwork(/*network_id=*/0, told, EventFrame(event));
    });
    return Status::Ok();
  });
}

void ConnectionImpl::ListThreads(uint64_t id, const v1::ListThreadsRequest& req) {
  const storage::Store& store = service_.store;
  AuditDraft audit = NewAudit("threads.listed", v1::AUDIT_ACTION_READ);
  auto permitted = Permit(store, req.network_id(), Operation::kListThreads, {}, &audit);
  if (!permitted.ok()) return ReplyAudited(id, std::move(audit), permitted.status());
  const Standing& standing = permitted->standing;
  auto thread_ids = records::NetworkThreadIds(store, req.network_id());
  if (!thread_ids.ok()) return ReplyError(id, thread_ids.status());
  auto network = records::GetNetwork(store, req.network_id());
  if (!network.ok() || !*network) return ReplyError(id, Internal("store read failed"));
  auto principals = records::Principals(store, **network);
  if (!principals.ok()) return ReplyError(id, principals.status());
  auto consents = records::CurrentConsents(store, req.network_id());
  if (!consents.ok()) return ReplyError(id, consents.status());
  v1::Response response;
  auto* result = response.mutable_list_threads();
  for (uint64_t thread_id : *thread_ids) {
    auto thread = records::GetThreadIn(store, req.network_id(), thread_id);
    if (!thread.ok()) return ReplyError(id, thread.status());
    if (!SeesThread(standing, records::RefOf(*thread))) continue;
    for (uint64_t p : Participants(*thread, *principals, *consents, standing.now_ms)) {
      thread->add_participant_ids(p);
    }
    *result->add_threads() = std::move(*thread);
  }
  audit.event.set_count(result->threads_size());
  ReplyAudited(id, std::move(audit), std::move(response));
}

void ConnectionImpl::PostMessage(uint64_t id, const v1::PostMessageRequest& req) {
  Write(id, NewAudit("message.posted", v1::AUDIT_ACTION_CREATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        self->Permit(txn, req.network_id(), Operation::kPost, ThreadRef{req.thread_id()},
                     &out.audit, &self->service_.access_cache));
    KRING_RETURN_IF_ERROR(ValidatePost(req, self->service_.options.max_message_bytes));
    const Actor& actor = permitted.actor;
    const v1::Thread& thread = permitted.thread;
    const std::string text_sha = Sha256(req.text());
    const std::string ref_key = U64Bytes(actor.account_id, req.client_msg_id());
    KRING_ASSIGN_OR_RETURN(auto ref,
                           records::GetProto<store::PostedRef>(txn, Table::kIdempotency, ref_key));
    if (ref) {
      if (ref->thread_id() != req.thread_id() || ref->text_sha256() != text_sha) {
        return AlreadyExists("client_msg_id was already used for another message");
      }
      auto* result = out.response.mutable_post_message();
      result->set_seq(ref->seq());
      result->set_posted_at_ms(ref->posted_at_ms());
      result->set_duplicate(true);
      out.audit.event.set_seq_from(ref->seq());  // a resend: nothing new written (count 0)
      out.audit.event.set_seq_to(ref->seq());
      return Status::Ok();
    }
    const uint64_t head = thread.last_seq();
    if (req.reply_to_seq() > head ||
        (req.reply_to_seq() != 0 &&
         req.reply_to_seq() <= HiddenThrough(permitted.standing, req.thread_id()))) {
      return NotFound("reply_to_seq names no message of the thread visible to you");
    }
    const int64_t now = self->service_.clock.NowMs();
    v1::Message message;
    message.set_network_id(req.network_id());
    message.set_thread_id(req.thread_id());
    message.set_seq(head + 1);
    message.set_sender_id(actor.account_id);
    message.set_sender_handle(actor.handle);
    message.set_client_msg_id(req.client_msg_id());
    message.set_text(req.text());
    message.set_reply_to_seq(req.reply_to_seq());
    message.set_posted_at_ms(now);
    std::string message_bytes = message.SerializeAsString();
    txn.Put(Table::kMessages, U64U64(req.thread_id(), message.seq()), message_bytes);
    txn.Put(Table::kThreadHeads, U64(req.thread_id()), U64(message.seq()));
    store::PostedRef new_ref;
    new_ref.set_thread_id(req.thread_id());
    new_ref.set_seq(message.seq());
    new_ref.set_posted_at_ms(now);
    new_ref.set_text_sha256(text_sha);
    records::PutProto(txn, Table::kIdempotency, ref_key, new_ref);

    auto* result = out.response.mutable_post_message();
    result->set_seq(message.seq());
    result->set_posted_at_ms(now);
    out.audit.event.set_seq_from(message.seq());
    out.audit.event.set_seq_to(message.seq());
    out.audit.event.set_count(1);
    out.effects.push_back([self, thread_id = req.thread_id(), seq = message.seq(),
                           frame = MessagePostedFrame(message_bytes)] {
      ServiceImpl& service = self->service_;
      for (auto& lagging : service.hub.PublishMessage(thread_id, seq, frame)) {
        service.PostCatchUp(lagging);
      }
    });
    return Status::Ok();
  });
}

void ConnectionImpl::FetchHistory(uint64_t id, const v1::FetchHistoryRequest& req) {
  const storage::Store& store = service_.store;
  AuditDraft audit = NewAudit("history.read", v1::AUDIT_ACTION_READ);
  auto permitted = Permit(store, req.network_id(), Operation::kReadHistory,
                          ThreadRef{req.thread_id()}, &audit);
  if (!permitted.ok()) return ReplyAudited(id, std::move(audit), permitted.status());
  const v1::Thread* thread = &permitted->thread;
  // Hidden history is skipped, and said so: never silently.
  const uint64_t hidden = HiddenThrough(permitted->standing, req.thread_id());
  const uint64_t after_seq = std::max(req.after_seq(), hidden);
  uint32_t limit = req.limit() == 0 ? kDefaultHistoryPage : req.limit();
  limit = std::min(limit, service_.options.max_history_page);
  v1::Response response;
  auto* result = response.mutable_fetch_history();
  result->set_last_seq(thread->last_seq());
  result->set_hidden_through_seq(hidden);
  if (after_seq < thread->last_seq()) {
    bool corrupt = false;
    Status scanned = store.Scan(
        Table::kMessages, U64U64(req.thread_id(), after_seq + 1),
        storage::keys::PrefixEnd(U64(req.thread_id())), limit,
        [&](std::string_view, std::string_view value) {
          corrupt = !result->add_messages()->ParseFromArray(value.data(),
                                                              static_cast<int>(value.size()));
          return !corrupt;
        });
    if (!scanned.ok()) return ReplyError(id, scanned);
    if (corrupt) return ReplyError(id, Internal("corrupt message record"));
  }
  // Which messages were disclosed: the range and how many.
  if (result->messages_size() > 0) {
    audit.event.set_seq_from(result->messages(0).seq());
    audit.event.set_seq_to(result->messages(result->messages_size() - 1).seq());
  }
  audit.event.set_count(result->messages_size());
  ReplyAudited(id, std::move(audit), std::move(response));
}

void ConnectionImpl::Subscribe(uint64_t id, const v1::SubscribeRequest& req) {
  const storage::Store& store = service_.store;
  // One record per thread: "live.started" with the first seq it delivers; "live.ended" follows
  // when the subscription stops, with the last seq it delivered.
  AuditDraft audit = NewAudit("live.started", v1::AUDIT_ACTION_READ);
  auto actor = Authenticate(store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  auto standing = records::GetStanding(store, req.network_id(), actor->account_id,
                                       service_.clock.NowMs());
  if (!standing.ok()) return ReplyError(id, standing.status());
  NoteStanding(audit.event, req.network_id(), *standing);
  if (Status s = AuthorizeNetworkAccess(*actor, Operation::kReceiveLive, *standing); !s.ok()) {
    return ReplyAudited(id, std::move(audit), s);
  }
  auto self = shared_from_this();
  // One per requested thread, in order: its outcome, and its subscription if it started.
  struct ThreadOutcome {
    Status status;
    ThreadRef ref;
    bool in_network = false;  // ref.id is known to be a thread of req.network_id()
    std::shared_ptr<Subscription> sub;
  };
  std::vector<ThreadOutcome> outcomes;
  v1::Response response;
  auto* result = response.mutable_subscribe();
  for (const v1::ThreadCursor& cursor : req.threads()) {
    v1::ThreadSubscription* state = result->add_threads();
    state->set_thread_id(cursor.thread_id());
    ThreadOutcome& outcome = outcomes.emplace_back();
    outcome.ref = {cursor.thread_id()};
    outcome.status = Authorize(*actor, Operation::kReceiveLive, *standing, outcome.ref);
    if (!outcome.status.ok()) continue;
    auto thread = records::GetThreadIn(store, req.network_id(), cursor.thread_id());
    if (!thread.ok()) {
      outcome.status = thread.status();
      continue;
    }
    outcome.ref = records::RefOf(*thread);
    outcome.in_network = true;
    outcome.status = Authorize(*actor, Operation::kReceiveLive, *standing, outcome.ref);
    if (!outcome.status.ok()) continue;
    state->set_last_seq(thread->last_seq());
    if (cursor.after_seq() > thread->last_seq()) {
      // Sequence numbers come from the server: a cursor past the end is not one of ours.
      outcome.status = InvalidArgument(
          "after_seq " + std::to_string(cursor.after_seq()) + " is past the thread's newest "
          "message (" + std::to_string(thread->last_seq()) + ")");
      continue;
    }
    const uint64_t hidden = HiddenThrough(*standing, cursor.thread_id());
    state->set_hidden_through_seq(hidden);
    v1::AuditEvent ended_record = audit.event;
    ended_record.set_event_type("live.ended");
    ended_record.set_thread_id(cursor.thread_id());
    ended_record.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
    Subscription::Access access{
        AccessEndsMs(*standing),
        AccessEndedFrame(req.network_id(), cursor.thread_id(), "your consent ended"),
        [service = &service_, ended_record](uint64_t first, uint64_t last) {
          RecordLiveEnded(*service, ended_record, first, last);
        }};
    outcome.sub = service_.hub.Subscribe(self, req.network_id(), cursor.thread_id(),
                                         std::max(cursor.after_seq(), hidden), std::move(access));
    if (!outcome.sub) return ReplyError(id, Unauthenticated("log in first"));
  }
  // Decided again now that the subscriptions are registered: a consent change that committed
  // meanwhile either found them in the hub (and cut them) or is seen here. (A thread's identity
  // and team-only flag never change: the refs from above still hold.)
  auto again = records::GetStanding(store, req.network_id(), actor->account_id,
                                    service_.clock.NowMs());
  Status still = again.ok() ? AuthorizeNetworkAccess(*actor, Operation::kReceiveLive, *again)
                            : again.status();
  std::vector<std::shared_ptr<Subscription>> live;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    ThreadOutcome& outcome = outcomes[i];
    if (outcome.sub) {
      Status thread_still =
          still.ok() ? Authorize(*actor, Operation::kReceiveLive, *again, outcome.ref) : still;
      if (thread_still.ok()) {
        outcome.sub->SetAccessUntil(AccessEndsMs(*again));
        live.push_back(outcome.sub);
      } else {
        service_.hub.Unsubscribe(this, req.network_id(), outcome.ref.id);
        outcome.status = thread_still;
        outcome.sub.reset();
      }
    }
    // The thread's own record: refused with why, or the first seq it will deliver.
    v1::AuditEvent record = audit.event;
    NoteThread(record, outcome.ref.id, outcome.in_network);
    record.set_outcome(audit::OutcomeOf(outcome.status));
    if (!outcome.status.ok()) {
      *result->mutable_threads(static_cast<int>(i))->mutable_error() = ErrorProto(outcome.status);
      record.set_outcome_detail(outcome.status.detail());
    } else {
      record.set_seq_from(outcome.sub->next_seq());
    }
    audit.also.push_back(std::move(record));
  }
  audit.event.set_event_type("");  // the per-thread records say it all
  if (!still.ok()) return ReplyAudited(id, std::move(audit), still);
  // Catching up reads the store: on the read pool, not on the writer that sends the reply.
  ReplyAudited(id, std::move(audit), std::move(response), [this, self, live] {
    for (const auto& sub : live) service_.PostCatchUp(sub);
  });
}

void ConnectionImpl::Unsubscribe(uint64_t id, const v1::UnsubscribeRequest& req) {
  auto actor = Authenticate(service_.store);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  if (req.thread_ids().empty()) {
    service_.hub.Unsubscribe(this, req.network_id(), 0);
  } else {
    for (uint64_t thread_id : req.thread_ids()) {
      if (thread_id != 0) service_.hub.Unsubscribe(this, req.network_id(), thread_id);
    }
  }
  v1::Response response;
  response.mutable_unsubscribe();
  Reply(id, std::move(response));
}

void ConnectionImpl::MarkRead(uint64_t id, const v1::MarkReadRequest& req) {
  Write(id, NewAudit("read_marker.updated", v1::AUDIT_ACTION_UPDATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        self->Permit(txn, req.network_id(), Operation::kMarkRead, ThreadRef{req.thread_id()},
                     &out.audit, &self->service_.access_cache));
    out.audit.event.set_seq_to(req.seq());
    const Actor& actor = permitted.actor;
    const v1::Thread& thread = permitted.thread;
    if (req.seq() > thread.last_seq()) {
      return InvalidArgument("seq is past the newest message of the thread");
    }
    const std::string key = U64U64(req.thread_id(), actor.account_id);
    KRING_ASSIGN_OR_RETURN(auto marker,
                           records::GetProto<v1::ReadMarker>(txn, Table::kReadMarkers, key));
    if (marker && marker->seq() >= req.seq()) {
      *out.response.mutable_mark_read()->mutable_marker() = *marker;  // markers never go back
      return Status::Ok();
    }
    v1::ReadMarker updated;
    updated.set_thread_id(req.thread_id());
    updated.set_account_id(actor.account_id);
    updated.set_handle(actor.handle);
    updated.set_seq(req.seq());
    updated.set_updated_at_ms(self->service_.clock.NowMs());
    records::PutProto(txn, Table::kReadMarkers, key, updated);
    *out.response.mutable_mark_read()->mutable_marker() = updated;
    out.effects.push_back([self, network_id = req.network_id(), updated] {
      v1::Event event;
      event.mutable_read_marker_updated()->set_network_id(network_id);
      *event.mutable_read_marker_updated()->mutable_marker() = updated;
      // Only to those who follow the thread: a marker tells of activity in it.
      self->service_.hub.PublishToThread(network_id, updated.thread_id(), {}, EventFrame(event));
    });
    return Status::Ok();
  });
}

void ConnectionImpl::ListReadMarkers(uint64_t id, const v1::ListReadMarkersRequest& req) {
  const storage::Store& store = service_.store;
  AuditDraft audit = NewAudit("read_markers.listed", v1::AUDIT_ACTION_READ);
  auto permitted = Permit(store, req.network_id(), Operation::kListReadMarkers,
                          ThreadRef{req.thread_id()}, &audit);
  if (!permitted.ok()) return ReplyAudited(id, std::move(audit), permitted.status());
  v1::Response response;
  auto* result = response.mutable_list_read_markers();
  std::string begin = U64(req.thread_id());
  Status scanned = store.Scan(Table::kReadMarkers, begin, storage::keys::PrefixEnd(begin), 0,
                              [&](std::string_view, std::string_view value) {
                                v1::ReadMarker marker;
                                if (marker.ParseFromArray(value.data(),
                                                          static_cast<int>(value.size()))) {
                                  // Only markers of people still in the network.
                                  auto m = records::GetMember(store, req.network_id(),
                                                              marker.account_id());
                                  if (m.ok() && *m) *result->add_markers() = std::move(marker);
                                }
                                return true;
                              });
  if (!scanned.ok()) return ReplyError(id, scanned);
  audit.event.set_count(result->markers_size());
  ReplyAudited(id, std::move(audit), std::move(response));
}

}  // namespace kring::service
