// Corrections and retractions of messages (issue 15, item 3; docs/protocol.md, "Corrections and
// retractions"): the author replaces a message's text or retracts it, in one write with its
// access-log record; those who may read the message at that moment are told live; anyone who
// may read it later finds the change with FetchMessageChanges.
#include "server/service/correction_actions.h"

#include <algorithm>
#include <optional>
#include <string>

#include "server/core/correction.h"
#include "server/core/crypto.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr size_t kMaxClientMsgIdBytes = 64;
constexpr uint32_t kDefaultChangesPage = 100;

// What a correction or a retraction asks for.
struct ChangeRequest {
  uint64_t network_id = 0;
  uint64_t thread_id = 0;
  uint64_t seq = 0;
  std::string client_msg_id;
  std::optional<std::string> text;  // none: a retraction
};

// As PostMessage checks its fields (message_actions.cc).
Status ValidateChange(const ChangeRequest& req, size_t max_bytes) {
  if (req.client_msg_id.empty() || req.client_msg_id.size() > kMaxClientMsgIdBytes) {
    return InvalidArgument("client_msg_id must be 1 to 64 bytes");
  }
  if (!req.text) return Status::Ok();
  if (req.text->empty()) return InvalidArgument("the text is empty; to take it back, retract");
  if (req.text->size() > max_bytes) {
    return InvalidArgument("the text is " + std::to_string(req.text->size()) +
                           " bytes; the limit is " + std::to_string(max_bytes));
  }
  if (!IsValidUtf8(*req.text)) return InvalidArgument("the text is not valid UTF-8");
  return Status::Ok();
}

// The accounts that may read message `seq` of the thread at this instant: the client and the
// representatives (unless the thread is for the team only), the members and team people whose
// consent covers it, less those from whom the message is hidden (history before their scope).
StatusOr<std::vector<uint64_t>> ReadersOf(const storage::ReadView& view, uint64_t network_id,
                                          const v1::Thread& thread, uint64_t seq, int64_t now) {
  KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
  if (!network) return Internal("a thread's network has no record");
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> candidates, records::Principals(view, *network));
  KRING_ASSIGN_OR_RETURN(auto consents, records::CurrentConsents(view, network_id));
  for (const v1::Consent& c : consents) {
    if (c.grantee_id() == 0) continue;
    if (!c.grantee_is_team()) {
      candidates.push_back(c.grantee_id());
      continue;
    }
    KRING_ASSIGN_OR_RETURN(auto people, records::PeopleThroughTeam(view, *network, c.grantee_id()));
    for (const v1::TeamPerson& person : people) candidates.push_back(person.account_id());
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const ThreadRef ref = records::RefOf(thread);
  std::vector<uint64_t> readers;
  for (uint64_t id : candidates) {
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, id));
    if (!account || account->account().disabled()) continue;
    KRING_ASSIGN_OR_RETURN(Standing standing, records::GetStanding(view, network_id, id, now));
    const Actor actor{id, account->account().kind()};
    if (Authorize(actor, Operation::kReadHistory, standing, ref).ok() &&
        seq > HiddenThrough(standing, ref)) {
      readers.push_back(id);
    }
  }
  return readers;
}

