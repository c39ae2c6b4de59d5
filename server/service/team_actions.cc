// Teams: create one, add and remove its people (with a period for a stand-in), list them, and
// the client's exclusion of a person of a team from their network. Every change that takes
// access away cuts live delivery before the response, like a withdrawal (docs/consent.md).
#include "server/service/team_actions.h"

#include <algorithm>

#include "proto/kring/v1/audit_event_types.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/consent_actions.h"
#include "server/service/member_visibility.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr size_t kMaxTeamNameBytes = 100;

Status ValidateTeamText(std::string_view text, std::string_view what, bool required) {
  if ((required && text.empty()) || text.size() > kMaxTeamNameBytes || !IsValidUtf8(text)) {
    return InvalidArgument(std::string(what) + " must be valid UTF-8 of " + (required ? "1" : "0") +
                           " to 100 bytes");
  }
  return CheckNameCharacters(text, what);
}

// The account named by `handle`, or the error to answer with; noted on the record.
StatusOr<store::AccountRecord> PersonByHandle(const storage::ReadView& view,
                                              const std::string& raw_handle,
                                              v1::AuditEvent& audit) {
  std::optional<std::string> handle = CanonicalHandle(raw_handle);
  if (!handle) return InvalidArgument("not a valid handle");
  audit.set_object_handle(*handle);
  KRING_ASSIGN_OR_RETURN(auto id, records::FindAccountId(view, *handle));
  if (!id) return NotFound("no account \"" + *handle + "\"");
  KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, *id));
  if (!account) return Internal("handle without account");
  audit.set_object_id(*id);
  return std::move(*account);
}

StatusOr<v1::Team> TeamOrNotFound(const storage::ReadView& view, uint64_t team_id) {
  KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(view, team_id));
  if (!team) return NotFound("no team " + std::to_string(team_id));
  return std::move(*team);
}

bool InPeriod(const v1::TeamPerson& person, int64_t now_ms) {
  return person.from_ms() <= now_ms && (person.until_ms() == 0 || now_ms < person.until_ms());
}

// Whether the actor coordinates the team now.
StatusOr<bool> Coordinates(const storage::ReadView& view, uint64_t team_id, const Actor& actor,
                           int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(auto me, records::GetTeamPerson(view, team_id, actor.account_id));
  return me && me->coordinator() && InPeriod(*me, now_ms);
}

// Who is told of a change in the team: its people and the principals of its networks.
StatusOr<std::vector<uint64_t>> TeamAudience(const storage::ReadView& view, uint64_t team_id,
                                             const std::vector<uint64_t>& network_ids) {
  std::vector<uint64_t> out;
  KRING_ASSIGN_OR_RETURN(auto people, records::TeamPeople(view, team_id));
  for (const auto& person : people) out.push_back(person.account_id());
  for (uint64_t network_id : network_ids) {
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
    if (!network) continue;
    KRING_ASSIGN_OR_RETURN(auto principals, records::Principals(view, *network));
    out.insert(out.end(), principals.begin(), principals.end());
  }
  return out;
}

// A record for each network of the team, naming its client, so the client sees in their own
// access log that the people with access to their network changed.
void RecordInClientsLogs(RequestContext& ctx, const storage::ReadView& view,
                         const std::vector<uint64_t>& network_ids) {
  for (uint64_t network_id : network_ids) {
    auto network = records::GetNetwork(view, network_id);
    if (!network.ok() || !*network) continue;
    v1::AuditEvent record = ctx.audit().event;
    record.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
    record.set_network_id(network_id);
    record.set_client_id((*network)->client_id());
    ctx.audit().also.push_back(std::move(record));
  }
}

// A network the person is in through a team, with their standing there.
struct TeamStanding {
  uint64_t network_id = 0;
  Standing standing;
};

// The networks of `network_ids` the person is in through a team at now_ms: the route their
// standing takes is open (in their period, not excluded).
StatusOr<std::vector<TeamStanding>> ThroughTeam(const storage::ReadView& view, uint64_t person_id,
                                                const std::vector<uint64_t>& network_ids,
                                                int64_t now_ms) {
  std::vector<TeamStanding> out;
  for (uint64_t network_id : network_ids) {
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           records::GetStanding(view, network_id, person_id, now_ms));
    if (!standing.role || standing.team_id == 0) continue;  // in person, or not at all
    if (!TeamRouteClosedReason(standing).empty()) continue;
    out.push_back({network_id, std::move(standing)});
  }
  return out;
}

