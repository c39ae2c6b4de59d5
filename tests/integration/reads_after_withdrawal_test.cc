// A member pipelines reads over TLS while the client withdraws his consent: once his AccessEnded
// arrived, no response carries messages and no Subscribe answers OK (docs/protocol.md,
// guarantee 7). Reads are decided on the writer, in order with the withdrawal (issue 11, item 4);
// they were once authorized on the io thread and answered after it.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ReadsAfterWithdrawalTest : public CareNetworkTest {};

TEST_F(ReadsAfterWithdrawalTest, PipelinedReadsRacingAWithdrawalDiscloseNothingAfterAccessEnded) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(IsOk(coach_->PostMessage(net_.id(), thread_, "m-" + std::to_string(i), "hallo")));
  }
  auto amir = world_->ConnectRawAs(buddy_);
  constexpr int kRounds = 20;
  constexpr uint64_t kReads = 200;
  uint64_t next_id = 100;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const uint64_t first_id = next_id;
    next_id += kReads;
    std::atomic<uint64_t> sent{0};
    std::thread pipelining([&] {
      for (uint64_t i = 0; i < kReads; ++i) {
        v1::ClientFrame f;
        f.set_request_id(first_id + i);
        if (i % 4 == 3) {
          f.mutable_subscribe()->set_network_id(net_.id());
          f.mutable_subscribe()->add_threads()->set_thread_id(thread_);
        } else {
          f.mutable_fetch_history()->set_network_id(net_.id());
          f.mutable_fetch_history()->set_thread_id(thread_);
        }
        amir->Send(f);
        sent = i + 1;
      }
    });
    // Withdraw while the reads are on their way.
    while (sent.load() < kReads / 4) std::this_thread::yield();
    WithdrawConsent(client_, net_.id(), "amir");
    pipelining.join();

    bool ended = false;
    uint64_t answered = 0;
    std::vector<std::string> after_end;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    // Until every read is answered and AccessEnded came (it may follow the last answer).
    while ((answered < kReads || !ended) && std::chrono::steady_clock::now() < deadline) {
      std::optional<v1::ServerFrame> f =
          amir->NextServerFrame(std::chrono::duration_cast<std::chrono::milliseconds>(
              deadline - std::chrono::steady_clock::now()));
      if (!f) break;
      if (f->has_event()) {
        if (f->event().has_access_ended() && f->event().access_ended().network_id() == net_.id()) {
          ended = true;
        } else if (ended && f->event().has_message_posted()) {
          after_end.push_back("MessagePosted");
        }
        continue;
      }
      if (!f->has_response() || f->response().request_id() < first_id) continue;
      ++answered;
      const v1::Response& r = f->response();
      if (!ended) continue;
      if (r.fetch_history().messages_size() > 0) {
        after_end.push_back("FetchHistory " + std::to_string(r.request_id()));
      }
      for (const auto& t : r.subscribe().threads()) {
        if (!t.has_error()) after_end.push_back("Subscribe OK " + std::to_string(r.request_id()));
      }
    }
    ASSERT_EQ(answered, kReads);
    EXPECT_TRUE(ended);
    EXPECT_TRUE(after_end.empty())
        << after_end.size() << " after AccessEnded, e.g. " << after_end.front();
    if (HasFailure()) return;
    // Amir gets his access back for the next round; his old subscriptions ended with it.
    GrantConsent(client_, net_.id(), "amir", sdk::Grant{.history = true});
  }
}

}  // namespace
}  // namespace kring::integration
