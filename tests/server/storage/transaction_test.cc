#include "server/storage/transaction.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "server/storage/memory_store.h"

namespace kring::storage {
namespace {

// A mutation as plain values, so a batch compares and prints readably.
struct Op {
  Table table;
  std::string key;
  std::optional<std::string> value;
  friend bool operator==(const Op&, const Op&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Op& op) {
    os << TableName(op.table) << ":" << op.key << (op.value ? "=" + *op.value : " deleted");
    return os;
  }
};

std::vector<Op> Ops(const WriteBatch& batch) {
  std::vector<Op> out;
  for (const Mutation& m : batch.mutations()) out.push_back({m.table, m.key, m.value});
  return out;
}

// The value at `key`, "<absent>" if there is none, "<error: ...>" on a failed read.
std::string Read(const ReadView& view, Table table, std::string_view key) {
  StatusOr<std::optional<std::string>> v = view.Get(table, key);
  if (!v.ok()) return "<error: " + v.status().ToString() + ">";
  return v->has_value() ? **v : "<absent>";
}

// "key=value,key=value" of a scan, or "<error: ...>".
std::string ScanAll(const ReadView& view, Table table, std::string_view begin = "",
                    std::string_view end = "", size_t limit = 0) {
  std::string out;
  Status s = view.Scan(table, begin, end, limit, [&](std::string_view k, std::string_view v) {
    if (!out.empty()) out += ",";
    out += std::string(k) + "=" + std::string(v);
    return true;
  });
  if (!s.ok()) return "<error: " + s.ToString() + ">";
  return out;
}

constexpr Table kA = Table::kAccounts;
constexpr Table kH = Table::kHandles;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteBatch seed;
    seed.Put(kA, "anna", "base-anna");
    seed.Put(kA, "bert", "base-bert");
    seed.Put(kH, "anna", "1");
    ASSERT_TRUE(store_.Write(seed, /*sync=*/false).ok());
  }

  // Applies `batch` to the store, as the Writer does with the group's batch.
  void Apply(const WriteBatch& batch) { ASSERT_TRUE(store_.Write(batch, false).ok()); }

  MemoryStore store_;
};

TEST_F(TransactionTest, ReadsFallThroughToTheBase) {
  Transaction txn(store_);
  EXPECT_EQ(Read(txn, kA, "anna"), "base-anna");
  EXPECT_EQ(Read(txn, kH, "anna"), "1");
  EXPECT_EQ(Read(txn, kA, "nobody"), "<absent>");
  EXPECT_TRUE(txn.empty());
}

TEST_F(TransactionTest, PutIsSeenByTheTransactionOnly) {
  Transaction txn(store_);
  txn.Put(kA, "anna", "new-anna");
  txn.Put(kA, "carla", "new-carla");
  EXPECT_EQ(Read(txn, kA, "anna"), "new-anna");
  EXPECT_EQ(Read(txn, kA, "carla"), "new-carla");
  EXPECT_EQ(Read(store_, kA, "anna"), "base-anna");  // nothing written until the batch is
  EXPECT_EQ(Read(store_, kA, "carla"), "<absent>");
}

TEST_F(TransactionTest, TablesAreSeparate) {
  Transaction txn(store_);
  txn.Put(kA, "anna", "new-anna");
  txn.Delete(kA, "bert");
  EXPECT_EQ(Read(txn, kH, "anna"), "1");
  txn.Put(kH, "bert", "2");
  EXPECT_EQ(Read(txn, kH, "bert"), "2");
  EXPECT_EQ(Read(txn, kA, "bert"), "<absent>");
}

TEST_F(TransactionTest, EmptyValueIsAValueNotADelete) {
  Transaction txn(store_);
  txn.Put(kA, "anna", "");
  EXPECT_EQ(Read(txn, kA, "anna"), "");
}

TEST_F(TransactionTest, DeleteHidesTheBaseValue) {
  Transaction txn(store_);
  txn.Delete(kA, "anna");
  EXPECT_EQ(Read(txn, kA, "anna"), "<absent>");
  EXPECT_EQ(Read(txn, kA, "bert"), "base-bert");
  EXPECT_EQ(Read(store_, kA, "anna"), "base-anna");
}

