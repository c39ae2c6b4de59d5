// The Store contract, checked against every implementation: MemoryStore, RocksStore, and a
// FaultyStore with no fault armed (which must be invisible). FaultyStore's faults are tested at
// the end.
#include "server/storage/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "server/storage/memory_store.h"
#include "server/storage/rocks_store.h"
#include "tests/server/storage/faulty_store.h"

namespace kring::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

using Rows = std::vector<std::pair<std::string, std::string>>;

class MemoryHarness {
 public:
  Store& store() { return store_; }

 private:
  MemoryStore store_;
};

class RocksHarness {
 public:
  RocksHarness() {
    std::string tmpl = ::testing::TempDir() + "kring_store_test_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << tmpl;
      return;
    }
    dir_ = tmpl;
    auto opened = RocksStore::Open(dir_ + "/db", RocksStoreOptions{});
    if (!opened.ok()) {
      ADD_FAILURE() << opened.status().ToString();
      return;
    }
    store_ = std::move(opened).value();
  }
  ~RocksHarness() {
    store_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  Store& store() { return *store_; }

 private:
  std::string dir_;
  std::unique_ptr<RocksStore> store_;
};

class FaultyMemoryHarness {
 public:
  Store& store() { return store_; }

 private:
  MemoryStore memory_;
  FaultyStore store_{memory_};
};

template <typename Harness>
class StoreTest : public ::testing::Test {
 protected:
  Store& store() { return harness_.store(); }

  void Put(Table table, std::string key, std::string value) {
    WriteBatch batch;
    batch.Put(table, std::move(key), std::move(value));
    ASSERT_TRUE(store().Write(batch, /*sync=*/false).ok());
  }

  std::optional<std::string> Get(Table table, std::string_view key) {
    auto got = store().Get(table, key);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::nullopt;
  }

  Rows Scan(Table table, std::string_view begin, std::string_view end, size_t limit = 0) {
    Rows rows;
    Status s = store().Scan(table, begin, end, limit, [&](std::string_view k, std::string_view v) {
      rows.emplace_back(k, v);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return rows;
  }

 private:
  Harness harness_;
};

class HarnessNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryHarness>) return "Memory";
    if (std::is_same_v<T, RocksHarness>) return "Rocks";
    return "FaultyMemory";
  }
};

using Harnesses = ::testing::Types<MemoryHarness, RocksHarness, FaultyMemoryHarness>;
TYPED_TEST_SUITE(StoreTest, Harnesses, HarnessNames);

TYPED_TEST(StoreTest, GetOfAbsentKeyIsNulloptNotError) {
  EXPECT_EQ(this->Get(Table::kAccounts, "nobody"), std::nullopt);
  EXPECT_EQ(this->Get(Table::kAccounts, ""), std::nullopt);
}

TYPED_TEST(StoreTest, PutGetOverwriteDelete) {
  this->Put(Table::kHandles, "ada", "1");
  EXPECT_EQ(this->Get(Table::kHandles, "ada"), "1");
  this->Put(Table::kHandles, "ada", "2");
  EXPECT_EQ(this->Get(Table::kHandles, "ada"), "2");

  WriteBatch del;
  del.Delete(Table::kHandles, "ada");
  del.Delete(Table::kHandles, "never-there");  // deleting an absent key is not an error
  ASSERT_TRUE(this->store().Write(del, /*sync=*/true).ok());
  EXPECT_EQ(this->Get(Table::kHandles, "ada"), std::nullopt);
}

TYPED_TEST(StoreTest, EmptyValueIsPresent) {
  this->Put(Table::kAccountNetworks, "k", "");
  EXPECT_EQ(this->Get(Table::kAccountNetworks, "k"), "");
}

TYPED_TEST(StoreTest, TablesAreIndependent) {
  this->Put(Table::kAccounts, "k", "account");
  this->Put(Table::kHandles, "k", "handle");
  EXPECT_EQ(this->Get(Table::kAccounts, "k"), "account");
  EXPECT_EQ(this->Get(Table::kHandles, "k"), "handle");
  EXPECT_THAT(this->Scan(Table::kSessions, "", ""), IsEmpty());

  WriteBatch del;
  del.Delete(Table::kAccounts, "k");
  ASSERT_TRUE(this->store().Write(del, false).ok());
  EXPECT_EQ(this->Get(Table::kAccounts, "k"), std::nullopt);
  EXPECT_EQ(this->Get(Table::kHandles, "k"), "handle");
}

