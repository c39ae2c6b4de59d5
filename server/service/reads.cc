// Reads of network content, decided on the writer in order with the changes (ReadInNetwork).
//
// A read used to be authorized on its connection's thread and answered once its record had
// passed the writer; a withdrawal the writer applied in between was not seen, and a member who
// pipelined FetchHistory got messages after his AccessEnded (issue 11). Now the writer decides:
// it authorizes the read again in the op that stages its record, with its AccessCache (cleared
// by every change of access), and the answer is sent from there, in commit order. Building the
// answer (the message page, the lists) stays off the writer: it is done beforehand against the
// store, and given only if the standing it was built under is the one the writer finds. The
// content itself may be older than the writer's instant (messages never change; a list may miss
// what was added meanwhile), but never more than that standing allows.
#include <memory>

#include "server/service/connection_impl.h"

namespace kring::service {

namespace {

Frame ResponseFrame(uint64_t request_id, v1::Response response) {
  v1::ServerFrame frame;
  response.set_request_id(request_id);
  *frame.mutable_response() = std::move(response);
  return std::make_shared<const std::string>(frame.SerializeAsString());
}

}  // namespace

void ConnectionImpl::ReadInNetwork(uint64_t request_id, AuditDraft audit, uint64_t network_id,
                                   Operation op, ThreadRef thread, BuildRead build) {
  // Built here, under the standing seen now. Refusals are not answered here: the writer decides
  // and records them.
  struct Built {
    Standing standing;
    Frame frame;            // serialized here, not on the writer
    v1::AuditEvent record;  // what the answer discloses
  };
  std::shared_ptr<const Built> built;
  if (auto permitted = Permit(service_.store, network_id, op, thread); permitted.ok()) {
    v1::AuditEvent record;
    if (auto response = build(service_.store, *permitted, record); response.ok()) {
      built = std::make_shared<const Built>(Built{
          permitted->standing, ResponseFrame(request_id, std::move(*response)), std::move(record)});
    }
  }
  Write(request_id, std::move(audit),
        [self = shared_from_this(), network_id, op, thread, build = std::move(build),
         built = std::move(built)](storage::Transaction& txn, WriteOutcome& out) -> Status {
          KRING_ASSIGN_OR_RETURN(
              Permitted permitted,
              self->Permit(txn, network_id, op, thread, &out.audit, &self->service_.access_cache));
          if (built && SameStanding(built->standing, permitted.standing)) {
            out.frame = built->frame;
            out.audit.event.MergeFrom(built->record);
            return Status::Ok();
          }
          // The standing changed since (rarely): built again, under the writer's. The builds
          // scan only small ranges through the transaction; message pages come from the store.
          KRING_ASSIGN_OR_RETURN(out.response, build(txn, permitted, out.audit.event));
          return Status::Ok();
        });
}

void ConnectionImpl::ReadAcrossNetworks(uint64_t request_id, AuditDraft audit,
                                        BuildAccountRead build) {
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
          std::move(basis), ResponseFrame(request_id, std::move(*response)), std::move(record)});
    }
  }
  Write(request_id, std::move(audit),
        [self = shared_from_this(), build = std::move(build), built = std::move(built)](
            storage::Transaction& txn, WriteOutcome& out) -> Status {
          AccessCache& cache = self->service_.access_cache;
          KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit, &cache));
          bool same = built != nullptr;
          for (size_t i = 0; same && i < built->basis.size(); ++i) {
            const auto& [network_id, standing] = built->basis[i];
            KRING_ASSIGN_OR_RETURN(Standing now,
                                   self->StandingOf(txn, network_id, actor.account_id, &cache));
            same = SameStanding(standing, now);
          }
          if (same) {
            out.frame = built->frame;
            out.audit.event.MergeFrom(built->record);
            return Status::Ok();
          }
          Basis basis;
          KRING_ASSIGN_OR_RETURN(out.response, build(txn, &cache, actor, basis, out.audit.event));
          return Status::Ok();
        });
}

}  // namespace kring::service
