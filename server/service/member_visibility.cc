#include "server/service/member_visibility.h"

#include <algorithm>

#include "server/protocol/frames.h"
#include "server/service/hub.h"
#include "server/service/records.h"
#include "server/service/team_actions.h"

namespace kring::service {

namespace {

void WithoutExcludedPeople(v1::Member& member) {
  auto* people = member.mutable_team_people();
  people->erase(std::remove_if(people->begin(), people->end(),
                               [](const v1::TeamPerson& p) { return p.excluded(); }),
                people->end());
}

}  // namespace

const PersonEntry* NetworkPeople::Find(uint64_t account_id) const {
  for (const PersonEntry& e : people) {
    if (e.person.account_id == account_id) return &e;
  }
  return nullptr;
}

StatusOr<v1::Member> TeamMemberView(const storage::ReadView& view, uint64_t network_id,
                                    const store::MemberRecord& m, int64_t now_ms) {
  v1::Member out;
  out.set_role(m.role());
  out.set_role_label(m.role_label());
  out.set_since_ms(m.since_ms());
  KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(view, m.account_id()));
  if (team) {
    out.set_display_name(team->name());
    out.set_profession(team->organisation());
    *out.mutable_team() = *team;
  }
  KRING_ASSIGN_OR_RETURN(auto people, TeamPeopleView(view, m.account_id(), now_ms));
  for (auto& person : people) {
    KRING_ASSIGN_OR_RETURN(
        bool excluded, records::IsExcluded(view, network_id, m.account_id(), person.account_id()));
    person.set_excluded(excluded);
    *out.add_team_people() = std::move(person);
  }
  return out;
}

StatusOr<NetworkPeople> ReadNetworkPeople(const storage::ReadView& view, const v1::Network& network,
                                          int64_t now_ms) {
  NetworkPeople out;
  KRING_ASSIGN_OR_RETURN(out.threads, records::NetworkThreadRefs(view, network.id()));
  KRING_ASSIGN_OR_RETURN(std::vector<store::MemberRecord> members,
                         records::Members(view, network.id()));
  for (const store::MemberRecord& m : members) {
    if (m.team()) {
      // A team is one member, seen by the rules as a member with the team's consent.
      PersonEntry entry;
      entry.person.account_id = m.account_id();
      entry.person.role = m.role();
      KRING_ASSIGN_OR_RETURN(entry.person.consent,
                             records::GetCurrentConsent(view, network.id(), m.account_id()));
      KRING_ASSIGN_OR_RETURN(entry.member, TeamMemberView(view, network.id(), m, now_ms));
      out.people.push_back(std::move(entry));
      continue;
    }
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, m.account_id()));
    if (!account) continue;
    PersonEntry entry;
    entry.person.account_id = m.account_id();
    entry.person.role = m.role();
    if (m.role() != v1::MEMBER_ROLE_CLIENT) {
      KRING_ASSIGN_OR_RETURN(entry.person.consent,
                             records::GetCurrentConsent(view, network.id(), m.account_id()));
    }
    entry.member = records::MemberView(m, account->account());
    out.people.push_back(std::move(entry));
  }
  KRING_ASSIGN_OR_RETURN(auto reps, records::RepresentativesOf(view, network.client_id()));
  for (uint64_t rep_id : reps) {
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, rep_id));
    KRING_ASSIGN_OR_RETURN(auto representation,
                           records::GetRepresentation(view, network.client_id(), rep_id));
    if (!account || !representation) continue;
    store::MemberRecord as_member;
    as_member.set_account_id(rep_id);
    as_member.set_role(v1::MEMBER_ROLE_REPRESENTATIVE);
    as_member.set_role_label(representation->basis());
    as_member.set_since_ms(representation->since_ms());
    PersonEntry entry;
    entry.person.account_id = rep_id;
    entry.person.role = v1::MEMBER_ROLE_REPRESENTATIVE;
    entry.member = records::MemberView(as_member, account->account());
    out.people.push_back(std::move(entry));
  }
  return out;
}

std::optional<v1::Member> MemberAsShown(const Person& viewer, const Standing& standing,
                                        const PersonEntry& entry,
                                        const std::vector<ThreadRef>& threads) {
  const Shown shown = ShownTo(viewer, standing, entry.person, threads);
  if (!shown.listed) return std::nullopt;
  v1::Member member = entry.member;
  if (!shown.details) {
    member.clear_profession();
    member.clear_role_label();
  }
  // A representative's role label is their legal basis (a court decision number, say).
  if (entry.person.role == v1::MEMBER_ROLE_REPRESENTATIVE && !shown.basis) {
    member.clear_role_label();
  }
  if (shown.consent && entry.person.consent) *member.mutable_consent() = *entry.person.consent;
  // Whom the client excluded is the client's decision, shown to those who see their consents;
  // to anyone else an excluded person is simply not in the network.
  if (!shown.consent) WithoutExcludedPeople(member);
  if (shown.access_flag) {
    member.set_access_in_force(AccessInForce(entry.person, standing.now_ms));
  }
  return member;
}

ListedTo WhoSees(const NetworkPeople& people, uint64_t person_id, int64_t now_ms) {
  ListedTo out;
  const PersonEntry* subject = people.Find(person_id);
  for (const PersonEntry& viewer : people.people) {
    if (viewer.person.account_id == person_id) {
      out.full.push_back(person_id);
      continue;
    }
    if (subject == nullptr) continue;
    Standing standing;
    standing.network_exists = true;
    standing.role = viewer.person.role;
    standing.consent = viewer.person.consent;
    standing.now_ms = now_ms;
    // Only those who may list members at all: the principals and members in force.
    if (!AccessInForce(viewer.person, now_ms)) continue;
    const Shown shown = ShownTo(viewer.person, standing, subject->person, people.threads);
    if (shown.details) {
      out.full.push_back(viewer.person.account_id);
    } else if (shown.listed) {
      out.bare.push_back(viewer.person.account_id);
    }
  }
  return out;
}

void PublishMembershipChange(Hub& hub, uint64_t network_id, v1::MembershipChange change,
                             const v1::Member& member, const ListedTo& to) {
  v1::Member bare = member;
  bare.clear_consent();
  WithoutExcludedPeople(bare);  // the client's decisions: in their ListMembers, not in events
  if (!to.full.empty()) {
    hub.PublishToNetwork(/*network_id=*/0, to.full,
                         MembershipChangedFrame(network_id, change, &bare, nullptr));
  }
  bare.clear_profession();
  bare.clear_role_label();
  if (!to.bare.empty()) {
    hub.PublishToNetwork(/*network_id=*/0, to.bare,
                         MembershipChangedFrame(network_id, change, &bare, nullptr));
  }
}

}  // namespace kring::service
