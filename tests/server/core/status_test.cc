#include "server/core/status.h"

#include <gtest/gtest.h>

namespace kring {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  KRING_ASSIGN_OR_RETURN(int half, Half(x));
  KRING_ASSIGN_OR_RETURN(*out, Half(half));
  return Status::Ok();
}

TEST(StatusTest, OkHasNoDetail) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndDetail) {
  Status s = PermissionDenied("not a member");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "PERMISSION_DENIED: not a member");
  Status throttled = ResourceExhausted("slow down").set_retry_after_ms(500);
  EXPECT_EQ(throttled.retry_after_ms(), 500u);
}

TEST(StatusTest, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(Quarter(6, &out).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kring
