#include "server/core/request_rate.h"

#include <algorithm>
#include <string>

namespace kring {

int64_t TokenBucket::Take(const RatePolicy& policy, int64_t now_ms) {
  if (!policy.capped()) return 0;
  const int64_t interval_us = std::max<int64_t>(1, 1'000'000 / policy.per_second);
  const int64_t now_us = now_ms * 1000;
  // Each token taken moves the instant of fullness one interval later; a full bucket is `burst`
  // intervals' worth of slack before that instant may run ahead of now.
  const int64_t next = std::max(full_at_us_, now_us) + interval_us;
  const int64_t slack_us = interval_us * std::max<int64_t>(1, policy.burst);
  if (next - now_us > slack_us) {
    const int64_t wait_us = next - slack_us - now_us;
    return std::max<int64_t>(1, (wait_us + 999) / 1000);
  }
  full_at_us_ = next;
  return 0;
}

Status RateExceeded(std::string_view whose, int64_t wait_ms) {
  return ResourceExhausted("too many requests from " + std::string(whose) + "; slow down")
      .set_retry_after_ms(static_cast<uint64_t>(wait_ms));
}

KeyedRateLimiter::KeyedRateLimiter(const Clock& clock, RatePolicy policy, size_t prune_above)
    : clock_(clock), policy_(policy), prune_above_(prune_above), prune_at_(prune_above) {}

Status KeyedRateLimiter::Take(uint64_t key, std::string_view whose) {
  if (!policy_.capped()) return Status::Ok();
  const int64_t now = clock_.NowMs();
  int64_t wait = 0;
  {
    std::lock_guard lock(mu_);
    if (buckets_.size() > prune_at_) {
      std::erase_if(buckets_, [&](const auto& entry) { return entry.second.FullAt(now); });
      // Many keys all busy at once: prune again only once their number has doubled, so that
      // pruning stays O(1) per request on average.
      prune_at_ = std::max(prune_above_, 2 * buckets_.size());
    }
    wait = buckets_[key].Take(policy_, now);
  }
  if (wait > 0) return RateExceeded(whose, wait);
  return Status::Ok();
}

size_t KeyedRateLimiter::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace kring
