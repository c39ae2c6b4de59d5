// Consent ends at once: a withdrawal or removal while a member receives a live stream, and a
// consent period that runs out while kringd keeps running (docs/consent.md, "Decisions at the
// moment of access").
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ConsentWithdrawalTest : public CareNetworkTest {
 protected:
  void ExpectLockedOut(Person& p) {
    EXPECT_TRUE(IsError(p->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED))
        << p.handle;
    EXPECT_TRUE(IsError(p->PostMessage(net_.id(), thread_, "x-" + std::to_string(NowMs()), "hi"),
                        v1::Error::PERMISSION_DENIED))
        << p.handle;
    EXPECT_TRUE(SubscribeDenied(SubscribeTo(p, net_.id(), {thread_}), thread_)) << p.handle;
  }

  // Jo posts in the general thread without pause while `end_access` (ruth) ends amir's access.
  // Amir is subscribed and receiving when it happens. Checks that amir gets AccessEnded, nothing
  // after it, and no message that was not durable before `end_access` returned.
  void RaceEndOfAccess(const std::string& label, const std::function<void()>& end_access) {
    SCOPED_TRACE(label);
    const uint64_t head_before = ThreadHead(client_, net_.id(), thread_);
    ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_}, head_before)));
    ASSERT_TRUE(IsOk(SubscribeTo(client_, net_.id(), {thread_}, head_before)));

    std::atomic<bool> ended{false};
    std::atomic<bool> stop{false};
    std::atomic<bool> post_failed{false};
    std::atomic<uint64_t> last_acked{0};
    std::mutex mu;
    std::set<uint64_t> sent_after_end;  // guarded by mu
    Watermark sent_after_count;
    std::thread posting([&] {
      for (int i = 0; !stop.load(); ++i) {
        const bool after = ended.load();
        auto r = coach_->PostMessage(net_.id(), thread_, label + "-" + std::to_string(i), "tick");
        if (!r.ok()) {
          ADD_FAILURE() << "jo's post " << i << ": " << r.error().ToString();
          post_failed = true;
          return;
        }
        last_acked = r->seq();
        if (after) {
          std::lock_guard lock(mu);
          sent_after_end.insert(r->seq());
          sent_after_count.Raise(sent_after_end.size());
        }
      }
    });
    auto stop_posting = [&] {
      stop = true;
      if (posting.joinable()) posting.join();
    };

    // The race is real only while messages are reaching amir.
    std::vector<v1::Event> amir_got;
    size_t live = 0;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (live < 3 && std::chrono::steady_clock::now() < deadline && !post_failed) {
      std::optional<v1::Event> e = buddy_->NextEvent(100ms);
      if (!e) continue;
      if (IsMessageIn(*e, net_.id())) ++live;
      amir_got.push_back(std::move(*e));
    }
    if (live < 3) {
      stop_posting();
      FAIL() << "amir received " << live << " live messages before the end of access";
    }

    end_access();
    ended = true;
    // Everything durable before the end of access has a seq <= this head.
    const uint64_t head_at_end = ThreadHead(client_, net_.id(), thread_);
    const bool kept_posting = sent_after_count.WaitFor(5);
    stop_posting();
    ASSERT_FALSE(post_failed);
    ASSERT_TRUE(kept_posting) << "jo posted fewer than 5 messages after the end of access";

    // Ruth, still subscribed, has the last message: fan-out of every post is done.
    std::optional<v1::Event> last = WaitForEvent(*client_, [&](const v1::Event& e) {
      return e.has_message_posted() && e.message_posted().message().seq() == last_acked.load();
    });
    ASSERT_TRUE(last.has_value()) << "ruth did not receive seq " << last_acked.load();
    for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) amir_got.push_back(std::move(e));

    bool access_ended = false;
    uint64_t expect_seq = head_before + 1;
    std::lock_guard lock(mu);
    for (const v1::Event& e : amir_got) {
      if (e.has_access_ended() && e.access_ended().network_id() == net_.id()) {
        EXPECT_FALSE(access_ended) << "AccessEnded twice: " << e.DebugString();
        EXPECT_TRUE(EndsThread(e.access_ended(), net_.id(), thread_)) << e.DebugString();
        access_ended = true;
        continue;
      }
      if (!IsMessageIn(e, net_.id())) continue;
      const uint64_t seq = e.message_posted().message().seq();
      EXPECT_FALSE(access_ended) << "message after AccessEnded: seq " << seq;
      EXPECT_LE(seq, head_at_end) << "delivered a message that was not durable before the end";
      EXPECT_EQ(sent_after_end.count(seq), 0u) << "delivered seq " << seq << ", sent after the end";
      EXPECT_EQ(seq, expect_seq) << "live delivery skipped or repeated";
      expect_seq = seq + 1;
    }
    EXPECT_TRUE(access_ended) << "amir got no AccessEnded";
    ExpectLockedOut(buddy_);
    Must(client_->Unsubscribe(net_.id()), "ruth unsubscribes");
  }
};

