#include <gtest/gtest.h>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

class NetworkHandlersTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    client_ = Person("amina", v1::ACCOUNT_KIND_CLIENT);
    case_manager_ = Person("casemanager", v1::ACCOUNT_KIND_MEMBER, "case manager");
    coach_ = Person("coach", v1::ACCOUNT_KIND_MEMBER, "job coach");
    buddy_ = Person("buddy", v1::ACCOUNT_KIND_MEMBER, "language buddy");
    network_ = OpenNetwork(*case_manager_, "amina");
  }

  v1::Response Invite(TestApp& by, const std::string& handle) {
    v1::ClientFrame f;
    f.mutable_invite()->set_network_id(network_.id());
    f.mutable_invite()->set_invitee_handle(handle);
    f.mutable_invite()->set_role_label("job coach at the municipality");
    return by.Call(f);
  }
  v1::Response Approve(TestApp& by, uint64_t invitation_id) {
    v1::ClientFrame f;
    f.mutable_approve_invitation()->set_invitation_id(invitation_id);
    return by.Call(f);
  }
  v1::Response Remove(TestApp& by, const std::string& handle) {
    v1::ClientFrame f;
    f.mutable_remove_member()->set_network_id(network_.id());
    f.mutable_remove_member()->set_handle(handle);
    return by.Call(f);
  }
  std::vector<std::string> MemberHandles(TestApp& app) {
    v1::ClientFrame f;
    f.mutable_list_members()->set_network_id(network_.id());
    std::vector<std::string> out;
    const v1::Response r = app.Call(f);
    for (const auto& m : r.list_members().members()) out.push_back(m.handle());
    return out;
  }

  std::unique_ptr<TestApp> client_, case_manager_, coach_, buddy_;
  v1::Network network_;
};

TEST_F(NetworkHandlersTest, AMemberOpeningANetworkCoordinatesIt) {
  EXPECT_EQ(network_.my_role(), v1::MEMBER_ROLE_COORDINATOR);
  EXPECT_EQ(network_.client_handle(), "amina");
  EXPECT_NE(network_.general_thread_id(), 0u);
  EXPECT_EQ(MemberHandles(*client_), (std::vector<std::string>{"amina", "casemanager"}));
  v1::ClientFrame list;
  list.mutable_list_networks();
  v1::Response r = client_->Call(list);
  ASSERT_EQ(r.list_networks().networks_size(), 1);
  EXPECT_EQ(r.list_networks().networks(0).my_role(), v1::MEMBER_ROLE_CLIENT);
}

TEST_F(NetworkHandlersTest, WhoMayOpenANetwork) {
  v1::ClientFrame f;
  f.mutable_open_network()->set_client_handle("amina");
  EXPECT_FALSE(client_->Call(f).has_error());  // the client themself
  auto admin = LoggedIn("admin");
  EXPECT_EQ(CodeOf(admin->Call(f)), v1::Error::PERMISSION_DENIED);
  f.mutable_open_network()->set_client_handle("coach");  // not a client
  EXPECT_EQ(CodeOf(case_manager_->Call(f)), v1::Error::INVALID_ARGUMENT);
  f.mutable_open_network()->set_client_handle("nobody");
  EXPECT_EQ(CodeOf(case_manager_->Call(f)), v1::Error::NOT_FOUND);
  auto other_client = Person("farah", v1::ACCOUNT_KIND_CLIENT);
  f.mutable_open_network()->set_client_handle("amina");
  EXPECT_EQ(CodeOf(other_client->Call(f)), v1::Error::PERMISSION_DENIED);
}

TEST_F(NetworkHandlersTest, AnInviteeSeesNothingUntilTheClientApproves) {
  v1::Response invited = Invite(*case_manager_, "coach");
  ASSERT_FALSE(invited.has_error()) << invited.error().detail();
  auto received =
      coach_->sink().WaitEvent([](const v1::Event& e) { return e.has_invitation_received(); });
  ASSERT_TRUE(received.has_value());
  const uint64_t thread = network_.general_thread_id();
  EXPECT_EQ(CodeOf(History(*coach_, network_.id(), thread)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Subscribe(*coach_, network_.id(), thread, 0)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread, "hello?")), v1::Error::PERMISSION_DENIED);

  // Only the client approves: not the coordinator, not the invitee.
  const uint64_t invitation = invited.invite().invitation().id();
  EXPECT_EQ(CodeOf(Approve(*case_manager_, invitation)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Approve(*coach_, invitation)), v1::Error::PERMISSION_DENIED);
  ASSERT_FALSE(Approve(*client_, invitation).has_error());
  EXPECT_EQ(CodeOf(Approve(*client_, invitation)), v1::Error::FAILED_PRECONDITION);
  EXPECT_FALSE(History(*coach_, network_.id(), thread).has_error());
}

