// Teams: the team, its people (with their periods), the account -> teams index, and the
// client's exclusions of a team's people from a network. A team's admission to a network and
// its consent there are member and consent records under the team's id (records_network.cc).
#include "server/service/records.h"
#include "server/service/records_internal.h"

namespace kring::service::records {

namespace {

std::string ExclusionKey(uint64_t network_id, uint64_t team_id, uint64_t account_id) {
  return U64U64(network_id, team_id) + U64(account_id);
}

}  // namespace

StatusOr<std::optional<v1::Team>> GetTeam(const ReadView& view, uint64_t team_id) {
  return GetProto<v1::Team>(view, Table::kTeams, U64(team_id));
}

void PutTeam(Transaction& txn, const v1::Team& team) {
  PutProto(txn, Table::kTeams, U64(team.id()), team);
}

StatusOr<std::vector<v1::Team>> AllTeams(const ReadView& view) {
  std::vector<v1::Team> out;
  bool corrupt = false;
  KRING_RETURN_IF_ERROR(
      view.Scan(Table::kTeams, "", "", 0, [&](std::string_view, std::string_view value) {
        v1::Team team;
        corrupt = !team.ParseFromArray(value.data(), static_cast<int>(value.size()));
        if (!corrupt) out.push_back(std::move(team));
        return !corrupt;
      }));
  if (corrupt) return Internal("corrupt record in table teams");
  return out;
}

StatusOr<std::optional<v1::TeamPerson>> GetTeamPerson(const ReadView& view, uint64_t team_id,
                                                      uint64_t account_id) {
  return GetProto<v1::TeamPerson>(view, Table::kTeamPeople, U64U64(team_id, account_id));
}

void PutTeamPerson(Transaction& txn, const v1::TeamPerson& person) {
  v1::TeamPerson stored = person;
  // Handles and names are the account's: filled in when listed, never kept twice.
  stored.clear_handle();
  stored.clear_display_name();
  stored.clear_profession();
  PutProto(txn, Table::kTeamPeople, U64U64(person.team_id(), person.account_id()), stored);
  txn.Put(Table::kAccountTeams, U64U64(person.account_id(), person.team_id()), "");
}

void RemoveTeamPerson(Transaction& txn, uint64_t team_id, uint64_t account_id) {
  txn.Delete(Table::kTeamPeople, U64U64(team_id, account_id));
  txn.Delete(Table::kAccountTeams, U64U64(account_id, team_id));
}

StatusOr<std::vector<v1::TeamPerson>> TeamPeople(const ReadView& view, uint64_t team_id) {
  return ScanProtos<v1::TeamPerson>(view, Table::kTeamPeople, team_id);
}

StatusOr<std::vector<uint64_t>> TeamsOf(const ReadView& view, uint64_t account_id) {
  return ScanSecondIds(view, Table::kAccountTeams, account_id);
}

StatusOr<bool> IsExcluded(const ReadView& view, uint64_t network_id, uint64_t team_id,
                          uint64_t account_id) {
  KRING_ASSIGN_OR_RETURN(
      auto row, view.Get(Table::kTeamExclusions, ExclusionKey(network_id, team_id, account_id)));
  return row.has_value();
}

void SetExcluded(Transaction& txn, uint64_t network_id, uint64_t team_id, uint64_t account_id,
                 bool excluded) {
  std::string key = ExclusionKey(network_id, team_id, account_id);
  if (excluded) {
    txn.Put(Table::kTeamExclusions, std::move(key), "");
  } else {
    txn.Delete(Table::kTeamExclusions, std::move(key));
  }
}

StatusOr<std::vector<v1::TeamPerson>> PeopleThroughTeam(const ReadView& view,
                                                        const v1::Network& network,
                                                        uint64_t team_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<v1::TeamPerson> people, TeamPeople(view, team_id));
  std::vector<v1::TeamPerson> out;
  for (v1::TeamPerson& person : people) {
    KRING_ASSIGN_OR_RETURN(auto member, GetMember(view, network.id(), person.account_id()));
    if (member) continue;
    KRING_ASSIGN_OR_RETURN(auto representation,
                           GetRepresentation(view, network.client_id(), person.account_id()));
    if (representation) continue;
    out.push_back(std::move(person));
  }
  return out;
}

StatusOr<std::vector<TeamRoute>> ReadTeamRoutes(const ReadView& view, uint64_t network_id,
                                                uint64_t account_id) {
  std::vector<TeamRoute> routes;
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> teams, TeamsOf(view, account_id));
  for (uint64_t team_id : teams) {
    KRING_ASSIGN_OR_RETURN(auto admitted, GetMember(view, network_id, team_id));
    if (!admitted || !admitted->team()) continue;
    KRING_ASSIGN_OR_RETURN(auto person, GetTeamPerson(view, team_id, account_id));
    KRING_ASSIGN_OR_RETURN(auto team, GetTeam(view, team_id));
    if (!person || !team) continue;
    TeamRoute route;
    route.team_id = team_id;
    route.team_name = team->name();
    KRING_ASSIGN_OR_RETURN(route.consent, GetCurrentConsent(view, network_id, team_id));
    route.from_ms = person->from_ms();
    route.until_ms = person->until_ms();
    KRING_ASSIGN_OR_RETURN(route.excluded, IsExcluded(view, network_id, team_id, account_id));
    routes.push_back(std::move(route));
  }
  return routes;
}

void ApplyTeamRoute(const TeamRoute& route, Standing& standing) {
  standing.role = v1::MEMBER_ROLE_MEMBER;
  standing.consent = route.consent;
  standing.team_id = route.team_id;
  standing.team_name = route.team_name;
  standing.team_from_ms = route.from_ms;
  standing.team_until_ms = route.until_ms;
  standing.team_excluded = route.excluded;
}

}  // namespace kring::service::records
