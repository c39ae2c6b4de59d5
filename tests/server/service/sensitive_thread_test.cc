// Sensitive threads over the service (docs/consent.md, "Sensitive threads"): a consent for all
// threads does not cover them; marking one cuts live delivery before the response; unmarking
// hides what was posted meanwhile from those without history.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "proto/kring/v1/audit_event_types.h"
#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

v1::ClientFrame SetSensitive(uint64_t n, uint64_t t, bool sensitive) {
  v1::ClientFrame f;
  f.mutable_set_thread_sensitive()->set_network_id(n);
  f.mutable_set_thread_sensitive()->set_thread_id(t);
  f.mutable_set_thread_sensitive()->set_sensitive(sensitive);
  return f;
}

v1::ClientFrame CreateSensitive(uint64_t n, const std::string& title) {
  v1::ClientFrame f = frames::CreateThread(n, title);
  f.mutable_create_thread()->set_sensitive(true);
  return f;
}

bool Lists(TestApp& app, uint64_t n, uint64_t thread) {
  const v1::Response r = app.Call(frames::ListThreads(n));
  for (const v1::Thread& t : r.list_threads().threads()) {
    if (t.id() == thread) return true;
  }
  return false;
}

// ruth (client), jo (job coach) and amir (language buddy), both with every thread; a "Gezondheid"
// thread that ruth opens.
class SensitiveThreadTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    health_ = NewThread(client_, "Gezondheid");
  }
  uint64_t health_ = 0;
};

