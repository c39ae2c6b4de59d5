#include "server/service/records.h"

#include <algorithm>

namespace kring::service::records {

using storage::keys::U64;
using storage::keys::U64U64;

StatusOr<std::optional<uint64_t>> GetU64(const ReadView& view, Table table, std::string_view key) {
  KRING_ASSIGN_OR_RETURN(std::optional<std::string> bytes, view.Get(table, key));
  if (!bytes) return std::optional<uint64_t>();
  if (bytes->size() != 8) {
    return Internal("corrupt counter in table " + std::string(storage::TableName(table)));
  }
  return std::optional<uint64_t>(storage::keys::ReadU64(*bytes));
}

StatusOr<uint64_t> AllocateId(Transaction& txn) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> last,
                         GetU64(txn, Table::kMeta, storage::keys::kNextId));
  uint64_t id = last.value_or(0) + 1;
  txn.Put(Table::kMeta, std::string(storage::keys::kNextId), U64(id));
  return id;
}

StatusOr<std::optional<store::AccountRecord>> GetAccount(const ReadView& view, uint64_t id) {
  return GetProto<store::AccountRecord>(view, Table::kAccounts, U64(id));
}

StatusOr<std::optional<uint64_t>> FindAccountId(const ReadView& view, std::string_view handle) {
  return GetU64(view, Table::kHandles, handle);
}

StatusOr<std::optional<store::SessionRecord>> GetSession(const ReadView& view,
                                                         std::string_view session_key) {
  return GetProto<store::SessionRecord>(view, Table::kSessions, session_key);
}

StatusOr<std::optional<v1::Network>> GetNetwork(const ReadView& view, uint64_t network_id) {
  return GetProto<v1::Network>(view, Table::kNetworks, U64(network_id));
}

StatusOr<std::optional<store::MemberRecord>> GetMember(const ReadView& view, uint64_t network_id,
                                                       uint64_t account_id) {
  return GetProto<store::MemberRecord>(view, Table::kMembers, U64U64(network_id, account_id));
}

StatusOr<std::optional<v1::Thread>> GetThread(const ReadView& view, uint64_t thread_id) {
  return GetProto<v1::Thread>(view, Table::kThreads, U64(thread_id));
}

StatusOr<uint64_t> GetThreadHead(const ReadView& view, uint64_t thread_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> head,
                         GetU64(view, Table::kThreadHeads, U64(thread_id)));
  return head.value_or(0);
}

StatusOr<std::optional<v1::Invitation>> GetInvitation(const ReadView& view, uint64_t id) {
  return GetProto<v1::Invitation>(view, Table::kInvitations, U64(id));
}

StatusOr<Standing> GetStanding(const ReadView& view, uint64_t network_id, uint64_t account_id,
                               int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(StandingRecords records,
                         ReadStandingRecords(view, network_id, account_id));
  return StandingAt(records, now_ms);
}

StatusOr<StandingRecords> ReadStandingRecords(const ReadView& view, uint64_t network_id,
                                              uint64_t account_id) {
  StandingRecords records;
  Standing& standing = records.standing;
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Network> network, GetNetwork(view, network_id));
  standing.network_exists = network.has_value();
  if (!network) return records;
  standing.client_id = network->client_id();
  KRING_ASSIGN_OR_RETURN(std::optional<store::MemberRecord> member,
                         GetMember(view, network_id, account_id));
  if (member) standing.role = member->role();
  if (standing.role != v1::MEMBER_ROLE_CLIENT) {
    KRING_ASSIGN_OR_RETURN(auto representation,
                           GetRepresentation(view, network->client_id(), account_id));
    if (representation) {
      standing.role = v1::MEMBER_ROLE_REPRESENTATIVE;
    } else if (member) {
      KRING_ASSIGN_OR_RETURN(standing.consent, GetCurrentConsent(view, network_id, account_id));
    }
  }
  KRING_ASSIGN_OR_RETURN(records.team, GetCurrentConsent(view, network_id, 0));
  return records;
}

Standing StandingAt(const StandingRecords& records, int64_t now_ms) {
  Standing standing = records.standing;
  standing.now_ms = now_ms;
  standing.team_threads_allowed = records.team && InForce(*records.team, now_ms);
  return standing;
}

StatusOr<std::optional<v1::Consent>> GetCurrentConsent(const ReadView& view, uint64_t network_id,
                                                       uint64_t grantee_id) {
  return GetProto<v1::Consent>(view, Table::kCurrentConsents, U64U64(network_id, grantee_id));
}

void PutConsent(Transaction& txn, const v1::Consent& consent) {
  std::string bytes = consent.SerializeAsString();
  txn.Put(Table::kConsents, U64U64(consent.network_id(), consent.id()), bytes);
  txn.Put(Table::kCurrentConsents, U64U64(consent.network_id(), consent.grantee_id()),
          std::move(bytes));
}

