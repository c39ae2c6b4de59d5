// Corrections and retractions of messages (server/service/correction_actions.cc; issue 15,
// item 3): versions, live events to those who may read the message, changes found later, and
// every refusal typed with nothing written.
#include "server/service/correction_actions.h"

#include <gtest/gtest.h>

#include <thread>

#include "proto/kring/v1/audit_event_types.h"
#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

class CorrectionActionsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    client_ = Person("amina", v1::ACCOUNT_KIND_CLIENT);
    coach_ = Person("coach", v1::ACCOUNT_KIND_MEMBER, "job coach");
    buddy_ = Person("buddy", v1::ACCOUNT_KIND_MEMBER, "language buddy");
    network_ = OpenNetwork(*client_, "amina");
    AddMember(*client_, *client_, network_.id(), "coach");
    AddMember(*client_, *client_, network_.id(), "buddy");
    thread_ = network_.general_thread_id();
  }

  static v1::ClientFrame CorrectFrame(uint64_t network_id, uint64_t thread_id, uint64_t seq,
                                      const std::string& text, const std::string& id) {
    v1::ClientFrame f;
    auto* r = f.mutable_correct_message();
    r->set_network_id(network_id);
    r->set_thread_id(thread_id);
    r->set_seq(seq);
    r->set_text(text);
    r->set_client_msg_id(id);
    return f;
  }
  v1::Response Correct(TestApp& app, uint64_t seq, const std::string& text,
                       const std::string& id = "") {
    return app.Call(CorrectFrame(network_.id(), thread_, seq, text,
                                 id.empty() ? "c-" + std::to_string(++change_counter_) : id));
  }
  v1::Response Retract(TestApp& app, uint64_t seq, const std::string& id = "") {
    v1::ClientFrame f;
    auto* r = f.mutable_retract_message();
    r->set_network_id(network_.id());
    r->set_thread_id(thread_);
    r->set_seq(seq);
    r->set_client_msg_id(id.empty() ? "r-" + std::to_string(++change_counter_) : id);
    return app.Call(f);
  }
  v1::Response Versions(TestApp& app, uint64_t seq) {
    v1::ClientFrame f;
    f.mutable_list_message_versions()->set_network_id(network_.id());
    f.mutable_list_message_versions()->set_thread_id(thread_);
    f.mutable_list_message_versions()->set_seq(seq);
    return app.Call(f);
  }
  v1::Response Changes(TestApp& app, uint64_t after_change, uint32_t limit = 0) {
    v1::ClientFrame f;
    f.mutable_fetch_message_changes()->set_network_id(network_.id());
    f.mutable_fetch_message_changes()->set_thread_id(thread_);
    f.mutable_fetch_message_changes()->set_after_change(after_change);
    f.mutable_fetch_message_changes()->set_limit(limit);
    return app.Call(f);
  }
  std::optional<v1::Event> WaitChanged(TestApp& app) {
    return app.sink().WaitEvent([](const v1::Event& e) { return e.has_message_changed(); });
  }
  // Events of `app` that tell of a change, without waiting: the hub sends before the author's
  // answer, so after it nothing more is on its way.
  int ChangedEventsOf(TestApp& app) {
    int n = 0;
    for (const v1::Event& e : app.sink().TakeEvents()) n += e.has_message_changed() ? 1 : 0;
    return n;
  }
  // The thread as history shows it, and how many changes it has.
  std::string Snapshot(TestApp& app) {
    v1::FetchHistoryResult h = History(app, network_.id(), thread_).fetch_history();
    return h.SerializeAsString();
  }

  std::unique_ptr<TestApp> client_, coach_, buddy_;
  v1::Network network_;
  uint64_t thread_ = 0;
  int change_counter_ = 0;
};

