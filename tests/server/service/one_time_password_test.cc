// The bootstrap admin's one-time password (Service::CreateAccountOffline with one_time_password):
// its sessions may only change it, and changing it ends every other session made with it. Any
// other password change ends the account's other sessions too.
#include <gtest/gtest.h>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

constexpr char kNewPassword[] = "a brand new password";

class OneTimePasswordTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    v1::CreateAccountRequest req;
    req.set_handle("root");
    req.set_kind(v1::ACCOUNT_KIND_ADMIN);
    req.set_password(kPassword);
    ASSERT_TRUE(service_->CreateAccountOffline(req, /*one_time_password=*/true).ok());
  }

  static v1::ClientFrame ChangePassword(const std::string& old_password,
                                        const std::string& new_password) {
    v1::ClientFrame f;
    f.mutable_change_password()->set_old_password(old_password);
    f.mutable_change_password()->set_new_password(new_password);
    return f;
  }
  static v1::ClientFrame WhoAmI() {
    v1::ClientFrame f;
    f.mutable_who_am_i();
    return f;
  }
  static v1::ClientFrame ListNetworks() {
    v1::ClientFrame f;
    f.mutable_list_networks();
    return f;
  }
  static v1::ClientFrame CreateMember(const std::string& handle) {
    v1::ClientFrame f;
    f.mutable_create_account()->set_handle(handle);
    f.mutable_create_account()->set_kind(v1::ACCOUNT_KIND_MEMBER);
    f.mutable_create_account()->set_password(kPassword);
    return f;
  }
};

void ExpectOneTimeRefusal(const v1::Response& r) {
  EXPECT_EQ(CodeOf(r), v1::Error::FAILED_PRECONDITION);
  EXPECT_EQ(r.error().detail(), "change the one-time password first: kring password");
}

TEST_F(OneTimePasswordTest, LoginSaysSoAndTheSessionMayOnlyChangeThePassword) {
  auto app = Connect();
  v1::Response login = Login(*app, "root");
  ASSERT_FALSE(login.has_error()) << login.error().detail();
  EXPECT_TRUE(login.login().account().must_change_password());
  v1::Response who = app->Call(WhoAmI());
  ASSERT_FALSE(who.has_error()) << who.error().detail();
  EXPECT_TRUE(who.who_am_i().account().must_change_password());

  ExpectOneTimeRefusal(app->Call(ListNetworks()));
  ExpectOneTimeRefusal(app->Call(CreateMember("jo")));
  v1::ClientFrame open;
  open.mutable_open_network()->set_client_handle("admin");
  ExpectOneTimeRefusal(app->Call(open));
  v1::ClientFrame audit;
  audit.mutable_query_audit();
  ExpectOneTimeRefusal(app->Call(audit));

  // Pipelined: every one refused, none slips through while another is in flight.
  std::vector<uint64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(app->Send(CreateMember("p" + std::to_string(i))));
  for (uint64_t id : ids) ExpectOneTimeRefusal(app->sink().WaitResponse(id));
  EXPECT_EQ(CodeOf(Login(*Connect(), "p0")), v1::Error::UNAUTHENTICATED);  // never created
}

TEST_F(OneTimePasswordTest, ChangingThePasswordClearsTheMarkAndTheOldOneNoLongerWorks) {
  auto app = Connect();
  ASSERT_FALSE(Login(*app, "root").has_error());
  // The same password again would leave it working for ever.
  EXPECT_EQ(CodeOf(app->Call(ChangePassword(kPassword, kPassword))), v1::Error::INVALID_ARGUMENT);
  ASSERT_FALSE(app->Call(ChangePassword(kPassword, kNewPassword)).has_error());

  v1::Response who = app->Call(WhoAmI());
  ASSERT_FALSE(who.has_error()) << who.error().detail();
  EXPECT_FALSE(who.who_am_i().account().must_change_password());
  EXPECT_FALSE(app->Call(ListNetworks()).has_error());  // the same session, now of full use
  EXPECT_FALSE(app->Call(CreateMember("jo")).has_error());

  auto again = Connect();
  EXPECT_EQ(CodeOf(Login(*again, "root")), v1::Error::UNAUTHENTICATED);
  v1::Response login = Login(*again, "root", kNewPassword);
  ASSERT_FALSE(login.has_error()) << login.error().detail();
  EXPECT_FALSE(login.login().account().must_change_password());
}

