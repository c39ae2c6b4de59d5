// Smaller rules of the consent model over real TLS: who is told about a consent, what a widened
// scope shows, what COORDINATE allows, and what a member without consent may still do
// (docs/consent.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ConsentRulesTest : public CareNetworkTest {};

TEST_F(ConsentRulesTest, OnlyTheGranteeAndTheClientAreToldOfAConsent) {
  Person mentor = world_->AddRepresentative(client_, "mentor");
  ASSERT_TRUE(IsOk(SubscribeTo(coach_, net_.id(), {thread_})));
  sdk::Grant grant;
  grant.thread_ids = {thread_};
  v1::Consent consent = GrantConsent(client_, net_.id(), "amir", grant);
  for (Person* told : {&buddy_, &client_, &mentor}) {
    std::optional<v1::Event> e = WaitForEvent(**told, [&](const v1::Event& ev) {
      return ev.has_consent_changed() && ev.consent_changed().consent().id() == consent.id();
    });
    EXPECT_TRUE(e.has_value()) << told->handle << " got no ConsentChanged";
  }
  // Jo, another member following the network, learns nothing of amir's consent.
  const uint64_t seq =
      Must(client_->PostMessage(net_.id(), thread_, "b1", "barrier"), "post").seq();
  std::vector<v1::Event> events;
  ASSERT_TRUE(WaitForEvent(*coach_, [&](const v1::Event& e) {
                events.push_back(e);
                return e.has_message_posted() && e.message_posted().message().seq() == seq;
              }).has_value());
  for (const v1::Event& e : events) {
    EXPECT_FALSE(e.has_consent_changed() &&
                 e.consent_changed().consent().grantee_id() == buddy_.account.id())
        << "jo was told: " << e.DebugString();
  }
  // Nor does a member list show him another member's consent; his own entry has his.
  const v1::ListMembersResult members = Must(coach_->ListMembers(net_.id()), "jo lists members");
  for (const v1::Member& m : members.members()) {
    if (m.handle() == "amir") {
      EXPECT_EQ(m.consent().id(), 0u) << m.DebugString();
    } else if (m.handle() == "jo") {
      EXPECT_NE(m.consent().id(), 0u) << m.DebugString();
    }
  }
  const v1::ListMembersResult for_ruth = Must(client_->ListMembers(net_.id()), "ruth lists");
  for (const v1::Member& m : for_ruth.members()) {
    if (m.handle() == "amir") {
      EXPECT_EQ(m.consent().id(), consent.id()) << m.DebugString();
    }
  }
}

TEST_F(ConsentRulesTest, WideningShowsOnlyWhatCameAfterIt) {
  // Amir joined with every thread and no history, before anything was posted.
  const uint64_t work = Must(client_->CreateThread(net_.id(), "Werk"), "thread").thread().id();
  Must(coach_->PostMessage(net_.id(), thread_, "g1", "seen by amir"), "post");
  sdk::Grant werk_only;
  werk_only.thread_ids = {work};
  GrantConsent(client_, net_.id(), "amir", werk_only);
  Must(coach_->PostMessage(net_.id(), thread_, "g2", "while general was out of scope"), "post");
  Must(coach_->PostMessage(net_.id(), thread_, "g3", "while general was out of scope"), "post");
  Must(coach_->PostMessage(net_.id(), work, "w1", "werk"), "post");

  // Widened again: general comes into scope now, Werk stays as it was.
  GrantConsent(client_, net_.id(), "amir", sdk::Grant{});
  Must(coach_->PostMessage(net_.id(), thread_, "g4", "after widening"), "post");
  v1::FetchHistoryResult general = Must(buddy_->FetchHistory(net_.id(), thread_), "general");
  EXPECT_EQ(general.hidden_through_seq(), 3u);
  ASSERT_EQ(general.messages_size(), 1) << general.DebugString();
  EXPECT_EQ(general.messages(0).seq(), 4u);
  v1::FetchHistoryResult werk = Must(buddy_->FetchHistory(net_.id(), work), "werk");
  EXPECT_EQ(werk.hidden_through_seq(), 0u);
  EXPECT_EQ(werk.messages_size(), 1);

  // With history, everything; a later grant without history keeps what he could already see.
  sdk::Grant with_history;
  with_history.history = true;
  GrantConsent(client_, net_.id(), "amir", with_history);
  EXPECT_EQ(Must(buddy_->FetchHistory(net_.id(), thread_), "all").messages_size(), 4);
  GrantConsent(client_, net_.id(), "amir", sdk::Grant{});
  v1::FetchHistoryResult kept = Must(buddy_->FetchHistory(net_.id(), thread_), "kept");
  EXPECT_EQ(kept.hidden_through_seq(), 0u);
  EXPECT_EQ(kept.messages_size(), 4);
}

