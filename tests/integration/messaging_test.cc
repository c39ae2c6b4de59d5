// Live delivery, sequencing, history and idempotent posting in one care network: a client
// (the person at the centre) and two members, each on a connection of their own.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class MessagingTest : public CareNetworkTest {
 protected:
  void SubscribeFromStart(Person& p) {
    v1::ThreadCursor cursor;
    cursor.set_thread_id(thread_);
    v1::SubscribeResult sub = Must(p->Subscribe(net_.id(), {cursor}), "subscribe " + p.handle);
    ASSERT_EQ(sub.threads_size(), 1);
    EXPECT_EQ(sub.threads(0).thread_id(), thread_);
  }
};

TEST_F(MessagingTest, MessagesReachBothMembersInOrderWithoutGaps) {
  SubscribeFromStart(coach_);
  SubscribeFromStart(buddy_);
  constexpr int kCount = 60;
  for (int i = 1; i <= kCount; ++i) {
    sdk::Result<v1::PostMessageResult> r = client_->PostMessage(
        net_.id(), thread_, "c-" + std::to_string(i), "note " + std::to_string(i));
    ASSERT_TRUE(IsOk(r)) << i;
    EXPECT_EQ(r->seq(), static_cast<uint64_t>(i));
    EXPECT_FALSE(r->duplicate());
  }
  for (Person* member : {&coach_, &buddy_}) {
    std::vector<v1::Message> got = WaitForMessages(**member, thread_, kCount);
    ASSERT_EQ(got.size(), static_cast<size_t>(kCount)) << member->handle;
    for (int i = 0; i < kCount; ++i) {
      EXPECT_EQ(got[i].seq(), static_cast<uint64_t>(i + 1)) << member->handle;
      EXPECT_EQ(got[i].text(), "note " + std::to_string(i + 1)) << member->handle;
      EXPECT_EQ(got[i].sender_handle(), "ruth");
      EXPECT_EQ(got[i].sender_id(), client_.account.id());
      EXPECT_EQ(got[i].network_id(), net_.id());
      EXPECT_EQ(got[i].client_msg_id(), "c-" + std::to_string(i + 1));
    }
    // Nothing more, and nothing twice.
    for (const v1::Event& e : EventsUntilRoundTrip(**member)) {
      EXPECT_FALSE(IsMessageIn(e, net_.id())) << member->handle << " extra: " << e.DebugString();
    }
  }
}

TEST_F(MessagingTest, ConcurrentSendersGetOneGapFreeOrder) {
  SubscribeFromStart(client_);
  SubscribeFromStart(coach_);
  SubscribeFromStart(buddy_);
  constexpr int kPerSender = 25;
  std::vector<Person*> senders = {&client_, &coach_, &buddy_};
  std::vector<std::vector<uint64_t>> acked(senders.size());
  std::vector<std::thread> threads;
  for (size_t s = 0; s < senders.size(); ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) {
        auto r = (*senders[s])
                     ->PostMessage(net_.id(), thread_, "m-" + std::to_string(i),
                                   senders[s]->handle + " " + std::to_string(i));
        if (!r.ok()) return;
        acked[s].push_back(r->seq());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t s = 0; s < senders.size(); ++s) {
    ASSERT_EQ(acked[s].size(), static_cast<size_t>(kPerSender)) << senders[s]->handle;
    for (size_t i = 1; i < acked[s].size(); ++i) EXPECT_LT(acked[s][i - 1], acked[s][i]);
  }
  const size_t total = senders.size() * kPerSender;
  std::vector<v1::Message> reference;
  for (Person* p : senders) {
    std::vector<v1::Message> got = WaitForMessages(**p, thread_, total);
    ASSERT_EQ(got.size(), total) << p->handle;
    for (size_t i = 0; i < total; ++i) ASSERT_EQ(got[i].seq(), i + 1) << p->handle;
    if (reference.empty()) {
      reference = got;
    } else {
      for (size_t i = 0; i < total; ++i) {
        EXPECT_EQ(got[i].text(), reference[i].text()) << p->handle << " seq " << i + 1;
      }
    }
  }
  // Each sender's messages appear in the order they were sent, at the seqs they were told.
  for (size_t s = 0; s < senders.size(); ++s) {
    int next = 0;
    for (const v1::Message& m : reference) {
      if (m.sender_handle() != senders[s]->handle) continue;
      EXPECT_EQ(m.text(), senders[s]->handle + " " + std::to_string(next));
      EXPECT_EQ(m.seq(), acked[s][next]);
      ++next;
    }
    EXPECT_EQ(next, kPerSender);
  }
  v1::FetchHistoryResult history = Must(coach_->FetchHistory(net_.id(), thread_), "history");
  ASSERT_EQ(history.messages_size(), static_cast<int>(total));
  EXPECT_EQ(history.last_seq(), total);
  for (size_t i = 0; i < total; ++i) {
    EXPECT_EQ(history.messages(i).seq(), i + 1);
    EXPECT_EQ(history.messages(i).text(), reference[i].text());
  }
}

