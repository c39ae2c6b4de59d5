// Who acts in consent besides the client: representatives appointed by an admin, the team as a
// whole (team-only threads); and invitations, which expire.
#include <gtest/gtest.h>

#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

class RepresentativeTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    guardian_ = Person("mentor", v1::ACCOUNT_KIND_MEMBER, "mentor");
    admin_ = LoggedIn("admin");
    second_admin_ = Person("admin2", v1::ACCOUNT_KIND_ADMIN);
  }
  // Asked by `by`; once asked by the admin, confirmed by the second admin (four eyes).
  v1::Response Appoint(TestApp& by, const std::string& client, const std::string& rep,
                       const std::string& basis = "mentorship, court order 2026/17") {
    v1::ClientFrame f;
    f.mutable_appoint_representative()->set_client_handle(client);
    f.mutable_appoint_representative()->set_representative_handle(rep);
    f.mutable_appoint_representative()->set_basis(basis);
    v1::Response asked = by.Call(f);
    if (asked.has_error() || &by != admin_.get()) return asked;
    v1::ClientFrame confirm;
    confirm.mutable_confirm_representative()->set_client_handle(client);
    confirm.mutable_confirm_representative()->set_representative_handle(rep);
    v1::Response confirmed = second_admin_->Call(confirm);
    if (confirmed.has_error()) return confirmed;
    return asked;
  }
  v1::Response End(TestApp& by, const std::string& client, const std::string& rep) {
    v1::ClientFrame f;
    f.mutable_end_representation()->set_client_handle(client);
    f.mutable_end_representation()->set_representative_handle(rep);
    return by.Call(f);
  }

  std::unique_ptr<TestApp> guardian_, admin_, second_admin_;
};

TEST_F(RepresentativeTest, OnlyAnAdminAppointsAClientsRepresentative) {
  EXPECT_EQ(CodeOf(Appoint(*client_, "ruth", "mentor")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Appoint(*coach_, "ruth", "mentor")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Appoint(*admin_, "jo", "mentor")), v1::Error::INVALID_ARGUMENT);  // no client
  EXPECT_EQ(CodeOf(Appoint(*admin_, "ruth", "ruth")), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(Appoint(*admin_, "ruth", "mentor", "")), v1::Error::INVALID_ARGUMENT);
  v1::Response appointed = Appoint(*admin_, "ruth", "mentor");
  ASSERT_FALSE(appointed.has_error()) << appointed.error().detail();
  EXPECT_EQ(appointed.appoint_representative().representation().client_handle(), "ruth");
  EXPECT_EQ(CodeOf(Appoint(*admin_, "ruth", "mentor")), v1::Error::ALREADY_EXISTS);
}

TEST_F(RepresentativeTest, ARepresentativeActsForTheClientAndItIsRecorded) {
  ASSERT_FALSE(Appoint(*admin_, "ruth", "mentor").has_error());
  v1::ClientFrame list;
  list.mutable_list_networks();
  v1::Response networks = guardian_->Call(list);
  ASSERT_EQ(networks.list_networks().networks_size(), 1);
  EXPECT_EQ(networks.list_networks().networks(0).my_role(), v1::MEMBER_ROLE_REPRESENTATIVE);

  // Approves for the client, narrows, withdraws: each record says so.
  v1::Response approved = InviteBuddy(*guardian_);
  ASSERT_FALSE(approved.has_error()) << approved.error().detail();
  EXPECT_TRUE(approved.approve_invitation().member().consent().by_representative());
  v1::Response granted = Grant(*guardian_, "amir", Scope({work_}));
  ASSERT_FALSE(granted.has_error()) << granted.error().detail();
  const v1::Consent& consent = granted.grant_consent().consent();
  EXPECT_EQ(consent.recorded_by_handle(), "mentor");
  EXPECT_TRUE(consent.by_representative());
  EXPECT_EQ(consent.client_id(), network_.client_id());
  ASSERT_FALSE(Withdraw(*guardian_, "amir").has_error());
  EXPECT_EQ(CodeOf(History(*buddy_, network_.id(), work_)), v1::Error::PERMISSION_DENIED);
  EXPECT_FALSE(Consents(*guardian_, true).has_error());

  // Listed in the network for everyone to see; the basis (a court decision) only for the client
  // and representatives.
  v1::ClientFrame members;
  members.mutable_list_members()->set_network_id(network_.id());
  for (TestApp* viewer : {coach_.get(), client_.get(), guardian_.get()}) {
    bool listed = false;
    const v1::Response listed_members = viewer->Call(members);
    for (const auto& m : listed_members.list_members().members()) {
      if (m.handle() == "mentor") {
        listed = true;
        EXPECT_EQ(m.role(), v1::MEMBER_ROLE_REPRESENTATIVE);
        EXPECT_EQ(m.role_label(), viewer == coach_.get() ? "" : "mentorship, court order 2026/17");
      }
    }
    EXPECT_TRUE(listed);
  }
}