TEST_F(ConsentRulesTest, ScopedMemberMarksAndListsReadMarkersOnlyInScope) {
  const uint64_t work = Must(client_->CreateThread(net_.id(), "Werk"), "thread").thread().id();
  Must(coach_->PostMessage(net_.id(), thread_, "g1", "general"), "post");
  Must(coach_->PostMessage(net_.id(), work, "w1", "werk"), "post");
  sdk::Grant grant;
  grant.thread_ids = {work};
  grant.history = true;
  GrantConsent(client_, net_.id(), "amir", grant);
  EXPECT_TRUE(IsOk(buddy_->MarkRead(net_.id(), work, 1)));
  EXPECT_TRUE(IsOk(buddy_->ListReadMarkers(net_.id(), work)));
  EXPECT_TRUE(IsError(buddy_->MarkRead(net_.id(), thread_, 1), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->ListReadMarkers(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  // A scoped member creates no threads: new ones would be outside the scope.
  EXPECT_TRUE(IsError(buddy_->CreateThread(net_.id(), "Mine"), v1::Error::PERMISSION_DENIED));
}

TEST_F(ConsentRulesTest, CoordinateLetsAMemberInviteAndReadOnlyForbidsPosting) {
  Person gp = world_->AddMember("dr.bakker", "GP");
  EXPECT_TRUE(IsError(buddy_->Invite(net_.id(), "dr.bakker", "GP"), v1::Error::PERMISSION_DENIED));
  sdk::Grant coordinate;
  coordinate.coordinate = true;
  GrantConsent(client_, net_.id(), "amir", coordinate);
  v1::Invitation inv =
      Must(buddy_->Invite(net_.id(), "dr.bakker", "GP"), "amir invites").invitation();
  // Inviting is not approving: that stays with the client.
  EXPECT_TRUE(IsError(buddy_->ApproveInvitation(inv.id()), v1::Error::PERMISSION_DENIED));

  sdk::Grant read_only;
  read_only.post = false;
  GrantConsent(client_, net_.id(), "amir", read_only);
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
  EXPECT_TRUE(IsError(buddy_->PostMessage(net_.id(), thread_, "ro1", "may I?"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->CreateThread(net_.id(), "Mine"), v1::Error::PERMISSION_DENIED));
}

TEST_F(ConsentRulesTest, WithdrawnMemberStaysListedCanLeaveAndIsToldNothing) {
  WithdrawConsent(client_, net_.id(), "amir");
  EXPECT_TRUE(IsError(buddy_->ListMembers(net_.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->ListThreads(net_.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->CreateThread(net_.id(), "Mine"), v1::Error::PERMISSION_DENIED));
  // Withdrawing again changes nothing and records nothing.
  v1::ListConsentsResult before = Must(client_->ListConsents(net_.id(), true), "history");
  EXPECT_TRUE(IsOk(client_->WithdrawConsent(net_.id(), "amir")));
  EXPECT_EQ(Must(client_->ListConsents(net_.id(), true), "history").consents_size(),
            before.consents_size());

  // Without access he hears nothing of the network: not who joins, not what is posted.
  ASSERT_TRUE(IsOk(SubscribeTo(coach_, net_.id(), {thread_})));
  Person gp = world_->AddMember("dr.bakker", "GP");
  v1::Invitation inv = Must(client_->Invite(net_.id(), "dr.bakker", "GP"), "invite").invitation();
  Must(client_->ApproveInvitation(inv.id()), "approve");
  const uint64_t seq = Must(client_->PostMessage(net_.id(), thread_, "n1", "news"), "post").seq();
  ASSERT_TRUE(WaitForEvent(*coach_, [&](const v1::Event& e) {
                return e.has_message_posted() && e.message_posted().message().seq() == seq;
              }).has_value());
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(e.has_membership_changed() &&
                 e.membership_changed().member().handle() == "dr.bakker")
        << e.DebugString();
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << e.DebugString();
  }
}

TEST_F(ConsentRulesTest, EveryConnectionOfTheGranteeIsCutBeforeTheResponse) {
  Person phone;  // amir again, on a second device
  phone.handle = buddy_.handle;
  phone.password = buddy_.password;
  world_->LogIn(phone);
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_})));
  ASSERT_TRUE(IsOk(SubscribeTo(phone, net_.id(), {thread_})));
  WithdrawConsent(client_, net_.id(), "amir");
  for (Person* p : {&buddy_, &phone}) {
    bool ended = false;
    for (const v1::Event& e : EventsUntilRoundTrip(**p)) {
      if (e.has_access_ended() && EndsThread(e.access_ended(), net_.id(), thread_)) ended = true;
    }
    EXPECT_TRUE(ended) << "a connection of amir was not cut before the response";
  }
}

TEST_F(ConsentRulesTest, SubscriptionStartedUnderAnEndingConsentEndsWithIt) {
  sdk::Grant grant;
  grant.end_ms = NowMs() + 1500;
  GrantConsent(client_, net_.id(), "amir", grant);
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_})));
  ASSERT_TRUE(PollUntil([&] { return NowMs() > grant.end_ms; }, 10s));
  const uint64_t seq =
      Must(coach_->PostMessage(net_.id(), thread_, "late", "after the end"), "post").seq();
  std::vector<v1::Event> events;
  ASSERT_TRUE(WaitForEvent(*buddy_,
                           [&](const v1::Event& e) {
                             events.push_back(e);
                             return e.has_access_ended() &&
                                    e.access_ended().network_id() == net_.id();
                           })
                  .has_value())
      << "no AccessEnded";
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  for (const v1::Event& e : events) {
    EXPECT_FALSE(IsMessageIn(e, net_.id()) && e.message_posted().message().seq() == seq)
        << "delivered after the end: " << e.DebugString();
  }
}

