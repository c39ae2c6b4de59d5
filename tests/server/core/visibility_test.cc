// Who sees whom, as a table a reviewer can read line by line: every kind of viewer × every kind of
// person in one network, with what the viewer is shown. docs/consent.md ("Who sees whom") says
// the same in words.
#include "server/core/visibility.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace kring {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

// The network's threads: General and Werk (plain), Gezondheid (sensitive), and one of the team
// without the client.
constexpr uint64_t kGeneral = 1, kWerk = 2, kHealth = 3, kTeam = 4;
const std::vector<ThreadRef> kThreads = {
    {kGeneral}, {kWerk}, {kHealth, false, /*sensitive=*/true}, {kTeam, /*team_only=*/true}};

v1::Consent ConsentFor(bool all_threads, std::vector<uint64_t> named,
                       std::vector<v1::ConsentAction> actions) {
  v1::Consent c;
  c.set_id(100);
  c.set_status(v1::CONSENT_STATUS_ACTIVE);
  c.mutable_provision()->set_all_threads(all_threads);
  for (uint64_t t : named) c.mutable_provision()->add_thread_ids(t);
  c.mutable_provision()->add_actions(v1::CONSENT_ACTION_READ);
  for (auto a : actions) c.mutable_provision()->add_actions(a);
  c.mutable_provision()->set_start_ms(kNow - 60'000);
  return c;
}

// The cast, by name.
std::map<std::string, Person> Cast() {
  std::map<std::string, Person> cast;
  cast["client"] = {1, v1::MEMBER_ROLE_CLIENT, std::nullopt};
  cast["rep"] = {2, v1::MEMBER_ROLE_REPRESENTATIVE, std::nullopt};
  cast["coord"] = {3, v1::MEMBER_ROLE_COORDINATOR,
                   ConsentFor(true, {}, {v1::CONSENT_ACTION_POST, v1::CONSENT_ACTION_COORDINATE})};
  cast["coach"] = {4, v1::MEMBER_ROLE_MEMBER, ConsentFor(true, {}, {v1::CONSENT_ACTION_POST})};
  cast["gp"] = {5, v1::MEMBER_ROLE_MEMBER, ConsentFor(false, {kHealth}, {})};
  cast["buddy"] = {6, v1::MEMBER_ROLE_MEMBER, ConsentFor(false, {kWerk}, {})};
  Person withdrawn{7, v1::MEMBER_ROLE_MEMBER, ConsentFor(true, {}, {})};
  withdrawn.consent->set_status(v1::CONSENT_STATUS_WITHDRAWN);
  cast["withdrawn"] = withdrawn;
  Person expired{8, v1::MEMBER_ROLE_MEMBER, ConsentFor(true, {}, {})};
  expired.consent->mutable_provision()->set_end_ms(kNow);
  cast["expired"] = expired;
  // A member who may invite others, with one thread: a coordinator too.
  cast["inviter"] = {9, v1::MEMBER_ROLE_MEMBER,
                     ConsentFor(false, {kWerk}, {v1::CONSENT_ACTION_COORDINATE})};
  return cast;
}

Standing StandingOf(const Person& p) {
  Standing s;
  s.network_exists = true;
  s.role = p.role;
  s.consent = p.consent;
  s.now_ms = kNow;
  return s;
}

// L listed, D details (profession, role label), C the consent record, F whether access is in
// force, B a representative's basis; "-": not shown at all.
std::string Code(const Shown& s) {
  std::string out;
  if (s.listed) out += 'L';
  if (s.details) out += 'D';
  if (s.consent) out += 'C';
  if (s.access_flag) out += 'F';
  if (s.basis) out += 'B';
  return out.empty() ? "-" : out;
}

const std::vector<std::string> kPeople = {"client", "rep",       "coord",   "coach",  "gp",
                                          "buddy",  "withdrawn", "expired", "inviter"};

struct Row {
  const char* viewer;
  std::vector<std::string> expected;  // one per kPeople
};

// clang-format off
const Row kTable[] = {
//  viewer       client  rep     coord   coach   gp      buddy   withdrawn expired inviter
    // The client and representatives decide: everyone, everything.
    {"client",  {"LDF",  "LDFB", "LDCF", "LDCF", "LDCF", "LDCF", "LDCF",   "LDCF", "LDCF"}},
    {"rep",     {"LDF",  "LDFB", "LDCF", "LDCF", "LDCF", "LDCF", "LDCF",   "LDCF", "LDCF"}},
    // A coordinator sees every member and whether their access is in force; details only of
    // those who share a thread with them (not the GP on the sensitive thread) or coordinate.
    {"coord",   {"LD",   "LD",   "LDCF", "LDF",  "LF",   "LDF",  "LF",     "LF",   "LDF"}},
    {"inviter", {"LD",   "LD",   "LDF",  "LDF",  "LF",   "LDF",  "LF",     "LF",   "LDCF"}},
    // Members see the client, the representatives, the coordinators and who reads a thread they
    // read; nobody whose access ended.
    {"coach",   {"LD",   "LD",   "LD",   "LDCF", "-",    "LD",   "-",      "-",    "LD"}},
    {"gp",      {"LD",   "LD",   "LD",   "-",    "LDCF", "-",    "-",      "-",    "LD"}},
    {"buddy",   {"LD",   "LD",   "LD",   "LD",   "-",    "LDCF", "-",      "-",    "LD"}},
};
// clang-format on

TEST(VisibilityTest, EveryViewerSeesWhatTheTableSays) {
  const auto cast = Cast();
  for (const Row& row : kTable) {
    const Person& viewer = cast.at(row.viewer);
    ASSERT_EQ(row.expected.size(), kPeople.size());
    for (size_t i = 0; i < kPeople.size(); ++i) {
      const Shown shown = ShownTo(viewer, StandingOf(viewer), cast.at(kPeople[i]), kThreads);
      EXPECT_EQ(Code(shown), row.expected[i]) << row.viewer << " sees " << kPeople[i];
    }
  }
}

// Marking Gezondheid not sensitive puts the coordinator and the GP in one thread: they see
// each other.
TEST(VisibilityTest, SensitivityDecidesWhoSharesAThread) {
  auto cast = Cast();
  std::vector<ThreadRef> plain = kThreads;
  plain[2].sensitive = false;
  EXPECT_EQ(Code(ShownTo(cast["coach"], StandingOf(cast["coach"]), cast["gp"], plain)), "LD");
  EXPECT_EQ(Code(ShownTo(cast["gp"], StandingOf(cast["gp"]), cast["coach"], plain)), "LD");
  // Named in the coach's consent: the same while it is sensitive.
  cast["coach"].consent->mutable_provision()->add_thread_ids(kHealth);
  EXPECT_EQ(Code(ShownTo(cast["coach"], StandingOf(cast["coach"]), cast["gp"], kThreads)), "LD");
}

TEST(VisibilityTest, ReadsThreadFollowsTheConsentAndTheRole) {
  const auto cast = Cast();
  EXPECT_TRUE(ReadsThread(cast.at("client"), kThreads[2], kNow));
  EXPECT_FALSE(ReadsThread(cast.at("client"), kThreads[3], kNow));  // team-only
  EXPECT_FALSE(ReadsThread(cast.at("coach"), kThreads[2], kNow));   // sensitive, not named
  EXPECT_TRUE(ReadsThread(cast.at("coach"), kThreads[3], kNow));
  EXPECT_TRUE(ReadsThread(cast.at("gp"), kThreads[2], kNow));
  EXPECT_FALSE(ReadsThread(cast.at("withdrawn"), kThreads[0], kNow));
  EXPECT_FALSE(ReadsThread(cast.at("expired"), kThreads[0], kNow));
  EXPECT_TRUE(Coordinates(cast.at("inviter"), kNow));
  EXPECT_FALSE(Coordinates(cast.at("coach"), kNow));
  EXPECT_FALSE(AccessInForce(cast.at("withdrawn"), kNow));
}

}  // namespace
}  // namespace kring