TEST_F(SensitiveThreadTest, AnAllThreadsConsentDoesNotCoverASensitiveThread) {
  const uint64_t n = net_.id();
  const v1::Response created = client_->Call(CreateSensitive(n, "GGZ"));
  ASSERT_TRUE(IsOk(created));
  EXPECT_TRUE(created.create_thread().thread().sensitive());
  const uint64_t ggz = created.create_thread().thread().id();
  PostSeq(client_, ggz, "g1", "afspraak");
  EXPECT_TRUE(Lists(*client_, n, ggz));
  EXPECT_FALSE(Lists(*coach_, n, ggz));
  EXPECT_TRUE(IsError(coach_->Call(frames::FetchHistory(n, ggz)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(coach_->Call(frames::PostMessage(n, ggz, "c1", "hoi")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(SubscribeDenied(coach_->Call(frames::Subscribe(n, {ggz})), ggz));
  EXPECT_TRUE(IsError(coach_->Call(frames::ListReadMarkers(n, ggz)), v1::Error::PERMISSION_DENIED));
  // Non-sensitive threads keep their meaning.
  EXPECT_TRUE(Lists(*coach_, n, health_));

  // Named in the consent (all threads and this one): covered.
  Grant grant;
  grant.thread_ids = {ggz};
  v1::ConsentProvision p = ToProvision(grant);
  p.set_all_threads(true);
  ASSERT_TRUE(IsOk(client_->Call(frames::GrantConsent(n, "jo", p))));
  EXPECT_TRUE(Lists(*coach_, n, ggz));
  EXPECT_TRUE(Lists(*coach_, n, health_));
  EXPECT_TRUE(IsOk(coach_->Call(frames::PostMessage(n, ggz, "c2", "hoi"))));
  EXPECT_FALSE(Lists(*buddy_, n, ggz));
}

TEST_F(SensitiveThreadTest, AMemberMayCreateASensitiveThreadAndThenDoesNotReadIt) {
  const uint64_t n = net_.id();
  const v1::Response created = coach_->Call(CreateSensitive(n, "Schulden"));
  ASSERT_TRUE(IsOk(created));
  const uint64_t debts = created.create_thread().thread().id();
  EXPECT_FALSE(Lists(*coach_, n, debts));
  EXPECT_TRUE(Lists(*client_, n, debts));
  // Nobody but the client hears of it.
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(e.has_thread_created() && e.thread_created().thread().id() == debts);
  }
}

TEST_F(SensitiveThreadTest, OnlyTheClientOrARepresentativeMarksAThread) {
  const uint64_t n = net_.id();
  EXPECT_TRUE(IsError(coach_->Call(SetSensitive(n, health_, true)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(client_->Call(SetSensitive(n, 999'999, true)), v1::Error::NOT_FOUND));
  Actor mentor = AddRepresentative(client_, "mentor");
  const v1::Response r = mentor->Call(SetSensitive(n, health_, true));
  ASSERT_TRUE(IsOk(r));
  EXPECT_TRUE(r.set_thread_sensitive().thread().sensitive());
  // Again: the same answer, nothing changes.
  const v1::Response again = client_->Call(SetSensitive(n, health_, true));
  ASSERT_TRUE(IsOk(again));
  EXPECT_TRUE(again.set_thread_sensitive().thread().sensitive());
  EXPECT_TRUE(IsOk(client_->Call(SetSensitive(n, health_, false))));
}

// The cut is inside the write: by the time ruth has her answer, jo's subscription is gone and
// jo's app has AccessEnded for the thread; amir, who is named, keeps it and is told.
TEST_F(SensitiveThreadTest, MarkingCutsLiveDeliveryBeforeTheResponse) {
  const uint64_t n = net_.id();
  Grant named;
  named.thread_ids = {health_};
  v1::ConsentProvision p = ToProvision(named);
  p.set_all_threads(true);
  Must(client_->Call(frames::GrantConsent(n, "amir", p)), "name the thread for amir");
  ASSERT_TRUE(IsOk(coach_->Call(frames::Subscribe(n, {health_, thread_}))));
  ASSERT_TRUE(IsOk(buddy_->Call(frames::Subscribe(n, {health_}))));
  coach_->sink().TakeEvents();
  buddy_->sink().TakeEvents();

  ASSERT_TRUE(IsOk(client_->Call(SetSensitive(n, health_, true))));
  // Posted right after the answer: jo must not get it; amir must.
  const uint64_t seq = PostSeq(client_, health_, "h1", "uitslag bloedonderzoek");
  PostSeq(client_, thread_, "g1", "in general");

  std::vector<v1::Event> jo = EventsUntilRoundTrip(*coach_);
  // jo keeps the General thread: its message comes (perhaps after the round trip, while his
  // subscription catches up), and the events until then are checked too.
  auto general = [&](const v1::Event& e) {
    return e.has_message_posted() && e.message_posted().message().thread_id() == thread_;
  };
  if (std::none_of(jo.begin(), jo.end(), general)) {
    EXPECT_TRUE(WaitForEvent(*coach_, general, &jo).has_value()) << "jo lost General too";
  }
  bool ended = false;
  for (const v1::Event& e : jo) {
    if (e.has_access_ended()) {
      ended = true;
      EXPECT_EQ(e.access_ended().thread_ids_size(), 1) << e.DebugString();
      EXPECT_TRUE(EndsThread(e.access_ended(), n, health_));
    }
    EXPECT_FALSE(e.has_message_posted() && e.message_posted().message().thread_id() == health_)
        << "jo received a message of a thread marked sensitive: " << e.DebugString();
  }
  EXPECT_TRUE(ended) << "jo got no AccessEnded";

  std::optional<v1::Event> changed =
      WaitForEvent(*buddy_, [](const v1::Event& e) { return e.has_thread_changed(); });
  ASSERT_TRUE(changed.has_value()) << "amir was not told";
  EXPECT_TRUE(changed->thread_changed().thread().sensitive());
  std::optional<v1::Event> delivered = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    return e.has_message_posted() && e.message_posted().message().seq() == seq;
  });
  EXPECT_TRUE(delivered.has_value()) << "amir, who is named, lost the thread";
}

// After the marking, jo's reads of the thread are refused, his list of threads no longer has it,
// and his read marker is no longer shown.
TEST_F(SensitiveThreadTest, ReadsAfterTheMarkingSeeIt) {
  const uint64_t n = net_.id();
  PostSeq(client_, health_, "h1", "eerste");
  ASSERT_TRUE(Lists(*coach_, n, health_));
  Must(coach_->Call(frames::MarkRead(n, health_, 1)), "jo marks read");
  const v1::Response before = client_->Call(frames::ListReadMarkers(n, health_));
  ASSERT_EQ(before.list_read_markers().markers_size(), 1);
  ASSERT_TRUE(IsOk(client_->Call(SetSensitive(n, health_, true))));
  EXPECT_FALSE(Lists(*coach_, n, health_));
  EXPECT_TRUE(
      IsError(coach_->Call(frames::FetchHistory(n, health_)), v1::Error::PERMISSION_DENIED));
  // ruth's marker and jo's: jo no longer sees who read it, and is not listed among its readers.
  Must(client_->Call(frames::MarkRead(n, health_, 1)), "ruth marks read");
  const v1::Response markers = client_->Call(frames::ListReadMarkers(n, health_));
  ASSERT_TRUE(IsOk(markers));
  for (const v1::ReadMarker& m : markers.list_read_markers().markers()) {
    EXPECT_NE(m.account_id(), coach_.account.id());
  }
}

// Reads of jo queued behind the marking (built on his connection against the old state, decided
// on the writer after it): his thread list does not show the thread and his Subscribe is refused.
TEST_F(SensitiveThreadTest, ReadsQueuedBehindTheMarkingAreDecidedAfterIt) {
  const uint64_t n = net_.id();
  PostSeq(client_, health_, "h1", "eerste");
  faulty_.HoldWrites();
  // The writer applies the marking and waits to store it; the store still says jo may read.
  const uint64_t mark = client_->Send(SetSensitive(n, health_, true));
  ASSERT_TRUE(faulty_.WaitWriteHeld());
  const uint64_t list = coach_->Send(frames::ListThreads(n));
  const uint64_t sub = coach_->Send(frames::Subscribe(n, {health_}));
  const uint64_t history = coach_->Send(frames::FetchHistory(n, health_));
  faulty_.ReleaseWrites();

  ASSERT_TRUE(IsOk(client_->sink().WaitResponse(mark)));
  const v1::Response listed = coach_->sink().WaitResponse(list);
  ASSERT_TRUE(IsOk(listed));
  for (const v1::Thread& t : listed.list_threads().threads()) {
    EXPECT_NE(t.id(), health_) << "listed after the marking";
  }
  EXPECT_TRUE(SubscribeDenied(coach_->sink().WaitResponse(sub), health_));
  EXPECT_TRUE(IsError(coach_->sink().WaitResponse(history), v1::Error::PERMISSION_DENIED));
}

// Unmarked: the thread is back in jo's all-threads consent (he gets ThreadChanged), but what was
// posted while it was sensitive stays hidden from him: he has no history_visible.
TEST_F(SensitiveThreadTest, UnmarkingHidesWhatWasPostedWhileSensitive) {
  const uint64_t n = net_.id();
  PostSeq(client_, health_, "h1", "before");
  ASSERT_TRUE(IsOk(client_->Call(SetSensitive(n, health_, true))));
  PostSeq(client_, health_, "h2", "while sensitive");
  const uint64_t last_hidden = PostSeq(client_, health_, "h3", "while sensitive too");
  coach_->sink().TakeEvents();
  const v1::Response r = client_->Call(SetSensitive(n, health_, false));
  ASSERT_TRUE(IsOk(r));
  EXPECT_FALSE(r.set_thread_sensitive().thread().sensitive());
  EXPECT_EQ(r.set_thread_sensitive().thread().unmarked_at_seq(), last_hidden);
  std::optional<v1::Event> changed =
      WaitForEvent(*coach_, [](const v1::Event& e) { return e.has_thread_changed(); });
  ASSERT_TRUE(changed.has_value());
  EXPECT_FALSE(changed->thread_changed().thread().sensitive());

  const uint64_t after = PostSeq(client_, health_, "h4", "after");
  const v1::Response history = coach_->Call(frames::FetchHistory(n, health_));
  ASSERT_TRUE(IsOk(history));
  EXPECT_EQ(history.fetch_history().hidden_through_seq(), last_hidden);
  ASSERT_EQ(history.fetch_history().messages_size(), 1);
  EXPECT_EQ(history.fetch_history().messages(0).seq(), after);
  // The client sees it all.
  EXPECT_EQ(client_->Call(frames::FetchHistory(n, health_)).fetch_history().messages_size(), 4);
}

TEST_F(SensitiveThreadTest, MarkingIsOnTheAccessLog) {
  const uint64_t n = net_.id();
  const uint64_t before = Head();
  ASSERT_TRUE(IsOk(client_->Call(SetSensitive(n, health_, true))));
  ASSERT_TRUE(IsOk(client_->Call(SetSensitive(n, health_, false))));
  EXPECT_TRUE(IsError(coach_->Call(SetSensitive(n, health_, true)), v1::Error::PERMISSION_DENIED));
  std::vector<v1::AuditEvent> records = Since(before);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].event_type(), v1::event_type::kThreadMarkedSensitive);
  EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(records[0].thread_id(), health_);
  EXPECT_EQ(records[1].event_type(), v1::event_type::kThreadUnmarkedSensitive);
  EXPECT_EQ(records[2].event_type(), v1::event_type::kThreadMarkedSensitive);
  EXPECT_EQ(records[2].outcome(), v1::AUDIT_OUTCOME_DENIED);
}

}  // namespace
}  // namespace kring::service::testing
