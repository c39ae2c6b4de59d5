// What a consent lets a member see: the threads in its scope, the history from before they came
// into scope, and threads of the team without the client (docs/consent.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

bool Contains(const google::protobuf::RepeatedField<uint64_t>& ids, uint64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

class ConsentScopeTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    work_ = NewThread(client_, "Werk");
  }

  uint64_t work_ = 0;  // the "Werk" thread
};

TEST_F(ConsentScopeTest, ScopedMemberReceivesOnlyTheirThread) {
  const uint64_t n = net_.id();
  Grant grant;
  grant.thread_ids = {work_};
  const v1::Consent consent = GrantConsent(client_, "amir", grant);
  EXPECT_FALSE(consent.provision().all_threads());
  ASSERT_EQ(consent.provision().thread_ids_size(), 1);
  EXPECT_EQ(consent.provision().thread_ids(0), work_);

  ASSERT_TRUE(IsOk(client_->Call(frames::Subscribe(n, {thread_}))));  // ruth sees new threads
  const v1::Response sub = buddy_->Call(frames::Subscribe(n, {thread_, work_}));
  ASSERT_TRUE(IsOk(sub));
  EXPECT_TRUE(SubscribeDenied(sub, thread_));
  std::optional<v1::ThreadSubscription> work_sub = FindThread(sub.subscribe(), work_);
  ASSERT_TRUE(work_sub.has_value());
  EXPECT_EQ(work_sub->error().code(), v1::Error::CODE_UNSPECIFIED) << work_sub->DebugString();

  EXPECT_TRUE(IsError(buddy_->Call(frames::PostMessage(n, thread_, "a1", "in general")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(buddy_->Call(frames::FetchHistory(n, thread_)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsOk(buddy_->Call(frames::PostMessage(n, work_, "a2", "in Werk"))));

  std::vector<uint64_t> work_seqs;
  for (int i = 0; i < 3; ++i) {
    PostSeq(coach_, thread_, "g" + std::to_string(i), "general");
    work_seqs.push_back(PostSeq(coach_, work_, "w" + std::to_string(i), "werk"));
  }
  // Amir's own post and jo's three, in order; then a thread outside the scope is created, and a
  // last Werk message follows it on amir's app (events keep their order).
  Must(coach_->Call(frames::MarkRead(n, thread_, 1)), "jo marks general read");
  std::vector<v1::Event> events;
  const uint64_t medical = NewThread(coach_, "Medisch");
  const uint64_t last = PostSeq(coach_, work_, "w-last", "werk");
  std::optional<v1::Event> last_seen = WaitForEvent(
      *buddy_,
      [&](const v1::Event& e) {
        return e.has_message_posted() && e.message_posted().message().thread_id() == work_ &&
               e.message_posted().message().seq() == last;
      },
      &events);
  ASSERT_TRUE(last_seen.has_value()) << "amir did not receive the last Werk message";
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  std::vector<uint64_t> got;
  for (const v1::Event& e : events) {
    EXPECT_FALSE(e.has_thread_created() && e.thread_created().thread().id() == medical)
        << "ThreadCreated outside the scope: " << e.DebugString();
    EXPECT_FALSE(e.has_read_marker_updated() &&
                 e.read_marker_updated().marker().thread_id() == thread_)
        << "read marker outside the scope: " << e.DebugString();
    if (!IsMessageIn(e, n)) continue;
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
  EXPECT_TRUE(IsOk(buddy_->Call(frames::FetchHistory(n, work_))));
  EXPECT_TRUE(
      IsError(buddy_->Call(frames::FetchHistory(n, medical)), v1::Error::PERMISSION_DENIED));

  const v1::Response threads = Must(buddy_->Call(frames::ListThreads(n)), "amir lists threads");
  ASSERT_EQ(threads.list_threads().threads_size(), 1) << threads.DebugString();
  EXPECT_EQ(threads.list_threads().threads(0).id(), work_);
  EXPECT_EQ(Must(coach_->Call(frames::ListThreads(n)), "jo lists").list_threads().threads_size(),
            3);
}

TEST_F(ConsentScopeTest, NarrowingTheScopeEndsTheThreadsThatFellOut) {
  const uint64_t n = net_.id();
  ASSERT_TRUE(IsOk(buddy_->Call(frames::Subscribe(n, {thread_, work_}))));
  PostSeq(coach_, thread_, "g0", "general, in scope");
  ASSERT_EQ(buddy_->WaitMessages(thread_, 1).size(), 1u);
  buddy_->sink().TakeEvents();

  Grant grant;
  grant.thread_ids = {work_};
  GrantConsent(client_, "amir", grant);
  // Inside the write, before the response: the general thread has ended for amir.
  const std::vector<v1::Event> events = buddy_->sink().TakeEvents();
  const v1::AccessEnded* ended = nullptr;
  for (const v1::Event& e : events) {
    if (e.has_access_ended() && e.access_ended().network_id() == n) ended = &e.access_ended();
  }
  ASSERT_NE(ended, nullptr) << "amir got no AccessEnded before the grant's response";
  EXPECT_TRUE(Contains(ended->thread_ids(), thread_)) << ended->DebugString();
  EXPECT_FALSE(Contains(ended->thread_ids(), work_)) << ended->DebugString();

  const uint64_t general_seq = PostSeq(coach_, thread_, "g1", "general, out of scope");
  const uint64_t work_seq = PostSeq(coach_, work_, "w1", "werk, in scope");
  std::vector<v1::Event> after;
  std::optional<v1::Event> werk = WaitForEvent(
      *buddy_,
      [&](const v1::Event& e) {
        return e.has_message_posted() && e.message_posted().message().thread_id() == work_;
      },
      &after);
  ASSERT_TRUE(werk.has_value()) << "the Werk subscription did not survive the narrowing";
  EXPECT_EQ(werk->message_posted().message().seq(), work_seq);
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) after.push_back(std::move(e));
  for (const v1::Event& e : after) {
    EXPECT_FALSE(e.has_message_posted() && e.message_posted().message().thread_id() == thread_)
        << "general seq " << general_seq << " delivered out of scope: " << e.DebugString();
  }
  EXPECT_TRUE(SubscribeDenied(buddy_->Call(frames::Subscribe(n, {thread_})), thread_));
}

class HistoryVisibilityTest : public CareNetworkTest {
 protected:
  HistoryVisibilityTest() : CareNetworkTest(/*buddy_joins=*/false) {}

  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    for (int i = 1; i <= 3; ++i) PostSeq(coach_, thread_, "old" + std::to_string(i), "before");
  }

  void ApproveAmir(const v1::ConsentProvision& provision) {
    const uint64_t inv =
        Must(client_->Call(frames::Invite(net_.id(), "amir", "language buddy")), "invite")
            .invite()
            .invitation()
            .id();
    Must(client_->Call(frames::ApproveInvitation(inv, &provision)), "approve amir");
  }
};

TEST_F(HistoryVisibilityTest, NewcomerWithoutHistorySeesOnlyLaterMessages) {
  const uint64_t n = net_.id();
  ApproveAmir(v1::ConsentProvision());  // the default: every thread, no history
  const uint64_t seq4 = PostSeq(coach_, thread_, "new4", "after");
  ASSERT_EQ(seq4, 4u);

  const v1::FetchHistoryResult history =
      Must(buddy_->Call(frames::FetchHistory(n, thread_)), "history").fetch_history();
  EXPECT_EQ(history.hidden_through_seq(), 3u);
  EXPECT_EQ(history.last_seq(), 4u);
  ASSERT_EQ(history.messages_size(), 1) << history.DebugString();
  EXPECT_EQ(history.messages(0).seq(), 4u);
  // Asking for the hidden range explicitly does not reveal it either.
  const v1::FetchHistoryResult page =
      Must(buddy_->Call(frames::FetchHistory(n, thread_, 1, 2)), "page").fetch_history();
  for (const v1::Message& m : page.messages()) EXPECT_GT(m.seq(), 3u) << m.DebugString();

  const v1::Response sub = buddy_->Call(frames::Subscribe(n, {thread_}, 0));
  ASSERT_TRUE(IsOk(sub));
  std::optional<v1::ThreadSubscription> ts = FindThread(sub.subscribe(), thread_);
  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(ts->hidden_through_seq(), 3u);
  const uint64_t seq5 = PostSeq(coach_, thread_, "new5", "live");
  std::vector<v1::Message> got = buddy_->WaitMessages(thread_, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq(), 4u);
  EXPECT_EQ(got[1].seq(), seq5);
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(IsMessageIn(e, n)) << "extra: " << e.DebugString();
  }
  // The member's own record says what is hidden.
  const v1::Response members = Must(buddy_->Call(frames::ListMembers(n)), "members");
  for (const v1::Member& m : members.list_members().members()) {
    if (m.handle() != "amir") continue;
    ASSERT_EQ(m.consent().hidden_through_seq().count(thread_), 1u) << m.DebugString();
    EXPECT_EQ(m.consent().hidden_through_seq().at(thread_), 3u);
  }

  // A thread created after the grant is wholly visible.
  const uint64_t later = NewThread(coach_, "Later");
  PostSeq(coach_, later, "l1", "first");
  const v1::FetchHistoryResult later_history =
      Must(buddy_->Call(frames::FetchHistory(n, later)), "later").fetch_history();
  EXPECT_EQ(later_history.hidden_through_seq(), 0u);
  EXPECT_EQ(later_history.messages_size(), 1);
}

TEST_F(HistoryVisibilityTest, NewcomerWithHistorySeesEverything) {
  const uint64_t n = net_.id();
  Grant grant;
  grant.history = true;
  ApproveAmir(ToProvision(grant));
  const v1::FetchHistoryResult history =
      Must(buddy_->Call(frames::FetchHistory(n, thread_)), "history").fetch_history();
  EXPECT_EQ(history.hidden_through_seq(), 0u);
  ASSERT_EQ(history.messages_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(history.messages(i).seq(), static_cast<uint64_t>(i + 1));

  const v1::Response sub = buddy_->Call(frames::Subscribe(n, {thread_}, 0));
  ASSERT_TRUE(IsOk(sub));
  ASSERT_TRUE(FindThread(sub.subscribe(), thread_).has_value());
  EXPECT_EQ(FindThread(sub.subscribe(), thread_)->hidden_through_seq(), 0u);
  std::vector<v1::Message> got = buddy_->WaitMessages(thread_, 3);
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i].seq(), static_cast<uint64_t>(i + 1));
}

class TeamOnlyThreadsTest : public CareNetworkTest {};

TEST_F(TeamOnlyThreadsTest, OnlyWhileTheClientConsents) {
  const uint64_t n = net_.id();
  EXPECT_TRUE(IsError(coach_->Call(frames::CreateThread(n, "Overleg", /*team_only=*/true)),
                      v1::Error::PERMISSION_DENIED));
  const v1::Consent team =
      Must(client_->Call(frames::GrantConsent(n, "", TeamThreadsProvision())), "team threads")
          .grant_consent()
          .consent();
  EXPECT_EQ(team.grantee_id(), 0u);
  EXPECT_EQ(team.status(), v1::CONSENT_STATUS_ACTIVE);
  // The client never holds a thread without herself: no one in her role can.
  EXPECT_TRUE(IsError(client_->Call(frames::CreateThread(n, "Zonder mij", true)),
                      v1::Error::FAILED_PRECONDITION));

  const v1::Response created = coach_->Call(frames::CreateThread(n, "Overleg", true));
  ASSERT_TRUE(IsOk(created));
  const v1::Thread overleg = created.create_thread().thread();
  EXPECT_TRUE(overleg.team_only());
  ASSERT_TRUE(IsOk(coach_->Call(frames::PostMessage(n, overleg.id(), "t1", "between us"))));

  // Ruth sees that it exists and who takes part, but not what is written.
  const v1::Response threads = Must(client_->Call(frames::ListThreads(n)), "ruth lists");
  const v1::Thread* listed = nullptr;
  for (const v1::Thread& t : threads.list_threads().threads()) {
    if (t.id() == overleg.id()) listed = &t;
  }
  ASSERT_NE(listed, nullptr) << threads.DebugString();
  EXPECT_TRUE(listed->team_only());
  EXPECT_TRUE(Contains(listed->participant_ids(), coach_.account.id())) << listed->DebugString();
  EXPECT_TRUE(Contains(listed->participant_ids(), buddy_.account.id())) << listed->DebugString();
  EXPECT_FALSE(Contains(listed->participant_ids(), client_.account.id())) << listed->DebugString();
  EXPECT_TRUE(
      IsError(client_->Call(frames::FetchHistory(n, overleg.id())), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(client_->Call(frames::PostMessage(n, overleg.id(), "r1", "me too")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(SubscribeDenied(client_->Call(frames::Subscribe(n, {overleg.id()})), overleg.id()));
  EXPECT_TRUE(IsOk(buddy_->Call(frames::FetchHistory(n, overleg.id()))));
  // Her representative stands where she does.
  Actor mentor = AddRepresentative(client_, "mentor");
  const v1::Response rep_threads = Must(mentor->Call(frames::ListThreads(n)), "mentor lists");
  bool rep_sees = false;
  for (const v1::Thread& t : rep_threads.list_threads().threads()) {
    if (t.id() != overleg.id()) continue;
    rep_sees = t.team_only();
    EXPECT_FALSE(Contains(t.participant_ids(), mentor.account.id())) << t.DebugString();
  }
  EXPECT_TRUE(rep_sees) << rep_threads.DebugString();
  EXPECT_TRUE(
      IsError(mentor->Call(frames::FetchHistory(n, overleg.id())), v1::Error::PERMISSION_DENIED));

  // After the withdrawal nobody posts there or opens another; what was written stays readable.
  const v1::Consent withdrawn = WithdrawConsent(client_, "");
  EXPECT_EQ(withdrawn.grantee_id(), 0u);
  EXPECT_EQ(withdrawn.status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_TRUE(IsError(coach_->Call(frames::PostMessage(n, overleg.id(), "t2", "still here?")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(coach_->Call(frames::CreateThread(n, "Overleg 2", true)),
                      v1::Error::PERMISSION_DENIED));
  const v1::FetchHistoryResult kept =
      Must(coach_->Call(frames::FetchHistory(n, overleg.id())), "jo reads").fetch_history();
  EXPECT_EQ(kept.messages_size(), 1);
  EXPECT_TRUE(
      IsError(client_->Call(frames::FetchHistory(n, overleg.id())), v1::Error::PERMISSION_DENIED));
}

}  // namespace
}  // namespace kring::service::testing
