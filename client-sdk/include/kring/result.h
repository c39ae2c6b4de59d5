// Errors as values for the Kring client SDK.
//
// Every SDK call that can fail returns Result<T>: either a value or an sdk::Error. An Error is
// either one the server sent (transport == false: the request reached kringd and was refused,
// code/detail/retry_after_ms are the server's) or one the SDK raised itself (transport == true:
// the connection failed, closed or timed out; the request may or may not have been applied).
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "kring/v1/kring.pb.h"

namespace kring::sdk {

struct Error {
  v1::Error::Code code = v1::Error::CODE_UNSPECIFIED;
  std::string detail;
  // With RESOURCE_EXHAUSTED from a throttle: how long to wait before trying again.
  uint64_t retry_after_ms = 0;
  // True for connection, TLS, WebSocket and timeout failures raised by the SDK; false for an
  // Error answered by the server.
  bool transport = false;

  // "PERMISSION_DENIED: not a member of this network" or "transport: connection closed (1006)".
  std::string ToString() const {
    std::string s = transport ? std::string("transport") : v1::Error::Code_Name(code);
    if (transport && code != v1::Error::CODE_UNSPECIFIED) s += "/" + v1::Error::Code_Name(code);
    s += ": " + detail;
    if (retry_after_ms != 0) s += " (retry after " + std::to_string(retry_after_ms) + " ms)";
    return s;
  }

  static Error Transport(std::string detail) {
    return Error{v1::Error::CODE_UNSPECIFIED, std::move(detail), 0, true};
  }
  static Error FromProto(const v1::Error& e) {
    return Error{e.code(), e.detail(), e.retry_after_ms(), false};
  }
};

// A value of T or an Error. Cheap to move. Accessing value() of an error Result (or error() of
// an ok one) is a programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return Get(); }
  const T& value() const& { return const_cast<Result*>(this)->Get(); }
  T&& value() && { return std::move(Get()); }
  T* operator->() { return &Get(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return Get(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok() && "Result::error() on an ok Result");
    return std::get<1>(v_);
  }

 private:
  T& Get() {
    assert(ok() && "Result::value() on an error Result");
    return std::get<0>(v_);
  }

  std::variant<T, Error> v_;
};

}  // namespace kring::sdk
