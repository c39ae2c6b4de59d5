// The writer's cache of sessions and standings (server/service/access_cache.h): whatever it has
// kept, a change to access or the passing of an end or expiry is decided at the next request.
#include "server/service/access_cache.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "server/service/writer.h"
#include "server/storage/memory_store.h"
#include "tests/server/service/consent_fixture.h"
#include "tests/server/storage/faulty_store.h"

namespace kring::service {
namespace {

using storage::Table;
using testing::ConsentTest;

// Each case posts first, so that the cache holds the poster's session and standing, and then
// changes what they rest on.
class AccessCacheTest : public ConsentTest {
 protected:
  v1::Error::Code BuddyPosts(uint64_t thread, const std::string& text) {
    v1::Response r = Post(*buddy_, network_.id(), thread, text);
    return r.has_error() ? r.error().code() : v1::Error::CODE_UNSPECIFIED;
  }
};

constexpr auto kOk = v1::Error::CODE_UNSPECIFIED;

TEST_F(AccessCacheTest, AWithdrawalRefusesTheVeryNextPost) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_EQ(BuddyPosts(general_, "one"), kOk);
  ASSERT_EQ(BuddyPosts(general_, "two"), kOk);
  ASSERT_FALSE(Withdraw(*client_, "amir").has_error());
  EXPECT_EQ(BuddyPosts(general_, "three"), v1::Error::PERMISSION_DENIED);
}

TEST_F(AccessCacheTest, NarrowingTheScopeRefusesTheNextPostOutsideIt) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_EQ(BuddyPosts(general_, "one"), kOk);
  ASSERT_FALSE(Grant(*client_, "amir", Scope({work_})).has_error());
  EXPECT_NE(BuddyPosts(general_, "two"), kOk);
  EXPECT_EQ(BuddyPosts(work_, "three"), kOk);
}

TEST_F(AccessCacheTest, AConsentEndIsDecidedAtEachPostNotWhenItWasKept) {
  const int64_t end = clock_.NowMs() + 60'000;
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Grant(*client_, "amir", Scope({}, false, end)).has_error());
  ASSERT_EQ(BuddyPosts(general_, "before"), kOk);
  clock_.Set(end);
  EXPECT_EQ(BuddyPosts(general_, "after"), v1::Error::PERMISSION_DENIED);
}

TEST_F(AccessCacheTest, ASessionExpiryIsDecidedAtEachPost) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_EQ(BuddyPosts(general_, "before"), kOk);
  clock_.Set(clock_.NowMs() + options_.session_ttl_ms);
  EXPECT_EQ(BuddyPosts(general_, "after"), v1::Error::UNAUTHENTICATED);
}

TEST_F(AccessCacheTest, RemovalRefusesTheNextPost) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_EQ(BuddyPosts(general_, "one"), kOk);
  v1::ClientFrame remove;
  remove.mutable_remove_member()->set_network_id(network_.id());
  remove.mutable_remove_member()->set_handle("amir");
  ASSERT_FALSE(client_->Call(remove).has_error());
  EXPECT_EQ(BuddyPosts(general_, "two"), v1::Error::PERMISSION_DENIED);
}

TEST(AccessCacheBoundTest, StartsOverWhenFull) {
  AccessCache cache;
  for (uint64_t i = 0; i <= AccessCache::kMaxEntries; ++i) cache.PutStanding(1, i, {});
  EXPECT_LT(cache.size(), AccessCache::kMaxEntries);
  EXPECT_NE(cache.FindStanding(1, AccessCache::kMaxEntries), nullptr);  // the newest stays
}

// The writer's side of the contract: it says when a watched table changed.
class WriterWatchTest : public ::testing::Test {
 protected:
  WriterWatchTest() : faulty_(memory_), writer_(faulty_, 64) {
    writer_.WatchTables(storage::TableBit(Table::kSessions), [this] { ++changes_; });
    writer_.Start();
  }

  // Runs one op that writes to `table` and returns its outcome; changes_ is final by then.
  Status Apply(Table table, Status result = {}) {
    std::promise<Status> done;
    writer_.Submit(Writer::Op{[=](storage::Transaction& txn) {
                                txn.Put(table, "k", "v");
                                return result;
                              },
                              [&](const Status& s) { done.set_value(s); }, nullptr});
    return done.get_future().get();
  }

  storage::MemoryStore memory_;
  storage::FaultyStore faulty_;
  Writer writer_;
  int changes_ = 0;  // writer thread; read after the op's done
};

TEST_F(WriterWatchTest, AnOpThatWroteAWatchedTableIsReported) {
  EXPECT_TRUE(Apply(Table::kSessions).ok());
  EXPECT_EQ(changes_, 1);
}

TEST_F(WriterWatchTest, EvenWhenTheOpFailedAndItsWritesWereDropped) {
  EXPECT_FALSE(Apply(Table::kSessions, Internal("no")).ok());
  EXPECT_EQ(changes_, 1);
}

TEST_F(WriterWatchTest, OtherTablesAreNot) {
  EXPECT_TRUE(Apply(Table::kMessages).ok());
  EXPECT_EQ(changes_, 0);
}

TEST_F(WriterWatchTest, AFailedGroupWriteIsReportedWhateverItHeld) {
  faulty_.FailNextWrite();
  EXPECT_FALSE(Apply(Table::kMessages).ok());
  EXPECT_EQ(changes_, 1);
}

}  // namespace
}  // namespace kring::service
