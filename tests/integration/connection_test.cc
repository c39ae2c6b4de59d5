// The SDK's Connection against a real kringd: listener delivery, concurrent calls on one
// connection, and how calls end when the connection does.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ConnectionTest : public KringTest {};

// Records what it is given; tests wait on it with deadlines.
class RecordingListener : public sdk::EventListener {
 public:
  void OnEvent(const v1::Event& event) override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  void OnClosed(uint16_t code, std::string reason) override {
    std::lock_guard lock(mu_);
    ++closes_;
    close_code_ = code;
    cv_.notify_all();
  }
  bool WaitForEvents(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return events_.size() >= n; });
  }
  bool WaitForClose() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return closes_ > 0; });
  }
  std::vector<v1::Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  int closes() {
    std::lock_guard lock(mu_);
    return closes_;
  }
  uint16_t close_code() {
    std::lock_guard lock(mu_);
    return close_code_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::Event> events_;  // guarded by mu_
  int closes_ = 0;                 // guarded by mu_
  uint16_t close_code_ = 0;        // guarded by mu_
};

TEST_F(ConnectionTest, ListenerGetsEventsInOrderAndTheClose) {
  Person client = world_->AddClient("ruth");
  Person coach = world_->AddMember("jo", "job coach");
  v1::Network net = world_->OpenNetwork(client, {&coach});
  EventsUntilRoundTrip(*coach);  // invitation events queued before the listener is set
  auto listener = std::make_shared<RecordingListener>();
  coach->SetEventListener(listener);
  v1::ThreadCursor cursor;
  cursor.set_thread_id(net.general_thread_id());
  ASSERT_TRUE(IsOk(coach->Subscribe(net.id(), {cursor})));
  for (int i = 1; i <= 10; ++i) {
    Must(client->PostMessage(net.id(), net.general_thread_id(), "l" + std::to_string(i), "hi"),
         "post");
  }
  ASSERT_TRUE(listener->WaitForEvents(10));
  std::vector<v1::Event> events = listener->events();
  for (size_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(events[i].has_message_posted());
    EXPECT_EQ(events[i].message_posted().message().seq(), i + 1);
  }
  EXPECT_FALSE(coach->NextEvent(0ms).has_value()) << "with a listener, nothing is queued";

  kringd_.Stop();
  ASSERT_TRUE(listener->WaitForClose());
  EXPECT_EQ(listener->close_code(), v1::CLOSE_CODE_GOING_AWAY);
  EXPECT_EQ(listener->closes(), 1);
}

TEST_F(ConnectionTest, ConcurrentCallsOnOneConnectionEachGetTheirOwnAnswer) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = client->PostMessage(net.id(), net.general_thread_id(), id, id);
        if (!r.ok()) return;
        seqs[t].push_back(r->seq());
        // Interleave a read whose answer must not be confused with a post's.
        auto who = client->WhoAmI();
        if (!who.ok() || who->account().handle() != "ruth") return;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  v1::FetchHistoryResult history =
      Must(client->FetchHistory(net.id(), net.general_thread_id(), 0, 500), "history");
  ASSERT_EQ(history.messages_size(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seqs[t].size(), static_cast<size_t>(kPerThread)) << "thread " << t;
    for (int i = 0; i < kPerThread; ++i) {
      const v1::Message& m = history.messages(static_cast<int>(seqs[t][i] - 1));
      EXPECT_EQ(m.client_msg_id(), "t" + std::to_string(t) + "-" + std::to_string(i));
    }
  }
}

TEST_F(ConnectionTest, CallsFailFastOnceTheConnectionIsGone) {
  Person coach = world_->AddMember("jo", "job coach");
  kringd_.Crash();
  std::optional<sdk::CloseInfo> closed = coach->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_ABNORMAL) << closed->reason;
  const auto start = std::chrono::steady_clock::now();
  sdk::Result<v1::WhoAmIResult> who = coach->WhoAmI();
  ASSERT_FALSE(who.ok());
  EXPECT_TRUE(who.error().transport);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  // Opening a connection to the dead port fails as a transport error too.
  sdk::Result<std::unique_ptr<sdk::Connection>> conn =
      sdk::Connection::Open(kringd_.ConnectOptions());
  ASSERT_FALSE(conn.ok());
  EXPECT_TRUE(conn.error().transport);
}

TEST_F(ConnectionTest, CloseIsCleanAndIdempotent) {
  Person coach = world_->AddMember("jo", "job coach");
  coach->Close();
  std::optional<sdk::CloseInfo> closed = coach->WaitClosed(0ms);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_NORMAL) << closed->reason;  // the server echoed our close
  coach->Close();
  EXPECT_TRUE(coach->closed());
  EXPECT_TRUE(coach->WhoAmI().error().transport);
}

TEST_F(ConnectionTest, InvalidUtf8IsRefusedBeforeSending) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  sdk::Result<v1::PostMessageResult> r =
      client->PostMessage(net.id(), net.general_thread_id(), "bad", std::string("\xc3\x28", 2));
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().transport);
  EXPECT_EQ(r.error().code, v1::Error::INVALID_ARGUMENT);
  EXPECT_TRUE(IsOk(client->WhoAmI()));
}

}  // namespace
}  // namespace kring::integration
