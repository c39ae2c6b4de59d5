// Staged writes over a ReadView, with read-your-writes. Only the last write to a key is kept.
//
// The Writer runs many requests against one group Transaction over the Store, each inside a
// child Transaction: a request that fails discards its child, one that succeeds merges it into
// the group with CommitToParent(). The group's batch() is then written to the Store at once.
//
// Reads see staged writes. A Scan reads the whole range from below before it merges the staged
// entries (and applies the limit), so write paths scan only small ranges: the threads or
// consents of one network, never messages.
// Not thread-safe: a Transaction belongs to the writer thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "server/storage/store.h"

namespace kring::storage {

class Transaction final : public ReadView {
 public:
  // A top-level transaction over `base` (which must outlive it).
  explicit Transaction(const ReadView& base) : base_(&base) {}
  // A child of `parent`: reads see the parent's staged writes; CommitToParent() hands its own
  // writes up.
  explicit Transaction(Transaction* parent) : base_(parent), parent_(parent) {}

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  StatusOr<std::optional<std::string>> Get(Table table, std::string_view key) const override;
  Status Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
              const ScanVisitor& visit) const override;

  void Put(Table table, std::string key, std::string value);
  void Delete(Table table, std::string key);

  // Moves this child's staged writes into its parent. The child is empty afterwards.
  void CommitToParent();

  // The last staged write to each key, in table and key order: what the store must apply. A
  // key written many times in a group (a thread's head, the access log's head) is written once.
  WriteBatch batch() const;
  bool empty() const;
  // Bit (1 << table) for each table this transaction staged a write to (a child's count for its
  // parent once committed). Lets the writer tell which requests changed what.
  TableMask touched_tables() const { return touched_tables_; }

 private:
  void Stage(Table table, std::string key, std::optional<std::string> value);

  const ReadView* base_;
  Transaction* parent_ = nullptr;
  // Latest staged value per key (nullopt: deleted), for read-your-writes.
  std::array<std::map<std::string, std::optional<std::string>, std::less<>>, kTableCount> staged_;
  TableMask touched_tables_ = 0;
};

}  // namespace kring::storage
