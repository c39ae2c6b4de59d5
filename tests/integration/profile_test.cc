// A person's language and time zone, kept on the account (UpdateProfile) through a real kringd.
#include <gtest/gtest.h>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ProfileTest : public KringTest {};

TEST_F(ProfileTest, NewAccountsStartDutchInAmsterdam) {
  Person selam = world_->AddClient("selam");
  EXPECT_EQ(selam.account.language(), "nl");
  EXPECT_EQ(selam.account.time_zone(), "Europe/Amsterdam");
}

TEST_F(ProfileTest, TheSettingFollowsThePersonToAnotherDevice) {
  Person selam = world_->AddClient("selam");
  auto updated = selam->UpdateProfile("ti", "Africa/Asmara");
  ASSERT_TRUE(IsOk(updated));
  EXPECT_EQ(updated->account().language(), "ti");
  EXPECT_EQ(updated->account().time_zone(), "Africa/Asmara");

  // An empty field stays as it is.
  updated = selam->UpdateProfile("ar", "");
  ASSERT_TRUE(IsOk(updated));
  EXPECT_EQ(updated->account().language(), "ar");
  EXPECT_EQ(updated->account().time_zone(), "Africa/Asmara");

  Person phone{selam.handle, selam.password, {}, {}, nullptr};
  world_->LogIn(phone);
  auto me = phone->WhoAmI();
  ASSERT_TRUE(IsOk(me));
  EXPECT_EQ(me->account().language(), "ar");
  EXPECT_EQ(me->account().time_zone(), "Africa/Asmara");
}

TEST_F(ProfileTest, BadValuesAreRefusedAndRecorded) {
  Person jo = world_->AddMember("jo", "job coach");
  EXPECT_TRUE(IsError(jo->UpdateProfile("de", ""), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(IsError(jo->UpdateProfile("", "Mars/Olympus"), v1::Error::INVALID_ARGUMENT));
  EXPECT_TRUE(
      IsError(jo->UpdateProfile("en", "Europe/../../etc/passwd"), v1::Error::INVALID_ARGUMENT));
  auto me = jo->WhoAmI();
  ASSERT_TRUE(IsOk(me));
  EXPECT_EQ(me->account().language(), "nl");  // nothing of a refused request was kept
  ASSERT_TRUE(IsOk(jo->UpdateProfile("en", "UTC")));

  Person auditor = world_->AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);
  v1::QueryAuditRequest query;
  query.set_user_handle("jo");
  query.set_event_type("profile.updated");
  auto log = auditor->QueryAudit(query);
  ASSERT_TRUE(IsOk(log));
  int refused = 0, done = 0;
  for (const auto& e : log->events()) {
    EXPECT_EQ(e.object_id(), jo.account.id());
    if (e.outcome() == v1::AUDIT_OUTCOME_SUCCESS) ++done;
    if (e.outcome() == v1::AUDIT_OUTCOME_ERROR) ++refused;
  }
  EXPECT_EQ(done, 1);
  EXPECT_EQ(refused, 3);
}

TEST_F(ProfileTest, LoggedOutConnectionsCannot) {
  auto conn = world_->Connect();
  EXPECT_TRUE(IsError(conn->UpdateProfile("en", ""), v1::Error::UNAUTHENTICATED));
}

}  // namespace
}  // namespace kring::integration