TEST_F(CorrectionActionsTest, ACorrectionIsSeenLiveAndInHistoryAndKeepsTheEarlierVersion) {
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), thread_, 0).has_error());
  ASSERT_EQ(Post(*coach_, network_.id(), thread_, "Afspraak om 10 uur").post_message().seq(), 1u);
  clock_.Advance(180'000);
  v1::Response r = Correct(*coach_, 1, "Afspraak om 11 uur");
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  const v1::Message& now = r.correct_message().message();
  EXPECT_EQ(now.version(), 2u);
  EXPECT_EQ(now.text(), "Afspraak om 11 uur");
  EXPECT_EQ(now.corrected_at_ms(), clock_.NowMs());
  EXPECT_EQ(now.change(), 1u);
  EXPECT_EQ(now.seq(), 1u);
  for (TestApp* app : {coach_.get(), buddy_.get()}) {
    auto e = WaitChanged(*app);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->message_changed().message().SerializeAsString(), now.SerializeAsString());
  }
  // In history: the current version, and the change cursor.
  v1::FetchHistoryResult h = History(*buddy_, network_.id(), thread_).fetch_history();
  ASSERT_EQ(h.messages_size(), 1);
  EXPECT_EQ(h.messages(0).text(), "Afspraak om 11 uur");
  EXPECT_EQ(h.messages(0).version(), 2u);
  EXPECT_EQ(h.last_seq(), 1u);  // no new seq
  EXPECT_EQ(h.last_change(), 1u);
  // Every version, oldest first, to whoever may read the thread.
  v1::Response v = Versions(*buddy_, 1);
  ASSERT_FALSE(v.has_error()) << v.error().detail();
  ASSERT_EQ(v.list_message_versions().versions_size(), 2);
  EXPECT_EQ(v.list_message_versions().versions(0).text(), "Afspraak om 10 uur");
  EXPECT_EQ(v.list_message_versions().versions(0).version(), 1u);
  EXPECT_EQ(v.list_message_versions().versions(1).text(), "Afspraak om 11 uur");
  // Found later by a change cursor.
  v1::FetchMessageChangesResult c = Changes(*client_, 0).fetch_message_changes();
  ASSERT_EQ(c.messages_size(), 1);
  EXPECT_EQ(c.messages(0).version(), 2u);
  EXPECT_EQ(c.through_change(), 1u);
  EXPECT_EQ(c.last_change(), 1u);
  EXPECT_EQ(Changes(*client_, 1).fetch_message_changes().messages_size(), 0);
}

TEST_F(CorrectionActionsTest, ARetractionHidesTheTextAndItsVersionsFromEveryoneTheAuthorToo) {
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), thread_, 0).has_error());
  Post(*coach_, network_.id(), thread_, "Verkeerd adres");
  ASSERT_FALSE(Correct(*coach_, 1, "Nog steeds verkeerd").has_error());
  v1::Response r = Retract(*coach_, 1, "retract-1");
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  const v1::Message& now = r.retract_message().message();
  EXPECT_TRUE(now.retracted());
  EXPECT_EQ(now.text(), "");
  EXPECT_EQ(now.version(), 3u);
  EXPECT_EQ(now.change(), 2u);
  EXPECT_EQ(now.retracted_at_ms(), clock_.NowMs());
  ASSERT_TRUE(WaitChanged(*buddy_).has_value());  // the correction
  auto e = WaitChanged(*buddy_);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->message_changed().message().retracted());
  EXPECT_EQ(e->message_changed().message().text(), "");
  v1::FetchHistoryResult h = History(*buddy_, network_.id(), thread_).fetch_history();
  ASSERT_EQ(h.messages_size(), 1);
  EXPECT_TRUE(h.messages(0).retracted());
  EXPECT_EQ(h.messages(0).text(), "");
  for (TestApp* app : {coach_.get(), buddy_.get(), client_.get()}) {
    EXPECT_EQ(CodeOf(Versions(*app, 1)), v1::Error::FAILED_PRECONDITION);
  }
  // A resend of the retraction answers as it did; another one, or a correction, is refused.
  v1::Response again = Retract(*coach_, 1, "retract-1");
  ASSERT_FALSE(again.has_error()) << again.error().detail();
  EXPECT_TRUE(again.retract_message().duplicate());
  EXPECT_EQ(again.retract_message().message().version(), 3u);
  EXPECT_EQ(CodeOf(Retract(*coach_, 1)), v1::Error::FAILED_PRECONDITION);
  EXPECT_EQ(CodeOf(Correct(*coach_, 1, "terug")), v1::Error::FAILED_PRECONDITION);
  EXPECT_EQ(Changes(*client_, 0).fetch_message_changes().last_change(), 2u);
}

