// Password guessing the way an attacker does it: many Login (or ChangePassword) frames sent back
// to back without waiting for answers, on one connection and on many, and floods of password
// work while other people read. The throttle must count every guess from the moment it starts,
// one password check runs per connection and per handle, and password work has capacity of its
// own: a full password queue refuses more, and never holds up a backlog read.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/service/audit.h"
#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

// A Random that holds its callers at a gate while the gate is closed. Only password work calls
// Random on the service (a salt for a new hash, a login's token), so closing the gate and making
// the server hash passwords holds the password pool's threads: the test decides when they run.
class GatedRandom final : public Random {
 public:
  std::string Bytes(size_t n) override {
    {
      std::unique_lock lock(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      --waiting_;
    }
    return system_.Bytes(n);
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // True once `n` callers wait at the closed gate; false after the deadline.
  bool AwaitWaiting(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return waiting_ >= n; });
  }

 private:
  SystemRandom system_;
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;   // guarded by mu_
  bool open_ = true;  // guarded by mu_
};

constexpr size_t kPasswordThreads = 2;
constexpr size_t kPasswordQueue = 4;
constexpr char kWrong[] = "not the password, a guess";

v1::ClientFrame LoginFrame(uint64_t id, const std::string& handle, const std::string& password) {
  v1::ClientFrame f;
  f.set_request_id(id);
  f.mutable_login()->set_handle(handle);
  f.mutable_login()->set_password(password);
  return f;
}

class AccountHandlersAbuseTest : public ServiceTest {
 protected:
  void SetUp() override {
    options_.password = PasswordPolicy{1, 1024, 1};  // fast hashing in tests
    options_.throttle.free_failures = 3;
    options_.password_threads = kPasswordThreads;
    options_.password_queue = password_queue_;
    service_ = std::make_unique<Service>(faulty_, clock_, gate_, options_);
    ASSERT_TRUE(service_->Start().ok());
    ASSERT_TRUE(CreateAccount("admin", v1::ACCOUNT_KIND_ADMIN).ok());
    ASSERT_TRUE(CreateAccount("anna", v1::ACCOUNT_KIND_MEMBER).ok());
  }
  void TearDown() override {
    gate_.Open();
    ServiceTest::TearDown();
  }

  // Holds every thread of the password pool: an admin's new accounts wait at the gate while
  // hashing. Their answers come once the gate opens (ReleasePasswordPool).
  void HoldPasswordPool() {
    holder_ = LoggedIn("admin");
    gate_.Close();
    for (size_t i = 0; i < kPasswordThreads; ++i) {
      v1::ClientFrame f;
      f.set_request_id(1'000'000 + i);
      auto* c = f.mutable_create_account();
      c->set_handle("held" + std::to_string(i));
      c->set_kind(v1::ACCOUNT_KIND_MEMBER);
      c->set_password(kPassword);
      holder_->SendBytes(f.SerializeAsString());
    }
    ASSERT_TRUE(gate_.AwaitWaiting(static_cast<int>(kPasswordThreads)));
  }
  void ReleasePasswordPool() {
    gate_.Open();
    for (size_t i = 0; i < kPasswordThreads; ++i) {
      v1::Response r = holder_->sink().WaitResponse(1'000'000 + i);
      EXPECT_FALSE(r.has_error()) << r.error().detail();
    }
  }

  // Access-log records of `event_type` so far.
  std::vector<v1::AuditEvent> Records(const std::string& event_type) {
    audit::Query all;
    all.limit = 1'000'000;
    auto page = audit::Find(memory_, all, 1'000'000);
    EXPECT_TRUE(page.ok());
    std::vector<v1::AuditEvent> out;
    if (!page.ok()) return out;
    for (const auto& e : page->events) {
      if (e.event_type() == event_type) out.push_back(e);
    }
    return out;
  }

  size_t password_queue_ = kPasswordQueue;
  GatedRandom gate_;
  std::unique_ptr<TestApp> holder_;
};

// With room for every frame in the password queue, so that only the throttle limits the checks.
class RoomyAccountHandlersAbuseTest : public AccountHandlersAbuseTest {
 protected:
  RoomyAccountHandlersAbuseTest() { password_queue_ = 1'000'000; }
};

// The attack of issue 11: 1,000 wrong passwords pipelined on one connection, then the right
// one. Decided as each frame arrives, while the first check is still running: one check, and
// the rest refused without looking at the password (so without a record).
TEST_F(AccountHandlersAbuseTest, PipelinedLoginsOnOneConnectionGetOnePasswordCheck) {
  HoldPasswordPool();
  auto app = Connect();
  constexpr uint64_t kGuesses = 1'000;
  for (uint64_t id = 1; id <= kGuesses; ++id) {
    app->SendBytes(LoginFrame(id, "anna", kWrong).SerializeAsString());
  }
  app->SendBytes(LoginFrame(kGuesses + 1, "anna", kPassword).SerializeAsString());
  ReleasePasswordPool();

  EXPECT_EQ(CodeOf(app->sink().WaitResponse(1)), v1::Error::UNAUTHENTICATED);
  int refused = 0;
  for (uint64_t id = 2; id <= kGuesses + 1; ++id) {
    v1::Response r = app->sink().WaitResponse(id);
    if (CodeOf(r) == v1::Error::RESOURCE_EXHAUSTED && r.error().retry_after_ms() > 0) ++refused;
  }
  EXPECT_EQ(refused, static_cast<int>(kGuesses)) << "every frame after the first, the right "
                                                    "password included, waits for its answer";
  EXPECT_EQ(Records("login").size(), 2u);  // the holder's own login and the one guess
}