// A correction (req.text set) or a retraction: one write, or nothing written.
void ChangeMessage(RequestContext& ctx, ChangeRequest req) {
  ctx.Write([req = std::move(req)](RequestContext& ctx, storage::Transaction& txn,
                                   WriteOutcome& out) -> Status {
    ServiceImpl& service = ctx.service();
    // The author must still be allowed to post there: a withdrawn consent refuses it here.
    KRING_ASSIGN_OR_RETURN(Permitted permitted, ctx.Permit(txn, req.network_id, Operation::kPost,
                                                           ThreadRef{req.thread_id}, &ctx.audit(),
                                                           &service.access_cache));
    ctx.audit().event.set_seq_from(req.seq);
    ctx.audit().event.set_seq_to(req.seq);
    KRING_RETURN_IF_ERROR(ValidateChange(req, service.options.max_message_bytes));
    const Actor& actor = permitted.actor;
    const v1::Thread& thread = permitted.thread;
    const bool retraction = !req.text.has_value();
    const std::string text_sha = Sha256(retraction ? std::string() : *req.text);
    auto answer = [&out, retraction](const v1::Message& message, bool duplicate) {
      if (retraction) {
        *out.response.mutable_retract_message()->mutable_message() = message;
        out.response.mutable_retract_message()->set_duplicate(duplicate);
      } else {
        *out.response.mutable_correct_message()->mutable_message() = message;
        out.response.mutable_correct_message()->set_duplicate(duplicate);
      }
    };
    const ThreadRef ref = records::RefOf(thread);
    if (req.seq == 0 || req.seq > thread.last_seq() ||
        req.seq <= HiddenThrough(permitted.standing, ref)) {
      return NotFound("no message " + std::to_string(req.seq) + " in this thread visible to you");
    }
    KRING_ASSIGN_OR_RETURN(auto current, records::GetMessage(txn, req.thread_id, req.seq));
    if (!current) return Internal("a message below the thread's head has no record");
    KRING_ASSIGN_OR_RETURN(auto used,
                           records::GetPostedRef(txn, actor.account_id, req.client_msg_id));
    if (used) {
      // A resend of this very change answers as the change did; anything else is a reuse.
      if (used->version() == 0 || used->thread_id() != req.thread_id || used->seq() != req.seq ||
          used->retraction() != retraction || used->text_sha256() != text_sha) {
        return AlreadyExists("client_msg_id was already used for another message or change");
      }
      answer(*current, /*duplicate=*/true);  // nothing new written (count 0)
      return Status::Ok();
    }
    KRING_RETURN_IF_ERROR(CheckMessageChange(actor.account_id, *current));
    const int64_t now = service.clock.NowMs();
    KRING_ASSIGN_OR_RETURN(uint64_t head, records::ThreadChangeHead(txn, req.thread_id));
    v1::Message was = *current;
    was.set_version(VersionOf(*current));
    const v1::Message next = retraction ? RetractedMessage(*current, now, head + 1)
                                        : CorrectedMessage(*current, *req.text, now, head + 1);
    store::MessageChange change;
    change.set_seq(req.seq);
    change.set_version(next.version());
    change.set_changed_at_ms(now);
    change.set_retraction(retraction);
    change.set_changed_by(actor.account_id);
    records::ChangeMessage(txn, was, next, change, req.client_msg_id, text_sha);
    ctx.audit().event.set_count(1);
    answer(next, /*duplicate=*/false);
    // Who is told is decided here, in commit order with the changes of access: a member whose
    // consent was withdrawn before this write is not among them.
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> readers,
                           ReadersOf(txn, req.network_id, thread, req.seq, now));
    out.effects.push_back([&ctx, network_id = req.network_id, thread_id = req.thread_id,
                           readers = std::move(readers), frame = MessageChangedFrame(next)] {
      ctx.service().hub.PublishToThreadReaders(network_id, thread_id, readers, frame);
    });
    return Status::Ok();
  });
}

// Notes on the record which messages an answer disclosed.
void NoteDisclosed(v1::AuditEvent& record,
                   const google::protobuf::RepeatedPtrField<v1::Message>& messages) {
  uint64_t low = 0, high = 0;
  for (const v1::Message& m : messages) {
    low = low == 0 ? m.seq() : std::min(low, m.seq());
    high = std::max(high, m.seq());
  }
  if (!messages.empty()) {
    record.set_seq_from(low);
    record.set_seq_to(high);
  }
  record.set_count(messages.size());
}

}  // namespace

Status CorrectMessage(RequestContext& ctx, const v1::CorrectMessageRequest& req) {
  ChangeMessage(ctx,
                {req.network_id(), req.thread_id(), req.seq(), req.client_msg_id(), req.text()});
  return Status::Ok();
}

Status RetractMessage(RequestContext& ctx, const v1::RetractMessageRequest& req) {
  ChangeMessage(ctx,
                {req.network_id(), req.thread_id(), req.seq(), req.client_msg_id(), std::nullopt});
  return Status::Ok();
}

