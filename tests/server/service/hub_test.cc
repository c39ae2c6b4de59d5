#include "server/service/hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "server/core/clock.h"

namespace kring::service {
namespace {

// Frames are just the seq as text, so tests can read what arrived.
Frame SeqFrame(uint64_t seq) { return std::make_shared<const std::string>(std::to_string(seq)); }

class FakeTarget final : public EventTarget {
 public:
  void SendFrame(Frame frame) override {
    std::lock_guard lock(mu_);
    frames_.push_back(*frame);
  }
  void EndSession(std::string_view reason) override {
    std::lock_guard lock(mu_);
    ended_ = std::string(reason);
  }
  void TryAgainLater(std::string_view reason) override { EndSession(reason); }
  void WhenQueuedBelow(size_t, std::function<void()> ready) override { ready(); }
  std::vector<std::string> frames() {
    std::lock_guard lock(mu_);
    return frames_;
  }
  std::string ended() {
    std::lock_guard lock(mu_);
    return ended_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> frames_;
  std::string ended_;
};

class HubTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeTarget> Attached(uint64_t account, const std::string& session = "s") {
    auto t = std::make_shared<FakeTarget>();
    hub_.Attach(t, account, session, clock_.NowMs() + 60'000);
    return t;
  }
  ManualClock clock_;
  Hub hub_{clock_};
};

TEST_F(HubTest, OffersDuringCatchUpWaitForTheBacklogRead) {
  auto t = Attached(1);
  auto sub = hub_.Subscribe(t, /*network=*/10, /*thread=*/100, /*after_seq=*/0);
  // Messages 1..3 are in the store; 4 commits while the backlog read is in progress.
  hub_.PublishMessage(100, 4, SeqFrame(4));
  EXPECT_TRUE(t->frames().empty());  // not sent ahead of 1..3
  // The read saw 1..3 and the store's end: but 4 was offered, so read again.
  EXPECT_EQ(sub->DeliverBacklog({{1, SeqFrame(1)}, {2, SeqFrame(2)}, {3, SeqFrame(3)}}, true, 0),
            Subscription::Backlog::kReadMore);
  EXPECT_EQ(sub->DeliverBacklog({{4, SeqFrame(4)}}, true, 0), Subscription::Backlog::kCaughtUp);
  hub_.PublishMessage(100, 5, SeqFrame(5));
  hub_.PublishMessage(100, 5, SeqFrame(5));  // a repeat is not delivered twice
  EXPECT_EQ(t->frames(), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST_F(HubTest, EndAccessStopsDeliveryInThatNetworkOnly) {
  auto t = Attached(1);
  auto a = hub_.Subscribe(t, 10, 100, 0);
  auto b = hub_.Subscribe(t, 20, 200, 0);
  EXPECT_EQ(a->DeliverBacklog({}, true, 0), Subscription::Backlog::kCaughtUp);
  EXPECT_EQ(b->DeliverBacklog({}, true, 0), Subscription::Backlog::kCaughtUp);
  hub_.EndAccess(10, 1, {}, std::make_shared<const std::string>("ended"));
  hub_.PublishMessage(100, 1, SeqFrame(1));
  hub_.PublishMessage(200, 1, SeqFrame(1));
  EXPECT_EQ(t->frames(), (std::vector<std::string>{"ended", "1"}));
  EXPECT_TRUE(a->cancelled());
  EXPECT_EQ(a->DeliverBacklog({{1, SeqFrame(1)}}, true, 0), Subscription::Backlog::kCancelled);
}

TEST_F(HubTest, NetworkEventsReachSubscribersAndNamedAccountsOnce) {
  auto member = Attached(1);
  auto client = Attached(2);
  auto stranger = Attached(3);
  hub_.Subscribe(client, 10, 100, 0);
  hub_.Subscribe(client, 10, 101, 0);
  hub_.Subscribe(member, 10, 100, 0);
  hub_.PublishToNetwork(10, {2}, std::make_shared<const std::string>("event"));
  EXPECT_EQ(client->frames().size(), 1u);
  EXPECT_EQ(member->frames().size(), 1u);
  EXPECT_TRUE(stranger->frames().empty());
}

// Corrections and retractions (issue 15, item 3): only subscribers of the thread whose account
// may read the message, each connection once.
TEST_F(HubTest, ThreadReaderEventsReachOnlyTheNamedReadersSubscribedToTheThread) {
  auto reader = Attached(1);
  auto reader_phone = Attached(1, "s2");
  auto hidden_from = Attached(2);  // subscribed, but the message is hidden from them
  auto elsewhere = Attached(3);    // a reader, subscribed to another thread only
  auto not_subscribed = Attached(4);
  hub_.Subscribe(reader, 10, 100, 0);
  hub_.Subscribe(reader_phone, 10, 100, 0);
  hub_.Subscribe(hidden_from, 10, 100, 5);
  hub_.Subscribe(elsewhere, 10, 101, 0);
  auto cut = Attached(5);
  hub_.Subscribe(cut, 10, 100, 0);
  hub_.EndAccess(10, 5, {}, std::make_shared<const std::string>("ended"));
  hub_.PublishToThreadReaders(10, 100, {1, 3, 4, 5}, std::make_shared<const std::string>("c"));
  EXPECT_EQ(reader->frames(), (std::vector<std::string>{"c"}));
  EXPECT_EQ(reader_phone->frames(), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(hidden_from->frames().empty());
  EXPECT_TRUE(elsewhere->frames().empty());
  EXPECT_TRUE(not_subscribed->frames().empty());
  EXPECT_EQ(cut->frames(), (std::vector<std::string>{"ended"}));
}

TEST_F(HubTest, EndSessionAndEndAccountReachEveryConnectionOfIt) {
  auto phone = Attached(1, "s1");
  auto laptop = Attached(1, "s2");
  auto other = Attached(2, "s3");
  hub_.EndSession("s1", "logged out");
  EXPECT_EQ(phone->ended(), "logged out");
  EXPECT_EQ(laptop->ended(), "");
  hub_.EndAccount(1, "disabled");
  EXPECT_EQ(laptop->ended(), "disabled");
  EXPECT_EQ(other->ended(), "");
  EXPECT_EQ(hub_.connection_count(), 1u);
}

TEST_F(HubTest, AnExpiredSessionGetsNoMoreMessages) {
  auto t = std::make_shared<FakeTarget>();
  hub_.Attach(t, 1, "s", clock_.NowMs() + 1000);
  auto sub = hub_.Subscribe(t, 10, 100, 0);
  sub->DeliverBacklog({}, true, 0);
  hub_.PublishMessage(100, 1, SeqFrame(1));
  clock_.Advance(1000);
  hub_.PublishMessage(100, 2, SeqFrame(2));
  EXPECT_EQ(t->frames(), (std::vector<std::string>{"1"}));
  EXPECT_EQ(t->ended(), "session expired");
}

// A writer thread commits and publishes 1..N while subscribers join at random moments and read
// their backlog from the "store": each must see exactly after+1..N, in order.
TEST_F(HubTest, ConcurrentSubscribeAndPublishDeliverEachMessageExactlyOnce) {
  constexpr uint64_t kMessages = 3000;
  std::mutex store_mu;
  uint64_t committed = 0;  // guarded by store_mu
  auto read_store = [&](uint64_t from, size_t limit) {
    std::vector<std::pair<uint64_t, Frame>> out;
    std::lock_guard lock(store_mu);
    for (uint64_t s = from; s <= committed && out.size() < limit; ++s) {
      out.emplace_back(s, SeqFrame(s));
    }
    return out;
  };
  std::thread writer([&] {
    for (uint64_t s = 1; s <= kMessages; ++s) {
      {
        std::lock_guard lock(store_mu);
        committed = s;  // durable first...
      }
      hub_.PublishMessage(100, s, SeqFrame(s));  // ...then offered
    }
  });
  std::vector<std::pair<std::shared_ptr<FakeTarget>, uint64_t>> subscribers;
  for (int i = 0; i < 30; ++i) {
    auto t = Attached(i + 1);
    uint64_t after;
    {
      std::lock_guard lock(store_mu);
      after = committed / 2;
    }
    auto sub = hub_.Subscribe(t, 10, 100, after);
    for (;;) {
      auto page = read_store(sub->next_seq(), 7);
      if (sub->DeliverBacklog(page, page.size() < 7, 0) != Subscription::Backlog::kReadMore) break;
    }
    subscribers.emplace_back(t, after);
  }
  writer.join();
  for (auto& [t, after] : subscribers) {
    auto frames = t->frames();
    ASSERT_EQ(frames.size(), kMessages - after);
    for (size_t i = 0; i < frames.size(); ++i) ASSERT_EQ(frames[i], std::to_string(after + 1 + i));
  }
}

}  // namespace
}  // namespace kring::service
