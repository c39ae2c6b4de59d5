#include "server/core/consent.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace kring {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

v1::ConsentProvision Provision(std::vector<uint64_t> threads, bool history = false) {
  v1::ConsentProvision p;
  p.set_all_threads(threads.empty());
  for (uint64_t t : threads) p.add_thread_ids(t);
  p.add_actions(v1::CONSENT_ACTION_POST);
  p.set_history_visible(history);
  return p;
}

v1::ConsentProvision Normalized(const v1::ConsentProvision& p, int64_t now = kNow) {
  auto n = NormalizeProvision(p, /*for_team=*/false, now);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : v1::ConsentProvision();
}

std::map<uint64_t, uint64_t> Hidden(const v1::Consent& c) {
  return {c.hidden_through_seq().begin(), c.hidden_through_seq().end()};
}

TEST(InForceTest, HonoursStatusStartAndExclusiveEnd) {
  v1::Consent c;
  c.set_status(v1::CONSENT_STATUS_ACTIVE);
  c.mutable_provision()->set_start_ms(100);
  c.mutable_provision()->set_end_ms(200);
  EXPECT_FALSE(InForce(c, 99));
  EXPECT_TRUE(InForce(c, 100));
  EXPECT_TRUE(InForce(c, 199));
  EXPECT_FALSE(InForce(c, 200));
  c.mutable_provision()->set_end_ms(0);
  EXPECT_TRUE(InForce(c, 1'000'000'000'000'000));
  c.set_status(v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_FALSE(InForce(c, 150));
  EXPECT_NE(NotInForceReason(c, 150).find("withdrawn"), std::string::npos);
}

TEST(FormatUtcTest, WritesRfc3339InUtc) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(1'772'528'100'000), "2026-03-03T08:55:00Z");
}

TEST(NormalizeProvisionTest, AddsReadSortsThreadsAndStartsNow) {
  v1::ConsentProvision p = Provision({9, 3, 9});
  v1::ConsentProvision n = Normalized(p);
  EXPECT_EQ(std::vector<uint64_t>(n.thread_ids().begin(), n.thread_ids().end()),
            (std::vector<uint64_t>{3, 9}));
  ASSERT_EQ(n.actions_size(), 2);
  EXPECT_EQ(n.actions(0), v1::CONSENT_ACTION_READ);
  EXPECT_EQ(n.actions(1), v1::CONSENT_ACTION_POST);
  EXPECT_EQ(n.start_ms(), kNow);
}

TEST(NormalizeProvisionTest, RefusesWhatMakesNoSense) {
  auto bad = [](v1::ConsentProvision p, bool team = false) {
    return NormalizeProvision(p, team, kNow).status().code();
  };
  v1::ConsentProvision no_threads;
  EXPECT_EQ(bad(no_threads), Code::kInvalidArgument);  // neither all nor a list
  v1::ConsentProvision zero = Provision({0});
  EXPECT_EQ(bad(zero), Code::kInvalidArgument);
  v1::ConsentProvision backwards = Provision({});
  backwards.set_start_ms(kNow);
  backwards.set_end_ms(kNow);
  EXPECT_EQ(bad(backwards), Code::kInvalidArgument);
  v1::ConsentProvision team_action = Provision({});
  team_action.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
  EXPECT_EQ(bad(team_action), Code::kInvalidArgument);  // not for a person
  v1::ConsentProvision unknown = Provision({});
  unknown.add_actions(static_cast<v1::ConsentAction>(77));
  EXPECT_EQ(bad(unknown), Code::kInvalidArgument);
  EXPECT_EQ(bad(Provision({}), /*team=*/true), Code::kInvalidArgument);  // POST for the team
}

TEST(NormalizeProvisionTest, TheTeamGetsOnlyTeamThreads) {
  v1::ConsentProvision p;
  p.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
  p.add_thread_ids(5);  // ignored: the team consent is about threads to come
  auto n = NormalizeProvision(p, /*for_team=*/true, kNow);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_TRUE(n->all_threads());
  EXPECT_EQ(n->thread_ids_size(), 0);
  ASSERT_EQ(n->actions_size(), 1);
  EXPECT_EQ(n->actions(0), v1::CONSENT_ACTION_TEAM_THREADS);
}

const std::vector<ThreadHead> kHeads = {{1, 40}, {2, 0}, {3, 12}};

TEST(NextGrantTest, AFirstGrantWithoutHistoryHidesWhatIsThereNow) {
  v1::Consent c = NextGrant(std::nullopt, Normalized(Provision({})), kHeads, kNow);
  EXPECT_EQ(c.status(), v1::CONSENT_STATUS_ACTIVE);
  EXPECT_EQ(c.supersedes(), 0u);
  EXPECT_EQ(c.access_since_ms(), kNow);
  EXPECT_EQ(Hidden(c), (std::map<uint64_t, uint64_t>{{1, 40}, {3, 12}}));
  EXPECT_EQ(HiddenThrough(c, 1), 40u);
  EXPECT_EQ(HiddenThrough(c, 2), 0u);
  EXPECT_EQ(HiddenThrough(c, 99), 0u);  // created later: wholly visible
}

TEST(NextGrantTest, WithHistoryNothingIsHidden) {
  v1::Consent c = NextGrant(std::nullopt, Normalized(Provision({}, true)), kHeads, kNow);
  EXPECT_TRUE(Hidden(c).empty());
  EXPECT_EQ(HiddenThrough(c, 1), 0u);
}

TEST(NextGrantTest, AnUnbrokenChainKeepsWhatWasVisibleAndHidesWhatComesIntoScope) {
  v1::Consent first = NextGrant(std::nullopt, Normalized(Provision({1})), kHeads, kNow);
  first.set_id(10);
  EXPECT_EQ(Hidden(first), (std::map<uint64_t, uint64_t>{{1, 40}}));
  // Later, with more messages everywhere, the scope widens to every thread.
  const std::vector<ThreadHead> later = {{1, 50}, {2, 5}, {3, 20}};
  v1::Consent second = NextGrant(first, Normalized(Provision({}), kNow + 10), later, kNow + 10);
  EXPECT_EQ(second.supersedes(), 10u);
  EXPECT_EQ(second.access_since_ms(), kNow);  // the chain goes on
  // Thread 1 keeps its boundary; 2 and 3 come into scope now.
  EXPECT_EQ(Hidden(second), (std::map<uint64_t, uint64_t>{{1, 40}, {2, 5}, {3, 20}}));
}

TEST(NextGrantTest, AGrantAfterAWithdrawalStartsANewChain) {
  v1::Consent first = NextGrant(std::nullopt, Normalized(Provision({}, true)), kHeads, kNow);
  first.set_id(10);
  v1::Consent withdrawn = NextWithdrawal(first, kNow + 5);
  withdrawn.set_id(11);
  EXPECT_EQ(withdrawn.status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(withdrawn.supersedes(), 10u);
  const std::vector<ThreadHead> later = {{1, 60}};
  v1::Consent again = NextGrant(withdrawn, Normalized(Provision({}), kNow + 9), later, kNow + 9);
  EXPECT_EQ(again.supersedes(), 11u);
  EXPECT_EQ(again.access_since_ms(), kNow + 9);
  EXPECT_EQ(Hidden(again), (std::map<uint64_t, uint64_t>{{1, 60}}));
}

TEST(CutBetweenTest, NarrowingCutsTheThreadsThatFellOut) {
  v1::Consent all = NextGrant(std::nullopt, Normalized(Provision({})), kHeads, kNow);
  v1::Consent one = NextGrant(all, Normalized(Provision({3})), kHeads, kNow);
  AccessCut cut = CutBetween(all, one, {1, 2, 3}, kNow);
  EXPECT_FALSE(cut.whole_network);
  EXPECT_EQ(cut.thread_ids, (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(CutBetween(one, all, {1, 2, 3}, kNow).empty());  // widening takes nothing
}

TEST(CutBetweenTest, WithdrawalOrAFutureStartCutsEverything) {
  v1::Consent all = NextGrant(std::nullopt, Normalized(Provision({})), kHeads, kNow);
  EXPECT_TRUE(CutBetween(all, NextWithdrawal(all, kNow), {1}, kNow).whole_network);
  v1::ConsentProvision later = Provision({});
  later.set_start_ms(kNow + 60'000);
  v1::Consent future = NextGrant(all, Normalized(later), kHeads, kNow);
  EXPECT_TRUE(CutBetween(all, future, {1}, kNow).whole_network);
  // Nothing was in force before: nothing to cut.
  EXPECT_TRUE(CutBetween(std::nullopt, future, {1}, kNow).empty());
}

}  // namespace
}  // namespace kring
