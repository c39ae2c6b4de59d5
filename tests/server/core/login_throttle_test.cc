#include "server/core/login_throttle.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/core/clock.h"

namespace kring {
namespace {

constexpr LoginThrottlePolicy kPolicy{
    .free_failures = 3,
    .base_delay_ms = 1'000,
    .max_delay_ms = 8'000,
    .forget_after_ms = 60'000,
    .max_keys = 1'000,
};

class LoginThrottleTest : public ::testing::Test {
 protected:
  // Fails `n` times for (handle, address) without moving the clock.
  void FailTimes(int n, std::string_view handle, std::string_view address) {
    for (int i = 0; i < n; ++i) throttle_.RecordFailure(handle, address);
  }

  // The retry_after_ms of a refusal, or 0 when Check passes; fails the test on any other code.
  uint64_t RetryAfter(std::string_view handle, std::string_view address) {
    Status s = throttle_.Check(handle, address);
    if (s.ok()) return 0;
    EXPECT_EQ(CodeName(s.code()), CodeName(Code::kResourceExhausted)) << s.ToString();
    EXPECT_GT(s.retry_after_ms(), 0u);
    return s.retry_after_ms();
  }

  ManualClock clock_;
  LoginThrottle throttle_{clock_, kPolicy};
};

TEST_F(LoginThrottleTest, NoHistoryMeansNoDelay) {
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
}

TEST_F(LoginThrottleTest, FreeFailuresThenTheBaseDelay) {
  FailTimes(3, "anna", "192.0.2.1");
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
  throttle_.RecordFailure("anna", "192.0.2.1");
  Status s = throttle_.Check("anna", "192.0.2.1");
  EXPECT_EQ(CodeName(s.code()), CodeName(Code::kResourceExhausted));
  EXPECT_EQ(s.retry_after_ms(), 1'000u);
}

TEST_F(LoginThrottleTest, RetryAfterCountsDownAndThenLoginIsAllowed) {
  FailTimes(4, "anna", "192.0.2.1");
  clock_.Advance(400);
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 600u);
  clock_.Advance(599);
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 1u);
  clock_.Advance(1);
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
}

TEST_F(LoginThrottleTest, EachFurtherFailureDoublesTheDelayUpToTheMax) {
  FailTimes(3, "anna", "192.0.2.1");
  const uint64_t kExpected[] = {1'000, 2'000, 4'000, 8'000, 8'000, 8'000};
  for (uint64_t expected : kExpected) {
    SCOPED_TRACE("expected delay " + std::to_string(expected));
    throttle_.RecordFailure("anna", "192.0.2.1");
    EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), expected);
    clock_.Advance(static_cast<int64_t>(expected));  // wait it out, then guess again
    EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
  }
}

// --- Attempts: counted from the moment they begin ---

// RESOURCE_EXHAUSTED with a retry hint from Begin; fails the test if Begin let it through.
::testing::AssertionResult Refused(StatusOr<LoginThrottle::Attempt> attempt) {
  if (attempt.ok()) return ::testing::AssertionFailure() << "Begin let the attempt through";
  if (attempt.status().code() != Code::kResourceExhausted) {
    return ::testing::AssertionFailure() << attempt.status().ToString();
  }
  if (attempt.status().retry_after_ms() == 0) {
    return ::testing::AssertionFailure() << "no retry hint: " << attempt.status().ToString();
  }
  return ::testing::AssertionSuccess();
}

TEST_F(LoginThrottleTest, AttemptsBegunBackToBackForOneHandleRunOneAtATime) {
  // What pipelined logins do: every frame begins a check before the first one is answered.
  auto first = throttle_.Begin("anna", "192.0.2.1");
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 1'000; ++i) {
    ASSERT_TRUE(Refused(throttle_.Begin("anna", "192.0.2.1"))) << "attempt " << i + 2;
  }
  // Nor from elsewhere; other handles are not held up by it.
  EXPECT_TRUE(Refused(throttle_.Begin("anna", "198.51.100.7")));
  EXPECT_TRUE(throttle_.Begin("bert", "192.0.2.1").ok());
  first->Failed();
  EXPECT_TRUE(throttle_.Begin("anna", "192.0.2.1").ok());
}

TEST_F(LoginThrottleTest, GuessingAsFastAsAttemptsFinishGetsNoMoreThanTheFreeFailuresAndOne) {
  int checked = 0;
  for (int i = 0; i < 1'000; ++i) {
    auto attempt = throttle_.Begin("anna", "192.0.2.1");
    if (!attempt.ok()) continue;
    ++checked;
    attempt->Failed();
  }
  EXPECT_EQ(checked, static_cast<int>(kPolicy.free_failures) + 1);
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 1'000u);
}

