#include "server/service/records.h"

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

StatusOr<Standing> GetStanding(const ReadView& view, uint64_t network_id, uint64_t account_id) {
  Standing standing;
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Network> network, GetNetwork(view, network_id));
  standing.network_exists = network.has_value();
  if (!network) return standing;
  KRING_ASSIGN_OR_RETURN(std::optional<store::MemberRecord> member,
                         GetMember(view, network_id, account_id));
  if (member) standing.role = member->role();
  return standing;
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
