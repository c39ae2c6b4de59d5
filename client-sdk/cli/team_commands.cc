// team create/coordinator/add/remove/list/show/exclude/include, and `invite NETWORK --team`.
#include <CLI/CLI.hpp>
#include <memory>

#include "client-sdk/cli/commands.h"

namespace kring::cli {

namespace {

std::string PeriodText(int64_t from_ms, int64_t until_ms) {
  return FormatTime(from_ms) + "  " + (until_ms == 0 ? std::string("open") : FormatTime(until_ms));
}

JsonObject TeamJson(const v1::Team& t) {
  return JsonObject()
      .Uint("id", t.id())
      .Str("name", t.name())
      .Str("organisation", t.organisation());
}

JsonObject PersonJson(const v1::TeamPerson& p) {
  JsonObject j;
  j.Uint("team_id", p.team_id())
      .Str("handle", p.handle())
      .Str("profession", p.profession())
      .Bool("coordinator", p.coordinator())
      .Str("from", FormatTime(p.from_ms()));
  if (p.until_ms() != 0) j.Str("until", FormatTime(p.until_ms()));
  return j;
}

}  // namespace

int CreateTeam(Invocation& inv, const std::string& name, const std::string& organisation) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto created = conn->CreateTeam(name, organisation);
  if (!created.ok()) return inv.Failed(created.error());
  inv.out().Emit(std::to_string(created->team().id()), TeamJson(created->team()));
  return kExitOk;
}

int SetTeamPerson(Invocation& inv, uint64_t team_id, const std::string& handle, bool coordinator,
                  const std::string& from, const std::string& until) {
  int64_t from_ms = 0, until_ms = 0;
  if (!from.empty() && !ParseTime(from, &from_ms)) return inv.UsageError("--from: not RFC 3339");
  if (!until.empty() && !ParseTime(until, &until_ms)) {
    return inv.UsageError("--until: not RFC 3339");
  }
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto set = conn->SetTeamPerson(team_id, handle, coordinator, from_ms, until_ms);
  if (!set.ok()) return inv.Failed(set.error());
  const v1::TeamPerson& p = set->person();
  inv.out().Emit(p.handle() + " is in team " + std::to_string(team_id) +
                     (p.coordinator() ? " as coordinator" : "") + ": " +
                     PeriodText(p.from_ms(), p.until_ms()),
                 PersonJson(p));
  return kExitOk;
}

int RemoveTeamPerson(Invocation& inv, uint64_t team_id, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto removed = conn->RemoveTeamPerson(team_id, handle);
  if (!removed.ok()) return inv.Failed(removed.error());
  inv.out().Emit("removed " + handle + " from team " + std::to_string(team_id),
                 JsonObject().Uint("team_id", team_id).Str("handle", handle).Bool("removed", true));
  return kExitOk;
}

int ListTeams(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListTeams();
  if (!listed.ok()) return inv.Failed(listed.error());
  for (const v1::Team& t : listed->teams()) {
    inv.out().Emit(
        std::to_string(t.id()) + "  " + OneLine(t.name()) + "  " + OneLine(t.organisation()),
        TeamJson(t));
  }
  return kExitOk;
}

int ShowTeam(Invocation& inv, uint64_t team_id) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto shown = conn->ListTeamPeople(team_id);
  if (!shown.ok()) return inv.Failed(shown.error());
  for (const v1::TeamPerson& p : shown->people()) {
    inv.out().Emit(p.handle() + "  " + (p.coordinator() ? "coordinator  " : "") +
                       PeriodText(p.from_ms(), p.until_ms()),
                   PersonJson(p));
  }
  inv.out().Emit("networks: " + (shown->network_ids().empty()
                                     ? std::string("none")
                                     : Join(shown->network_ids(),
                                            [](uint64_t id) { return std::to_string(id); })),
                 JsonObject().Raw("network_ids", JsonUintArray(shown->network_ids())));
  return kExitOk;
}

int SetTeamExclusion(Invocation& inv, uint64_t network_id, uint64_t team_id,
                     const std::string& handle, bool excluded) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto set = conn->SetTeamExclusion(network_id, team_id, handle, excluded);
  if (!set.ok()) return inv.Failed(set.error());
  inv.out().Emit((excluded ? "excluded " : "included ") + handle + " of team " +
                     std::to_string(team_id) + (excluded ? " from network " : " in network ") +
                     std::to_string(network_id),
                 JsonObject()
                     .Uint("network_id", network_id)
                     .Uint("team_id", team_id)
                     .Str("handle", handle)
                     .Bool("excluded", excluded));
  return kExitOk;
}

int InviteTeam(Invocation& inv, uint64_t network_id, uint64_t team_id,
               const std::string& role_label) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto invited = conn->InviteTeam(network_id, team_id, role_label);
  if (!invited.ok()) return inv.Failed(invited.error());
  const v1::Invitation& i = invited->invitation();
  inv.out().Emit(std::to_string(i.id()), InvitationJson(i));
  return kExitOk;
}

int RemoveTeam(Invocation& inv, uint64_t network_id, uint64_t team_id) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto removed = conn->RemoveTeam(network_id, team_id);
  if (!removed.ok()) return inv.Failed(removed.error());
  inv.out().Emit(
      "removed team " + std::to_string(team_id) + " from network " + std::to_string(network_id),
      JsonObject().Uint("network_id", network_id).Uint("team_id", team_id).Bool("removed", true));
  return kExitOk;
}