TEST_F(CorrectionActionsTest, EachRefusalIsTypedAndWritesNothing) {
  Post(*coach_, network_.id(), thread_, "Afspraak om 10 uur");
  const std::string before = Snapshot(*client_);
  const std::string big(options_.max_message_bytes + 1, 'x');
  struct Case {
    const char* what;
    v1::ClientFrame frame;
    TestApp* by;
    v1::Error::Code code;
  };
  std::vector<Case> cases = {
      {"someone else corrects", CorrectFrame(network_.id(), thread_, 1, "x", "a"), buddy_.get(),
       v1::Error::PERMISSION_DENIED},
      {"the client corrects", CorrectFrame(network_.id(), thread_, 1, "x", "b"), client_.get(),
       v1::Error::PERMISSION_DENIED},
      {"seq 0", CorrectFrame(network_.id(), thread_, 0, "x", "c"), coach_.get(),
       v1::Error::NOT_FOUND},
      {"seq past the head", CorrectFrame(network_.id(), thread_, 2, "x", "d"), coach_.get(),
       v1::Error::NOT_FOUND},
      {"unknown thread", CorrectFrame(network_.id(), 999'999, 1, "x", "e"), coach_.get(),
       v1::Error::NOT_FOUND},
      {"invalid UTF-8", CorrectFrame(network_.id(), thread_, 1, "\xC3\x28", "f"), coach_.get(),
       v1::Error::INVALID_ARGUMENT},
      {"oversized", CorrectFrame(network_.id(), thread_, 1, big, "g"), coach_.get(),
       v1::Error::INVALID_ARGUMENT},
      {"empty text", CorrectFrame(network_.id(), thread_, 1, "", "h"), coach_.get(),
       v1::Error::INVALID_ARGUMENT},
      {"no client_msg_id", CorrectFrame(network_.id(), thread_, 1, "x", ""), coach_.get(),
       v1::Error::INVALID_ARGUMENT},
      {"id of a post", CorrectFrame(network_.id(), thread_, 1, "x", "m-1"), coach_.get(),
       v1::Error::ALREADY_EXISTS},
  };
  v1::ClientFrame retract_other;
  retract_other.mutable_retract_message()->set_network_id(network_.id());
  retract_other.mutable_retract_message()->set_thread_id(thread_);
  retract_other.mutable_retract_message()->set_seq(1);
  retract_other.mutable_retract_message()->set_client_msg_id("i");
  cases.push_back(
      {"someone else retracts", retract_other, buddy_.get(), v1::Error::PERMISSION_DENIED});
  for (Case& c : cases) {
    SCOPED_TRACE(c.what);
    const uint64_t head = Head();
    v1::Response r = c.by->Call(c.frame);
    EXPECT_EQ(CodeOf(r), c.code) << r.ShortDebugString();
    std::vector<v1::AuditEvent> records = Since(head);
    // Text that is not UTF-8 does not decode as a ClientFrame: refused before any request is
    // known, like every such frame (docs/protocol.md); every other refusal is recorded once.
    const bool decodes = std::string_view(c.what) != "invalid UTF-8";
    ASSERT_EQ(records.size(), decodes ? 1u : 0u);
    if (decodes) {
      EXPECT_NE(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
    }
    EXPECT_EQ(Snapshot(*client_), before);
  }
  EXPECT_EQ(Changes(*client_, 0).fetch_message_changes().last_change(), 0u);
  EXPECT_EQ(CodeOf(Changes(*client_, 1)), v1::Error::INVALID_ARGUMENT);  // past the end
  EXPECT_EQ(CodeOf(Versions(*client_, 2)), v1::Error::NOT_FOUND);
  // The ids refused above were not used up: one works now for a real correction.
  v1::Response ok = coach_->Call(CorrectFrame(network_.id(), thread_, 1, "x", "a"));
  EXPECT_FALSE(ok.has_error()) << ok.error().detail();
}

TEST_F(CorrectionActionsTest, AResendIsStoredOnceAndAReusedIdIsRefused) {
  Post(*coach_, network_.id(), thread_, "hallo");
  v1::Response first = Correct(*coach_, 1, "hallo allemaal", "fix-1");
  v1::Response again = Correct(*coach_, 1, "hallo allemaal", "fix-1");
  ASSERT_FALSE(again.has_error()) << again.error().detail();
  EXPECT_FALSE(first.correct_message().duplicate());
  EXPECT_TRUE(again.correct_message().duplicate());
  EXPECT_EQ(again.correct_message().message().version(), 2u);
  EXPECT_EQ(Versions(*coach_, 1).list_message_versions().versions_size(), 2);
  EXPECT_EQ(CodeOf(Correct(*coach_, 1, "iets anders", "fix-1")), v1::Error::ALREADY_EXISTS);
  EXPECT_EQ(CodeOf(Retract(*coach_, 1, "fix-1")), v1::Error::ALREADY_EXISTS);
  // A post may not reuse it either: one namespace of ids per sender.
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread_, "hallo allemaal", "fix-1")),
            v1::Error::ALREADY_EXISTS);
}

