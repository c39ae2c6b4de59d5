#include <gtest/gtest.h>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

using AccountHandlersTest = ServiceTest;

TEST_F(AccountHandlersTest, LoginGivesATokenAndWhoAmIKnowsTheAccount) {
  auto app = Connect();
  v1::Response r = Login(*app, "ADMIN");  // handles are case-insensitive
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.login().token().size(), 43u);  // 256 bits, base64url
  EXPECT_EQ(r.login().account().handle(), "admin");
  v1::ClientFrame who;
  who.mutable_who_am_i();
  r = app->Call(who);
  EXPECT_EQ(r.who_am_i().account().kind(), v1::ACCOUNT_KIND_ADMIN);
}

TEST_F(AccountHandlersTest, WrongPasswordAndUnknownHandleLookTheSame) {
  auto app = Connect();
  v1::Response wrong = Login(*app, "admin", "not the password");
  v1::Response unknown = Login(*app, "nobody", kPassword);
  EXPECT_EQ(CodeOf(wrong), v1::Error::UNAUTHENTICATED);
  EXPECT_EQ(CodeOf(unknown), v1::Error::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error().detail(), unknown.error().detail());
}

TEST_F(AccountHandlersTest, EveryRequestBeforeLoginIsUnauthenticated) {
  auto app = Connect();
  v1::ClientFrame frames[4];
  frames[0].mutable_who_am_i();
  frames[1].mutable_list_networks();
  frames[2].mutable_post_message()->set_text("hi");
  frames[3].mutable_create_account()->set_handle("x");
  for (auto& f : frames) EXPECT_EQ(CodeOf(app->Call(f)), v1::Error::UNAUTHENTICATED);
}

TEST_F(AccountHandlersTest, FailedLoginsAreThrottledPerHandleWithRetryAfter) {
  auto app = Connect();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(CodeOf(Login(*app, "admin", "wrong-password-x")), v1::Error::UNAUTHENTICATED);
  v1::Response blocked = Login(*app, "admin", "wrong-password-x");
  EXPECT_EQ(CodeOf(blocked), v1::Error::UNAUTHENTICATED);  // the 4th failure starts the delay
  blocked = Login(*app, "admin");                          // even the right password waits
  ASSERT_EQ(CodeOf(blocked), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_GT(blocked.error().retry_after_ms(), 0u);
  clock_.Advance(blocked.error().retry_after_ms());
  EXPECT_FALSE(Login(*app, "admin").has_error());
}

TEST_F(AccountHandlersTest, FailedLoginsAreThrottledPerAddressAcrossHandles) {
  auto app = Connect("198.51.100.7:1234");
  for (int i = 0; i < 4; ++i) Login(*app, "guess" + std::to_string(i), "wrong-password-x");
  EXPECT_EQ(CodeOf(Login(*app, "admin")), v1::Error::RESOURCE_EXHAUSTED);
  auto elsewhere = Connect("198.51.100.8:1234");
  EXPECT_FALSE(Login(*elsewhere, "admin").has_error());
}

TEST_F(AccountHandlersTest, OnlyAnAdminCreatesAccountsAndHandlesAreUnique) {
  auto admin = LoggedIn("admin");
  v1::ClientFrame f;
  auto* c = f.mutable_create_account();
  c->set_handle("Amina.Yusuf");
  c->set_kind(v1::ACCOUNT_KIND_CLIENT);
  c->set_display_name("أمينة يوسف");
  c->set_password(kPassword);
  v1::Response r = admin->Call(f);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.create_account().account().handle(), "amina.yusuf");
  EXPECT_EQ(CodeOf(admin->Call(f)), v1::Error::ALREADY_EXISTS);

  auto amina = LoggedIn("amina.yusuf");
  c->set_handle("someone-else");
  EXPECT_EQ(CodeOf(amina->Call(f)), v1::Error::PERMISSION_DENIED);
}

