// What a consent lets a member see: the threads in its scope, the history from before they came
// into scope, and threads of the team without the client (docs/consent.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

bool Contains(const google::protobuf::RepeatedField<uint64_t>& ids, uint64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

class ConsentScopeTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    work_ = Must(client_->CreateThread(net_.id(), "Werk"), "create Werk").thread().id();
  }

  uint64_t work_ = 0;  // the "Werk" thread
};

TEST_F(ConsentScopeTest, ScopedMemberReceivesOnlyTheirThread) {
  sdk::Grant grant;
  grant.thread_ids = {work_};
  v1::Consent consent = GrantConsent(client_, net_.id(), "amir", grant);
  EXPECT_FALSE(consent.provision().all_threads());
  ASSERT_EQ(consent.provision().thread_ids_size(), 1);
  EXPECT_EQ(consent.provision().thread_ids(0), work_);

  ASSERT_TRUE(IsOk(SubscribeTo(client_, net_.id(), {thread_})));  // ruth sees new threads
  sdk::Result<v1::SubscribeResult> sub = SubscribeTo(buddy_, net_.id(), {thread_, work_});
  ASSERT_TRUE(IsOk(sub));
  EXPECT_TRUE(SubscribeDenied(sub, thread_));
  std::optional<v1::ThreadSubscription> work_sub = FindThread(*sub, work_);
  ASSERT_TRUE(work_sub.has_value());
  EXPECT_EQ(work_sub->error().code(), v1::Error::CODE_UNSPECIFIED) << work_sub->DebugString();

  EXPECT_TRUE(IsError(buddy_->PostMessage(net_.id(), thread_, "a1", "in general"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsOk(buddy_->PostMessage(net_.id(), work_, "a2", "in Werk")));

  std::vector<uint64_t> work_seqs;
  for (int i = 0; i < 3; ++i) {
    Must(coach_->PostMessage(net_.id(), thread_, "g" + std::to_string(i), "general"), "post");
    work_seqs.push_back(
        Must(coach_->PostMessage(net_.id(), work_, "w" + std::to_string(i), "werk"), "post").seq());
  }
  // Amir's own post and jo's three, in order; then a thread outside the scope is created, and a
  // last Werk message follows it on amir's connection (events keep their order).
  Must(coach_->MarkRead(net_.id(), thread_, 1), "jo marks general read");
  std::vector<v1::Event> events;
  const uint64_t medical =
      Must(coach_->CreateThread(net_.id(), "Medisch"), "create Medisch").thread().id();
  const uint64_t last = Must(coach_->PostMessage(net_.id(), work_, "w-last", "werk"), "post").seq();
  std::optional<v1::Event> last_seen = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    events.push_back(e);
    return e.has_message_posted() && e.message_posted().message().thread_id() == work_ &&
           e.message_posted().message().seq() == last;
  });
  ASSERT_TRUE(last_seen.has_value()) << "amir did not receive the last Werk message";
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  std::vector<uint64_t> got;
  for (const v1::Event& e : events) {
    EXPECT_FALSE(e.has_thread_created() && e.thread_created().thread().id() == medical)
        << "ThreadCreated outside the scope: " << e.DebugString();
    EXPECT_FALSE(e.has_read_marker_updated() &&
                 e.read_marker_updated().marker().thread_id() == thread_)
        << "read marker outside the scope: " << e.DebugString();
    if (!IsMessageIn(e, net_.id())) continue;
    EXPECT_EQ(e.message_posted().message().thread_id(), work_) << e.DebugString();
    if (e.message_posted().message().sender_handle() == "jo") {
      got.push_back(e.message_posted().message().seq());
    }
  }
  work_seqs.push_back(last);
  EXPECT_EQ(got, work_seqs);
  // Ruth, who may see every thread, did get it announced: the event exists.
  EXPECT_TRUE(WaitForEvent(*client_, [&](const v1::Event& e) {
                return e.has_thread_created() && e.thread_created().thread().id() == medical;
              }).has_value());
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), work_)));
  EXPECT_TRUE(IsError(buddy_->FetchHistory(net_.id(), medical), v1::Error::PERMISSION_DENIED));

  v1::ListThreadsResult threads = Must(buddy_->ListThreads(net_.id()), "amir lists threads");
  ASSERT_EQ(threads.threads_size(), 1) << threads.DebugString();
  EXPECT_EQ(threads.threads(0).id(), work_);
  EXPECT_EQ(Must(coach_->ListThreads(net_.id()), "jo lists").threads_size(), 3);
}

