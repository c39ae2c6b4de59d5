// Typed reads and writes of kringd's records (layouts: storage/store.h, storage/keys.h).
// Reads take a ReadView: the Store on read paths, the writer's Transaction on write paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"
#include "server/core/status.h"
#include "server/storage/keys.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service::records {

using storage::ReadView;
using storage::Table;
using storage::Transaction;

template <typename M>
StatusOr<std::optional<M>> GetProto(const ReadView& view, Table table, std::string_view key) {
  KRING_ASSIGN_OR_RETURN(std::optional<std::string> bytes, view.Get(table, key));
  if (!bytes) return std::optional<M>();
  M m;
  if (!m.ParseFromString(*bytes)) {
    return Internal("corrupt record in table " + std::string(storage::TableName(table)));
  }
  return std::optional<M>(std::move(m));
}

StatusOr<std::optional<uint64_t>> GetU64(const ReadView& view, Table table, std::string_view key);

inline void PutProto(Transaction& txn, Table table, std::string key,
                     const google::protobuf::MessageLite& m) {
  txn.Put(table, std::move(key), m.SerializeAsString());
}

// A fresh id for any object (accounts, networks, threads, invitations share one counter).
StatusOr<uint64_t> AllocateId(Transaction& txn);

StatusOr<std::optional<store::AccountRecord>> GetAccount(const ReadView& view, uint64_t id);
StatusOr<std::optional<uint64_t>> FindAccountId(const ReadView& view, std::string_view handle);
StatusOr<std::optional<store::SessionRecord>> GetSession(const ReadView& view,
                                                         std::string_view session_key);
StatusOr<std::optional<v1::Network>> GetNetwork(const ReadView& view, uint64_t network_id);
StatusOr<std::optional<store::MemberRecord>> GetMember(const ReadView& view, uint64_t network_id,
                                                       uint64_t account_id);
StatusOr<std::optional<v1::Thread>> GetThread(const ReadView& view, uint64_t thread_id);
StatusOr<uint64_t> GetThreadHead(const ReadView& view, uint64_t thread_id);
StatusOr<std::optional<v1::Invitation>> GetInvitation(const ReadView& view, uint64_t id);

// The actor's standing in the network at now_ms (for Authorize): membership, representation of
// the client, the actor's current consent and the team consent.
StatusOr<Standing> GetStanding(const ReadView& view, uint64_t network_id, uint64_t account_id,
                               int64_t now_ms);

// GetStanding in two steps: the stored records, which hold until one of them changes, and the
// standing they give at an instant (the consents' ends are decided then).
struct StandingRecords {
  Standing standing;                // now_ms and team_threads_allowed not yet set
  std::optional<v1::Consent> team;  // the network's team consent, if any
};
StatusOr<StandingRecords> ReadStandingRecords(const ReadView& view, uint64_t network_id,
                                              uint64_t account_id);
Standing StandingAt(const StandingRecords& records, int64_t now_ms);

// --- Consent (tables kConsents, kCurrentConsents) ---

// The grantee's newest consent record in the network (grantee 0: the team).
StatusOr<std::optional<v1::Consent>> GetCurrentConsent(const ReadView& view, uint64_t network_id,
                                                       uint64_t grantee_id);
// Stores a new record (its id set) and makes it the grantee's current one.
void PutConsent(Transaction& txn, const v1::Consent& consent);
// Every grantee's current record in the network, team included.
StatusOr<std::vector<v1::Consent>> CurrentConsents(const ReadView& view, uint64_t network_id);
// Every record of the network, oldest first.
StatusOr<std::vector<v1::Consent>> ConsentHistory(const ReadView& view, uint64_t network_id);

// --- Representatives (tables kRepresentatives, kRepresentedBy) ---

StatusOr<std::optional<v1::Representation>> GetRepresentation(const ReadView& view,
                                                              uint64_t client_id,
                                                              uint64_t representative_id);
StatusOr<std::vector<uint64_t>> RepresentativesOf(const ReadView& view, uint64_t client_id);
StatusOr<std::vector<uint64_t>> ClientsRepresentedBy(const ReadView& view,
                                                     uint64_t representative_id);
// The accounts that act as the network's client: the client and their representatives.
StatusOr<std::vector<uint64_t>> Principals(const ReadView& view, const v1::Network& network);

// --- Threads and networks ---

StatusOr<std::vector<uint64_t>> NetworkThreadIds(const ReadView& view, uint64_t network_id);
StatusOr<std::vector<ThreadHead>> NetworkThreadHeads(const ReadView& view, uint64_t network_id);
// The networks an account is a member of, and (for a representative) the networks of the clients
// they represent. Each once, ascending.
StatusOr<std::vector<uint64_t>> NetworksOf(const ReadView& view, uint64_t account_id);

// The thread, if it exists and belongs to the network; NOT_FOUND otherwise.
StatusOr<v1::Thread> GetThreadIn(const ReadView& view, uint64_t network_id, uint64_t thread_id);
inline ThreadRef RefOf(const v1::Thread& thread) { return {thread.id(), thread.team_only()}; }

// The public view of an account record.
v1::Member MemberView(const store::MemberRecord& member, const v1::Account& account);

}  // namespace kring::service::records
