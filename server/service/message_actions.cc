// Threads and messages: create/list threads, post, history, subscribe, read markers.
#include "server/service/message_actions.h"

#include <algorithm>

#include "proto/kring/v1/audit_event_types.h"
#include "server/core/crypto.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/attachment_actions.h"
#include "server/service/audit.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxClientMsgIdBytes = 64;
constexpr uint32_t kDefaultHistoryPage = 100;

// Who takes part in the thread right now: the client and representatives (unless it is for the
// team only) and every member whose consent in force covers it.
std::vector<uint64_t> Participants(const v1::Thread& thread,
                                   const std::vector<uint64_t>& principals,
                                   const std::vector<v1::Consent>& consents, int64_t now_ms) {
  std::vector<uint64_t> out;
  if (!thread.team_only()) out = principals;
  for (const v1::Consent& c : consents) {
    if (c.grantee_id() != 0 && InForce(c, now_ms) &&
        CoversThread(c, records::RefOf(thread).scope())) {
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
  service.writer.Submit(Writer::Op{[&service, record](storage::Transaction& txn) {
                                     return StageAudit(service, txn, AuditDraft{record},
                                                       Status::Ok());
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

// A Subscribe names at most kMaxSubscribeCursors threads, each once: every thread it starts is
// recorded, and a thread named twice would be started twice.
Status CheckCursors(const v1::SubscribeRequest& req) {
  if (req.threads_size() > static_cast<int>(kMaxSubscribeCursors)) {
    return InvalidArgument("a Subscribe names at most " + std::to_string(kMaxSubscribeCursors) +
                           " threads; this one names " + std::to_string(req.threads_size()));
  }
  std::vector<uint64_t> ids;
  ids.reserve(req.threads_size());
  for (const v1::ThreadCursor& cursor : req.threads()) ids.push_back(cursor.thread_id());
  std::sort(ids.begin(), ids.end());
  if (auto twice = std::adjacent_find(ids.begin(), ids.end()); twice != ids.end()) {
    return InvalidArgument("thread " + std::to_string(*twice) + " is named twice");
  }
  return Status::Ok();
}

}  // namespace

Status CreateThread(RequestContext& ctx, const v1::CreateThreadRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(), Operation::kCreateThread,
                   ThreadRef{0, req.team_only(), req.sensitive()}, &ctx.audit()));
    KRING_RETURN_IF_ERROR(ValidateTitle(req.title()));
    const int64_t now = permitted.standing.now_ms;
    KRING_ASSIGN_OR_RETURN(uint64_t thread_id, records::AllocateId(txn));
    ctx.audit().event.set_thread_id(thread_id);
    ctx.audit().event.set_object_id(thread_id);
    v1::Thread thread;
    thread.set_id(thread_id);
    thread.set_network_id(req.network_id());
    thread.set_title(req.title());
    thread.set_created_by(permitted.actor.account_id);
    thread.set_created_at_ms(now);
    thread.set_team_only(req.team_only());
    thread.set_sensitive(req.sensitive());
    records::AddThread(txn, thread);
    *out.response.mutable_create_thread()->mutable_thread() = thread;
    // Told to those who see it: the client and representatives (team-only threads included: they
    // see that it exists) and members whose consent covers every thread (a sensitive thread: no
    // member yet, as no consent can name it before it exists).
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> told, records::Principals(txn, *network));
    KRING_ASSIGN_OR_RETURN(auto consents, records::CurrentConsents(txn, req.network_id()));
    for (const v1::Consent& c : consents) {
      if (c.grantee_id() != 0 && InForce(c, now) &&
          CoversThread(c, records::RefOf(thread).scope())) {
        if (!c.grantee_is_team()) {
          told.push_back(c.grantee_id());
          continue;
        }
        // A team: the people who are in the network through it now (docs/consent.md, "Teams").
        KRING_ASSIGN_OR_RETURN(auto people,
                               records::PeopleThroughTeam(txn, *network, c.grantee_id()));
        for (const v1::TeamPerson& person : people) {
          KRING_ASSIGN_OR_RETURN(Standing standing, records::GetStanding(txn, req.network_id(),
                                                                         person.account_id(), now));
          if (SeesThread(standing, records::RefOf(thread))) told.push_back(person.account_id());
        }
      }
    }
    out.effects.push_back([&ctx, thread, told = std::move(told)] {
      ctx.service().hub.PublishToNetwork(/*network_id=*/0, told, ThreadCreatedFrame(thread));
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ListThreads(RequestContext& ctx, const v1::ListThreadsRequest& req) {
  ctx.ReadInNetwork(
      req.network_id(), Operation::kListThreads, {},
      [network_id = req.network_id()](const storage::ReadView& view, const Permitted& permitted,
                                      v1::AuditEvent& record) -> StatusOr<v1::Response> {
        const Standing& standing = permitted.standing;
        KRING_ASSIGN_OR_RETURN(auto thread_ids, records::NetworkThreadIds(view, network_id));
        KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
        if (!network) return Internal("store read failed");
        KRING_ASSIGN_OR_RETURN(auto principals, records::Principals(view, *network));
        KRING_ASSIGN_OR_RETURN(auto consents, records::CurrentConsents(view, network_id));
        v1::Response response;
        auto* result = response.mutable_list_threads();
        for (uint64_t thread_id : thread_ids) {
          KRING_ASSIGN_OR_RETURN(v1::Thread thread,
                                 records::GetThreadIn(view, network_id, thread_id));
          if (!SeesThread(standing, records::RefOf(thread))) continue;
          if (thread.last_seq() > HiddenThrough(standing, records::RefOf(thread))) {
            KRING_ASSIGN_OR_RETURN(auto newest,
                                   records::GetMessage(view, thread_id, thread.last_seq()));
            if (newest) thread.set_last_posted_at_ms(newest->posted_at_ms());
          }
          for (uint64_t p : Participants(thread, principals, consents, standing.now_ms)) {
            thread.add_participant_ids(p);
          }
          *result->add_threads() = std::move(thread);
        }
        record.set_count(result->threads_size());
        return response;
      });
  return Status::Ok();
}

Status PostMessage(RequestContext& ctx, const v1::PostMessageRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted, ctx.Permit(txn, req.network_id(), Operation::kPost,
                                                           ThreadRef{req.thread_id()}, &ctx.audit(),
                                                           &ctx.service().access_cache));
    KRING_RETURN_IF_ERROR(ValidatePost(req, ctx.service().options.max_message_bytes));
    const Actor& actor = permitted.actor;
    const v1::Thread& thread = permitted.thread;
    const std::string text_sha = Sha256(req.text());
    KRING_ASSIGN_OR_RETURN(auto ref,
                           records::GetPostedRef(txn, actor.account_id, req.client_msg_id()));
    if (ref) {
      // ref->version(): the id named a correction or retraction (issue 15, item 3), not a post.
      if (ref->version() != 0 || ref->thread_id() != req.thread_id() ||
          ref->text_sha256() != text_sha) {
        return AlreadyExists("client_msg_id was already used for another message");
      }
      auto* result = out.response.mutable_post_message();
      result->set_seq(ref->seq());
      result->set_posted_at_ms(ref->posted_at_ms());
      result->set_duplicate(true);
      ctx.audit().event.set_seq_from(ref->seq());  // a resend: nothing new written (count 0)
      ctx.audit().event.set_seq_to(ref->seq());
      return Status::Ok();
    }
    const uint64_t head = thread.last_seq();
    if (req.reply_to_seq() > head ||
        (req.reply_to_seq() != 0 &&
         req.reply_to_seq() <= HiddenThrough(permitted.standing, records::RefOf(thread)))) {
      return NotFound("reply_to_seq names no message of the thread visible to you");
    }
    // Attachments (issue 15, item 2): the sender's own uploads to this thread.
    KRING_ASSIGN_OR_RETURN(std::vector<v1::Attachment> attachments,
                           AttachmentsForMessage(txn, req.attachment_ids(), req.network_id(),
                                                 req.thread_id(), actor.account_id));
    const int64_t now = ctx.service().clock.NowMs();
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
    for (v1::Attachment& attachment : attachments) {
      if (attachment.message_seq() == 0) {
        attachment.set_message_seq(message.seq());
        records::UpdateAttachment(txn, attachment);
      }
      *message.add_attachments() = std::move(attachment);
    }
    message.set_version(1);
    std::string message_bytes = records::AppendMessage(txn, message, text_sha);

    auto* result = out.response.mutable_post_message();
    result->set_seq(message.seq());
    result->set_posted_at_ms(now);
    ctx.audit().event.set_seq_from(message.seq());
    ctx.audit().event.set_seq_to(message.seq());
    ctx.audit().event.set_count(1);
    out.effects.push_back([&ctx, thread_id = req.thread_id(), seq = message.seq(),
                           frame = MessagePostedFrame(message_bytes)] {
      ServiceImpl& service = ctx.service();
      for (auto& lagging : service.hub.PublishMessage(thread_id, seq, frame)) {
        service.PostCatchUp(lagging);
      }
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status FetchHistory(RequestContext& ctx, const v1::FetchHistoryRequest& req) {
  ctx.ReadInNetwork(
      req.network_id(), Operation::kReadHistory, ThreadRef{req.thread_id()},
      [&ctx, req](const storage::ReadView& view, const Permitted& permitted,
                  v1::AuditEvent& record) -> StatusOr<v1::Response> {
        // The page always comes from the store: a transaction's scan would read the whole thread.
        const storage::Store& store = ctx.service().store;
        const v1::Thread& thread = permitted.thread;
        // Hidden history is skipped, and said so: never silently.
        const uint64_t hidden = HiddenThrough(permitted.standing, records::RefOf(thread));
        const uint64_t after_seq = std::max(req.after_seq(), hidden);
        uint32_t limit = req.limit() == 0 ? kDefaultHistoryPage : req.limit();
        limit = std::min(limit, ctx.service().options.max_history_page);
        v1::Response response;
        auto* result = response.mutable_fetch_history();
        result->set_last_seq(thread.last_seq());
        result->set_hidden_through_seq(hidden);
        KRING_ASSIGN_OR_RETURN(uint64_t last_change,
                               records::ThreadChangeHead(view, req.thread_id()));
        result->set_last_change(last_change);
        if (after_seq < thread.last_seq()) {
          bool corrupt = false;
          KRING_RETURN_IF_ERROR(records::HistoryPage(
              store, req.thread_id(), after_seq, limit, [&](uint64_t, std::string_view value) {
                corrupt = !result->add_messages()->ParseFromArray(value.data(),
                                                                  static_cast<int>(value.size()));
                return !corrupt;
              }));
          if (corrupt) return Internal("corrupt message record");
          // Built again on the writer (ReadInNetwork): the store may not have a correction or
          // retraction of this very group yet, which the transaction has (issue 15, item 3).
          if (&view != &store && last_change > 0) {
            for (v1::Message& m : *result->mutable_messages()) {
              KRING_ASSIGN_OR_RETURN(auto now, records::GetMessage(view, req.thread_id(), m.seq()));
              if (now) m = std::move(*now);
            }
          }
        }
        // Which messages were disclosed: the range and how many.
        if (result->messages_size() > 0) {
          record.set_seq_from(result->messages(0).seq());
          record.set_seq_to(result->messages(result->messages_size() - 1).seq());
        }
        record.set_count(result->messages_size());
        return response;
      });
  return Status::Ok();
}

Status Subscribe(RequestContext& ctx, const v1::SubscribeRequest& req) {
  // Read here, off the writer: the threads named (a thread's network and team-only flag never
  // change; its last_seq is at least what the app could know when it sent the request). Its
  // sensitivity can change: the writer reads that again.
  Status shape = CheckCursors(req);
  auto named = std::make_shared<std::vector<StatusOr<v1::Thread>>>();
  if (shape.ok()) {
    for (const v1::ThreadCursor& cursor : req.threads()) {
      named->push_back(
          records::GetThreadIn(ctx.service().store, req.network_id(), cursor.thread_id()));
    }
  }
  // Decided on the writer, in order with the changes of access; the subscriptions start there,
  // once the records are durable and before the answer, so a withdrawal committed later finds
  // them in the hub and one committed earlier refuses them here.
  ctx.Write([req, shape, named](RequestContext& ctx, storage::Transaction& txn,
                                WriteOutcome& out) -> Status {
    AccessCache& cache = ctx.service().access_cache;
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit(), &cache));
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           ctx.StandingOf(txn, req.network_id(), actor.account_id, &cache));
    NoteStanding(ctx.audit().event, req.network_id(), standing);
    KRING_RETURN_IF_ERROR(AuthorizeNetworkAccess(actor, Operation::kReceiveLive, standing));
    KRING_RETURN_IF_ERROR(shape);  // fields are checked once the caller is allowed
    // One record per thread started: "live.started" with the first seq it delivers;
    // "live.ended" follows when the subscription stops, with the last seq it delivered. The
    // threads refused share one record (with their count), so a frame adds a bounded number.
    struct Start {
      uint64_t thread_id;
      uint64_t after_seq;
      v1::AuditEvent ended_record;
    };
    std::vector<Start> starts;
    Status first_refusal;
    v1::AuditEvent refused = ctx.audit().event;
    uint64_t refused_count = 0;
    auto* result = out.response.mutable_subscribe();
    for (int i = 0; i < req.threads_size(); ++i) {
      const v1::ThreadCursor& cursor = req.threads(i);
      const StatusOr<v1::Thread>& thread = (*named)[i];
      v1::ThreadSubscription* state = result->add_threads();
      state->set_thread_id(cursor.thread_id());
      // Decided before the thread is looked at, so that its existence is no answer to people
      // without access; then again with what the thread is.
      Status status = Authorize(actor, Operation::kReceiveLive, standing, {cursor.thread_id()});
      if (status.ok()) status = thread.status();
      ThreadRef ref;
      if (status.ok()) {
        // Sensitivity as the writer knows it now, not as read above.
        auto now = records::GetThread(txn, cursor.thread_id());
        status = now.status();
        if (status.ok() && !*now) status = Internal("a thread record vanished");
        if (status.ok()) {
          ref = records::RefOf(**now);
          status = Authorize(actor, Operation::kReceiveLive, standing, ref);
        }
      }
      if (status.ok() && cursor.after_seq() > thread->last_seq()) {
        // Sequence numbers come from the server: a cursor past the end is not one of ours.
        status = InvalidArgument("after_seq " + std::to_string(cursor.after_seq()) +
                                 " is past the thread's newest message (" +
                                 std::to_string(thread->last_seq()) + ")");
      }
      if (!status.ok()) {
        *state->mutable_error() = ErrorProto(status);
        if (refused_count++ == 0) {
          first_refusal = status;
          NoteThread(refused, cursor.thread_id(), thread.ok());
        }
        continue;
      }
      const uint64_t hidden = HiddenThrough(standing, ref);
      state->set_last_seq(thread->last_seq());
      state->set_hidden_through_seq(hidden);
      const uint64_t after_seq = std::max(cursor.after_seq(), hidden);
      v1::AuditEvent record = ctx.audit().event;
      NoteThread(record, cursor.thread_id(), true);
      record.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
      record.set_seq_from(after_seq + 1);
      v1::AuditEvent ended_record = record;
      ended_record.set_event_type(std::string(v1::event_type::kLiveEnded));
      ended_record.clear_seq_from();
      ctx.audit().also.push_back(std::move(record));
      starts.push_back({cursor.thread_id(), after_seq, std::move(ended_record)});
    }
    if (refused_count > 0) {
      refused.set_outcome(audit::OutcomeOf(first_refusal));
      refused.set_outcome_detail(first_refusal.detail());
      refused.set_count(refused_count);
      ctx.audit().also.push_back(std::move(refused));
    }
    // The records above say it all; a Subscribe that names no thread keeps its own.
    if (!ctx.audit().also.empty()) ctx.audit().event.set_event_type("");
    auto live = std::make_shared<std::vector<std::shared_ptr<Subscription>>>();
    out.effects.push_back([&ctx, network_id = req.network_id(), until = AccessEndsMs(standing),
                           starts = std::move(starts), live] {
      ServiceImpl& service = ctx.service();
      for (const Start& start : starts) {
        Subscription::Access access{
            until, AccessEndedFrame(network_id, {start.thread_id}, "your consent ended"),
            [service = &service, record = start.ended_record](uint64_t first, uint64_t last) {
              RecordLiveEnded(*service, record, first, last);
            }};
        auto sub = service.hub.Subscribe(ctx.connection_ptr(), network_id, start.thread_id,
                                         start.after_seq, access);
        if (sub) {
          live->push_back(std::move(sub));
        } else {  // the connection is gone: it delivered nothing
          access.on_end(start.after_seq + 1, start.after_seq);
        }
      }
    });
    // Catching up reads the store: on the read pool, not on the writer that sends the reply.
    out.after_reply.push_back([&ctx, live] {
      for (const auto& sub : *live) ctx.service().PostCatchUp(sub);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status Unsubscribe(RequestContext& ctx, const v1::UnsubscribeRequest& req) {
  // Through the writer like Subscribe, so that it cannot overtake an earlier Subscribe of this
  // connection that is still being decided there. Its record names the network, not the
  // client: stopping discloses nothing, and each subscription's end is recorded as live.ended.
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_RETURN_IF_ERROR(
        ctx.Authenticate(txn, &ctx.audit(), &ctx.service().access_cache).status());
    ctx.audit().event.set_network_id(req.network_id());
    out.response.mutable_unsubscribe();
    out.effects.push_back([&ctx, req] {
      Hub& hub = ctx.service().hub;
      ConnectionImpl* connection = &ctx.connection();
      if (req.thread_ids().empty()) {
        hub.Unsubscribe(connection, req.network_id(), 0);
        return;
      }
      for (uint64_t thread_id : req.thread_ids()) {
        if (thread_id != 0) hub.Unsubscribe(connection, req.network_id(), thread_id);
      }
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status MarkRead(RequestContext& ctx, const v1::MarkReadRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(), Operation::kMarkRead, ThreadRef{req.thread_id()},
                   &ctx.audit(), &ctx.service().access_cache));
    ctx.audit().event.set_seq_to(req.seq());
    const Actor& actor = permitted.actor;
    const v1::Thread& thread = permitted.thread;
    if (req.seq() > thread.last_seq()) {
      return InvalidArgument("seq is past the newest message of the thread");
    }
    KRING_ASSIGN_OR_RETURN(auto marker,
                           records::GetReadMarker(txn, req.thread_id(), actor.account_id));
    if (marker && marker->seq() >= req.seq()) {
      *out.response.mutable_mark_read()->mutable_marker() = *marker;  // markers never go back
      return Status::Ok();
    }
    v1::ReadMarker updated;
    updated.set_thread_id(req.thread_id());
    updated.set_account_id(actor.account_id);
    updated.set_handle(actor.handle);
    updated.set_seq(req.seq());
    updated.set_updated_at_ms(ctx.service().clock.NowMs());
    records::PutReadMarker(txn, updated);
    *out.response.mutable_mark_read()->mutable_marker() = updated;
    out.effects.push_back([&ctx, network_id = req.network_id(), updated] {
      // Only to those who follow the thread: a marker tells of activity in it.
      ctx.service().hub.PublishToThread(network_id, updated.thread_id(), {},
                                        ReadMarkerUpdatedFrame(network_id, updated));
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ListReadMarkers(RequestContext& ctx, const v1::ListReadMarkersRequest& req) {
  ctx.ReadInNetwork(
      req.network_id(), Operation::kListReadMarkers, ThreadRef{req.thread_id()},
      [req](const storage::ReadView& view, const Permitted& permitted,
            v1::AuditEvent& record) -> StatusOr<v1::Response> {
        v1::Response response;
        auto* result = response.mutable_list_read_markers();
        KRING_ASSIGN_OR_RETURN(std::vector<v1::ReadMarker> markers,
                               records::ReadMarkersOf(view, req.thread_id()));
        // Only markers of people who may read the thread now: not of those whose
        // access ended, nor of those it was made sensitive for.
        KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, req.network_id()));
        if (!network) return Internal("store read failed");
        KRING_ASSIGN_OR_RETURN(auto principals, records::Principals(view, *network));
        KRING_ASSIGN_OR_RETURN(auto consents, records::CurrentConsents(view, req.network_id()));
        std::vector<uint64_t> readers =
            Participants(permitted.thread, principals, consents, permitted.standing.now_ms);
        for (v1::ReadMarker& marker : markers) {
          if (std::find(readers.begin(), readers.end(), marker.account_id()) != readers.end()) {
            *result->add_markers() = std::move(marker);
          }
        }
        record.set_count(result->markers_size());
        return response;
      });
  return Status::Ok();
}

}  // namespace kring::service