TEST_F(CorrectionActionsTest, AnAuthorWhoseConsentWasWithdrawnCannotChangeTheirMessage) {
  Post(*coach_, network_.id(), thread_, "hallo");
  v1::ClientFrame w;
  w.mutable_withdraw_consent()->set_network_id(network_.id());
  w.mutable_withdraw_consent()->set_grantee_handle("coach");
  ASSERT_FALSE(client_->Call(w).has_error());
  const std::string before = Snapshot(*client_);
  EXPECT_EQ(CodeOf(Correct(*coach_, 1, "anders")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Retract(*coach_, 1)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(Snapshot(*client_), before);
}

TEST_F(CorrectionActionsTest, AMemberWhoseConsentWasWithdrawnIsToldOfNoChange) {
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), thread_, 0).has_error());
  Post(*client_, network_.id(), thread_, "Mijn adres is ...");
  ASSERT_EQ(buddy_->WaitMessages(thread_, 1).size(), 1u);
  v1::ClientFrame w;
  w.mutable_withdraw_consent()->set_network_id(network_.id());
  w.mutable_withdraw_consent()->set_grantee_handle("buddy");
  ASSERT_FALSE(client_->Call(w).has_error());
  ASSERT_FALSE(Correct(*client_, 1, "Mijn nieuwe adres is ...").has_error());
  ASSERT_FALSE(Retract(*client_, 1).has_error());
  ASSERT_TRUE(WaitChanged(*coach_).has_value());
  EXPECT_EQ(ChangedEventsOf(*buddy_), 0);
  EXPECT_EQ(CodeOf(Changes(*buddy_, 0)), v1::Error::PERMISSION_DENIED);
}

TEST_F(CorrectionActionsTest, HiddenHistoryStaysHiddenInChangesAndEvents) {
  Post(*client_, network_.id(), thread_, "van voor de nieuwe");  // seq 1
  auto newcomer = Person("newcomer", v1::ACCOUNT_KIND_MEMBER, "GP");
  AddMember(*client_, *client_, network_.id(), "newcomer");  // no history: 1 is hidden
  ASSERT_FALSE(Subscribe(*newcomer, network_.id(), thread_, 0).has_error());
  Post(*client_, network_.id(), thread_, "na de nieuwe");  // seq 2
  ASSERT_EQ(newcomer->WaitMessages(thread_, 1).size(), 1u);
  ASSERT_FALSE(Correct(*client_, 1, "van voor, verbeterd").has_error());
  EXPECT_EQ(ChangedEventsOf(*newcomer), 0);
  EXPECT_EQ(CodeOf(Versions(*newcomer, 1)), v1::Error::NOT_FOUND);
  v1::FetchMessageChangesResult c = Changes(*newcomer, 0).fetch_message_changes();
  EXPECT_EQ(c.messages_size(), 0);
  EXPECT_EQ(c.through_change(), 1u);  // the cursor moves on all the same
  EXPECT_EQ(c.hidden_through_seq(), 1u);
  ASSERT_FALSE(Correct(*client_, 2, "na de nieuwe, verbeterd").has_error());
  auto e = WaitChanged(*newcomer);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message_changed().message().seq(), 2u);
  c = Changes(*newcomer, 0).fetch_message_changes();
  ASSERT_EQ(c.messages_size(), 1);
  EXPECT_EQ(c.messages(0).seq(), 2u);
  // And the newcomer may not change what they cannot see, even their... nothing of it.
  EXPECT_EQ(CodeOf(Correct(*newcomer, 1, "x")), v1::Error::NOT_FOUND);
}

TEST_F(CorrectionActionsTest, PipelinedCorrectionsAreEachAVersionInOrderWithoutGaps) {
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), thread_, 0).has_error());
  Post(*coach_, network_.id(), thread_, "versie 1");
  constexpr int kCount = 30;
  std::vector<uint64_t> ids;
  for (int i = 0; i < kCount; ++i) {
    ids.push_back(coach_->Send(CorrectFrame(
        network_.id(), thread_, 1, "versie " + std::to_string(i + 2), "p-" + std::to_string(i))));
  }
  for (int i = 0; i < kCount; ++i) {
    v1::Response r = coach_->sink().WaitResponse(ids[i]);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    EXPECT_EQ(r.correct_message().message().version(), static_cast<uint32_t>(i + 2));
    EXPECT_EQ(r.correct_message().message().change(), static_cast<uint64_t>(i + 1));
  }
  for (int i = 0; i < kCount; ++i) {
    auto e = WaitChanged(*buddy_);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->message_changed().message().version(), static_cast<uint32_t>(i + 2));
  }
  v1::ListMessageVersionsResult v = Versions(*buddy_, 1).list_message_versions();
  ASSERT_EQ(v.versions_size(), kCount + 1);
  for (int i = 0; i <= kCount; ++i) {
    EXPECT_EQ(v.versions(i).version(), static_cast<uint32_t>(i + 1));
    EXPECT_EQ(v.versions(i).text(), "versie " + std::to_string(i + 1));
  }
  // Paged changes: one message, however often it changed.
  v1::FetchMessageChangesResult c = Changes(*buddy_, 0, 7).fetch_message_changes();
  ASSERT_EQ(c.messages_size(), 1);
  EXPECT_EQ(c.through_change(), 7u);
  EXPECT_EQ(c.last_change(), static_cast<uint64_t>(kCount));
}

