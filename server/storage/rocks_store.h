// RocksStore: the Store kringd keeps on disk, one RocksDB column family per Table.
//
// Durability: Write(batch, /*sync=*/true) returns only after the batch is in the write-ahead log
// and the log is fsynced, so an acknowledged write survives a crash of kringd or of the machine.
// A batch is one WAL record: after a crash it is recovered whole or not at all.
//
// Thread-safety: all methods may be called concurrently from any thread. Every method blocks on
// disk I/O; never call one from an io thread.
//
// Errors: I/O and corruption errors come back as Code::kInternal with RocksDB's message. Get of an
// absent key is not an error (nullopt).
//
// This header includes no RocksDB header: only rocks_store.cc pays for RocksDB.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/storage/store.h"

namespace kring::storage {

struct RocksStoreOptions {
  // Shared by all tables; holds data blocks, index blocks and bloom filters.
  size_t block_cache_bytes = size_t{64} << 20;
};

class RocksStore final : public Store {
 public:
  // Opens the RocksDB database in directory `dir`, creating it (and any missing table) if needed.
  // `dir`'s parent must exist. Column families this build does not know (written by a newer
  // kringd) are opened too and left alone.
  //
  // Errors: another process (or another RocksStore in this process) holding `dir` gives
  // kFailedPrecondition "data dir DIR is in use by another kringd (RocksDB lock)"; anything else
  // (permissions, corruption, not a directory) gives kInternal with RocksDB's message.
  [[nodiscard]] static StatusOr<std::unique_ptr<RocksStore>> Open(const std::string& dir,
                                                                  const RocksStoreOptions& options);

  // Closes the database. Nothing acknowledged is lost: synced writes are already in the WAL.
  ~RocksStore() override;
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  [[nodiscard]] StatusOr<std::optional<std::string>> Get(Table table,
                                                         std::string_view key) const override;
  // The visitor runs against an iterator's implicit snapshot, outside any lock of ours, so it may
  // call back into the store; its writes are not seen by the scan in progress.
  [[nodiscard]] Status Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                            const ScanVisitor& visit) const override;
  [[nodiscard]] Status Write(const WriteBatch& batch, bool sync) override;

  // Flushes every table's memtable to SST files and compacts every table down to its bottommost
  // level, rewriting even bottommost files, so that no SST or live WAL keeps a value that was
  // overwritten or deleted (docs/data-rights.md: sealing old plaintext, rewrapping keys, erasure).
  // Blocks until done; may take long on a large store.
  [[nodiscard]] Status CompactAll();

 private:
  struct Impl;  // the rocksdb::DB and its column family handles
  explicit RocksStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;  // immutable after Open; RocksDB does its own locking
};

}  // namespace kring::storage
