// Setting up a care network fast for integration tests: the admin creates accounts, each person
// logs in on a Connection of their own, a client opens a network and approves members. Plus
// deadline-bound waits for events and raw-frame helpers.
//
// Setup helpers throw std::runtime_error on failure (GoogleTest reports it as a failure of the
// test, with the message); behaviour under test is checked with EXPECT/ASSERT in the tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "client-sdk/src/frame_channel.h"
#include "kring/connection.h"
#include "kring/consent.h"
#include "kring/result.h"
#include "tests/integration/kringd_process.h"

namespace kring::integration {

using namespace std::chrono_literals;

// How long a test waits for something that should happen. Generous: a loaded 2-core box.
constexpr std::chrono::milliseconds kWait = 10s;

// The value of `r`, or throws with `what` and the SDK error.
template <typename T>
T Must(sdk::Result<T> r, std::string_view what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error().ToString());
  return std::move(r).value();
}

// For EXPECT_TRUE(IsOk(r)) with the error in the failure message.
template <typename T>
::testing::AssertionResult IsOk(const sdk::Result<T>& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.error().ToString();
}

// A server Error with `code` (not a transport error, not a success).
template <typename T>
::testing::AssertionResult IsError(const sdk::Result<T>& r, v1::Error::Code code) {
  if (r.ok()) {
    return ::testing::AssertionFailure() << "succeeded; expected " << v1::Error::Code_Name(code);
  }
  if (r.error().transport || r.error().code != code) {
    return ::testing::AssertionFailure()
           << "got " << r.error().ToString() << "; expected " << v1::Error::Code_Name(code);
  }
  return ::testing::AssertionSuccess();
}

// One person with an account and (usually) a logged-in Connection.
struct Person {
  std::string handle;
  std::string password;
  v1::Account account;
  std::string token;  // from the last Login
  std::unique_ptr<sdk::Connection> conn;

  sdk::Connection* operator->() const { return conn.get(); }
  sdk::Connection& operator*() const { return *conn; }
};

class World {
 public:
  explicit World(KringdProcess& kringd) : kringd_(kringd) {}

  KringdProcess& kringd() { return kringd_; }

  // A new verified connection to kringd (not logged in). Throws on failure.
  std::unique_ptr<sdk::Connection> Connect() const;
  std::unique_ptr<sdk::FrameChannel> ConnectRaw() const;
  // A raw channel on which `p` logged in (request_id 1 used). Throws on failure.
  std::unique_ptr<sdk::FrameChannel> ConnectRawAs(const Person& p) const;

  // The admin, logged in on first use.
  Person& admin();
  // A second admin (account "admin2", made by the first on first use), who confirms what the
  // first asks: four eyes on representatives.
  Person& second_admin();

  // Creates an account (by the admin) and logs it in on a new connection.
  Person AddClient(const std::string& handle);
  Person AddMember(const std::string& handle, const std::string& profession);
  Person AddAccount(const std::string& handle, v1::AccountKind kind,
                    const std::string& profession = {});

  // Logs `p` in on a new connection (replacing p.conn), storing the token.
  void LogIn(Person& p) const;
  // Replaces p.conn with a new connection on which p.token is resumed.
  void Resume(Person& p) const;

  // `client` opens a network; each member is invited (role label = their profession) and
  // approved by the client. Returns the network as OpenNetwork returned it.
  v1::Network OpenNetwork(Person& client, const std::vector<Person*>& members);

  // Creates a member account `handle`, logs it in, and has the admin appoint it as the
  // representative of `client` on the legal ground `basis`, confirmed by the second admin.
  Person AddRepresentative(const Person& client, const std::string& handle,
                           const std::string& basis = "guardianship, court order 2026/123");

  static std::string PasswordFor(const std::string& handle) { return handle + "-secret-pass"; }

 private:
  KringdProcess& kringd_;
  std::optional<Person> admin_;
  std::optional<Person> second_admin_;
};

// Starts one kringd per test and gives it a World.
class KringTest : public ::testing::Test {
 protected:
  explicit KringTest(KringdConfig config = {}) : kringd_(config) {}
  void SetUp() override {
    ASSERT_TRUE(kringd_.Start());
    world_ = std::make_unique<World>(kringd_);
  }

  KringdProcess kringd_;
  std::unique_ptr<World> world_;
};

// Ruth (a client) with Jo (job coach) and Amir (language buddy) in her network, which starts
// with its general thread. With buddy_joins = false Amir has an account but is not in it.
class CareNetworkTest : public KringTest {
 protected:
  explicit CareNetworkTest(bool buddy_joins = true, KringdConfig config = {})
      : KringTest(config), buddy_joins_(buddy_joins) {}
  void SetUp() override {
    KringTest::SetUp();
    if (HasFatalFailure()) return;
    client_ = world_->AddClient("ruth");
    coach_ = world_->AddMember("jo", "job coach");
    buddy_ = world_->AddMember("amir", "language buddy");
    net_ = buddy_joins_ ? world_->OpenNetwork(client_, {&coach_, &buddy_})
                        : world_->OpenNetwork(client_, {&coach_});
    thread_ = net_.general_thread_id();
  }