// The same without holding anything: guesses run as fast as the pool takes them. However the
// frames and the checks interleave, no more guesses are checked than one after the other would
// be (free_failures + 1, then the delay), and the right password gets through only while the
// policy still allows an attempt.
TEST_F(RoomyAccountHandlersAbuseTest, PipelinedGuessesAreCheckedNoMoreOftenThanThePolicyAllows) {
  auto app = Connect();
  uint64_t id = 0;
  int checked = 0;
  for (int round = 0; round < 10; ++round) {
    const uint64_t first = id + 1;
    for (int i = 0; i < 200; ++i)
      app->SendBytes(LoginFrame(++id, "anna", kWrong).SerializeAsString());
    const uint64_t right = ++id;
    app->SendBytes(LoginFrame(right, "anna", kPassword).SerializeAsString());
    int checked_this_round = 0;
    for (uint64_t i = first; i < right; ++i) {
      v1::Response r = app->sink().WaitResponse(i);
      ASSERT_TRUE(CodeOf(r) == v1::Error::UNAUTHENTICATED ||
                  CodeOf(r) == v1::Error::RESOURCE_EXHAUSTED)
          << r.error().detail();
      if (CodeOf(r) == v1::Error::UNAUTHENTICATED) ++checked_this_round;
    }
    checked += checked_this_round;
    v1::Response r = app->sink().WaitResponse(right);
    if (!r.has_error()) {
      // Allowed only as the (free_failures + 1)th attempt of this address at the latest.
      EXPECT_LE(checked, static_cast<int>(options_.throttle.free_failures)) << "round " << round;
    } else {
      EXPECT_EQ(CodeOf(r), v1::Error::RESOURCE_EXHAUSTED) << r.error().detail();
    }
    if (checked_this_round == 0) break;  // delayed (the clock stands still): nothing gets in
  }
  EXPECT_LE(checked, static_cast<int>(options_.throttle.free_failures) + 1);
  // Delayed: the right password is refused too, on any connection from this address.
  auto again = Connect();
  v1::Response r = Login(*again, "anna");
  EXPECT_EQ(CodeOf(r), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_GT(r.error().retry_after_ms(), 0u);
}

TEST_F(AccountHandlersAbuseTest, OneHandleHasOnePasswordCheckInFlightAcrossConnections) {
  HoldPasswordPool();
  auto first = Connect("192.0.2.1:1000");
  auto second = Connect("198.51.100.2:2000");
  auto other_handle = Connect("198.51.100.2:2001");
  first->SendBytes(LoginFrame(1, "anna", kWrong).SerializeAsString());
  second->SendBytes(LoginFrame(1, "anna", kPassword).SerializeAsString());
  other_handle->SendBytes(LoginFrame(1, "nobody", kWrong).SerializeAsString());
  v1::Response refused = second->sink().WaitResponse(1);  // answered at once, while held
  EXPECT_EQ(CodeOf(refused), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_GT(refused.error().retry_after_ms(), 0u);
  ReleasePasswordPool();
  EXPECT_EQ(CodeOf(first->sink().WaitResponse(1)), v1::Error::UNAUTHENTICATED);
  EXPECT_EQ(CodeOf(other_handle->sink().WaitResponse(1)), v1::Error::UNAUTHENTICATED);
  // Once the first is answered, the second may try again.
  EXPECT_FALSE(Login(*second, "anna").has_error());
}

TEST_F(AccountHandlersAbuseTest, PipelinedPasswordChangesGetOneCheckAndEachARecord) {
  auto app = LoggedIn("anna");
  HoldPasswordPool();
  constexpr uint64_t kGuesses = 50;
  for (uint64_t id = 1; id <= kGuesses; ++id) {
    v1::ClientFrame f;
    f.set_request_id(id);
    f.mutable_change_password()->set_old_password(kWrong);
    f.mutable_change_password()->set_new_password("a brand new password");
    app->SendBytes(f.SerializeAsString());
  }
  ReleasePasswordPool();
  EXPECT_EQ(CodeOf(app->sink().WaitResponse(1)), v1::Error::PERMISSION_DENIED);
  for (uint64_t id = 2; id <= kGuesses; ++id) {
    EXPECT_EQ(CodeOf(app->sink().WaitResponse(id)), v1::Error::RESOURCE_EXHAUSTED) << id;
  }
  // A logged-in connection's requests are each on the record, refused ones included.
  const auto records = Records("password.changed");
  ASSERT_EQ(records.size(), kGuesses);
  int refused = 0;
  for (const auto& e : records) refused += e.outcome() != v1::AUDIT_OUTCOME_SUCCESS;
  EXPECT_EQ(refused, static_cast<int>(kGuesses));
}

TEST_F(AccountHandlersAbuseTest, WrongCurrentPasswordsAreThrottledLikeLogins) {
  auto app = LoggedIn("anna");
  v1::ClientFrame f;
  f.mutable_change_password()->set_old_password(kWrong);
  f.mutable_change_password()->set_new_password("a brand new password");
  for (uint32_t i = 0; i <= options_.throttle.free_failures; ++i) {
    EXPECT_EQ(CodeOf(app->Call(f)), v1::Error::PERMISSION_DENIED) << "attempt " << i + 1;
  }
  v1::Response delayed = app->Call(f);
  EXPECT_EQ(CodeOf(delayed), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_GT(delayed.error().retry_after_ms(), 0u);
  auto elsewhere = Connect("203.0.113.5:1");
  EXPECT_EQ(CodeOf(Login(*elsewhere, "anna")), v1::Error::RESOURCE_EXHAUSTED);
}

TEST_F(AccountHandlersAbuseTest, AFullPasswordQueueRefusesMoreWork) {
  auto admin = LoggedIn("admin");
  HoldPasswordPool();
  // Fill the queue: one login each from different connections, handles and addresses.
  std::vector<std::unique_ptr<TestApp>> queued;
  for (size_t i = 0; i < kPasswordQueue; ++i) {
    queued.push_back(Connect("192.0.2." + std::to_string(i + 1) + ":1"));
    queued.back()->SendBytes(
        LoginFrame(1, "guess" + std::to_string(i), kWrong).SerializeAsString());
  }
  const size_t logins_before = Records("login").size();
  auto late = Connect("203.0.113.9:1");
  v1::Response refused = Login(*late, "anna");  // answered while the pool is held
  EXPECT_EQ(CodeOf(refused), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_GT(refused.error().retry_after_ms(), 0u);
  EXPECT_EQ(Records("login").size(), logins_before);  // not checked: not recorded, as throttled

  // An admin's new account needs Argon2 too: refused, and on the record.
  v1::ClientFrame create;
  create.mutable_create_account()->set_handle("newcomer");
  create.mutable_create_account()->set_kind(v1::ACCOUNT_KIND_MEMBER);
  create.mutable_create_account()->set_password(kPassword);
  EXPECT_EQ(CodeOf(admin->Call(create)), v1::Error::RESOURCE_EXHAUSTED);
  const auto created = Records("account.created");
  ASSERT_FALSE(created.empty());
  EXPECT_EQ(created.back().object_handle(), "newcomer");
  EXPECT_NE(created.back().outcome(), v1::AUDIT_OUTCOME_SUCCESS);

  ReleasePasswordPool();
  for (auto& app : queued)
    EXPECT_EQ(CodeOf(app->sink().WaitResponse(1)), v1::Error::UNAUTHENTICATED);
  // The refusal took nothing from the throttle: that login works now.
  EXPECT_FALSE(Login(*late, "anna").has_error());
}

// 600 pipelined logins once delayed every backlog by seconds, because Argon2 and backlog reads
// shared one pool. With the password pool held and its queue full, a subscriber still gets its
// backlog: shown by order of events, not by timing.
TEST_F(AccountHandlersAbuseTest, ABacklogIsSentWhilePasswordWorkIsStuck) {
  auto client = Person("ruth", v1::ACCOUNT_KIND_CLIENT);
  auto coach = Person("jo", v1::ACCOUNT_KIND_MEMBER, "job coach");
  const v1::Network network = OpenNetwork(*coach, "ruth");
  const uint64_t thread = network.general_thread_id();
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(Post(*client, network.id(), thread, "bericht " + std::to_string(i)).has_error());
  }
  auto reader = LoggedIn("ruth");

  HoldPasswordPool();
  std::vector<std::unique_ptr<TestApp>> queued;
  for (size_t i = 0; i < kPasswordQueue; ++i) {
    queued.push_back(Connect("192.0.2." + std::to_string(i + 1) + ":1"));
    queued.back()->SendBytes(
        LoginFrame(1, "guess" + std::to_string(i), kWrong).SerializeAsString());
  }
  auto late = Connect("203.0.113.9:1");
  ASSERT_EQ(CodeOf(Login(*late, "anna")), v1::Error::RESOURCE_EXHAUSTED);  // the queue is full

  v1::Response subscribed = Subscribe(*reader, network.id(), thread, 0);
  ASSERT_FALSE(subscribed.has_error()) << subscribed.error().detail();
  EXPECT_EQ(reader->WaitMessages(thread, 3).size(), 3u);  // while the gate is still closed
  ReleasePasswordPool();
}

}  // namespace
}  // namespace kring::service::testing
