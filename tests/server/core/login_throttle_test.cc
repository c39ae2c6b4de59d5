#include "server/core/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

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
  throttle_.RecordSuccess("anna");

  // The handle starts over: one new failure is free again.
  throttle_.RecordFailure("anna", "198.51.100.7");
  EXPECT_TRUE(throttle_.Check("anna", "198.51.100.7").ok());

  // The address remembers its 4 failures: its 5th doubles the delay, for every handle there.
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
