#include <gtest/gtest.h>

#include <thread>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

class MessageHandlersTest : public ServiceTest {
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

  std::unique_ptr<TestApp> client_, coach_, buddy_;
  v1::Network network_;
  uint64_t thread_ = 0;
};

TEST_F(MessageHandlersTest, MessagesReachEveryMemberInGapFreeOrder) {
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), thread_, 0).has_error());
  constexpr int kCount = 50;
  for (int i = 1; i <= kCount; ++i) {
    v1::Response r = Post(*client_, network_.id(), thread_, "bericht " + std::to_string(i));
    ASSERT_EQ(r.post_message().seq(), static_cast<uint64_t>(i));
  }
  for (TestApp* app : {coach_.get(), buddy_.get()}) {
    auto got = app->WaitMessages(thread_, kCount);
    ASSERT_EQ(got.size(), static_cast<size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
      EXPECT_EQ(got[i].seq(), static_cast<uint64_t>(i + 1));
      EXPECT_EQ(got[i].text(), "bericht " + std::to_string(i + 1));
      EXPECT_EQ(got[i].sender_handle(), "amina");
    }
  }
}

TEST_F(MessageHandlersTest, ConcurrentPostersGetDistinctGapFreeSequenceNumbers) {
  constexpr int kPerPoster = 40;
  std::vector<uint64_t> seqs[2];
  std::thread a([&] {
    for (int i = 0; i < kPerPoster; ++i) {
      seqs[0].push_back(Post(*coach_, network_.id(), thread_, "a").post_message().seq());
    }
  });
  std::thread b([&] {
    for (int i = 0; i < kPerPoster; ++i) {
      seqs[1].push_back(Post(*buddy_, network_.id(), thread_, "b").post_message().seq());
    }
  });
  a.join();
  b.join();
  std::vector<uint64_t> all(seqs[0]);
  all.insert(all.end(), seqs[1].begin(), seqs[1].end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
  EXPECT_TRUE(std::is_sorted(seqs[0].begin(), seqs[0].end()));
}

TEST_F(MessageHandlersTest, AResendWithTheSameClientMessageIdIsStoredOnce) {
  v1::Response first = Post(*coach_, network_.id(), thread_, "hallo", "outbox-1");
  v1::Response again = Post(*coach_, network_.id(), thread_, "hallo", "outbox-1");
  EXPECT_EQ(again.post_message().seq(), first.post_message().seq());
  EXPECT_FALSE(first.post_message().duplicate());
  EXPECT_TRUE(again.post_message().duplicate());
  EXPECT_EQ(History(*coach_, network_.id(), thread_).fetch_history().messages_size(), 1);
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread_, "other text", "outbox-1")),
            v1::Error::ALREADY_EXISTS);
  // The id is the sender's own: another person may use the same one.
  EXPECT_EQ(Post(*buddy_, network_.id(), thread_, "hallo", "outbox-1").post_message().seq(), 2u);
}

TEST_F(MessageHandlersTest, BadMessagesAreRefusedAndNothingIsStored) {
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread_, "bad \xC3\x28 utf8")),
            v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread_, "")), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread_, std::string(16 * 1024 + 1, 'x'))),
            v1::Error::INVALID_ARGUMENT);
  EXPECT_FALSE(Post(*coach_, network_.id(), thread_, std::string(16 * 1024, 'x')).has_error());
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), thread_, "x", std::string(65, 'i'))),
            v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), 424242, "x")), v1::Error::NOT_FOUND);
  EXPECT_EQ(CodeOf(Post(*coach_, 424242, thread_, "x")), v1::Error::NOT_FOUND);
  v1::ClientFrame reply;
  auto* p = reply.mutable_post_message();
  p->set_network_id(network_.id());
  p->set_thread_id(thread_);
  p->set_client_msg_id("reply-1");
  p->set_text("antwoord");
  p->set_reply_to_seq(99);
  EXPECT_EQ(CodeOf(coach_->Call(reply)), v1::Error::NOT_FOUND);
  EXPECT_EQ(History(*coach_, network_.id(), thread_).fetch_history().messages_size(), 1);
}

TEST_F(MessageHandlersTest, AThreadOfAnotherNetworkIsNotFound) {
  auto farah = Person("farah", v1::ACCOUNT_KIND_CLIENT);
  v1::Network other = OpenNetwork(*farah, "farah");
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), other.general_thread_id(), "x")),
            v1::Error::NOT_FOUND);
  EXPECT_EQ(CodeOf(Post(*coach_, other.id(), other.general_thread_id(), "x")),
            v1::Error::PERMISSION_DENIED);
}

TEST_F(MessageHandlersTest, SubscribeDeliversTheBacklogThenLiveExactlyOnce) {
  for (int i = 0; i < 5; ++i) Post(*client_, network_.id(), thread_, "m" + std::to_string(i + 1));
  v1::Response r = Subscribe(*coach_, network_.id(), thread_, 2);
  ASSERT_FALSE(r.has_error());
  EXPECT_EQ(r.subscribe().threads(0).last_seq(), 5u);
  Post(*client_, network_.id(), thread_, "m6");
  auto got = coach_->WaitMessages(thread_, 4);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].seq(), i + 3);
  EXPECT_FALSE(coach_->sink()
                   .WaitEvent([](const v1::Event& e) { return e.has_message_posted(); },
                              std::chrono::milliseconds(50))
                   .has_value());
}

