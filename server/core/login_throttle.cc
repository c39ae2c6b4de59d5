#include "server/core/login_throttle.h"

#include <algorithm>
#include <tuple>
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

LoginThrottle::LoginThrottle(const Clock& clock, LoginThrottlePolicy policy)
    : clock_(clock), policy_(policy) {}

Status LoginThrottle::Check(std::string_view handle, std::string_view address) {
  int64_t now = clock_.NowMs();
  int64_t until = 0;
  std::lock_guard lock(mu_);
  for (std::string key : {"h:" + std::string(handle), "a:" + std::string(address)}) {
    if (auto it = entries_.find(key); it != entries_.end()) {
      until = std::max(until, it->second.blocked_until_ms);
    }
  }
  if (until > now) {
    return ResourceExhausted("too many failed logins; try again later")
        .set_retry_after_ms(static_cast<uint64_t>(until - now));
  }
  return Status::Ok();
}

void LoginThrottle::Fail(std::string key, int64_t now) {
  Entry& e = entries_[std::move(key)];
  if (e.failures > 0 && now - e.last_failure_ms > policy_.forget_after_ms) e = Entry{};
  ++e.failures;
  e.last_failure_ms = now;
  if (e.failures > policy_.free_failures) {
    uint32_t doublings = std::min<uint32_t>(e.failures - policy_.free_failures - 1, 40);
    int64_t delay = policy_.base_delay_ms;
    for (uint32_t i = 0; i < doublings && delay < policy_.max_delay_ms; ++i) delay *= 2;
    e.blocked_until_ms = now + std::min(delay, policy_.max_delay_ms);
  }
}

void LoginThrottle::PruneIfFull(int64_t now) {
  if (entries_.size() < policy_.max_keys) return;
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.last_failure_ms > policy_.forget_after_ms &&
           kv.second.blocked_until_ms <= now;
  });
  // Still full: an attack from very many keys. Forget exactly half, keys that are not blocked
  // first and the oldest among them, so a flood of new keys cannot unblock a guessed handle.
  if (entries_.size() >= policy_.max_keys) {
    struct Candidate {
      bool blocked;
      int64_t last_failure_ms;
      const std::string* key;
    };
    std::vector<Candidate> order;
    order.reserve(entries_.size());
    for (const auto& [key, e] : entries_) {
      order.push_back({e.blocked_until_ms > now, e.last_failure_ms, &key});
    }
    std::sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(a.blocked, a.last_failure_ms) < std::tie(b.blocked, b.last_failure_ms);
    });
    std::vector<std::string> doomed;
    for (size_t i = 0; i < order.size() / 2; ++i) doomed.push_back(*order[i].key);
    for (const auto& key : doomed) entries_.erase(key);
  }
}

void LoginThrottle::RecordFailure(std::string_view handle, std::string_view address) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  PruneIfFull(now);
  Fail("h:" + std::string(handle), now);
  Fail("a:" + std::string(address), now);
}

void LoginThrottle::RecordSuccess(std::string_view handle) {
  std::lock_guard lock(mu_);
  entries_.erase("h:" + std::string(handle));
}

}  // namespace kring
