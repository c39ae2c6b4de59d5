// Acknowledged means durable: every message kringd acknowledged survives a graceful stop and a
// SIGKILL, with posts in flight at that moment, and seqs stay gap-free.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class DurabilityTest : public CareNetworkTest {
 protected:
  // After kringd restarted on a new port: everyone logs in again.
  void LogInEveryone() {
    for (Person* p : {&client_, &coach_, &buddy_}) world_->LogIn(*p);
  }

  // The whole thread, paging through FetchHistory.
  std::vector<v1::Message> History(Person& p) {
    std::vector<v1::Message> all;
    for (;;) {
      uint64_t after = all.empty() ? 0 : all.back().seq();
      v1::FetchHistoryResult page =
          Must(p->FetchHistory(net_.id(), thread_, after, 500), "fetch history");
      if (page.messages_size() == 0) return all;
      for (const v1::Message& m : page.messages()) all.push_back(m);
    }
  }

  static void ExpectGapFree(const std::vector<v1::Message>& history) {
    for (size_t i = 0; i < history.size(); ++i) {
      ASSERT_EQ(history[i].seq(), i + 1) << "gap or disorder at index " << i;
    }
    std::set<std::pair<uint64_t, std::string>> ids;
    for (const v1::Message& m : history) {
      EXPECT_TRUE(ids.insert({m.sender_id(), m.client_msg_id()}).second)
          << "stored twice: " << m.DebugString();
    }
  }

  struct Post {
    std::string client_msg_id;
    std::string text;
    uint64_t seq = 0;  // 0 while unacknowledged
  };

  // Three people post as fast as kringd acknowledges; once `acks_before` posts are acknowledged,
  // `interrupt` runs (with posts in flight). Then kringd starts again and every acknowledged
  // post must be in the history at its seq; posts that were in flight are resent and must be
  // stored exactly once.
  void PostThroughInterruption(int acks_before, const std::function<void()>& interrupt) {
    const int round = rounds_++;  // client_msg_ids stay unique across calls
    std::vector<Person*> senders = {&client_, &coach_, &buddy_};
    std::vector<std::vector<Post>> posts(senders.size());
    std::atomic<uint64_t> acked_total{0};
    Watermark acked;
    std::vector<std::thread> threads;
    for (size_t s = 0; s < senders.size(); ++s) {
      threads.emplace_back([&, s] {
        for (int i = 0;; ++i) {
          Post post{senders[s]->handle + "-r" + std::to_string(round) + "-" + std::to_string(i),
                    "message " + std::to_string(i) + " from " + senders[s]->handle};
          auto r = (*senders[s])->PostMessage(net_.id(), thread_, post.client_msg_id, post.text);
          if (r.ok()) post.seq = r->seq();
          posts[s].push_back(post);
          if (!r.ok()) {
            // kringd went away, or (by the protocol) refused with INTERNAL: nothing written.
            EXPECT_TRUE(r.error().transport || r.error().code == v1::Error::INTERNAL)
                << r.error().ToString();
            return;
          }
          acked.Raise(++acked_total);
        }
      });
    }
    const bool enough = acked.WaitFor(acks_before, 60s);
    interrupt();
    for (std::thread& t : threads) t.join();
    ASSERT_TRUE(enough) << "only " << acked.value() << " posts acknowledged before the deadline";

    ASSERT_TRUE(kringd_.Start());
    LogInEveryone();
    std::vector<v1::Message> history = History(client_);
    ExpectGapFree(history);
    uint64_t max_acked = 0;
    for (size_t s = 0; s < senders.size(); ++s) {
      for (const Post& post : posts[s]) {
        if (post.seq == 0) continue;
        max_acked = std::max(max_acked, post.seq);
        ASSERT_LE(post.seq, history.size()) << "acknowledged seq lost: " << post.client_msg_id;
        const v1::Message& m = history[post.seq - 1];
        EXPECT_EQ(m.client_msg_id(), post.client_msg_id);
        EXPECT_EQ(m.text(), post.text);
        EXPECT_EQ(m.sender_handle(), senders[s]->handle);
      }
    }
    EXPECT_GE(history.size(), max_acked);
    EXPECT_GE(max_acked, static_cast<uint64_t>(acks_before));

    // Resend what was in flight: stored once, whether or not it made it before the interruption.
    for (size_t s = 0; s < senders.size(); ++s) {
      for (const Post& post : posts[s]) {
        if (post.seq != 0) continue;
        const v1::Message* stored = nullptr;
        for (const v1::Message& m : history) {
          if (m.sender_handle() == senders[s]->handle && m.client_msg_id() == post.client_msg_id) {
            stored = &m;
          }
        }
        auto r = (*senders[s])->PostMessage(net_.id(), thread_, post.client_msg_id, post.text);
        ASSERT_TRUE(IsOk(r)) << post.client_msg_id;
        EXPECT_EQ(r->duplicate(), stored != nullptr) << post.client_msg_id;
        if (stored != nullptr) {
          EXPECT_EQ(r->seq(), stored->seq()) << post.client_msg_id;
        }
      }
    }
    ExpectGapFree(History(coach_));
  }

  int rounds_ = 0;
};

