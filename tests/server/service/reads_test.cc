// Reads are decided where they are ordered with the writes (server/service/reads.cc): once a
// withdrawal's AccessEnded went out, no response of that person carries content of the network,
// however the person's requests were pipelined around it (issue 11, item 4). The first test holds
// the writer between applying the withdrawal and storing it, so that the reads are authorized on
// their connection against the old standing and reach the writer after it; the second races the
// two for real, twenty rounds.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

class ReadsTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    ASSERT_FALSE(InviteBuddy(*client_).has_error());
    buddy_ = LoggedIn("amir");
    for (int i = 0; i < 3; ++i) {
      ASSERT_FALSE(
          Post(*coach_, network_.id(), general_, "bericht " + std::to_string(i)).has_error());
    }
  }

  v1::ClientFrame WithdrawFrame() {
    v1::ClientFrame f;
    f.mutable_withdraw_consent()->set_network_id(network_.id());
    f.mutable_withdraw_consent()->set_grantee_handle("amir");
    return f;
  }

  // Every read of network content amir can make, plus MarkRead (a write that answers with a
  // marker) as a control.
  std::vector<v1::ClientFrame> Reads() {
    const uint64_t net = network_.id();
    std::vector<v1::ClientFrame> out(6);
    out[0].mutable_fetch_history()->set_network_id(net);
    out[0].mutable_fetch_history()->set_thread_id(general_);
    out[1].mutable_subscribe()->set_network_id(net);
    out[1].mutable_subscribe()->add_threads()->set_thread_id(general_);
    out[2].mutable_list_threads()->set_network_id(net);
    out[3].mutable_list_members()->set_network_id(net);
    out[4].mutable_list_read_markers()->set_network_id(net);
    out[4].mutable_list_read_markers()->set_thread_id(general_);
    out[5].mutable_mark_read()->set_network_id(net);
    out[5].mutable_mark_read()->set_thread_id(general_);
    out[5].mutable_mark_read()->set_seq(1);
    return out;
  }

  // What in amir's frames from `from` on came after an AccessEnded for the network and still
  // carried something of it; empty when nothing did. `ended` is set when AccessEnded came.
  std::vector<std::string> DisclosedAfterEnd(size_t from, bool* ended) {
    std::vector<std::string> out;
    *ended = false;
    const std::vector<v1::ServerFrame> log = buddy_->sink().Log();
    for (size_t i = from; i < log.size(); ++i) {
      const v1::ServerFrame& f = log[i];
      if (f.has_event()) {
        if (f.event().has_access_ended() &&
            f.event().access_ended().network_id() == network_.id()) {
          *ended = true;
        } else if (*ended && f.event().has_message_posted()) {
          out.push_back("MessagePosted " +
                        std::to_string(f.event().message_posted().message().seq()));
        }
        continue;
      }
      if (!*ended || !f.has_response()) continue;
      const v1::Response& r = f.response();
      const std::string id = " (request " + std::to_string(r.request_id()) + ")";
      if (r.has_fetch_history() && r.fetch_history().messages_size() > 0) {
        out.push_back("FetchHistory with " + std::to_string(r.fetch_history().messages_size()) +
                      " messages" + id);
      }
      if (r.has_subscribe()) {
        for (const auto& t : r.subscribe().threads()) {
          if (!t.has_error())
            out.push_back("Subscribe OK for thread " + std::to_string(t.thread_id()) + id);
        }
      }
      if (r.has_list_threads()) out.push_back("ListThreads" + id);
      if (r.has_list_members()) out.push_back("ListMembers" + id);
      if (r.has_list_read_markers()) out.push_back("ListReadMarkers" + id);
      if (r.has_mark_read()) out.push_back("MarkRead" + id);
    }
    return out;
  }

  std::unique_ptr<TestApp> buddy_;
};

TEST_F(ReadsTest, ReadsQueuedBehindAWithdrawalAreDecidedAfterIt) {
  const size_t from = buddy_->sink().Log().size();
  faulty_.HoldWrites();
  // The writer applies the withdrawal and waits to store it; the store still says amir may read.
  const uint64_t withdraw = client_->Send(WithdrawFrame());
  ASSERT_TRUE(faulty_.WaitWriteHeld());
  std::vector<uint64_t> sent;
  for (const v1::ClientFrame& f : Reads()) sent.push_back(buddy_->Send(f));
  faulty_.ReleaseWrites();

  ASSERT_FALSE(client_->sink().WaitResponse(withdraw).has_error());
  for (uint64_t id : sent) {
    EXPECT_EQ(CodeOf(buddy_->sink().WaitResponse(id)), v1::Error::PERMISSION_DENIED)
        << "request " << id;
  }
  bool ended = false;
  const std::vector<std::string> disclosed = DisclosedAfterEnd(from, &ended);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(disclosed.empty()) << ::testing::PrintToString(disclosed);
}

