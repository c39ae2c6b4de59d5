#include "kring/consent.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kring::sdk {
namespace {

std::vector<v1::ConsentAction> Actions(const v1::ConsentProvision& p) {
  std::vector<v1::ConsentAction> out;
  for (int a : p.actions()) out.push_back(static_cast<v1::ConsentAction>(a));
  return out;
}

TEST(ToProvision, DefaultGrantIsEveryThreadReadAndPostWithoutHistory) {
  v1::ConsentProvision p = ToProvision(Grant{});
  EXPECT_TRUE(p.all_threads());
  EXPECT_EQ(p.thread_ids_size(), 0);
  EXPECT_EQ(Actions(p),
            (std::vector<v1::ConsentAction>{v1::CONSENT_ACTION_READ, v1::CONSENT_ACTION_POST}));
  EXPECT_FALSE(p.history_visible());
  EXPECT_EQ(p.start_ms(), 0);
  EXPECT_EQ(p.end_ms(), 0);
}

TEST(ToProvision, ActionsAlwaysIncludeRead) {
  struct Case {
    bool post, coordinate;
    std::vector<v1::ConsentAction> want;
  };
  const Case cases[] = {
      {false, false, {v1::CONSENT_ACTION_READ}},
      {true, false, {v1::CONSENT_ACTION_READ, v1::CONSENT_ACTION_POST}},
      {false, true, {v1::CONSENT_ACTION_READ, v1::CONSENT_ACTION_COORDINATE}},
      {true,
       true,
       {v1::CONSENT_ACTION_READ, v1::CONSENT_ACTION_POST, v1::CONSENT_ACTION_COORDINATE}},
  };
  for (const Case& c : cases) {
    Grant g;
    g.post = c.post;
    g.coordinate = c.coordinate;
    EXPECT_EQ(Actions(ToProvision(g)), c.want)
        << "post=" << c.post << " coordinate=" << c.coordinate;
  }
}

TEST(ToProvision, ThreadListKeepsOrderAndDropsDuplicates) {
  Grant g;
  g.thread_ids = {7, 3, 7, 9, 3};
  g.history = true;
  g.start_ms = 1'000;
  g.end_ms = 2'000;
  v1::ConsentProvision p = ToProvision(g);
  EXPECT_FALSE(p.all_threads());
  EXPECT_EQ(std::vector<uint64_t>(p.thread_ids().begin(), p.thread_ids().end()),
            (std::vector<uint64_t>{7, 3, 9}));
  EXPECT_TRUE(p.history_visible());
  EXPECT_EQ(p.start_ms(), 1'000);
  EXPECT_EQ(p.end_ms(), 2'000);
}

TEST(TeamThreadsProvision, IsOnlyTeamThreads) {
  v1::ConsentProvision p = TeamThreadsProvision();
  EXPECT_EQ(Actions(p), std::vector<v1::ConsentAction>{v1::CONSENT_ACTION_TEAM_THREADS});
  EXPECT_FALSE(p.all_threads());
  EXPECT_EQ(p.thread_ids_size(), 0);
}

TEST(InForce, StatusStartAndEnd) {
  struct Case {
    std::string name;
    v1::ConsentStatus status;
    int64_t start_ms, end_ms, now_ms;
    bool want;
  };
  const Case cases[] = {
      {"active, open-ended", v1::CONSENT_STATUS_ACTIVE, 100, 0, 100, true},
      {"active, long after start, open-ended", v1::CONSENT_STATUS_ACTIVE, 100, 0, 1'000'000, true},
      {"active, not yet started", v1::CONSENT_STATUS_ACTIVE, 100, 0, 99, false},
      {"active, inside the period", v1::CONSENT_STATUS_ACTIVE, 100, 200, 199, true},
      {"active, at the end (exclusive)", v1::CONSENT_STATUS_ACTIVE, 100, 200, 200, false},
      {"active, after the end", v1::CONSENT_STATUS_ACTIVE, 100, 200, 300, false},
      {"withdrawn, inside the period", v1::CONSENT_STATUS_WITHDRAWN, 100, 0, 150, false},
      {"unspecified status", v1::CONSENT_STATUS_UNSPECIFIED, 100, 0, 150, false},
  };
  for (const Case& c : cases) {
    v1::Consent consent;
    consent.set_status(c.status);
    consent.mutable_provision()->set_start_ms(c.start_ms);
    consent.mutable_provision()->set_end_ms(c.end_ms);
    EXPECT_EQ(InForce(consent, c.now_ms), c.want) << c.name;
  }
}

}  // namespace
}  // namespace kring::sdk
