// What a team's coordinators and people are told (docs/consent.md, "Teams"; docs/protocol.md,
// "Events"): the coordinators are asked in when a network invites their team, as an invited
// person is; the people get the membership events a person admitted or removed in person gets,
// in every network of the team; and a person the client excluded is in no event.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/server/service/team_fixture.h"

namespace kring::service::testing {
namespace {

class TeamEventsTest : public TeamTest {
 protected:
  v1::Response InviteTeam() {
    v1::ClientFrame invite;
    invite.mutable_invite()->set_network_id(network_.id());
    invite.mutable_invite()->set_team_id(team_.id());
    return coach_->Call(invite);
  }
  std::vector<uint64_t> ListedInvitations(TestApp& app) {
    v1::ClientFrame f;
    f.mutable_list_invitations();
    const v1::Response r = app.Call(f);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    std::vector<uint64_t> ids;
    for (const auto& i : r.list_invitations().invitations()) ids.push_back(i.id());
    return ids;
  }
  // The MembershipChanged events among `events` with `change` in this network.
  std::vector<v1::MembershipChanged> Changes(const std::vector<v1::Event>& events,
                                             v1::MembershipChange change) {
    std::vector<v1::MembershipChanged> out;
    for (const v1::Event& e : events) {
      if (e.has_membership_changed() && e.membership_changed().change() == change &&
          e.membership_changed().network_id() == network_.id()) {
        out.push_back(e.membership_changed());
      }
    }
    return out;
  }
  static std::vector<std::string> PeopleOf(const v1::Member& team) {
    std::vector<std::string> out;
    for (const auto& p : team.team_people()) out.push_back(p.handle());
    return out;
  }
  static int ConsentEvents(const std::vector<v1::Event>& events) {
    return static_cast<int>(std::count_if(
        events.begin(), events.end(), [](const v1::Event& e) { return e.has_consent_changed(); }));
  }
};

TEST_F(TeamEventsTest, TheTeamsCoordinatorsAreAskedInAndListTheInvitation) {
  ASSERT_FALSE(SetPerson(*lead_, "piet").has_error());
  lead_->sink().TakeEvents();
  sanne_->sink().TakeEvents();
  const v1::Response invited = InviteTeam();
  ASSERT_FALSE(invited.has_error()) << invited.error().detail();
  const v1::Invitation& invitation = invited.invite().invitation();

  // kees coordinates the team: told at once, as a person invited is, and it is in his list.
  int received = 0;
  for (const v1::Event& e : lead_->sink().TakeEvents()) {
    if (e.has_invitation_received() &&
        e.invitation_received().invitation().id() == invitation.id()) {
      EXPECT_EQ(e.invitation_received().invitation().team_id(), team_.id());
      ++received;
    }
  }
  EXPECT_EQ(received, 1);
  EXPECT_EQ(ListedInvitations(*lead_), std::vector<uint64_t>{invitation.id()});
  // sanne is in the team but does not coordinate it: neither told nor listed.
  for (const v1::Event& e : sanne_->sink().TakeEvents()) {
    EXPECT_FALSE(e.has_invitation_received()) << e.DebugString();
  }
  EXPECT_TRUE(ListedInvitations(*sanne_).empty());
  EXPECT_TRUE(ListedInvitations(*buddy_).empty());

  // A declined invitation: told as an invitee is, and no longer listed.
  v1::ClientFrame decline;
  decline.mutable_decline_invitation()->set_invitation_id(invitation.id());
  ASSERT_FALSE(client_->Call(decline).has_error());
  EXPECT_EQ(Changes(lead_->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_DECLINED).size(), 1u);
  EXPECT_TRUE(ListedInvitations(*lead_).empty());
}

TEST_F(TeamEventsTest, ACoordinatorWhosePeriodEndedIsNotAskedIn) {
  ASSERT_FALSE(
      SetPerson(*admin_, "piet", /*coordinator=*/true, clock_.NowMs() - 10'000, clock_.NowMs() - 1)
          .has_error());
  auto piet = LoggedIn("piet");
  ASSERT_FALSE(InviteTeam().has_error());
  for (const v1::Event& e : piet->sink().TakeEvents()) {
    EXPECT_FALSE(e.has_invitation_received()) << e.DebugString();
  }
  EXPECT_TRUE(ListedInvitations(*piet).empty());
  EXPECT_EQ(ListedInvitations(*lead_).size(), 1u);
}

TEST_F(TeamEventsTest, ThePeopleOfAnAdmittedTeamAreToldAsAPersonAdmittedIs) {
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(AdmitTeam().has_error());
  const auto events = sanne_->sink().TakeEvents();
  const auto joined = Changes(events, v1::MEMBERSHIP_CHANGE_JOINED);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].member().team().id(), team_.id());
  EXPECT_FALSE(joined[0].member().has_consent());
  EXPECT_EQ(ConsentEvents(events), 1) << "the team's consent, which is now hers";
  // Told to those the team is listed to as well: jo coordinates and shares every thread.
  EXPECT_EQ(Changes(coach_->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_JOINED).size(), 1u);
}

TEST_F(TeamEventsTest, ThePeopleOfATeamAreToldWhoJoinsAndLeavesAsAMemberIs) {
  ASSERT_FALSE(AdmitTeam().has_error());
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  auto joined = Changes(sanne_->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_JOINED);
  ASSERT_EQ(joined.size(), 1u) << "amir shares every thread with the team";
  EXPECT_EQ(joined[0].member().handle(), "amir");
  ASSERT_FALSE(client_
                   ->Call([&] {
                     v1::ClientFrame f;
                     f.mutable_remove_member()->set_network_id(network_.id());
                     f.mutable_remove_member()->set_handle("amir");
                     return f;
                   }())
                   .has_error());
  auto removed = Changes(sanne_->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_REMOVED);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].member().handle(), "amir");
}

