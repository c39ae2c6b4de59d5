// Who sees whom over the service (docs/consent.md, "Who sees whom"): member lists and membership
// events show a person only to those who need to know of them. The rule itself is tested as a
// table in tests/server/core/visibility_test.cc.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

// ruth (client) with jo (job coach) and amir (language buddy) on every thread, and a GP on the
// sensitive "Gezondheid" thread only.
class MemberVisibilityTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    v1::ClientFrame create = frames::CreateThread(net_.id(), "Gezondheid");
    create.mutable_create_thread()->set_sensitive(true);
    health_ = Must(client_->Call(create), "create").create_thread().thread().id();
    gp_ = AddMember("bakker", "GP");
    const uint64_t inv =
        Must(client_->Call(frames::Invite(net_.id(), "bakker", "huisarts")), "invite")
            .invite()
            .invitation()
            .id();
    Grant only_health;
    only_health.thread_ids = {health_};
    const v1::ConsentProvision p = ToProvision(only_health);
    Must(client_->Call(frames::ApproveInvitation(inv, &p)), "approve");
  }

  std::map<std::string, v1::Member> Members(Actor& viewer) {
    std::map<std::string, v1::Member> out;
    const v1::Response r = Must(viewer->Call(frames::ListMembers(net_.id())), "members");
    for (const v1::Member& m : r.list_members().members()) out[m.handle()] = m;
    return out;
  }

  uint64_t health_ = 0;
  Actor gp_;
};

TEST_F(MemberVisibilityTest, AMemberSeesOnlyThoseWhoShareAThreadWithThem) {
  auto jo = Members(coach_);
  EXPECT_EQ(jo.count("ruth"), 1u);
  EXPECT_EQ(jo.count("amir"), 1u);
  EXPECT_EQ(jo.count("bakker"), 0u) << "jo shares no thread with the GP";
  EXPECT_EQ(jo.at("amir").profession(), "language buddy");
  // Nobody else's consent, nor whether their access is in force.
  EXPECT_FALSE(jo.at("amir").has_consent());
  EXPECT_FALSE(jo.at("amir").has_access_in_force());
  EXPECT_TRUE(jo.at("jo").has_consent());

  auto gp = Members(gp_);
  EXPECT_EQ(gp.count("ruth"), 1u);
  EXPECT_EQ(gp.count("jo"), 0u);
  EXPECT_EQ(gp.count("amir"), 0u);

  // The client sees everyone, with their consent.
  auto ruth = Members(client_);
  ASSERT_EQ(ruth.count("bakker"), 1u);
  EXPECT_EQ(ruth.at("bakker").profession(), "GP");
  EXPECT_TRUE(ruth.at("bakker").has_consent());
  EXPECT_TRUE(ruth.at("bakker").access_in_force());
}

TEST_F(MemberVisibilityTest, NobodyWhoseAccessEndedIsListedToMembers) {
  WithdrawConsent(client_, "amir");
  auto jo = Members(coach_);
  EXPECT_EQ(jo.count("amir"), 0u);
  auto ruth = Members(client_);
  ASSERT_EQ(ruth.count("amir"), 1u) << "the client still sees them, to decide";
  EXPECT_FALSE(ruth.at("amir").access_in_force());
}

// jo's list queued behind amir's withdrawal (built against the old records, answered after it)
// no longer shows amir: the writer sees that access in the network changed meanwhile.
TEST_F(MemberVisibilityTest, AListQueuedBehindAWithdrawalIsDecidedAfterIt) {
  faulty_.HoldWrites();
  const uint64_t withdraw = client_->Send(frames::WithdrawConsent(net_.id(), "amir"));
  ASSERT_TRUE(faulty_.WaitWriteHeld());
  const uint64_t list = coach_->Send(frames::ListMembers(net_.id()));
  faulty_.ReleaseWrites();
  ASSERT_TRUE(IsOk(client_->sink().WaitResponse(withdraw)));
  const v1::Response listed = coach_->sink().WaitResponse(list);
  ASSERT_TRUE(IsOk(listed));
  for (const v1::Member& m : listed.list_members().members()) {
    EXPECT_NE(m.handle(), "amir") << "listed after the withdrawal";
  }
}

