// What ConnectionImpl does with each frame before a handler sees it: undecodable frames, the
// request-rate caps, and telling the transport when the connection gains or loses its session.
#include "server/service/connection_impl.h"

#include <gtest/gtest.h>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

v1::ClientFrame WhoAmIFrame(uint64_t request_id) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  f.mutable_who_am_i();
  return f;
}

// Records in the access log (every table row of kAudit).
size_t AuditRecords(storage::Store& store) {
  size_t n = 0;
  EXPECT_TRUE(store
                  .Scan(storage::Table::kAudit, "", "", 0,
                        [&](std::string_view, std::string_view) {
                          ++n;
                          return true;
                        })
                  .ok());
  return n;
}

using ConnectionImplTest = ServiceTest;

TEST_F(ConnectionImplTest, AFloodOfUndecodableFramesGetsAFewAnswersThenClose1008) {
  auto app = Connect();
  // Pipelined: all of them before the first answer is looked at.
  for (int i = 0; i < 20'000; ++i) app->SendBytes("\xFF\xFF\xFF garbage");
  for (int i = 0; i < kMaxUndecodableFrames; ++i) {
    v1::Response r = app->sink().WaitResponse(0);
    EXPECT_EQ(CodeOf(r), v1::Error::INVALID_ARGUMENT) << i << ": " << r.error().detail();
  }
  EXPECT_EQ(app->sink().WaitClosed(), CloseCode::kPolicyViolation);
  // Nothing more was answered (WaitResponse reports the close instead).
  EXPECT_EQ(app->sink().WaitResponse(0).error().detail(), "connection closed without a response");
}

TEST_F(ConnectionImplTest, FewerUndecodableFramesThanTheLimitLeaveTheConnectionWorking) {
  auto app = Connect();
  for (int i = 0; i + 1 < kMaxUndecodableFrames; ++i) {
    app->SendBytes("\xFF\xFF\xFF garbage");
    EXPECT_EQ(CodeOf(app->sink().WaitResponse(0)), v1::Error::INVALID_ARGUMENT);
  }
  EXPECT_FALSE(Login(*app, "admin").has_error());
  EXPECT_FALSE(app->sink().closed());
}

TEST_F(ConnectionImplTest, TheServiceTellsTheTransportWhenTheSessionComesAndGoes) {
  ASSERT_TRUE(CreateAccount("noor", v1::ACCOUNT_KIND_CLIENT).ok());
  auto app = Connect();
  EXPECT_EQ(CodeOf(Login(*app, "noor", "not the password!!")), v1::Error::UNAUTHENTICATED);
  EXPECT_TRUE(app->sink().authenticated_changes().empty());
  v1::Response login = Login(*app, "noor");
  ASSERT_FALSE(login.has_error()) << login.error().detail();
  EXPECT_EQ(app->sink().authenticated_changes(), std::vector<bool>{true});

  auto resumed = Connect();
  v1::ClientFrame bad;
  bad.mutable_resume_session()->set_token("not a token");
  EXPECT_EQ(CodeOf(resumed->Call(bad)), v1::Error::UNAUTHENTICATED);
  EXPECT_TRUE(resumed->sink().authenticated_changes().empty());
  v1::ClientFrame resume;
  resume.mutable_resume_session()->set_token(login.login().token());
  ASSERT_FALSE(resumed->Call(resume).has_error());
  EXPECT_EQ(resumed->sink().authenticated_changes(), std::vector<bool>{true});

  v1::ClientFrame logout;
  logout.mutable_logout();
  ASSERT_FALSE(app->Call(logout).has_error());
  EXPECT_EQ(app->sink().WaitClosed(), CloseCode::kSessionEnded);
  EXPECT_EQ(app->sink().authenticated_changes(), (std::vector<bool>{true, false}));
}

class RequestRateTest : public ServiceTest {
 protected:
  // The fixture's service has no caps: made again with these, over the same store.
  void Restart(RatePolicy connection, RatePolicy account) {
    service_->Stop();
    options_.connection_rate = connection;
    options_.account_rate = account;
    service_ = std::make_unique<Service>(faulty_, clock_, random_, options_);
    ASSERT_TRUE(service_->Start().ok());
  }

  // Sends WhoAmI frames with ids [first, first + n) without waiting, then collects the answers'
  // codes in id order.
  std::vector<v1::Error::Code> Pipeline(TestApp& app, uint64_t first, int n) {
    for (int i = 0; i < n; ++i) app.SendBytes(WhoAmIFrame(first + i).SerializeAsString());
    std::vector<v1::Error::Code> codes;
    for (int i = 0; i < n; ++i) codes.push_back(CodeOf(app.sink().WaitResponse(first + i)));
    return codes;
  }
};

TEST_F(RequestRateTest, PipelinedRequestsOverTheConnectionRateAreRefusedUntilItRefills) {
  Restart({.per_second = 10, .burst = 5}, {});  // a token every 100 ms
  auto app = Connect();  // not logged in: the connection's own cap applies all the same
  using E = v1::Error;
  const std::vector<E::Code> burst = Pipeline(*app, 1, 8);
  EXPECT_EQ(burst,
            (std::vector<E::Code>{E::UNAUTHENTICATED, E::UNAUTHENTICATED, E::UNAUTHENTICATED,
                                  E::UNAUTHENTICATED, E::UNAUTHENTICATED, E::RESOURCE_EXHAUSTED,
                                  E::RESOURCE_EXHAUSTED, E::RESOURCE_EXHAUSTED}));
  app->SendBytes(WhoAmIFrame(20).SerializeAsString());
  v1::Response refused = app->sink().WaitResponse(20);
  EXPECT_EQ(CodeOf(refused), E::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error().retry_after_ms(), 100u);
  clock_.Advance(40);
  app->SendBytes(WhoAmIFrame(21).SerializeAsString());
  EXPECT_EQ(app->sink().WaitResponse(21).error().retry_after_ms(), 60u);
  clock_.Advance(60);  // one token back
  EXPECT_EQ(Pipeline(*app, 30, 2),
            (std::vector<E::Code>{E::UNAUTHENTICATED, E::RESOURCE_EXHAUSTED}));
  clock_.Advance(500);  // the whole burst back
  EXPECT_EQ(Pipeline(*app, 40, 6),
            (std::vector<E::Code>{E::UNAUTHENTICATED, E::UNAUTHENTICATED, E::UNAUTHENTICATED,
                                  E::UNAUTHENTICATED, E::UNAUTHENTICATED, E::RESOURCE_EXHAUSTED}));
  EXPECT_FALSE(app->sink().closed());  // refused, not dropped
}

TEST_F(RequestRateTest, AnAccountsConnectionsShareItsCapAndRefusalsAreNotRecorded) {
  Restart({}, {.per_second = 1, .burst = 8});  // a token every second
  ASSERT_TRUE(CreateAccount("noor", v1::ACCOUNT_KIND_CLIENT).ok());
  ASSERT_TRUE(CreateAccount("sami", v1::ACCOUNT_KIND_CLIENT).ok());
  auto phone = LoggedIn("noor");  // logins take no token of the account: it is not known yet
  auto laptop = LoggedIn("noor");
  auto other = LoggedIn("sami");
  using E = v1::Error;
  const std::vector<E::Code> ok4(4, E::CODE_UNSPECIFIED);
  EXPECT_EQ(Pipeline(*phone, 1, 4), ok4);
  EXPECT_EQ(Pipeline(*laptop, 1, 4), ok4);  // 8: the account's burst is spent
  EXPECT_EQ(Pipeline(*other, 1, 4), ok4);   // another account is not held back

  const size_t records = AuditRecords(memory_);
  v1::ClientFrame list;
  list.set_request_id(9);
  list.mutable_list_networks();  // recorded when handled
  phone->SendBytes(list.SerializeAsString());
  v1::Response refused = phone->sink().WaitResponse(9);
  EXPECT_EQ(CodeOf(refused), E::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error().retry_after_ms(), 1000u);
  EXPECT_NE(refused.error().detail().find("account"), std::string::npos);
  EXPECT_EQ(CodeOf(laptop->Call(WhoAmIFrame(0))), E::RESOURCE_EXHAUSTED);
  EXPECT_EQ(AuditRecords(memory_), records);  // refusals leave nothing behind

  clock_.Advance(1'000);
  EXPECT_FALSE(phone->Call(list).has_error());
  EXPECT_EQ(AuditRecords(memory_), records + 1);
}

}  // namespace
}  // namespace kring::service::testing