TEST_F(RepresentativeTest, EndingTheAppointmentEndsTheAccessBeforeTheResponse) {
  ASSERT_FALSE(Appoint(*admin_, "ruth", "mentor").has_error());
  ASSERT_FALSE(Subscribe(*guardian_, network_.id(), general_, 0).has_error());
  EXPECT_EQ(CodeOf(End(*coach_, "ruth", "mentor")), v1::Error::PERMISSION_DENIED);
  ASSERT_FALSE(End(*admin_, "ruth", "mentor").has_error());
  EXPECT_TRUE(guardian_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); }));
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "after").has_error());
  EXPECT_FALSE(GotMessage(*guardian_));
  EXPECT_EQ(CodeOf(Grant(*guardian_, "jo", Scope({}))), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(End(*admin_, "ruth", "mentor")), v1::Error::NOT_FOUND);
}

class TeamThreadTest : public ConsentTest {
 protected:
  v1::Response CreateTeamThread(TestApp& by) {
    v1::ClientFrame f;
    f.mutable_create_thread()->set_network_id(network_.id());
    f.mutable_create_thread()->set_title("Overleg");
    f.mutable_create_thread()->set_team_only(true);
    return by.Call(f);
  }
  v1::Response AllowTeamThreads(bool allow) {
    if (!allow) return Withdraw(*client_, "");
    v1::ConsentProvision team;
    team.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
    return Grant(*client_, "", team);
  }
};

TEST_F(TeamThreadTest, OnlyWithTheClientsConsentAndNeverHiddenFromThem) {
  EXPECT_EQ(CodeOf(CreateTeamThread(*coach_)), v1::Error::PERMISSION_DENIED);
  ASSERT_FALSE(AllowTeamThreads(true).has_error());
  EXPECT_EQ(CodeOf(CreateTeamThread(*client_)), v1::Error::FAILED_PRECONDITION);
  v1::Response created = CreateTeamThread(*coach_);
  ASSERT_FALSE(created.has_error()) << created.error().detail();
  const uint64_t team = created.create_thread().thread().id();
  EXPECT_TRUE(created.create_thread().thread().team_only());
  ASSERT_FALSE(Post(*coach_, network_.id(), team, "overleg").has_error());

  // The client sees that it exists and who takes part, not what is said.
  v1::ClientFrame f;
  f.mutable_list_threads()->set_network_id(network_.id());
  bool seen = false;
  const v1::Response threads = client_->Call(f);
  for (const auto& t : threads.list_threads().threads()) {
    if (t.id() != team) continue;
    seen = true;
    EXPECT_TRUE(t.team_only());
    EXPECT_EQ(std::vector<uint64_t>(t.participant_ids().begin(), t.participant_ids().end()),
              (std::vector<uint64_t>{created.create_thread().thread().created_by()}));
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(CodeOf(History(*client_, network_.id(), team)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Post(*client_, network_.id(), team, "x")), v1::Error::PERMISSION_DENIED);

  // Withdrawn: readable still, closed for writing, and no new ones.
  ASSERT_FALSE(AllowTeamThreads(false).has_error());
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), team, "more")), v1::Error::PERMISSION_DENIED);
  EXPECT_FALSE(History(*coach_, network_.id(), team).has_error());
  EXPECT_EQ(CodeOf(CreateTeamThread(*coach_)), v1::Error::PERMISSION_DENIED);
}

class InvitationExpiryTest : public ConsentTest {};

TEST_F(InvitationExpiryTest, AnInvitationExpiresAndCanBeMadeAgain) {
  v1::ClientFrame invite;
  invite.mutable_invite()->set_network_id(network_.id());
  invite.mutable_invite()->set_invitee_handle("amir");
  v1::Response r = coach_->Call(invite);
  ASSERT_FALSE(r.has_error());
  const v1::Invitation invitation = r.invite().invitation();
  EXPECT_EQ(invitation.expires_at_ms(), clock_.NowMs() + options_.invitation_ttl_ms);
  EXPECT_EQ(CodeOf(coach_->Call(invite)), v1::Error::ALREADY_EXISTS);  // still pending

  clock_.Set(invitation.expires_at_ms());
  client_ = LoggedIn("ruth");  // 14 days on, the sessions of the morning are over
  coach_ = LoggedIn("jo");
  v1::ClientFrame list;
  list.mutable_list_invitations();
  v1::Response listed = client_->Call(list);
  ASSERT_EQ(listed.list_invitations().invitations_size(), 1);
  EXPECT_EQ(listed.list_invitations().invitations(0).state(), v1::INVITATION_STATE_EXPIRED);
  v1::ClientFrame approve;
  approve.mutable_approve_invitation()->set_invitation_id(invitation.id());
  EXPECT_EQ(CodeOf(client_->Call(approve)), v1::Error::FAILED_PRECONDITION);

  v1::Response again = coach_->Call(invite);
  ASSERT_FALSE(again.has_error()) << again.error().detail();
  approve.mutable_approve_invitation()->set_invitation_id(again.invite().invitation().id());
  EXPECT_FALSE(client_->Call(approve).has_error());
}

}  // namespace
}  // namespace kring::service::testing