// A person the team brought into a network (added, let back in) is told as a person admitted
// is: MembershipChanged{JOINED} with the team as they are shown it, and the consent they now
// have there (ConsentChanged). `before`: ThroughTeam before the change.
struct Admitted {
  uint64_t network_id = 0;
  v1::Member team;
  std::optional<v1::Consent> consent;
};
StatusOr<std::vector<Admitted>> NewlyThroughTeam(const storage::ReadView& view, uint64_t person_id,
                                                 const std::vector<uint64_t>& network_ids,
                                                 const std::vector<TeamStanding>& before,
                                                 int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(std::vector<TeamStanding> after,
                         ThroughTeam(view, person_id, network_ids, now_ms));
  std::vector<Admitted> out;
  for (const TeamStanding& at : after) {
    const bool was = std::any_of(before.begin(), before.end(), [&at](const TeamStanding& b) {
      return b.network_id == at.network_id;
    });
    if (was) continue;
    KRING_ASSIGN_OR_RETURN(auto member,
                           records::GetMember(view, at.network_id, at.standing.team_id));
    if (!member) continue;
    Admitted admitted;
    admitted.network_id = at.network_id;
    KRING_ASSIGN_OR_RETURN(admitted.team, TeamMemberView(view, at.network_id, *member, now_ms));
    admitted.consent = at.standing.consent;
    out.push_back(std::move(admitted));
  }
  return out;
}

void TellAdmitted(ServiceImpl& service, uint64_t person_id, const std::vector<Admitted>& admitted) {
  for (const Admitted& a : admitted) {
    PublishMembershipChange(service.hub, a.network_id, v1::MEMBERSHIP_CHANGE_JOINED, a.team,
                            ListedTo{{person_id}, {}});
    if (a.consent) service.hub.PublishToAccount(person_id, ConsentChangedFrame(*a.consent));
  }
}

// What a change of the person's place in the team does everywhere the team is: the live
// changes, the events of a network the team now brings them into, and the TeamChanged event;
// staged as effects of `out`. `before`: ThroughTeam(networks of the team) before the change.
Status FollowTeamChange(RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out,
                        const v1::Team& team, uint64_t person_id, const std::string& reason,
                        const std::vector<TeamStanding>& before) {
  const int64_t now = ctx.service().clock.NowMs();
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> networks, records::NetworksOf(txn, team.id()));
  KRING_ASSIGN_OR_RETURN(auto live, TeamLiveChanges(txn, person_id, networks, now));
  KRING_ASSIGN_OR_RETURN(auto admitted, NewlyThroughTeam(txn, person_id, networks, before, now));
  // Who is in the team shows in the member lists of its networks: lists built before this write
  // are not given after it (RequestContext::ReadInNetwork).
  for (uint64_t network_id : networks) {
    KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, network_id));
  }
  KRING_ASSIGN_OR_RETURN(auto audience, TeamAudience(txn, team.id(), networks));
  audience.push_back(person_id);  // also when they just left the team
  v1::TeamChanged changed;
  *changed.mutable_team() = team;
  KRING_ASSIGN_OR_RETURN(auto people, TeamPeopleView(txn, team.id(), now));
  for (auto& p : people) *changed.add_people() = std::move(p);
  RecordInClientsLogs(ctx, txn, networks);
  out.effects.push_back([&ctx, live, audience, changed, reason, person_id, admitted] {
    // First the cuts (under the hub's delivery locks), then tell everyone.
    ApplyLiveChanges(ctx.service(), live, reason);
    TellAdmitted(ctx.service(), person_id, admitted);
    ctx.service().hub.PublishToNetwork(/*network_id=*/0, audience, TeamChangedFrame(changed));
  });
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<v1::TeamPerson>> TeamPeopleView(const storage::ReadView& view,
                                                     uint64_t team_id, int64_t current_at_ms) {
  KRING_ASSIGN_OR_RETURN(auto people, records::TeamPeople(view, team_id));
  std::vector<v1::TeamPerson> out;
  for (v1::TeamPerson& person : people) {
    if (current_at_ms != 0 && !InPeriod(person, current_at_ms)) continue;
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, person.account_id()));
    if (account) {
      person.set_handle(account->account().handle());
      person.set_display_name(account->account().display_name());
      person.set_profession(account->account().profession());
    }
    out.push_back(std::move(person));
  }
  return out;
}

StatusOr<std::vector<uint64_t>> TeamCoordinatorsAt(const storage::ReadView& view, uint64_t team_id,
                                                   int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(auto people, records::TeamPeople(view, team_id));
  std::vector<uint64_t> out;
  for (const v1::TeamPerson& person : people) {
    if (person.coordinator() && InPeriod(person, now_ms)) out.push_back(person.account_id());
  }
  return out;
}

