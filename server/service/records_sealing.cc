#include "server/service/records_sealing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <utility>
#include <vector>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/crypto.h"
#include "server/storage/keys.h"

namespace kring::service::records {

using storage::Table;
using storage::keys::ReadU64;
using storage::keys::U64;

namespace {

constexpr char kSealedMark = '\0';
constexpr size_t kHeaderBytes = 1 + 8;  // the mark, the network id
constexpr size_t kMigrationBatch = 512;

// Where a content value names its network: the first u64 of its key, or a varint field of the
// record (the tables keyed by thread or by their own id).
struct ContentRule {
  bool content = false;
  int field = 0;  // 0: the key's first u64
};

ContentRule RuleOf(Table table, std::string_view key) {
  switch (table) {
    case Table::kMembers:          // role labels
    case Table::kConsents:         // reasons
    case Table::kCurrentConsents:  //
    case Table::kPlans:
    case Table::kPlanChanges:
    case Table::kPlanVersions:
      return {true, 0};
    case Table::kThreads:      // v1.Thread.network_id
    case Table::kInvitations:  // v1.Invitation.network_id
    case Table::kAttachments:  // v1.Attachment.network_id
      return {true, 2};
    case Table::kMessages:  // v1.Message.network_id
      return {true, 1};
    case Table::kMessageVersions:
      // Only the versions a change replaced ('v'); the change log and its head hold no content.
      return {key.size() > 8 && key[8] == 'v', 1};
    case Table::kIdempotency:  // store.PostedRef.network_id (a hash of the text)
      return {true, 72};
    default:
      return {};
  }
}

// The varint field `field` of a serialized record, 0 when absent or unreadable.
uint64_t VarintField(std::string_view bytes, int field) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == field &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t value = 0;
      return in.ReadVarint64(&value) ? value : 0;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return 0;
  }
  return 0;
}

uint64_t NetworkOf(const ContentRule& rule, std::string_view key, std::string_view value) {
  return rule.field == 0 ? ReadU64(key) : VarintField(value, rule.field);
}

// The record's identity, bound to its sealed value.
std::string Identity(Table table, std::string_view key, uint64_t network_id) {
  std::string out = "kring/";
  out += storage::TableName(table);
  out += '\0';
  out += key;
  out += U64(network_id);
  return out;
}

bool IsSealedValue(std::string_view stored) { return !stored.empty() && stored[0] == kSealedMark; }

StatusOr<store::WrappedKey> ParseWrapped(std::string_view bytes) {
  store::WrappedKey wrapped;
  if (!wrapped.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return FailedPrecondition("a network key record is damaged");
  }
  return wrapped;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

std::string MasterKeyId(const SealingKey& master) {
  return Sha256(std::string_view(reinterpret_cast<const char*>(master.bytes.data()),
                                 master.bytes.size()))
      .substr(0, 8);
}

SealedStore::SealedStore(storage::Store& inner, const SealingKey& master, Random& random)
    : inner_(inner), master_(master), master_id_(MasterKeyId(master)), random_(random) {}

bool SealedStore::IsContent(Table table, std::string_view key) {
  return RuleOf(table, key).content;
}

StatusOr<SealingKey> SealedStore::NetworkKey(uint64_t network_id) const {
  {
    std::shared_lock lock(mu_);
    auto it = keys_.find(network_id);
    if (it != keys_.end()) return it->second;
  }
  KRING_ASSIGN_OR_RETURN(std::optional<std::string> row,
                         inner_.Get(Table::kNetworkKeys, U64(network_id)));
  const std::string which = "network " + std::to_string(network_id);
  if (!row) return FailedPrecondition(which + " has no data key");
  KRING_ASSIGN_OR_RETURN(store::WrappedKey wrapped, ParseWrapped(*row));
  if (wrapped.master_id() != master_id_) {
    return FailedPrecondition("the data key of " + which + " was wrapped by another master key");
  }
  StatusOr<SealingKey> key = UnwrapNetworkKey(master_, network_id, wrapped.wrapped());
  if (!key.ok()) return FailedPrecondition("the data key of " + which + " does not unwrap");
  std::unique_lock lock(mu_);
  keys_.emplace(network_id, *key);
  return key;
}

StatusOr<std::string> SealedStore::OpenValue(Table table, std::string_view key,
                                             std::string_view stored) const {
  const std::string where = "a value in table " + std::string(storage::TableName(table));
  if (!IsSealedValue(stored) || stored.size() < kHeaderBytes) {
    return FailedPrecondition(where + " is not sealed");
  }
  const uint64_t network_id = ReadU64(stored, 1);
  KRING_ASSIGN_OR_RETURN(SealingKey network_key, NetworkKey(network_id));
  StatusOr<std::string> plain =
      Open(network_key, stored.substr(kHeaderBytes), Identity(table, key, network_id));
  if (!plain.ok()) return FailedPrecondition(where + " does not open: damaged, or not its own");
  return plain;
}

StatusOr<std::optional<std::string>> SealedStore::Get(Table table, std::string_view key) const {
  KRING_ASSIGN_OR_RETURN(std::optional<std::string> stored, inner_.Get(table, key));
  if (!stored || !IsContent(table, key)) return stored;
  KRING_ASSIGN_OR_RETURN(std::string plain, OpenValue(table, key, *stored));
  return std::optional<std::string>(std::move(plain));
}

Status SealedStore::Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                         const storage::ScanVisitor& visit) const {
  Status failed;
  KRING_RETURN_IF_ERROR(
      inner_.Scan(table, begin, end, limit, [&](std::string_view key, std::string_view stored) {
        if (!IsContent(table, key)) return visit(key, stored);
        StatusOr<std::string> plain = OpenValue(table, key, stored);
        if (!plain.ok()) {
          failed = plain.status();
          return false;
        }
        return visit(key, *plain);
      }));
  return failed;
}