TYPED_TEST(StoreTest, EveryTableStoresAndScans) {
  for (size_t i = 0; i < kTableCount; ++i) {
    this->Put(static_cast<Table>(i), "key", std::string(TableName(static_cast<Table>(i))));
  }
  for (size_t i = 0; i < kTableCount; ++i) {
    const auto table = static_cast<Table>(i);
    EXPECT_THAT(this->Scan(table, "", ""), ElementsAre(Pair("key", std::string(TableName(table)))));
  }
}

TYPED_TEST(StoreTest, ScanBeginIsInclusiveEndExclusiveEmptyEndUnbounded) {
  for (const char* k : {"a", "b", "c", "d"}) this->Put(Table::kMessages, k, k);
  auto keys = [&](std::string_view begin, std::string_view end) {
    std::vector<std::string> out;
    for (auto& [k, v] : this->Scan(Table::kMessages, begin, end)) out.push_back(k);
    return out;
  };
  EXPECT_THAT(keys("b", "d"), ElementsAre("b", "c"));
  EXPECT_THAT(keys("b", ""), ElementsAre("b", "c", "d"));
  EXPECT_THAT(keys("", ""), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(keys("bb", "d"), ElementsAre("c"));
  EXPECT_THAT(keys("b", "b"), IsEmpty());
  EXPECT_THAT(keys("d", "b"), IsEmpty());  // inverted range: nothing, not an error
  EXPECT_THAT(keys("e", ""), IsEmpty());
  EXPECT_THAT(this->Scan(Table::kMessages, "c", "d"), ElementsAre(Pair("c", "c")));
}

TYPED_TEST(StoreTest, ScanLimit) {
  for (const char* k : {"a", "b", "c", "d"}) this->Put(Table::kMessages, k, k);
  EXPECT_EQ(this->Scan(Table::kMessages, "", "", 2).size(), 2u);
  EXPECT_THAT(this->Scan(Table::kMessages, "b", "", 1), ElementsAre(Pair("b", "b")));
  EXPECT_EQ(this->Scan(Table::kMessages, "", "", 0).size(), 4u);
  EXPECT_EQ(this->Scan(Table::kMessages, "", "", 10).size(), 4u);
  EXPECT_EQ(this->Scan(Table::kMessages, "a", "c", 10).size(), 2u);
}

TYPED_TEST(StoreTest, ScanStopsWhenVisitorReturnsFalse) {
  for (const char* k : {"a", "b", "c", "d"}) this->Put(Table::kThreads, k, k);
  std::vector<std::string> seen;
  Status s = this->store().Scan(Table::kThreads, "", "", 0, [&](std::string_view k, auto) {
    seen.emplace_back(k);
    return seen.size() < 2;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(seen, ElementsAre("a", "b"));
}

TYPED_TEST(StoreTest, BinaryKeysSortBytewise) {
  using namespace std::string_literals;
  // Expected order: unsigned bytes, shorter prefix first.
  const std::vector<std::string> sorted = {
      ""s,   "\0"s,   "\0\0"s, "\0\x01"s,   "\x01"s, "a"s,      "a\0"s,      "a\0b"s,
      "ab"s, "\x7f"s, "\x80"s, "\xfe\xff"s, "\xff"s, "\xff\0"s, "\xff\xff"s,
  };
  std::vector<std::string> shuffled = sorted;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
  WriteBatch batch;
  for (const std::string& k : shuffled) batch.Put(Table::kMembers, k, "v" + k);
  ASSERT_TRUE(this->store().Write(batch, false).ok());

  std::vector<std::string> scanned;
  for (auto& [k, v] : this->Scan(Table::kMembers, "", "")) {
    EXPECT_EQ(v, "v" + k);
    scanned.push_back(k);
  }
  EXPECT_EQ(scanned, sorted);

  // Embedded zeros are part of the key, not terminators.
  EXPECT_EQ(this->Get(Table::kMembers, "a"s), "va");
  EXPECT_EQ(this->Get(Table::kMembers, "a\0"s), "va\0"s);
  EXPECT_EQ(this->Get(Table::kMembers, "a\0c"s), std::nullopt);
  EXPECT_THAT(this->Scan(Table::kMembers, "a"s, "a\0b"s),
              ElementsAre(Pair("a"s, "va"s), Pair("a\0"s, "va\0"s)));
  EXPECT_THAT(this->Scan(Table::kMembers, "\xff"s, ""),
              ElementsAre(Pair("\xff"s, "v\xff"s), Pair("\xff\0"s, "v\xff\0"s),
                          Pair("\xff\xff"s, "v\xff\xff"s)));
}

TYPED_TEST(StoreTest, LargeValueRoundTrips) {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  this->Put(Table::kMessages, "big", big);
  EXPECT_EQ(this->Get(Table::kMessages, "big"), big);
}

TYPED_TEST(StoreTest, BatchWithManyMutationsAppliesWhole) {
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    batch.Put(static_cast<Table>(i % kTableCount), "k" + std::to_string(i), std::to_string(i));
  }
  ASSERT_TRUE(this->store().Write(batch, /*sync=*/true).ok());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(this->Get(static_cast<Table>(i % kTableCount), "k" + std::to_string(i)),
              std::to_string(i));
  }
}

TYPED_TEST(StoreTest, LaterMutationOfSameKeyInBatchWins) {
  this->Put(Table::kSessions, "gone", "old");
  WriteBatch batch;
  batch.Put(Table::kSessions, "put-put", "1");
  batch.Put(Table::kSessions, "put-put", "2");
  batch.Put(Table::kSessions, "put-delete", "1");
  batch.Delete(Table::kSessions, "put-delete");
  batch.Delete(Table::kSessions, "delete-put");
  batch.Put(Table::kSessions, "delete-put", "3");
  batch.Delete(Table::kSessions, "gone");
  batch.Put(Table::kSessions, "gone", "new");
  batch.Delete(Table::kSessions, "gone");
  ASSERT_TRUE(this->store().Write(batch, false).ok());
  EXPECT_EQ(this->Get(Table::kSessions, "put-put"), "2");
  EXPECT_EQ(this->Get(Table::kSessions, "put-delete"), std::nullopt);
  EXPECT_EQ(this->Get(Table::kSessions, "delete-put"), "3");
  EXPECT_EQ(this->Get(Table::kSessions, "gone"), std::nullopt);
}

TYPED_TEST(StoreTest, EmptyBatchIsOk) {
  EXPECT_TRUE(this->store().Write(WriteBatch(), /*sync=*/true).ok());
  EXPECT_TRUE(this->store().Write(WriteBatch(), /*sync=*/false).ok());
}

TYPED_TEST(StoreTest, InvalidTableIsAnErrorAndBatchAppliesNothing) {
  const auto bogus = static_cast<Table>(200);
  EXPECT_EQ(this->store().Get(bogus, "k").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(this->store().Scan(bogus, "", "", 0, [](auto, auto) { return true; }).code(),
            Code::kInvalidArgument);
  WriteBatch batch;
  batch.Put(Table::kMeta, "first", "x");
  batch.Put(bogus, "k", "v");
  EXPECT_EQ(this->store().Write(batch, false).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->Get(Table::kMeta, "first"), std::nullopt);
}

// The visitor may call back into the store, and the scan keeps reading its snapshot.
TYPED_TEST(StoreTest, ScanSeesSnapshotAndVisitorMayWrite) {
  for (const char* k : {"a", "c", "e"}) this->Put(Table::kReadMarkers, k, k);
  std::vector<std::string> seen;
  Status s =
      this->store().Scan(Table::kReadMarkers, "", "", 0, [&](std::string_view k, std::string_view) {
        seen.emplace_back(k);
        // Get reads the live store, where the first visit deleted e.
        EXPECT_EQ(this->Get(Table::kReadMarkers, k),
                  k == "e" ? std::nullopt : std::optional<std::string>(k));
        WriteBatch batch;
        batch.Put(Table::kReadMarkers, std::string(k) + "+", "new");
        batch.Delete(Table::kReadMarkers, "e");
        EXPECT_TRUE(this->store().Write(batch, false).ok());
        return true;
      });
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(seen, ElementsAre("a", "c", "e"));
  EXPECT_EQ(this->Get(Table::kReadMarkers, "a+"), "new");
  EXPECT_EQ(this->Get(Table::kReadMarkers, "e"), std::nullopt);
}

// A reader racing a writer sees each batch whole or not at all, in Get and in Scan.
TYPED_TEST(StoreTest, ConcurrentReaderNeverSeesPartialBatch) {
  constexpr int kBatches = 60;
  constexpr int kKeysPerBatch = 25;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      WriteBatch batch;
      for (int k = 0; k < kKeysPerBatch; ++k) {
        batch.Put(Table::kMessages, "b" + std::to_string(1000 + b) + "k" + std::to_string(k), "v");
      }
      batch.Put(Table::kThreadHeads, "head", std::to_string(b + 1));
      EXPECT_TRUE(this->store().Write(batch, false).ok());
    }
    done = true;
  });
  int checks = 0;
  while (!done || checks < 3) {
    size_t count = 0;
    ASSERT_TRUE(this->store()
                    .Scan(Table::kMessages, "", "", 0,
                          [&](auto, auto) {
                            ++count;
                            return true;
                          })
                    .ok());
    EXPECT_EQ(count % kKeysPerBatch, 0u) << "a scan saw part of a batch";
    ++checks;
  }
  writer.join();
  EXPECT_EQ(this->Scan(Table::kMessages, "", "").size(), size_t{kBatches * kKeysPerBatch});
  EXPECT_EQ(this->Get(Table::kThreadHeads, "head"), std::to_string(kBatches));
}