TEST_F(TransactionTest, LastWriteToAKeyIsWhatReadsSee) {
  Transaction txn(store_);
  txn.Delete(kA, "anna");
  txn.Put(kA, "anna", "again");
  EXPECT_EQ(Read(txn, kA, "anna"), "again");
  txn.Put(kA, "carla", "1");
  txn.Delete(kA, "carla");
  EXPECT_EQ(Read(txn, kA, "carla"), "<absent>");
}

TEST_F(TransactionTest, BatchHoldsTheLastWriteToEachKeyInTableAndKeyOrder) {
  Transaction txn(store_);
  txn.Put(kA, "carla", "1");
  txn.Delete(kH, "anna");
  txn.Put(kA, "anna", "1");
  txn.Put(kA, "anna", "2");  // a second write to the same key replaces the first
  EXPECT_FALSE(txn.empty());
  EXPECT_EQ(Ops(txn.batch()), (std::vector<Op>{
                                  {kA, "anna", "2"},
                                  {kA, "carla", "1"},
                                  {kH, "anna", std::nullopt},
                              }));
  EXPECT_EQ(txn.batch().approximate_bytes(), (4u + 1u) + (5u + 1u) + 4u);
}

TEST_F(TransactionTest, ADeleteAfterAPutIsStillADelete) {
  Transaction txn(store_);
  txn.Put(kA, "anna", "new");
  txn.Delete(kA, "anna");  // the base has anna: the store must lose it
  EXPECT_EQ(Ops(txn.batch()), (std::vector<Op>{{kA, "anna", std::nullopt}}));
}