TEST_F(NetworkHandlersTest, InvitationRules) {
  EXPECT_EQ(CodeOf(Invite(*coach_, "buddy")), v1::Error::PERMISSION_DENIED);  // not a member
  ASSERT_FALSE(Invite(*case_manager_, "coach").has_error());
  EXPECT_EQ(CodeOf(Invite(*case_manager_, "coach")), v1::Error::ALREADY_EXISTS);
  EXPECT_EQ(CodeOf(Invite(*case_manager_, "admin")), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(Invite(*case_manager_, "nobody")), v1::Error::NOT_FOUND);
  v1::ClientFrame f;
  f.mutable_invite()->set_network_id(999999);
  f.mutable_invite()->set_invitee_handle("buddy");
  EXPECT_EQ(CodeOf(case_manager_->Call(f)), v1::Error::NOT_FOUND);
  v1::ClientFrame list;
  list.mutable_list_invitations();
  EXPECT_EQ(client_->Call(list).list_invitations().invitations_size(), 1);
  EXPECT_EQ(coach_->Call(list).list_invitations().invitations_size(), 1);
  EXPECT_EQ(buddy_->Call(list).list_invitations().invitations_size(), 0);
}

TEST_F(NetworkHandlersTest, TheInviteeMayDecline) {
  v1::Response invited = Invite(*case_manager_, "coach");
  v1::ClientFrame f;
  f.mutable_decline_invitation()->set_invitation_id(invited.invite().invitation().id());
  EXPECT_EQ(CodeOf(buddy_->Call(f)), v1::Error::PERMISSION_DENIED);
  EXPECT_FALSE(coach_->Call(f).has_error());
  EXPECT_EQ(CodeOf(Approve(*client_, invited.invite().invitation().id())),
            v1::Error::FAILED_PRECONDITION);
  EXPECT_FALSE(Invite(*case_manager_, "coach").has_error());  // may be invited again
}

TEST_F(NetworkHandlersTest, RemovalCutsLiveDeliveryBeforeTheResponse) {
  AddMember(*case_manager_, *client_, network_.id(), "coach");
  const uint64_t thread = network_.general_thread_id();
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread, 0).has_error());
  ASSERT_FALSE(Post(*client_, network_.id(), thread, "before").has_error());
  ASSERT_EQ(coach_->WaitMessages(thread, 1).size(), 1u);

  EXPECT_EQ(CodeOf(Remove(*case_manager_, "coach")), v1::Error::PERMISSION_DENIED);
  ASSERT_FALSE(Remove(*client_, "coach").has_error());
  ASSERT_FALSE(Post(*client_, network_.id(), thread, "after").has_error());
  auto ended = coach_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); });
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->access_ended().network_id(), network_.id());
  for (const auto& e : coach_->sink().TakeEvents()) EXPECT_FALSE(e.has_message_posted());
  EXPECT_EQ(CodeOf(History(*coach_, network_.id(), thread)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(MemberHandles(*client_), (std::vector<std::string>{"amina", "casemanager"}));
}

TEST_F(NetworkHandlersTest, RemovalRules) {
  AddMember(*case_manager_, *client_, network_.id(), "coach");
  EXPECT_EQ(CodeOf(Remove(*client_, "amina")), v1::Error::FAILED_PRECONDITION);
  EXPECT_EQ(CodeOf(Remove(*coach_, "casemanager")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Remove(*client_, "buddy")), v1::Error::NOT_FOUND);
  EXPECT_FALSE(Remove(*coach_, "coach").has_error());  // leaving is always possible
  EXPECT_EQ(CodeOf(Remove(*coach_, "coach")), v1::Error::PERMISSION_DENIED);
}

TEST_F(NetworkHandlersTest, AdminsAndAuditorsNeverSeeNetworkContent) {
  auto admin = LoggedIn("admin");
  auto auditor = Person("auditor", v1::ACCOUNT_KIND_AUDITOR);
  const uint64_t thread = network_.general_thread_id();
  ASSERT_FALSE(Post(*client_, network_.id(), thread, "private").has_error());
  for (TestApp* app : {admin.get(), auditor.get()}) {
    EXPECT_EQ(CodeOf(History(*app, network_.id(), thread)), v1::Error::PERMISSION_DENIED);
    EXPECT_EQ(CodeOf(Subscribe(*app, network_.id(), thread, 0)), v1::Error::PERMISSION_DENIED);
    v1::ClientFrame f;
    f.mutable_list_threads()->set_network_id(network_.id());
    EXPECT_EQ(CodeOf(app->Call(f)), v1::Error::PERMISSION_DENIED);
    EXPECT_TRUE(MemberHandles(*app).empty());
  }
}

}  // namespace
}  // namespace kring::service::testing
