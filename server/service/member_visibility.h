// Who sees whom (server/core/visibility.h) over the records of one network: the member list as
// each viewer is shown it, and who is told of a member's coming and going.
#pragma once

#include <cstdint>
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
struct NetworkPeople {
  std::vector<PersonEntry> people;
  std::vector<ThreadRef> threads;
  const PersonEntry* Find(uint64_t account_id) const;
};
StatusOr<NetworkPeople> ReadNetworkPeople(const storage::ReadView& view, const v1::Network& network,
                                          int64_t now_ms);

// A team's entry in `network_id`'s member list: the team, and the people in it at now_ms, each
// marked `excluded` when the client excluded them there (docs/consent.md, "Teams").
StatusOr<v1::Member> TeamMemberView(const storage::ReadView& view, uint64_t network_id,
                                    const store::MemberRecord& m, int64_t now_ms);

// `entry` as `viewer` (with `standing`) is shown it, or nothing.
std::optional<v1::Member> MemberAsShown(const Person& viewer, const Standing& standing,
                                        const PersonEntry& entry,
                                        const std::vector<ThreadRef>& threads);

// The accounts of the network to whom `person_id` is listed at now_ms (the person included),
// among those who may list members: with profession and role label (`full`), or without.
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

}  // namespace kring::service
