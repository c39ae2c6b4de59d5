// Teams (docs/consent.md, "Teams"): an admin creates a team and appoints its coordinators, who
// add and remove its people; a network admits the team with a consent like a person's; every
// current person of the team then has exactly that access, recorded as them "for team X"; and
// every change that takes access away cuts live delivery before the response.
#include <gtest/gtest.h>

#include <algorithm>

#include "proto/kring/v1/audit_event_types.h"
#include "tests/server/service/team_fixture.h"

namespace kring::service::testing {
namespace {

TEST_F(TeamTest, AnAdminAppointsCoordinatorsWhoAddAndRemoveThePeople) {
  EXPECT_EQ(CodeOf(SetPerson(*lead_, "piet", /*coordinator=*/true)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(SetPerson(*sanne_, "piet")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(RemovePerson(*lead_, "kees")), v1::Error::PERMISSION_DENIED);
  v1::ClientFrame create;
  create.mutable_create_team()->set_name("Eigen team");
  EXPECT_EQ(CodeOf(lead_->Call(create)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(SetPerson(*lead_, "ruth")), v1::Error::INVALID_ARGUMENT);  // a client
  ASSERT_FALSE(SetPerson(*lead_, "piet").has_error());
  ASSERT_FALSE(RemovePerson(*lead_, "piet").has_error());
  EXPECT_EQ(CodeOf(RemovePerson(*lead_, "piet")), v1::Error::NOT_FOUND);

  v1::ClientFrame list;
  list.mutable_list_team_people()->set_team_id(team_.id());
  v1::Response people = sanne_->Call(list);
  ASSERT_FALSE(people.has_error()) << people.error().detail();
  ASSERT_EQ(people.list_team_people().people_size(), 2);
  EXPECT_EQ(CodeOf(piet_->Call(list)), v1::Error::PERMISSION_DENIED);  // no longer in it
  v1::ClientFrame teams;
  teams.mutable_list_teams();
  EXPECT_EQ(sanne_->Call(teams).list_teams().teams_size(), 1);
  EXPECT_EQ(piet_->Call(teams).list_teams().teams_size(), 0);
  EXPECT_EQ(admin_->Call(teams).list_teams().teams_size(), 1);
}

TEST_F(TeamTest, ThePeopleOfTheTeamHaveExactlyTheTeamsConsent) {
  // Before the network admits the team, its people have nothing there.
  EXPECT_EQ(CodeOf(History(*sanne_, network_.id(), work_)), v1::Error::PERMISSION_DENIED);
  const v1::ConsentProvision scope = Scope({work_});
  v1::Response approved = AdmitTeam(&scope);
  ASSERT_FALSE(approved.has_error()) << approved.error().detail();
  EXPECT_TRUE(approved.approve_invitation().member().consent().grantee_is_team());
  EXPECT_EQ(approved.approve_invitation().member().consent().grantee_id(), team_.id());

  ASSERT_FALSE(Post(*coach_, network_.id(), work_, "werk").has_error());
  const uint64_t head = Head();
  v1::Response history = History(*sanne_, network_.id(), work_);
  ASSERT_FALSE(history.has_error()) << history.error().detail();
  EXPECT_EQ(CodeOf(History(*sanne_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
  EXPECT_FALSE(Post(*sanne_, network_.id(), work_, "van het team").has_error());
  // Recorded as sanne, for the team.
  bool found = false;
  for (const auto& e : Since(head)) {
    if (e.event_type() != v1::event_type::kHistoryRead || e.thread_id() != work_) continue;
    found = true;
    EXPECT_EQ(e.actor_handle(), "sanne");
    EXPECT_EQ(e.for_team_id(), team_.id());
    EXPECT_EQ(e.for_team_name(), "Wijkteam Noord");
    EXPECT_EQ(e.client_id(), network_.client_id());
  }
  EXPECT_TRUE(found);
  // Not a member in person: she cannot leave; a coordinator removes her from the team.
  v1::ClientFrame leave;
  leave.mutable_remove_member()->set_network_id(network_.id());
  leave.mutable_remove_member()->set_handle("sanne");
  EXPECT_EQ(CodeOf(sanne_->Call(leave)), v1::Error::FAILED_PRECONDITION);
}

TEST_F(TeamTest, TheClientSeesTheTeamWithThePeopleInItNow) {
  ASSERT_FALSE(AdmitTeam().has_error());
  const int64_t now = clock_.NowMs();
  ASSERT_FALSE(SetPerson(*lead_, "piet", false, now + 60'000, now + 120'000).has_error());
  v1::ClientFrame f;
  f.mutable_list_members()->set_network_id(network_.id());
  v1::Response r = client_->Call(f);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  auto it = std::find_if(r.list_members().members().begin(), r.list_members().members().end(),
                         [&](const v1::Member& m) { return m.team().id() == team_.id(); });
  ASSERT_NE(it, r.list_members().members().end());
  EXPECT_EQ(it->display_name(), "Wijkteam Noord");
  EXPECT_TRUE(it->consent().grantee_is_team());
  std::vector<std::string> people;
  for (const auto& p : it->team_people()) people.push_back(p.handle());
  EXPECT_EQ(people, (std::vector<std::string>{"kees", "sanne"}));  // piet starts later
}

TEST_F(TeamTest, TheClientSeesWhomSheExcludedAndOthersDoNotSeeThemAtAll) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Exclude("sanne", true).has_error());
  // "handle" or "handle (excluded)" per person of the team, as `by` is shown the member list.
  auto team_people = [&](TestApp& by) {
    v1::ClientFrame f;
    f.mutable_list_members()->set_network_id(network_.id());
    v1::Response r = by.Call(f);
    std::vector<std::string> out;
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    for (const v1::Member& m : r.list_members().members()) {
      if (m.team().id() != team_.id()) continue;
      for (const auto& p : m.team_people()) {
        out.push_back(p.handle() + (p.excluded() ? " (excluded)" : ""));
      }
    }
    return out;
  };
  EXPECT_EQ(team_people(*client_), (std::vector<std::string>{"kees", "sanne (excluded)"}));
  EXPECT_EQ(team_people(*coach_), (std::vector<std::string>{"kees"}));
  EXPECT_EQ(team_people(*lead_), (std::vector<std::string>{"kees"}));
  ASSERT_FALSE(Exclude("sanne", false).has_error());
  EXPECT_EQ(team_people(*coach_), (std::vector<std::string>{"kees", "sanne"}));
}

TEST_F(TeamTest, RemovingAPersonCutsTheirLiveDeliveryBeforeTheResponse) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(RemovePerson(*lead_, "sanne").has_error());
  EXPECT_TRUE(HasAccessEnded(*sanne_));  // queued before the coordinator's response
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "na vertrek").has_error());
  EXPECT_FALSE(GotMessage(*sanne_));
  EXPECT_EQ(CodeOf(History(*sanne_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
}

TEST_F(TeamTest, ExclusionCutsDeliveryInThatNetworkAndIncludingAgainRestoresAccess) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  const uint64_t head = Head();
  ASSERT_FALSE(Exclude("sanne", true).has_error());
  EXPECT_TRUE(HasAccessEnded(*sanne_));
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "niet voor sanne").has_error());
  EXPECT_FALSE(GotMessage(*sanne_));
  v1::Response refused = History(*sanne_, network_.id(), general_);
  EXPECT_EQ(CodeOf(refused), v1::Error::PERMISSION_DENIED);
  EXPECT_NE(refused.error().detail().find("excluded"), std::string::npos);
  // Kees, in the same team, is not excluded.
  EXPECT_FALSE(History(*lead_, network_.id(), general_).has_error());
  // The client's log says so.
  bool recorded = false;
  for (const auto& e : Since(head)) {
    if (e.event_type() == v1::event_type::kTeamExclusionSet) {
      recorded = e.client_id() == network_.client_id() && e.object_handle() == "sanne";
    }
  }
  EXPECT_TRUE(recorded);
  ASSERT_FALSE(Exclude("sanne", false).has_error());
  EXPECT_FALSE(History(*sanne_, network_.id(), general_).has_error());
  // Only the client or a representative decides.
  v1::ClientFrame f;
  auto* req = f.mutable_set_team_exclusion();
  req->set_network_id(network_.id());
  req->set_team_id(team_.id());
  req->set_handle("sanne");
  req->set_excluded(true);
  EXPECT_EQ(CodeOf(coach_->Call(f)), v1::Error::PERMISSION_DENIED);
}

TEST_F(TeamTest, WithdrawingTheTeamsConsentCutsAllItsPeopleBeforeTheResponse) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Subscribe(*lead_, network_.id(), general_, 0).has_error());
  v1::Response r = WithdrawTeam();
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.withdraw_consent().consent().status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_TRUE(HasAccessEnded(*sanne_));
  EXPECT_TRUE(HasAccessEnded(*lead_));
  sanne_->sink().TakeEvents();
  lead_->sink().TakeEvents();
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "na intrekking").has_error());
  EXPECT_FALSE(GotMessage(*sanne_));
  EXPECT_FALSE(GotMessage(*lead_));
  EXPECT_EQ(CodeOf(History(*lead_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
}

TEST_F(TeamTest, RemovingTheTeamCutsAllItsPeopleAndEndsItsConsentBeforeTheResponse) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Subscribe(*lead_, network_.id(), general_, 0).has_error());
  v1::Response r = RemoveTeam(*client_);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_TRUE(HasAccessEnded(*sanne_));
  EXPECT_TRUE(HasAccessEnded(*lead_));
  sanne_->sink().TakeEvents();
  lead_->sink().TakeEvents();
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "na verwijdering").has_error());
  EXPECT_FALSE(GotMessage(*sanne_));
  EXPECT_FALSE(GotMessage(*lead_));
  EXPECT_EQ(CodeOf(History(*sanne_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
  // The team is gone from the member list, and its consent ended on the record.
  v1::ClientFrame list;
  list.mutable_list_members()->set_network_id(network_.id());
  v1::Response members = client_->Call(list);
  ASSERT_FALSE(members.has_error());
  for (const v1::Member& m : members.list_members().members()) {
    EXPECT_NE(m.account_id(), team_.id()) << "the removed team is still listed";
  }
  v1::ClientFrame consents;
  consents.mutable_list_consents()->set_network_id(network_.id());
  consents.mutable_list_consents()->set_history(true);
  v1::Response history = client_->Call(consents);
  ASSERT_FALSE(history.has_error());
  bool removed_on_record = false;
  for (const v1::Consent& c : history.list_consents().consents()) {
    if (c.grantee_id() == team_.id() && c.status() == v1::CONSENT_STATUS_WITHDRAWN &&
        c.reason() == "removed") {
      removed_on_record = true;
    }
  }
  EXPECT_TRUE(removed_on_record);
  // Once removed, it is not there to remove again.
  EXPECT_EQ(CodeOf(RemoveTeam(*client_)), v1::Error::NOT_FOUND);
}

TEST_F(TeamTest, OnlyTheClientSideRemovesATeamAndOnlyATeamOfTheNetwork) {
  ASSERT_FALSE(AdmitTeam().has_error());
  EXPECT_EQ(CodeOf(RemoveTeam(*coach_)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(RemoveTeam(*lead_)), v1::Error::PERMISSION_DENIED);
  v1::ClientFrame both;
  both.mutable_remove_member()->set_network_id(network_.id());
  both.mutable_remove_member()->set_team_id(team_.id());
  both.mutable_remove_member()->set_handle("sanne");
  EXPECT_EQ(CodeOf(client_->Call(both)), v1::Error::INVALID_ARGUMENT);
  v1::ClientFrame person_as_team;  // an account id is no team
  person_as_team.mutable_remove_member()->set_network_id(network_.id());
  person_as_team.mutable_remove_member()->set_team_id(network_.client_id());
  EXPECT_EQ(CodeOf(client_->Call(person_as_team)), v1::Error::NOT_FOUND);
  // Nothing of it was written: the team's people still read.
  EXPECT_FALSE(History(*sanne_, network_.id(), general_).has_error());
}

TEST_F(TeamTest, NarrowingTheTeamsConsentCutsTheThreadsThatFellOut) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), work_, 0).has_error());
  v1::ClientFrame f;
  f.mutable_grant_consent()->set_network_id(network_.id());
  f.mutable_grant_consent()->set_team_id(team_.id());
  *f.mutable_grant_consent()->mutable_provision() = Scope({work_});
  ASSERT_FALSE(client_->Call(f).has_error());
  auto ended = sanne_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); });
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->access_ended().thread_ids_size(), 1);
  EXPECT_EQ(ended->access_ended().thread_ids(0), general_);
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(Post(*coach_, network_.id(), work_, "nog voor het team").has_error());
  EXPECT_EQ(sanne_->WaitMessages(work_, 1).size(), 1u);
}

