// Smaller rules of the consent model: who is told about a consent, what a widened scope shows,
// what COORDINATE allows, and what a member without consent may still do (docs/consent.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

class ConsentRulesTest : public CareNetworkTest {};

TEST_F(ConsentRulesTest, OnlyTheGranteeAndTheClientAreToldOfAConsent) {
  Actor mentor = AddRepresentative(client_, "mentor");
  ASSERT_TRUE(IsOk(coach_->Call(frames::Subscribe(net_.id(), {thread_}))));
  Grant grant;
  grant.thread_ids = {thread_};
  const v1::Consent consent = GrantConsent(client_, "amir", grant);
  for (Actor* told : {&buddy_, &client_, &mentor}) {
    std::optional<v1::Event> e = WaitForEvent(**told, [&](const v1::Event& ev) {
      return ev.has_consent_changed() && ev.consent_changed().consent().id() == consent.id();
    });
    EXPECT_TRUE(e.has_value()) << told->handle << " got no ConsentChanged";
  }
  // Jo, another member following the network, learns nothing of amir's consent.
  const uint64_t seq = PostSeq(client_, thread_, "b1", "barrier");
  std::vector<v1::Event> events;
  ASSERT_TRUE(WaitForEvent(
                  *coach_,
                  [&](const v1::Event& e) {
                    return e.has_message_posted() && e.message_posted().message().seq() == seq;
                  },
                  &events)
                  .has_value());
  for (const v1::Event& e : events) {
    EXPECT_FALSE(e.has_consent_changed() &&
                 e.consent_changed().consent().grantee_id() == buddy_.account.id())
        << "jo was told: " << e.DebugString();
  }
  // Nor does a member list show him another member's consent; his own entry has his.
  const v1::Response members = Must(coach_->Call(frames::ListMembers(net_.id())), "jo lists");
  for (const v1::Member& m : members.list_members().members()) {
    if (m.handle() == "amir") {
      EXPECT_EQ(m.consent().id(), 0u) << m.DebugString();
    } else if (m.handle() == "jo") {
      EXPECT_NE(m.consent().id(), 0u) << m.DebugString();
    }
  }
  const v1::Response for_ruth = Must(client_->Call(frames::ListMembers(net_.id())), "ruth lists");
  for (const v1::Member& m : for_ruth.list_members().members()) {
    if (m.handle() == "amir") {
      EXPECT_EQ(m.consent().id(), consent.id()) << m.DebugString();
    }
  }
}

TEST_F(ConsentRulesTest, WideningShowsOnlyWhatCameAfterIt) {
  // Amir joined with every thread and no history, before anything was posted.
  const uint64_t work = NewThread(client_, "Werk");
  PostSeq(coach_, thread_, "g1", "seen by amir");
  Grant werk_only;
  werk_only.thread_ids = {work};
  GrantConsent(client_, "amir", werk_only);
  PostSeq(coach_, thread_, "g2", "while general was out of scope");
  PostSeq(coach_, thread_, "g3", "while general was out of scope");
  PostSeq(coach_, work, "w1", "werk");

  // Widened again: general comes into scope now, Werk stays as it was.
  GrantConsent(client_, "amir", Grant{});
  PostSeq(coach_, thread_, "g4", "after widening");
  const v1::FetchHistoryResult general =
      Must(buddy_->Call(frames::FetchHistory(net_.id(), thread_)), "general").fetch_history();
  EXPECT_EQ(general.hidden_through_seq(), 3u);
  ASSERT_EQ(general.messages_size(), 1) << general.DebugString();
  EXPECT_EQ(general.messages(0).seq(), 4u);
  const v1::FetchHistoryResult werk =
      Must(buddy_->Call(frames::FetchHistory(net_.id(), work)), "werk").fetch_history();
  EXPECT_EQ(werk.hidden_through_seq(), 0u);
  EXPECT_EQ(werk.messages_size(), 1);

  // With history, everything; a later grant without history keeps what he could already see.
  Grant with_history;
  with_history.history = true;
  GrantConsent(client_, "amir", with_history);
  EXPECT_EQ(Must(buddy_->Call(frames::FetchHistory(net_.id(), thread_)), "all")
                .fetch_history()
                .messages_size(),
            4);
  GrantConsent(client_, "amir", Grant{});
  const v1::FetchHistoryResult kept =
      Must(buddy_->Call(frames::FetchHistory(net_.id(), thread_)), "kept").fetch_history();
  EXPECT_EQ(kept.hidden_through_seq(), 0u);
  EXPECT_EQ(kept.messages_size(), 4);
}