TEST_F(MessageHandlersTest, SubscribeWhilePostingMissesNothingAndRepeatsNothing) {
  constexpr int kCount = 300;
  std::thread poster([&] {
    for (int i = 0; i < kCount; ++i) Post(*client_, network_.id(), thread_, "x");
  });
  // Subscribe somewhere in the middle of the stream.
  while (History(*coach_, network_.id(), thread_).fetch_history().last_seq() < 20) {
  }
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  poster.join();
  auto got = coach_->WaitMessages(thread_, kCount);
  ASSERT_EQ(got.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(got[i].seq(), static_cast<uint64_t>(i + 1));
}

// A backlog goes out a page at a time, each only after the connection has drained the last, so a
// long backlog never overflows the send queue; live messages wait their turn behind it.
class BacklogPacingTest : public MessageHandlersTest {
 protected:
  void SetUp() override {
    options_.send_queue_bytes = 8'000;  // pages of about 2,000 bytes: two 1,000-byte messages
    MessageHandlersTest::SetUp();
  }
};

TEST_F(BacklogPacingTest, TheNextPageWaitsUntilTheConnectionHasDrained) {
  constexpr size_t kBacklog = 9;
  for (size_t i = 0; i < kBacklog; ++i)
    Post(*client_, network_.id(), thread_, std::string(1000, 'x'));
  coach_->sink().HoldDrainCallbacks();
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  std::vector<v1::Message> got = coach_->WaitMessages(thread_, 2);
  ASSERT_EQ(got.size(), 2u);
  // Not drained yet: nothing more, not even a message posted now.
  Post(*client_, network_.id(), thread_, "live");
  EXPECT_FALSE(coach_->sink()
                   .WaitEvent([](const v1::Event& e) { return e.has_message_posted(); },
                              std::chrono::milliseconds(50))
                   .has_value());
  while (got.size() < kBacklog + 1) {
    ASSERT_TRUE(coach_->sink().ReleaseDrainCallbacks()) << "stalled after " << got.size();
    for (auto& m : coach_->WaitMessages(thread_, got.size() == kBacklog ? 1 : 2)) {
      got.push_back(m);
    }
  }
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].seq(), i + 1);
  EXPECT_EQ(got.back().text(), "live");
}

TEST_F(MessageHandlersTest, UnknownThreadInSubscribeIsReportedPerThread) {
  v1::ClientFrame f;
  f.mutable_subscribe()->set_network_id(network_.id());
  f.mutable_subscribe()->add_threads()->set_thread_id(thread_);
  f.mutable_subscribe()->add_threads()->set_thread_id(777777);
  v1::Response r = coach_->Call(f);
  ASSERT_FALSE(r.has_error());
  EXPECT_FALSE(r.subscribe().threads(0).has_error());
  EXPECT_EQ(r.subscribe().threads(1).error().code(), v1::Error::NOT_FOUND);
}

TEST_F(MessageHandlersTest, ACursorPastTheEndIsRefusedPerThread) {
  Post(*client_, network_.id(), thread_, "one");
  for (uint64_t after : {uint64_t{2}, UINT64_MAX}) {
    v1::Response r = Subscribe(*coach_, network_.id(), thread_, after);
    ASSERT_FALSE(r.has_error());
    EXPECT_EQ(r.subscribe().threads(0).error().code(), v1::Error::INVALID_ARGUMENT) << after;
  }
  // The connection still works and gets what it subscribes to properly.
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  EXPECT_EQ(coach_->WaitMessages(thread_, 1).size(), 1u);
}

TEST_F(MessageHandlersTest, HistoryPagesByRange) {
  for (int i = 0; i < 30; ++i) Post(*client_, network_.id(), thread_, "m");
  v1::ClientFrame f;
  auto* h = f.mutable_fetch_history();
  h->set_network_id(network_.id());
  h->set_thread_id(thread_);
  h->set_after_seq(10);
  h->set_limit(5);
  v1::Response r = coach_->Call(f);
  ASSERT_EQ(r.fetch_history().messages_size(), 5);
  EXPECT_EQ(r.fetch_history().messages(0).seq(), 11u);
  EXPECT_EQ(r.fetch_history().messages(4).seq(), 15u);
  EXPECT_EQ(r.fetch_history().last_seq(), 30u);
}

TEST_F(MessageHandlersTest, ThreadsAreCreatedListedAndAnnounced) {
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), thread_, 0).has_error());
  v1::ClientFrame f;
  f.mutable_create_thread()->set_network_id(network_.id());
  f.mutable_create_thread()->set_title("Werk");
  v1::Response r = coach_->Call(f);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  auto created =
      buddy_->sink().WaitEvent([](const v1::Event& e) { return e.has_thread_created(); });
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->thread_created().thread().title(), "Werk");
  v1::ClientFrame list;
  list.mutable_list_threads()->set_network_id(network_.id());
  EXPECT_EQ(client_->Call(list).list_threads().threads_size(), 2);
  f.mutable_create_thread()->set_title("");
  EXPECT_EQ(CodeOf(coach_->Call(f)), v1::Error::INVALID_ARGUMENT);
}

