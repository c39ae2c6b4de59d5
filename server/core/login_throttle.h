// Slows down password guessing, per handle and per source address.
//
// Each key (a handle, an address) may fail `free_failures` times; after that every further
// failure doubles a delay (from base_delay_ms up to max_delay_ms) during which Check() refuses
// that key without looking at the password. A success clears the handle's count (not the
// address's: one good account must not reset an address that is guessing others). A key that has
// been quiet for forget_after_ms is forgotten. Thread-safe; memory is bounded by max_keys.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/core/clock.h"
#include "server/core/status.h"

namespace kring {

struct LoginThrottlePolicy {
  uint32_t free_failures = 5;
  int64_t base_delay_ms = 1'000;
  int64_t max_delay_ms = 15 * 60'000;
  int64_t forget_after_ms = 60 * 60'000;
  size_t max_keys = 100'000;
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, LoginThrottlePolicy policy);

  // OK, or RESOURCE_EXHAUSTED with retry_after_ms while either key is delayed.
  Status Check(std::string_view handle, std::string_view address);
  void RecordFailure(std::string_view handle, std::string_view address);
  void RecordSuccess(std::string_view handle);

 private:
  struct Entry {
    uint32_t failures = 0;
    int64_t last_failure_ms = 0;
    int64_t blocked_until_ms = 0;
  };
  void Fail(std::string key, int64_t now);
  void PruneIfFull(int64_t now);

  const Clock& clock_;
  const LoginThrottlePolicy policy_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_; "h:" handle, "a:" address
};

// "192.0.2.1:5000" -> "192.0.2.1", "[2001:db8::1]:443" -> "2001:db8::1".
std::string_view AddressWithoutPort(std::string_view address);

}  // namespace kring
