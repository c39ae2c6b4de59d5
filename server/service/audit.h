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

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service::audit {

inline constexpr std::string_view kHeadKey = "audit_head";

// The head of the chain (seq and hash of the newest record; empty before the first).
StatusOr<store::AuditHead> GetHead(const storage::ReadView& view);

// SUCCESS for OK; DENIED for PERMISSION_DENIED and UNAUTHENTICATED; ERROR otherwise.
v1::AuditOutcome OutcomeOf(const Status& status);

// Completes `event` (seq, time_ms, server_id, prev_hash, prev_client_seq, prev_actor_seq) and
// stages it with its indexes and the new head. time_ms is now_ms, or the previous record's time
// if that is later, so time never decreases along the chain. Every text field is made valid
// UTF-8 here (invalid bytes become U+FFFD), whoever filled it, so a stored record always
// parses; valid text is not copied. Returns the record as stored.
StatusOr<v1::AuditEvent> Stage(storage::Transaction& txn, v1::AuditEvent event, int64_t now_ms,
                               std::string_view server_id);

// Parses a record's stored bytes into *out. A record written before Stage made text valid may
// hold invalid UTF-8, which protobuf refuses: it is parsed with U+FFFD in place of the bad bytes
// and *repaired set (its stored bytes, and so the chain, are untouched). False: not a record.
[[nodiscard]] bool ParseRecord(std::string_view bytes, v1::AuditEvent* out, bool* repaired);

// The per-client and per-actor indexes, and where their newest entry is kept.
struct Index {
  storage::Table table;
  std::string_view whose;        // "client", "actor": for problems people read
  std::string_view last_prefix;  // kMeta key prefix; + U64(id) -> U64(newest seq of id)
  uint64_t (v1::AuditEvent::*id)() const;
  uint64_t (v1::AuditEvent::*prev)() const;
  void (v1::AuditEvent::*set_prev)(uint64_t);
};
extern const Index kByClient;
extern const Index kByActor;

struct Verification {
  bool intact = true;
  uint64_t records = 0;        // in the log, all of them (also past a break)
  uint64_t first_bad_seq = 0;  // the first record whose own bytes, links or index entries are wrong
  std::string problem;
  std::string head_hash;
  uint64_t repaired = 0;  // records whose text is not valid UTF-8 (see ParseRecord)
};
// Walks every record in order, recomputing each link and finally the head, and checks that the
// indexes agree with the chain: every record is in the index of its client and its actor, every
// index entry names a record about that client or actor, and the prev_*_seq links and the
// newest-entry keys match the chain. Reads the whole log: blocks for long; never on an io thread.
// Safe while kringd writes: records appended meanwhile are not reported as problems.
StatusOr<Verification> VerifyChain(const storage::ReadView& view);

struct Query {
  uint64_t client_id = 0;  // 0: any
  uint64_t actor_id = 0;   // 0: any
  int64_t since_ms = 0;
  int64_t until_ms = 0;  // 0: no end
  v1::AuditAction action = v1::AUDIT_ACTION_UNSPECIFIED;
  v1::AuditOutcome outcome = v1::AUDIT_OUTCOME_UNSPECIFIED;
  std::string event_type = {};
  uint64_t network_id = 0;  // 0: any
  uint64_t after_seq = 0;
  size_t limit = 100;
};
struct Problem {
  uint64_t seq = 0;
  std::string problem;
};
struct Page {
  std::vector<v1::AuditEvent> events;
  uint64_t next_after_seq = 0;  // 0: nothing more
  // Records that could not be shown as stored (unparseable; repaired text), index entries that
  // name the wrong record, and records missing from the index (found through the chain's
  // prev_*_seq links, and included in events). A problem never ends the query.
  std::vector<Problem> problems;
};
// Records matching `query`, oldest first. Looks at no more than `max_visited` records per call
// (then next_after_seq says where to go on), so one request cannot scan the whole log. A query
// by client or actor walks that index and proves, through the records' prev_*_seq links and the
// index's newest entry, that it missed none; what it finds missing it fetches from the chain
// and reports in problems.
StatusOr<Page> Find(const storage::ReadView& view, const Query& query, size_t max_visited = 20'000);

// Lower-case hex, as hashes are shown to people and signed in checkpoints.
std::string Hex(std::string_view bytes);

// The bytes an audit checkpoint signature covers.
std::string CheckpointMessage(const v1::AuditCheckpoint& checkpoint);

}  // namespace kring::service::audit
