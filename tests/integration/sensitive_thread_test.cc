// Marking a thread sensitive ends the live delivery of those it takes the thread from before the
// response, through the real kringd and the SDK, while messages keep coming (docs/consent.md,
// "Sensitive threads").
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

// Ruth's "Gezondheid" thread: jo (job coach) is named in his consent and keeps it; amir
// (language buddy) has every thread and loses it when ruth marks it sensitive.
class SensitiveThreadTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    health_ = Must(client_->CreateThread(net_.id(), "Gezondheid"), "create").thread().id();
    sdk::Grant named;
    named.all_threads = true;
    named.thread_ids = {health_};
    GrantConsent(client_, net_.id(), "jo", named);
  }
  uint64_t health_ = 0;
};

TEST_F(SensitiveThreadTest, MarkingWhilePostingStopsDeliveryBeforeTheResponse) {
  const uint64_t n = net_.id();
  const uint64_t head_before = ThreadHead(client_, n, health_);
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, n, {health_, thread_}, head_before)));

  std::atomic<bool> marked{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> post_failed{false};
  std::mutex mu;
  std::set<uint64_t> sent_after_mark;  // guarded by mu
  Watermark sent_after_count;
  std::thread posting([&] {
    for (int i = 0; !stop.load(); ++i) {
      const bool after = marked.load();
      auto r = coach_->PostMessage(n, health_, "h-" + std::to_string(i), "tick");
      if (!r.ok()) {
        ADD_FAILURE() << "jo's post " << i << ": " << r.error().ToString();
        post_failed = true;
        return;
      }
      if (after) {
        std::lock_guard lock(mu);
        sent_after_mark.insert(r->seq());
        sent_after_count.Raise(sent_after_mark.size());
      }
    }
  });
  auto stop_posting = [&] {
    stop = true;
    if (posting.joinable()) posting.join();
  };

  // The race is real only while messages are reaching amir.
  std::vector<v1::Event> amir_got;
  size_t live = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (live < 3 && std::chrono::steady_clock::now() < deadline && !post_failed) {
    std::optional<v1::Event> e = buddy_->NextEvent(100ms);
    if (!e) continue;
    if (IsMessageIn(*e, n)) ++live;
    amir_got.push_back(std::move(*e));
  }
  if (live < 3) {
    stop_posting();
    FAIL() << "amir received " << live << " live messages before the marking";
  }

  const v1::SetThreadSensitiveResult set =
      Must(client_->SetThreadSensitive(n, health_, true), "mark sensitive");
  marked = true;
  EXPECT_TRUE(set.thread().sensitive());
  const uint64_t head_at_mark = ThreadHead(client_, n, health_);
  const bool kept_posting = sent_after_count.WaitFor(5);
  stop_posting();
  ASSERT_FALSE(post_failed);
  ASSERT_TRUE(kept_posting) << "jo posted fewer than 5 messages after the marking";
  // The General thread still reaches amir: only the sensitive thread ended.
  const uint64_t general = Must(client_->PostMessage(n, thread_, "g-1", "general"), "post").seq();
  std::optional<v1::Event> general_seen = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    amir_got.push_back(e);
    return e.has_message_posted() && e.message_posted().message().thread_id() == thread_ &&
           e.message_posted().message().seq() == general;
  });
  EXPECT_TRUE(general_seen.has_value()) << "amir lost the General thread too";
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) amir_got.push_back(std::move(e));

  bool access_ended = false;
  uint64_t expect_seq = head_before + 1;
  std::lock_guard lock(mu);
  for (const v1::Event& e : amir_got) {
    if (e.has_access_ended() && e.access_ended().network_id() == n) {
      EXPECT_FALSE(access_ended) << "AccessEnded twice: " << e.DebugString();
      ASSERT_EQ(e.access_ended().thread_ids_size(), 1) << e.DebugString();
      EXPECT_EQ(e.access_ended().thread_ids(0), health_);
      access_ended = true;
      continue;
    }
    if (!IsMessageIn(e, n) || e.message_posted().message().thread_id() != health_) continue;
    const uint64_t seq = e.message_posted().message().seq();
    EXPECT_FALSE(access_ended) << "message after AccessEnded: seq " << seq;
    EXPECT_LE(seq, head_at_mark) << "delivered a message that was not durable before the marking";
    EXPECT_EQ(sent_after_mark.count(seq), 0u) << "delivered seq " << seq << ", sent after it";
    EXPECT_EQ(seq, expect_seq) << "live delivery skipped or repeated";
    expect_seq = seq + 1;
  }
  EXPECT_TRUE(access_ended) << "amir got no AccessEnded";
  EXPECT_TRUE(IsError(buddy_->FetchHistory(n, health_), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(SubscribeDenied(SubscribeTo(buddy_, n, {health_}), health_));
  // jo, who is named, still reads it.
  EXPECT_TRUE(IsOk(coach_->FetchHistory(n, health_)));
}

}  // namespace
}  // namespace kring::integration