TEST_F(ConsentRulesTest, RepresentativeHasTheClientsAccessButDoesNotLeave) {
  Person mentor = world_->AddRepresentative(client_, "mentor");
  EXPECT_TRUE(IsOk(mentor->PostMessage(net_.id(), thread_, "m1", "from the mentor")));
  EXPECT_TRUE(IsOk(mentor->FetchHistory(net_.id(), thread_)));
  EXPECT_TRUE(IsOk(mentor->ListMembers(net_.id())));
  EXPECT_TRUE(IsOk(mentor->MarkRead(net_.id(), thread_, 1)));
  EXPECT_TRUE(IsOk(mentor->CreateThread(net_.id(), "Geld")));
  EXPECT_TRUE(IsError(mentor->CreateThread(net_.id(), "Zonder ruth", true),
                      v1::Error::FAILED_PRECONDITION));
  EXPECT_TRUE(IsError(mentor->RemoveMember(net_.id(), "mentor"), v1::Error::FAILED_PRECONDITION));
  // Invitations waiting in the client's networks wait for the representative too.
  Person gp = world_->AddMember("dr.bakker", "GP");
  v1::Invitation inv = Must(client_->Invite(net_.id(), "dr.bakker", "GP"), "invite").invitation();
  bool listed = false;
  const v1::ListInvitationsResult waiting = Must(mentor->ListInvitations(), "list");
  for (const v1::Invitation& i : waiting.invitations()) {
    listed = listed || i.id() == inv.id();
  }
  EXPECT_TRUE(listed) << "the representative does not see the pending invitation";
  EXPECT_TRUE(IsError(client_->RemoveMember(net_.id(), "ruth"), v1::Error::FAILED_PRECONDITION));
}

TEST_F(ConsentRulesTest, AccessSinceMarksTheStartOfTheUnbrokenChain) {
  const v1::ListConsentsResult start = Must(client_->ListConsents(net_.id()), "current");
  int64_t since = 0;
  for (const v1::Consent& c : start.consents()) {
    if (c.grantee_id() == buddy_.account.id()) since = c.access_since_ms();
  }
  ASSERT_NE(since, 0);
  sdk::Grant narrower;
  narrower.thread_ids = {thread_};
  EXPECT_EQ(GrantConsent(client_, net_.id(), "amir", narrower).access_since_ms(), since);
  v1::Consent withdrawn = WithdrawConsent(client_, net_.id(), "amir");
  v1::Consent again = GrantConsent(client_, net_.id(), "amir", sdk::Grant{});
  EXPECT_GE(again.access_since_ms(), withdrawn.recorded_at_ms()) << again.DebugString();
  EXPECT_GT(again.access_since_ms(), since);
}