namespace {

// Every value under the u64 prefix, parsed as M.
template <typename M>
StatusOr<std::vector<M>> ScanProtos(const ReadView& view, Table table, uint64_t prefix) {
  std::vector<M> out;
  bool corrupt = false;
  std::string begin = U64(prefix);
  KRING_RETURN_IF_ERROR(view.Scan(table, begin, storage::keys::PrefixEnd(begin), 0,
                                  [&](std::string_view, std::string_view value) {
                                    M m;
                                    corrupt = !m.ParseFromArray(value.data(),
                                                                static_cast<int>(value.size()));
                                    if (!corrupt) out.push_back(std::move(m));
                                    return !corrupt;
                                  }));
  if (corrupt) return Internal("corrupt record in table " + std::string(storage::TableName(table)));
  return out;
}

// The second u64 of every key under the u64 prefix.
StatusOr<std::vector<uint64_t>> ScanSecondIds(const ReadView& view, Table table, uint64_t prefix) {
  std::vector<uint64_t> out;
  std::string begin = U64(prefix);
  KRING_RETURN_IF_ERROR(view.Scan(table, begin, storage::keys::PrefixEnd(begin), 0,
                                  [&](std::string_view key, std::string_view) {
                                    out.push_back(storage::keys::ReadU64(key, 8));
                                    return true;
                                  }));
  return out;
}

}  // namespace

StatusOr<std::vector<v1::Consent>> CurrentConsents(const ReadView& view, uint64_t network_id) {
  return ScanProtos<v1::Consent>(view, Table::kCurrentConsents, network_id);
}

StatusOr<std::vector<v1::Consent>> ConsentHistory(const ReadView& view, uint64_t network_id) {
  return ScanProtos<v1::Consent>(view, Table::kConsents, network_id);  // ids grow with time
}

StatusOr<std::optional<v1::Representation>> GetRepresentation(const ReadView& view,
                                                              uint64_t client_id,
                                                              uint64_t representative_id) {
  return GetProto<v1::Representation>(view, Table::kRepresentatives,
                                      U64U64(client_id, representative_id));
}

StatusOr<std::vector<uint64_t>> RepresentativesOf(const ReadView& view, uint64_t client_id) {
  return ScanSecondIds(view, Table::kRepresentatives, client_id);
}

StatusOr<std::vector<uint64_t>> ClientsRepresentedBy(const ReadView& view,
                                                     uint64_t representative_id) {
  return ScanSecondIds(view, Table::kRepresentedBy, representative_id);
}

StatusOr<std::vector<uint64_t>> Principals(const ReadView& view, const v1::Network& network) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> out, RepresentativesOf(view, network.client_id()));
  out.insert(out.begin(), network.client_id());
  return out;
}

StatusOr<std::vector<uint64_t>> NetworkThreadIds(const ReadView& view, uint64_t network_id) {
  return ScanSecondIds(view, Table::kNetworkThreads, network_id);
}

StatusOr<std::vector<ThreadHead>> NetworkThreadHeads(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, NetworkThreadIds(view, network_id));
  std::vector<ThreadHead> heads;
  for (uint64_t id : ids) {
    KRING_ASSIGN_OR_RETURN(uint64_t head, GetThreadHead(view, id));
    heads.push_back({id, head});
  }
  return heads;
}

StatusOr<std::vector<uint64_t>> NetworksOf(const ReadView& view, uint64_t account_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> out,
                         ScanSecondIds(view, Table::kAccountNetworks, account_id));
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> clients, ClientsRepresentedBy(view, account_id));
  for (uint64_t client : clients) {
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> theirs,
                           ScanSecondIds(view, Table::kAccountNetworks, client));
    for (uint64_t network_id : theirs) {
      // Only the networks where they are the client, not ones they are a member of.
      KRING_ASSIGN_OR_RETURN(auto network, GetNetwork(view, network_id));
      if (network && network->client_id() == client) out.push_back(network_id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

StatusOr<v1::Thread> GetThreadIn(const ReadView& view, uint64_t network_id, uint64_t thread_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Thread> thread, GetThread(view, thread_id));
  if (!thread || thread->network_id() != network_id) {
    return NotFound("no such thread in this network");
  }
  KRING_ASSIGN_OR_RETURN(uint64_t head, GetThreadHead(view, thread_id));
  thread->set_last_seq(head);
  return std::move(*thread);
}

v1::Member MemberView(const store::MemberRecord& member, const v1::Account& account) {
  v1::Member out;
  out.set_account_id(member.account_id());
  out.set_handle(account.handle());
  out.set_display_name(account.display_name());
  out.set_profession(account.profession());
  out.set_role(member.role());
  out.set_role_label(member.role_label());
  out.set_since_ms(member.since_ms());
  return out;
}

}  // namespace kring::service::records
