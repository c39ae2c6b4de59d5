#include "server/storage/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace kring::storage {
namespace {

// Tables read by point lookups, where a bloom filter skips SST files that lack the key. The
// others (the "id, id -> ''" listing indexes and messages) are read by range scans, which
// whole-key filters do not help, so they do not pay the filter's memory.
bool IsPointLookupTable(Table table) {
  switch (table) {
    case Table::kAccountNetworks:
    case Table::kNetworkThreads:
    case Table::kMessages:
      return false;
    default:
      return true;
  }
}

bool IsValid(Table table) { return static_cast<size_t>(table) < kTableCount; }

Status InvalidTable(Table table) {
  return InvalidArgument("no such table: " + std::to_string(static_cast<int>(table)));
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  return Internal("RocksDB " + std::string(what) + ": " + s.ToString());
}

// RocksDB reports a held LOCK as a plain IOError; these are the texts its POSIX file system uses
// for "another process holds it" and "this process already holds it".
bool IsHeldLock(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  const std::string text = s.ToString();
  return text.find("While lock file") != std::string::npos ||
         text.find("lock hold by current process") != std::string::npos;
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

rocksdb::DBOptions MakeDbOptions() {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Two cores, shared with the io threads: one flush and one compaction at a time.
  options.max_background_jobs = 2;
  // Sixteen column families share one WAL; cap memtable memory for all of them together, and
  // flush the oldest column families once the WAL grows past this, so recovery stays short.
  options.db_write_buffer_size = size_t{128} << 20;
  options.max_total_wal_size = uint64_t{256} << 20;
  options.keep_log_file_num = 5;
  options.max_log_file_size = size_t{16} << 20;
  return options;
}

rocksdb::ColumnFamilyOptions MakeTableOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                              bool bloom) {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = size_t{16} << 20;
  options.level_compaction_dynamic_level_bytes = true;

  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType c) {
    return std::find(supported.begin(), supported.end(), c) != supported.end();
  };
  // LZ4 is cheap enough for every level on a small box; ZSTD pays off on the bottommost level,
  // which holds most of the data and is rewritten least often.
  if (has(rocksdb::kLZ4Compression)) {
    options.compression = rocksdb::kLZ4Compression;
  } else if (has(rocksdb::kZSTD)) {
    options.compression = rocksdb::kZSTD;
  } else {
    options.compression = rocksdb::kNoCompression;
  }
  if (has(rocksdb::kZSTD)) options.bottommost_compression = rocksdb::kZSTD;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks count against the cache, so memory stays bounded by its size.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

struct RocksStore::Impl {
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  // Every handle Open returned (default, ours, and unknown ones), destroyed before db.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::array<rocksdb::ColumnFamilyHandle*, kTableCount> tables{};  // index: Table

  ~Impl() {
    if (db == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      // Fails only for DefaultColumnFamily()'s handle, which we never hold.
      (void)db->DestroyColumnFamilyHandle(handle);
    }
    // Close reports errors from flushing unsynced state; every acknowledged write is already in
    // the WAL, and a destructor has no one to tell.
    (void)db->Close();
  }
};

RocksStore::RocksStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksStore::~RocksStore() = default;

StatusOr<std::unique_ptr<RocksStore>> RocksStore::Open(const std::string& dir,
                                                       const RocksStoreOptions& store_options) {
  auto impl = std::make_unique<Impl>();
  impl->cache = rocksdb::NewLRUCache(store_options.block_cache_bytes);
  const rocksdb::DBOptions db_options = MakeDbOptions();

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           MakeTableOptions(impl->cache, /*bloom=*/false));
  for (size_t i = 0; i < kTableCount; ++i) {
    const auto table = static_cast<Table>(i);
    descriptors.emplace_back(std::string(TableName(table)),
                             MakeTableOptions(impl->cache, IsPointLookupTable(table)));
  }

  // RocksDB refuses to open a database without naming all of its column families. Families a
  // newer kringd added are opened with default-ish options so that a downgrade still starts.
  // Listing fails when there is no database yet; DB::Open then creates it.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, dir, &existing).ok()) {
    for (const std::string& name : existing) {
      auto same = [&](const rocksdb::ColumnFamilyDescriptor& d) { return d.name == name; };
      if (std::none_of(descriptors.begin(), descriptors.end(), same)) {
        descriptors.emplace_back(name, MakeTableOptions(impl->cache, /*bloom=*/false));
      }
    }
  }

  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, descriptors, &impl->handles, &db);
  if (!s.ok()) {
    if (IsHeldLock(s)) {
      return FailedPrecondition("data dir " + dir + " is in use by another kringd (RocksDB lock)");
    }
    return FromRocks(s, "open " + dir);
  }
  impl->db.reset(db);
  // Handles come back in descriptor order: default, then our tables, then unknown families.
  for (size_t i = 0; i < kTableCount; ++i) impl->tables[i] = impl->handles[i + 1];
  return std::unique_ptr<RocksStore>(new RocksStore(std::move(impl)));
}

StatusOr<std::optional<std::string>> RocksStore::Get(Table table, std::string_view key) const {
  if (!IsValid(table)) return InvalidTable(table);
  std::string value;
  rocksdb::Status s = impl_->db->Get(
      rocksdb::ReadOptions(), impl_->tables[static_cast<size_t>(table)], ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "get from " + std::string(TableName(table)));
  return std::optional<std::string>(std::move(value));
}

Status RocksStore::Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                        const ScanVisitor& visit) const {
  if (!IsValid(table)) return InvalidTable(table);
  if (!end.empty() && end <= begin) return Status::Ok();

  // An iterator reads one implicit snapshot taken at creation, so the whole scan is consistent
  // without an explicit GetSnapshot(). The bound must outlive the iterator.
  const rocksdb::Slice upper = ToSlice(end);
  rocksdb::ReadOptions read_options;
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(read_options, impl_->tables[static_cast<size_t>(table)]));

  size_t visited = 0;
  for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
    if (limit != 0 && visited >= limit) break;
    ++visited;
    if (!visit(ToView(it->key()), ToView(it->value()))) break;
  }
  return FromRocks(it->status(), "scan of " + std::string(TableName(table)));
}

Status RocksStore::Write(const WriteBatch& batch, bool sync) {
  rocksdb::WriteBatch rocks_batch;
  for (const Mutation& m : batch.mutations()) {
    if (!IsValid(m.table)) return InvalidTable(m.table);
    rocksdb::ColumnFamilyHandle* cf = impl_->tables[static_cast<size_t>(m.table)];
    rocksdb::Status s = m.value.has_value() ? rocks_batch.Put(cf, ToSlice(m.key), ToSlice(*m.value))
                                            : rocks_batch.Delete(cf, ToSlice(m.key));
    if (!s.ok()) return FromRocks(s, "batch");  // e.g. a key or value over 4 GiB
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  return FromRocks(impl_->db->Write(write_options, &rocks_batch), "write");
}

Status RocksStore::CompactAll() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> tables(impl_->tables.begin(), impl_->tables.end());
  KRING_RETURN_IF_ERROR(FromRocks(impl_->db->Flush(flush, tables), "flush"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* table : tables) {
    KRING_RETURN_IF_ERROR(
        FromRocks(impl_->db->CompactRange(compact, table, nullptr, nullptr), "compaction"));
  }
  // The WAL files the flush made obsolete are deleted now rather than at the next flush.
  return FromRocks(impl_->db->FlushWAL(/*sync=*/true), "WAL sync");
}

}  // namespace kring::storage