TEST_F(TransactionTest, AppliedBatchMatchesWhatTheTransactionRead) {
  Transaction txn(store_);
  txn.Put(kA, "anna", "1");
  txn.Delete(kA, "bert");
  txn.Put(kA, "anna", "2");
  txn.Put(kA, "carla", "3");
  Apply(txn.batch());
  for (std::string_view key : {"anna", "bert", "carla"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(Read(store_, kA, key), Read(txn, kA, key));
  }
  EXPECT_EQ(Read(store_, kA, "anna"), "2");
  EXPECT_EQ(Read(store_, kA, "bert"), "<absent>");
}

TEST_F(TransactionTest, ChildSeesParentsStagedWrites) {
  Transaction group(store_);
  group.Put(kA, "anna", "group-anna");
  group.Delete(kA, "bert");
  Transaction child(&group);
  EXPECT_EQ(Read(child, kA, "anna"), "group-anna");
  EXPECT_EQ(Read(child, kA, "bert"), "<absent>");
  EXPECT_EQ(Read(child, kH, "anna"), "1");  // through the parent to the store
  EXPECT_TRUE(child.empty());
}

TEST_F(TransactionTest, ParentDoesNotSeeTheChildBeforeCommit) {
  Transaction group(store_);
  Transaction child(&group);
  child.Put(kA, "anna", "child-anna");
  child.Delete(kA, "bert");
  EXPECT_EQ(Read(child, kA, "anna"), "child-anna");
  EXPECT_EQ(Read(group, kA, "anna"), "base-anna");
  EXPECT_EQ(Read(group, kA, "bert"), "base-bert");
  EXPECT_TRUE(group.empty());
}

TEST_F(TransactionTest, ScanMergesStagedWritesInKeyOrder) {
  Transaction group(store_);
  group.Put(kA, "aaron", "group-aaron");  // before every base key
  group.Delete(kA, "bert");
  group.Put(kA, "anna", "group-anna");  // overwrites a base key
  Transaction child(&group);
  child.Put(kA, "cees", "child-cees");
  child.Put(kH, "zed", "9");  // another table: not in the scan of kA
  EXPECT_EQ(ScanAll(child, kA), "aaron=group-aaron,anna=group-anna,cees=child-cees");
  EXPECT_EQ(ScanAll(group, kA), "aaron=group-aaron,anna=group-anna");
  EXPECT_EQ(ScanAll(store_, kA), "anna=base-anna,bert=base-bert");
}

TEST_F(TransactionTest, ScanKeepsToItsRangeAndLimit) {
  Transaction txn(store_);
  txn.Put(kA, "b0", "staged");
  txn.Put(kA, "c", "after the range");
  EXPECT_EQ(ScanAll(txn, kA, "b", "c"), "b0=staged,bert=base-bert");
  EXPECT_EQ(ScanAll(txn, kA, "", "", 2), "anna=base-anna,b0=staged");
  EXPECT_EQ(ScanAll(txn, kA, "bert", ""), "bert=base-bert,c=after the range");
}

TEST_F(TransactionTest, ScanStopsWhenTheVisitorSaysSo) {
  Transaction txn(store_);
  txn.Put(kA, "carla", "x");
  int visited = 0;
  ASSERT_TRUE(
      txn.Scan(kA, "", "", 0, [&](std::string_view, std::string_view) { return ++visited < 2; })
          .ok());
  EXPECT_EQ(visited, 2);
}

TEST_F(TransactionTest, DiscardedChildLeavesTheParentUnchanged) {
  Transaction group(store_);
  group.Put(kA, "anna", "group-anna");
  const std::vector<Op> before = Ops(group.batch());
  {
    Transaction child(&group);  // a request that fails: its child is dropped
    child.Put(kA, "anna", "child-anna");
    child.Delete(kA, "bert");
    child.Put(kH, "carla", "3");
  }
  EXPECT_EQ(Ops(group.batch()), before);
  EXPECT_EQ(Read(group, kA, "anna"), "group-anna");
  EXPECT_EQ(Read(group, kA, "bert"), "base-bert");
  EXPECT_EQ(Read(group, kH, "carla"), "<absent>");
}

TEST_F(TransactionTest, CommitToParentMovesTheLastWritesUp) {
  Transaction group(store_);
  group.Put(kA, "anna", "group-anna");
  Transaction child(&group);
  child.Put(kA, "anna", "child-anna-1");
  child.Delete(kA, "bert");
  child.Put(kH, "carla", "3");
  child.Put(kA, "anna", "child-anna-2");
  child.CommitToParent();

  EXPECT_TRUE(child.empty());
  EXPECT_EQ(Ops(group.batch()), (std::vector<Op>{
                                    {kA, "anna", "child-anna-2"},
                                    {kA, "bert", std::nullopt},
                                    {kH, "carla", "3"},
                                }));
  EXPECT_EQ(Read(group, kA, "anna"), "child-anna-2");
  EXPECT_EQ(Read(group, kA, "bert"), "<absent>");
  EXPECT_EQ(Read(group, kH, "carla"), "3");
  // The emptied child reads through to the parent, which now holds its writes.
  EXPECT_EQ(Read(child, kA, "anna"), "child-anna-2");

  // Applied to a store, the later write to the same key wins.
  Apply(group.batch());
  EXPECT_EQ(Read(store_, kA, "anna"), "child-anna-2");
  EXPECT_EQ(Read(store_, kA, "bert"), "<absent>");
  EXPECT_EQ(Read(store_, kH, "carla"), "3");
}

TEST_F(TransactionTest, SuccessfulAndFailedRequestsInOneGroup) {
  // The Writer's pattern: one group, one child per request; failures are dropped.
  Transaction group(store_);
  {
    Transaction ok1(&group);
    ok1.Put(kA, "carla", "c1");
    ok1.CommitToParent();
  }
  {
    Transaction failed(&group);
    failed.Put(kA, "carla", "failed");
    failed.Delete(kA, "anna");
  }
  {
    Transaction ok2(&group);
    EXPECT_EQ(Read(ok2, kA, "carla"), "c1");  // sees the earlier request's write
    ok2.Put(kA, "carla", "c2");
    ok2.Delete(kA, "bert");
    ok2.CommitToParent();
  }
  EXPECT_EQ(Ops(group.batch()), (std::vector<Op>{
                                    {kA, "bert", std::nullopt},
                                    {kA, "carla", "c2"},
                                }));
  Apply(group.batch());
  EXPECT_EQ(Read(store_, kA, "carla"), "c2");
  EXPECT_EQ(Read(store_, kA, "anna"), "base-anna");
  EXPECT_EQ(Read(store_, kA, "bert"), "<absent>");
}

TEST_F(TransactionTest, ChildCanBeReusedAfterCommit) {
  Transaction group(store_);
  Transaction child(&group);
  child.Put(kA, "x", "1");
  child.CommitToParent();
  child.Put(kA, "y", "2");
  child.CommitToParent();
  child.CommitToParent();  // nothing left: adds nothing
  EXPECT_EQ(Ops(group.batch()), (std::vector<Op>{{kA, "x", "1"}, {kA, "y", "2"}}));
}

TEST_F(TransactionTest, GrandchildCommitsThroughEachLevel) {
  Transaction group(store_);
  Transaction child(&group);
  child.Put(kA, "anna", "child");
  Transaction grandchild(&child);
  EXPECT_EQ(Read(grandchild, kA, "anna"), "child");
  grandchild.Delete(kA, "anna");
  grandchild.Put(kA, "dirk", "4");
  grandchild.CommitToParent();
  EXPECT_EQ(Read(child, kA, "anna"), "<absent>");
  EXPECT_EQ(Read(group, kA, "anna"), "base-anna");  // not yet at the top
  child.CommitToParent();
  EXPECT_EQ(Ops(group.batch()), (std::vector<Op>{
                                    {kA, "anna", std::nullopt},
                                    {kA, "dirk", "4"},
                                }));
  Apply(group.batch());
  EXPECT_EQ(Read(store_, kA, "anna"), "<absent>");
  EXPECT_EQ(Read(store_, kA, "dirk"), "4");
}

// A base whose reads fail, to check errors are passed up and not mistaken for "absent".
class FailingView final : public ReadView {
 public:
  StatusOr<std::optional<std::string>> Get(Table, std::string_view) const override {
    return Internal("disk on fire");
  }
  Status Scan(Table, std::string_view, std::string_view, size_t,
              const ScanVisitor&) const override {
    return Internal("disk on fire");
  }
};

TEST_F(TransactionTest, TouchedTablesNameWhatWasStagedAndMoveUpOnCommit) {
  const auto bit = [](Table t) { return uint32_t{1} << static_cast<unsigned>(t); };
  Transaction group(store_);
  EXPECT_EQ(group.touched_tables(), 0u);
  Transaction child(&group);
  (void)child.Get(kH, "anna");  // reads touch nothing
  child.Delete(kH, "bert");
  child.Put(kA, "carla", "3");
  EXPECT_EQ(child.touched_tables(), bit(kA) | bit(kH));
  EXPECT_EQ(group.touched_tables(), 0u);
  child.CommitToParent();
  EXPECT_EQ(child.touched_tables(), 0u);
  EXPECT_EQ(group.touched_tables(), bit(kA) | bit(kH));
}

TEST(TransactionErrorTest, BaseReadErrorsPassThrough) {
  FailingView base;
  Transaction group(base);
  Transaction child(&group);
  EXPECT_EQ(CodeName(group.Get(kA, "anna").status().code()), CodeName(Code::kInternal));
  EXPECT_EQ(CodeName(child.Get(kA, "anna").status().code()), CodeName(Code::kInternal));
  // Staged keys are answered without asking the base.
  group.Put(kA, "anna", "staged");
  child.Delete(kA, "bert");
  EXPECT_EQ(Read(child, kA, "anna"), "staged");
  EXPECT_EQ(Read(child, kA, "bert"), "<absent>");
  // A scan needs the base for the whole range: its error is passed up too.
  EXPECT_EQ(ScanAll(child, kA), "<error: INTERNAL: disk on fire>");
}

}  // namespace
}  // namespace kring::storage