TEST_F(ConsentRulesTest, ScopedMemberMarksAndListsReadMarkersOnlyInScope) {
  const uint64_t work = NewThread(client_, "Werk");
  PostSeq(coach_, thread_, "g1", "general");
  PostSeq(coach_, work, "w1", "werk");
  Grant grant;
  grant.thread_ids = {work};
  grant.history = true;
  GrantConsent(client_, "amir", grant);
  const uint64_t n = net_.id();
  EXPECT_TRUE(IsOk(buddy_->Call(frames::MarkRead(n, work, 1))));
  EXPECT_TRUE(IsOk(buddy_->Call(frames::ListReadMarkers(n, work))));
  EXPECT_TRUE(IsError(buddy_->Call(frames::MarkRead(n, thread_, 1)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(buddy_->Call(frames::ListReadMarkers(n, thread_)), v1::Error::PERMISSION_DENIED));
  // A scoped member creates no threads: new ones would be outside the scope.
  EXPECT_TRUE(IsError(buddy_->Call(frames::CreateThread(n, "Mine")), v1::Error::PERMISSION_DENIED));
}

TEST_F(ConsentRulesTest, CoordinateLetsAMemberInviteAndReadOnlyForbidsPosting) {
  Actor gp = AddMember("dr.bakker", "GP");
  const uint64_t n = net_.id();
  EXPECT_TRUE(
      IsError(buddy_->Call(frames::Invite(n, "dr.bakker", "GP")), v1::Error::PERMISSION_DENIED));
  Grant coordinate;
  coordinate.coordinate = true;
  GrantConsent(client_, "amir", coordinate);
  const uint64_t inv = Must(buddy_->Call(frames::Invite(n, "dr.bakker", "GP")), "amir invites")
                           .invite()
                           .invitation()
                           .id();
  // Inviting is not approving: that stays with the client.
  EXPECT_TRUE(IsError(buddy_->Call(frames::ApproveInvitation(inv)), v1::Error::PERMISSION_DENIED));

  Grant read_only;
  read_only.post = false;
  GrantConsent(client_, "amir", read_only);
  EXPECT_TRUE(IsOk(buddy_->Call(frames::FetchHistory(n, thread_))));
  EXPECT_TRUE(IsError(buddy_->Call(frames::PostMessage(n, thread_, "ro1", "may I?")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->Call(frames::CreateThread(n, "Mine")), v1::Error::PERMISSION_DENIED));
}

TEST_F(ConsentRulesTest, WithdrawnMemberStaysListedCanLeaveAndIsToldNothing) {
  const uint64_t n = net_.id();
  WithdrawConsent(client_, "amir");
  EXPECT_TRUE(IsError(buddy_->Call(frames::ListMembers(n)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->Call(frames::ListThreads(n)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->Call(frames::CreateThread(n, "Mine")), v1::Error::PERMISSION_DENIED));
  // Withdrawing again changes nothing and records nothing.
  const int before =
      Must(client_->Call(frames::ListConsents(n, true)), "history").list_consents().consents_size();
  EXPECT_TRUE(IsOk(client_->Call(frames::WithdrawConsent(n, "amir"))));
  EXPECT_EQ(
      Must(client_->Call(frames::ListConsents(n, true)), "history").list_consents().consents_size(),
      before);

  // Without access he hears nothing of the network: not who joins, not what is posted.
  ASSERT_TRUE(IsOk(coach_->Call(frames::Subscribe(n, {thread_}))));
  Actor gp = AddMember("dr.bakker", "GP");
  const uint64_t inv = Must(client_->Call(frames::Invite(n, "dr.bakker", "GP")), "invite")
                           .invite()
                           .invitation()
                           .id();
  Must(client_->Call(frames::ApproveInvitation(inv)), "approve");
  const uint64_t seq = PostSeq(client_, thread_, "n1", "news");
  ASSERT_TRUE(WaitForEvent(*coach_, [&](const v1::Event& e) {
                return e.has_message_posted() && e.message_posted().message().seq() == seq;
              }).has_value());
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(e.has_membership_changed() &&
                 e.membership_changed().member().handle() == "dr.bakker")
        << e.DebugString();
    EXPECT_FALSE(IsMessageIn(e, n)) << e.DebugString();
  }
}

// The cut happens inside the write: by the time the client has her answer, every app of amir
// already has its AccessEnded (nothing is awaited here).
TEST_F(ConsentRulesTest, EveryConnectionOfTheGranteeIsCutBeforeTheResponse) {
  Actor phone = LogIn("amir");  // amir again, on a second device
  ASSERT_TRUE(IsOk(buddy_->Call(frames::Subscribe(net_.id(), {thread_}))));
  ASSERT_TRUE(IsOk(phone->Call(frames::Subscribe(net_.id(), {thread_}))));
  buddy_->sink().TakeEvents();
  phone->sink().TakeEvents();
  WithdrawConsent(client_, "amir");
  for (Actor* p : {&buddy_, &phone}) {
    bool ended = false;
    for (const v1::Event& e : p->app->sink().TakeEvents()) {
      if (e.has_access_ended() && EndsThread(e.access_ended(), net_.id(), thread_)) ended = true;
    }
    EXPECT_TRUE(ended) << "a connection of amir was not cut before the response";
  }
}

TEST_F(ConsentRulesTest, SubscriptionStartedUnderAnEndingConsentEndsWithIt) {
  Grant grant;
  grant.end_ms = clock_.NowMs() + 1500;
  GrantConsent(client_, "amir", grant);
  ASSERT_TRUE(IsOk(buddy_->Call(frames::Subscribe(net_.id(), {thread_}))));
  clock_.Set(grant.end_ms + 1);
  const uint64_t seq = PostSeq(coach_, thread_, "late", "after the end");
  std::vector<v1::Event> events;
  ASSERT_TRUE(WaitForEvent(
                  *buddy_,
                  [&](const v1::Event& e) {
                    return e.has_access_ended() && e.access_ended().network_id() == net_.id();
                  },
                  &events)
                  .has_value())
      << "no AccessEnded";
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  for (const v1::Event& e : events) {
    EXPECT_FALSE(IsMessageIn(e, net_.id()) && e.message_posted().message().seq() == seq)
        << "delivered after the end: " << e.DebugString();
  }
}

TEST_F(ConsentRulesTest, RepresentativeHasTheClientsAccessButDoesNotLeave) {
  Actor mentor = AddRepresentative(client_, "mentor");
  const uint64_t n = net_.id();
  EXPECT_TRUE(IsOk(mentor->Call(frames::PostMessage(n, thread_, "m1", "from the mentor"))));
  EXPECT_TRUE(IsOk(mentor->Call(frames::FetchHistory(n, thread_))));
  EXPECT_TRUE(IsOk(mentor->Call(frames::ListMembers(n))));
  EXPECT_TRUE(IsOk(mentor->Call(frames::MarkRead(n, thread_, 1))));
  EXPECT_TRUE(IsOk(mentor->Call(frames::CreateThread(n, "Geld"))));
  EXPECT_TRUE(IsError(mentor->Call(frames::CreateThread(n, "Zonder ruth", true)),
                      v1::Error::FAILED_PRECONDITION));
  EXPECT_TRUE(
      IsError(mentor->Call(frames::RemoveMember(n, "mentor")), v1::Error::FAILED_PRECONDITION));
  // Invitations waiting in the client's networks wait for the representative too.
  Actor gp = AddMember("dr.bakker", "GP");
  const uint64_t inv = Must(client_->Call(frames::Invite(n, "dr.bakker", "GP")), "invite")
                           .invite()
                           .invitation()
                           .id();
  bool listed = false;
  const v1::Response waiting = Must(mentor->Call(frames::ListInvitations()), "list");
  for (const v1::Invitation& i : waiting.list_invitations().invitations()) {
    listed = listed || i.id() == inv;
  }
  EXPECT_TRUE(listed) << "the representative does not see the pending invitation";
  EXPECT_TRUE(
      IsError(client_->Call(frames::RemoveMember(n, "ruth")), v1::Error::FAILED_PRECONDITION));
}

TEST_F(ConsentRulesTest, AccessSinceMarksTheStartOfTheUnbrokenChain) {
  const v1::Response start = Must(client_->Call(frames::ListConsents(net_.id())), "current");
  int64_t since = 0;
  for (const v1::Consent& c : start.list_consents().consents()) {
    if (c.grantee_id() == buddy_.account.id()) since = c.access_since_ms();
  }
  ASSERT_NE(since, 0);
  clock_.Advance(1000);  // the manual clock stands still otherwise
  Grant narrower;
  narrower.thread_ids = {thread_};
  EXPECT_EQ(GrantConsent(client_, "amir", narrower).access_since_ms(), since);
  clock_.Advance(1000);
  const v1::Consent withdrawn = WithdrawConsent(client_, "amir");
  clock_.Advance(1000);
  const v1::Consent again = GrantConsent(client_, "amir", Grant{});
  EXPECT_GE(again.access_since_ms(), withdrawn.recorded_at_ms()) << again.DebugString();
  EXPECT_GT(again.access_since_ms(), since);
}

TEST_F(ConsentRulesTest, GrantRefusesWhatCannotBeGranted) {
  Actor stranger = AddMember("sam", "neighbour");
  Actor omar = AddClient("omar");
  const uint64_t omars_thread = OpenNetworkOf(omar, {}).general_thread_id();
  const uint64_t n = net_.id();
  const v1::ConsentProvision all = ToProvision(Grant{});
  EXPECT_TRUE(IsError(client_->Call(frames::GrantConsent(n, "sam", all)), v1::Error::NOT_FOUND));
  EXPECT_TRUE(
      IsError(client_->Call(frames::GrantConsent(n, "ruth", all)), v1::Error::INVALID_ARGUMENT));
  Grant elsewhere;
  elsewhere.thread_ids = {omars_thread};
  EXPECT_TRUE(IsError(client_->Call(frames::GrantConsent(n, "amir", ToProvision(elsewhere))),
                      v1::Error::NOT_FOUND));
  Grant backwards;
  backwards.start_ms = clock_.NowMs() + 60'000;
  backwards.end_ms = backwards.start_ms - 1;
  EXPECT_TRUE(IsError(client_->Call(frames::GrantConsent(n, "amir", ToProvision(backwards))),
                      v1::Error::INVALID_ARGUMENT));
  v1::ConsentProvision no_scope = all;
  no_scope.set_all_threads(false);
  EXPECT_TRUE(IsError(client_->Call(frames::GrantConsent(n, "amir", no_scope)),
                      v1::Error::INVALID_ARGUMENT));
  // None of these changed amir's consent.
  const v1::Response history = Must(client_->Call(frames::ListConsents(n, true)), "history");
  int amirs = 0;
  for (const v1::Consent& c : history.list_consents().consents()) {
    amirs += c.grantee_id() == buddy_.account.id();
  }
  EXPECT_EQ(amirs, 1);
  EXPECT_TRUE(IsOk(buddy_->Call(frames::FetchHistory(n, thread_))));
}

// docs/consent.md: "Remove / leave (RemoveMember): ends the membership and records a withdrawn
// consent with reason removed or left", and "every change ... a removal ... is a new record".
TEST_F(ConsentRulesTest, LeavingOrRemovalAfterAWithdrawalIsRecorded) {
  Actor gp = AddMember("dr.bakker", "GP");
  const uint64_t n = net_.id();
  const uint64_t inv = Must(client_->Call(frames::Invite(n, "dr.bakker", "GP")), "invite")
                           .invite()
                           .invitation()
                           .id();
  Must(client_->Call(frames::ApproveInvitation(inv)), "approve");
  struct Case {
    Actor* member;
    Actor* by;
    const char* reason;
  };
  for (const Case& c : {Case{&buddy_, &buddy_, "left"}, Case{&gp, &client_, "removed"}}) {
    SCOPED_TRACE(c.member->handle + " " + c.reason);
    const v1::Consent withdrawn = WithdrawConsent(client_, c.member->handle);
    ASSERT_TRUE(IsOk((*c.by)->Call(frames::RemoveMember(n, c.member->handle))));
    const v1::Response history = Must(client_->Call(frames::ListConsents(n, true)), "history");
    std::vector<v1::Consent> records;
    for (const v1::Consent& r : history.list_consents().consents()) {
      if (r.grantee_id() == c.member->account.id()) records.push_back(r);
    }
    ASSERT_FALSE(records.empty());
    const v1::Consent& last = records.back();
    EXPECT_EQ(last.reason(), c.reason) << last.DebugString();
    EXPECT_EQ(last.status(), v1::CONSENT_STATUS_WITHDRAWN);
    EXPECT_EQ(last.supersedes(), withdrawn.id()) << last.DebugString();
    EXPECT_EQ(last.recorded_by(), c.by->account.id()) << last.DebugString();
  }
}

// docs/consent.md: admins and auditors "are refused before anything else is looked at" -- so
// not even whether a network exists.
TEST_F(ConsentRulesTest, AdminAndAuditorAreRefusedBeforeTheNetworkIsLookedUp) {
  Actor auditor = AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);
  const uint64_t unknown = net_.id() + 1'000'000;
  for (Actor* p : {&admin(), &auditor}) {
    for (uint64_t n : {net_.id(), unknown}) {
      SCOPED_TRACE(p->handle + " network " + std::to_string(n));
      TestApp& app = **p;
      EXPECT_TRUE(
          IsError(app.Call(frames::FetchHistory(n, thread_)), v1::Error::PERMISSION_DENIED));
      EXPECT_TRUE(IsError(app.Call(frames::ListThreads(n)), v1::Error::PERMISSION_DENIED));
      EXPECT_TRUE(IsError(app.Call(frames::ListConsents(n, true)), v1::Error::PERMISSION_DENIED));
      EXPECT_TRUE(
          IsError(app.Call(frames::WithdrawConsent(n, "amir")), v1::Error::PERMISSION_DENIED));
    }
  }
}

}  // namespace
}  // namespace kring::service::testing
