#include "server/service/writer.h"

#include <gtest/gtest.h>

#include <future>
#include <latch>
#include <vector>

#include "server/storage/memory_store.h"
#include "tests/server/storage/faulty_store.h"

namespace kring::service {
namespace {

using storage::Table;

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : faulty_(memory_), writer_(faulty_, 64) { writer_.Start(); }

  // Submits an op that puts key=value; returns a future of its outcome.
  std::future<Status> Put(std::string key, std::string value, Status apply_result = {}) {
    auto done = std::make_shared<std::promise<Status>>();
    auto future = done->get_future();
    writer_.Submit(Writer::Op{[=](storage::Transaction& txn) {
                                txn.Put(Table::kMeta, key, value);
                                return apply_result;
                              },
                              [done](const Status& s) { done->set_value(s); }});
    return future;
  }

  std::optional<std::string> Read(const std::string& key) {
    auto v = memory_.Get(Table::kMeta, key);
    return v.ok() ? *v : std::nullopt;
  }

  storage::MemoryStore memory_;
  storage::FaultyStore faulty_;
  Writer writer_;
};

TEST_F(WriterTest, AppliesAndAcknowledgesInOrder) {
  std::vector<int> order;
  std::vector<std::future<Status>> futures;
  for (int i = 0; i < 20; ++i) {
    auto done = std::make_shared<std::promise<Status>>();
    futures.push_back(done->get_future());
    writer_.Submit(Writer::Op{[i](storage::Transaction& txn) {
                                txn.Put(Table::kMeta, "k", std::to_string(i));
                                return Status::Ok();
                              },
                              [&order, i, done](const Status& s) {
                                order.push_back(i);
                                done->set_value(s);
                              }});
  }
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(Read("k"), "19");  // the last write wins
}

TEST_F(WriterTest, ManyQueuedRequestsShareOneSyncedWrite) {
  // Hold the writer inside the first op while 100 more are queued behind it.
  std::latch release(1);
  std::promise<void> entered;
  writer_.Submit(Writer::Op{[&](storage::Transaction& txn) {
                              entered.set_value();
                              release.wait();
                              txn.Put(Table::kMeta, "first", "1");
                              return Status::Ok();
                            },
                            [](const Status&) {}});
  entered.get_future().wait();
  std::vector<std::future<Status>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(Put("k" + std::to_string(i), "v"));
  const size_t writes_before = faulty_.writes_attempted();
  release.count_down();
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  // The first op's group, then at most two groups for the 100 queued ones (max_group 64).
  EXPECT_LE(faulty_.writes_attempted() - writes_before, 3u);
  EXPECT_EQ(Read("k99"), "v");
}

TEST_F(WriterTest, AFailingOpDiscardsOnlyItsOwnWrites) {
  std::latch release(1);
  writer_.Submit(Writer::Op{[&](storage::Transaction&) {
                              release.wait();
                              return Status::Ok();
                            },
                            [](const Status&) {}});
  auto ok1 = Put("a", "1");
  auto bad = Put("b", "2", PermissionDenied("no"));
  auto ok2 = Put("c", "3");
  release.count_down();
  EXPECT_TRUE(ok1.get().ok());
  EXPECT_EQ(bad.get().code(), Code::kPermissionDenied);
  EXPECT_TRUE(ok2.get().ok());
  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("b"), std::nullopt);
  EXPECT_EQ(Read("c"), "3");
}

TEST_F(WriterTest, AFailingOpKeepsOnlyWhatItsFailureHandlerStages) {
  std::promise<Status> done;
  writer_.Submit(Writer::Op{[](storage::Transaction& txn) {
                              txn.Put(Table::kMeta, "change", "1");
                              return PermissionDenied("no");
                            },
                            [&](const Status& s) { done.set_value(s); },
                            [](storage::Transaction& txn, const Status& failure) {
                              txn.Put(Table::kMeta, "record", "denied: " + failure.detail());
                              return Status::Ok();
                            }});
  EXPECT_EQ(done.get_future().get().code(), Code::kPermissionDenied);
  EXPECT_EQ(Read("change"), std::nullopt);
  EXPECT_EQ(Read("record"), "denied: no");
}

TEST_F(WriterTest, AFailureHandlerThatFailsKeepsNothing) {
  std::promise<Status> done;
  writer_.Submit(Writer::Op{[](storage::Transaction&) { return PermissionDenied("no"); },
                            [&](const Status& s) { done.set_value(s); },
                            [](storage::Transaction& txn, const Status&) {
                              txn.Put(Table::kMeta, "record", "half");
                              return Internal("could not");
                            }});
  EXPECT_EQ(done.get_future().get().code(), Code::kPermissionDenied);
  EXPECT_EQ(Read("record"), std::nullopt);
}

TEST_F(WriterTest, AFailedStoreWriteAcknowledgesNothingOfTheGroup) {
  faulty_.FailNextWrite();
  EXPECT_EQ(Put("x", "1").get().code(), Code::kInternal);
  EXPECT_EQ(Read("x"), std::nullopt);
  EXPECT_TRUE(Put("y", "2").get().ok());  // the next group is fine
  EXPECT_EQ(Read("y"), "2");
}

TEST_F(WriterTest, LaterOpsInAGroupSeeEarlierOnesWrites) {
  std::latch release(1);
  writer_.Submit(Writer::Op{[&](storage::Transaction&) {
                              release.wait();
                              return Status::Ok();
                            },
                            [](const Status&) {}});
  auto first = Put("counter", "1");
  auto seen = std::make_shared<std::promise<std::string>>();
  writer_.Submit(Writer::Op{[seen](storage::Transaction& txn) {
                              auto v = txn.Get(Table::kMeta, "counter");
                              seen->set_value(v.ok() && *v ? **v : "");
                              return Status::Ok();
                            },
                            [](const Status&) {}});
  release.count_down();
  EXPECT_TRUE(first.get().ok());
  EXPECT_EQ(seen->get_future().get(), "1");
}

TEST_F(WriterTest, StopDrainsTheQueueAndLaterSubmitsFail) {
  std::vector<std::future<Status>> futures;
  for (int i = 0; i < 50; ++i) futures.push_back(Put("k" + std::to_string(i), "v"));
  writer_.Stop();
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(Put("late", "v").get().code(), Code::kInternal);
  EXPECT_EQ(Read("late"), std::nullopt);
}

}  // namespace
}  // namespace kring::service
