// Who sees whom in a network: which people a member list (and a membership event) shows to whom,
// and how much of each. Pure: decided over the records as plain structs, so that a new kind of
// member (a team, say) is one more case here. docs/consent.md, "Who sees whom", has the rules in
// words; tests/server/core/visibility_test.cc has them as a table.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"

namespace kring {

// One person of a network as the records say: the client, a member (coordinator or not) with
// their current consent record, or a representative of the client.
struct Person {
  uint64_t account_id = 0;
  v1::MemberRole role = v1::MEMBER_ROLE_UNSPECIFIED;
  std::optional<v1::Consent> consent;  // a member's current record (whatever its status)
};

// What a viewer is shown of one person.
struct Shown {
  bool listed = false;       // the person appears at all (in lists and membership events)
  bool details = false;      // profession and role label
  bool consent = false;      // the consent record itself
  bool access_flag = false;  // whether their access is in force (a yes or no, not the details)
  bool basis = false;        // a representative's legal basis
};

// Whether the person may read the thread now: the client and representatives every thread but
// team-only ones, a member whose consent in force covers it.
bool ReadsThread(const Person& person, const ThreadRef& thread, int64_t now_ms);

// Whether the person's access is in force now (always for the client and representatives).
bool AccessInForce(const Person& person, int64_t now_ms);

// Whether the person coordinates the network now: role COORDINATOR or a consent including
// COORDINATE, in force.
bool Coordinates(const Person& person, int64_t now_ms);

// What `viewer` (with `viewer_standing`, authorized to list members) is shown of `person`, in a
// network whose threads are `threads`, at viewer_standing.now_ms:
//  - the client and representatives: everyone, everything (they decide);
//  - oneself: everything of one's own but a basis;
//  - everyone else sees the client, the representatives (without their basis), the
//    coordinators, and the people who may read a thread they may read, with profession and role
//    label; nobody whose access is not in force;
//  - a coordinator also sees every other member, with whether their access is in force, so that
//    they know whom to ask the client about: profession and role label only of those above.
Shown ShownTo(const Person& viewer, const Standing& viewer_standing, const Person& person,
              const std::vector<ThreadRef>& threads);

}  // namespace kring
