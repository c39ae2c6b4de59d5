// MemoryStore: a Store held entirely in memory, for unit tests of the layers above storage.
//
// Semantics match RocksStore (bytewise key order, atomic batches, snapshot scans) so a test that
// passes against MemoryStore says something about kringd. Nothing survives destruction; `sync`
// is accepted and ignored.
//
// Thread-safety: all methods may be called concurrently. One std::shared_mutex guards every
// table; Get and Scan take it shared, Write exclusive.
//
// Scan copies the matching entries (at most `limit`) under the shared lock and calls the visitor
// after releasing it. The visitor therefore sees one consistent snapshot and may call back into
// the store, Get or Write, as it may with RocksStore; its own writes are not seen by the scan in
// progress. The price is a copy of the visited range, which is fine at test sizes.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "server/storage/store.h"

namespace kring::storage {

class MemoryStore final : public Store {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // Errors: kInvalidArgument for a table outside Table's range. Never fails otherwise.
  [[nodiscard]] StatusOr<std::optional<std::string>> Get(Table table,
                                                         std::string_view key) const override;
  [[nodiscard]] Status Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                            const ScanVisitor& visit) const override;
  // A batch naming an invalid table fails with kInvalidArgument and applies nothing.
  [[nodiscard]] Status Write(const WriteBatch& batch, bool sync) override;

 private:
  // std::less<> so lookups by string_view do not allocate. std::string compares bytes as
  // unsigned char, which is RocksDB's bytewise order.
  using Rows = std::map<std::string, std::string, std::less<>>;

  mutable std::shared_mutex mu_;
  std::array<Rows, kTableCount> tables_;  // guarded by mu_
};

}  // namespace kring::storage