Status SealedStore::Write(const storage::WriteBatch& batch, bool sync) {
  // Networks this batch writes for the first time get their key in it.
  std::unordered_map<uint64_t, SealingKey> made;
  std::unique_lock<std::mutex> opening(open_mu_, std::defer_lock);
  for (const storage::Mutation& m : batch.mutations()) {
    if (m.table != Table::kNetworks || !m.value || m.key.size() != 8) continue;
    const uint64_t network_id = ReadU64(m.key);
    if (made.count(network_id) != 0) continue;
    {
      std::shared_lock lock(mu_);
      if (keys_.count(network_id) != 0) continue;
    }
    if (!opening.owns_lock()) opening.lock();
    KRING_ASSIGN_OR_RETURN(std::optional<std::string> row,
                           inner_.Get(Table::kNetworkKeys, U64(network_id)));
    if (!row) made.emplace(network_id, SealingKey::Generate(random_));
  }

  storage::WriteBatch sealed;
  for (const storage::Mutation& m : batch.mutations()) {
    const ContentRule rule = RuleOf(m.table, m.key);
    if (!m.value || !rule.content) {
      if (m.value) {
        sealed.Put(m.table, m.key, *m.value);
      } else {
        sealed.Delete(m.table, m.key);
      }
      continue;
    }
    const uint64_t network_id = NetworkOf(rule, m.key, *m.value);
    if (network_id == 0) {
      return Internal("a record of table " + std::string(storage::TableName(m.table)) +
                      " names no network");
    }
    SealingKey network_key;
    if (auto it = made.find(network_id); it != made.end()) {
      network_key = it->second;
    } else {
      KRING_ASSIGN_OR_RETURN(network_key, NetworkKey(network_id));
    }
    std::string value(1, kSealedMark);
    value += U64(network_id);
    value += Seal(network_key, *m.value, Identity(m.table, m.key, network_id), random_);
    sealed.Put(m.table, m.key, std::move(value));
  }
  for (const auto& [network_id, network_key] : made) {
    store::WrappedKey wrapped;
    wrapped.set_master_id(master_id_);
    wrapped.set_wrapped(WrapNetworkKey(master_, network_id, network_key, random_));
    sealed.Put(Table::kNetworkKeys, U64(network_id), wrapped.SerializeAsString());
  }
  KRING_RETURN_IF_ERROR(inner_.Write(sealed, sync));
  std::unique_lock lock(mu_);
  for (const auto& [network_id, network_key] : made) keys_.emplace(network_id, network_key);
  // A key deleted (erasure, issue 16 item 2) is forgotten here too, once the delete is durable.
  for (const storage::Mutation& m : batch.mutations()) {
    if (m.table == Table::kNetworkKeys && !m.value) keys_.erase(ReadU64(m.key));
  }
  return Status::Ok();
}