// FaultyStore's own behaviour: faults on command, nothing applied when a write fails.
class FaultyStoreTest : public ::testing::Test {
 protected:
  static WriteBatch OnePut(const std::string& key) {
    WriteBatch batch;
    batch.Put(Table::kMeta, key, "v");
    return batch;
  }
  bool Has(const std::string& key) {
    auto got = memory_.Get(Table::kMeta, key);
    return got.ok() && got->has_value();
  }

  MemoryStore memory_;
  FaultyStore store_{memory_};
};

TEST_F(FaultyStoreTest, FailWritesAfterCountsFromArmingAndAppliesNothing) {
  ASSERT_TRUE(store_.Write(OnePut("before"), false).ok());
  store_.FailWritesAfter(2);
  EXPECT_TRUE(store_.Write(OnePut("1"), false).ok());
  EXPECT_TRUE(store_.Write(OnePut("2"), false).ok());
  Status failed = store_.Write(OnePut("3"), false);
  EXPECT_EQ(failed.code(), Code::kInternal);
  EXPECT_THAT(failed.detail(), ::testing::StartsWith("faulty_store: injected"));
  EXPECT_EQ(store_.Write(OnePut("4"), false).code(), Code::kInternal);
  EXPECT_TRUE(Has("2"));
  EXPECT_FALSE(Has("3"));
  EXPECT_FALSE(Has("4"));
  EXPECT_EQ(store_.writes_attempted(), 5u);
  EXPECT_EQ(store_.writes_applied(), 3u);

  store_.Heal();
  EXPECT_TRUE(store_.Write(OnePut("5"), false).ok());
  EXPECT_TRUE(Has("5"));
}

