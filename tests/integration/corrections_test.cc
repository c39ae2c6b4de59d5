// Corrections and retractions of messages through the real kringd and the SDK (issue 15, item
// 3): seen live and in history by two members, caught up by a member who was offline, and never
// told to a member whose consent was withdrawn. The CLI's `correct`, `retract` and `history`.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "kring/session.h"
#include "tests/integration/cli_fixture.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

using ::testing::HasSubstr;

class CorrectionsTest : public CareNetworkTest {
 protected:
  uint64_t Post(Person& p, const std::string& text) {
    return Must(p->PostMessage(net_.id(), thread_, "m-" + std::to_string(++ids_), text),
                p.handle + " posts")
        .seq();
  }
  // The next MessageChanged on `p`'s connection (other events dropped), or nullopt at kWait.
  std::optional<v1::Message> NextChange(Person& p) {
    auto e = WaitForEventOfKind(*p, v1::Event::kMessageChanged);
    if (!e) return std::nullopt;
    return e->message_changed().message();
  }

  int ids_ = 0;
};

TEST_F(CorrectionsTest, CorrectionsAndARetractionAreSeenLiveAndInHistoryByTwoMembers) {
  ASSERT_TRUE(IsOk(SubscribeTo(coach_, net_.id(), {thread_})));
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_})));
  const uint64_t appointment = Post(client_, "Afspraak bij de gemeente om 10 uur");
  const uint64_t address = Post(coach_, "Het adres is Stationsweg 1");
  auto corrected =
      coach_->CorrectMessage(net_.id(), thread_, address, "fix-1", "Het adres is Stationsweg 11");
  ASSERT_TRUE(IsOk(corrected));
  EXPECT_EQ(corrected->message().version(), 2u);
  auto retracted = client_->RetractMessage(net_.id(), thread_, appointment, "retract-1");
  ASSERT_TRUE(IsOk(retracted));
  // Someone else may do neither.
  EXPECT_TRUE(IsError(buddy_->CorrectMessage(net_.id(), thread_, address, "x", "anders"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(coach_->RetractMessage(net_.id(), thread_, appointment, "y"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(client_->RetractMessage(net_.id(), thread_, appointment, "retract-2"),
                      v1::Error::FAILED_PRECONDITION));

  for (Person* p : {&coach_, &buddy_}) {
    SCOPED_TRACE(p->handle);
    auto first = NextChange(*p);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->seq(), address);
    EXPECT_EQ(first->text(), "Het adres is Stationsweg 11");
    EXPECT_EQ(first->version(), 2u);
    EXPECT_NE(first->corrected_at_ms(), 0);
    auto second = NextChange(*p);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->seq(), appointment);
    EXPECT_TRUE(second->retracted());
    EXPECT_EQ(second->text(), "");

    auto history = p->conn->FetchHistory(net_.id(), thread_);
    ASSERT_TRUE(IsOk(history));
    ASSERT_EQ(history->messages_size(), 2);
    EXPECT_EQ(history->last_seq(), 2u);  // corrections add no seq
    EXPECT_EQ(history->last_change(), 2u);
    EXPECT_TRUE(history->messages(0).retracted());
    EXPECT_EQ(history->messages(0).text(), "");
    EXPECT_EQ(history->messages(1).text(), "Het adres is Stationsweg 11");
    auto versions = p->conn->ListMessageVersions(net_.id(), thread_, address);
    ASSERT_TRUE(IsOk(versions));
    ASSERT_EQ(versions->versions_size(), 2);
    EXPECT_EQ(versions->versions(0).text(), "Het adres is Stationsweg 1");
    EXPECT_TRUE(IsError(p->conn->ListMessageVersions(net_.id(), thread_, appointment),
                        v1::Error::FAILED_PRECONDITION));
  }
}

TEST_F(CorrectionsTest, AMemberWhoWasOfflineLearnsOfTheChangesWhenCatchingUp) {
  const uint64_t first = Post(coach_, "Training op maandag");
  const uint64_t second = Post(client_, "Ik kan niet op maandag");
  auto page = Must(buddy_->FetchHistory(net_.id(), thread_), "amir reads");
  const uint64_t seq_cursor = page.last_seq();
  const uint64_t change_cursor = page.last_change();
  EXPECT_EQ(change_cursor, 0u);
  buddy_.conn.reset();  // amir goes offline

  ASSERT_TRUE(IsOk(coach_->CorrectMessage(net_.id(), thread_, first, "c1", "Training op dinsdag")));
  ASSERT_TRUE(IsOk(client_->RetractMessage(net_.id(), thread_, second, "r1")));
  const uint64_t third = Post(client_, "Dinsdag kan ik wel");

  world_->Resume(buddy_);
  auto sub = SubscribeTo(buddy_, net_.id(), {thread_}, seq_cursor);
  ASSERT_TRUE(IsOk(sub));
  auto posted = WaitForEventOfKind(*buddy_, v1::Event::kMessagePosted);
  ASSERT_TRUE(posted.has_value());
  EXPECT_EQ(posted->message_posted().message().seq(), third);
  auto changes = buddy_->FetchMessageChanges(net_.id(), thread_, change_cursor);
  ASSERT_TRUE(IsOk(changes));
  EXPECT_EQ(changes->through_change(), 2u);
  EXPECT_EQ(changes->last_change(), 2u);
  ASSERT_EQ(changes->messages_size(), 2);
  EXPECT_EQ(changes->messages(0).seq(), first);
  EXPECT_EQ(changes->messages(0).text(), "Training op dinsdag");
  EXPECT_EQ(changes->messages(1).seq(), second);
  EXPECT_TRUE(changes->messages(1).retracted());
  EXPECT_EQ(changes->messages(1).text(), "");
}

TEST_F(CorrectionsTest, AMemberWhoseConsentWasWithdrawnGetsNoCorrectionEvents) {
  const uint64_t seq = Post(coach_, "Het adres is Stationsweg 1");
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_})));
  ASSERT_TRUE(IsOk(SubscribeTo(client_, net_.id(), {thread_})));
  WithdrawConsent(client_, net_.id(), "amir");
  ASSERT_TRUE(WaitForAccessEnded(*buddy_, net_.id()).has_value());
  ASSERT_TRUE(IsOk(coach_->CorrectMessage(net_.id(), thread_, seq, "c1", "Stationsweg 11")));
  ASSERT_TRUE(IsOk(coach_->RetractMessage(net_.id(), thread_, seq, "r1")));
  // The client, subscribed like amir, is told: the events went out.
  ASSERT_TRUE(NextChange(client_).has_value());
  ASSERT_TRUE(NextChange(client_).has_value());
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(e.has_message_changed()) << e.ShortDebugString();
  }
  EXPECT_TRUE(
      IsError(buddy_->FetchMessageChanges(net_.id(), thread_, 0), v1::Error::PERMISSION_DENIED));
  // Nor may an author whose consent was withdrawn change what they wrote.
  WithdrawConsent(client_, net_.id(), "jo");
  EXPECT_TRUE(IsError(coach_->CorrectMessage(net_.id(), thread_, seq, "c2", "x"),
                      v1::Error::PERMISSION_DENIED));
}

