// Threads, messages, history and read markers.
#include "server/service/records.h"
#include "server/service/records_internal.h"

namespace kring::service::records {

StatusOr<std::optional<v1::Thread>> GetThread(const ReadView& view, uint64_t thread_id) {
  return GetProto<v1::Thread>(view, Table::kThreads, U64(thread_id));
}

StatusOr<uint64_t> GetThreadHead(const ReadView& view, uint64_t thread_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> head,
                         GetU64(view, Table::kThreadHeads, U64(thread_id)));
  return head.value_or(0);
}

void AddThread(Transaction& txn, const v1::Thread& thread) {
  PutProto(txn, Table::kThreads, U64(thread.id()), thread);
  txn.Put(Table::kNetworkThreads, U64U64(thread.network_id(), thread.id()), "");
}

void UpdateThread(Transaction& txn, const v1::Thread& thread) {
  v1::Thread stored = thread;
  stored.clear_last_seq();
  stored.clear_participant_ids();
  stored.clear_last_posted_at_ms();
  PutProto(txn, Table::kThreads, U64(thread.id()), stored);
}

StatusOr<std::vector<uint64_t>> NetworkThreadIds(const ReadView& view, uint64_t network_id) {
  return ScanSecondIds(view, Table::kNetworkThreads, network_id);
}

StatusOr<std::vector<ThreadHead>> NetworkThreadHeads(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, NetworkThreadIds(view, network_id));
  std::vector<ThreadHead> heads;
  for (uint64_t id : ids) {
    KRING_ASSIGN_OR_RETURN(uint64_t head, GetThreadHead(view, id));
    KRING_ASSIGN_OR_RETURN(std::optional<v1::Thread> thread, GetThread(view, id));
    if (!thread) return Internal("a thread listed in its network has no record");
    heads.push_back({id, head, thread->sensitive(), thread->unmarked_at_seq()});
  }
  return heads;
}

StatusOr<std::vector<ThreadRef>> NetworkThreadRefs(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, NetworkThreadIds(view, network_id));
  std::vector<ThreadRef> refs;
  for (uint64_t id : ids) {
    KRING_ASSIGN_OR_RETURN(std::optional<v1::Thread> thread, GetThread(view, id));
    if (!thread) return Internal("a thread listed in its network has no record");
    refs.push_back(RefOf(*thread));
  }
  return refs;
}

StatusOr<std::vector<ThreadScope>> NetworkThreadScopes(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<ThreadRef> refs, NetworkThreadRefs(view, network_id));
  std::vector<ThreadScope> scopes;
  for (const ThreadRef& ref : refs) scopes.push_back(ref.scope());
  return scopes;
}

namespace {

// kMeta key of a network's access epoch.
std::string AccessEpochKey(uint64_t network_id) { return "access_epoch:" + U64(network_id); }

}  // namespace

StatusOr<uint64_t> AccessEpoch(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> epoch,
                         GetU64(view, Table::kMeta, AccessEpochKey(network_id)));
  return epoch.value_or(0);
}

Status BumpAccessEpoch(Transaction& txn, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(uint64_t epoch, AccessEpoch(txn, network_id));
  txn.Put(Table::kMeta, AccessEpochKey(network_id), U64(epoch + 1));
  return Status::Ok();
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

StatusOr<std::optional<store::PostedRef>> GetPostedRef(const ReadView& view, uint64_t sender_id,
                                                       std::string_view client_msg_id) {
  return GetProto<store::PostedRef>(view, Table::kIdempotency, U64Bytes(sender_id, client_msg_id));
}

std::string AppendMessage(Transaction& txn, const v1::Message& message,
                          std::string_view text_sha256) {
  std::string bytes = message.SerializeAsString();
  txn.Put(Table::kMessages, U64U64(message.thread_id(), message.seq()), bytes);
  txn.Put(Table::kThreadHeads, U64(message.thread_id()), U64(message.seq()));
  store::PostedRef ref;
  ref.set_thread_id(message.thread_id());
  ref.set_seq(message.seq());
  ref.set_posted_at_ms(message.posted_at_ms());
  ref.set_text_sha256(std::string(text_sha256));
  ref.set_network_id(message.network_id());
  PutProto(txn, Table::kIdempotency, U64Bytes(message.sender_id(), message.client_msg_id()), ref);
  return bytes;
}

StatusOr<std::optional<v1::Message>> GetMessage(const ReadView& view, uint64_t thread_id,
                                                uint64_t seq) {
  return GetProto<v1::Message>(view, Table::kMessages, U64U64(thread_id, seq));
}

Status HistoryPage(const ReadView& view, uint64_t thread_id, uint64_t after_seq, size_t limit,
                   const HistoryVisitor& visit) {
  return view.Scan(Table::kMessages, U64U64(thread_id, after_seq + 1),
                   storage::keys::PrefixEnd(U64(thread_id)), limit,
                   [&visit](std::string_view key, std::string_view value) {
                     return visit(ReadU64(key, 8), value);
                   });
}

StatusOr<std::optional<v1::ReadMarker>> GetReadMarker(const ReadView& view, uint64_t thread_id,
                                                      uint64_t account_id) {
  return GetProto<v1::ReadMarker>(view, Table::kReadMarkers, U64U64(thread_id, account_id));
}

void PutReadMarker(Transaction& txn, const v1::ReadMarker& marker) {
  PutProto(txn, Table::kReadMarkers, U64U64(marker.thread_id(), marker.account_id()), marker);
}

StatusOr<std::vector<v1::ReadMarker>> ReadMarkersOf(const ReadView& view, uint64_t thread_id) {
  return ScanProtos<v1::ReadMarker>(view, Table::kReadMarkers, thread_id, Unparsed::kSkip);
}

}  // namespace kring::service::records
