// Corrections and retractions of messages (issue 15, item 3): table kMessageVersions, with three
// key shapes under the thread id: 'c' change -> store.MessageChange (the change log), 'v' seq
// version -> v1.Message (a version a change replaced), 'h' -> the newest change number.
#include "server/service/records.h"
#include "server/service/records_internal.h"

namespace kring::service::records {

namespace {

constexpr char kChangeKey = 'c';
constexpr char kHeadKey = 'h';
constexpr char kVersionKey = 'v';

std::string ThreadKey(uint64_t thread_id, char kind) { return U64(thread_id) + kind; }

std::string ChangeKey(uint64_t thread_id, uint64_t change) {
  return ThreadKey(thread_id, kChangeKey) + U64(change);
}

std::string VersionKey(uint64_t thread_id, uint64_t seq, uint64_t version) {
  return ThreadKey(thread_id, kVersionKey) + U64U64(seq, version);
}

}  // namespace

StatusOr<uint64_t> ThreadChangeHead(const ReadView& view, uint64_t thread_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> head,
                         GetU64(view, Table::kMessageVersions, ThreadKey(thread_id, kHeadKey)));
  return head.value_or(0);
}

std::string ChangeMessage(Transaction& txn, const v1::Message& was, const v1::Message& now,
                          const store::MessageChange& change, std::string_view client_msg_id,
                          std::string_view text_sha256) {
  const uint64_t thread_id = now.thread_id();
  PutProto(txn, Table::kMessageVersions, VersionKey(thread_id, was.seq(), was.version()), was);
  PutProto(txn, Table::kMessageVersions, ChangeKey(thread_id, now.change()), change);
  txn.Put(Table::kMessageVersions, ThreadKey(thread_id, kHeadKey), U64(now.change()));
  std::string bytes = now.SerializeAsString();
  txn.Put(Table::kMessages, U64U64(thread_id, now.seq()), bytes);
  store::PostedRef ref;
  ref.set_thread_id(thread_id);
  ref.set_seq(now.seq());
  ref.set_posted_at_ms(change.changed_at_ms());
  ref.set_text_sha256(std::string(text_sha256));
  ref.set_version(now.version());
  ref.set_retraction(change.retraction());
  ref.set_network_id(now.network_id());
  PutProto(txn, Table::kIdempotency, U64Bytes(now.sender_id(), client_msg_id), ref);
  return bytes;
}

StatusOr<std::vector<v1::Message>> EarlierVersions(const ReadView& view, uint64_t thread_id,
                                                   uint64_t seq) {
  std::vector<v1::Message> out;
  bool corrupt = false;
  const std::string begin = ThreadKey(thread_id, kVersionKey) + U64(seq);
  KRING_RETURN_IF_ERROR(view.Scan(Table::kMessageVersions, begin, storage::keys::PrefixEnd(begin),
                                  0, [&](std::string_view, std::string_view value) {
                                    v1::Message m;
                                    corrupt = !m.ParseFromArray(value.data(),
                                                                static_cast<int>(value.size()));
                                    if (!corrupt) out.push_back(std::move(m));
                                    return !corrupt;
                                  }));
  if (corrupt) return Internal("corrupt record in table message_versions");
  return out;
}

Status ChangesAfter(const ReadView& view, uint64_t thread_id, uint64_t after_change, size_t limit,
                    const ChangeVisitor& visit) {
  if (after_change == UINT64_MAX) return Status::Ok();
  const std::string prefix = ThreadKey(thread_id, kChangeKey);
  bool corrupt = false;
  KRING_RETURN_IF_ERROR(view.Scan(
      Table::kMessageVersions, ChangeKey(thread_id, after_change + 1),
      storage::keys::PrefixEnd(prefix), limit, [&](std::string_view key, std::string_view value) {
        store::MessageChange change;
        corrupt = !change.ParseFromArray(value.data(), static_cast<int>(value.size()));
        return !corrupt && visit(ReadU64(key, prefix.size()), change);
      }));
  if (corrupt) return Internal("corrupt record in table message_versions");
  return Status::Ok();
}

}  // namespace kring::service::records
