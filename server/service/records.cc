#include "server/service/records.h"

#include "server/service/records_internal.h"

namespace kring::service::records {

StatusOr<std::optional<uint64_t>> GetU64(const ReadView& view, Table table, std::string_view key) {
  KRING_ASSIGN_OR_RETURN(std::optional<std::string> bytes, view.Get(table, key));
  if (!bytes) return std::optional<uint64_t>();
  if (bytes->size() != 8) {
    return Internal("corrupt counter in table " + std::string(storage::TableName(table)));
  }
  return std::optional<uint64_t>(ReadU64(*bytes));
}

StatusOr<std::vector<uint64_t>> ScanSecondIds(const ReadView& view, Table table, uint64_t prefix) {
  std::vector<uint64_t> out;
  std::string begin = U64(prefix);
  KRING_RETURN_IF_ERROR(view.Scan(table, begin, storage::keys::PrefixEnd(begin), 0,
                                  [&](std::string_view key, std::string_view) {
                                    out.push_back(ReadU64(key, 8));
                                    return true;
                                  }));
  return out;
}

StatusOr<std::vector<uint64_t>> ScanU64Values(const ReadView& view, Table table, uint64_t prefix) {
  std::vector<uint64_t> out;
  std::string begin = U64(prefix);
  KRING_RETURN_IF_ERROR(view.Scan(table, begin, storage::keys::PrefixEnd(begin), 0,
                                  [&](std::string_view, std::string_view value) {
                                    out.push_back(ReadU64(value));
                                    return true;
                                  }));
  return out;
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

void AddAccount(Transaction& txn, const store::AccountRecord& record) {
  PutAccount(txn, record);
  txn.Put(Table::kHandles, record.account().handle(), U64(record.account().id()));
}

void PutAccount(Transaction& txn, const store::AccountRecord& record) {
  if (record.account().must_change_password() == record.must_change_password()) {
    return PutProto(txn, Table::kAccounts, U64(record.account().id()), record);
  }
  store::AccountRecord mirrored = record;
  mirrored.mutable_account()->set_must_change_password(record.must_change_password());
  PutProto(txn, Table::kAccounts, U64(record.account().id()), mirrored);
}

StatusOr<bool> AnyAccount(const ReadView& view) {
  bool any = false;
  KRING_RETURN_IF_ERROR(
      view.Scan(Table::kAccounts, "", "", 1, [&](std::string_view, std::string_view) {
        any = true;
        return false;
      }));
  return any;
}

Status ScanAccounts(const ReadView& view, uint64_t after_id, const AccountVisitor& visit) {
  if (after_id == UINT64_MAX) return Status::Ok();
  bool corrupt = false;
  KRING_RETURN_IF_ERROR(view.Scan(
      Table::kAccounts, U64(after_id + 1), "", 0, [&](std::string_view, std::string_view value) {
        store::AccountRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          corrupt = true;
          return false;
        }
        return visit(record);
      }));
  if (corrupt) return Internal("corrupt record in table accounts");
  return Status::Ok();
}

StatusOr<std::optional<store::SessionRecord>> GetSession(const ReadView& view,
                                                         std::string_view session_key) {
  return GetProto<store::SessionRecord>(view, Table::kSessions, session_key);
}

void PutSession(Transaction& txn, std::string_view session_key,
                const store::SessionRecord& session) {
  PutProto(txn, Table::kSessions, std::string(session_key), session);
}

void DeleteSession(Transaction& txn, std::string_view session_key) {
  txn.Delete(Table::kSessions, std::string(session_key));
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
  // A declined network is gone for everyone: its member rows were removed with the answer.
  standing.network_exists = network.has_value() && network->state() != v1::NETWORK_STATE_DECLINED;
  if (!standing.network_exists) return records;
  standing.client_id = network->client_id();
  if (network->state() == v1::NETWORK_STATE_PENDING) {
    standing.network_pending = true;
    standing.client_handle = network->client_handle();
  }
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
  if (!standing.role) {
    KRING_ASSIGN_OR_RETURN(records.team_routes, ReadTeamRoutes(view, network_id, account_id));
  }
  return records;
}

Standing StandingAt(const StandingRecords& records, int64_t now_ms) {
  Standing standing = records.standing;
  standing.now_ms = now_ms;
  standing.team_threads_allowed = records.team && InForce(*records.team, now_ms);
  const TeamRoute* chosen = nullptr;
  for (const TeamRoute& route : records.team_routes) {
    Standing candidate = standing;
    ApplyTeamRoute(route, candidate);
    if (TeamRouteClosedReason(candidate).empty() && candidate.consent &&
        InForce(*candidate.consent, now_ms)) {
      chosen = &route;
      break;
    }
  }
  if (chosen == nullptr && !records.team_routes.empty()) chosen = &records.team_routes.front();
  if (chosen != nullptr) ApplyTeamRoute(*chosen, standing);
  return standing;
}

}  // namespace kring::service::records
