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
  EXPECT_EQ(HiddenThrough(c, {1}), 40u);
  EXPECT_EQ(HiddenThrough(c, {2}), 0u);
  EXPECT_EQ(HiddenThrough(c, {99}), 0u);  // created later: wholly visible
}

TEST(NextGrantTest, WithHistoryNothingIsHidden) {
  v1::Consent c = NextGrant(std::nullopt, Normalized(Provision({}, true)), kHeads, kNow);
  EXPECT_TRUE(Hidden(c).empty());
  EXPECT_EQ(HiddenThrough(c, {1}), 0u);
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

// --- Sensitive threads ----------------------------------------------------------------------

v1::ConsentProvision AllThreadsNaming(std::vector<uint64_t> named, bool history = false) {
  v1::ConsentProvision p = Provision({}, history);
  for (uint64_t t : named) p.add_thread_ids(t);
  return p;
}

v1::Consent Granted(const v1::ConsentProvision& p, const std::vector<ThreadHead>& heads) {
  v1::Consent c = NextGrant(std::nullopt, Normalized(p), heads, kNow);
  c.set_id(10);
  return c;
}

TEST(SensitiveScopeTest, AllThreadsCoversASensitiveThreadOnlyWhenNamed) {
  const ThreadScope plain{1};
  const ThreadScope health{2, /*sensitive=*/true};
  const v1::Consent all = Granted(Provision({}), {});
  EXPECT_TRUE(CoversThread(all, plain));
  EXPECT_FALSE(CoversThread(all, health));
  const v1::Consent naming = Granted(AllThreadsNaming({2}), {});
  EXPECT_TRUE(CoversThread(naming, plain));
  EXPECT_TRUE(CoversThread(naming, health));
  // A list of threads covers what it names, sensitive or not.
  const v1::Consent some = Granted(Provision({2}), {});
  EXPECT_FALSE(CoversThread(some, plain));
  EXPECT_TRUE(CoversThread(some, health));
}

TEST(SensitiveScopeTest, NormalizeKeepsTheNamedThreadsOfAnAllThreadsProvision) {
  v1::ConsentProvision n = Normalized(AllThreadsNaming({9, 3, 9}));
  EXPECT_TRUE(n.all_threads());
  EXPECT_EQ(std::vector<uint64_t>(n.thread_ids().begin(), n.thread_ids().end()),
            (std::vector<uint64_t>{3, 9}));
  EXPECT_FALSE(NormalizeProvision(AllThreadsNaming({0}), false, kNow).ok());
}

TEST(SensitiveScopeTest, MarkingCutsTheAllThreadsGranteesThatDoNotNameIt) {
  const ThreadScope before{2};
  const ThreadScope after{2, true};
  EXPECT_TRUE(LosesThread(Granted(Provision({}), {}), before, after, kNow));
  EXPECT_FALSE(LosesThread(Granted(AllThreadsNaming({2}), {}), before, after, kNow));
  EXPECT_FALSE(LosesThread(Granted(Provision({2}), {}), before, after, kNow));
  EXPECT_FALSE(LosesThread(Granted(Provision({1}), {}), before, after, kNow));  // never had it
  // Not in force: nothing to cut.
  EXPECT_FALSE(LosesThread(NextWithdrawal(Granted(Provision({}), {}), kNow), before, after, kNow));
  // Unmarking takes nothing from anyone.
  EXPECT_FALSE(LosesThread(Granted(Provision({}), {}), after, before, kNow));
}

// A thread that became sensitive fell out of an all-threads scope; naming it in a later grant
// brings it into scope anew: what it holds then is history, as after narrowing and widening.
TEST(SensitiveScopeTest, NamingAThreadThatBecameSensitiveHidesWhatItHoldsThen) {
  const v1::Consent first = Granted(Provision({}), {{1, 10}, {2, 4}});
  EXPECT_EQ(Hidden(first), (std::map<uint64_t, uint64_t>{{1, 10}, {2, 4}}));
  // Thread 2 was marked sensitive at seq 7; it now holds 12.
  const std::vector<ThreadHead> later = {{1, 15}, {2, 12, /*sensitive=*/true}};
  v1::Consent second =
      NextGrant(first, Normalized(AllThreadsNaming({2}), kNow + 10), later, kNow + 10);
  EXPECT_EQ(Hidden(second), (std::map<uint64_t, uint64_t>{{1, 10}, {2, 12}}));
  // With history, nothing is hidden.
  v1::Consent with_history =
      NextGrant(first, Normalized(AllThreadsNaming({2}, true), kNow + 10), later, kNow + 10);
  EXPECT_EQ(HiddenThrough(with_history, later[1].scope()), 0u);
  // Named before it was marked: it never left the scope, and keeps its boundary.
  const v1::Consent named = Granted(AllThreadsNaming({2}), {{1, 10}, {2, 4}});
  v1::Consent kept =
      NextGrant(named, Normalized(AllThreadsNaming({2}), kNow + 10), later, kNow + 10);
  EXPECT_EQ(HiddenThrough(kept, later[1].scope()), 4u);
}

// Unmarked at seq 20: the thread comes back into the all-threads scopes that did not name it,
// and what it holds then was posted while it was outside them.
TEST(SensitiveScopeTest, UnmarkingHidesWhatWasPostedWhileSensitiveFromAllThreadsGrantees) {
  const ThreadScope unmarked{2, false, 20};
  const v1::Consent all = Granted(Provision({}), {{2, 4}});
  EXPECT_EQ(HiddenThrough(all, unmarked), 20u);
  // Granted while it was sensitive (no boundary of its own): still hidden through 20.
  const v1::Consent while_sensitive = Granted(Provision({}), {{2, 9, true}});
  EXPECT_EQ(Hidden(while_sensitive), (std::map<uint64_t, uint64_t>{}));
  EXPECT_EQ(HiddenThrough(while_sensitive, unmarked), 20u);
  // Those who named it never lost it; those with history see it all.
  EXPECT_EQ(HiddenThrough(Granted(AllThreadsNaming({2}), {{2, 4}}), unmarked), 4u);
  EXPECT_EQ(HiddenThrough(Granted(Provision({}, true), {{2, 4}}), unmarked), 0u);
  // A later grant in the same chain keeps the boundary (it does not hand back what was hidden).
  v1::Consent regrant =
      NextGrant(all, Normalized(Provision({}), kNow + 10), {{2, 25, false, 20}}, kNow + 10);
  EXPECT_EQ(HiddenThrough(regrant, unmarked), 20u);
}

TEST(CutBetweenTest, NarrowingCutsTheThreadsThatFellOut) {
  v1::Consent all = NextGrant(std::nullopt, Normalized(Provision({})), kHeads, kNow);
  v1::Consent one = NextGrant(all, Normalized(Provision({3})), kHeads, kNow);
  AccessCut cut = CutBetween(all, one, {{1}, {2}, {3}}, kNow);
  EXPECT_FALSE(cut.whole_network);
  EXPECT_EQ(cut.thread_ids, (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(CutBetween(one, all, {{1}, {2}, {3}}, kNow).empty());  // widening takes nothing
}

TEST(CutBetweenTest, WithdrawalOrAFutureStartCutsEverything) {
  v1::Consent all = NextGrant(std::nullopt, Normalized(Provision({})), kHeads, kNow);
  EXPECT_TRUE(CutBetween(all, NextWithdrawal(all, kNow), {{1}}, kNow).whole_network);
  v1::ConsentProvision later = Provision({});
  later.set_start_ms(kNow + 60'000);
  v1::Consent future = NextGrant(all, Normalized(later), kHeads, kNow);
  EXPECT_TRUE(CutBetween(all, future, {{1}}, kNow).whole_network);
  // Nothing was in force before: nothing to cut.
  EXPECT_TRUE(CutBetween(std::nullopt, future, {{1}}, kNow).empty());
}

// --- The plan scope (issue 15, item 1) ---

TEST(NormalizeProvisionTest, APlanScopeAloneNeedsNoThreadAndUnknownScopesAreRefused) {
  v1::ConsentProvision plan_only;
  plan_only.set_plan(v1::PLAN_SCOPE_READ);
  auto n = NormalizeProvision(plan_only, /*for_team=*/false, kNow);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->plan(), v1::PLAN_SCOPE_READ);
  EXPECT_FALSE(n->all_threads());
  EXPECT_EQ(n->thread_ids_size(), 0);
  v1::ConsentProvision unknown = Provision({});
  unknown.set_plan(static_cast<v1::PlanScope>(9));
  EXPECT_EQ(NormalizeProvision(unknown, false, kNow).status().code(), Code::kInvalidArgument);
  // The plan scope of the team's consent to team-only threads means nothing: it is dropped.
  v1::ConsentProvision team;
  team.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
  team.set_plan(v1::PLAN_SCOPE_UPDATE_ASSIGNED);
  auto t = NormalizeProvision(team, /*for_team=*/true, kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->plan(), v1::PLAN_SCOPE_NONE);
}

TEST(LosesPlanTest, OnlyANarrowingThatKeepsTheNetworkButDropsThePlan) {
  auto with = [](v1::PlanScope scope, v1::ConsentStatus status = v1::CONSENT_STATUS_ACTIVE) {
    v1::Consent c;
    c.set_status(status);
    c.mutable_provision()->set_all_threads(true);
    c.mutable_provision()->set_start_ms(kNow - 1);
    c.mutable_provision()->set_plan(scope);
    return c;
  };
  const auto none = v1::PLAN_SCOPE_NONE, read = v1::PLAN_SCOPE_READ,
             update = v1::PLAN_SCOPE_UPDATE_ASSIGNED;
  EXPECT_TRUE(LosesPlan(with(read), with(none), kNow));
  EXPECT_TRUE(LosesPlan(with(update), with(none), kNow));
  EXPECT_FALSE(LosesPlan(with(update), with(read), kNow));  // still reads it
  EXPECT_FALSE(LosesPlan(with(none), with(none), kNow));
  v1::Consent coordinating = with(none);
  coordinating.mutable_provision()->add_actions(v1::CONSENT_ACTION_COORDINATE);
  EXPECT_FALSE(LosesPlan(with(read), coordinating, kNow));  // edits it as a coordinator
  EXPECT_TRUE(LosesPlan(coordinating, with(none), kNow));
  EXPECT_FALSE(LosesPlan(std::nullopt, with(none), kNow));
  // Withdrawn: the whole network is cut (AccessEnded), not the plan alone.
  EXPECT_FALSE(LosesPlan(with(read), with(read, v1::CONSENT_STATUS_WITHDRAWN), kNow));
  EXPECT_FALSE(LosesPlan(with(read, v1::CONSENT_STATUS_WITHDRAWN), with(none), kNow));
}

}  // namespace
}  // namespace kring
