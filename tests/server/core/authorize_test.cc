// Authorization decisions as tables a reviewer can read line by line: every standing in a network
// × every kind of actor × every operation, with the code each must get. The expected codes are
// written out, never computed, so a change in policy shows up here as a changed cell.
#include "server/core/authorize.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace kring {
namespace {

// Column order of every row below.
constexpr std::array kOps = {
    Operation::kListMembers, Operation::kListThreads,
    Operation::kReadHistory, Operation::kReceiveLive,
    Operation::kPost,        Operation::kCreateThread,
    Operation::kMarkRead,    Operation::kListReadMarkers,
    Operation::kInvite,      Operation::kApproveInvitation,
    Operation::kRemoveOther, Operation::kLeave,
};
// A new Operation must get a column here (and a cell in every row).
static_assert(static_cast<int>(Operation::kLeave) + 1 == kOps.size(),
              "add the new operation to kOps and to every row of kAuthorizeTable");

// Short names keep the table readable.
constexpr Code OK = Code::kOk;
constexpr Code DENY = Code::kPermissionDenied;
constexpr Code GONE = Code::kNotFound;
constexpr Code PRE = Code::kFailedPrecondition;

constexpr v1::AccountKind kClient = v1::ACCOUNT_KIND_CLIENT;
constexpr v1::AccountKind kMember = v1::ACCOUNT_KIND_MEMBER;
constexpr v1::AccountKind kAdmin = v1::ACCOUNT_KIND_ADMIN;
constexpr v1::AccountKind kAuditor = v1::ACCOUNT_KIND_AUDITOR;

enum class Place {
  kClient,                // approved, role client
  kCoordinator,           // approved, role coordinator
  kMember,                // approved, role member
  kPendingInvitee,        // invited, not yet approved: no role
  kRemoved,               // was a member, removed or left: no role
  kStranger,              // never had anything to do with the network: no role
  kNoNetwork,             // the network does not exist
  kNoNetworkRoleClaimed,  // the network does not exist, yet a (stale) role is passed in
};

Standing StandingFor(Place place) {
  switch (place) {
    case Place::kClient:
      return {true, v1::MEMBER_ROLE_CLIENT};
    case Place::kCoordinator:
      return {true, v1::MEMBER_ROLE_COORDINATOR};
    case Place::kMember:
      return {true, v1::MEMBER_ROLE_MEMBER};
    case Place::kPendingInvitee:
    case Place::kRemoved:
    case Place::kStranger:
      return {true, std::nullopt};
    case Place::kNoNetwork:
      return {false, std::nullopt};
    case Place::kNoNetworkRoleClaimed:
      return {false, v1::MEMBER_ROLE_CLIENT};
  }
  return {};
}

struct Row {
  const char* name;  // names the row in failures and in the test name
  Place place;
  v1::AccountKind kind;
  std::array<Code, kOps.size()> expected;
};

// clang-format off
const Row kAuthorizeTable[] = {
//  name                               place                         actor       ListMem ListThr History Live    Post    NewThr  Mark    Markers Invite  Approve Remove  Leave
    // The client of the network: the only one who decides who is in it, and who cannot leave.
    {"Client_AsClient",                Place::kClient,               kClient,   {OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     PRE}},
    {"Client_AsMember",                Place::kClient,               kMember,   {OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     PRE}},
    {"Client_AsAdmin",                 Place::kClient,               kAdmin,    {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Client_AsAuditor",               Place::kClient,               kAuditor,  {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    // A coordinator invites, but the client approves and removes.
    {"Coordinator_AsClient",           Place::kCoordinator,          kClient,   {OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     DENY,   DENY,   OK}},
    {"Coordinator_AsMember",           Place::kCoordinator,          kMember,   {OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     DENY,   DENY,   OK}},
    {"Coordinator_AsAdmin",            Place::kCoordinator,          kAdmin,    {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Coordinator_AsAuditor",          Place::kCoordinator,          kAuditor,  {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    // An approved member reads, posts and leaves; membership decisions are not theirs.
    {"Member_AsClient",                Place::kMember,               kClient,   {OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     DENY,   DENY,   DENY,   OK}},
    {"Member_AsMember",                Place::kMember,               kMember,   {OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK,     DENY,   DENY,   DENY,   OK}},
    {"Member_AsAdmin",                 Place::kMember,               kAdmin,    {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Member_AsAuditor",               Place::kMember,               kAuditor,  {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    // No role: invited but not approved, removed, or never involved. Nothing at all.
    {"PendingInvitee_AsClient",        Place::kPendingInvitee,       kClient,   {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"PendingInvitee_AsMember",        Place::kPendingInvitee,       kMember,   {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"PendingInvitee_AsAdmin",         Place::kPendingInvitee,       kAdmin,    {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"PendingInvitee_AsAuditor",       Place::kPendingInvitee,       kAuditor,  {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Removed_AsClient",               Place::kRemoved,              kClient,   {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Removed_AsMember",               Place::kRemoved,              kMember,   {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Removed_AsAdmin",                Place::kRemoved,              kAdmin,    {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Removed_AsAuditor",              Place::kRemoved,              kAuditor,  {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Stranger_AsClient",              Place::kStranger,             kClient,   {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Stranger_AsMember",              Place::kStranger,             kMember,   {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Stranger_AsAdmin",               Place::kStranger,             kAdmin,    {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    {"Stranger_AsAuditor",             Place::kStranger,             kAuditor,  {DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY}},
    // No such network: NOT_FOUND for everyone, before anything else is looked at.
    {"NoNetwork_AsClient",             Place::kNoNetwork,            kClient,   {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetwork_AsMember",             Place::kNoNetwork,            kMember,   {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetwork_AsAdmin",              Place::kNoNetwork,            kAdmin,    {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetwork_AsAuditor",            Place::kNoNetwork,            kAuditor,  {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetworkRoleClaimed_AsClient",  Place::kNoNetworkRoleClaimed, kClient,   {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetworkRoleClaimed_AsMember",  Place::kNoNetworkRoleClaimed, kMember,   {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetworkRoleClaimed_AsAdmin",   Place::kNoNetworkRoleClaimed, kAdmin,    {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
    {"NoNetworkRoleClaimed_AsAuditor", Place::kNoNetworkRoleClaimed, kAuditor,  {GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE,   GONE}},
};
// clang-format on

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class AuthorizeTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(AuthorizeTableTest, EveryOperationGetsTheExpectedCode) {
  const Row& row = GetParam();
  const Actor actor{42, row.kind};
  const Standing standing = StandingFor(row.place);
  for (size_t i = 0; i < kOps.size(); ++i) {
    SCOPED_TRACE(std::string(row.name) + " / " + std::string(OperationName(kOps[i])));
    Status s = Authorize(actor, kOps[i], standing);
    EXPECT_EQ(CodeName(s.code()), CodeName(row.expected[i])) << s.ToString();
    // A refusal always says why, for the person who was refused.
    if (!s.ok()) {
      EXPECT_FALSE(s.detail().empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AuthorizeEveryStandingAndKind, AuthorizeTableTest,
                         ::testing::ValuesIn(kAuthorizeTable),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return std::string(info.param.name);
                         });

// The table above must hold every standing × every actor kind exactly once.
TEST(AuthorizeTest, TableCoversEveryStandingAndKind) {
  std::set<std::pair<Place, v1::AccountKind>> seen;
  for (const Row& row : kAuthorizeTable) {
    EXPECT_TRUE(seen.emplace(row.place, row.kind).second) << "duplicate row " << row.name;
  }
  constexpr int kPlaces = static_cast<int>(Place::kNoNetworkRoleClaimed) + 1;
  EXPECT_EQ(seen.size(), static_cast<size_t>(kPlaces * 4));
}

TEST(AuthorizeTest, EveryOperationHasItsOwnName) {
  std::set<std::string> names;
  for (Operation op : kOps) {
    std::string name(OperationName(op));
    EXPECT_NE(name, "?");
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
}

// --- AuthorizeOpenNetwork -------------------------------------------------------------------

struct OpenRow {
  const char* name;
  v1::AccountKind actor_kind;
  bool for_self;  // the client named is the actor themself
  v1::AccountKind client_kind;
  Code expected;
};

constexpr v1::AccountKind kUnspecified = v1::ACCOUNT_KIND_UNSPECIFIED;
constexpr Code BAD = Code::kInvalidArgument;

// clang-format off
const OpenRow kOpenNetworkTable[] = {
//  name                              actor         for_self client_kind   expected
    // A client opens their own network, and nobody else's.
    {"ClientForSelf",                 kClient,      true,    kClient,      OK},
    {"ClientForAnotherClient",        kClient,      false,   kClient,      DENY},
    // A member-kind account (a job coach, say) opens one for a client and coordinates it.
    {"MemberForClient",               kMember,      false,   kClient,      OK},
    // Staff never open networks.
    {"AdminForClient",                kAdmin,       false,   kClient,      DENY},
    {"AuditorForClient",              kAuditor,     false,   kClient,      DENY},
    {"UnspecifiedForClient",          kUnspecified, false,   kClient,      DENY},
    // Only a client-kind account can be at the centre of a network, whoever asks.
    {"ClientForMember",               kClient,      false,   kMember,      BAD},
    {"ClientForSelfNotClientKind",    kClient,      true,    kMember,      BAD},
    {"MemberForMember",               kMember,      false,   kMember,      BAD},
    {"MemberForSelf",                 kMember,      true,    kMember,      BAD},
    {"MemberForAdmin",                kMember,      false,   kAdmin,       BAD},
    {"MemberForAuditor",              kMember,      false,   kAuditor,     BAD},
    {"MemberForUnspecified",          kMember,      false,   kUnspecified, BAD},
    {"AdminForAdmin",                 kAdmin,       true,    kAdmin,       BAD},
};
// clang-format on

void PrintTo(const OpenRow& row, std::ostream* os) { *os << row.name; }

class AuthorizeOpenNetworkTest : public ::testing::TestWithParam<OpenRow> {};

TEST_P(AuthorizeOpenNetworkTest, GetsTheExpectedCode) {
  const OpenRow& row = GetParam();
  const Actor actor{7, row.actor_kind};
  const uint64_t client_id = row.for_self ? 7 : 8;
  Status s = AuthorizeOpenNetwork(actor, client_id, row.client_kind);
  EXPECT_EQ(CodeName(s.code()), CodeName(row.expected)) << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(AuthorizeOpenNetworkCases, AuthorizeOpenNetworkTest,
                         ::testing::ValuesIn(kOpenNetworkTable),
                         [](const ::testing::TestParamInfo<OpenRow>& info) {
                           return std::string(info.param.name);
                         });

// --- AuthorizeAccountAdmin ------------------------------------------------------------------

TEST(AuthorizeAccountAdminTest, OnlyAdminsManageAccounts) {
  struct Case {
    v1::AccountKind kind;
    Code expected;
  };
  // clang-format off
  const Case kCases[] = {
      {kAdmin,       OK},
      {kAuditor,     DENY},
      {kClient,      DENY},
      {kMember,      DENY},
      {kUnspecified, DENY},
  };
  // clang-format on
  for (const Case& c : kCases) {
    SCOPED_TRACE(v1::AccountKind_Name(c.kind));
    EXPECT_EQ(CodeName(AuthorizeAccountAdmin(Actor{1, c.kind}).code()), CodeName(c.expected));
  }
}

}  // namespace
}  // namespace kring