TEST_F(TeamEventsTest, APersonAddedToTheTeamIsToldForEveryNetworkOfTheTeam) {
  ASSERT_FALSE(AdmitTeam().has_error());
  // A second network of ruth's, opened by jo, that admits the team too.
  v1::Network second = OpenNetwork(*coach_, "ruth");
  {
    v1::ClientFrame invite;
    invite.mutable_invite()->set_network_id(second.id());
    invite.mutable_invite()->set_team_id(team_.id());
    v1::Response r = coach_->Call(invite);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    v1::ClientFrame approve;
    approve.mutable_approve_invitation()->set_invitation_id(r.invite().invitation().id());
    ASSERT_FALSE(client_->Call(approve).has_error());
  }
  piet_->sink().TakeEvents();
  ASSERT_FALSE(SetPerson(*lead_, "piet").has_error());
  std::vector<uint64_t> networks;
  int consents = 0;
  for (const v1::Event& e : piet_->sink().TakeEvents()) {
    if (e.has_consent_changed()) ++consents;
    if (!e.has_membership_changed()) continue;
    EXPECT_EQ(e.membership_changed().change(), v1::MEMBERSHIP_CHANGE_JOINED);
    EXPECT_EQ(e.membership_changed().member().team().id(), team_.id());
    EXPECT_FALSE(e.membership_changed().member().has_consent());
    networks.push_back(e.membership_changed().network_id());
  }
  std::sort(networks.begin(), networks.end());
  EXPECT_EQ(networks, (std::vector<uint64_t>{network_.id(), second.id()}));
  EXPECT_EQ(consents, 2);
  // Changing his period again (still in it) tells him nothing new.
  ASSERT_FALSE(SetPerson(*lead_, "piet", false, 0, clock_.NowMs() + 3'600'000).has_error());
  for (const v1::Event& e : piet_->sink().TakeEvents()) {
    EXPECT_FALSE(e.has_membership_changed()) << e.DebugString();
  }
  // Removed from the team: cut off in both, as a person removed is (no membership event).
  ASSERT_FALSE(RemovePerson(*lead_, "piet").has_error());
  int ended = 0;
  for (const v1::Event& e : piet_->sink().TakeEvents()) {
    EXPECT_FALSE(e.has_membership_changed()) << e.DebugString();
    if (e.has_access_ended()) ++ended;
  }
  EXPECT_EQ(ended, 2);
}

TEST_F(TeamEventsTest, AnExcludedPersonIsInNoEvent) {
  ASSERT_FALSE(SetPerson(*lead_, "piet").has_error());
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Exclude("piet", true).has_error());
  // The team removed and admitted again: piet's exclusion stays on record.
  ASSERT_FALSE(RemoveTeam(*client_).has_error());
  piet_->sink().TakeEvents();
  sanne_->sink().TakeEvents();
  coach_->sink().TakeEvents();
  ASSERT_FALSE(AdmitTeam().has_error());
  for (TestApp* app : {sanne_.get(), coach_.get()}) {
    const auto joined = Changes(app->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_JOINED);
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_EQ(PeopleOf(joined[0].member()), (std::vector<std::string>{"kees", "sanne"}));
  }
  auto piet_events = piet_->sink().TakeEvents();
  EXPECT_TRUE(Changes(piet_events, v1::MEMBERSHIP_CHANGE_JOINED).empty());
  EXPECT_EQ(ConsentEvents(piet_events), 0);
  // Nor told of the team's consent while excluded.
  v1::ConsentProvision narrower = Scope({general_});
  v1::ClientFrame grant;
  grant.mutable_grant_consent()->set_network_id(network_.id());
  grant.mutable_grant_consent()->set_team_id(team_.id());
  *grant.mutable_grant_consent()->mutable_provision() = narrower;
  ASSERT_FALSE(client_->Call(grant).has_error());
  EXPECT_EQ(ConsentEvents(piet_->sink().TakeEvents()), 0);
  EXPECT_EQ(ConsentEvents(sanne_->sink().TakeEvents()), 1);
  // Let back in: told as a person admitted is.
  ASSERT_FALSE(Exclude("piet", false).has_error());
  piet_events = piet_->sink().TakeEvents();
  const auto joined = Changes(piet_events, v1::MEMBERSHIP_CHANGE_JOINED);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].member().team().id(), team_.id());
  EXPECT_EQ(ConsentEvents(piet_events), 1);
}

// The people of a team see the network as a member with the team's consent does: a withdrawal
// that hides amir from the members hides him from them too, before the response.
TEST_F(TeamEventsTest, ThePeopleOfATeamAreToldWhomTheyNoLongerSee) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(Withdraw(*client_, "amir").has_error());
  auto hidden = Changes(sanne_->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_HIDDEN);
  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(hidden[0].member().handle(), "amir");
  ASSERT_FALSE(Grant(*client_, "amir", Scope({})).has_error());
  auto shown = Changes(sanne_->sink().TakeEvents(), v1::MEMBERSHIP_CHANGE_SHOWN);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].member().profession(), "language buddy");
}

}  // namespace
}  // namespace kring::service::testing
