// sdk::Session against a real kringd: the connection is cut, or kringd is killed and restarted,
// while messages are in flight both ways. Afterwards each side has every message exactly once,
// in order, and no send is lost or stored twice. And what a Session does when consent shapes
// what it may follow: hidden history is reported once, ended access ends the follow for good.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kring/session.h"
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
  void OnHidden(uint64_t network_id, uint64_t thread_id, uint64_t through_seq) override {
    Note("hidden " + std::to_string(network_id) + "/" + std::to_string(thread_id) + " through " +
         std::to_string(through_seq));
  }
  void OnFollowEnded(uint64_t network_id, uint64_t thread_id, const sdk::Error& why) override {
    Note("follow ended " + std::to_string(network_id) + "/" + std::to_string(thread_id) + ": " +
         v1::Error::Code_Name(why.code));
  }
  void OnEvent(const v1::Event& event) override {
    if (event.has_access_ended()) {
      Note("access ended " + std::to_string(event.access_ended().network_id()));
    }
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
  // OnHidden, OnFollowEnded and AccessEnded events, in the order they came, once `count` came
  // (or what there is at the deadline).
  std::vector<std::string> WaitNotes(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return notes_.size() >= count; });
    return notes_;
  }
  std::vector<std::string> notes() {
    std::lock_guard lock(mu_);
    return notes_;
  }

 private:
  void Note(std::string note) {
    std::lock_guard lock(mu_);
    notes_.push_back(std::move(note));
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::Message> messages_;  // guarded by mu_
  int connects_ = 0;                   // guarded by mu_
  std::vector<std::string> notes_;     // guarded by mu_
};

class SdkSessionTest : public CareNetworkTest {
 protected:
  void OpenCoachSession() { ASSERT_NO_FATAL_FAILURE(OpenSession(coach_)); }

  // A Session of `who` (connected) that follows the general thread from the start; the answer
  // to that Follow in *followed if given.
  void OpenSession(const Person& who, v1::ThreadSubscription* followed = nullptr) {
    sdk::SessionOptions options;
    options.connect = kringd_.ConnectOptions();
    options.initial_backoff = std::chrono::milliseconds(20);
    options.max_backoff = std::chrono::milliseconds(200);
    auto session = sdk::Session::LogIn(options, who.handle, who.password, recorder_);
    ASSERT_TRUE(session.ok()) << session.error().ToString();
    session_ = std::move(*session);
    ASSERT_TRUE(recorder_->WaitConnects(1));
    auto follow = session_->Follow(net_.id(), thread_, 0);
    ASSERT_TRUE(follow.ok()) << follow.error().ToString();
    if (followed != nullptr) *followed = *follow;
  }

  // Cuts the session's connection and waits until it is back (followed threads subscribed
  // again: the Session does that before OnConnected) as connection number `connects`.
  void CutAndWaitReconnect(int connects) {
    std::shared_ptr<sdk::Connection> cut = session_->connection();
    ASSERT_NE(cut, nullptr);
    cut->Close();
    ASSERT_TRUE(recorder_->WaitConnects(connects));
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
  v1::FetchHistoryResult history =
      Must(client_->FetchHistory(net_.id(), thread_, 0, 10), "history");
  EXPECT_EQ(history.messages_size(), 0);
  EXPECT_FALSE(id.empty());
}

// Lotte joins after three messages, without history: following the thread reports messages
// 1-3 as hidden, once. The cursor moved past them, so the resubscription after a reconnect
// asks only for what she may see and reports nothing again.
TEST_F(SdkSessionTest, HiddenHistoryIsReportedOnceNotAgainAfterAReconnect) {
  ClientPosts("before", 3);
  Person lotte = world_->AddMember("lotte", "mentor");
  v1::Invitation invitation =
      Must(client_->Invite(net_.id(), "lotte", "mentor"), "invite").invitation();
  Must(client_->ApproveInvitation(invitation.id()), "approve without history");

  v1::ThreadSubscription followed;
  ASSERT_NO_FATAL_FAILURE(OpenSession(lotte, &followed));
  EXPECT_EQ(followed.hidden_through_seq(), 3u);
  const std::string hidden =
      "hidden " + std::to_string(net_.id()) + "/" + std::to_string(thread_) + " through 3";
  // Before Follow returned.
  EXPECT_EQ(recorder_->notes(), std::vector<std::string>{hidden});
  EXPECT_EQ(session_->cursor(thread_), 3u);

  ClientPosts("after", 1);
  std::vector<v1::Message> delivered = recorder_->WaitMessages(1);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].seq(), 4u);

  for (int connects = 2; connects <= 3; ++connects) {
    ASSERT_NO_FATAL_FAILURE(CutAndWaitReconnect(connects));
    ClientPosts("reconnected" + std::to_string(connects), 1);
    delivered = recorder_->WaitMessages(connects);
    ASSERT_EQ(delivered.size(), static_cast<size_t>(connects));
    EXPECT_EQ(delivered.back().seq(), static_cast<uint64_t>(3 + connects));
  }
  EXPECT_EQ(recorder_->notes(), std::vector<std::string>{hidden});
  for (const v1::Message& m : delivered) EXPECT_GT(m.seq(), 3u) << m.text();
}

