// Errors as values for core, storage and service code.
//
// Status carries one of the protocol's stable error codes plus a detail for people. StatusOr<T>
// holds either a value or a non-OK Status. Both are cheap to move; an OK Status allocates
// nothing.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kring {

// Mirrors kring.v1.Error.Code (same numbers), so mapping to the wire is a cast.
enum class Code : int {
  kOk = 0,
  kUnauthenticated = 1,
  kPermissionDenied = 2,
  kNotFound = 3,
  kInvalidArgument = 4,
  kAlreadyExists = 5,
  kFailedPrecondition = 6,
  kResourceExhausted = 7,
  kInternal = 8,
  kUnimplemented = 9,
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string detail);

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  const std::string& detail() const;
  // Milliseconds to wait before retrying; only meaningful for kResourceExhausted.
  uint64_t retry_after_ms() const { return state_ ? state_->retry_after_ms : 0; }
  Status& set_retry_after_ms(uint64_t ms);

  // "PERMISSION_DENIED: not a member of this network"
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.detail() == b.detail();
  }

 private:
  struct State {
    Code code;
    std::string detail;
    uint64_t retry_after_ms = 0;
  };
  std::shared_ptr<State> state_;  // null when OK; shared because statuses are copied often
};

inline Status Unauthenticated(std::string d) {
  return Status(Code::kUnauthenticated, std::move(d));
}
inline Status PermissionDenied(std::string d) {
  return Status(Code::kPermissionDenied, std::move(d));
}
inline Status NotFound(std::string d) { return Status(Code::kNotFound, std::move(d)); }
inline Status InvalidArgument(std::string d) {
  return Status(Code::kInvalidArgument, std::move(d));
}
inline Status AlreadyExists(std::string d) { return Status(Code::kAlreadyExists, std::move(d)); }
inline Status FailedPrecondition(std::string d) {
  return Status(Code::kFailedPrecondition, std::move(d));
}
inline Status ResourceExhausted(std::string d) {
  return Status(Code::kResourceExhausted, std::move(d));
}
inline Status Internal(std::string d) { return Status(Code::kInternal, std::move(d)); }
inline Status Unimplemented(std::string d) { return Status(Code::kUnimplemented, std::move(d)); }

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "StatusOr needs a value or a non-OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kring

// Returns early from the enclosing function when `expr` is not OK.
#define KRING_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::kring::Status kring_status_ = (expr);        \
    if (!kring_status_.ok()) return kring_status_; \
  } while (0)

#define KRING_CONCAT_INNER_(a, b) a##b
#define KRING_CONCAT_(a, b) KRING_CONCAT_INNER_(a, b)
// `KRING_ASSIGN_OR_RETURN(auto x, F());` assigns the value or returns the error.
#define KRING_ASSIGN_OR_RETURN(lhs, expr)               \
  auto KRING_CONCAT_(kring_or_, __LINE__) = (expr);     \
  if (!KRING_CONCAT_(kring_or_, __LINE__).ok())         \
    return KRING_CONCAT_(kring_or_, __LINE__).status(); \
  lhs = std::move(KRING_CONCAT_(kring_or_, __LINE__)).value()
