// Authorization decisions as tables a reviewer can read line by line: every standing in a network
// (role, and the consent in force) × every kind of actor × every operation, with the code each
// must get. The expected codes are written out, never computed, so a change in policy shows up
// here as a changed cell. docs/consent.md has the same table in words.
#include "server/core/authorize.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace kring {
namespace {

// Column order of every row below.
constexpr std::array kOps = {
    Operation::kListMembers,  Operation::kListThreads,
    Operation::kReadHistory,  Operation::kReceiveLive,
    Operation::kPost,         Operation::kCreateThread,
    Operation::kMarkRead,     Operation::kListReadMarkers,
    Operation::kInvite,       Operation::kApproveInvitation,
    Operation::kRemoveOther,  Operation::kLeave,
    Operation::kGrantConsent, Operation::kWithdrawConsent,
    Operation::kListConsents,
};
// A new Operation must get a column here (and a cell in every row).
static_assert(static_cast<int>(Operation::kListConsents) + 1 == kOps.size(),
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

constexpr int64_t kNow = 1'800'000'000'000;
constexpr uint64_t kScopedThread = 7;  // the one thread of a one-thread consent
constexpr uint64_t kOtherThread = 8;

enum class Place {
  kClient,           // the client of the network
  kRepresentative,   // a representative of the client
  kCoordinator,      // member; consent in force: every thread, read + post + coordinate
  kMemberAll,        // member; consent in force: every thread, read + post
  kMemberOneThread,  // member; consent in force: thread 7 only, read + post
  kMemberReadOnly,   // member; consent in force: every thread, read only
  kMemberAllNamed,   // member; consent in force: every thread and names thread 7, read + post
  kMemberExpired,    // member; consent ended a millisecond ago
  kMemberWithdrawn,  // member; consent withdrawn
  kMemberNotYet,     // member; consent starts in a second
  kMemberNoConsent,  // member without any consent record (a store from before consent)
  // Through a team (not a member in person): the team's consent in force, every thread, read +
  // post; the person's period in the team open, unless said otherwise.
  kTeamMember,            // a current person of the team
  kTeamMemberExcluded,    // a person of the team the client excluded from this network
  kTeamStandInNotYet,     // a stand-in whose period starts in a second
  kTeamStandInEnded,      // a stand-in whose period ended now (the end is exclusive)
  kTeamStandInInPeriod,   // a stand-in within their period
  kTeamWithdrawn,         // a current person; the team's consent withdrawn
  kPendingInvitee,        // invited, not yet approved: no role
  kRemoved,               // was a member, removed or left: no role
  kStranger,              // never had anything to do with the network: no role
  kNoNetwork,             // the network does not exist
  kNoNetworkRoleClaimed,  // the network does not exist, yet a (stale) role is passed in
  // A network a member opened for the client, waiting for the client to accept it.
  kPendingOpener,          // the member who opened it: coordinator, no consent yet
  kPendingClient,          // its client, who has to answer first
  kPendingRepresentative,  // a representative of its client
};

// The thread the thread operations are about (and, for create thread, whether the new thread is
// team-only).
enum class On {
  kScopedThread,         // thread 7, in every consent's scope
  kOtherThread,          // thread 8, outside a one-thread consent
  kTeamThread,           // thread 7, team-only; the client consents to team-only threads
  kTeamThreadWithdrawn,  // thread 7, team-only; that consent was withdrawn
  kSensitiveThread,      // thread 7, sensitive (for create thread: the new thread is sensitive)
};

v1::Consent ConsentFor(bool all_threads, std::vector<v1::ConsentAction> actions) {
  v1::Consent c;
  c.set_id(100);
  c.set_status(v1::CONSENT_STATUS_ACTIVE);
  c.mutable_provision()->set_all_threads(all_threads);
  if (!all_threads) c.mutable_provision()->add_thread_ids(kScopedThread);
  for (auto a : actions) c.mutable_provision()->add_actions(a);
  c.mutable_provision()->set_start_ms(kNow - 60'000);
  return c;
}

constexpr auto kRead = v1::CONSENT_ACTION_READ;
constexpr auto kPostAction = v1::CONSENT_ACTION_POST;
constexpr auto kCoordinate = v1::CONSENT_ACTION_COORDINATE;

Standing StandingFor(Place place, On on) {
  Standing s;
  s.network_exists = true;
  s.now_ms = kNow;
  s.team_threads_allowed = on != On::kTeamThreadWithdrawn;
  switch (place) {
    case Place::kClient:
      s.role = v1::MEMBER_ROLE_CLIENT;
      break;
    case Place::kRepresentative:
      s.role = v1::MEMBER_ROLE_REPRESENTATIVE;
      break;
    case Place::kCoordinator:
      s.role = v1::MEMBER_ROLE_COORDINATOR;
      s.consent = ConsentFor(true, {kRead, kPostAction, kCoordinate});
      break;
    case Place::kMemberAll:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead, kPostAction});
      break;
    case Place::kMemberOneThread:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(false, {kRead, kPostAction});
      break;
    case Place::kMemberReadOnly:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead});
      break;
    case Place::kMemberAllNamed:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead, kPostAction});
      s.consent->mutable_provision()->add_thread_ids(kScopedThread);
      break;
    case Place::kMemberExpired:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead, kPostAction, kCoordinate});
      s.consent->mutable_provision()->set_end_ms(kNow);  // the end is exclusive
      break;
    case Place::kMemberWithdrawn:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead, kPostAction, kCoordinate});
      s.consent->set_status(v1::CONSENT_STATUS_WITHDRAWN);
      break;
    case Place::kMemberNotYet:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead, kPostAction, kCoordinate});
      s.consent->mutable_provision()->set_start_ms(kNow + 1000);
      break;
    case Place::kMemberNoConsent:
      s.role = v1::MEMBER_ROLE_MEMBER;
      break;
    case Place::kTeamMember:
    case Place::kTeamMemberExcluded:
    case Place::kTeamStandInNotYet:
    case Place::kTeamStandInEnded:
    case Place::kTeamStandInInPeriod:
    case Place::kTeamWithdrawn:
      s.role = v1::MEMBER_ROLE_MEMBER;
      s.consent = ConsentFor(true, {kRead, kPostAction});
      s.consent->set_grantee_is_team(true);
      s.team_id = 900;
      s.team_name = "Wijkteam Noord";
      s.team_excluded = place == Place::kTeamMemberExcluded;
      if (place == Place::kTeamStandInNotYet) s.team_from_ms = kNow + 1000;
      if (place == Place::kTeamStandInEnded) s.team_until_ms = kNow;
      if (place == Place::kTeamStandInInPeriod) {
        s.team_from_ms = kNow - 1000;
        s.team_until_ms = kNow + 1000;
      }
      if (place == Place::kTeamWithdrawn) s.consent->set_status(v1::CONSENT_STATUS_WITHDRAWN);
      break;
    case Place::kPendingInvitee:
    case Place::kRemoved:
    case Place::kStranger:
      break;
    case Place::kNoNetwork:
      s.network_exists = false;
      break;
    case Place::kNoNetworkRoleClaimed:
      s.network_exists = false;
      s.role = v1::MEMBER_ROLE_CLIENT;
      break;
    case Place::kPendingOpener:
      s.role = v1::MEMBER_ROLE_COORDINATOR;
      s.network_pending = true;
      s.client_handle = "omar";
      break;
    case Place::kPendingClient:
      s.role = v1::MEMBER_ROLE_CLIENT;
      s.network_pending = true;
      s.client_handle = "omar";
      break;
    case Place::kPendingRepresentative:
      s.role = v1::MEMBER_ROLE_REPRESENTATIVE;
      s.network_pending = true;
      s.client_handle = "omar";
      break;
  }
  return s;
}