TEST_F(TeamTest, AStandInsPeriodEndingEndsDeliveryWithoutAnyJobRunning) {
  ASSERT_FALSE(AdmitTeam().has_error());
  const int64_t now = clock_.NowMs();
  // Not yet: a stand-in whose period starts later has no access yet.
  ASSERT_FALSE(SetPerson(*lead_, "piet", false, now + 1000, now + 60'000).has_error());
  v1::Response early = History(*piet_, network_.id(), general_);
  EXPECT_EQ(CodeOf(early), v1::Error::PERMISSION_DENIED);
  EXPECT_NE(early.error().detail().find("not started"), std::string::npos);
  clock_.Set(now + 1000);
  ASSERT_FALSE(History(*piet_, network_.id(), general_).has_error());
  ASSERT_FALSE(Subscribe(*piet_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "tijdens").has_error());
  EXPECT_EQ(piet_->WaitMessages(general_, 1).size(), 1u);
  clock_.Set(now + 60'000);  // the end is exclusive
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "na de vervanging").has_error());
  EXPECT_TRUE(piet_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); }));
  EXPECT_FALSE(GotMessage(*piet_));
  EXPECT_EQ(CodeOf(History(*piet_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
}

TEST_F(TeamTest, ShorteningAStandInsPeriodMovesTheEndOfRunningSubscriptions) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(SetPerson(*lead_, "piet").has_error());
  ASSERT_FALSE(Subscribe(*piet_, network_.id(), general_, 0).has_error());
  const int64_t end = clock_.NowMs() + 1000;
  ASSERT_FALSE(SetPerson(*lead_, "piet", false, 0, end).has_error());
  clock_.Set(end);
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "na de nieuwe einddatum").has_error());
  EXPECT_TRUE(piet_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); }));
  EXPECT_FALSE(GotMessage(*piet_));
}