Status CreateTeam(RequestContext& ctx, const v1::CreateTeamRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_RETURN_IF_ERROR(AuthorizeTeamAdmin(actor));
    KRING_RETURN_IF_ERROR(ValidateTeamText(req.name(), "the team's name", true));
    KRING_RETURN_IF_ERROR(ValidateTeamText(req.organisation(), "the organisation", false));
    KRING_ASSIGN_OR_RETURN(uint64_t id, records::AllocateId(txn));
    v1::Team team;
    team.set_id(id);
    team.set_name(req.name());
    team.set_organisation(req.organisation());
    team.set_created_by(actor.account_id);
    team.set_created_at_ms(ctx.service().clock.NowMs());
    records::PutTeam(txn, team);
    ctx.audit().event.set_object_id(id);
    *out.response.mutable_create_team()->mutable_team() = team;
    return Status::Ok();
  });
  return Status::Ok();
}

Status SetTeamPerson(RequestContext& ctx, const v1::SetTeamPersonRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    const int64_t now = ctx.service().clock.NowMs();
    KRING_ASSIGN_OR_RETURN(store::AccountRecord account,
                           PersonByHandle(txn, req.handle(), ctx.audit().event));
    KRING_ASSIGN_OR_RETURN(bool coordinates, Coordinates(txn, req.team_id(), actor, now));
    KRING_ASSIGN_OR_RETURN(auto existing,
                           records::GetTeamPerson(txn, req.team_id(), account.account().id()));
    const bool about_coordinator = req.coordinator() || (existing && existing->coordinator());
    KRING_RETURN_IF_ERROR(AuthorizeTeamChange(actor, coordinates, about_coordinator));
    KRING_ASSIGN_OR_RETURN(v1::Team team, TeamOrNotFound(txn, req.team_id()));
    if (account.account().kind() != v1::ACCOUNT_KIND_MEMBER) {
      return InvalidArgument("only member accounts can be people of a team");
    }
    if (account.account().disabled()) return FailedPrecondition("the account is disabled");
    const int64_t from = req.from_ms() != 0 ? req.from_ms() : existing ? existing->from_ms() : now;
    if (req.from_ms() < 0 || req.until_ms() < 0 ||
        (req.until_ms() != 0 && req.until_ms() <= from)) {
      return InvalidArgument("the period must end after it starts (until 0: open)");
    }
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> networks, records::NetworksOf(txn, team.id()));
    KRING_ASSIGN_OR_RETURN(auto before, ThroughTeam(txn, account.account().id(), networks, now));
    v1::TeamPerson person;
    person.set_team_id(team.id());
    person.set_account_id(account.account().id());
    person.set_coordinator(req.coordinator());
    person.set_from_ms(from);
    person.set_until_ms(req.until_ms());
    person.set_added_by(existing ? existing->added_by() : actor.account_id);
    person.set_added_at_ms(existing ? existing->added_at_ms() : now);
    records::PutTeamPerson(txn, person);
    KRING_RETURN_IF_ERROR(FollowTeamChange(ctx, txn, out, team, person.account_id(),
                                           "your period in team \"" + team.name() + "\" ended",
                                           before));
    person.set_handle(account.account().handle());
    person.set_display_name(account.account().display_name());
    person.set_profession(account.account().profession());
    *out.response.mutable_set_team_person()->mutable_person() = person;
    return Status::Ok();
  });
  return Status::Ok();
}

Status RemoveTeamPerson(RequestContext& ctx, const v1::RemoveTeamPersonRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    const int64_t now = ctx.service().clock.NowMs();
    KRING_ASSIGN_OR_RETURN(store::AccountRecord account,
                           PersonByHandle(txn, req.handle(), ctx.audit().event));
    const uint64_t person_id = account.account().id();
    KRING_ASSIGN_OR_RETURN(bool coordinates, Coordinates(txn, req.team_id(), actor, now));
    KRING_ASSIGN_OR_RETURN(auto existing, records::GetTeamPerson(txn, req.team_id(), person_id));
    KRING_RETURN_IF_ERROR(
        AuthorizeTeamChange(actor, coordinates, existing && existing->coordinator()));
    KRING_ASSIGN_OR_RETURN(v1::Team team, TeamOrNotFound(txn, req.team_id()));
    if (!existing) {
      return NotFound("\"" + account.account().handle() + "\" is not in team \"" + team.name() +
                      "\"");
    }
    records::RemoveTeamPerson(txn, team.id(), person_id);
    KRING_RETURN_IF_ERROR(FollowTeamChange(
        ctx, txn, out, team, person_id, "you were removed from team \"" + team.name() + "\"", {}));
    out.response.mutable_remove_team_person();
    return Status::Ok();
  });
  return Status::Ok();
}