ThreadRef ThreadFor(On on) {
  switch (on) {
    case On::kScopedThread:
      return {kScopedThread, false};
    case On::kOtherThread:
      return {kOtherThread, false};
    case On::kTeamThread:
    case On::kTeamThreadWithdrawn:
      return {kScopedThread, true};
    case On::kSensitiveThread:
      return {kScopedThread, false, /*sensitive=*/true};
  }
  return {};
}

struct Row {
  const char* name;  // names the row in failures and in the test name
  Place place;
  v1::AccountKind kind;
  On on;
  std::array<Code, kOps.size()> expected;
};

constexpr On S = On::kScopedThread;
constexpr On O = On::kOtherThread;
constexpr On T = On::kTeamThread;
constexpr On W = On::kTeamThreadWithdrawn;
constexpr On X = On::kSensitiveThread;

// clang-format off
const Row kAuthorizeTable[] = {
//  name                            place                        actor     on  ListMem ListThr History Live  Post  NewThr Mark  Markers Invite Approve Remove Leave Grant Withdr Consents
    // The client decides everything in their network and cannot leave it.
    {"Client",                      Place::kClient,              kClient,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    OK,    OK,    OK,    PRE,  OK,   OK,    OK}},
    // The client sees that a team-only thread exists, not what is said in it; never opens one.
    {"Client_TeamThread",           Place::kClient,              kClient,  T, {OK,    OK,    DENY,  DENY, DENY, PRE,   DENY, DENY,  OK,    OK,    OK,    PRE,  OK,   OK,    OK}},
    {"Client_AsAdmin",              Place::kClient,              kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Client_AsAuditor",            Place::kClient,              kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // A representative acts as the client; an admin ends the appointment, not the representative.
    {"Representative",              Place::kRepresentative,      kMember,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    OK,    OK,    OK,    PRE,  OK,   OK,    OK}},
    {"Representative_TeamThread",   Place::kRepresentative,      kMember,  T, {OK,    OK,    DENY,  DENY, DENY, PRE,   DENY, DENY,  OK,    OK,    OK,    PRE,  OK,   OK,    OK}},
    {"Representative_AsAdmin",      Place::kRepresentative,      kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Representative_AsAuditor",    Place::kRepresentative,      kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // A coordinator invites; the client approves, removes and decides consent.
    {"Coordinator",                 Place::kCoordinator,         kMember,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    OK,    DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"Coordinator_AsAdmin",         Place::kCoordinator,         kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Coordinator_AsAuditor",       Place::kCoordinator,         kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // A member with every thread reads, posts, opens threads and leaves.
    {"MemberAll",                   Place::kMemberAll,           kMember,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    // Team-only threads: the team takes part while the client consents; after a withdrawal
    // the thread can still be read but no longer written in, and no new one opened.
    {"MemberAll_TeamThread",        Place::kMemberAll,           kMember,  T, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberAll_TeamWithdrawn",     Place::kMemberAll,           kMember,  W, {OK,    OK,    OK,    OK,   DENY, DENY,  OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberAll_AsAdmin",           Place::kMemberAll,           kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"MemberAll_AsAuditor",         Place::kMemberAll,           kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // A member with one thread: that thread only; new threads would be outside the scope.
    {"MemberOneThread",             Place::kMemberOneThread,     kMember,  S, {OK,    OK,    OK,    OK,   OK,   DENY,  OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberOneThread_OtherThread", Place::kMemberOneThread,     kMember,  O, {OK,    OK,    DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberOneThread_TeamThread",  Place::kMemberOneThread,     kMember,  T, {OK,    OK,    OK,    OK,   OK,   DENY,  OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberOneThread_AsAdmin",     Place::kMemberOneThread,     kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"MemberOneThread_AsAuditor",   Place::kMemberOneThread,     kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // Read only: reading and read markers, nothing written.
    {"MemberReadOnly",              Place::kMemberReadOnly,      kMember,  S, {OK,    OK,    OK,    OK,   DENY, DENY,  OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    // Sensitive threads: the client and representatives read them; a consent for all threads
    // covers one only when it names it (a list of threads covers what it names). Whoever may
    // create a thread may create it sensitive.
    {"Client_Sensitive",            Place::kClient,              kClient,  X, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    OK,    OK,    OK,    PRE,  OK,   OK,    OK}},
    {"Representative_Sensitive",    Place::kRepresentative,      kMember,  X, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    OK,    OK,    OK,    PRE,  OK,   OK,    OK}},
    {"Coordinator_Sensitive",       Place::kCoordinator,         kMember,  X, {OK,    OK,    DENY,  DENY, DENY, OK,    DENY, DENY,  OK,    DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberAll_Sensitive",         Place::kMemberAll,           kMember,  X, {OK,    OK,    DENY,  DENY, DENY, OK,    DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberAllNamed",              Place::kMemberAllNamed,      kMember,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberAllNamed_Sensitive",    Place::kMemberAllNamed,      kMember,  X, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberAllNamed_AsAdmin",      Place::kMemberAllNamed,      kAdmin,   X, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"MemberOneThread_Sensitive",   Place::kMemberOneThread,     kMember,  X, {OK,    OK,    OK,    OK,   OK,   DENY,  OK,   OK,    DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberReadOnly_Sensitive",    Place::kMemberReadOnly,      kMember,  X, {OK,    OK,    DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberExpired_Sensitive",     Place::kMemberExpired,       kMember,  X, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"Stranger_Sensitive",          Place::kStranger,            kMember,  X, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // Consent not in force (ended, withdrawn, not yet started, never recorded): still listed as a
    // member, so they may leave, but nothing else.
    {"MemberExpired",               Place::kMemberExpired,       kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberExpired_AsAdmin",       Place::kMemberExpired,       kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"MemberWithdrawn",             Place::kMemberWithdrawn,     kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberWithdrawn_AsAuditor",   Place::kMemberWithdrawn,     kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"MemberNotYet",                Place::kMemberNotYet,        kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    {"MemberNoConsent",             Place::kMemberNoConsent,     kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  OK,   DENY, DENY,  DENY}},
    // Through a team: exactly the team's consent, while the person is in the team (their period)
    // and not excluded by the client. They do not leave: a coordinator removes them from the team.
    {"TeamMember",                  Place::kTeamMember,          kMember,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamMember_AsAdmin",          Place::kTeamMember,          kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"TeamMember_TeamWithdrawn",    Place::kTeamMember,          kMember,  W, {OK,    OK,    OK,    OK,   DENY, DENY,  OK,   OK,    DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    // A team's consent for all threads does not cover a sensitive thread, as a person's does not.
    {"TeamMember_Sensitive",        Place::kTeamMember,          kMember,  X, {OK,    OK,    DENY,  DENY, DENY, OK,    DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamMemberExcluded_Sensitive", Place::kTeamMemberExcluded, kMember,  X, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamStandInEnded_Sensitive",  Place::kTeamStandInEnded,    kMember,  X, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamMemberExcluded",          Place::kTeamMemberExcluded,  kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamMemberExcluded_AsAuditor", Place::kTeamMemberExcluded, kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"TeamStandInNotYet",           Place::kTeamStandInNotYet,   kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamStandInInPeriod",         Place::kTeamStandInInPeriod, kMember,  S, {OK,    OK,    OK,    OK,   OK,   OK,    OK,   OK,    DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamStandInEnded",            Place::kTeamStandInEnded,    kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    {"TeamWithdrawn",               Place::kTeamWithdrawn,       kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  PRE,  DENY, DENY,  DENY}},
    // No role: invited but not approved, removed, or never involved. Nothing at all.
    {"PendingInvitee",              Place::kPendingInvitee,      kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"PendingInvitee_AsClient",     Place::kPendingInvitee,      kClient,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Removed",                     Place::kRemoved,             kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Stranger",                    Place::kStranger,            kMember,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Stranger_AsClient",           Place::kStranger,            kClient,  S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Stranger_AsAdmin",            Place::kStranger,            kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"Stranger_AsAuditor",          Place::kStranger,            kAuditor, S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // No such network: NOT_FOUND for everyone but staff.
    {"NoNetwork",                   Place::kNoNetwork,           kMember,  S, {GONE,  GONE,  GONE,  GONE, GONE, GONE,  GONE, GONE,  GONE,  GONE,  GONE,  GONE, GONE, GONE,  GONE}},
    // Staff are refused before anything is looked at, even whether the network exists.
    {"NoNetwork_AsAdmin",           Place::kNoNetwork,           kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"NoNetworkRoleClaimed",        Place::kNoNetworkRoleClaimed, kClient, S, {GONE,  GONE,  GONE,  GONE, GONE, GONE,  GONE, GONE,  GONE,  GONE,  GONE,  GONE, GONE, GONE,  GONE}},
    {"NoNetworkRoleClaimed_AsAuditor", Place::kNoNetworkRoleClaimed, kAuditor, S, {DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    // A pending network (opened by a member for the client) holds nothing until the client
    // accepts it (AuthorizeAnswerNetwork, below): nobody reads, writes, invites or leaves.
    {"PendingOpener",               Place::kPendingOpener,       kMember,  S, {PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE,  PRE,   PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE}},
    {"PendingOpener_AsAdmin",       Place::kPendingOpener,       kAdmin,   S, {DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY, DENY,  DENY,  DENY,  DENY,  DENY, DENY, DENY,  DENY}},
    {"PendingClient",               Place::kPendingClient,       kClient,  S, {PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE,  PRE,   PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE}},
    {"PendingClient_TeamThread",    Place::kPendingClient,       kClient,  T, {PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE,  PRE,   PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE}},
    {"PendingRepresentative",       Place::kPendingRepresentative, kMember, S, {PRE,  PRE,   PRE,   PRE,  PRE,  PRE,   PRE,  PRE,   PRE,   PRE,   PRE,   PRE,  PRE,  PRE,   PRE}},
    {"PendingRepresentative_AsAuditor", Place::kPendingRepresentative, kAuditor, S, {DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY}},
};
// clang-format on

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class AuthorizeTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(AuthorizeTableTest, EveryOperationGetsTheExpectedCode) {
  const Row& row = GetParam();
  const Actor actor{42, row.kind};
  const Standing standing = StandingFor(row.place, row.on);
  for (size_t i = 0; i < kOps.size(); ++i) {
    SCOPED_TRACE(std::string(row.name) + " / " + std::string(OperationName(kOps[i])));
    Status s = Authorize(actor, kOps[i], standing, ThreadFor(row.on));
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

// Every place appears as the actor it naturally is, and as an admin or auditor somewhere; no
// combination twice.
TEST(AuthorizeTest, TableCoversEveryPlace) {
  std::set<std::tuple<Place, v1::AccountKind, On>> seen;
  std::set<Place> places;
  for (const Row& row : kAuthorizeTable) {
    EXPECT_TRUE(seen.emplace(row.place, row.kind, row.on).second) << "duplicate row " << row.name;
    places.insert(row.place);
  }
  EXPECT_EQ(places.size(), static_cast<size_t>(Place::kPendingRepresentative) + 1);
}

// Admins and auditors never reach message content, whatever the store claims about them.
TEST(AuthorizeTest, StaffNeverReadContentInAnyStanding) {
  for (v1::AccountKind kind : {kAdmin, kAuditor}) {
    for (int p = 0; p <= static_cast<int>(Place::kNoNetworkRoleClaimed); ++p) {
      for (On on : {S, O, T, W, X}) {
        const Standing standing = StandingFor(static_cast<Place>(p), on);
        for (Operation op : kOps) {
          EXPECT_FALSE(Authorize(Actor{1, kind}, op, standing, ThreadFor(on)).ok())
              << v1::AccountKind_Name(kind) << " place " << p << " " << OperationName(op);
        }
      }
    }
  }
}

// Marking a thread sensitive (or not) is the client's decision, like consent: a column of its own,
// kept apart from the table above so that each place's row there stays as it was.
struct SensitiveRow {
  Place place;
  v1::AccountKind kind;
  Code expected;
};

// clang-format off
const SensitiveRow kSetThreadSensitiveTable[] = {
    {Place::kClient,               kClient,  OK},
    {Place::kRepresentative,       kMember,  OK},
    {Place::kCoordinator,          kMember,  DENY},
    {Place::kMemberAll,            kMember,  DENY},
    {Place::kMemberOneThread,      kMember,  DENY},
    {Place::kMemberReadOnly,       kMember,  DENY},
    {Place::kMemberAllNamed,       kMember,  DENY},
    {Place::kMemberExpired,        kMember,  DENY},
    {Place::kMemberWithdrawn,      kMember,  DENY},
    {Place::kMemberNotYet,         kMember,  DENY},
    {Place::kMemberNoConsent,      kMember,  DENY},
    {Place::kTeamMember,           kMember,  DENY},
    {Place::kTeamMemberExcluded,   kMember,  DENY},
    {Place::kTeamStandInNotYet,    kMember,  DENY},
    {Place::kTeamStandInEnded,     kMember,  DENY},
    {Place::kTeamStandInInPeriod,  kMember,  DENY},
    {Place::kTeamWithdrawn,        kMember,  DENY},
    {Place::kPendingInvitee,       kMember,  DENY},
    {Place::kRemoved,              kMember,  DENY},
    {Place::kStranger,             kMember,  DENY},
    {Place::kNoNetwork,            kMember,  GONE},
    {Place::kNoNetworkRoleClaimed, kClient,  GONE},
    {Place::kClient,               kAdmin,   DENY},
    {Place::kRepresentative,       kAuditor, DENY},
};
// clang-format on

TEST(AuthorizeTest, OnlyTheClientOrARepresentativeMarksAThreadSensitive) {
  std::set<Place> places;
  for (const SensitiveRow& row : kSetThreadSensitiveTable) {
    places.insert(row.place);
    // The same answer for every kind of thread: a team-only thread too (the client sees it).
    for (On on : {S, T, X}) {
      Status s = Authorize(Actor{42, row.kind}, Operation::kSetThreadSensitive,
                           StandingFor(row.place, on), ThreadFor(on));
      EXPECT_EQ(CodeName(s.code()), CodeName(row.expected))
          << "place " << static_cast<int>(row.place) << " kind " << row.kind << ": "
          << s.ToString();
    }
  }
  EXPECT_EQ(places.size(), static_cast<size_t>(Place::kNoNetworkRoleClaimed) + 1);
}

TEST(AuthorizeTest, SensitiveThreadsAreSeenOnlyWhenNamed) {
  EXPECT_TRUE(SeesThread(StandingFor(Place::kClient, X), ThreadFor(X)));
  EXPECT_TRUE(SeesThread(StandingFor(Place::kRepresentative, X), ThreadFor(X)));
  EXPECT_FALSE(SeesThread(StandingFor(Place::kCoordinator, X), ThreadFor(X)));
  EXPECT_FALSE(SeesThread(StandingFor(Place::kMemberAll, X), ThreadFor(X)));
  EXPECT_TRUE(SeesThread(StandingFor(Place::kMemberAllNamed, X), ThreadFor(X)));
  EXPECT_TRUE(SeesThread(StandingFor(Place::kMemberOneThread, X), ThreadFor(X)));
  // The refusal says why.
  const std::string why = Authorize(Actor{1, kMember}, Operation::kReadHistory,
                                    StandingFor(Place::kMemberAll, X), ThreadFor(X))
                              .detail();
  EXPECT_NE(why.find("sensitive"), std::string::npos) << why;
  // Unmarked at seq 30: hidden through 30 for an all-threads consent that did not name it.
  ThreadRef unmarked{kScopedThread, false, false, 30};
  EXPECT_EQ(HiddenThrough(StandingFor(Place::kMemberAll, S), unmarked), 30u);
  EXPECT_EQ(HiddenThrough(StandingFor(Place::kMemberAllNamed, S), unmarked), 0u);
  EXPECT_EQ(HiddenThrough(StandingFor(Place::kClient, S), unmarked), 0u);
}

TEST(AuthorizeTest, AThreadOperationWithoutAThreadIsAnInternalError) {
  const Standing client = StandingFor(Place::kClient, S);
  EXPECT_EQ(Authorize(Actor{1, kClient}, Operation::kPost, client).code(), Code::kInternal);
}

TEST(AuthorizeTest, RefusalsSayWhyInPlainWords) {
  const Actor member{1, kMember};
  auto detail = [&](Place place, Operation op, On on = S) {
    return Authorize(member, op, StandingFor(place, on), ThreadFor(on)).detail();
  };
  EXPECT_NE(detail(Place::kMemberExpired, Operation::kReadHistory).find("consent ended at"),
            std::string::npos);
  EXPECT_NE(detail(Place::kMemberWithdrawn, Operation::kPost).find("withdrawn"), std::string::npos);
  EXPECT_NE(detail(Place::kMemberNotYet, Operation::kListThreads).find("starts at"),
            std::string::npos);
  EXPECT_NE(detail(Place::kMemberOneThread, Operation::kReadHistory, O).find("not in your"),
            std::string::npos);
}

TEST(AuthorizeTest, SeesThreadFollowsTheScope) {
  EXPECT_TRUE(SeesThread(StandingFor(Place::kClient, T), ThreadFor(T)));
  EXPECT_TRUE(SeesThread(StandingFor(Place::kMemberOneThread, S), ThreadFor(S)));
  EXPECT_FALSE(SeesThread(StandingFor(Place::kMemberOneThread, O), ThreadFor(O)));
  EXPECT_FALSE(SeesThread(StandingFor(Place::kMemberExpired, S), ThreadFor(S)));
  EXPECT_FALSE(SeesThread(StandingFor(Place::kStranger, S), ThreadFor(S)));
}

TEST(AuthorizeTest, SameStandingComparesTheRecordsNotTheInstant) {
  const Standing member = StandingFor(Place::kMemberAll, S);
  Standing later = member;
  later.now_ms += 60'000;
  EXPECT_TRUE(SameStanding(member, later));
  Standing regranted = member;
  regranted.consent->set_id(101);  // a new record, whatever it says
  EXPECT_FALSE(SameStanding(member, regranted));
  EXPECT_FALSE(SameStanding(member, StandingFor(Place::kMemberNoConsent, S)));
  EXPECT_FALSE(SameStanding(member, StandingFor(Place::kStranger, S)));
  EXPECT_FALSE(
      SameStanding(StandingFor(Place::kClient, S), StandingFor(Place::kRepresentative, S)));
  EXPECT_FALSE(SameStanding(member, StandingFor(Place::kMemberAll, On::kTeamThreadWithdrawn)));
  EXPECT_TRUE(SameStanding(StandingFor(Place::kClient, S), StandingFor(Place::kClient, T)));
}

TEST(AuthorizeTest, ATeamRouteSaysWhyItIsClosed) {
  const Actor member{1, kMember};
  auto detail = [&](Place place) {
    return Authorize(member, Operation::kReadHistory, StandingFor(place, S), ThreadFor(S)).detail();
  };
  EXPECT_NE(detail(Place::kTeamMemberExcluded).find("excluded you"), std::string::npos);
  EXPECT_NE(detail(Place::kTeamStandInNotYet).find("not started"), std::string::npos);
  EXPECT_NE(detail(Place::kTeamStandInEnded).find("has ended"), std::string::npos);
  EXPECT_NE(detail(Place::kTeamStandInEnded).find("Wijkteam Noord"), std::string::npos);
  EXPECT_FALSE(SeesThread(StandingFor(Place::kTeamMemberExcluded, S), ThreadFor(S)));
  EXPECT_TRUE(SeesThread(StandingFor(Place::kTeamMember, S), ThreadFor(S)));
  EXPECT_EQ(AuthorizeNetworkAccess(member, Operation::kReceiveLive,
                                   StandingFor(Place::kTeamStandInEnded, S))
                .code(),
            Code::kPermissionDenied);
}

// A stand-in's live delivery ends at the earlier of the consent's end and their period's end.
TEST(AuthorizeTest, ATeamRouteEndsAtTheEarlierEnd) {
  Standing s = StandingFor(Place::kTeamStandInInPeriod, S);
  EXPECT_EQ(AccessEndsMs(s), kNow + 1000);
  s.consent->mutable_provision()->set_end_ms(kNow + 500);
  EXPECT_EQ(AccessEndsMs(s), kNow + 500);
  s.consent->mutable_provision()->set_end_ms(kNow + 5000);
  EXPECT_EQ(AccessEndsMs(s), kNow + 1000);
  s.team_until_ms = 0;
  EXPECT_EQ(AccessEndsMs(s), kNow + 5000);
}

TEST(AuthorizeTest, SameStandingComparesTheTeamRoute) {
  const Standing team = StandingFor(Place::kTeamMember, S);
  EXPECT_TRUE(SameStanding(team, team));
  EXPECT_FALSE(SameStanding(team, StandingFor(Place::kTeamMemberExcluded, S)));
  EXPECT_FALSE(SameStanding(team, StandingFor(Place::kTeamStandInEnded, S)));
  EXPECT_FALSE(SameStanding(team, StandingFor(Place::kTeamStandInNotYet, S)));
  Standing in_person = team;
  in_person.team_id = 0;
  EXPECT_FALSE(SameStanding(team, in_person));
}

TEST(AuthorizeTest, NetworkAccessIsTheThreadFreePart) {
  const Actor member{1, kMember};
  EXPECT_TRUE(AuthorizeNetworkAccess(member, Operation::kReceiveLive,
                                     StandingFor(Place::kMemberOneThread, S))
                  .ok());
  EXPECT_EQ(
      AuthorizeNetworkAccess(member, Operation::kReceiveLive, StandingFor(Place::kMemberExpired, S))
          .code(),
      Code::kPermissionDenied);
  EXPECT_EQ(
      AuthorizeNetworkAccess(member, Operation::kReceiveLive, StandingFor(Place::kNoNetwork, S))
          .code(),
      Code::kNotFound);
  EXPECT_EQ(AuthorizeNetworkAccess(Actor{1, kAuditor}, Operation::kReceiveLive,
                                   StandingFor(Place::kClient, S))
                .code(),
            Code::kPermissionDenied);
  EXPECT_EQ(AuthorizeNetworkAccess(Actor{1, kAdmin}, Operation::kReceiveLive,
                                   StandingFor(Place::kNoNetwork, S))
                .code(),
            Code::kPermissionDenied);
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

TEST(AuthorizeTest, APendingNetworkSaysWhoItWaitsFor) {
  const Actor opener{1, kMember};
  Status s =
      Authorize(opener, Operation::kPost, StandingFor(Place::kPendingOpener, S), ThreadFor(S));
  EXPECT_EQ(s.detail(), "waiting for omar to accept this network");
  EXPECT_FALSE(SeesThread(StandingFor(Place::kPendingClient, S), ThreadFor(S)));
  EXPECT_FALSE(SeesThread(StandingFor(Place::kPendingOpener, S), ThreadFor(S)));
  EXPECT_EQ(
      AuthorizeNetworkAccess(opener, Operation::kReceiveLive, StandingFor(Place::kPendingOpener, S))
          .code(),
      PRE);
  Standing accepted = StandingFor(Place::kPendingClient, S);
  accepted.network_pending = false;
  accepted.client_handle.clear();
  EXPECT_FALSE(SameStanding(accepted, StandingFor(Place::kPendingClient, S)));
  EXPECT_TRUE(SameStanding(accepted, StandingFor(Place::kClient, S)));
}

// --- Opening a network: pending or not; answering a pending one -----------------------------

TEST(OpensPendingTest, OnlyAMemberOpeningForSomeoneElseWaits) {
  EXPECT_FALSE(OpensPending(Actor{7, kClient}, 7, false));  // the client themself
  EXPECT_FALSE(OpensPending(Actor{7, kMember}, 8, true));   // a representative of the client
  EXPECT_TRUE(OpensPending(Actor{7, kMember}, 8, false));   // a job coach, say
}

TEST(AuthorizeAnswerNetworkTest, TheClientOrARepresentativeAnswersAPendingNetwork) {
  struct Case {
    Place place;
    v1::AccountKind kind;
    Code expected;
  };
  // clang-format off
  const Case kCases[] = {
      {Place::kPendingClient,         kClient,  OK},
      {Place::kPendingRepresentative, kMember,  OK},
      {Place::kPendingOpener,         kMember,  DENY},
      {Place::kPendingClient,         kAdmin,   DENY},
      {Place::kPendingClient,         kAuditor, DENY},
      {Place::kStranger,              kMember,  DENY},
      {Place::kClient,                kClient,  PRE},   // in use: nothing to answer
      {Place::kRepresentative,        kMember,  PRE},
      {Place::kCoordinator,           kMember,  DENY},
      {Place::kNoNetwork,             kClient,  GONE},
  };
  // clang-format on
  for (const Case& c : kCases) {
    SCOPED_TRACE(static_cast<int>(c.place));
    EXPECT_EQ(CodeName(AuthorizeAnswerNetwork(Actor{1, c.kind}, StandingFor(c.place, S)).code()),
              CodeName(c.expected));
  }
}

// --- AuthorizeConfirmRepresentative ---------------------------------------------------------

TEST(AuthorizeConfirmRepresentativeTest, ASecondAdminConfirms) {
  constexpr uint64_t kAsker = 1;
  EXPECT_TRUE(AuthorizeConfirmRepresentative(Actor{2, kAdmin}, kAsker).ok());
  EXPECT_EQ(CodeName(AuthorizeConfirmRepresentative(Actor{kAsker, kAdmin}, kAsker).code()),
            CodeName(DENY));
  for (v1::AccountKind kind : {kClient, kMember, kAuditor}) {
    EXPECT_EQ(CodeName(AuthorizeConfirmRepresentative(Actor{2, kind}, kAsker).code()),
              CodeName(DENY));
  }
}

// --- AuthorizeAccountAdmin ------------------------------------------------------------------

TEST(AuthorizeTeamTest, AdminsCreateTeamsAndAppointCoordinators) {
  EXPECT_TRUE(AuthorizeTeamAdmin(Actor{1, kAdmin}).ok());
  for (auto kind : {kClient, kMember, kAuditor}) {
    EXPECT_EQ(AuthorizeTeamAdmin(Actor{1, kind}).code(), Code::kPermissionDenied);
  }
  // (coordinates, about_coordinator) -> code, for a member account and for an admin.
  EXPECT_TRUE(AuthorizeTeamChange(Actor{1, kAdmin}, false, true).ok());
  EXPECT_TRUE(AuthorizeTeamChange(Actor{1, kAdmin}, false, false).ok());
  EXPECT_TRUE(AuthorizeTeamChange(Actor{1, kMember}, true, false).ok());
  EXPECT_EQ(AuthorizeTeamChange(Actor{1, kMember}, true, true).code(), Code::kPermissionDenied);
  EXPECT_EQ(AuthorizeTeamChange(Actor{1, kMember}, false, false).code(), Code::kPermissionDenied);
  EXPECT_EQ(AuthorizeTeamChange(Actor{1, kAuditor}, false, false).code(), Code::kPermissionDenied);
  EXPECT_TRUE(AuthorizeTeamRead(Actor{1, kAdmin}, false).ok());
  EXPECT_TRUE(AuthorizeTeamRead(Actor{1, kMember}, true).ok());
  EXPECT_EQ(AuthorizeTeamRead(Actor{1, kClient}, false).code(), Code::kPermissionDenied);
}

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

// --- AuthorizeDeclineInvitation ------------------------------------------------------------

TEST(AuthorizeDeclineInvitationTest, TheInviteeOrThePrincipalsDecline) {
  for (Place place : {Place::kClient, Place::kRepresentative}) {
    EXPECT_TRUE(AuthorizeDeclineInvitation(false, StandingFor(place, On::kScopedThread)).ok());
  }
  for (Place place : {Place::kCoordinator, Place::kMemberAll, Place::kRemoved, Place::kStranger}) {
    const Standing standing = StandingFor(place, On::kScopedThread);
    EXPECT_EQ(CodeName(AuthorizeDeclineInvitation(false, standing).code()), CodeName(DENY))
        << static_cast<int>(place);
    // The invitee declines their own invitation whatever else they are in the network.
    EXPECT_TRUE(AuthorizeDeclineInvitation(true, standing).ok()) << static_cast<int>(place);
  }
}

// --- AuthorizeAccessLogRead -----------------------------------------------------------------

TEST(AuthorizeAccessLogReadTest, TheClientOrTheirRepresentativeReadsIt) {
  const uint64_t kClientId = 1;
  EXPECT_TRUE(AuthorizeAccessLogRead(Actor{kClientId, kClient}, kClientId, false).ok());
  // A log is kept for clients only: anyone else asking for "their own" names no client.
  for (v1::AccountKind kind : {kMember, kAdmin, kAuditor}) {
    EXPECT_EQ(CodeName(AuthorizeAccessLogRead(Actor{kClientId, kind}, kClientId, false).code()),
              CodeName(DENY));
  }
  EXPECT_TRUE(AuthorizeAccessLogRead(Actor{2, kMember}, kClientId, /*represents=*/true).ok());
  for (v1::AccountKind kind : {kMember, kClient, kAdmin, kAuditor}) {
    EXPECT_EQ(CodeName(AuthorizeAccessLogRead(Actor{2, kind}, kClientId, false).code()),
              CodeName(DENY));
  }
}

// --- AuthorizeRequest ------------------------------------------------------------------------

TEST(AuthorizeRequestTest, AOneTimePasswordOnlyChangesItself) {
  Actor actor{1, v1::ACCOUNT_KIND_ADMIN};
  actor.must_change_password = true;
  const auto* oneof = v1::ClientFrame::descriptor()->FindOneofByName("request");
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto request = static_cast<v1::ClientFrame::RequestCase>(oneof->field(i)->number());
    const bool allowed =
        request == v1::ClientFrame::kLogin || request == v1::ClientFrame::kResumeSession ||
        request == v1::ClientFrame::kWhoAmI || request == v1::ClientFrame::kLogout ||
        request == v1::ClientFrame::kChangePassword;
    Status status = AuthorizeRequest(actor, request);
    EXPECT_EQ(CodeName(status.code()), CodeName(allowed ? Code::kOk : Code::kFailedPrecondition))
        << oneof->field(i)->name();
    if (!allowed) {
      EXPECT_EQ(status.detail(), "change the one-time password first: kring password");
    }
    actor.must_change_password = false;
    EXPECT_TRUE(AuthorizeRequest(actor, request).ok()) << oneof->field(i)->name();
    actor.must_change_password = true;
  }
}

// --- The shared plan (issue 15, item 1) ---
// Editors: the client, representatives, coordinators (consent in force). Everyone else per the
// plan scope of their consent (a team's people per the team's). Nothing in a pending network.

constexpr auto kNone = v1::PLAN_SCOPE_NONE;
constexpr auto kPlanRead = v1::PLAN_SCOPE_READ;
constexpr auto kPlanUpdate = v1::PLAN_SCOPE_UPDATE_ASSIGNED;

struct PlanRow {
  Place place;
  v1::AccountKind kind;
  v1::PlanScope scope;  // set on the place's consent, if it has one
  //                 Read  Edit  UpdateAssigned  Acknowledge
  std::array<Code, 4> expected;
};

// clang-format off
const PlanRow kPlanTable[] = {
//   place                          actor     scope         Read  Edit  Update Ack
    {Place::kClient,                kClient,  kNone,       {OK,   OK,   OK,    OK}},
    {Place::kRepresentative,        kMember,  kNone,       {OK,   OK,   OK,    OK}},
    {Place::kCoordinator,           kMember,  kNone,       {OK,   OK,   OK,    DENY}},
    {Place::kMemberAll,             kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kMemberAll,             kMember,  kPlanRead,   {OK,   DENY, DENY,  DENY}},
    {Place::kMemberAll,             kMember,  kPlanUpdate, {OK,   DENY, OK,    DENY}},
    {Place::kMemberOneThread,       kMember,  kPlanUpdate, {OK,   DENY, OK,    DENY}},
    {Place::kMemberReadOnly,        kMember,  kPlanRead,   {OK,   DENY, DENY,  DENY}},
    {Place::kMemberAllNamed,        kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    // A consent not in force gives nothing of the plan, whatever its scope.
    {Place::kMemberExpired,         kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kMemberWithdrawn,       kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kMemberNotYet,          kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kMemberNoConsent,       kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    // A team's people, per the team's consent and their own period.
    {Place::kTeamMember,            kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kTeamMember,            kMember,  kPlanRead,   {OK,   DENY, DENY,  DENY}},
    {Place::kTeamMember,            kMember,  kPlanUpdate, {OK,   DENY, OK,    DENY}},
    {Place::kTeamMemberExcluded,    kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kTeamStandInNotYet,     kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kTeamStandInEnded,      kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kTeamStandInInPeriod,   kMember,  kPlanUpdate, {OK,   DENY, OK,    DENY}},
    {Place::kTeamWithdrawn,         kMember,  kPlanUpdate, {DENY, DENY, DENY,  DENY}},
    {Place::kPendingInvitee,        kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kRemoved,               kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kStranger,              kMember,  kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kNoNetwork,             kMember,  kNone,       {GONE, GONE, GONE,  GONE}},
    {Place::kNoNetworkRoleClaimed,  kClient,  kNone,       {GONE, GONE, GONE,  GONE}},
    // Nobody works on the plan of a network that waits for the client, as with threads.
    {Place::kPendingOpener,         kMember,  kNone,       {PRE,  PRE,  PRE,   PRE}},
    {Place::kPendingClient,         kClient,  kNone,       {PRE,  PRE,  PRE,   PRE}},
    {Place::kPendingRepresentative, kMember,  kNone,       {PRE,  PRE,  PRE,   PRE}},
    // Admins and auditors never see network content.
    {Place::kClient,                kAdmin,   kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kCoordinator,           kAuditor, kNone,       {DENY, DENY, DENY,  DENY}},
    {Place::kMemberAll,             kAdmin,   kPlanUpdate, {DENY, DENY, DENY,  DENY}},
};
// clang-format on

Standing PlanStanding(Place place, v1::PlanScope scope) {
  Standing s = StandingFor(place, S);
  if (s.consent) s.consent->mutable_provision()->set_plan(scope);
  return s;
}

TEST(AuthorizeTest, PlanIsEditedByPrincipalsAndCoordinatorsAndReadPerConsent) {
  constexpr std::array kPlanOps = {Operation::kReadPlan, Operation::kEditPlan,
                                   Operation::kUpdateAssignedAction, Operation::kAcknowledgePlan};
  std::set<Place> places;
  for (const PlanRow& row : kPlanTable) {
    places.insert(row.place);
    const Standing standing = PlanStanding(row.place, row.scope);
    for (size_t i = 0; i < kPlanOps.size(); ++i) {
      Status s = Authorize(Actor{42, row.kind}, kPlanOps[i], standing);
      EXPECT_EQ(CodeName(s.code()), CodeName(row.expected[i]))
          << "place " << static_cast<int>(row.place) << " kind " << row.kind << " scope "
          << row.scope << " op " << OperationName(kPlanOps[i]) << ": " << s.ToString();
    }
    // ReadsPlan (who gets plan events) says what Authorize says for a member-kind reader.
    if (row.kind != kAdmin && row.kind != kAuditor) {
      EXPECT_EQ(ReadsPlan(standing), row.expected[0] == OK) << static_cast<int>(row.place);
    }
  }
  EXPECT_EQ(places.size(), static_cast<size_t>(Place::kPendingRepresentative) + 1);
}

TEST(AuthorizeTest, PlanRefusalsSayWhy) {
  const Actor member{42, kMember};
  EXPECT_NE(Authorize(member, Operation::kReadPlan, PlanStanding(Place::kMemberAll, kNone))
                .detail()
                .find("does not include the plan"),
            std::string::npos);
  EXPECT_NE(Authorize(member, Operation::kEditPlan, PlanStanding(Place::kMemberAll, kPlanUpdate))
                .detail()
                .find("coordinators edit the plan"),
            std::string::npos);
  EXPECT_NE(Authorize(member, Operation::kUpdateAssignedAction,
                      PlanStanding(Place::kMemberAll, kPlanRead))
                .detail()
                .find("not updating"),
            std::string::npos);
}

TEST(AuthorizeTest, AnAssigneeUpdatesOnlyStatusAndNoteOfTheirOwnAction) {
  const Actor me{42, kMember};
  const Standing member = PlanStanding(Place::kMemberAll, kPlanUpdate);
  const Standing team = PlanStanding(Place::kTeamMember, kPlanUpdate);  // team 900
  // assignee id, is team, only status and note -> expected
  EXPECT_EQ(AuthorizePlanActionUpdate(me, member, 42, false, true).code(), OK);
  EXPECT_EQ(AuthorizePlanActionUpdate(me, member, 42, false, false).code(), DENY);
  EXPECT_EQ(AuthorizePlanActionUpdate(me, member, 43, false, true).code(), DENY);
  EXPECT_EQ(AuthorizePlanActionUpdate(me, member, 42, true, true).code(), DENY);  // a team 42
  EXPECT_EQ(AuthorizePlanActionUpdate(me, team, 900, true, true).code(), OK);
  EXPECT_EQ(AuthorizePlanActionUpdate(me, team, 900, true, false).code(), DENY);
  EXPECT_EQ(AuthorizePlanActionUpdate(me, team, 42, false, true).code(), DENY);  // not in person
  // Editors change any action, every field.
  for (Place editor : {Place::kClient, Place::kRepresentative, Place::kCoordinator}) {
    EXPECT_EQ(AuthorizePlanActionUpdate(me, PlanStanding(editor, kNone), 43, false, false).code(),
              OK);
  }
  // A member whose consent includes COORDINATE coordinates: an editor too.
  Standing coordinating = PlanStanding(Place::kMemberAll, kNone);
  coordinating.consent->mutable_provision()->add_actions(kCoordinate);
  EXPECT_EQ(Authorize(me, Operation::kEditPlan, coordinating).code(), OK);
  EXPECT_EQ(AuthorizePlanActionUpdate(me, coordinating, 43, false, false).code(), OK);
  EXPECT_EQ(Authorize(me, Operation::kAcknowledgePlan, coordinating).code(), DENY);
  EXPECT_NE(
      AuthorizePlanActionUpdate(me, member, 42, false, false).detail().find("status and note"),
      std::string::npos);
}

}  // namespace
}  // namespace kring
