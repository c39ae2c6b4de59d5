// Reconnecting: a member drops off, others post, the member comes back with ResumeSession and
// Subscribe(after_seq) and gets exactly what was missed, in order, then live messages.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ResumeTest : public CareNetworkTest {
 protected:
  sdk::Result<v1::SubscribeResult> SubscribeGeneral(Person& p, uint64_t after_seq) {
    v1::ThreadCursor cursor;
    cursor.set_thread_id(thread_);
    cursor.set_after_seq(after_seq);
    return p->Subscribe(net_.id(), {cursor});
  }

  void Post(Person& p, const std::string& id) {
    Must(p->PostMessage(net_.id(), thread_, id, "text of " + id), "post " + id);
  }
};

// kringd with a small per-connection send queue (max_outbound_bytes), so a modest backlog is
// already several queues long.
class LargeBacklogTest : public CareNetworkTest {
 protected:
  static constexpr uint64_t kSendQueueBytes = 256 * 1024;
  LargeBacklogTest()
      : CareNetworkTest(/*buddy_joins=*/true, KringdConfig{.max_outbound_bytes = kSendQueueBytes}) {
  }
};

// A backlog four times the send queue still arrives whole and the connection stays open: kringd
// reads the backlog only as fast as the connection sends it, instead of closing it 1013.
TEST_F(LargeBacklogTest, ABacklogLargerThanTheSendQueueArrivesWhole) {
  const std::string text(16 * 1024, 'k');  // the largest message allowed
  constexpr size_t kMessages = 4 * kSendQueueBytes / (16 * 1024);
  for (size_t i = 1; i <= kMessages; ++i) {
    const std::string id = "big" + std::to_string(i);
    Must(client_->PostMessage(net_.id(), thread_, id, text), "post " + id);
  }
  v1::ThreadCursor cursor;
  cursor.set_thread_id(thread_);
  ASSERT_TRUE(IsOk(coach_->Subscribe(net_.id(), {cursor})));
  std::vector<v1::Message> seen = WaitForMessages(*coach_, thread_, kMessages);
  ASSERT_EQ(seen.size(), kMessages);
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].seq(), i + 1);
  EXPECT_FALSE(coach_->closed());
}

TEST_F(ResumeTest, ResumeDeliversExactlyTheMissedMessagesThenLive) {
  ASSERT_TRUE(IsOk(SubscribeGeneral(coach_, 0)));
  for (int i = 1; i <= 3; ++i) Post(client_, "a" + std::to_string(i));
  std::vector<v1::Message> seen = WaitForMessages(*coach_, thread_, 3);
  ASSERT_EQ(seen.size(), 3u);
  const uint64_t cursor = seen.back().seq();

  coach_->Close();
  ASSERT_TRUE(coach_->WaitClosed(kWait).has_value());
  constexpr int kMissed = 12;
  for (int i = 1; i <= kMissed; ++i) Post(i % 2 ? client_ : buddy_, "b" + std::to_string(i));

  world_->Resume(coach_);
  v1::WhoAmIResult who = Must(coach_->WhoAmI(), "whoami after resume");
  EXPECT_EQ(who.account().handle(), "jo");
  sdk::Result<v1::SubscribeResult> sub = SubscribeGeneral(coach_, cursor);
  ASSERT_TRUE(IsOk(sub));
  ASSERT_EQ(sub->threads_size(), 1);
  EXPECT_EQ(sub->threads(0).last_seq(), cursor + kMissed);

  std::vector<v1::Message> missed = WaitForMessages(*coach_, thread_, kMissed);
  ASSERT_EQ(missed.size(), static_cast<size_t>(kMissed));
  for (int i = 0; i < kMissed; ++i) {
    EXPECT_EQ(missed[i].seq(), cursor + 1 + i);
    EXPECT_EQ(missed[i].text(), "text of b" + std::to_string(i + 1));
  }
  Post(client_, "c1");
  std::vector<v1::Message> live = WaitForMessages(*coach_, thread_, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].seq(), cursor + kMissed + 1);
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "extra: " << e.DebugString();
  }
}