TEST_F(ConsentScopeTest, NarrowingTheScopeEndsTheThreadsThatFellOut) {
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_, work_})));
  Must(coach_->PostMessage(net_.id(), thread_, "g0", "general, in scope"), "post");
  ASSERT_EQ(WaitForMessages(*buddy_, thread_, 1).size(), 1u);

  sdk::Grant grant;
  grant.thread_ids = {work_};
  GrantConsent(client_, net_.id(), "amir", grant);
  // Inside the write, before the response: the general thread has ended for amir.
  std::vector<v1::Event> events = EventsUntilRoundTrip(*buddy_);
  const v1::AccessEnded* ended = nullptr;
  for (const v1::Event& e : events) {
    if (e.has_access_ended() && e.access_ended().network_id() == net_.id())
      ended = &e.access_ended();
  }
  ASSERT_NE(ended, nullptr) << "amir got no AccessEnded before the grant's response reached him";
  EXPECT_TRUE(Contains(ended->thread_ids(), thread_)) << ended->DebugString();
  EXPECT_FALSE(Contains(ended->thread_ids(), work_)) << ended->DebugString();

  const uint64_t general_seq =
      Must(coach_->PostMessage(net_.id(), thread_, "g1", "general, out of scope"), "post").seq();
  const uint64_t work_seq =
      Must(coach_->PostMessage(net_.id(), work_, "w1", "werk, in scope"), "post").seq();
  std::vector<v1::Event> after;
  std::optional<v1::Event> werk = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    after.push_back(e);
    return e.has_message_posted() && e.message_posted().message().thread_id() == work_;
  });
  ASSERT_TRUE(werk.has_value()) << "the Werk subscription did not survive the narrowing";
  EXPECT_EQ(werk->message_posted().message().seq(), work_seq);
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) after.push_back(std::move(e));
  for (const v1::Event& e : after) {
    EXPECT_FALSE(e.has_message_posted() && e.message_posted().message().thread_id() == thread_)
        << "general seq " << general_seq << " delivered out of scope: " << e.DebugString();
  }
  EXPECT_TRUE(SubscribeDenied(SubscribeTo(buddy_, net_.id(), {thread_}), thread_));
}

class HistoryVisibilityTest : public CareNetworkTest {
 protected:
  HistoryVisibilityTest() : CareNetworkTest(/*buddy_joins=*/false) {}

  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    for (int i = 1; i <= 3; ++i) {
      Must(coach_->PostMessage(net_.id(), thread_, "old" + std::to_string(i), "before amir"),
           "post");
    }
  }

  void ApproveAmir(const v1::ConsentProvision& provision) {
    v1::Invitation inv =
        Must(client_->Invite(net_.id(), "amir", "language buddy"), "invite").invitation();
    Must(client_->ApproveInvitation(inv.id(), provision), "approve amir");
  }
};

TEST_F(HistoryVisibilityTest, NewcomerWithoutHistorySeesOnlyLaterMessages) {
  ApproveAmir(v1::ConsentProvision());  // the default: every thread, no history
  const uint64_t seq4 =
      Must(coach_->PostMessage(net_.id(), thread_, "new4", "after"), "post").seq();
  ASSERT_EQ(seq4, 4u);

  v1::FetchHistoryResult history = Must(buddy_->FetchHistory(net_.id(), thread_), "history");
  EXPECT_EQ(history.hidden_through_seq(), 3u);
  EXPECT_EQ(history.last_seq(), 4u);
  ASSERT_EQ(history.messages_size(), 1) << history.DebugString();
  EXPECT_EQ(history.messages(0).seq(), 4u);
  // Asking for the hidden range explicitly does not reveal it either.
  v1::FetchHistoryResult page = Must(buddy_->FetchHistory(net_.id(), thread_, 1, 2), "page");
  for (const v1::Message& m : page.messages()) EXPECT_GT(m.seq(), 3u) << m.DebugString();

  sdk::Result<v1::SubscribeResult> sub = SubscribeTo(buddy_, net_.id(), {thread_}, 0);
  ASSERT_TRUE(IsOk(sub));
  std::optional<v1::ThreadSubscription> ts = FindThread(*sub, thread_);
  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->hidden_through_seq(), 3u);
  const uint64_t seq5 = Must(coach_->PostMessage(net_.id(), thread_, "new5", "live"), "post").seq();
  std::vector<v1::Message> got = WaitForMessages(*buddy_, thread_, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq(), 4u);
  EXPECT_EQ(got[1].seq(), seq5);
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "extra: " << e.DebugString();
  }
  // The member's own record says what is hidden.
  const v1::ListMembersResult members = Must(buddy_->ListMembers(net_.id()), "members");
  for (const v1::Member& m : members.members()) {
    if (m.handle() != "amir") continue;
    ASSERT_EQ(m.consent().hidden_through_seq().count(thread_), 1u) << m.DebugString();
    EXPECT_EQ(m.consent().hidden_through_seq().at(thread_), 3u);
  }

  // A thread created after the grant is wholly visible.
  const uint64_t later = Must(coach_->CreateThread(net_.id(), "Later"), "thread").thread().id();
  Must(coach_->PostMessage(net_.id(), later, "l1", "first"), "post");
  v1::FetchHistoryResult later_history = Must(buddy_->FetchHistory(net_.id(), later), "later");
  EXPECT_EQ(later_history.hidden_through_seq(), 0u);
  EXPECT_EQ(later_history.messages_size(), 1);
}