// What a Session reports of corrections and retractions.
class ChangeRecorder final : public sdk::SessionListener {
 public:
  void OnMessage(const v1::Message&) override {}
  void OnConnected() override {
    std::lock_guard lock(mu_);
    ++connects_;
    cv_.notify_all();
  }
  void OnMessageChanged(const v1::Message& message) override {
    std::lock_guard lock(mu_);
    changed_.push_back(message);
    cv_.notify_all();
  }
  bool WaitConnects(int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return connects_ >= count; });
  }
  std::vector<v1::Message> WaitChanged(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return changed_.size() >= count; });
    return changed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int connects_ = 0;                  // guarded by mu_
  std::vector<v1::Message> changed_;  // guarded by mu_
};

// An app that comes back with its cursors (seq and change number) learns through the Session of
// what was corrected and retracted while it was away, then of what changes live.
TEST_F(CorrectionsTest, ASessionFollowingFromItsCursorsCatchesUpOnChanges) {
  const uint64_t first = Post(coach_, "Training op maandag");
  const uint64_t second = Post(client_, "Ik kan niet op maandag");
  auto page = Must(buddy_->FetchHistory(net_.id(), thread_), "amir reads");
  ASSERT_TRUE(IsOk(coach_->CorrectMessage(net_.id(), thread_, first, "c1", "Training op dinsdag")));
  ASSERT_TRUE(IsOk(client_->RetractMessage(net_.id(), thread_, second, "r1")));

  auto recorder = std::make_shared<ChangeRecorder>();
  sdk::SessionOptions options;
  options.connect = kringd_.ConnectOptions();
  auto session = sdk::Session::LogIn(options, buddy_.handle, buddy_.password, recorder);
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  ASSERT_TRUE(recorder->WaitConnects(1));
  auto follow = (*session)->Follow(net_.id(), thread_, page.last_seq(), page.last_change());
  ASSERT_TRUE(follow.ok()) << follow.error().ToString();
  std::vector<v1::Message> changed = recorder->WaitChanged(2);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].text(), "Training op dinsdag");
  EXPECT_TRUE(changed[1].retracted());
  EXPECT_EQ((*session)->change_cursor(thread_), std::optional<uint64_t>(2));
  ASSERT_TRUE(
      IsOk(coach_->CorrectMessage(net_.id(), thread_, first, "c2", "Training op woensdag")));
  changed = recorder->WaitChanged(3);
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[2].text(), "Training op woensdag");
  EXPECT_EQ(changed[2].version(), 3u);
}

TEST_F(CliTest, CorrectRetractAndHistoryShowWhatChanged) {
  CliUser admin = User("admin"), ruth = User("ruth");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  CliResult r = admin.Run({"user", "create", "ruth", "--kind", "client", "--password-stdin"},
                          World::PasswordFor("ruth") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  const std::string general = std::to_string(JsonNumber(r.out, "general_thread_id"));
  ASSERT_EQ(ruth.Run({"send", net, general, "Afspraak om 10 uur"}).exit_code, 0);
  ASSERT_EQ(ruth.Run({"send", net, general, "Verkeerde draad"}).exit_code, 0);
  r = ruth.Run({"correct", net, general, "1", "Afspraak om 11 uur"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Afspraak om 11 uur  (corrected "));
  r = ruth.Run({"retract", net, general, "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r;
  EXPECT_THAT(lines[0], HasSubstr("Afspraak om 11 uur  (corrected "));
  EXPECT_THAT(lines[1], HasSubstr("(retracted by the author "));
  EXPECT_EQ(lines[1].find("Verkeerde"), std::string::npos);
  r = ruth.Run({"versions", net, general, "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r;
  EXPECT_THAT(lines[0], HasSubstr("Afspraak om 10 uur"));
  EXPECT_THAT(lines[1], HasSubstr("Afspraak om 11 uur"));
  r = ruth.Run({"versions", net, general, "2"});
  EXPECT_EQ(r.exit_code, 1) << r;
  r = ruth.Run({"--json", "history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"retracted\":true"));
  EXPECT_THAT(r.out, HasSubstr("\"version\":2"));
}

}  // namespace
}  // namespace kring::integration
