#include "server/core/login_throttle.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

namespace kring {

std::string_view AddressWithoutPort(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    return close == std::string_view::npos ? address : address.substr(1, close - 1);
  }
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || address.find(':') != colon) return address;
  return address.substr(0, colon);
}

LoginThrottle::Attempt::Attempt(LoginThrottle* throttle, std::string handle_key,
                                std::string address_key)
    : throttle_(throttle),
      handle_key_(std::move(handle_key)),
      address_key_(std::move(address_key)) {}

LoginThrottle::Attempt::Attempt(Attempt&& other) noexcept
    : throttle_(std::exchange(other.throttle_, nullptr)),
      handle_key_(std::move(other.handle_key_)),
      address_key_(std::move(other.address_key_)) {}

LoginThrottle::Attempt::~Attempt() { Finish(Outcome::kNotChecked); }

void LoginThrottle::Attempt::Failed() { Finish(Outcome::kFailed); }

void LoginThrottle::Attempt::Succeeded() { Finish(Outcome::kSucceeded); }

void LoginThrottle::Attempt::Finish(Outcome outcome) {
  if (LoginThrottle* throttle = std::exchange(throttle_, nullptr)) {
    throttle->Finish(handle_key_, address_key_, outcome);
  }
}

LoginThrottle::LoginThrottle(const Clock& clock, LoginThrottlePolicy policy)
    : clock_(clock), policy_(policy) {}

int64_t LoginThrottle::DelayAfter(uint32_t failures) const {
  if (failures <= policy_.free_failures) return 0;
  uint32_t doublings = std::min<uint32_t>(failures - policy_.free_failures - 1, 40);
  int64_t delay = policy_.base_delay_ms;
  for (uint32_t i = 0; i < doublings && delay < policy_.max_delay_ms; ++i) delay *= 2;
  return std::min(delay, policy_.max_delay_ms);
}

int64_t LoginThrottle::BlockedUntilLocked(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.blocked_until_ms;
}

StatusOr<LoginThrottle::Attempt> LoginThrottle::Begin(std::string_view handle,
                                                      std::string_view address) {
  const int64_t now = clock_.NowMs();
  std::string handle_key = "h:" + std::string(handle);
  std::string address_key = "a:" + std::string(address);
  std::lock_guard lock(mu_);
  const int64_t until = std::max(BlockedUntilLocked(handle_key), BlockedUntilLocked(address_key));
  if (until > now) {
    return ResourceExhausted("too many failed logins; try again later")
        .set_retry_after_ms(static_cast<uint64_t>(until - now));
  }
  if (auto it = entries_.find(handle_key); it != entries_.end() && it->second.in_flight > 0) {
    return ResourceExhausted("a login for this handle is being checked; try again shortly")
        .set_retry_after_ms(static_cast<uint64_t>(std::max<int64_t>(policy_.busy_retry_ms, 1)));
  }
  if (auto it = entries_.find(address_key); it != entries_.end() && it->second.in_flight > 0) {
    // Were the checks in flight all to fail, would this one come after the free failures and
    // the delay they start? Then it must wait as it would had they failed already.
    const uint32_t counted = it->second.failures + it->second.in_flight;
    if (counted > policy_.free_failures) {
      return ResourceExhausted("too many failed logins; try again later")
          .set_retry_after_ms(static_cast<uint64_t>(std::max<int64_t>(DelayAfter(counted), 1)));
    }
  }
  PruneIfFull(now);
  ++entries_[handle_key].in_flight;
  ++entries_[address_key].in_flight;
  return Attempt(this, std::move(handle_key), std::move(address_key));
}

Status LoginThrottle::Check(std::string_view handle, std::string_view address) {
  const int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  const int64_t until = std::max(BlockedUntilLocked("h:" + std::string(handle)),
                                 BlockedUntilLocked("a:" + std::string(address)));
  if (until > now) {
    return ResourceExhausted("too many failed logins; try again later")
        .set_retry_after_ms(static_cast<uint64_t>(until - now));
  }
  return Status::Ok();
}

void LoginThrottle::Fail(const std::string& key, int64_t now) {
  Entry& e = entries_[key];
  if (e.failures > 0 && now - e.last_failure_ms > policy_.forget_after_ms) {
    e = Entry{.in_flight = e.in_flight};
  }
  ++e.failures;
  e.last_failure_ms = now;
  if (e.failures > policy_.free_failures) e.blocked_until_ms = now + DelayAfter(e.failures);
}

void LoginThrottle::Release(const std::string& key, int64_t now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.in_flight > 0) --e.in_flight;
  if (e.in_flight == 0 && e.failures == 0 && e.blocked_until_ms <= now) entries_.erase(it);
}

void LoginThrottle::PruneIfFull(int64_t now) {
  if (entries_.size() < policy_.max_keys) return;
  std::erase_if(entries_, [&](const auto& kv) {
    return kv.second.in_flight == 0 && now - kv.second.last_failure_ms > policy_.forget_after_ms &&
           kv.second.blocked_until_ms <= now;
  });
  // Still full: an attack from very many keys. Forget half, keys that are not blocked first and
  // the oldest among them, so a flood of new keys cannot unblock a guessed handle. Keys with a
  // check in flight stay: forgetting one would let a second check of its handle begin.
  if (entries_.size() >= policy_.max_keys) {
    struct Candidate {
      bool blocked;
      int64_t last_failure_ms;
      const std::string* key;
    };
    std::vector<Candidate> order;
    order.reserve(entries_.size());
    for (const auto& [key, e] : entries_) {
      if (e.in_flight == 0) order.push_back({e.blocked_until_ms > now, e.last_failure_ms, &key});
    }
    std::sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(a.blocked, a.last_failure_ms) < std::tie(b.blocked, b.last_failure_ms);
    });
    std::vector<std::string> doomed;
    for (size_t i = 0; i < order.size() && i < entries_.size() / 2; ++i) {
      doomed.push_back(*order[i].key);
    }
    for (const auto& key : doomed) entries_.erase(key);
  }
}

void LoginThrottle::RecordFailure(std::string_view handle, std::string_view address) {
  const int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  PruneIfFull(now);
  Fail("h:" + std::string(handle), now);
  Fail("a:" + std::string(address), now);
}

void LoginThrottle::Finish(const std::string& handle_key, const std::string& address_key,
                           Attempt::Outcome outcome) {
  const int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  switch (outcome) {
    case Attempt::Outcome::kFailed:
      Release(handle_key, now);
      Release(address_key, now);
      Fail(handle_key, now);
      Fail(address_key, now);
      return;
    case Attempt::Outcome::kSucceeded:
      // The handle has this one check in flight at most: nothing else of it is lost.
      entries_.erase(handle_key);
      Release(address_key, now);
      return;
    case Attempt::Outcome::kNotChecked:
      Release(handle_key, now);
      Release(address_key, now);
      return;
  }
}

}  // namespace kring