StatusOr<size_t> SealedStore::Prepare() {
  size_t foreign = 0;
  std::string foreign_id;
  KRING_RETURN_IF_ERROR(
      inner_.Scan(Table::kNetworkKeys, "", "", 0, [&](std::string_view, std::string_view row) {
        store::WrappedKey wrapped;
        if (wrapped.ParseFromArray(row.data(), static_cast<int>(row.size())) &&
            wrapped.master_id() != master_id_) {
          ++foreign;
          foreign_id = wrapped.master_id();
        }
        return true;
      }));
  if (foreign > 0) {
    return FailedPrecondition(std::to_string(foreign) +
                              " network key(s) in this data dir were wrapped by master key id " +
                              Hex(foreign_id) + ", not by the configured one (id " +
                              Hex(master_id_) +
                              "): is [storage] master_key_file the right file? (after `kringd "
                              "rotate-master-key`, configure the new one)");
  }

  // Networks opened by a kringd from before sealing: a key each, in one batch (Write makes
  // one for every network row it writes without a key).
  storage::WriteBatch keyless;
  Status failed;
  KRING_RETURN_IF_ERROR(
      inner_.Scan(Table::kNetworks, "", "", 0, [&](std::string_view key, std::string_view value) {
        StatusOr<std::optional<std::string>> row = inner_.Get(Table::kNetworkKeys, key);
        if (!row.ok()) failed = row.status();
        if (row.ok() && !row->has_value()) {
          keyless.Put(Table::kNetworks, std::string(key), std::string(value));
        }
        return failed.ok();
      }));
  KRING_RETURN_IF_ERROR(failed);
  if (!keyless.empty()) KRING_RETURN_IF_ERROR(Write(keyless, /*sync=*/true));

  size_t sealed = 0;
  for (size_t i = 0; i < storage::kTableCount; ++i) {
    KRING_RETURN_IF_ERROR(SealPlaintextValues(static_cast<Table>(i), sealed));
  }
  return sealed;
}

Status SealedStore::SealPlaintextValues(Table table, size_t& sealed) {
  std::vector<std::pair<std::string, std::string>> plain;
  KRING_RETURN_IF_ERROR(
      inner_.Scan(table, "", "", 0, [&](std::string_view key, std::string_view value) {
        if (IsContent(table, key) && !IsSealedValue(value)) plain.emplace_back(key, value);
        return true;
      }));
  storage::WriteBatch batch;
  for (auto& [key, value] : plain) {
    if (table == Table::kIdempotency) {
      // Written before PostedRef named its network: its thread does.
      store::PostedRef ref;
      if (!ref.ParseFromString(value)) return Internal("corrupt record in table idempotency");
      KRING_ASSIGN_OR_RETURN(std::optional<std::string> thread_bytes,
                             Get(Table::kThreads, U64(ref.thread_id())));
      v1::Thread thread;
      if (!thread_bytes || !thread.ParseFromString(*thread_bytes)) {
        return Internal("an idempotency record names no thread");
      }
      ref.set_network_id(thread.network_id());
      value = ref.SerializeAsString();
    }
    batch.Put(table, std::move(key), std::move(value));
    if (batch.mutations().size() >= kMigrationBatch) {
      KRING_RETURN_IF_ERROR(Write(batch, /*sync=*/true));
      batch.Clear();
    }
  }
  if (!batch.empty()) KRING_RETURN_IF_ERROR(Write(batch, /*sync=*/true));
  sealed += plain.size();
  return Status::Ok();
}

StatusOr<size_t> RewrapNetworkKeys(storage::Store& store, const SealingKey& old_master,
                                   const SealingKey& new_master, Random& random) {
  const std::string old_id = MasterKeyId(old_master);
  const std::string new_id = MasterKeyId(new_master);
  storage::WriteBatch batch;
  Status failed;
  KRING_RETURN_IF_ERROR(
      store.Scan(Table::kNetworkKeys, "", "", 0, [&](std::string_view key, std::string_view row) {
        const uint64_t network_id = ReadU64(key);
        const std::string which = "network " + std::to_string(network_id);
        StatusOr<store::WrappedKey> wrapped = ParseWrapped(row);
        if (!wrapped.ok()) {
          failed = FailedPrecondition("the key record of " + which + " is damaged");
          return false;
        }
        if (wrapped->master_id() == new_id) return true;
        if (wrapped->master_id() != old_id) {
          failed =
              FailedPrecondition("the key of " + which + " was wrapped by neither master key (id " +
                                 Hex(wrapped->master_id()) + ")");
          return false;
        }
        StatusOr<SealingKey> network_key =
            UnwrapNetworkKey(old_master, network_id, wrapped->wrapped());
        if (!network_key.ok()) {
          failed = FailedPrecondition("the key of " + which + " does not unwrap");
          return false;
        }
        store::WrappedKey rewrapped;
        rewrapped.set_master_id(new_id);
        rewrapped.set_wrapped(WrapNetworkKey(new_master, network_id, *network_key, random));
        batch.Put(Table::kNetworkKeys, std::string(key), rewrapped.SerializeAsString());
        return true;
      }));
  KRING_RETURN_IF_ERROR(failed);
  if (!batch.empty()) KRING_RETURN_IF_ERROR(store.Write(batch, /*sync=*/true));
  return batch.mutations().size();
}

}  // namespace kring::service::records