TEST_F(CorrectionActionsTest, ConcurrentCorrectionsOfOneMessageAreBothOrderedWithoutGaps) {
  Post(*coach_, network_.id(), thread_, "versie 1");
  auto second = LoggedIn("coach");  // the author on a second device
  constexpr int kPerDevice = 20;
  std::vector<uint32_t> versions[2];
  auto run = [&](TestApp* app, int device) {
    for (int i = 0; i < kPerDevice; ++i) {
      v1::Response r =
          app->Call(CorrectFrame(network_.id(), thread_, 1, "d" + std::to_string(i),
                                 "dev" + std::to_string(device) + "-" + std::to_string(i)));
      versions[device].push_back(r.has_error() ? 0 : r.correct_message().message().version());
    }
  };
  std::thread a(run, coach_.get(), 0);
  std::thread b(run, second.get(), 1);
  a.join();
  b.join();
  std::vector<uint32_t> all(versions[0]);
  all.insert(all.end(), versions[1].begin(), versions[1].end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 2);
  EXPECT_EQ(Versions(*client_, 1).list_message_versions().versions_size(), 2 * kPerDevice + 1);
}

// A history page built before a retraction is stored, but decided after it, is built again:
// after the retraction's answer no read serves the retracted text (reads.cc).
TEST_F(CorrectionActionsTest, AHistoryPageDecidedAfterARetractionDoesNotShowItsText) {
  Post(*coach_, network_.id(), thread_, "Verkeerd adres");
  faulty_.HoldWrites();
  v1::ClientFrame retract;
  retract.mutable_retract_message()->set_network_id(network_.id());
  retract.mutable_retract_message()->set_thread_id(thread_);
  retract.mutable_retract_message()->set_seq(1);
  retract.mutable_retract_message()->set_client_msg_id("r-held");
  const uint64_t retract_id = coach_->Send(retract);
  ASSERT_TRUE(faulty_.WaitWriteHeld());  // applied on the writer, not stored yet
  v1::ClientFrame history;
  history.mutable_fetch_history()->set_network_id(network_.id());
  history.mutable_fetch_history()->set_thread_id(thread_);
  const uint64_t history_id = buddy_->Send(history);  // its page is built from the store now
  faulty_.ReleaseWrites();
  ASSERT_FALSE(coach_->sink().WaitResponse(retract_id).has_error());
  v1::Response page = buddy_->sink().WaitResponse(history_id);
  ASSERT_FALSE(page.has_error()) << page.error().detail();
  ASSERT_EQ(page.fetch_history().messages_size(), 1);
  EXPECT_TRUE(page.fetch_history().messages(0).retracted());
  EXPECT_EQ(page.fetch_history().messages(0).text(), "");
  EXPECT_EQ(page.fetch_history().last_change(), 1u);
}

TEST_F(CorrectionActionsTest, EachRequestLeavesOneRecordNamingTheMessageNeverItsText) {
  Post(*coach_, network_.id(), thread_, "geheim adres");
  uint64_t head = Head();
  ASSERT_FALSE(Correct(*coach_, 1, "ander geheim").has_error());
  std::vector<v1::AuditEvent> records = Since(head);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), v1::event_type::kMessageCorrected);
  EXPECT_EQ(records[0].seq_from(), 1u);
  EXPECT_EQ(records[0].seq_to(), 1u);
  EXPECT_EQ(records[0].count(), 1u);
  EXPECT_EQ(records[0].thread_id(), thread_);
  EXPECT_EQ(records[0].SerializeAsString().find("geheim"), std::string::npos);
  head = Head();
  ASSERT_FALSE(Versions(*buddy_, 1).has_error());
  records = Since(head);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), v1::event_type::kMessageVersionsRead);
  EXPECT_EQ(records[0].count(), 2u);
}

}  // namespace
}  // namespace kring::service::testing
