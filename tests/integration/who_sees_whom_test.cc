// Who sees whom, live, through the real kringd and the SDK (docs/consent.md, "Who sees whom"):
// a consent change that makes a member visible or invisible to another is told to that other's
// connection (MembershipChanged SHOWN / HIDDEN) before the change's answer, and their next list
// agrees; a team's coordinators are asked in when a network invites their team; a person added
// to an admitted team is told they joined, as a person admitted is.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kring/consent.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

bool Lists(Person& viewer, uint64_t network_id, const std::string& handle) {
  const v1::ListMembersResult members = Must(viewer->ListMembers(network_id), "members");
  for (const v1::Member& m : members.members()) {
    if (m.handle() == handle) return true;
  }
  return false;
}

auto ChangeAbout(uint64_t network_id, v1::MembershipChange change, const std::string& handle) {
  return [=](const v1::Event& e) {
    return e.has_membership_changed() && e.membership_changed().network_id() == network_id &&
           e.membership_changed().change() == change &&
           e.membership_changed().member().handle() == handle;
  };
}

class WhoSeesWhomTest : public CareNetworkTest {};

// Jo sees Amir (both read every thread). Ruth narrows Amir to a sensitive thread Jo does not read:
// Jo's connection is told Amir is gone, and Jo's next list agrees. Then the reverse.
TEST_F(WhoSeesWhomTest, AConsentChangeTellsWhoNoLongerSeesWhomAndTheReverse) {
  ASSERT_TRUE(Lists(coach_, net_.id(), "amir"));
  const uint64_t health = Must(client_->CreateThread(net_.id(), "Gezondheid", /*team_only=*/false,
                                                     /*sensitive=*/true),
                               "create")
                              .thread()
                              .id();
  EventsUntilRoundTrip(*coach_);
  sdk::Grant only_health;
  only_health.thread_ids = {health};
  GrantConsent(client_, net_.id(), "amir", only_health);
  auto hidden = WaitForEvent(*coach_, ChangeAbout(net_.id(), v1::MEMBERSHIP_CHANGE_HIDDEN, "amir"));
  ASSERT_TRUE(hidden.has_value()) << "jo was not told that amir is gone";
  EXPECT_FALSE(hidden->membership_changed().member().has_consent());
  EXPECT_FALSE(Lists(coach_, net_.id(), "amir"));

  GrantConsent(client_, net_.id(), "amir", sdk::Grant{});
  auto shown = WaitForEvent(*coach_, ChangeAbout(net_.id(), v1::MEMBERSHIP_CHANGE_SHOWN, "amir"));
  ASSERT_TRUE(shown.has_value()) << "jo was not told that amir is back";
  EXPECT_EQ(shown->membership_changed().member().profession(), "language buddy");
  EXPECT_TRUE(Lists(coach_, net_.id(), "amir"));

  // A withdrawal hides him too.
  WithdrawConsent(client_, net_.id(), "amir");
  EXPECT_TRUE(WaitForEvent(*coach_, ChangeAbout(net_.id(), v1::MEMBERSHIP_CHANGE_HIDDEN, "amir")));
  EXPECT_FALSE(Lists(coach_, net_.id(), "amir"));
}

TEST_F(WhoSeesWhomTest, ATeamsCoordinatorIsAskedInAndAPersonAddedLaterIsToldTheyJoined) {
  Person lead = world_->AddMember("kees", "team lead");
  Person sanne = world_->AddMember("sanne", "case manager");
  const v1::Team team =
      Must(world_->admin()->CreateTeam("Wijkteam Noord", "Gemeente"), "create team").team();
  Must(world_->admin()->SetTeamPerson(team.id(), "kees", /*coordinator=*/true), "coordinator");

  const v1::Invitation invitation =
      Must(client_->InviteTeam(net_.id(), team.id(), "wijkteam"), "invite team").invitation();
  auto received = WaitForEvent(*lead, [&](const v1::Event& e) {
    return e.has_invitation_received() &&
           e.invitation_received().invitation().id() == invitation.id();
  });
  ASSERT_TRUE(received.has_value()) << "the team's coordinator was not asked in";
  EXPECT_EQ(received->invitation_received().invitation().team_id(), team.id());
  const v1::ListInvitationsResult listed = Must(lead->ListInvitations(), "list invitations");
  ASSERT_EQ(listed.invitations_size(), 1);
  EXPECT_EQ(listed.invitations(0).id(), invitation.id());
  Must(client_->ApproveInvitation(invitation.id()), "approve team");

  Must(lead->SetTeamPerson(team.id(), "sanne"), "add sanne");
  auto joined = WaitForEvent(*sanne, [&](const v1::Event& e) {
    return e.has_membership_changed() && e.membership_changed().network_id() == net_.id() &&
           e.membership_changed().change() == v1::MEMBERSHIP_CHANGE_JOINED &&
           e.membership_changed().member().team().id() == team.id();
  });
  ASSERT_TRUE(joined.has_value()) << "sanne was not told she is in ruth's network now";
  EXPECT_TRUE(WaitForEvent(*sanne, [](const v1::Event& e) { return e.has_consent_changed(); }));
}

}  // namespace
}  // namespace kring::integration