// The representative's reads that only a principal may make (the consent list, the client's
// access log, the networks), queued behind EndRepresentation and behind a removal.
TEST_F(ReadsTest, ARepresentativesReadsQueuedBehindTheEndOfTheRepresentationAreRefused) {
  auto admin = LoggedIn("admin");
  auto mentor = Person("mentor", v1::ACCOUNT_KIND_MEMBER, "mentor");
  v1::ClientFrame appoint;
  appoint.mutable_appoint_representative()->set_client_handle("ruth");
  appoint.mutable_appoint_representative()->set_representative_handle("mentor");
  appoint.mutable_appoint_representative()->set_basis("mentorship, court order 2026/17");
  ASSERT_FALSE(admin->Call(appoint).has_error());
  auto second_admin = Person("admin2", v1::ACCOUNT_KIND_ADMIN);
  v1::ClientFrame confirm;
  confirm.mutable_confirm_representative()->set_client_handle("ruth");
  confirm.mutable_confirm_representative()->set_representative_handle("mentor");
  ASSERT_FALSE(second_admin->Call(confirm).has_error());

  faulty_.HoldWrites();
  v1::ClientFrame end;
  end.mutable_end_representation()->set_client_handle("ruth");
  end.mutable_end_representation()->set_representative_handle("mentor");
  const uint64_t ended = admin->Send(end);
  ASSERT_TRUE(faulty_.WaitWriteHeld());
  v1::ClientFrame consents;
  consents.mutable_list_consents()->set_network_id(network_.id());
  consents.mutable_list_consents()->set_history(true);
  v1::ClientFrame log;
  log.mutable_my_access_log()->set_client_handle("ruth");
  v1::ClientFrame networks;
  networks.mutable_list_networks();
  const uint64_t listed = mentor->Send(consents);
  const uint64_t logged = mentor->Send(log);
  const uint64_t networked = mentor->Send(networks);
  faulty_.ReleaseWrites();

  ASSERT_FALSE(admin->sink().WaitResponse(ended).has_error());
  EXPECT_EQ(CodeOf(mentor->sink().WaitResponse(listed)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(mentor->sink().WaitResponse(logged)), v1::Error::PERMISSION_DENIED);
  const v1::Response r = mentor->sink().WaitResponse(networked);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.list_networks().networks_size(), 0) << r.DebugString();
}

TEST_F(ReadsTest, ReadsQueuedBehindARemovalAreRefused) {
  faulty_.HoldWrites();
  v1::ClientFrame remove;
  remove.mutable_remove_member()->set_network_id(network_.id());
  remove.mutable_remove_member()->set_handle("amir");
  const uint64_t removed = client_->Send(remove);
  ASSERT_TRUE(faulty_.WaitWriteHeld());
  v1::ClientFrame networks;
  networks.mutable_list_networks();
  const uint64_t networked = buddy_->Send(networks);
  const uint64_t history = buddy_->Send(Reads()[0]);
  faulty_.ReleaseWrites();

  ASSERT_FALSE(client_->sink().WaitResponse(removed).has_error());
  EXPECT_EQ(CodeOf(buddy_->sink().WaitResponse(history)), v1::Error::PERMISSION_DENIED);
  const v1::Response r = buddy_->sink().WaitResponse(networked);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.list_networks().networks_size(), 0) << r.DebugString();
}

TEST_F(ReadsTest, PipelinedReadsRacingAWithdrawalDiscloseNothingAfterAccessEnded) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const size_t from = buddy_->sink().Log().size();
    std::vector<v1::ClientFrame> reads = Reads();
    std::atomic<bool> go{false};
    std::vector<uint64_t> sent;
    std::thread member([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 150; ++i) sent.push_back(buddy_->Send(reads[i % reads.size()]));
    });
    go = true;
    std::this_thread::yield();
    const v1::Response withdrawn = client_->Call(WithdrawFrame());
    member.join();
    ASSERT_FALSE(withdrawn.has_error()) << withdrawn.error().detail();
    for (uint64_t id : sent) {
      EXPECT_NE(CodeOf(buddy_->sink().WaitResponse(id)), v1::Error::INTERNAL) << "request " << id;
    }
    bool ended = false;
    const std::vector<std::string> disclosed = DisclosedAfterEnd(from, &ended);
    EXPECT_TRUE(ended);
    EXPECT_TRUE(disclosed.empty()) << ::testing::PrintToString(disclosed);
    if (HasFailure()) return;
    // Unsubscribe what the round subscribed, and give amir his access back for the next one.
    v1::ClientFrame unsubscribe;
    unsubscribe.mutable_unsubscribe()->set_network_id(network_.id());
    buddy_->Call(unsubscribe);
    ASSERT_FALSE(Grant(*client_, "amir", Scope({}, /*history=*/true)).has_error());
  }
}

}  // namespace
}  // namespace kring::service::testing