TEST_F(ConsentWithdrawalTest, WithdrawalWhilePostingStopsDeliveryBeforeTheResponse) {
  for (int round = 0; round < 3; ++round) {
    RaceEndOfAccess("withdraw-" + std::to_string(round), [&] {
      v1::Consent withdrawn = WithdrawConsent(client_, net_.id(), "amir");
      EXPECT_EQ(withdrawn.status(), v1::CONSENT_STATUS_WITHDRAWN);
      EXPECT_EQ(withdrawn.grantee_id(), buddy_.account.id());
    });
    if (HasFatalFailure()) return;
    // The member stays listed, without access, until granted again.
    bool listed = false;
    const v1::ListMembersResult members = Must(client_->ListMembers(net_.id()), "members");
    for (const v1::Member& m : members.members()) {
      if (m.handle() == "amir") listed = true;
    }
    EXPECT_TRUE(listed) << "a withdrawn member must stay listed";
    // A grant after a withdrawal starts a new chain: what came before it is hidden.
    const uint64_t head = ThreadHead(client_, net_.id(), thread_);
    GrantConsent(client_, net_.id(), "amir", sdk::Grant{});
    sdk::Result<v1::FetchHistoryResult> history = buddy_->FetchHistory(net_.id(), thread_);
    ASSERT_TRUE(IsOk(history));
    EXPECT_EQ(history->hidden_through_seq(), head);
    EXPECT_EQ(history->messages_size(), 0);
  }
}

TEST_F(ConsentWithdrawalTest, RemovalWhilePostingStopsDeliveryBeforeTheResponse) {
  for (int round = 0; round < 3; ++round) {
    RaceEndOfAccess("remove-" + std::to_string(round),
                    [&] { ASSERT_TRUE(IsOk(client_->RemoveMember(net_.id(), "amir"))); });
    if (HasFatalFailure()) return;
    v1::Invitation inv =
        Must(client_->Invite(net_.id(), "amir", "language buddy"), "invite again").invitation();
    Must(client_->ApproveInvitation(inv.id()), "approve again");
    EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
  }
}

TEST_F(ConsentWithdrawalTest, SubscribingWhileWithdrawnLeavesNothingRunning) {
  ASSERT_TRUE(IsOk(SubscribeTo(client_, net_.id(), {thread_})));
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const uint64_t head = ThreadHead(client_, net_.id(), thread_);
    // Amir subscribes again and again while ruth withdraws his consent.
    std::atomic<bool> stop{false};
    Watermark subscribed;
    std::thread subscribing([&] {
      for (uint64_t n = 1; !stop.load(); ++n) {
        sdk::Result<v1::SubscribeResult> r = SubscribeTo(buddy_, net_.id(), {thread_}, head);
        if (!r.ok() || r->threads(0).error().code() != v1::Error::CODE_UNSPECIFIED) break;
        subscribed.Raise(n);
      }
    });
    const bool racing = subscribed.WaitFor(2);
    WithdrawConsent(client_, net_.id(), "amir");
    stop = true;
    subscribing.join();
    ASSERT_TRUE(racing) << "amir could not subscribe before the withdrawal";

    // Whatever subscription a racing Subscribe made, none may deliver what follows.
    uint64_t first_after = 0, last_after = 0;
    for (int i = 0; i < 3; ++i) {
      last_after = Must(coach_->PostMessage(net_.id(), thread_,
                                            "r" + std::to_string(round) + "-" + std::to_string(i),
                                            "after the withdrawal"),
                        "post")
                       .seq();
      if (first_after == 0) first_after = last_after;
    }
    ASSERT_TRUE(WaitForEvent(*client_, [&](const v1::Event& e) {
                  return e.has_message_posted() && e.message_posted().message().seq() == last_after;
                }).has_value());
    for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
      EXPECT_FALSE(IsMessageIn(e, net_.id()) && e.message_posted().message().seq() >= first_after)
          << "a subscription outlived the withdrawal: " << e.DebugString();
    }
    GrantConsent(client_, net_.id(), "amir", sdk::Grant{});
  }
}

