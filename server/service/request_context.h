// One request in flight, as its action (actions.h) sees it: which request, the access-log record
// being drafted, who asks and what they may do at this instant, and the ways to answer.
//
// The dispatcher (ConnectionImpl::Dispatch) makes one context per request, with the record
// opened from the request's row. Every way to answer stages that record with the outcome (in
// the same batch as the request's writes), so each request leaves exactly one record of its
// own, whatever the exit:
//   - an action that returns an error is answered with it by the dispatcher;
//   - an action that returns OK has called one of the ways to answer, or keeps the context
//     (self()) for work elsewhere (the password pool) that answers later;
//   - a context dropped unanswered answers INTERNAL, recorded, as it goes.
// The one exception is flood control (AnswerUnrecorded).
//
// Changes run on the Writer (Write). Reads of network content are decided there too, in order
// with the changes (ReadInNetwork, ReadAcrossNetworks): the answer is built on the calling (io)
// thread and given only if the standing it was built under is the one the writer finds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"
#include "server/core/status.h"
#include "server/service/access_cache.h"
#include "server/service/audit_draft.h"
#include "server/service/hub.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service {

class ConnectionImpl;
class ServiceImpl;

// What a write produces besides its staged mutations. `effects` run after the write is durable
// and before the response goes out (so "when the response arrives" guarantees hold);
// `after_reply` after it.
struct WriteOutcome {
  v1::Response response;
  Frame frame;  // if set, sent instead of `response`: a whole ServerFrame, request_id included
  std::vector<std::function<void()>> effects;
  std::vector<std::function<void()>> after_reply;
};

// An actor allowed an operation in a network, and what that was decided on.
struct Permitted {
  Actor actor;
  Standing standing;
  v1::Thread thread;  // when the operation names a thread
};

class RequestContext : public std::enable_shared_from_this<RequestContext> {
 public:
  RequestContext(std::shared_ptr<ConnectionImpl> connection, v1::ClientFrame::RequestCase request,
                 uint64_t request_id, AuditDraft audit);
  ~RequestContext();
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  uint64_t request_id() const { return request_id_; }
  v1::ClientFrame::RequestCase request() const { return request_; }
  ServiceImpl& service() const { return service_; }
  // The connection the request came on: its session (for the account actions) and its
  // subscriptions (for Subscribe).
  ConnectionImpl& connection() const { return *connection_; }
  const std::shared_ptr<ConnectionImpl>& connection_ptr() const { return connection_; }
  // The request's record. Touched by one thread at a time: the io thread until the request is
  // handed to the writer or a pool, then that one.
  AuditDraft& audit() { return audit_; }
  // For work that answers later, elsewhere: keeps the context (and its record) alive.
  std::shared_ptr<RequestContext> self() { return shared_from_this(); }

  // --- Who asks, and what they may do, at this instant ---

  // The actor behind the connection, if its session is valid in `view` right now and may make
  // this request at all (AuthorizeRequest: FAILED_PRECONDITION while its password is one-time);
  // fills in the actor in `audit`. With `cache` (only the writer's, with `view` its transaction)
  // the session and account come from it when it has them; the expiry is checked at this instant
  // either way.
  StatusOr<Actor> Authenticate(const storage::ReadView& view, AuditDraft* audit = nullptr,
                               AccessCache* cache = nullptr) const;
  // The account's standing in the network at this instant; `cache` as for Authenticate.
  StatusOr<Standing> StandingOf(const storage::ReadView& view, uint64_t network_id,
                                uint64_t account_id, AccessCache* cache = nullptr) const;
  // Authenticate + Authorize for a network-scoped operation, at this instant. With thread.id,
  // the thread must exist in the network (NOT_FOUND otherwise, told only to people with access);
  // for kCreateThread, `thread` describes the new thread.
  // Fills in `audit`: actor, role, network, client, thread, the consent relied on, and a
  // consent.expired record when the refusal is the first sight of an ended consent.
  // `cache` as for Authenticate.
  StatusOr<Permitted> Permit(const storage::ReadView& view, uint64_t network_id, Operation op,
                             const ThreadRef& thread = {}, AuditDraft* audit = nullptr,
                             AccessCache* cache = nullptr) const;

  // --- Ways to answer: one per request ---

  // Applies `apply` on the writer and stages the record with the request's writes (or alone,
  // with the failure, when `apply` fails or the batch cannot be written); answers once durable.
  using WriteFn =
      std::function<Status(RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out)>;
  void Write(WriteFn apply);

  // Builds the answer of a read of one network: from `view` under `permitted`, noting on
  // `record` what it disclosed (count, seq range). Must only read.
  using BuildRead = std::function<StatusOr<v1::Response>(
      const storage::ReadView& view, const Permitted& permitted, v1::AuditEvent& record)>;
  // A read of network content, decided in order with the writes (reads.cc): `build` runs here
  // against the store, under the standing Permit finds now; the writer then authorizes the
  // request again (Permit with its AccessCache) in the op that stages its record, and answers
  // with what was built if the standing is the same (SameStanding), else builds it there. So no
  // answer is decided before a change the writer applied earlier: after a withdrawal's
  // AccessEnded went out, no read of that person answers with content of the network.
  void ReadInNetwork(uint64_t network_id, Operation op, ThreadRef thread, BuildRead build);

  // The standings, per network, that an answer across the actor's networks was built under.
  using Basis = std::vector<std::pair<uint64_t, Standing>>;
  // Builds the answer of a read across the actor's networks from `view` (with `cache` on the
  // writer), noting in `basis` every standing it looked at.
  using BuildAccountRead = std::function<StatusOr<v1::Response>(
      const storage::ReadView& view, AccessCache* cache, const Actor& actor, Basis& basis,
      v1::AuditEvent& record)>;
  // As ReadInNetwork, for ListNetworks and ListInvitations: the answer built here is given if
  // every standing of its basis is the same on the writer, else built there.
  void ReadAcrossNetworks(BuildAccountRead build);

  // Records the request with the outcome of `result`, then answers with it: nothing is
  // disclosed before its record is durable (a failed record write answers INTERNAL instead).
  // `after_reply` runs once the response is out.
  void Answer(StatusOr<v1::Response> result, std::function<void()> after_reply = nullptr);

  // Flood control only: answers `refusal` without a record, for attempts refused before any
  // work (a throttled login), so that a flood of them cannot fill the log (docs/audit.md).
  void AnswerUnrecorded(const Status& refusal);

  bool answered() const { return answered_; }

 private:
  // Every way to answer goes through here once.
  void MarkAnswered();

  const std::shared_ptr<ConnectionImpl> connection_;
  ServiceImpl& service_;
  const v1::ClientFrame::RequestCase request_;
  const uint64_t request_id_;
  AuditDraft audit_;
  bool answered_ = false;
};

}  // namespace kring::service