TEST_F(FaultyStoreTest, FailWritesAfterZeroFailsTheNextWrite) {
  store_.FailWritesAfter(0);
  EXPECT_FALSE(store_.Write(OnePut("x"), true).ok());
  EXPECT_FALSE(Has("x"));
}

TEST_F(FaultyStoreTest, FailNextWriteFailsExactlyOne) {
  store_.FailNextWrite();
  EXPECT_EQ(store_.Write(OnePut("a"), false).code(), Code::kInternal);
  EXPECT_TRUE(store_.Write(OnePut("b"), false).ok());
  EXPECT_FALSE(Has("a"));
  EXPECT_TRUE(Has("b"));
  EXPECT_EQ(store_.writes_attempted(), 2u);
  EXPECT_EQ(store_.writes_applied(), 1u);
}

TEST_F(FaultyStoreTest, FailReadsFailsGetAndScanUntilTurnedOff) {
  ASSERT_TRUE(store_.Write(OnePut("k"), false).ok());
  store_.FailReads(true);
  EXPECT_EQ(store_.Get(Table::kMeta, "k").status().code(), Code::kInternal);
  bool visited = false;
  Status scan = store_.Scan(Table::kMeta, "", "", 0, [&](auto, auto) {
    visited = true;
    return true;
  });
  EXPECT_EQ(scan.code(), Code::kInternal);
  EXPECT_FALSE(visited);
  EXPECT_TRUE(store_.Write(OnePut("w"), false).ok());  // reads only
  store_.FailReads(false);
  auto got = store_.Get(Table::kMeta, "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "v");
}

TEST_F(FaultyStoreTest, HealClearsEveryFault) {
  store_.FailNextWrite();
  store_.FailWritesAfter(0);
  store_.FailReads(true);
  store_.Heal();
  EXPECT_TRUE(store_.Write(OnePut("k"), false).ok());
  EXPECT_TRUE(store_.Get(Table::kMeta, "k").ok());
}

TEST_F(FaultyStoreTest, ConcurrentWritesCountExactly) {
  store_.FailWritesAfter(100);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!store_.Write(OnePut(std::to_string(t * 100 + i)), false).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(store_.writes_attempted(), 200u);
  EXPECT_EQ(store_.writes_applied(), 100u);
  EXPECT_EQ(failures.load(), 100);
  size_t rows = 0;
  ASSERT_TRUE(memory_
                  .Scan(Table::kMeta, "", "", 0,
                        [&](auto, auto) {
                          ++rows;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(rows, 100u);
}

}  // namespace
}  // namespace kring::storage
