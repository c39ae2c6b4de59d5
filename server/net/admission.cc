#include "server/net/admission.h"

#include <arpa/inet.h>

#include <cstring>
#include <utility>

namespace kring::net {

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    admission_ = std::move(other.admission_);
    group_ = std::move(other.group_);
    authenticated_ = other.authenticated_;
    other.admission_ = nullptr;
  }
  return *this;
}

void Admission::Ticket::SetAuthenticated(bool authenticated) {
  if (!admission_ || authenticated == authenticated_) return;
  authenticated_ = authenticated;
  std::lock_guard lock(admission_->mu_);
  if (authenticated) {
    --admission_->unauthenticated_;
  } else {
    ++admission_->unauthenticated_;
  }
}

void Admission::Ticket::Release() {
  if (!admission_) return;
  {
    std::lock_guard lock(admission_->mu_);
    --admission_->connections_;
    if (!authenticated_) --admission_->unauthenticated_;
    auto it = admission_->groups_.find(group_);
    if (it != admission_->groups_.end() && --it->second == 0) admission_->groups_.erase(it);
  }
  admission_ = nullptr;
}

StatusOr<Admission::Ticket> Admission::Admit(std::string group) {
  {
    std::lock_guard lock(mu_);
    if (limits_.max_connections > 0 && connections_ >= limits_.max_connections) {
      return ResourceExhausted("at the connection limit");
    }
    if (limits_.max_unauthenticated > 0 && unauthenticated_ >= limits_.max_unauthenticated) {
      return ResourceExhausted("too many connections that have not logged in");
    }
    size_t& from_group = groups_[group];
    if (limits_.max_per_address > 0 && from_group >= limits_.max_per_address) {
      if (from_group == 0) groups_.erase(group);
      return ResourceExhausted("too many connections from " + group);
    }
    ++from_group;
    ++connections_;
    ++unauthenticated_;
  }
  Ticket ticket;
  ticket.admission_ = shared_from_this();
  ticket.group_ = std::move(group);
  return ticket;
}

size_t Admission::connections() const {
  std::lock_guard lock(mu_);
  return connections_;
}

size_t Admission::unauthenticated() const {
  std::lock_guard lock(mu_);
  return unauthenticated_;
}

size_t Admission::from(std::string_view group) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(std::string(group));
  return it == groups_.end() ? 0 : it->second;
}

std::string AddressGroup(std::string_view ip) {
  const std::string text(ip);
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;  // IPv4, or not an address
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kMapped, sizeof kMapped) == 0) {
    in_addr v4{};
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    char buf[INET_ADDRSTRLEN];
    return ::inet_ntop(AF_INET, &v4, buf, sizeof buf) ? buf : text;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  char buf[INET6_ADDRSTRLEN];
  if (!::inet_ntop(AF_INET6, &v6, buf, sizeof buf)) return text;
  return std::string(buf) + "/64";
}

}  // namespace kring::net
