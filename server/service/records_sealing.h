// Encryption at rest (issue 16; docs/data-rights.md, "Keys" and "What is sealed"): the one place
// where what people wrote is sealed on its way to disk and opened on its way back.
//
// SealedStore is a Store over another Store (RocksStore in kringd). The records layer and every
// action use it like any store and only ever see plaintext; below it, every value of a content
// table (messages and their earlier versions, threads, the plan, consents, members,
// invitations, attachment records, idempotency records) is stored as
//
//   0x00 | network id (8 bytes, big-endian) | Seal(network key, value, identity)
//
// where identity is the table's name, the record's key and the network id, so a sealed value
// copied to another record, table or network does not open. A protobuf record never begins
// with 0x00 (field number 0 does not exist), so a value stored in the clear by a kringd from
// before sealing is told apart; Prepare() seals those once at start.
//
// Each network's data key is made when its kNetworks row is first written, in the same batch,
// and stored only wrapped by the master key (kNetworkKeys, store.WrappedKey). Unwrapped keys are
// kept in memory only.
//
// Errors: a value that does not open (damaged, moved, another key), a network without a key or
// whose key does not unwrap: FAILED_PRECONDITION for that read; other networks keep working.
// Thread-safety: as the inner store (any thread, concurrently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/core/random.h"
#include "server/core/sealing.h"
#include "server/core/status.h"
#include "server/storage/store.h"

namespace kring::service::records {

// The first 8 bytes of the SHA-256 of a master key: stored with each wrapped key, so kringd can
// tell which master wrapped it without trying.
std::string MasterKeyId(const SealingKey& master);

class SealedStore final : public storage::Store {
 public:
  // `inner` and `random` must outlive this.
  SealedStore(storage::Store& inner, const SealingKey& master, Random& random);

  // Run once at start, before anything else uses the store. Refuses (FAILED_PRECONDITION,
  // touching nothing) when a network key was wrapped by another master key. Then gives every
  // network without a key one, and seals every content value a kringd from before sealing
  // stored in the clear. Returns how many values it sealed (then the caller should compact, so
  // the plaintext leaves the files). Blocks.
  [[nodiscard]] StatusOr<size_t> Prepare();

  [[nodiscard]] StatusOr<std::optional<std::string>> Get(storage::Table table,
                                                         std::string_view key) const override;
  [[nodiscard]] Status Scan(storage::Table table, std::string_view begin, std::string_view end,
                            size_t limit, const storage::ScanVisitor& visit) const override;
  // Seals the batch's content values, adds the keys of networks it opens, and writes it to the
  // inner store. FAILED_PRECONDITION when a content value's network has no key.
  [[nodiscard]] Status Write(const storage::WriteBatch& batch, bool sync) override;

  // Whether a value of `table` under `key` is sealed (for tests and the migration).
  static bool IsContent(storage::Table table, std::string_view key);

  // The network's data key (for the attachment files: storage::AttachmentArea::SealWith).
  // FAILED_PRECONDITION when it has none or it does not unwrap. Blocks on a first read.
  [[nodiscard]] StatusOr<SealingKey> NetworkKey(uint64_t network_id) const;

 private:
  StatusOr<std::string> OpenValue(storage::Table table, std::string_view key,
                                  std::string_view stored) const;
  Status SealPlaintextValues(storage::Table table, size_t& sealed);

  storage::Store& inner_;
  const SealingKey master_;
  const std::string master_id_;
  Random& random_;
  std::mutex open_mu_;  // held by a Write that makes network keys, so two cannot race for one
  mutable std::shared_mutex mu_;
  mutable std::unordered_map<uint64_t, SealingKey> keys_;  // guarded by mu_; committed keys only
};

// Offline (kringd stopped): every network key wrapped by `old_master` is wrapped again by
// `new_master` in one batch; content is not touched. Keys already wrapped by `new_master` are
// left alone, so a run that was cut short can be run again. Returns how many it rewrapped.
// FAILED_PRECONDITION (writing nothing) when a key is wrapped by neither, or does not unwrap.
[[nodiscard]] StatusOr<size_t> RewrapNetworkKeys(storage::Store& store,
                                                 const SealingKey& old_master,
                                                 const SealingKey& new_master, Random& random);

}  // namespace kring::service::records