// A coordinator sees every member and whether their access is in force, not the details; the
// GP's profession only once they share a thread.
TEST_F(MemberVisibilityTest, ACoordinatorSeesEveryMemberWithWhetherTheirAccessIsInForce) {
  Grant coordinate;
  coordinate.coordinate = true;
  GrantConsent(client_, "jo", coordinate);
  WithdrawConsent(client_, "amir");
  auto jo = Members(coach_);
  ASSERT_EQ(jo.count("bakker"), 1u);
  EXPECT_TRUE(jo.at("bakker").access_in_force());
  EXPECT_EQ(jo.at("bakker").profession(), "");
  EXPECT_EQ(jo.at("bakker").role_label(), "");
  EXPECT_FALSE(jo.at("bakker").has_consent());
  ASSERT_EQ(jo.count("amir"), 1u);
  EXPECT_FALSE(jo.at("amir").access_in_force());
  // And the GP sees the coordinator.
  EXPECT_EQ(Members(gp_).count("jo"), 1u);
}

TEST_F(MemberVisibilityTest, ARepresentativesBasisIsForTheClientAndRepresentativesOnly) {
  Actor mentor = AddRepresentative(client_, "mentor");
  auto jo = Members(coach_);
  ASSERT_EQ(jo.count("mentor"), 1u);
  EXPECT_EQ(jo.at("mentor").role(), v1::MEMBER_ROLE_REPRESENTATIVE);
  EXPECT_EQ(jo.at("mentor").role_label(), "");
  auto ruth = Members(client_);
  EXPECT_EQ(ruth.at("mentor").role_label(), "guardianship, court order 2026/123");
  EXPECT_EQ(Members(mentor).at("mentor").role_label(), "guardianship, court order 2026/123");
}

// Marking a thread sensitive changes who shares a thread with whom, and the next list says so.
TEST_F(MemberVisibilityTest, MarkingAThreadSensitiveChangesTheNextList) {
  v1::ClientFrame unmark;
  unmark.mutable_set_thread_sensitive()->set_network_id(net_.id());
  unmark.mutable_set_thread_sensitive()->set_thread_id(health_);
  unmark.mutable_set_thread_sensitive()->set_sensitive(false);
  Must(client_->Call(unmark), "unmark");
  EXPECT_EQ(Members(coach_).count("bakker"), 1u);
  v1::ClientFrame mark = unmark;
  mark.mutable_set_thread_sensitive()->set_sensitive(true);
  Must(client_->Call(mark), "mark");
  EXPECT_EQ(Members(coach_).count("bakker"), 0u);
}

// Joining and leaving are told to those the person is listed to: not to jo, for the GP.
TEST_F(MemberVisibilityTest, MembershipEventsGoOnlyToThoseWhoSeeThePerson) {
  Actor psych = AddMember("psy", "GGZ psychologist");
  EventsUntilRoundTrip(*coach_);
  EventsUntilRoundTrip(*gp_);
  const uint64_t inv = Must(client_->Call(frames::Invite(net_.id(), "psy", "")), "invite")
                           .invite()
                           .invitation()
                           .id();
  Grant only_health;
  only_health.thread_ids = {health_};
  const v1::ConsentProvision p = ToProvision(only_health);
  Must(client_->Call(frames::ApproveInvitation(inv, &p)), "approve");
  Must(client_->Call(frames::RemoveMember(net_.id(), "psy")), "remove");
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    EXPECT_FALSE(e.has_membership_changed() && e.membership_changed().member().handle() == "psy")
        << e.DebugString();
  }
  int told = 0;
  for (const v1::Event& e : EventsUntilRoundTrip(*gp_)) {
    if (e.has_membership_changed() && e.membership_changed().member().handle() == "psy") ++told;
  }
  EXPECT_EQ(told, 2) << "the GP shares Gezondheid with them: joined and removed";
}

// The MembershipChanged events among `events` about `handle`, as "SHOWN" / "HIDDEN" etc.
std::vector<v1::MembershipChanged> About(const std::vector<v1::Event>& events,
                                         const std::string& handle) {
  std::vector<v1::MembershipChanged> out;
  for (const v1::Event& e : events) {
    if (e.has_membership_changed() && e.membership_changed().member().handle() == handle) {
      out.push_back(e.membership_changed());
    }
  }
  return out;
}