TEST_F(DurabilityTest, GracefulRestartKeepsEverything) {
  v1::ThreadCursor cursor;
  cursor.set_thread_id(thread_);
  ASSERT_TRUE(IsOk(coach_->Subscribe(net_.id(), {cursor})));
  constexpr int kCount = 30;
  for (int i = 1; i <= kCount; ++i) {
    Must(client_->PostMessage(net_.id(), thread_, "g" + std::to_string(i), "t" + std::to_string(i)),
         "post");
  }
  ASSERT_EQ(WaitForMessages(*coach_, thread_, kCount).size(), static_cast<size_t>(kCount));

  int status = kringd_.Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  std::optional<sdk::CloseInfo> closed = coach_->WaitClosed(kWait);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_GOING_AWAY) << closed->reason;

  ASSERT_TRUE(kringd_.Start());
  LogInEveryone();
  std::vector<v1::Message> history = History(buddy_);
  ExpectGapFree(history);
  ASSERT_EQ(history.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(history[i].text(), "t" + std::to_string(i + 1));

  // Accounts, the network and its members came back too; seqs and idempotency carry on.
  v1::ListNetworksResult nets = Must(coach_->ListNetworks(), "networks");
  ASSERT_EQ(nets.networks_size(), 1);
  EXPECT_EQ(nets.networks(0).id(), net_.id());
  EXPECT_EQ(Must(client_->ListMembers(net_.id()), "members").members_size(), 3);
  auto resend = client_->PostMessage(net_.id(), thread_, "g30", "t30");
  ASSERT_TRUE(IsOk(resend));
  EXPECT_TRUE(resend->duplicate());
  EXPECT_EQ(resend->seq(), 30u);
  auto next = client_->PostMessage(net_.id(), thread_, "g31", "t31");
  ASSERT_TRUE(IsOk(next));
  EXPECT_EQ(next->seq(), 31u);
}

TEST_F(DurabilityTest, SessionsSurviveRestart) {
  ASSERT_TRUE(kringd_.Restart());
  world_->Resume(coach_);
  EXPECT_EQ(Must(coach_->WhoAmI(), "whoami").account().handle(), "jo");
}

TEST_F(DurabilityTest, GracefulStopWithPostsInFlightKeepsEveryAcknowledgedMessage) {
  PostThroughInterruption(60, [&] {
    int status = kringd_.Stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  });
}

TEST_F(DurabilityTest, CrashWithPostsInFlightKeepsEveryAcknowledgedMessage) {
  PostThroughInterruption(60, [&] { kringd_.Crash(); });
}

TEST_F(DurabilityTest, RepeatedCrashesKeepEveryAcknowledgedMessage) {
  for (int round = 0; round < 3 && !HasFailure(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    PostThroughInterruption(20 * (round + 1), [&] { kringd_.Crash(); });
  }
}

}  // namespace
}  // namespace kring::integration
