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

std::vector<Viewer> NetworkPeople::Viewers(int64_t now_ms) const {
  std::vector<Viewer> out;
  for (const PersonEntry& entry : people) {
    if (entry.member.has_team()) continue;  // a team lists nothing; its people do
    // Only those who may list members at all: the principals and members in force.
    if (!AccessInForce(entry.person, now_ms)) continue;
    Viewer viewer;
    viewer.person = entry.person;
    viewer.standing.network_exists = true;
    viewer.standing.role = entry.person.role;
    viewer.standing.consent = entry.person.consent;
    viewer.standing.now_ms = now_ms;
    out.push_back(std::move(viewer));
  }
  for (const Viewer& viewer : through_teams) {
    if (AccessInForce(viewer.person, now_ms)) out.push_back(viewer);
  }
  return out;
}

namespace {

// The people in the network through its teams whose route is open at now_ms, each once (the
// route their standing takes decides: the first open team by id).
StatusOr<std::vector<Viewer>> ReadTeamPeople(const storage::ReadView& view,
                                             const v1::Network& network,
                                             const std::vector<PersonEntry>& entries,
                                             int64_t now_ms) {
  std::vector<Viewer> out;
  for (const PersonEntry& entry : entries) {
    if (!entry.member.has_team()) continue;
    const uint64_t team_id = entry.person.account_id;
    KRING_ASSIGN_OR_RETURN(auto people, records::PeopleThroughTeam(view, network, team_id));
    for (const v1::TeamPerson& person : people) {
      KRING_ASSIGN_OR_RETURN(Standing standing,
                             records::GetStanding(view, network.id(), person.account_id(), now_ms));
      if (!standing.role || standing.team_id != team_id) continue;  // another route decides
      if (!TeamRouteClosedReason(standing).empty()) continue;
      Viewer viewer;
      viewer.person = Person{person.account_id(), *standing.role, standing.consent};
      viewer.standing = std::move(standing);
      out.push_back(std::move(viewer));
    }
  }
  return out;
}

}  // namespace

StatusOr<NetworkPeople> ReadNetworkPeople(const storage::ReadView& view, const v1::Network& network,
                                          int64_t now_ms, bool with_team_people) {
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
  if (with_team_people) {
    KRING_ASSIGN_OR_RETURN(out.through_teams, ReadTeamPeople(view, network, out.people, now_ms));
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
  for (const PersonEntry& entry : people.people) {
    // The person themself, also when their access is not in force.
    if (entry.person.account_id == person_id && !entry.member.has_team()) {
      out.full.push_back(person_id);
    }
  }
  if (subject == nullptr) return out;
  for (const Viewer& viewer : people.Viewers(now_ms)) {
    if (viewer.person.account_id == person_id) continue;
    if (viewer.standing.team_id == person_id) {  // their own team
      out.full.push_back(viewer.person.account_id);
      continue;
    }
    const Shown shown = ShownTo(viewer.person, viewer.standing, subject->person, people.threads);
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

namespace kring::service {

StatusOr<Sights> ReadSights(const storage::ReadView& view, const v1::Network& network,
                            int64_t now_ms) {
  Sights sights;
  sights.now_ms = now_ms;
  KRING_ASSIGN_OR_RETURN(sights.people,
                         ReadNetworkPeople(view, network, now_ms, /*with_team_people=*/true));
  return sights;
}

namespace {

// `entry` as `viewer` is shown it in an event (nullopt: not listed), and whether with details.
std::optional<v1::Member> ShownInEvent(const Viewer& viewer, const PersonEntry& entry,
                                       const std::vector<ThreadRef>& threads, bool* details) {
  const Shown shown = ShownTo(viewer.person, viewer.standing, entry.person, threads);
  *details = shown.details;
  std::optional<v1::Member> member = MemberAsShown(viewer.person, viewer.standing, entry, threads);
  if (member) {
    member->clear_consent();
    WithoutExcludedPeople(*member);
  }
  return member;
}

}  // namespace

std::vector<SightChange> SightChanges(const Sights& before, const Sights& after) {
  std::vector<SightChange> out;
  const std::vector<Viewer> viewers_before = before.people.Viewers(before.now_ms);
  for (const Viewer& viewer : after.people.Viewers(after.now_ms)) {
    const uint64_t viewer_id = viewer.person.account_id;
    auto was =
        std::find_if(viewers_before.begin(), viewers_before.end(),
                     [viewer_id](const Viewer& v) { return v.person.account_id == viewer_id; });
    if (was == viewers_before.end()) continue;
    // Everyone of the network at either instant, but the viewer and their own team.
    std::vector<uint64_t> subjects;
    for (const Sights* at : {&before, &after}) {
      for (const PersonEntry& e : at->people.people) {
        const uint64_t id = e.person.account_id;
        if (id == viewer_id || id == viewer.standing.team_id || id == was->standing.team_id) {
          continue;
        }
        if (std::find(subjects.begin(), subjects.end(), id) == subjects.end()) {
          subjects.push_back(id);
        }
      }
    }
    for (uint64_t id : subjects) {
      const PersonEntry* then = before.people.Find(id);
      const PersonEntry* now = after.people.Find(id);
      bool details_then = false, details_now = false;
      std::optional<v1::Member> shown_then, shown_now;
      if (then) shown_then = ShownInEvent(*was, *then, before.people.threads, &details_then);
      if (now) shown_now = ShownInEvent(viewer, *now, after.people.threads, &details_now);
      if (shown_then && !shown_now) {
        out.push_back({viewer_id, v1::MEMBERSHIP_CHANGE_HIDDEN, std::move(*shown_then)});
      } else if (shown_now && (!shown_then || details_then != details_now)) {
        out.push_back({viewer_id, v1::MEMBERSHIP_CHANGE_SHOWN, std::move(*shown_now)});
      }
    }
  }
  return out;
}

void PublishSightChanges(Hub& hub, uint64_t network_id, const std::vector<SightChange>& changes) {
  for (const SightChange& change : changes) {
    hub.PublishToNetwork(
        /*network_id=*/0, {change.viewer_id},
        MembershipChangedFrame(network_id, change.change, &change.member, nullptr));
  }
}

void FillOpener(const v1::Account& opener, v1::Network& network) {
  network.set_opened_by_display_name(opener.display_name());
  network.set_opened_by_profession(opener.profession());
}

Status FillOpener(const storage::ReadView& view, uint64_t viewer_id, const Standing& standing,
                  v1::Network& network) {
  const uint64_t opener_id = network.opened_by();
  if (opener_id == 0) return Status::Ok();
  KRING_ASSIGN_OR_RETURN(auto opener, records::GetAccount(view, opener_id));
  if (!opener) return Status::Ok();
  if (!IsPrincipal(standing) && viewer_id != opener_id) {
    // Anyone else as the member list would show them the opener (who sees whom).
    KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(view, network.id(), opener_id));
    if (!member || !standing.role) return Status::Ok();
    Person person{opener_id, member->role(), std::nullopt};
    KRING_ASSIGN_OR_RETURN(person.consent,
                           records::GetCurrentConsent(view, network.id(), opener_id));
    KRING_ASSIGN_OR_RETURN(auto threads, records::NetworkThreadRefs(view, network.id()));
    const Person viewer{viewer_id, *standing.role, standing.consent};
    // Only those who may list members at all see anyone's details.
    if (!AccessInForce(viewer, standing.now_ms)) return Status::Ok();
    if (!ShownTo(viewer, standing, person, threads).details) return Status::Ok();
  }
  FillOpener(opener->account(), network);
  return Status::Ok();
}

}  // namespace kring::service
