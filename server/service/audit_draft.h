// The access-log record of one request (audit.h), drafted while the request runs and staged
// once with its outcome. The dispatcher opens it from the request's row (actions.h); the
// request's context (request_context.h) stages it on every way the request can end.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"
#include "server/core/status.h"
#include "server/storage/transaction.h"

namespace kring::service {

class ServiceImpl;

struct AuditDraft {
  v1::AuditEvent event;  // gets the request's outcome; none when event_type is empty
  // Staged whatever the outcome, each with the outcome it carries (per-thread subscriptions).
  std::vector<v1::AuditEvent> also = {};
  // A consent found past its end: recorded the first time it is observed, once per record.
  std::optional<v1::AuditEvent> consent_expired = std::nullopt;
};

// Notes in `e` the network, its client and the actor's role and consent there.
void NoteStanding(v1::AuditEvent& e, uint64_t network_id, const Standing& standing);
// Names the thread a request asked for on its record: as thread_id once it is known to be a
// thread of the record's network, else only as requested_thread_id, which no view resolves
// (another network's thread title is not for this network's access log).
void NoteThread(v1::AuditEvent& e, uint64_t thread_id, bool in_network);

// Stages the records of `draft`, its event with `outcome`. Used on every way a request ends and
// for records of no request (the end of a live subscription, a console action).
Status StageAudit(ServiceImpl& service, storage::Transaction& txn, const AuditDraft& draft,
                  const Status& outcome);

}  // namespace kring::service