TEST_F(AccountHandlersTest, CreateAccountRejectsMalformedFields) {
  auto admin = LoggedIn("admin");
  auto attempt = [&](auto mutate) {
    v1::ClientFrame f;
    auto* c = f.mutable_create_account();
    c->set_handle("valid");
    c->set_kind(v1::ACCOUNT_KIND_MEMBER);
    c->set_password(kPassword);
    mutate(*c);
    return CodeOf(admin->Call(f));
  };
  EXPECT_EQ(attempt([](auto& c) { c.set_handle("has space"); }), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(attempt([](auto& c) { c.set_handle(""); }), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(attempt([](auto& c) { c.set_kind(v1::ACCOUNT_KIND_UNSPECIFIED); }),
            v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(attempt([](auto& c) { c.set_password("short"); }), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(attempt([](auto& c) { c.set_display_name("\xC0\x80"); }), v1::Error::INVALID_ARGUMENT);
}

TEST_F(AccountHandlersTest, DisablingAnAccountEndsItsLiveSessionsAtOnce) {
  auto admin = LoggedIn("admin");
  auto coach = Person("coach", v1::ACCOUNT_KIND_MEMBER, "job coach");
  v1::ClientFrame f;
  f.mutable_disable_account()->set_handle("coach");
  ASSERT_FALSE(admin->Call(f).has_error());
  auto ended = coach->sink().WaitEvent([](const v1::Event& e) { return e.has_session_ended(); });
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(coach->sink().WaitClosed(), CloseCode::kSessionEnded);
  auto again = Connect();
  EXPECT_EQ(CodeOf(Login(*again, "coach")), v1::Error::UNAUTHENTICATED);
}

TEST_F(AccountHandlersTest, LogoutAnswersThenEndsTheSessionEverywhere) {
  auto first = Connect();
  v1::Response login = Login(*first, "admin");
  const std::string token = login.login().token();
  auto second = Connect();
  v1::ClientFrame resume;
  resume.mutable_resume_session()->set_token(token);
  ASSERT_FALSE(second->Call(resume).has_error());

  v1::ClientFrame logout;
  logout.mutable_logout();
  EXPECT_FALSE(first->Call(logout).has_error());
  EXPECT_EQ(first->sink().WaitClosed(), CloseCode::kSessionEnded);
  EXPECT_EQ(second->sink().WaitClosed(), CloseCode::kSessionEnded);

  auto third = Connect();
  EXPECT_EQ(CodeOf(third->Call(resume)), v1::Error::UNAUTHENTICATED);
}

TEST_F(AccountHandlersTest, GarbageTokenDoesNotResume) {
  auto app = Connect();
  v1::ClientFrame resume;
  resume.mutable_resume_session()->set_token("not-a-token");
  EXPECT_EQ(CodeOf(app->Call(resume)), v1::Error::UNAUTHENTICATED);
}

TEST_F(AccountHandlersTest, AnExpiredSessionIsRefusedAndClosed) {
  auto app = LoggedIn("admin");
  clock_.Advance(options_.session_ttl_ms + 1);
  v1::ClientFrame who;
  who.mutable_who_am_i();
  EXPECT_EQ(CodeOf(app->Call(who)), v1::Error::UNAUTHENTICATED);
  EXPECT_EQ(app->sink().WaitClosed(), CloseCode::kSessionEnded);
}

TEST_F(AccountHandlersTest, ChangePasswordNeedsTheOldOne) {
  auto app = LoggedIn("admin");
  v1::ClientFrame f;
  f.mutable_change_password()->set_old_password("wrong password!");
  f.mutable_change_password()->set_new_password("a brand new password");
  EXPECT_EQ(CodeOf(app->Call(f)), v1::Error::PERMISSION_DENIED);
  f.mutable_change_password()->set_old_password(kPassword);
  EXPECT_FALSE(app->Call(f).has_error());
  auto other = Connect();
  EXPECT_EQ(CodeOf(Login(*other, "admin")), v1::Error::UNAUTHENTICATED);
  EXPECT_FALSE(Login(*other, "admin", "a brand new password").has_error());
}

TEST_F(AccountHandlersTest, UndecodableFrameGetsInvalidArgumentWithRequestIdZero) {
  auto app = Connect();
  app->SendBytes("\xFF\xFF\xFF garbage");
  v1::Response r = app->sink().WaitResponse(0);
  EXPECT_EQ(CodeOf(r), v1::Error::INVALID_ARGUMENT);
  EXPECT_FALSE(Login(*app, "admin").has_error());  // the connection still works
}

TEST_F(AccountHandlersTest, FrameWithoutARequestIsUnimplemented) {
  auto app = Connect();
  v1::ClientFrame empty;
  EXPECT_EQ(CodeOf(app->Call(empty)), v1::Error::UNIMPLEMENTED);
}

}  // namespace
}  // namespace kring::service::testing