class ConsentExpiryTest : public CareNetworkTest {};

TEST_F(ConsentExpiryTest, ConsentRunsOutWithoutARestart) {
  const uint64_t head = ThreadHead(client_, net_.id(), thread_);
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_}, head)));
  sdk::Grant grant;
  grant.end_ms = NowMs() + 1500;
  v1::Consent consent = GrantConsent(client_, net_.id(), "amir", grant);
  EXPECT_EQ(consent.provision().end_ms(), grant.end_ms);
  EXPECT_EQ(consent.status(), v1::CONSENT_STATUS_ACTIVE);

  // While in force, the subscription delivers (unless the machine was too slow to see it).
  v1::PostMessageResult during =
      Must(coach_->PostMessage(net_.id(), thread_, "during", "still in force"), "post");
  std::vector<v1::Message> got = WaitForMessages(
      *buddy_, thread_, 1, std::max(0ms, std::chrono::milliseconds(grant.end_ms - NowMs())));
  if (got.empty()) {
    EXPECT_GE(NowMs(), grant.end_ms) << "a message posted while in force did not arrive";
  } else {
    EXPECT_EQ(got[0].seq(), during.seq());
  }

  // No background job: the first request after end_ms is refused. Never before it.
  bool denied = false;
  int64_t denied_seen_at = 0;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto r = buddy_->FetchHistory(net_.id(), thread_);
        if (r.ok()) return false;
        denied_seen_at = NowMs();
        denied = IsError(r, v1::Error::PERMISSION_DENIED);
        EXPECT_TRUE(denied) << r.error().ToString();
        return true;
      },
      10s))
      << "amir could still read 10 s after his consent ended";
  ASSERT_TRUE(denied);
  EXPECT_GE(denied_seen_at, grant.end_ms) << "refused before the consent ended";
  EXPECT_TRUE(IsError(buddy_->PostMessage(net_.id(), thread_, "late", "too late"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->ListThreads(net_.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(SubscribeDenied(SubscribeTo(buddy_, net_.id(), {thread_}), thread_));

  // A message after the end reaches the running subscription as AccessEnded, not as content.
  v1::PostMessageResult after =
      Must(coach_->PostMessage(net_.id(), thread_, "after", "consent has ended"), "post");
  bool access_ended = false;
  std::vector<v1::Event> events;
  std::optional<v1::Event> ended = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    events.push_back(e);
    return e.has_access_ended() && e.access_ended().network_id() == net_.id();
  });
  ASSERT_TRUE(ended.has_value()) << "amir got no AccessEnded after his consent ran out";
  EXPECT_TRUE(EndsThread(ended->access_ended(), net_.id(), thread_)) << ended->DebugString();
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  for (const v1::Event& e : events) {
    if (e.has_access_ended()) access_ended = true;
    if (!IsMessageIn(e, net_.id())) continue;
    EXPECT_FALSE(access_ended) << "message after AccessEnded: " << e.DebugString();
    EXPECT_NE(e.message_posted().message().seq(), after.seq()) << "delivered after the end";
    EXPECT_LT(e.message_posted().message().posted_at_ms(), grant.end_ms) << e.DebugString();
  }

  // The client sees the record as no longer in force; it is still the current one.
  const v1::ListMembersResult members = Must(client_->ListMembers(net_.id()), "members");
  for (const v1::Member& m : members.members()) {
    if (m.handle() != "amir") continue;
    EXPECT_EQ(m.consent().id(), consent.id());
    EXPECT_FALSE(sdk::InForce(m.consent(), NowMs()));
  }
}

TEST_F(ConsentExpiryTest, MovingTheEndKeepsTheSubscriptionRunning) {
  const uint64_t head = ThreadHead(client_, net_.id(), thread_);
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_}, head)));
  sdk::Grant grant;
  grant.end_ms = NowMs() + 1500;
  GrantConsent(client_, net_.id(), "amir", grant);
  // Before the first end: until withdrawn. The running subscription follows.
  grant.end_ms = 0;
  GrantConsent(client_, net_.id(), "amir", grant);
  const int64_t first_end = NowMs() + 1500;  // no earlier than the first grant's end
  ASSERT_TRUE(PollUntil([&] { return NowMs() > first_end; }, 10s));

  v1::PostMessageResult p =
      Must(coach_->PostMessage(net_.id(), thread_, "later", "after the first end"), "post");
  std::vector<v1::Event> events;
  std::optional<v1::Event> got = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    events.push_back(e);
    return e.has_message_posted() && e.message_posted().message().seq() == p.seq();
  });
  EXPECT_TRUE(got.has_value()) << "the extended consent did not keep the subscription";
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  for (const v1::Event& e : events) EXPECT_FALSE(e.has_access_ended()) << e.DebugString();
}

