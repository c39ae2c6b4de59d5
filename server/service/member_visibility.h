// Who sees whom (server/core/visibility.h) over the records of one network: the member list as
// each viewer is shown it, and who is told of a member's coming and going.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/core/visibility.h"
#include "server/storage/store.h"

namespace kring::service {

// Everyone of the network as the rules see them, with their public view: the client, the
// members (with their current consent; a team admitted as one member with the team's consent
// and, in its view, the people in it at now_ms) and the representatives of the client
// (role_label: the basis). Ascending account id for members, then the representatives.
struct PersonEntry {
  Person person;
  v1::Member member;  // without consent or access_in_force
};
// Someone who may list the network's members at now_ms, with the standing they list under.
struct Viewer {
  Person person;
  Standing standing;
};
struct NetworkPeople {
  std::vector<PersonEntry> people;
  std::vector<ThreadRef> threads;
  // The people in the network only through a team whose route is open at now_ms (in their
  // period, not excluded): role MEMBER with the team's consent (docs/consent.md, "Teams").
  // Filled only when asked for (`with_team_people`); they are viewers, never entries.
  std::vector<Viewer> through_teams;
  const PersonEntry* Find(uint64_t account_id) const;
  // Everyone who may list members at now_ms: the principals, the members whose access is in
  // force and, when read, the people through teams whose access is in force.
  std::vector<Viewer> Viewers(int64_t now_ms) const;
};
StatusOr<NetworkPeople> ReadNetworkPeople(const storage::ReadView& view, const v1::Network& network,
                                          int64_t now_ms, bool with_team_people = false);

// A team's entry in `network_id`'s member list: the team, and the people in it at now_ms, each
// marked `excluded` when the client excluded them there (docs/consent.md, "Teams").
StatusOr<v1::Member> TeamMemberView(const storage::ReadView& view, uint64_t network_id,
                                    const store::MemberRecord& m, int64_t now_ms);

// `entry` as `viewer` (with `standing`) is shown it, or nothing.
std::optional<v1::Member> MemberAsShown(const Person& viewer, const Standing& standing,
                                        const PersonEntry& entry,
                                        const std::vector<ThreadRef>& threads);

// The accounts of the network to whom `person_id` is listed at now_ms (the person included),
// among those who may list members: with profession and role label (`full`), or without. The
// people through a team (when `people` has them) are told like members in person; a team is
// always listed in full to its own people.
struct ListedTo {
  std::vector<uint64_t> full;
  std::vector<uint64_t> bare;
};
ListedTo WhoSees(const NetworkPeople& people, uint64_t person_id, int64_t now_ms);

// Sends MembershipChanged{change, member} to `to`: `member` as is to to.full, without profession
// and role label to to.bare.
class Hub;

void PublishMembershipChange(Hub& hub, uint64_t network_id, v1::MembershipChange change,
                             const v1::Member& member, const ListedTo& to);

// Who is listed to whom in a network at one instant, read with the people through teams, so
// that a change of consent can tell each viewer whom they now see or no longer see
// (docs/consent.md, "Who sees whom").
struct Sights {
  NetworkPeople people;
  int64_t now_ms = 0;
};
StatusOr<Sights> ReadSights(const storage::ReadView& view, const v1::Network& network,
                            int64_t now_ms);

// MembershipChanged{SHOWN or HIDDEN} owed to one viewer: `member` as they are shown it now
// (SHOWN), or as they were shown it (HIDDEN); without consent or excluded people.
struct SightChange {
  uint64_t viewer_id = 0;
  v1::MembershipChange change = v1::MEMBERSHIP_CHANGE_UNSPECIFIED;
  v1::Member member;
};
// What changed between `before` and `after` (the same network) for every viewer who may list
// members at both instants: someone listed to them now and not before, or shown with profession
// and role label now and not before or the other way round (SHOWN); someone listed before and
// not now (HIDDEN). Viewers who gain or lose the network altogether learn it from their own
// consent's events (ConsentChanged, AccessEnded) instead.
std::vector<SightChange> SightChanges(const Sights& before, const Sights& after);
// Sends each change to its viewer's connections.
void PublishSightChanges(Hub& hub, uint64_t network_id, const std::vector<SightChange>& changes);

// The network's opener's display name and profession (`account`, the opener's), filled in
// `network` when `viewer_id` (with `standing` there) is shown the opener's details: the client and
// representatives always, the opener themself, and members as who-sees-whom says.
Status FillOpener(const storage::ReadView& view, uint64_t viewer_id, const Standing& standing,
                  v1::Network& network);
// The same for those who always see the opener (the principals and the opener), without reads.
void FillOpener(const v1::Account& opener, v1::Network& network);

}  // namespace kring::service
