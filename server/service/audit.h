// The access log (NEN 7513): one record per access and per decision, staged in the writer's
// transaction together with the change it describes, so both are durable together or not at
// all. Records form a hash chain: each holds the SHA-256 of the stored bytes of the record
// before it, and the head (seq, hash, time) is kept in kMeta "audit_head". docs/audit.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service::audit {

inline constexpr std::string_view kHeadKey = "audit_head";

// SUCCESS for OK; DENIED for PERMISSION_DENIED and UNAUTHENTICATED; ERROR otherwise.
v1::AuditOutcome OutcomeOf(const Status& status);

// Completes `event` (seq, time_ms, server_id, prev_hash) and stages it with its indexes and the
// new head. time_ms is now_ms, or the previous record's time if that is later, so time never
// decreases along the chain. Returns the record as stored.
StatusOr<v1::AuditEvent> Stage(storage::Transaction& txn, v1::AuditEvent event, int64_t now_ms,
                               std::string_view server_id);

struct Verification {
  bool intact = true;
  uint64_t records = 0;
  uint64_t first_bad_seq = 0;  // the record whose stored bytes no longer match the chain
  std::string problem;
  std::string head_hash;
};
// Walks every record in order, recomputing each link and finally the head.
StatusOr<Verification> VerifyChain(const storage::ReadView& view);

struct Query {
  uint64_t client_id = 0;  // 0: any
  uint64_t actor_id = 0;   // 0: any
  int64_t since_ms = 0;
  int64_t until_ms = 0;    // 0: no end
  v1::AuditAction action = v1::AUDIT_ACTION_UNSPECIFIED;
  v1::AuditOutcome outcome = v1::AUDIT_OUTCOME_UNSPECIFIED;
  std::string event_type;
  uint64_t network_id = 0;  // 0: any
  uint64_t after_seq = 0;
  size_t limit = 100;
};
struct Page {
  std::vector<v1::AuditEvent> events;
  uint64_t next_after_seq = 0;  // 0: nothing more
};
// Records matching `query`, oldest first. Looks at no more than `max_visited` records per call
// (then next_after_seq says where to go on), so one request cannot scan the whole log.
StatusOr<Page> Find(const storage::ReadView& view, const Query& query,
                    size_t max_visited = 20'000);

// Lower-case hex, as hashes are shown to people and signed in checkpoints.
std::string Hex(std::string_view bytes);

// The bytes an audit checkpoint signature covers.
std::string CheckpointMessage(const v1::AuditCheckpoint& checkpoint);

}  // namespace kring::service::audit
