// Caps how fast requests may come: a token bucket per connection and one per account.
//
// A bucket holds up to `burst` tokens and gains `per_second` tokens a second; each request takes
// one, and a request that finds the bucket empty is refused with RESOURCE_EXHAUSTED and how long
// until a token is there (retry_after_ms). The bucket is kept as one number, the instant at which
// it would be full again (the GCRA form of a token bucket), so that a check on the hot path is an
// addition and a comparison, with no timer and nothing to refill.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "server/core/clock.h"
#include "server/core/status.h"

namespace kring {

struct RatePolicy {
  uint32_t per_second = 0;  // tokens gained a second; 0: no cap
  uint32_t burst = 1;       // tokens a full bucket holds (at least 1)

  bool capped() const { return per_second > 0; }
};

// One bucket. Not thread-safe: the owner serializes calls (a connection takes its frames one at
// a time). Starts full.
class TokenBucket {
 public:
  // Takes one token at `now_ms`: 0 if there was one, else the milliseconds until there will be
  // one (at least 1), and nothing is taken. Always 0 when the policy has no cap.
  int64_t Take(const RatePolicy& policy, int64_t now_ms);

  // True if the bucket is full at `now_ms`: forgetting it then loses nothing.
  bool FullAt(int64_t now_ms) const { return full_at_us_ <= now_ms * 1000; }

 private:
  int64_t full_at_us_ = 0;  // when the bucket is full again, in microseconds since the epoch
};

// RESOURCE_EXHAUSTED for a request over the rate of `whose` ("this connection"), with the wait.
Status RateExceeded(std::string_view whose, int64_t wait_ms);

// A bucket per key (an account id), shared by every connection of that key. Thread-safe (one
// mutex, held for a hash lookup). Memory: one entry per key seen recently; full buckets are
// dropped once more than `prune_above` keys are held.
class KeyedRateLimiter {
 public:
  KeyedRateLimiter(const Clock& clock, RatePolicy policy, size_t prune_above = 10'000);

  // OK, or RESOURCE_EXHAUSTED (RateExceeded(whose)) with retry_after_ms.
  Status Take(uint64_t key, std::string_view whose);

  size_t size() const;

 private:
  const Clock& clock_;
  const RatePolicy policy_;
  const size_t prune_above_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, TokenBucket> buckets_;  // guarded by mu_
  size_t prune_at_;                                    // guarded by mu_
};

}  // namespace kring