TEST_F(OneTimePasswordTest, ChangingItEndsEveryOtherSessionMadeWithIt) {
  auto owner = Connect();
  auto eavesdropper = Connect("203.0.113.9:5000");
  ASSERT_FALSE(Login(*owner, "root").has_error());
  ASSERT_FALSE(Login(*eavesdropper, "root").has_error());
  ASSERT_FALSE(owner->Call(ChangePassword(kPassword, kNewPassword)).has_error());
  EXPECT_EQ(eavesdropper->sink().WaitClosed(), CloseCode::kSessionEnded);
  EXPECT_FALSE(owner->Call(ListNetworks()).has_error());
}

TEST_F(OneTimePasswordTest, ChangingAnOrdinaryPasswordEndsEveryOtherSessionToo) {
  // "admin" has an ordinary password; someone else holds a session of it (and its token).
  auto owner = Connect();
  auto thief = Connect("203.0.113.9:5000");
  ASSERT_FALSE(Login(*owner, "admin").has_error());
  v1::Response stolen = Login(*thief, "admin");
  ASSERT_FALSE(stolen.has_error());
  ASSERT_FALSE(owner->Call(ChangePassword(kPassword, kNewPassword)).has_error());
  EXPECT_EQ(thief->sink().WaitClosed(), CloseCode::kSessionEnded);
  // The token no longer resumes, and the owner's own session carries on.
  v1::ClientFrame resume;
  resume.mutable_resume_session()->set_token(stolen.login().token());
  EXPECT_EQ(CodeOf(Connect()->Call(resume)), v1::Error::UNAUTHENTICATED);
  EXPECT_FALSE(owner->Call(ListNetworks()).has_error());
}

TEST_F(OneTimePasswordTest, AResumedSessionIsHeldToItToo) {
  auto first = Connect();
  v1::Response login = Login(*first, "root");
  ASSERT_FALSE(login.has_error());
  auto second = Connect();
  v1::ClientFrame resume;
  resume.mutable_resume_session()->set_token(login.login().token());
  v1::Response resumed = second->Call(resume);
  ASSERT_FALSE(resumed.has_error()) << resumed.error().detail();
  EXPECT_TRUE(resumed.resume_session().account().must_change_password());
  ExpectOneTimeRefusal(second->Call(ListNetworks()));
}

TEST_F(OneTimePasswordTest, AnAdminMayGiveANewAccountAOneTimePassword) {
  auto admin = LoggedIn("admin");
  v1::ClientFrame f = CreateMember("jo");
  f.mutable_create_account()->set_one_time_password(true);
  v1::Response created = admin->Call(f);
  ASSERT_FALSE(created.has_error()) << created.error().detail();
  EXPECT_TRUE(created.create_account().account().must_change_password());
  auto jo = Connect();
  v1::Response login = Login(*jo, "jo");
  ASSERT_FALSE(login.has_error()) << login.error().detail();
  EXPECT_TRUE(login.login().account().must_change_password());
  ExpectOneTimeRefusal(jo->Call(ListNetworks()));
  ASSERT_FALSE(jo->Call(ChangePassword(kPassword, kNewPassword)).has_error());
  EXPECT_FALSE(jo->Call(ListNetworks()).has_error());
  // Without the flag, as before: no mark.
  v1::Response plain = admin->Call(CreateMember("amir"));
  ASSERT_FALSE(plain.has_error()) << plain.error().detail();
  EXPECT_FALSE(plain.create_account().account().must_change_password());
}

TEST_F(OneTimePasswordTest, AccountsMadeOtherwiseHaveNoMark) {
  auto admin = Connect();
  v1::Response login = Login(*admin, "admin");
  ASSERT_FALSE(login.has_error());
  EXPECT_FALSE(login.login().account().must_change_password());
  EXPECT_FALSE(admin->Call(ListNetworks()).has_error());
}

}  // namespace
}  // namespace kring::service::testing