// Who sees whom follows a consent change at once: jo shares every thread with amir until the
// client narrows amir to Gezondheid; jo's connection is told amir is gone before the client's
// answer, and jo's next list agrees. Widening again shows amir to jo, with his profession.
TEST_F(MemberVisibilityTest, ANarrowingHidesThePersonFromThoseWhoNoLongerShareAThread) {
  EventsUntilRoundTrip(*coach_);
  EventsUntilRoundTrip(*buddy_);
  Grant only_health;
  only_health.thread_ids = {health_};
  GrantConsent(client_, "amir", only_health);
  // Queued to jo before the client had her answer: no round trip needed to see it.
  auto told = About(coach_->sink().TakeEvents(), "amir");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_HIDDEN);
  EXPECT_EQ(told[0].network_id(), net_.id());
  EXPECT_FALSE(told[0].member().has_consent());
  EXPECT_EQ(Members(coach_).count("amir"), 0u);
  // And amir, the other way round: jo was not a coordinator, so amir no longer sees jo either;
  // he now shares Gezondheid with the GP.
  std::map<std::string, v1::MembershipChange> amir;
  for (const auto& e : EventsUntilRoundTrip(*buddy_)) {
    if (e.has_membership_changed()) {
      amir[e.membership_changed().member().handle()] = e.membership_changed().change();
    }
  }
  EXPECT_EQ(amir["jo"], v1::MEMBERSHIP_CHANGE_HIDDEN);
  EXPECT_EQ(amir["bakker"], v1::MEMBERSHIP_CHANGE_SHOWN);
  EXPECT_EQ(amir.count("ruth"), 0u) << "the client is always listed: nothing changed";
  EXPECT_EQ(About(EventsUntilRoundTrip(*gp_), "amir").size(), 1u) << "the GP now sees amir";

  // The reverse: every thread again.
  GrantConsent(client_, "amir", Grant{});
  told = About(coach_->sink().TakeEvents(), "amir");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_SHOWN);
  EXPECT_EQ(told[0].member().profession(), "language buddy");
  EXPECT_EQ(Members(coach_).count("amir"), 1u);
}

TEST_F(MemberVisibilityTest, AWithdrawalHidesThePersonAndAGrantShowsThemAgain) {
  EventsUntilRoundTrip(*coach_);
  EventsUntilRoundTrip(*client_);
  WithdrawConsent(client_, "amir");
  auto told = About(coach_->sink().TakeEvents(), "amir");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_HIDDEN);
  EXPECT_EQ(Members(coach_).count("amir"), 0u);
  // The client is told nothing of the kind: she sees everyone, always.
  EXPECT_TRUE(About(EventsUntilRoundTrip(*client_), "amir").empty());
  GrantConsent(client_, "amir", Grant{});
  told = About(coach_->sink().TakeEvents(), "amir");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_SHOWN);
}

// A coordinator keeps seeing everyone: only the profession appears or goes (SHOWN again).
TEST_F(MemberVisibilityTest, ACoordinatorIsToldWhenDetailsAppearOrGo) {
  Grant coordinate;
  coordinate.coordinate = true;
  GrantConsent(client_, "jo", coordinate);
  EventsUntilRoundTrip(*coach_);
  Grant health_too;
  health_too.thread_ids = {health_};
  GrantConsent(client_, "bakker", health_too);  // unchanged: no event
  EXPECT_TRUE(About(coach_->sink().TakeEvents(), "bakker").empty());
  Grant everything;
  everything.thread_ids = {thread_, health_};
  GrantConsent(client_, "bakker", everything);
  auto told = About(coach_->sink().TakeEvents(), "bakker");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_SHOWN);
  EXPECT_EQ(told[0].member().profession(), "GP");
  WithdrawConsent(client_, "bakker");
  told = About(coach_->sink().TakeEvents(), "bakker");
  ASSERT_EQ(told.size(), 1u) << "still listed to a coordinator, now without details";
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_SHOWN);
  EXPECT_EQ(told[0].member().profession(), "");
}

TEST_F(MemberVisibilityTest, MarkingAThreadSensitiveTellsWhoNoLongerSeesWhom) {
  v1::ClientFrame unmark;
  unmark.mutable_set_thread_sensitive()->set_network_id(net_.id());
  unmark.mutable_set_thread_sensitive()->set_thread_id(health_);
  unmark.mutable_set_thread_sensitive()->set_sensitive(false);
  Must(client_->Call(unmark), "unmark");
  auto told = About(coach_->sink().TakeEvents(), "bakker");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_SHOWN);
  v1::ClientFrame mark = unmark;
  mark.mutable_set_thread_sensitive()->set_sensitive(true);
  Must(client_->Call(mark), "mark");
  told = About(coach_->sink().TakeEvents(), "bakker");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].change(), v1::MEMBERSHIP_CHANGE_HIDDEN);
  EXPECT_EQ(Members(coach_).count("bakker"), 0u);
}

}  // namespace
}  // namespace kring::service::testing