TEST_F(LoginThrottleTest, AnAddressCountsItsAttemptsInFlightAsIfTheyHadFailed) {
  // free_failures = 3: an address may have attempts 1-4 in flight at once (as it could make
  // them one after the other); a fifth would come after four failures' delay.
  std::vector<LoginThrottle::Attempt> in_flight;
  for (const char* handle : {"anna", "bert", "carla", "dirk"}) {
    auto attempt = throttle_.Begin(handle, "192.0.2.1");
    ASSERT_TRUE(attempt.ok()) << handle << ": " << attempt.status().ToString();
    in_flight.push_back(std::move(*attempt));
  }
  auto fifth = throttle_.Begin("eva", "192.0.2.1");
  ASSERT_TRUE(Refused(std::move(fifth)));
  EXPECT_TRUE(throttle_.Begin("eva", "198.51.100.7").ok());  // eva herself is not delayed
  for (auto& attempt : in_flight) attempt.Failed();
  EXPECT_EQ(RetryAfter("eva", "192.0.2.1"), 1'000u);  // four failures: as if made in turn
}

TEST_F(LoginThrottleTest, TheRetryHintOfAnAddressWithAttemptsInFlightIsTheDelayTheyWouldStart) {
  FailTimes(3, "anna", "192.0.2.1");
  auto fourth = throttle_.Begin("bert", "192.0.2.1");
  ASSERT_TRUE(fourth.ok());
  auto fifth = throttle_.Begin("carla", "192.0.2.1");
  ASSERT_FALSE(fifth.ok());
  EXPECT_EQ(fifth.status().retry_after_ms(), 1'000u);
}

TEST_F(LoginThrottleTest, ADelayedKeyRefusesAttemptsLikeCheck) {
  FailTimes(4, "anna", "192.0.2.1");
  clock_.Advance(400);
  auto attempt = throttle_.Begin("anna", "198.51.100.7");
  ASSERT_FALSE(attempt.ok());
  EXPECT_EQ(attempt.status().retry_after_ms(), 600u);
  EXPECT_TRUE(Refused(throttle_.Begin("bert", "192.0.2.1")));
}

TEST_F(LoginThrottleTest, AFailedAttemptCountsLikeRecordFailure) {
  for (int i = 0; i < 4; ++i) {
    auto attempt = throttle_.Begin("anna", "192.0.2.1");
    ASSERT_TRUE(attempt.ok()) << "attempt " << i + 1;
    attempt->Failed();
  }
  EXPECT_EQ(RetryAfter("anna", "198.51.100.7"), 1'000u);
  EXPECT_EQ(RetryAfter("bert", "192.0.2.1"), 1'000u);
}

TEST_F(LoginThrottleTest, AnAttemptNeverCheckedIsTakenBack) {
  FailTimes(3, "anna", "192.0.2.1");
  for (int i = 0; i < 10; ++i) {
    auto attempt = throttle_.Begin("anna", "192.0.2.1");
    ASSERT_TRUE(attempt.ok()) << "attempt " << i + 1;
    // Dropped unfinished: the work was refused, the password never looked at.
  }
  // Still three failures: the fourth is free of delay until it fails.
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
  throttle_.RecordFailure("anna", "192.0.2.1");
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 1'000u);
}

TEST_F(LoginThrottleTest, AMovedAttemptFinishesOnce) {
  std::optional<LoginThrottle::Attempt> attempt;
  {
    auto begun = throttle_.Begin("anna", "192.0.2.1");
    ASSERT_TRUE(begun.ok());
    attempt.emplace(std::move(*begun));
  }  // the moved-from attempt is destroyed here, to no effect
  EXPECT_TRUE(Refused(throttle_.Begin("anna", "192.0.2.1")));
  attempt->Failed();
  attempt->Failed();  // a second finish is ignored
  FailTimes(2, "anna", "192.0.2.1");
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());  // 3 failures, not 4
}

TEST(LoginThrottlePruneTest, KeysWithAnAttemptInFlightAreNeverForgotten) {
  ManualClock clock;
  LoginThrottle throttle(clock, {.free_failures = 0,
                                 .base_delay_ms = 1'000,
                                 .max_delay_ms = 8'000,
                                 .forget_after_ms = 60'000,
                                 .max_keys = 4});
  auto anna = throttle.Begin("anna", "192.0.2.1");
  ASSERT_TRUE(anna.ok());
  clock.Advance(60'001);
  for (int i = 0; i < 20; ++i) {
    throttle.RecordFailure("spray" + std::to_string(i), "203.0.113." + std::to_string(i));
    clock.Advance(1);
  }
  EXPECT_FALSE(throttle.Begin("anna", "198.51.100.7").ok());
}

TEST(LoginThrottleCapTest, MaxThatIsNotAPowerOfTwoOfTheBaseCaps) {
  ManualClock clock;
  LoginThrottle throttle(clock, {.free_failures = 0,
                                 .base_delay_ms = 1'000,
                                 .max_delay_ms = 5'000,
                                 .forget_after_ms = 3'600'000});
  const uint64_t kExpected[] = {1'000, 2'000, 4'000, 5'000, 5'000};
  for (uint64_t expected : kExpected) {
    throttle.RecordFailure("anna", "192.0.2.1");
    EXPECT_EQ(throttle.Check("anna", "192.0.2.1").retry_after_ms(), expected);
    clock.Advance(static_cast<int64_t>(expected));
  }
}

TEST(LoginThrottleCapTest, ManyFailuresStayAtTheMaxWithoutOverflow) {
  ManualClock clock;
  LoginThrottle throttle(clock, {.free_failures = 0,
                                 .base_delay_ms = 1'000,
                                 .max_delay_ms = 15 * 60'000,
                                 .forget_after_ms = 3'600'000});
  for (int i = 0; i < 200; ++i) throttle.RecordFailure("anna", "192.0.2.1");
  Status s = throttle.Check("anna", "192.0.2.1");
  EXPECT_EQ(CodeName(s.code()), CodeName(Code::kResourceExhausted));
  EXPECT_EQ(s.retry_after_ms(), 15u * 60'000u);
}

TEST_F(LoginThrottleTest, SuccessClearsTheHandleButNotTheAddress) {
  FailTimes(4, "anna", "192.0.2.1");  // both keys at 4 failures: delayed 1 s
  clock_.Advance(1'000);
  auto attempt = throttle_.Begin("anna", "192.0.2.1");
  ASSERT_TRUE(attempt.ok()) << attempt.status().ToString();
  attempt->Succeeded();

  // The handle starts over: one new failure is free again.
  throttle_.RecordFailure("anna", "198.51.100.7");
  EXPECT_TRUE(throttle_.Check("anna", "198.51.100.7").ok());

  // The address remembers its 4 failures (the success is not one): its 5th doubles the delay,
  // for every handle there.
  throttle_.RecordFailure("bert", "192.0.2.1");
  EXPECT_EQ(RetryAfter("carla", "192.0.2.1"), 2'000u);
  EXPECT_TRUE(throttle_.Check("carla", "198.51.100.8").ok());
}

TEST_F(LoginThrottleTest, AnAddressGuessingManyHandlesIsDelayedForAllOfThem) {
  FailTimes(1, "anna", "192.0.2.1");
  FailTimes(1, "bert", "192.0.2.1");
  FailTimes(1, "carla", "192.0.2.1");
  EXPECT_TRUE(throttle_.Check("dirk", "192.0.2.1").ok());
  FailTimes(1, "dirk", "192.0.2.1");
  EXPECT_EQ(RetryAfter("eva", "192.0.2.1"), 1'000u);  // never guessed, but from that address
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 1'000u);
  // The handles themselves have one failure each: fine from elsewhere.
  EXPECT_TRUE(throttle_.Check("anna", "198.51.100.7").ok());
  EXPECT_TRUE(throttle_.Check("eva", "198.51.100.7").ok());
}

TEST_F(LoginThrottleTest, AHandleGuessedFromManyAddressesIsDelayedEverywhere) {
  FailTimes(1, "anna", "192.0.2.1");
  FailTimes(1, "anna", "192.0.2.2");
  FailTimes(1, "anna", "192.0.2.3");
  FailTimes(1, "anna", "192.0.2.4");
  EXPECT_EQ(RetryAfter("anna", "203.0.113.9"), 1'000u);
  EXPECT_TRUE(throttle_.Check("bert", "192.0.2.1").ok());
}

TEST_F(LoginThrottleTest, TheLongerOfTheTwoDelaysApplies) {
  FailTimes(3, "anna", "192.0.2.1");
  FailTimes(3, "anna", "192.0.2.1");     // anna and the address: 6 failures, 4 s
  FailTimes(4, "bert", "198.51.100.7");  // bert and that address: 4 failures, 1 s
  EXPECT_EQ(RetryAfter("anna", "198.51.100.7"), 4'000u);
  EXPECT_EQ(RetryAfter("bert", "192.0.2.1"), 4'000u);
  EXPECT_EQ(RetryAfter("bert", "198.51.100.7"), 1'000u);
}

TEST_F(LoginThrottleTest, QuietKeysAreForgotten) {
  FailTimes(3, "anna", "192.0.2.1");
  clock_.Advance(kPolicy.forget_after_ms + 1);
  throttle_.RecordFailure("anna", "192.0.2.1");  // counts as the first again
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
}

TEST_F(LoginThrottleTest, KeysThatAreNotQuietLongEnoughAreRemembered) {
  FailTimes(3, "anna", "192.0.2.1");
  clock_.Advance(kPolicy.forget_after_ms - 1);
  throttle_.RecordFailure("anna", "192.0.2.1");
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 1'000u);
}

TEST_F(LoginThrottleTest, ForgettingAlsoResetsTheDoubling) {
  FailTimes(7, "anna", "192.0.2.1");  // at the max delay
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 8'000u);
  clock_.Advance(kPolicy.forget_after_ms + 1);
  EXPECT_TRUE(throttle_.Check("anna", "192.0.2.1").ok());
  FailTimes(4, "anna", "192.0.2.1");
  EXPECT_EQ(RetryAfter("anna", "192.0.2.1"), 1'000u);
}

TEST(LoginThrottlePruneTest, QuietKeysGoFirstWhenFull) {
  ManualClock clock;
  LoginThrottle throttle(clock, {.free_failures = 0,
                                 .base_delay_ms = 1'000,
                                 .max_delay_ms = 8'000,
                                 .forget_after_ms = 60'000,
                                 .max_keys = 4});
  throttle.RecordFailure("old", "192.0.2.99");  // 2 keys, soon quiet
  clock.Advance(60'001);
  throttle.RecordFailure("anna", "192.0.2.1");  // 4 keys
  throttle.RecordFailure("anna", "192.0.2.1");  // full: the quiet pair is pruned, anna stays
  EXPECT_EQ(throttle.Check("anna", "203.0.113.1").retry_after_ms(), 2'000u);
  EXPECT_EQ(throttle.Check("bert", "192.0.2.1").retry_after_ms(), 2'000u);
}

// The implementation's stated intent when full of recent keys is to "forget the oldest half".
// The keys that failed most recently (here anna and her address) are the newest half and must
// stay delayed; otherwise an attacker spraying keys can reset the throttle for the handle it is
// actually guessing.
TEST(LoginThrottlePruneTest, WhenFullOfRecentKeysTheNewestHalfSurvives) {
  ManualClock clock;
  LoginThrottle throttle(clock, {.free_failures = 0,
                                 .base_delay_ms = 10'000,
                                 .max_delay_ms = 10'000,
                                 .forget_after_ms = 60'000,
                                 .max_keys = 4});
  throttle.RecordFailure("x1", "192.0.2.101");  // 2 keys at t
  clock.Advance(1);
  throttle.RecordFailure("anna", "192.0.2.1");  // 4 keys: 2 at t, 2 at t+1
  clock.Advance(1);
  throttle.RecordFailure("x2", "192.0.2.102");  // full: forget the older half (x1 and its address)
  EXPECT_EQ(CodeName(throttle.Check("anna", "203.0.113.1").code()),
            CodeName(Code::kResourceExhausted));
  EXPECT_EQ(CodeName(throttle.Check("bert", "192.0.2.1").code()),
            CodeName(Code::kResourceExhausted));
}

TEST(LoginThrottleAddressTest, StripsThePortOfEachForm) {
  struct Case {
    std::string_view in;
    std::string_view out;
  };
  const Case kCases[] = {
      {"192.0.2.1:5000", "192.0.2.1"},
      {"192.0.2.1", "192.0.2.1"},
      {"[2001:db8::1]:443", "2001:db8::1"},
      {"[::1]:8443", "::1"},
      {"[2001:db8::1]", "2001:db8::1"},
      {"2001:db8::1", "2001:db8::1"},  // bare IPv6: the colons are not a port
      {"::1", "::1"},
      {"localhost:80", "localhost"},
      {"", ""},
      {"[2001:db8::1", "[2001:db8::1"},  // unterminated bracket: left as it is
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.in));
    EXPECT_EQ(AddressWithoutPort(c.in), c.out);
  }
}

TEST(LoginThrottleAddressTest, OnePortlessAddressIsOneThrottleKey) {
  ManualClock clock;
  LoginThrottle throttle(clock, kPolicy);
  // The same host connecting from four source ports counts as one address.
  for (std::string_view from :
       {"192.0.2.1:50001", "192.0.2.1:50002", "192.0.2.1:50003", "192.0.2.1:50004"}) {
    throttle.RecordFailure(std::string("h") + std::string(from.substr(10)),
                           AddressWithoutPort(from));
  }
  EXPECT_EQ(CodeName(throttle.Check("zoe", AddressWithoutPort("192.0.2.1:60000")).code()),
            CodeName(Code::kResourceExhausted));
}

}  // namespace
}  // namespace kring
