// Reads of network content, decided on the writer in order with the changes.
//
// The writer authorizes a read again in the op that stages its record, with its AccessCache
// (cleared by every change of access), and the answer is sent from there, in commit order: a
// withdrawal the writer applied before the read is always seen, and a member who pipelines
// FetchHistory behind it gets nothing after his AccessEnded. Building the answer (the message
// page, the lists) stays off the writer: it is done beforehand against the store, and given only
// if the standing it was built under is the one the writer finds. The content itself may be
// older than the writer's instant (messages never change; a list may miss what was added
// meanwhile), but never more than that standing allows. Lists whose answer depends on other
// people's access and on the threads' sensitivity (every read but a history page, which Permit
// checks against the thread as the writer knows it) are given only if the network's access epoch
// is the same too (records::AccessEpoch).
#include <memory>

#include "server/service/connection_impl.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

Frame ResponseFrame(uint64_t request_id, v1::Response response) {
  v1::ServerFrame frame;
  response.set_request_id(request_id);
  *frame.mutable_response() = std::move(response);
  return std::make_shared<const std::string>(frame.SerializeAsString());
}

}  // namespace

void RequestContext::ReadInNetwork(uint64_t network_id, Operation op, ThreadRef thread,
                                   BuildRead build) {
  // Built here, under the standing seen now. Refusals are not answered here: the writer decides
  // and records them.
  struct Built {
    Standing standing;
    uint64_t epoch = 0;     // the network's access epoch, read before anything else
    uint64_t changes = 0;   // the thread's change number (corrections), read before too
    Frame frame;            // serialized here, not on the writer
    v1::AuditEvent record;  // what the answer discloses
  };
  const bool needs_epoch = op != Operation::kReadHistory;
  std::shared_ptr<const Built> built;
  StatusOr<uint64_t> epoch =
      needs_epoch ? records::AccessEpoch(service_.store, network_id) : StatusOr<uint64_t>(0);
  // Messages change (issue 15, item 3): an answer about a thread is given only if no correction
  // or retraction of it came in between, so that a retracted text is never served after the
  // retraction's answer.
  StatusOr<uint64_t> changes =
      thread.id != 0 ? records::ThreadChangeHead(service_.store, thread.id) : StatusOr<uint64_t>(0);
  if (auto permitted = Permit(service_.store, network_id, op, thread);
      epoch.ok() && changes.ok() && permitted.ok()) {
    v1::AuditEvent record;
    if (auto response = build(service_.store, *permitted, record); response.ok()) {
      built = std::make_shared<const Built>(Built{permitted->standing, *epoch, *changes,
                                                  ResponseFrame(request_id_, std::move(*response)),
                                                  std::move(record)});
    }
  }
  Write([network_id, op, thread, needs_epoch, build = std::move(build), built = std::move(built)](
            RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, network_id, op, thread, &ctx.audit(), &ctx.service().access_cache));
    bool same = built && SameStanding(built->standing, permitted.standing);
    if (same && needs_epoch) {
      KRING_ASSIGN_OR_RETURN(uint64_t now, records::AccessEpoch(txn, network_id));
      same = now == built->epoch;
    }
    if (same && thread.id != 0) {
      KRING_ASSIGN_OR_RETURN(uint64_t now, records::ThreadChangeHead(txn, thread.id));
      same = now == built->changes;
    }
    if (same) {
      out.frame = built->frame;
      ctx.audit().event.MergeFrom(built->record);
      return Status::Ok();
    }
    // The standing changed since (rarely): built again, under the writer's. The builds
    // scan only small ranges through the transaction; message pages come from the store.
    KRING_ASSIGN_OR_RETURN(out.response, build(txn, permitted, ctx.audit().event));
    return Status::Ok();
  });
}

void RequestContext::ReadAcrossNetworks(BuildAccountRead build) {
  struct Built {
    Basis basis;
    Frame frame;
    v1::AuditEvent record;
  };
  std::shared_ptr<const Built> built;
  if (auto actor = Authenticate(service_.store); actor.ok()) {
    Basis basis;
    v1::AuditEvent record;
    if (auto response = build(service_.store, nullptr, *actor, basis, record); response.ok()) {
      built = std::make_shared<const Built>(Built{
          std::move(basis), ResponseFrame(request_id_, std::move(*response)), std::move(record)});
    }
  }
  Write([build = std::move(build), built = std::move(built)](
            RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    AccessCache& cache = ctx.service().access_cache;
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit(), &cache));
    bool same = built != nullptr;
    for (size_t i = 0; same && i < built->basis.size(); ++i) {
      const auto& [network_id, standing] = built->basis[i];
      KRING_ASSIGN_OR_RETURN(Standing now,
                             ctx.StandingOf(txn, network_id, actor.account_id, &cache));
      same = SameStanding(standing, now);
    }
    if (same) {
      out.frame = built->frame;
      ctx.audit().event.MergeFrom(built->record);
      return Status::Ok();
    }
    Basis basis;
    KRING_ASSIGN_OR_RETURN(out.response, build(txn, &cache, actor, basis, ctx.audit().event));
    return Status::Ok();
  });
}

}  // namespace kring::service
