#include "server/service/audit.h"

#include <algorithm>
#include <optional>

#include "kring/store/records.pb.h"
#include "server/service/frames.h"
#include "server/storage/keys.h"

namespace kring::service::audit {

using storage::Table;
using storage::keys::ReadU64;
using storage::keys::U64;
using storage::keys::U64U64;

namespace {

StatusOr<store::AuditHead> GetHead(const storage::ReadView& view) {
  KRING_ASSIGN_OR_RETURN(auto bytes, view.Get(Table::kMeta, kHeadKey));
  store::AuditHead head;
  if (bytes && !head.ParseFromString(*bytes)) return Internal("corrupt audit head");
  return head;
}

bool Matches(const v1::AuditEvent& e, const Query& q) {
  if (q.client_id != 0 && e.client_id() != q.client_id) return false;
  if (q.actor_id != 0 && e.actor_id() != q.actor_id) return false;
  if (q.network_id != 0 && e.network_id() != q.network_id) return false;
  if (e.time_ms() < q.since_ms) return false;
  if (q.until_ms != 0 && e.time_ms() >= q.until_ms) return false;
  if (q.action != v1::AUDIT_ACTION_UNSPECIFIED && e.action() != q.action) return false;
  if (q.outcome != v1::AUDIT_OUTCOME_UNSPECIFIED && e.outcome() != q.outcome) return false;
  if (!q.event_type.empty() && e.event_type() != q.event_type) return false;
  return true;
}

StatusOr<std::optional<v1::AuditEvent>> GetRecord(const storage::ReadView& view, uint64_t seq) {
  KRING_ASSIGN_OR_RETURN(auto bytes, view.Get(Table::kAudit, U64(seq)));
  if (!bytes) return std::optional<v1::AuditEvent>();
  v1::AuditEvent e;
  if (!e.ParseFromString(*bytes)) return Internal("corrupt audit record " + std::to_string(seq));
  return std::optional<v1::AuditEvent>(std::move(e));
}

// The first seq whose time is >= since_ms (times never decrease along the chain), or head+1.
StatusOr<uint64_t> FirstSeqAtOrAfter(const storage::ReadView& view, int64_t since_ms,
                                     uint64_t head) {
  uint64_t lo = 1, hi = head + 1;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    KRING_ASSIGN_OR_RETURN(auto e, GetRecord(view, mid));
    if (e && e->time_ms() >= since_ms) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace

v1::AuditOutcome OutcomeOf(const Status& status) {
  if (status.ok()) return v1::AUDIT_OUTCOME_SUCCESS;
  if (status.code() == Code::kPermissionDenied || status.code() == Code::kUnauthenticated) {
    return v1::AUDIT_OUTCOME_DENIED;
  }
  return v1::AUDIT_OUTCOME_ERROR;
}

StatusOr<v1::AuditEvent> Stage(storage::Transaction& txn, v1::AuditEvent event, int64_t now_ms,
                               std::string_view server_id) {
  KRING_ASSIGN_OR_RETURN(store::AuditHead head, GetHead(txn));
  event.set_seq(head.seq() + 1);
  event.set_time_ms(std::max(now_ms, head.time_ms()));
  event.set_server_id(std::string(server_id));
  event.set_prev_hash(head.hash());
  std::string bytes = event.SerializeAsString();
  store::AuditHead next;
  next.set_seq(event.seq());
  next.set_hash(Sha256(bytes));
  next.set_time_ms(event.time_ms());
  txn.Put(Table::kAudit, U64(event.seq()), std::move(bytes));
  if (event.client_id() != 0) {
    txn.Put(Table::kAuditByClient, U64U64(event.client_id(), event.seq()), "");
  }
  if (event.actor_id() != 0) {
    txn.Put(Table::kAuditByActor, U64U64(event.actor_id(), event.seq()), "");
  }
  txn.Put(Table::kMeta, std::string(kHeadKey), next.SerializeAsString());
  return event;
}

StatusOr<Verification> VerifyChain(const storage::ReadView& view) {
  Verification v;
  std::string prev_hash;
  auto broken = [&](uint64_t seq, std::string problem) {
    if (!v.intact) return;
    v.intact = false;
    v.first_bad_seq = seq;
    v.problem = std::move(problem);
  };
  KRING_RETURN_IF_ERROR(view.Scan(
      Table::kAudit, "", "", 0, [&](std::string_view key, std::string_view bytes) {
        const uint64_t seq = ReadU64(key);
        const uint64_t expected = v.records + 1;
        ++v.records;
        if (key.size() != 8 || seq != expected) {
          broken(expected, "record " + std::to_string(expected) + " is missing");
          return false;
        }
        v1::AuditEvent e;
        if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          broken(seq, "record " + std::to_string(seq) + " does not parse");
          return false;
        }
        if (e.seq() != seq) {
          broken(seq, "record " + std::to_string(seq) + " claims to be " +
                          std::to_string(e.seq()));
          return false;
        }
        if (e.prev_hash() != prev_hash) {
          // This record's link does not match the bytes of the one before: that one changed.
          broken(seq - 1, "record " + std::to_string(seq - 1) +
                              " does not match the hash that record " + std::to_string(seq) +
                              " holds of it");
          return false;
        }
        prev_hash = Sha256(bytes);
        return true;
      }));
  if (!v.intact) return v;
  KRING_ASSIGN_OR_RETURN(store::AuditHead head, GetHead(view));
  if (head.seq() != v.records) {
    broken(std::min(head.seq(), v.records) + 1,
           "the head says " + std::to_string(head.seq()) + " records, the log holds " +
               std::to_string(v.records));
  } else if (head.hash() != prev_hash) {
    broken(v.records, "record " + std::to_string(v.records) +
                          " does not match the hash the head holds of it");
  }
  v.head_hash = prev_hash;
  return v;
}

StatusOr<Page> Find(const storage::ReadView& view, const Query& query, size_t max_visited) {
  Page page;
  KRING_ASSIGN_OR_RETURN(store::AuditHead head, GetHead(view));
  uint64_t start = query.after_seq + 1;
  if (query.since_ms > 0) {
    KRING_ASSIGN_OR_RETURN(uint64_t first, FirstSeqAtOrAfter(view, query.since_ms, head.seq()));
    start = std::max(start, first);
  }
  // Walk an index when the query names a client or an actor, else the log itself.
  Table table = Table::kAudit;
  std::string prefix;
  if (query.client_id != 0) {
    table = Table::kAuditByClient;
    prefix = U64(query.client_id);
  } else if (query.actor_id != 0) {
    table = Table::kAuditByActor;
    prefix = U64(query.actor_id);
  }
  const std::string begin = prefix + U64(start);
  const std::string end = prefix.empty() ? "" : storage::keys::PrefixEnd(prefix);
  size_t visited = 0;
  uint64_t last_visited = 0;
  bool past_until = false;
  Status failure;
  KRING_RETURN_IF_ERROR(view.Scan(
      table, begin, end, max_visited, [&](std::string_view key, std::string_view value) {
        const uint64_t seq = ReadU64(key, prefix.size());
        last_visited = seq;
        ++visited;
        v1::AuditEvent e;
        if (table == Table::kAudit) {
          if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            failure = Internal("corrupt audit record " + std::to_string(seq));
            return false;
          }
        } else {
          auto record = GetRecord(view, seq);
          if (!record.ok() || !*record) {
            failure = record.ok() ? Internal("audit index names a missing record")
                                  : record.status();
            return false;
          }
          e = std::move(**record);
        }
        if (query.until_ms != 0 && e.time_ms() >= query.until_ms) {
          past_until = true;
          return false;
        }
        if (Matches(e, query)) page.events.push_back(std::move(e));
        return page.events.size() < query.limit;
      }));
  KRING_RETURN_IF_ERROR(failure);
  // More may follow when the page filled up or the walk hit max_visited; not when it reached the
  // end of the log (or of the index), or passed until_ms.
  const bool more = !past_until && (page.events.size() == query.limit || visited == max_visited);
  page.next_after_seq = more ? last_visited : 0;
  return page;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string CheckpointMessage(const v1::AuditCheckpoint& c) {
  return "kring-audit-checkpoint/v1\n" + c.server_id() + "\n" + std::to_string(c.count()) + "\n" +
         Hex(c.head_hash()) + "\n" + std::to_string(c.time_ms()) + "\n";
}

}  // namespace kring::service::audit
