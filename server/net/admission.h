// Which connections the listener takes: caps on connections in all, per source address and not
// (yet) authenticated, so that neither one peer nor a crowd of anonymous ones can use up
// kringd's descriptors and keep everyone else out. Plain C++ (no Asio): the Server asks at
// accept time and the WebSocket session reports when its connection authenticates.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/core/status.h"

namespace kring::net {

struct AdmissionLimits {
  size_t max_connections = 0;      // open connections in all; 0: no cap
  size_t max_per_address = 0;      // open connections from one source (AddressGroup); 0: no cap
  size_t max_unauthenticated = 0;  // open connections without a session yet; 0: no cap
};

// Thread-safe. Create with std::make_shared: tickets keep it alive.
class Admission : public std::enable_shared_from_this<Admission> {
 public:
  // One admitted connection's place, held for its whole life and given back when destroyed (or
  // reset by assigning a default Ticket). A new connection counts as unauthenticated. Move-only;
  // not thread-safe itself (one owner at a time).
  class Ticket {
   public:
    Ticket() = default;
    ~Ticket() { Release(); }
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

    // Counts the connection among the authenticated (true) or the unauthenticated (false).
    void SetAuthenticated(bool authenticated);
    bool held() const { return admission_ != nullptr; }

   private:
    friend class Admission;
    void Release();

    std::shared_ptr<Admission> admission_;  // null: no place held
    std::string group_;
    bool authenticated_ = false;
  };

  explicit Admission(AdmissionLimits limits) : limits_(limits) {}

  // A place for a new connection from `group` (AddressGroup of its address), or
  // RESOURCE_EXHAUSTED saying which cap it hit.
  StatusOr<Ticket> Admit(std::string group);

  const AdmissionLimits& limits() const { return limits_; }
  size_t connections() const;
  size_t unauthenticated() const;
  size_t from(std::string_view group) const;

 private:
  const AdmissionLimits limits_;
  mutable std::mutex mu_;
  size_t connections_ = 0;                          // guarded by mu_
  size_t unauthenticated_ = 0;                      // guarded by mu_
  std::unordered_map<std::string, size_t> groups_;  // guarded by mu_; only non-zero counts
};

// The source a connection is counted under for max_per_address: an IPv4 address as it is
// ("192.0.2.7"; an IPv4-mapped IPv6 address likewise), an IPv6 address by its /64 prefix
// ("2001:db8:1:2::/64"), which one host or one home usually holds whole. Text that is not an IP
// address is returned unchanged.
std::string AddressGroup(std::string_view ip);

}  // namespace kring::net