Status ListMessageVersions(RequestContext& ctx, const v1::ListMessageVersionsRequest& req) {
  ctx.ReadInNetwork(req.network_id(), Operation::kReadHistory, ThreadRef{req.thread_id()},
                    [req](const storage::ReadView& view, const Permitted& permitted,
                          v1::AuditEvent& record) -> StatusOr<v1::Response> {
                      record.set_seq_from(req.seq());
                      record.set_seq_to(req.seq());
                      const v1::Thread& thread = permitted.thread;
                      if (req.seq() == 0 || req.seq() > thread.last_seq() ||
                          req.seq() <= HiddenThrough(permitted.standing, records::RefOf(thread))) {
                        return NotFound("no message " + std::to_string(req.seq()) +
                                        " in this thread visible to you");
                      }
                      KRING_ASSIGN_OR_RETURN(auto current,
                                             records::GetMessage(view, req.thread_id(), req.seq()));
                      if (!current)
                        return Internal("a message below the thread's head has no record");
                      // Kept for the client's data rights, never shown again: to the author
                      // neither.
                      if (current->retracted()) {
                        return FailedPrecondition(
                            "the message was retracted by its author: its versions are "
                            "no longer shown");
                      }
                      v1::Response response;
                      auto* result = response.mutable_list_message_versions();
                      KRING_ASSIGN_OR_RETURN(
                          auto earlier, records::EarlierVersions(view, req.thread_id(), req.seq()));
                      for (v1::Message& m : earlier) *result->add_versions() = std::move(m);
                      *result->add_versions() = std::move(*current);
                      record.set_count(result->versions_size());
                      return response;
                    });
  return Status::Ok();
}

Status FetchMessageChanges(RequestContext& ctx, const v1::FetchMessageChangesRequest& req) {
  ctx.ReadInNetwork(
      req.network_id(), Operation::kReadHistory, ThreadRef{req.thread_id()},
      [&ctx, req](const storage::ReadView& view, const Permitted& permitted,
                  v1::AuditEvent& record) -> StatusOr<v1::Response> {
        const uint64_t hidden = HiddenThrough(permitted.standing, records::RefOf(permitted.thread));
        KRING_ASSIGN_OR_RETURN(uint64_t last, records::ThreadChangeHead(view, req.thread_id()));
        if (req.after_change() > last) {
          // Change numbers come from the server: a cursor past the end is not one of ours.
          return InvalidArgument("after_change " + std::to_string(req.after_change()) +
                                 " is past the thread's newest change (" + std::to_string(last) +
                                 ")");
        }
        uint32_t limit = req.limit() == 0 ? kDefaultChangesPage : req.limit();
        limit = std::min(limit, ctx.service().options.max_history_page);
        // Each message once, where its newest change of the page falls.
        std::vector<std::pair<uint64_t, uint64_t>> changed;  // (change, seq)
        uint64_t through = req.after_change();
        KRING_RETURN_IF_ERROR(
            records::ChangesAfter(view, req.thread_id(), req.after_change(), limit,
                                  [&](uint64_t change, const store::MessageChange& record) {
                                    through = change;
                                    changed.emplace_back(change, record.seq());
                                    return true;
                                  }));
        std::vector<uint64_t> seqs;
        for (auto it = changed.rbegin(); it != changed.rend(); ++it) {
          if (it->second > hidden &&
              std::find(seqs.begin(), seqs.end(), it->second) == seqs.end()) {
            seqs.push_back(it->second);
          }
        }
        std::reverse(seqs.begin(), seqs.end());
        v1::Response response;
        auto* result = response.mutable_fetch_message_changes();
        for (uint64_t seq : seqs) {
          KRING_ASSIGN_OR_RETURN(auto message, records::GetMessage(view, req.thread_id(), seq));
          if (!message) return Internal("a changed message has no record");
          *result->add_messages() = std::move(*message);
        }
        result->set_through_change(through);
        result->set_last_change(last);
        result->set_hidden_through_seq(hidden);
        NoteDisclosed(record, result->messages());
        return response;
      });
  return Status::Ok();
}

}  // namespace kring::service