TEST_F(ConsentRulesTest, GrantRefusesWhatCannotBeGranted) {
  Person stranger = world_->AddMember("sam", "neighbour");
  Person omar = world_->AddClient("omar");
  const uint64_t omars_thread = world_->OpenNetwork(omar, {}).general_thread_id();
  const v1::ConsentProvision all = sdk::ToProvision(sdk::Grant{});
  EXPECT_TRUE(IsError(client_->GrantConsent(net_.id(), "sam", all), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client_->GrantConsent(net_.id(), "ruth", all), v1::Error::INVALID_ARGUMENT));
  sdk::Grant elsewhere;
  elsewhere.thread_ids = {omars_thread};
  EXPECT_TRUE(IsError(client_->GrantConsent(net_.id(), "amir", sdk::ToProvision(elsewhere)),
                      v1::Error::NOT_FOUND));
  sdk::Grant backwards;
  backwards.start_ms = NowMs() + 60'000;
  backwards.end_ms = backwards.start_ms - 1;
  EXPECT_TRUE(IsError(client_->GrantConsent(net_.id(), "amir", sdk::ToProvision(backwards)),
                      v1::Error::INVALID_ARGUMENT));
  v1::ConsentProvision no_scope = all;
  no_scope.set_all_threads(false);
  EXPECT_TRUE(
      IsError(client_->GrantConsent(net_.id(), "amir", no_scope), v1::Error::INVALID_ARGUMENT));
  // None of these changed amir's consent.
  const v1::ListConsentsResult history = Must(client_->ListConsents(net_.id(), true), "history");
  int amirs = 0;
  for (const v1::Consent& c : history.consents()) amirs += c.grantee_id() == buddy_.account.id();
  EXPECT_EQ(amirs, 1);
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
}

// docs/consent.md: "Remove / leave (RemoveMember): ends the membership and records a withdrawn
// consent with reason removed or left", and "every change ... a removal ... is a new record".
TEST_F(ConsentRulesTest, LeavingOrRemovalAfterAWithdrawalIsRecorded) {
  Person gp = world_->AddMember("dr.bakker", "GP");
  v1::Invitation inv = Must(client_->Invite(net_.id(), "dr.bakker", "GP"), "invite").invitation();
  Must(client_->ApproveInvitation(inv.id()), "approve");
  struct Case {
    Person* member;
    Person* by;
    const char* reason;
  };
  for (const Case& c : {Case{&buddy_, &buddy_, "left"}, Case{&gp, &client_, "removed"}}) {
    SCOPED_TRACE(c.member->handle + " " + c.reason);
    v1::Consent withdrawn = WithdrawConsent(client_, net_.id(), c.member->handle);
    ASSERT_TRUE(IsOk((*c.by)->RemoveMember(net_.id(), c.member->handle)));
    v1::ListConsentsResult history = Must(client_->ListConsents(net_.id(), true), "history");
    std::vector<v1::Consent> records;
    for (const v1::Consent& r : history.consents()) {
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
  Person auditor = world_->AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);
  const uint64_t unknown = net_.id() + 1'000'000;
  for (Person* p : {&world_->admin(), &auditor}) {
    for (uint64_t n : {net_.id(), unknown}) {
      SCOPED_TRACE(p->handle + " network " + std::to_string(n));
      EXPECT_TRUE(IsError((*p)->FetchHistory(n, thread_), v1::Error::PERMISSION_DENIED));
      EXPECT_TRUE(IsError((*p)->ListThreads(n), v1::Error::PERMISSION_DENIED));
      EXPECT_TRUE(IsError((*p)->ListConsents(n, true), v1::Error::PERMISSION_DENIED));
      EXPECT_TRUE(IsError((*p)->WithdrawConsent(n, "amir"), v1::Error::PERMISSION_DENIED));
    }
  }
}

}  // namespace
}  // namespace kring::integration
