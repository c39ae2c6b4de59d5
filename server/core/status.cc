#include "server/core/status.h"

namespace kring {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kAlreadyExists:
      return "ALREADY_EXISTS";
    case Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Code::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case Code::kInternal:
      return "INTERNAL";
    case Code::kUnimplemented:
      return "UNIMPLEMENTED";
  }
  return "UNKNOWN";
}

Status::Status(Code code, std::string detail) {
  if (code != Code::kOk) state_ = std::make_shared<State>(State{code, std::move(detail)});
}

const std::string& Status::detail() const {
  static const std::string kEmpty;
  return state_ ? state_->detail : kEmpty;
}

Status& Status::set_retry_after_ms(uint64_t ms) {
  if (state_) {
    auto copy = std::make_shared<State>(*state_);
    copy->retry_after_ms = ms;
    state_ = std::move(copy);
  }
  return *this;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code()));
  if (!detail().empty()) out.append(": ").append(detail());
  return out;
}

}  // namespace kring