int TeamConsent(Invocation& inv, uint64_t network_id, uint64_t team_id,
                const ProvisionFlags* flags) {
  v1::ConsentProvision provision;
  std::string error;
  if (flags != nullptr && !BuildProvision(*flags, &provision, &error)) {
    return inv.UsageError(error);
  }
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  v1::Consent made;
  if (flags != nullptr) {
    auto granted = conn->GrantTeamConsent(network_id, team_id, provision);
    if (!granted.ok()) return inv.Failed(granted.error());
    made = granted->consent();
  } else {
    auto withdrawn = conn->WithdrawTeamConsent(network_id, team_id);
    if (!withdrawn.ok()) return inv.Failed(withdrawn.error());
    made = withdrawn->consent();
  }
  const int64_t now = NowMs();
  inv.out().Emit(ConsentText(made, now, Handles{}), ConsentJson(made, now));
  return kExitOk;
}

// --- Registration ---

namespace {

struct TeamArgs {
  std::string name, organisation, handle, from, until;
  uint64_t team = 0, network = 0;
  ProvisionFlags provision;
};

}  // namespace

void AddTeamCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<TeamArgs>();
  TeamArgs& a = *args;
  CLI::App* team = app.add_subcommand(
      "team", "Teams that are one member of networks: their people and stand-ins");
  team->require_subcommand(1);

  CLI::App* create = team->add_subcommand("create", "Create a team (admins; prints its id)");
  create->add_option("NAME", a.name, "The team's name")->required();
  create->add_option("--organisation", a.organisation, "The organisation it belongs to");
  OnRun(create, run,
        [args](Invocation& inv) { return CreateTeam(inv, args->name, args->organisation); });

  CLI::App* coordinator =
      team->add_subcommand("coordinator", "Appoint a coordinator of the team (admins)");
  coordinator->add_option("TEAM", a.team, "Team id")->required();
  coordinator->add_option("HANDLE", a.handle, "The coordinator's handle")->required();
  OnRun(coordinator, run, [args](Invocation& inv) {
    return SetTeamPerson(inv, args->team, args->handle, true, "", "");
  });

  CLI::App* add = team->add_subcommand(
      "add", "Add a person to the team, or change their period (coordinators and admins)");
  add->add_option("TEAM", a.team, "Team id")->required();
  add->add_option("HANDLE", a.handle, "The person's handle")->required();
  add->add_option("--from", a.from, "In the team from (RFC 3339; default now)");
  add->add_option("--until", a.until, "In the team until (RFC 3339; default open): a stand-in");
  OnRun(add, run, [args](Invocation& inv) {
    return SetTeamPerson(inv, args->team, args->handle, false, args->from, args->until);
  });

  CLI::App* remove = team->add_subcommand(
      "remove", "Remove a person from the team: their access through it ends at once");
  remove->add_option("TEAM", a.team, "Team id")->required();
  remove->add_option("HANDLE", a.handle, "The person's handle")->required();
  OnRun(remove, run,
        [args](Invocation& inv) { return RemoveTeamPerson(inv, args->team, args->handle); });

  OnRun(team->add_subcommand("list", "Teams: ID  NAME  ORGANISATION"), run, ListTeams);

  CLI::App* show =
      team->add_subcommand("show", "The team's people: HANDLE  [coordinator]  FROM  UNTIL");
  show->add_option("TEAM", a.team, "Team id")->required();
  OnRun(show, run, [args](Invocation& inv) { return ShowTeam(inv, args->team); });

  CLI::App* grant = team->add_subcommand(
      "grant",
      "Grant the team a new consent in your network (the client or a representative); flags as "
      "`consent grant`");
  grant->add_option("NETWORK", a.network, "Network id")->required();
  grant->add_option("TEAM", a.team, "Team id")->required();
  AddProvisionFlags(grant, a.provision);
  OnRun(grant, run, [args](Invocation& inv) {
    return TeamConsent(inv, args->network, args->team, &args->provision);
  });
  CLI::App* withdraw = team->add_subcommand(
      "withdraw", "Withdraw the team's consent: the access of all its people ends at once");
  withdraw->add_option("NETWORK", a.network, "Network id")->required();
  withdraw->add_option("TEAM", a.team, "Team id")->required();
  OnRun(withdraw, run,
        [args](Invocation& inv) { return TeamConsent(inv, args->network, args->team, nullptr); });

  for (const bool excluded : {true, false}) {
    CLI::App* sub = team->add_subcommand(
        excluded ? "exclude" : "include",
        excluded ? "Exclude a person of a team from your network (the client or a representative)"
                 : "Let an excluded person of a team take part in your network again");
    sub->add_option("NETWORK", a.network, "Network id")->required();
    sub->add_option("TEAM", a.team, "Team id")->required();
    sub->add_option("HANDLE", a.handle, "The person's handle")->required();
    OnRun(sub, run, [args, excluded](Invocation& inv) {
      return SetTeamExclusion(inv, args->network, args->team, args->handle, excluded);
    });
  }
}

}  // namespace kring::cli