// The same before the first message is delivered: the cursor is still exactly at the hidden
// messages when the connection breaks, so a Session that had not moved it would ask for them
// (and report them) again.
TEST_F(SdkSessionTest, HiddenHistoryIsNotReportedAgainWhenNothingWasDeliveredYet) {
  ClientPosts("before", 2);
  Person lotte = world_->AddMember("lotte", "mentor");
  v1::Invitation invitation =
      Must(client_->Invite(net_.id(), "lotte", "mentor"), "invite").invitation();
  Must(client_->ApproveInvitation(invitation.id()), "approve without history");

  ASSERT_NO_FATAL_FAILURE(OpenSession(lotte));
  const std::vector<std::string> once = {"hidden " + std::to_string(net_.id()) + "/" +
                                         std::to_string(thread_) + " through 2"};
  EXPECT_EQ(recorder_->notes(), once);
  ASSERT_NO_FATAL_FAILURE(CutAndWaitReconnect(2));
  EXPECT_EQ(recorder_->notes(), once);
  EXPECT_EQ(session_->cursor(thread_), 2u);
  ClientPosts("after", 1);
  std::vector<v1::Message> delivered = recorder_->WaitMessages(1);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].seq(), 3u);
}

// Ruth withdraws Jo's consent: the Session stops following (OnFollowEnded, then the
// AccessEnded event) and, even once Ruth grants a new consent, does not subscribe the thread
// again after a reconnect. Jo follows another thread instead; its message arrives, the ended
// thread's message (posted before it) does not.
TEST_F(SdkSessionTest, WithdrawnConsentEndsTheFollowForGoodEvenAcrossReconnects) {
  const uint64_t other =
      Must(client_->CreateThread(net_.id(), "Werk"), "create thread").thread().id();
  ASSERT_NO_FATAL_FAILURE(OpenCoachSession());
  ClientPosts("a", 1);
  ASSERT_EQ(recorder_->WaitMessages(1).size(), 1u);

  WithdrawConsent(client_, net_.id(), coach_.handle);
  const std::string net = std::to_string(net_.id());
  const std::vector<std::string> ended = {
      "follow ended " + net + "/" + std::to_string(thread_) + ": PERMISSION_DENIED",
      "access ended " + net};
  EXPECT_EQ(recorder_->WaitNotes(2), ended);
  EXPECT_EQ(session_->cursor(thread_), std::nullopt);

  GrantConsent(client_, net_.id(), coach_.handle, sdk::Grant{});
  ASSERT_NO_FATAL_FAILURE(CutAndWaitReconnect(2));
  EXPECT_EQ(session_->cursor(thread_), std::nullopt);
  auto follow = session_->Follow(net_.id(), other, 0);
  ASSERT_TRUE(follow.ok()) << follow.error().ToString();

  Must(client_->PostMessage(net_.id(), thread_, "ended-1", "not for the ended follow"),
       "post in the ended thread");
  Must(client_->PostMessage(net_.id(), other, "other-1", "in the followed thread"),
       "post in the other thread");
  std::vector<v1::Message> delivered = recorder_->WaitMessages(2);
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[1].thread_id(), other);
  EXPECT_EQ(delivered[1].text(), "in the followed thread");
  EXPECT_EQ(recorder_->notes(), ended);  // nothing refused or ended again
  EXPECT_EQ(session_->cursor(thread_), std::nullopt);
}

}  // namespace
}  // namespace kring::integration