TEST_F(ConsentExpiryTest, GrantStartingLaterEndsAccessUntilItStarts) {
  ASSERT_TRUE(
      IsOk(SubscribeTo(buddy_, net_.id(), {thread_}, ThreadHead(client_, net_.id(), thread_))));
  sdk::Grant grant;
  grant.start_ms = NowMs() + 1500;
  GrantConsent(client_, net_.id(), "amir", grant);
  // Not in force yet: the running subscription ended inside the write.
  bool access_ended = false;
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    if (e.has_access_ended() && EndsThread(e.access_ended(), net_.id(), thread_)) {
      access_ended = true;
    }
  }
  EXPECT_TRUE(access_ended) << "a grant starting later left the subscription running";
  auto early = buddy_->FetchHistory(net_.id(), thread_);
  if (NowMs() < grant.start_ms) {
    EXPECT_TRUE(IsError(early, v1::Error::PERMISSION_DENIED)) << "read before the start";
  }
  ASSERT_TRUE(PollUntil([&] { return buddy_->FetchHistory(net_.id(), thread_).ok(); }, 10s))
      << "the grant never came into force";
  EXPECT_GE(NowMs(), grant.start_ms) << "in force before its start";
}

TEST_F(ConsentExpiryTest, NoNetworkEventsReachAnExpiredMember) {
  const uint64_t head = ThreadHead(client_, net_.id(), thread_);
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_}, head)));
  sdk::Grant grant;
  grant.end_ms = NowMs() + 1500;
  GrantConsent(client_, net_.id(), "amir", grant);
  ASSERT_TRUE(PollUntil([&] { return !buddy_->ListMembers(net_.id()).ok(); }, 10s))
      << "amir's consent did not run out";

  // Nothing has been posted since: amir's subscription is still registered, past its end.
  Person gp = world_->AddMember("dr.bakker", "GP");
  v1::Invitation inv = Must(client_->Invite(net_.id(), "dr.bakker", "GP"), "invite").invitation();
  Must(client_->ApproveInvitation(inv.id()), "approve");
  const uint64_t seq =
      Must(coach_->PostMessage(net_.id(), thread_, "after", "after the end"), "post").seq();
  std::vector<v1::Event> events;
  std::optional<v1::Event> ended = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    events.push_back(e);
    return e.has_access_ended() && e.access_ended().network_id() == net_.id();
  });
  ASSERT_TRUE(ended.has_value()) << "amir got no AccessEnded";
  for (v1::Event& e : EventsUntilRoundTrip(*buddy_)) events.push_back(std::move(e));
  for (const v1::Event& e : events) {
    EXPECT_FALSE(e.has_membership_changed() &&
                 e.membership_changed().member().handle() == "dr.bakker")
        << "after the end: " << e.DebugString();
    EXPECT_FALSE(IsMessageIn(e, net_.id()) && e.message_posted().message().seq() == seq)
        << e.DebugString();
  }
}

}  // namespace
}  // namespace kring::integration