  Person client_, coach_, buddy_;
  v1::Network net_;
  uint64_t thread_ = 0;

 private:
  const bool buddy_joins_;
};

// --- Consent ---

// Unix milliseconds on the machine's clock, the clock kringd decides consent periods with.
int64_t NowMs();

// `by` (the client or a representative) grants `grantee` `grant`; the new record. Throws on
// failure.
v1::Consent GrantConsent(Person& by, uint64_t network_id, const std::string& grantee,
                         const sdk::Grant& grant);
// `by` withdraws the consent of `grantee` ("" for the team); the new, withdrawn record.
v1::Consent WithdrawConsent(Person& by, uint64_t network_id, const std::string& grantee);

// Subscribes `p` to `thread_ids` of a network, each after `after_seq`.
sdk::Result<v1::SubscribeResult> SubscribeTo(Person& p, uint64_t network_id,
                                             const std::vector<uint64_t>& thread_ids,
                                             uint64_t after_seq = 0);
// The ThreadSubscription for `thread_id` in `sub`, or nullopt.
std::optional<v1::ThreadSubscription> FindThread(const v1::SubscribeResult& sub,
                                                 uint64_t thread_id);
// Whether a Subscribe result refuses `thread_id` with PERMISSION_DENIED: the whole request, or
// that thread's entry.
::testing::AssertionResult SubscribeDenied(const sdk::Result<v1::SubscribeResult>& r,
                                           uint64_t thread_id);

// The thread's newest sequence number as `p` reads it now (FetchHistory's last_seq).
uint64_t ThreadHead(Person& p, uint64_t network_id, uint64_t thread_id);

// Calls `done` until it returns true or `timeout` passes, pausing `interval` in between: for
// conditions no event announces (a consent period running out). True if `done` returned true.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = kWait,
               std::chrono::milliseconds interval = 25ms);

// --- Waiting for events, always with a deadline ---

// The first event matching `match` within `timeout`; events before it are consumed and dropped.
std::optional<v1::Event> WaitForEvent(sdk::Connection& conn,
                                      const std::function<bool(const v1::Event&)>& match,
                                      std::chrono::milliseconds timeout = kWait);

// MessagePosted messages of `thread_id`, in arrival order, until `count` arrived or the timeout
// passed (then fewer are returned). Other events are dropped.
std::vector<v1::Message> WaitForMessages(sdk::Connection& conn, uint64_t thread_id, size_t count,
                                         std::chrono::milliseconds timeout = kWait);

// Every event the server sent `conn` before answering a request made now (a WhoAmI round trip
// acts as the barrier), without waiting for anything later.
std::vector<v1::Event> EventsUntilRoundTrip(sdk::Connection& conn);

bool IsMessageIn(const v1::Event& e, uint64_t network_id);

// The first event of `kind` (e.g. v1::Event::kAccessEnded) within `timeout`; others dropped.
std::optional<v1::Event> WaitForEventOfKind(sdk::Connection& conn, v1::Event::EventCase kind,
                                            std::chrono::milliseconds timeout = kWait);
// The first AccessEnded for `network_id` within `timeout`; events before it are dropped.
std::optional<v1::AccessEnded> WaitForAccessEnded(sdk::Connection& conn, uint64_t network_id,
                                                  std::chrono::milliseconds timeout = kWait);
// Whether `e` ends `thread_id` of `network_id`: an AccessEnded for the whole network (no
// thread ids) or one naming the thread.
bool EndsThread(const v1::AccessEnded& e, uint64_t network_id, uint64_t thread_id);

// A number one thread raises (e.g. the highest acknowledged seq) and another waits on, with a
// deadline. Thread-safe.
class Watermark {
 public:
  void Raise(uint64_t v) {
    std::lock_guard lock(mu_);
    if (v > value_) value_ = v;
    cv_.notify_all();
  }
  uint64_t value() const {
    std::lock_guard lock(mu_);
    return value_;
  }
  // True once value() >= at_least; false if the timeout passed first.
  bool WaitFor(uint64_t at_least, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return value_ >= at_least; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t value_ = 0;  // guarded by mu_
};

// --- Raw frames ---

// The next Response on `channel` (events skipped), or nullopt on timeout/close.
std::optional<v1::Response> NextResponse(sdk::FrameChannel& channel,
                                         std::chrono::milliseconds timeout = kWait);
// Sends `frame` and waits for the Response with its request_id.
std::optional<v1::Response> RawCall(sdk::FrameChannel& channel, const v1::ClientFrame& frame,
                                    std::chrono::milliseconds timeout = kWait);

}  // namespace kring::integration
