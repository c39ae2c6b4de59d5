// Slows down password guessing, per handle and per source address.
//
// Each key (a handle, an address) may fail `free_failures` times; after that every further
// failure doubles a delay (from base_delay_ms up to max_delay_ms) during which the key is refused
// without looking at the password. A success clears the handle's count (not the address's: one
// good account must not reset an address that is guessing others). A key that has been quiet for
// forget_after_ms is forgotten. Thread-safe; memory is bounded by max_keys.
//
// A password check is counted from the moment it starts (Begin), not when its answer is known:
// otherwise checks started back to back, before the first of them failed, would all pass. Each
// handle has at most one check in flight, and an address only as many as its remaining free
// failures allow (its checks in flight count as if they had failed already).
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
  // The retry hint when a check is refused because another one of the same handle is still
  // running (one takes tens of milliseconds).
  int64_t busy_retry_ms = 1'000;
};

class LoginThrottle {
 public:
  // One password check that Begin let through. Finish it with Failed() or Succeeded(); one
  // destroyed unfinished (the password was never looked at: the work was refused or dropped)
  // is taken back as if it had never begun. Move-only; must not outlive its LoginThrottle.
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&&) = delete;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt();

    // The password was wrong (or the handle unknown): a failure for the handle and the address.
    void Failed();
    // The password was right: clears the handle's failures; the address keeps its own.
    void Succeeded();

   private:
    friend class LoginThrottle;
    enum class Outcome { kFailed, kSucceeded, kNotChecked };
    Attempt(LoginThrottle* throttle, std::string handle_key, std::string address_key);
    void Finish(Outcome outcome);

    LoginThrottle* throttle_;  // null once finished or moved from
    std::string handle_key_;
    std::string address_key_;
  };

  LoginThrottle(const Clock& clock, LoginThrottlePolicy policy);

  // Starts a password check of `handle` from `address`, counted at once. RESOURCE_EXHAUSTED
  // with retry_after_ms while either key is delayed, while another check of the handle is in
  // flight, or while the address's checks in flight would, if they all failed, delay it.
  StatusOr<Attempt> Begin(std::string_view handle, std::string_view address);

  // For checks that are decided at once (a session token): OK, or RESOURCE_EXHAUSTED with
  // retry_after_ms while either key is delayed; RecordFailure counts a failed one.
  Status Check(std::string_view handle, std::string_view address);
  void RecordFailure(std::string_view handle, std::string_view address);

 private:
  struct Entry {
    uint32_t failures = 0;
    uint32_t in_flight = 0;  // checks begun and not finished; never pruned while > 0
    int64_t last_failure_ms = 0;
    int64_t blocked_until_ms = 0;
  };
  // The delay after the `failures`th failure (0 while they are free).
  int64_t DelayAfter(uint32_t failures) const;
  int64_t BlockedUntilLocked(const std::string& key) const;
  void Fail(const std::string& key, int64_t now);
  // Takes back one check in flight of `key`; forgets the key if nothing else is left of it.
  void Release(const std::string& key, int64_t now);
  void PruneIfFull(int64_t now);
  void Finish(const std::string& handle_key, const std::string& address_key,
              Attempt::Outcome outcome);

  const Clock& clock_;
  const LoginThrottlePolicy policy_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_; "h:" handle, "a:" address
};

// "192.0.2.1:5000" -> "192.0.2.1", "[2001:db8::1]:443" -> "2001:db8::1".
std::string_view AddressWithoutPort(std::string_view address);

}  // namespace kring