// Posts sent back to back, without waiting for answers: kringd answers and delivers them in a
// burst, which it may batch into ServerFrameBatch messages (kring.proto). Whatever the batching,
// the app must see each answer and each message once, in order.
TEST_F(MessagingTest, APipelinedBurstIsAnsweredAndDeliveredWholeAndInOrder) {
  SubscribeFromStart(coach_);
  auto channel = world_->ConnectRawAs(client_);
  v1::ClientFrame subscribe;
  subscribe.set_request_id(2);
  subscribe.mutable_subscribe()->set_network_id(net_.id());
  subscribe.mutable_subscribe()->add_threads()->set_thread_id(thread_);
  std::optional<v1::Response> subscribed = RawCall(*channel, subscribe);
  ASSERT_TRUE(subscribed && !subscribed->has_error());

  constexpr uint64_t kCount = 300;
  constexpr uint64_t kFirstId = 100;
  for (uint64_t i = 0; i < kCount; ++i) {
    v1::ClientFrame post;
    post.set_request_id(kFirstId + i);
    auto* p = post.mutable_post_message();
    p->set_network_id(net_.id());
    p->set_thread_id(thread_);
    p->set_client_msg_id("burst-" + std::to_string(i));
    p->set_text("burst " + std::to_string(i));
    channel->Send(post);
  }
  std::vector<uint64_t> answered, acked_seqs, delivered_seqs;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while ((answered.size() < kCount || delivered_seqs.size() < kCount) &&
         std::chrono::steady_clock::now() < deadline) {
    std::optional<v1::ServerFrame> f =
        channel->NextServerFrame(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
    if (!f) break;
    if (f->has_response()) {
      ASSERT_FALSE(f->response().has_error()) << f->response().DebugString();
      answered.push_back(f->response().request_id());
      acked_seqs.push_back(f->response().post_message().seq());
    } else if (f->has_event() && f->event().has_message_posted()) {
      const v1::Message& m = f->event().message_posted().message();
      EXPECT_EQ(m.text(), "burst " + std::to_string(m.seq() - 1));
      delivered_seqs.push_back(m.seq());
    } else {
      ADD_FAILURE() << "unexpected frame: " << f->DebugString();
    }
  }
  ASSERT_EQ(answered.size(), kCount);
  ASSERT_EQ(delivered_seqs.size(), kCount);
  for (uint64_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(answered[i], kFirstId + i);  // one connection: answered in the order sent
    EXPECT_EQ(acked_seqs[i], i + 1);
    EXPECT_EQ(delivered_seqs[i], i + 1);
  }
  // The SDK's session, subscribed on its own connection, sees the same.
  std::vector<v1::Message> got = WaitForMessages(*coach_, thread_, kCount);
  ASSERT_EQ(got.size(), kCount);
  for (uint64_t i = 0; i < kCount; ++i) EXPECT_EQ(got[i].seq(), i + 1);
}

TEST_F(MessagingTest, DuplicateClientMsgIdIsStoredOnce) {
  SubscribeFromStart(coach_);
  auto first = client_->PostMessage(net_.id(), thread_, "appt-42", "Dentist Tuesday 10:00");
  ASSERT_TRUE(IsOk(first));
  EXPECT_FALSE(first->duplicate());
  auto again = client_->PostMessage(net_.id(), thread_, "appt-42", "Dentist Tuesday 10:00");
  ASSERT_TRUE(IsOk(again));
  EXPECT_TRUE(again->duplicate());
  EXPECT_EQ(again->seq(), first->seq());
  EXPECT_EQ(again->posted_at_ms(), first->posted_at_ms());

  // Same id, other content: refused.
  EXPECT_TRUE(IsError(client_->PostMessage(net_.id(), thread_, "appt-42", "Dentist Wednesday"),
                      v1::Error::ALREADY_EXISTS));
  v1::Thread other = Must(client_->CreateThread(net_.id(), "Appointments"), "thread").thread();
  EXPECT_TRUE(
      IsError(client_->PostMessage(net_.id(), other.id(), "appt-42", "Dentist Tuesday 10:00"),
              v1::Error::ALREADY_EXISTS));
  // The id belongs to its sender: another person may use it.
  auto coach_post = coach_->PostMessage(net_.id(), thread_, "appt-42", "Noted");
  ASSERT_TRUE(IsOk(coach_post));
  EXPECT_FALSE(coach_post->duplicate());
  EXPECT_EQ(coach_post->seq(), first->seq() + 1);

  v1::FetchHistoryResult history = Must(buddy_->FetchHistory(net_.id(), thread_), "history");
  ASSERT_EQ(history.messages_size(), 2);
  EXPECT_EQ(history.messages(0).text(), "Dentist Tuesday 10:00");
  EXPECT_EQ(history.messages(1).text(), "Noted");

  // Live delivery carried each message once.
  std::vector<v1::Message> got = WaitForMessages(*coach_, thread_, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq(), 1u);
  EXPECT_EQ(got[1].seq(), 2u);
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    EXPECT_FALSE(e.has_message_posted() && e.message_posted().message().thread_id() == thread_)
        << "delivered twice: " << e.DebugString();
  }
}