TEST_F(HistoryVisibilityTest, NewcomerWithHistorySeesEverything) {
  sdk::Grant grant;
  grant.history = true;
  ApproveAmir(sdk::ToProvision(grant));
  v1::FetchHistoryResult history = Must(buddy_->FetchHistory(net_.id(), thread_), "history");
  EXPECT_EQ(history.hidden_through_seq(), 0u);
  ASSERT_EQ(history.messages_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(history.messages(i).seq(), static_cast<uint64_t>(i + 1));

  sdk::Result<v1::SubscribeResult> sub = SubscribeTo(buddy_, net_.id(), {thread_}, 0);
  ASSERT_TRUE(IsOk(sub));
  ASSERT_TRUE(FindThread(*sub, thread_).has_value());
  EXPECT_EQ(FindThread(*sub, thread_)->hidden_through_seq(), 0u);
  std::vector<v1::Message> got = WaitForMessages(*buddy_, thread_, 3);
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i].seq(), static_cast<uint64_t>(i + 1));
}

class TeamThreadsTest : public CareNetworkTest {};

TEST_F(TeamThreadsTest, OnlyWhileTheClientConsents) {
  EXPECT_TRUE(IsError(coach_->CreateThread(net_.id(), "Overleg", /*team_only=*/true),
                      v1::Error::PERMISSION_DENIED));
  v1::Consent team =
      Must(client_->GrantConsent(net_.id(), "", sdk::TeamThreadsProvision()), "allow team threads")
          .consent();
  EXPECT_EQ(team.grantee_id(), 0u);
  EXPECT_EQ(team.status(), v1::CONSENT_STATUS_ACTIVE);
  // The client never holds a thread without herself: no one in her role can.
  EXPECT_TRUE(IsError(client_->CreateThread(net_.id(), "Zonder mij", true),
                      v1::Error::FAILED_PRECONDITION));

  sdk::Result<v1::CreateThreadResult> created = coach_->CreateThread(net_.id(), "Overleg", true);
  ASSERT_TRUE(IsOk(created));
  const v1::Thread overleg = created->thread();
  EXPECT_TRUE(overleg.team_only());
  ASSERT_TRUE(IsOk(coach_->PostMessage(net_.id(), overleg.id(), "t1", "between us")));

  // Ruth sees that it exists and who takes part, but not what is written.
  v1::ListThreadsResult threads = Must(client_->ListThreads(net_.id()), "ruth lists");
  const v1::Thread* listed = nullptr;
  for (const v1::Thread& t : threads.threads()) {
    if (t.id() == overleg.id()) listed = &t;
  }
  ASSERT_NE(listed, nullptr) << threads.DebugString();
  EXPECT_TRUE(listed->team_only());
  EXPECT_TRUE(Contains(listed->participant_ids(), coach_.account.id())) << listed->DebugString();
  EXPECT_TRUE(Contains(listed->participant_ids(), buddy_.account.id())) << listed->DebugString();
  EXPECT_FALSE(Contains(listed->participant_ids(), client_.account.id())) << listed->DebugString();
  EXPECT_TRUE(
      IsError(client_->FetchHistory(net_.id(), overleg.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(client_->PostMessage(net_.id(), overleg.id(), "r1", "me too"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(SubscribeDenied(SubscribeTo(client_, net_.id(), {overleg.id()}), overleg.id()));
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), overleg.id())));
  // Her representative stands where she does.
  Person mentor = world_->AddRepresentative(client_, "mentor");
  const v1::ListThreadsResult rep_threads = Must(mentor->ListThreads(net_.id()), "mentor lists");
  bool rep_sees = false;
  for (const v1::Thread& t : rep_threads.threads()) {
    if (t.id() != overleg.id()) continue;
    rep_sees = t.team_only();
    EXPECT_FALSE(Contains(t.participant_ids(), mentor.account.id())) << t.DebugString();
  }
  EXPECT_TRUE(rep_sees) << rep_threads.DebugString();
  EXPECT_TRUE(IsError(mentor->FetchHistory(net_.id(), overleg.id()), v1::Error::PERMISSION_DENIED));

  // After the withdrawal nobody posts there or opens another; what was written stays readable.
  v1::Consent withdrawn = WithdrawConsent(client_, net_.id(), "");
  EXPECT_EQ(withdrawn.grantee_id(), 0u);
  EXPECT_EQ(withdrawn.status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_TRUE(IsError(coach_->PostMessage(net_.id(), overleg.id(), "t2", "still here?"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(coach_->CreateThread(net_.id(), "Overleg 2", true), v1::Error::PERMISSION_DENIED));
  v1::FetchHistoryResult kept = Must(coach_->FetchHistory(net_.id(), overleg.id()), "jo reads");
  EXPECT_EQ(kept.messages_size(), 1);
  EXPECT_TRUE(
      IsError(client_->FetchHistory(net_.id(), overleg.id()), v1::Error::PERMISSION_DENIED));
}

}  // namespace
}  // namespace kring::integration