Status ListTeams(RequestContext& ctx, const v1::ListTeamsRequest&) {
  const storage::Store& store = ctx.service().store;
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &ctx.audit()));
  v1::Response response;
  auto* result = response.mutable_list_teams();
  if (actor.kind == v1::ACCOUNT_KIND_ADMIN) {
    KRING_ASSIGN_OR_RETURN(auto teams, records::AllTeams(store));
    for (auto& team : teams) *result->add_teams() = std::move(team);
  } else {
    KRING_ASSIGN_OR_RETURN(auto team_ids, records::TeamsOf(store, actor.account_id));
    for (uint64_t team_id : team_ids) {
      KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(store, team_id));
      if (team) *result->add_teams() = std::move(*team);
    }
  }
  ctx.audit().event.set_count(result->teams_size());
  ctx.Answer(std::move(response));
  return Status::Ok();
}

Status ListTeamPeople(RequestContext& ctx, const v1::ListTeamPeopleRequest& req) {
  const storage::Store& store = ctx.service().store;
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &ctx.audit()));
  ctx.audit().event.set_object_id(req.team_id());
  KRING_ASSIGN_OR_RETURN(auto me, records::GetTeamPerson(store, req.team_id(), actor.account_id));
  KRING_RETURN_IF_ERROR(AuthorizeTeamRead(actor, me.has_value()));
  KRING_ASSIGN_OR_RETURN(v1::Team team, TeamOrNotFound(store, req.team_id()));
  v1::Response response;
  auto* result = response.mutable_list_team_people();
  *result->mutable_team() = team;
  KRING_ASSIGN_OR_RETURN(auto people, TeamPeopleView(store, team.id(), 0));
  for (auto& person : people) *result->add_people() = std::move(person);
  KRING_ASSIGN_OR_RETURN(auto networks, records::NetworksOf(store, team.id()));
  for (uint64_t network_id : networks) result->add_network_ids(network_id);
  ctx.audit().event.set_count(result->people_size());
  ctx.Answer(std::move(response));
  return Status::Ok();
}

Status SetTeamExclusion(RequestContext& ctx, const v1::SetTeamExclusionRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    // The client (or a representative) decides who takes part in their network.
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(), Operation::kRemoveOther, {}, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(store::AccountRecord account,
                           PersonByHandle(txn, req.handle(), ctx.audit().event));
    const uint64_t person_id = account.account().id();
    KRING_ASSIGN_OR_RETURN(v1::Team team, TeamOrNotFound(txn, req.team_id()));
    KRING_ASSIGN_OR_RETURN(auto admitted, records::GetMember(txn, req.network_id(), team.id()));
    if (!admitted || !admitted->team()) {
      return NotFound("team \"" + team.name() + "\" is not a member of this network");
    }
    KRING_ASSIGN_OR_RETURN(auto person, records::GetTeamPerson(txn, team.id(), person_id));
    if (!person) {
      return NotFound("\"" + account.account().handle() + "\" is not in team \"" + team.name() +
                      "\"");
    }
    KRING_ASSIGN_OR_RETURN(
        auto before, ThroughTeam(txn, person_id, {req.network_id()}, permitted.standing.now_ms));
    records::SetExcluded(txn, req.network_id(), team.id(), person_id, req.excluded());
    KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, req.network_id()));
    ctx.audit().event.set_action(req.excluded() ? v1::AUDIT_ACTION_DELETE
                                                : v1::AUDIT_ACTION_CREATE);
    KRING_ASSIGN_OR_RETURN(
        auto live, TeamLiveChanges(txn, person_id, {req.network_id()}, permitted.standing.now_ms));
    KRING_ASSIGN_OR_RETURN(auto let_in, NewlyThroughTeam(txn, person_id, {req.network_id()}, before,
                                                         permitted.standing.now_ms));
    KRING_ASSIGN_OR_RETURN(auto audience, TeamAudience(txn, team.id(), {req.network_id()}));
    v1::TeamChanged changed;
    *changed.mutable_team() = team;
    KRING_ASSIGN_OR_RETURN(auto people, TeamPeopleView(txn, team.id(), permitted.standing.now_ms));
    for (auto& p : people) *changed.add_people() = std::move(p);
    changed.set_network_id(req.network_id());
    std::string reason = permitted.standing.role == v1::MEMBER_ROLE_REPRESENTATIVE
                             ? "the client's representative excluded you from the network"
                             : "the client excluded you from the network";
    out.response.mutable_set_team_exclusion();
    out.effects.push_back([&ctx, live, audience, changed, reason, person_id, let_in] {
      ApplyLiveChanges(ctx.service(), live, reason);
      TellAdmitted(ctx.service(), person_id, let_in);
      ctx.service().hub.PublishToNetwork(/*network_id=*/0, audience, TeamChangedFrame(changed));
    });
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
