// The one storage interface. Everything kringd keeps goes through a Store: RocksStore on disk,
// MemoryStore in unit tests, FaultyStore (tests/) to inject failures.
//
// Thread-safety: every method may be called from any thread concurrently. Writes are atomic:
// a WriteBatch is applied whole or not at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/status.h"

namespace kring::storage {

// One table per kind of record (a RocksDB column family each). Key layouts: keys.h.
enum class Table : uint8_t {
  kMeta = 0,            // "next_id", "schema_version", ...
  kAccounts,            // account id -> store.AccountRecord
  kHandles,             // handle -> account id
  kSessions,            // sha256(token) -> store.SessionRecord
  kNetworks,            // network id -> v1.Network
  kMembers,             // network id, account id -> store.MemberRecord
  kAccountNetworks,     // account id, network id -> "" (networks an account belongs to)
  kInvitations,         // invitation id -> v1.Invitation
  kNetworkInvitations,  // network id, invitee id -> latest invitation id (u64)
  kInviteeInvitations,  // invitee id, network id -> latest invitation id (u64)
  kThreads,             // thread id -> v1.Thread (last_seq not kept here: see kThreadHeads)
  kNetworkThreads,      // network id, thread id -> ""
  kThreadHeads,         // thread id -> last seq (u64)
  kMessages,            // thread id, seq -> v1.Message
  kIdempotency,         // sender id, client_msg_id -> store.PostedRef
  kReadMarkers,         // thread id, account id -> v1.ReadMarker
  kConsents,            // network id, consent id -> v1.Consent (every record: the history)
  kCurrentConsents,     // network id, grantee id (0: the team) -> v1.Consent (the newest record)
  kRepresentatives,     // client id, representative id -> v1.Representation
  kRepresentedBy,       // representative id, client id -> ""
  kAudit,               // seq -> v1.AuditEvent (the hash chain; head in kMeta "audit_head")
  kAuditByClient,       // client id, seq -> ""
  kAuditByActor,        // actor id, seq -> ""
  // Teams (issue 14, item 1; records_team.cc). A team admitted to a network is a kMembers row
  // (MemberRecord.team) under its team id, so kAccountNetworks also lists a team's networks.
  kTeams,           // team id -> v1.Team
  kTeamPeople,      // team id, account id -> v1.TeamPerson (ids, flags and period only)
  kAccountTeams,    // account id, team id -> "" (the teams a person is in)
  kTeamExclusions,  // network id, team id, account id -> "" (excluded there by the client)
  // Appointments of representatives waiting for a second admin (pending: no access; only
  // kRepresentatives holds those in force): client id, representative id -> v1.Representation.
  kRepresentationRequests,
  // Attachments (issue 15, item 2; records_attachment.cc). The files themselves live in the data
  // dir's attachments/ area, one directory per network (service/attachment_area.h).
  kAttachments,      // attachment id -> v1.Attachment
  kAttachmentUsage,  // network id -> bytes of attachments stored for it (u64), for the quota
  // The shared plan (issue 15, item 1; records_plan.cc): everything people wrote in it is kept
  // under the network's id.
  kPlans,         // network id -> store.PlanRecord (the plan as it is now)
  kPlanChanges,   // network id, change seq -> v1.PlanChange (the dated changes)
  kPlanVersions,  // network id, version number -> v1.PlanVersion (each with its plan)

  // Corrections and retractions (issue 15, item 3; records_correction.cc): per thread, the
  // change log, the versions a change replaced, and the newest change number (one table, three
  // key shapes: thread id, then 'c' change / 'v' seq version / 'h').
  kMessageVersions,

  // Encryption at rest (issue 16; docs/data-rights.md): network id -> store.WrappedKey, the
  // network's data key wrapped by the master key. Read only by records_sealing.cc.
  kNetworkKeys,
  kCount,  // not a table
};

inline constexpr size_t kTableCount = static_cast<size_t>(Table::kCount);

// A set of tables, one bit per table (TableBit), e.g. the tables a transaction wrote to.
using TableMask = uint64_t;
static_assert(kTableCount <= 64, "a TableMask has a bit per table");
constexpr TableMask TableBit(Table table) { return TableMask{1} << static_cast<unsigned>(table); }

// Stable name of the table (the RocksDB column family name).
std::string_view TableName(Table table);

struct Mutation {
  Table table;
  std::string key;
  std::optional<std::string> value;  // nullopt: delete
};

// An ordered list of puts and deletes, applied atomically by Store::Write.
class WriteBatch {
 public:
  void Put(Table table, std::string key, std::string value);
  void Delete(Table table, std::string key);
  void Append(const WriteBatch& other);
  void Clear() {
    mutations_.clear();
    bytes_ = 0;
  }

  const std::vector<Mutation>& mutations() const { return mutations_; }
  bool empty() const { return mutations_.empty(); }
  size_t approximate_bytes() const { return bytes_; }

 private:
  std::vector<Mutation> mutations_;
  size_t bytes_ = 0;
};

// Return false to stop a scan early.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// Reads; implemented by Store and by Transaction (which overlays staged writes).
class ReadView {
 public:
  virtual ~ReadView() = default;

  // The value at `key`, or nullopt when absent. Blocks on disk reads.
  [[nodiscard]] virtual StatusOr<std::optional<std::string>> Get(Table table,
                                                                 std::string_view key) const = 0;

  // Visits entries with begin <= key < end in key order (an empty `end` means no upper bound),
  // at most `limit` of them (0: no limit). Sees one consistent snapshot.
  [[nodiscard]] virtual Status Scan(Table table, std::string_view begin, std::string_view end,
                                    size_t limit, const ScanVisitor& visit) const = 0;
};

class Store : public ReadView {
 public:
  // Applies `batch` atomically. With `sync`, returns only after the write is durable (the WAL is
  // fsynced). On error nothing of the batch is applied. Blocks: never call from an io thread.
  [[nodiscard]] virtual Status Write(const WriteBatch& batch, bool sync) = 0;
};

}  // namespace kring::storage