TEST_F(ResumeTest, CatchUpAndLiveMeetWithoutGapOrRepeat) {
  // Posts keep arriving while the member subscribes from an old cursor: the catch-up and the live
  // stream must join with every seq exactly once.
  for (int i = 1; i <= 20; ++i) Post(client_, "old" + std::to_string(i));
  std::atomic<bool> stop{false};
  Watermark acked;
  std::thread posting([&] {
    for (int i = 0; !stop.load() && i < 400; ++i) {
      auto r = buddy_->PostMessage(net_.id(), thread_, "new" + std::to_string(i), "live");
      if (!r.ok()) break;
      acked.Raise(r->seq());
    }
  });
  const bool flowing = acked.WaitFor(25);
  sdk::Result<v1::SubscribeResult> sub = SubscribeGeneral(coach_, 5);
  const bool more = acked.WaitFor(60);
  stop = true;
  posting.join();
  ASSERT_TRUE(flowing && more) << "posting stalled at seq " << acked.value();
  ASSERT_TRUE(IsOk(sub));
  const uint64_t final_seq = acked.value();
  std::vector<v1::Message> got = WaitForMessages(*coach_, thread_, final_seq - 5);
  ASSERT_EQ(got.size(), final_seq - 5);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].seq(), 6 + i);
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "extra: " << e.DebugString();
  }
}

TEST_F(ResumeTest, SubscribeResultArrivesBeforeTheBacklog) {
  for (int i = 1; i <= 5; ++i) Post(client_, "s" + std::to_string(i));
  auto channel = world_->ConnectRawAs(coach_);
  v1::ClientFrame subscribe;
  subscribe.set_request_id(2);
  subscribe.mutable_subscribe()->set_network_id(net_.id());
  subscribe.mutable_subscribe()->add_threads()->set_thread_id(thread_);
  channel->Send(subscribe);

  bool answered = false;
  std::vector<uint64_t> seqs;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (seqs.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    std::optional<v1::ServerFrame> f =
        channel->NextServerFrame(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
    if (!f) break;
    if (f->has_response() && f->response().request_id() == 2) {
      EXPECT_FALSE(f->response().has_error()) << f->response().DebugString();
      answered = true;
    } else if (f->has_event() && f->event().has_message_posted()) {
      EXPECT_TRUE(answered) << "backlog before SubscribeResult: " << f->DebugString();
      seqs.push_back(f->event().message_posted().message().seq());
    }
  }
  EXPECT_TRUE(answered);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(ResumeTest, SubscribingAgainReplacesTheCursor) {
  ASSERT_TRUE(IsOk(SubscribeGeneral(coach_, 0)));
  for (int i = 1; i <= 4; ++i) Post(client_, "x" + std::to_string(i));
  ASSERT_EQ(WaitForMessages(*coach_, thread_, 4).size(), 4u);
  ASSERT_TRUE(IsOk(SubscribeGeneral(coach_, 2)));  // replay 3 and 4
  std::vector<v1::Message> replay = WaitForMessages(*coach_, thread_, 2);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].seq(), 3u);
  EXPECT_EQ(replay[1].seq(), 4u);
  Post(client_, "x5");
  std::vector<v1::Message> live = WaitForMessages(*coach_, thread_, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].seq(), 5u);
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "extra: " << e.DebugString();
  }
  // After Unsubscribe nothing more arrives.
  ASSERT_TRUE(IsOk(coach_->Unsubscribe(net_.id())));
  Post(client_, "x6");
  ASSERT_TRUE(IsOk(SubscribeGeneral(buddy_, 5)));
  ASSERT_EQ(WaitForMessages(*buddy_, thread_, 1).size(), 1u);
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "after unsubscribe: " << e.DebugString();
  }
}

}  // namespace
}  // namespace kring::integration
