// sdk::Session against a real kringd: the connection is cut, or kringd is killed and restarted,
// while messages are in flight both ways. Afterwards each side has every message exactly once,
// in order, and no send is lost or stored twice.
#include "kring/session.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

// Records what a Session delivers.
class Recorder final : public sdk::SessionListener {
 public:
  void OnMessage(const v1::Message& message) override {
    std::lock_guard lock(mu_);
    messages_.push_back(message);
    cv_.notify_all();
  }
  void OnConnected() override {
    std::lock_guard lock(mu_);
    ++connects_;
    cv_.notify_all();
  }

  // The messages delivered once `count` arrived, or what there is at the deadline.
  std::vector<v1::Message> WaitMessages(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return messages_.size() >= count; });
    return messages_;
  }
  bool WaitConnects(int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return connects_ >= count; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::Message> messages_;  // guarded by mu_
  int connects_ = 0;                   // guarded by mu_
};

class SdkSessionTest : public CareNetworkTest {
 protected:
  void OpenCoachSession() {
    sdk::SessionOptions options;
    options.connect = kringd_.ConnectOptions();
    options.initial_backoff = std::chrono::milliseconds(20);
    options.max_backoff = std::chrono::milliseconds(200);
    auto session = sdk::Session::LogIn(options, coach_.handle, coach_.password, recorder_);
    ASSERT_TRUE(session.ok()) << session.error().ToString();
    session_ = std::move(*session);
    ASSERT_TRUE(recorder_->WaitConnects(1));
    auto followed = session_->Follow(net_.id(), thread_, 0);
    ASSERT_TRUE(followed.ok()) << followed.error().ToString();
  }

  void ClientPosts(const std::string& prefix, int count) {
    for (int i = 1; i <= count; ++i) {
      const std::string id = prefix + std::to_string(i);
      Must(client_->PostMessage(net_.id(), thread_, id, "client " + id), "post " + id);
    }
  }

  // Every message delivered to the session is the thread's next, and the thread in the store
  // holds exactly `expected_texts`, each once.
  void ExpectExactlyOnce(const std::vector<v1::Message>& delivered,
                         const std::multiset<std::string>& expected_texts) {
    for (size_t i = 0; i < delivered.size(); ++i) EXPECT_EQ(delivered[i].seq(), i + 1);
    v1::FetchHistoryResult history =
        Must(client_->FetchHistory(net_.id(), thread_, 0, 500), "history");
    std::multiset<std::string> stored;
    for (const auto& m : history.messages()) stored.insert(m.text());
    EXPECT_EQ(stored, expected_texts);
    EXPECT_EQ(delivered.size(), expected_texts.size());
  }

  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
  std::unique_ptr<sdk::Session> session_;
};

TEST_F(SdkSessionTest, ACutConnectionResumesWithoutLossOrRepeat) {
  ASSERT_NO_FATAL_FAILURE(OpenCoachSession());
  ClientPosts("a", 5);
  ASSERT_EQ(recorder_->WaitMessages(5).size(), 5u);

  // Cut the connection from this side, then keep both people talking while it is down.
  std::shared_ptr<sdk::Connection> cut = session_->connection();
  ASSERT_NE(cut, nullptr);
  cut->Close();
  std::multiset<std::string> expected;
  for (int i = 1; i <= 5; ++i) expected.insert("client a" + std::to_string(i));
  for (int i = 1; i <= 4; ++i) {
    const std::string text = "coach offline " + std::to_string(i);
    session_->Send(net_.id(), thread_, text);
    expected.insert(text);
  }
  ClientPosts("b", 5);
  for (int i = 1; i <= 5; ++i) expected.insert("client b" + std::to_string(i));

  ASSERT_TRUE(session_->WaitUntilSent(kWait));
  EXPECT_TRUE(recorder_->WaitConnects(2));
  std::vector<v1::Message> delivered = recorder_->WaitMessages(expected.size());
  ExpectExactlyOnce(delivered, expected);
  EXPECT_EQ(session_->cursor(thread_), expected.size());
}

TEST_F(SdkSessionTest, AServerCrashAndRestartLosesNothingAndDuplicatesNothing) {
  ASSERT_NO_FATAL_FAILURE(OpenCoachSession());
  ClientPosts("a", 3);
  ASSERT_EQ(recorder_->WaitMessages(3).size(), 3u);

  // Sends queued right before kringd is killed: some are stored but not acknowledged, some not
  // sent at all. The session resends each with its id after the restart.
  std::multiset<std::string> expected;
  for (int i = 1; i <= 3; ++i) expected.insert("client a" + std::to_string(i));
  for (int i = 1; i <= 20; ++i) {
    const std::string text = "coach in flight " + std::to_string(i);
    session_->Send(net_.id(), thread_, text);
    expected.insert(text);
  }
  kringd_.Crash();
  ASSERT_TRUE(kringd_.Restart());

  world_->Resume(client_);
  ClientPosts("b", 3);
  for (int i = 1; i <= 3; ++i) expected.insert("client b" + std::to_string(i));

  ASSERT_TRUE(session_->WaitUntilSent(kWait));
  EXPECT_TRUE(session_->outbox().empty());
  std::vector<v1::Message> delivered = recorder_->WaitMessages(expected.size());
  ExpectExactlyOnce(delivered, expected);
}

TEST_F(SdkSessionTest, ARefusedSendFailsWithoutRetrying) {
  ASSERT_NO_FATAL_FAILURE(OpenCoachSession());
  const std::string id = session_->Send(net_.id(), /*thread_id=*/999999, "to nowhere");
  ASSERT_TRUE(session_->WaitUntilSent(kWait));
  EXPECT_TRUE(session_->outbox().empty());
  v1::FetchHistoryResult history = Must(client_->FetchHistory(net_.id(), thread_, 0, 10), "history");
  EXPECT_EQ(history.messages_size(), 0);
  EXPECT_FALSE(id.empty());
}

}  // namespace
}  // namespace kring::integration