TEST_F(MessagingTest, HistoryPagesInOrder) {
  constexpr int kCount = 30;
  for (int i = 1; i <= kCount; ++i) {
    Must(client_->PostMessage(net_.id(), thread_, "h" + std::to_string(i), "t" + std::to_string(i)),
         "post");
  }
  v1::FetchHistoryResult page = Must(coach_->FetchHistory(net_.id(), thread_, 10, 5), "page");
  ASSERT_EQ(page.messages_size(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(page.messages(i).seq(), static_cast<uint64_t>(11 + i));
  EXPECT_EQ(page.last_seq(), static_cast<uint64_t>(kCount));
  v1::FetchHistoryResult rest = Must(coach_->FetchHistory(net_.id(), thread_, 25), "rest");
  ASSERT_EQ(rest.messages_size(), 5);
  EXPECT_EQ(rest.messages(4).seq(), static_cast<uint64_t>(kCount));
  v1::FetchHistoryResult none = Must(coach_->FetchHistory(net_.id(), thread_, kCount), "none");
  EXPECT_EQ(none.messages_size(), 0);
}

TEST_F(MessagingTest, ThreadsAndReadMarkersReachMembers) {
  SubscribeFromStart(buddy_);
  v1::Thread appts = Must(coach_->CreateThread(net_.id(), "Afspraken"), "create thread").thread();
  std::optional<v1::Event> created = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    return e.has_thread_created() && e.thread_created().thread().id() == appts.id();
  });
  EXPECT_TRUE(created.has_value()) << "ThreadCreated did not reach a subscribed member";

  Must(client_->PostMessage(net_.id(), thread_, "r1", "one"), "post");
  Must(client_->PostMessage(net_.id(), thread_, "r2", "two"), "post");
  v1::MarkReadResult marked = Must(coach_->MarkRead(net_.id(), thread_, 2), "mark read");
  EXPECT_EQ(marked.marker().seq(), 2u);
  std::optional<v1::Event> update = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    return e.has_read_marker_updated() && e.read_marker_updated().marker().handle() == "jo";
  });
  ASSERT_TRUE(update.has_value()) << "ReadMarkerUpdated did not reach a subscribed member";
  EXPECT_EQ(update->read_marker_updated().marker().seq(), 2u);
  // Markers only move forward.
  v1::MarkReadResult back = Must(coach_->MarkRead(net_.id(), thread_, 1), "mark back");
  EXPECT_EQ(back.marker().seq(), 2u);
  v1::ListReadMarkersResult markers = Must(client_->ListReadMarkers(net_.id(), thread_), "list");
  bool found = false;
  for (const v1::ReadMarker& m : markers.markers()) {
    if (m.handle() == "jo") {
      found = true;
      EXPECT_EQ(m.seq(), 2u);
    }
  }
  EXPECT_TRUE(found) << markers.DebugString();
}

}  // namespace
}  // namespace kring::integration