TEST_F(MessageHandlersTest, ReadMarkersMoveForwardAndOthersSeeThem) {
  for (int i = 0; i < 3; ++i) Post(*client_, network_.id(), thread_, "m");
  ASSERT_FALSE(Subscribe(*client_, network_.id(), thread_, 3).has_error());
  v1::ClientFrame mark;
  auto* m = mark.mutable_mark_read();
  m->set_network_id(network_.id());
  m->set_thread_id(thread_);
  m->set_seq(2);
  EXPECT_EQ(coach_->Call(mark).mark_read().marker().seq(), 2u);
  auto seen =
      client_->sink().WaitEvent([](const v1::Event& e) { return e.has_read_marker_updated(); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->read_marker_updated().marker().handle(), "coach");
  m->set_seq(1);
  EXPECT_EQ(coach_->Call(mark).mark_read().marker().seq(), 2u);  // never backwards
  m->set_seq(9);
  EXPECT_EQ(CodeOf(coach_->Call(mark)), v1::Error::INVALID_ARGUMENT);
  v1::ClientFrame list;
  list.mutable_list_read_markers()->set_network_id(network_.id());
  list.mutable_list_read_markers()->set_thread_id(thread_);
  EXPECT_EQ(client_->Call(list).list_read_markers().markers_size(), 1);
}

TEST_F(MessageHandlersTest, AFailedWriteAcknowledgesNothingAndLeavesNoGap) {
  ASSERT_FALSE(Subscribe(*coach_, network_.id(), thread_, 0).has_error());
  ASSERT_EQ(Post(*client_, network_.id(), thread_, "one").post_message().seq(), 1u);
  faulty_.FailNextWrite();
  EXPECT_EQ(CodeOf(Post(*client_, network_.id(), thread_, "lost", "c-lost")), v1::Error::INTERNAL);
  EXPECT_EQ(Post(*client_, network_.id(), thread_, "lost", "c-lost").post_message().seq(), 2u);
  auto got = coach_->WaitMessages(thread_, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].seq(), 2u);
  EXPECT_EQ(got[1].text(), "lost");
  EXPECT_EQ(History(*coach_, network_.id(), thread_).fetch_history().messages_size(), 2);
}

// The network list's "last activity": when the newest message the reader may see was posted.
TEST_F(MessageHandlersTest, ListThreadsSaysWhenTheNewestVisibleMessageWasPosted) {
  auto list = [&](TestApp& app) {
    v1::ClientFrame f;
    f.mutable_list_threads()->set_network_id(network_.id());
    v1::Response r = app.Call(f);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    for (const v1::Thread& t : r.list_threads().threads()) {
      if (t.id() == thread_) return t;
    }
    ADD_FAILURE() << "the thread is not listed";
    return v1::Thread();
  };
  EXPECT_EQ(list(*client_).last_posted_at_ms(), 0);  // no message yet
  ASSERT_FALSE(Post(*client_, network_.id(), thread_, "eerste").has_error());
  clock_.Advance(60'000);
  v1::Response newest = Post(*client_, network_.id(), thread_, "tweede");
  ASSERT_FALSE(newest.has_error());
  EXPECT_EQ(list(*client_).last_posted_at_ms(), newest.post_message().posted_at_ms());
  EXPECT_EQ(list(*coach_).last_posted_at_ms(), newest.post_message().posted_at_ms());

  // A member who joins now, without earlier messages, learns nothing of when they were posted.
  auto late = Person("late", v1::ACCOUNT_KIND_MEMBER, "volunteer");
  v1::ClientFrame invite;
  invite.mutable_invite()->set_network_id(network_.id());
  invite.mutable_invite()->set_invitee_handle("late");
  v1::Response invited = client_->Call(invite);
  ASSERT_FALSE(invited.has_error()) << invited.error().detail();
  v1::ClientFrame approve;
  approve.mutable_approve_invitation()->set_invitation_id(invited.invite().invitation().id());
  approve.mutable_approve_invitation()->mutable_provision()->set_all_threads(true);
  approve.mutable_approve_invitation()->mutable_provision()->add_actions(v1::CONSENT_ACTION_READ);
  approve.mutable_approve_invitation()->mutable_provision()->set_history_visible(false);
  v1::Response approved = client_->Call(approve);
  ASSERT_FALSE(approved.has_error()) << approved.error().detail();
  EXPECT_EQ(list(*late).last_posted_at_ms(), 0);
  clock_.Advance(60'000);
  v1::Response after = Post(*client_, network_.id(), thread_, "derde");
  ASSERT_FALSE(after.has_error());
  EXPECT_EQ(list(*late).last_posted_at_ms(), after.post_message().posted_at_ms());
}

}  // namespace
}  // namespace kring::service::testing
