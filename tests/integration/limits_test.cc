// What one peer may hold of a real kringd: the authentication deadline, connections per address
// and in all (from the descriptor limit), and the request rate. Each cap is shortened through the
// test's config; the tests wait for events (a close, a refusal, an answer), never for time.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client-sdk/src/frame_channel.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

v1::ClientFrame WhoAmI(uint64_t request_id) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  f.mutable_who_am_i();
  return f;
}

// Opens a raw channel until one gets in or the deadline passes: for a place that is given back
// when kringd has seen a close, which no event announces to the test.
std::unique_ptr<sdk::FrameChannel> ConnectOnceThereIsRoom(const KringdProcess& kringd) {
  std::unique_ptr<sdk::FrameChannel> channel;
  PollUntil(
      [&] {
        auto opened = sdk::FrameChannel::Open(kringd.ConnectOptions());
        if (opened.ok()) channel = std::move(opened).value();
        return channel != nullptr;
      },
      kWait, 50ms);
  return channel;
}

KringdConfig ShortAuthDeadline() {
  KringdConfig c;
  c.auth_timeout_seconds = 1;
  return c;
}

class AuthDeadlineTest : public KringTest {
 protected:
  AuthDeadlineTest() : KringTest(ShortAuthDeadline()) {}
};

TEST_F(AuthDeadlineTest, AConnectionThatNeverLogsInIsClosed1008WhileALoggedInOneStays) {
  Person client = world_->AddClient("ruth");  // logged in before the anonymous one opens
  auto anonymous = world_->ConnectRaw();
  // Requests (and pings, which the channel answers) do not keep it: only a session does.
  std::optional<v1::Response> r = RawCall(*anonymous, WhoAmI(1));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error().code(), v1::Error::UNAUTHENTICATED);
  std::optional<sdk::CloseInfo> closed = anonymous->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value()) << "an anonymous connection outlived the auth deadline";
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_POLICY_VIOLATION) << closed->reason;
  // Older than the anonymous one, so past its own deadline too, and still served.
  EXPECT_TRUE(IsOk(client->WhoAmI()));
}

KringdConfig ThreePerAddress() {
  KringdConfig c;
  c.max_per_address = 3;
  return c;
}

class PerAddressTest : public KringTest {
 protected:
  PerAddressTest() : KringTest(ThreePerAddress()) {}
};

TEST_F(PerAddressTest, TheFourthConnectionFromOneAddressIsRefusedUntilOneCloses) {
  std::vector<std::unique_ptr<sdk::FrameChannel>> open;
  for (int i = 0; i < 3; ++i) open.push_back(world_->ConnectRaw());
  auto refused = sdk::FrameChannel::Open(kringd_.ConnectOptions());
  ASSERT_FALSE(refused.ok()) << "a fourth connection from 127.0.0.1 got in";
  EXPECT_TRUE(refused.error().transport) << refused.error().ToString();
  // The three are served all the while.
  for (size_t i = 0; i < open.size(); ++i) {
    std::optional<v1::Response> r = RawCall(*open[i], WhoAmI(10 + i));
    ASSERT_TRUE(r.has_value()) << i;
  }
  open.pop_back();  // closes (the closing handshake is done when this returns)
  auto again = ConnectOnceThereIsRoom(kringd_);
  ASSERT_NE(again, nullptr) << "no room after a connection from the address closed";
  EXPECT_TRUE(RawCall(*again, WhoAmI(20)).has_value());
}

KringdConfig FewDescriptors() {
  KringdConfig c;
  c.descriptor_limit = 300;
  c.reserved_descriptors = 290;  // connections capped at 300 - 290 = 10
  return c;
}

class DescriptorLimitTest : public KringTest {
 protected:
  DescriptorLimitTest() : KringTest(FewDescriptors()) {}
};

TEST_F(DescriptorLimitTest, ConnectionsPastTheLimitAreRefusedAndTheRestStillServed) {
  std::vector<std::unique_ptr<sdk::FrameChannel>> open;
  for (int i = 0; i < 10; ++i) open.push_back(world_->ConnectRaw());
  auto refused = sdk::FrameChannel::Open(kringd_.ConnectOptions());
  ASSERT_FALSE(refused.ok()) << "an eleventh connection got in";
  EXPECT_TRUE(refused.error().transport) << refused.error().ToString();
  open.pop_back();
  auto again = ConnectOnceThereIsRoom(kringd_);
  ASSERT_NE(again, nullptr) << "no room after a connection closed";
  // A real login still goes through on it.
  v1::ClientFrame login;
  login.set_request_id(1);
  login.mutable_login()->set_handle(KringdProcess::kAdminHandle);
  login.mutable_login()->set_password(KringdProcess::kAdminPassword);
  std::optional<v1::Response> r = RawCall(*again, login);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_error()) << r->DebugString();
}

KringdConfig SlowRequests() {
  KringdConfig c;
  c.connection_per_second = 2;
  c.connection_burst = 5;
  return c;
}

class RequestRateTest : public KringTest {
 protected:
  RequestRateTest() : KringTest(SlowRequests()) {}
};

TEST_F(RequestRateTest, PipelinedRequestsOverTheRateAreRefusedThenAcceptedAfterTheRefill) {
  auto channel = world_->ConnectRaw();
  constexpr uint64_t kSent = 20;
  for (uint64_t id = 1; id <= kSent; ++id) channel->Send(WhoAmI(id));
  std::map<uint64_t, v1::Response> answers;
  while (answers.size() < kSent) {
    std::optional<v1::Response> r = NextResponse(*channel);
    ASSERT_TRUE(r.has_value()) << "only " << answers.size() << " answers";
    answers[r->request_id()] = *r;
  }
  // The burst goes through (WhoAmI before login: UNAUTHENTICATED); some of the rest is refused.
  for (uint64_t id = 1; id <= 5; ++id) {
    EXPECT_EQ(answers[id].error().code(), v1::Error::UNAUTHENTICATED) << id;
  }
  int refused = 0;
  for (const auto& [id, r] : answers) {
    if (r.error().code() != v1::Error::RESOURCE_EXHAUSTED) continue;
    ++refused;
    EXPECT_GT(r.error().retry_after_ms(), 0u) << id;
  }
  EXPECT_GT(refused, 0) << "20 pipelined requests all fit a rate of 2/s with a burst of 5";
  EXPECT_FALSE(channel->closed());
  // Once the bucket has refilled, requests are handled again.
  uint64_t id = 100;
  EXPECT_TRUE(PollUntil(
      [&] {
        std::optional<v1::Response> r = RawCall(*channel, WhoAmI(++id));
        return r.has_value() && r->error().code() == v1::Error::UNAUTHENTICATED;
      },
      kWait, 100ms));
}

}  // namespace
}  // namespace kring::integration
