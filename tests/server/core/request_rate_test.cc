#include "server/core/request_rate.h"

#include <gtest/gtest.h>

#include "server/core/clock.h"

namespace kring {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

TEST(TokenBucketTest, ABurstPassesThenTheNextWaitsForOneInterval) {
  const RatePolicy policy{.per_second = 10, .burst = 5};  // a token every 100 ms
  TokenBucket bucket;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(bucket.Take(policy, kNow), 0) << i;
  EXPECT_EQ(bucket.Take(policy, kNow), 100);
  EXPECT_EQ(bucket.Take(policy, kNow + 60), 40);  // a refusal takes nothing
  EXPECT_EQ(bucket.Take(policy, kNow + 100), 0);
  EXPECT_EQ(bucket.Take(policy, kNow + 100), 100);
}

TEST(TokenBucketTest, RefillsAtTheRateAndNeverBeyondTheBurst) {
  const RatePolicy policy{.per_second = 10, .burst = 5};
  TokenBucket bucket;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(bucket.Take(policy, kNow), 0);
  EXPECT_FALSE(bucket.FullAt(kNow));
  // 250 ms later: two tokens back (the third is 50 ms away).
  EXPECT_EQ(bucket.Take(policy, kNow + 250), 0);
  EXPECT_EQ(bucket.Take(policy, kNow + 250), 0);
  EXPECT_EQ(bucket.Take(policy, kNow + 250), 50);
  // An hour of quiet refills it to the burst, not to 36,000.
  EXPECT_TRUE(bucket.FullAt(kNow + 3'600'000));
  int passed = 0;
  while (bucket.Take(policy, kNow + 3'600'000) == 0) ++passed;
  EXPECT_EQ(passed, 5);
}

TEST(TokenBucketTest, SustainedRateAtTheCapIsNeverRefused) {
  const RatePolicy policy{.per_second = 1000, .burst = 1};
  TokenBucket bucket;
  for (int64_t ms = 0; ms < 10'000; ++ms) ASSERT_EQ(bucket.Take(policy, kNow + ms), 0) << ms;
  EXPECT_EQ(bucket.Take(policy, kNow + 9'999), 1);  // a wait is at least 1 ms
}

TEST(TokenBucketTest, NoCapNeverRefuses) {
  TokenBucket bucket;
  for (int i = 0; i < 100'000; ++i) ASSERT_EQ(bucket.Take(RatePolicy{}, kNow), 0);
}

TEST(TokenBucketTest, RatesAboveOnePerMillisecondKeepTheirPrecision) {
  const RatePolicy policy{.per_second = 4000, .burst = 4};  // 250 µs apart
  TokenBucket bucket;
  for (int i = 0; i < 4; ++i) ASSERT_EQ(bucket.Take(policy, kNow), 0);
  ASSERT_EQ(bucket.Take(policy, kNow), 1);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(bucket.Take(policy, kNow + 1), 0) << i;  // 4 per ms
  EXPECT_GT(bucket.Take(policy, kNow + 1), 0);
}

TEST(RateExceededTest, IsResourceExhaustedWithTheWait) {
  Status s = RateExceeded("this connection", 250);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_EQ(s.retry_after_ms(), 250u);
  EXPECT_NE(s.detail().find("this connection"), std::string::npos) << s.detail();
}

TEST(KeyedRateLimiterTest, EachKeyHasItsOwnBucket) {
  ManualClock clock(kNow);
  KeyedRateLimiter limiter(clock, RatePolicy{.per_second = 2, .burst = 2});
  EXPECT_TRUE(limiter.Take(7, "this account").ok());
  EXPECT_TRUE(limiter.Take(7, "this account").ok());
  Status refused = limiter.Take(7, "this account");
  EXPECT_EQ(refused.code(), Code::kResourceExhausted);
  EXPECT_EQ(refused.retry_after_ms(), 500u);
  EXPECT_TRUE(limiter.Take(8, "this account").ok());  // another account is not held back
  clock.Advance(500);
  EXPECT_TRUE(limiter.Take(7, "this account").ok());
}

TEST(KeyedRateLimiterTest, ForgetsFullBucketsOnceMoreThanPruneAboveAreHeld) {
  ManualClock clock(kNow);
  KeyedRateLimiter limiter(clock, RatePolicy{.per_second = 1, .burst = 2}, /*prune_above=*/4);
  ASSERT_TRUE(limiter.Take(1, "k").ok());
  ASSERT_TRUE(limiter.Take(1, "k").ok());  // key 1 is full again only after 2 s
  for (uint64_t key = 2; key <= 4; ++key) ASSERT_TRUE(limiter.Take(key, "k").ok());
  clock.Advance(1'000);  // keys 2..4 are full again
  ASSERT_TRUE(limiter.Take(5, "k").ok());
  EXPECT_EQ(limiter.size(), 5u);
  ASSERT_TRUE(limiter.Take(6, "k").ok());  // over 4 held: the full ones go
  EXPECT_EQ(limiter.size(), 3u);           // 1, 5 and 6
  // Key 1 kept its debt: one token back after 1 s, not a full bucket.
  EXPECT_TRUE(limiter.Take(1, "k").ok());
  EXPECT_EQ(limiter.Take(1, "k").code(), Code::kResourceExhausted);
}

TEST(KeyedRateLimiterTest, NoCapHoldsNothing) {
  ManualClock clock(kNow);
  KeyedRateLimiter limiter(clock, RatePolicy{});
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Take(i % 3, "k").ok());
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace kring