// A person who is a member in person and also in the team: the personal membership decides, so
// team changes leave their own access alone.
TEST_F(TeamTest, APersonalMembershipDecidesOverTheTeam) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(SetPerson(*lead_, "amir").has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Exclude("amir", true).has_error());
  ASSERT_FALSE(WithdrawTeam().has_error());
  EXPECT_FALSE(HasAccessEnded(*buddy_));
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "voor amir").has_error());
  EXPECT_EQ(buddy_->WaitMessages(general_, 1).size(), 1u);
  v1::Response history = History(*buddy_, network_.id(), general_);
  ASSERT_FALSE(history.has_error());
}

TEST_F(TeamTest, MarkingAThreadSensitiveCutsThePeopleOfATeamAndUnmarkingTellsThem) {
  ASSERT_FALSE(AdmitTeam().has_error());  // every thread
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  auto mark = [&](bool sensitive) {
    v1::ClientFrame f;
    f.mutable_set_thread_sensitive()->set_network_id(network_.id());
    f.mutable_set_thread_sensitive()->set_thread_id(general_);
    f.mutable_set_thread_sensitive()->set_sensitive(sensitive);
    return client_->Call(f);
  };
  ASSERT_FALSE(mark(true).has_error());
  EXPECT_TRUE(HasAccessEnded(*sanne_)) << "a person of the team still receives the thread";
  sanne_->sink().TakeEvents();
  ASSERT_FALSE(Post(*client_, network_.id(), general_, "gevoelig").has_error());
  EXPECT_FALSE(GotMessage(*sanne_));
  EXPECT_EQ(CodeOf(History(*sanne_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
  ASSERT_FALSE(mark(false).has_error());
  auto changed =
      sanne_->sink().WaitEvent([](const v1::Event& e) { return e.has_thread_changed(); });
  ASSERT_TRUE(changed.has_value()) << "the team's people are not told the thread is back";
  EXPECT_FALSE(changed->thread_changed().thread().sensitive());
}

TEST_F(TeamTest, APersonInTwoTeamsKeepsWhatTheOtherTeamStillGives) {
  ASSERT_FALSE(AdmitTeam().has_error());
  v1::ClientFrame create;
  create.mutable_create_team()->set_name("Schuldhulp");
  create.mutable_create_team()->set_organisation("Gemeente");
  v1::Response created = admin_->Call(create);
  ASSERT_FALSE(created.has_error()) << created.error().detail();
  const uint64_t second = created.create_team().team().id();
  v1::ClientFrame add;
  add.mutable_set_team_person()->set_team_id(second);
  add.mutable_set_team_person()->set_handle("sanne");
  ASSERT_FALSE(admin_->Call(add).has_error());
  v1::ClientFrame invite;
  invite.mutable_invite()->set_network_id(network_.id());
  invite.mutable_invite()->set_team_id(second);
  v1::Response invited = coach_->Call(invite);
  ASSERT_FALSE(invited.has_error()) << invited.error().detail();
  v1::ClientFrame approve;
  approve.mutable_approve_invitation()->set_invitation_id(invited.invite().invitation().id());
  ASSERT_FALSE(client_->Call(approve).has_error());
  ASSERT_FALSE(Subscribe(*sanne_, network_.id(), general_, 0).has_error());
  // The first team's route decides for sanne (docs/consent.md); the second team's consent
  // narrows to the work thread, then ends: the first team still gives her the general thread.
  v1::ClientFrame narrow;
  narrow.mutable_grant_consent()->set_network_id(network_.id());
  narrow.mutable_grant_consent()->set_team_id(second);
  *narrow.mutable_grant_consent()->mutable_provision() = Scope({work_});
  ASSERT_FALSE(client_->Call(narrow).has_error());
  EXPECT_FALSE(HasAccessEnded(*sanne_)) << "cut off from a thread her other team still gives";
  v1::ClientFrame withdraw;
  withdraw.mutable_withdraw_consent()->set_network_id(network_.id());
  withdraw.mutable_withdraw_consent()->set_team_id(second);
  ASSERT_FALSE(client_->Call(withdraw).has_error());
  EXPECT_FALSE(HasAccessEnded(*sanne_)) << "cut off from a thread her other team still gives";
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "voor het andere team").has_error());
  EXPECT_EQ(sanne_->WaitMessages(general_, 1).size(), 1u);
  EXPECT_FALSE(History(*sanne_, network_.id(), general_).has_error());
}

TEST_F(TeamTest, ThePeopleOfATeamWithEveryThreadAreToldOfANewThread) {
  ASSERT_FALSE(AdmitTeam().has_error());
  ASSERT_FALSE(Exclude("kees", true).has_error());
  v1::ClientFrame f;
  f.mutable_create_thread()->set_network_id(network_.id());
  f.mutable_create_thread()->set_title("Schulden");
  v1::Response r = coach_->Call(f);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  auto created =
      sanne_->sink().WaitEvent([](const v1::Event& e) { return e.has_thread_created(); });
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->thread_created().thread().id(), r.create_thread().thread().id());
  for (const auto& e : lead_->sink().TakeEvents()) {
    EXPECT_FALSE(e.has_thread_created()) << "kees is excluded";
  }
}

TEST_F(TeamTest, ListNetworksShowsTheTeamsNetworksWhileThePersonMayBeThere) {
  ASSERT_FALSE(AdmitTeam().has_error());
  v1::ClientFrame f;
  f.mutable_list_networks();
  v1::Response r = sanne_->Call(f);
  ASSERT_EQ(r.list_networks().networks_size(), 1);
  EXPECT_EQ(r.list_networks().networks(0).my_role(), v1::MEMBER_ROLE_MEMBER);
  ASSERT_FALSE(Exclude("sanne", true).has_error());
  EXPECT_EQ(sanne_->Call(f).list_networks().networks_size(), 0);
}

}  // namespace
}  // namespace kring::service::testing
