// network open/list/accept/decline, invite, invitations, approve, decline, remove, members.
#include <CLI/CLI.hpp>
#include <memory>

#include "client-sdk/cli/commands.h"

namespace kring::cli {

int OpenNetwork(Invocation& inv, const std::string& client_handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto opened = conn->OpenNetwork(client_handle);
  if (!opened.ok()) return inv.Failed(opened.error());
  const v1::Network& n = opened->network();
  inv.out().Emit(std::to_string(n.id()), NetworkJson(n));
  return kExitOk;
}

int ListNetworks(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListNetworks();
  if (!listed.ok()) return inv.Failed(listed.error());
  for (const v1::Network& n : listed->networks()) inv.out().Emit(NetworkText(n), NetworkJson(n));
  return kExitOk;
}

int Invite(Invocation& inv, uint64_t network_id, const std::string& handle,
           const std::string& role_label) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto invited = conn->Invite(network_id, handle, role_label);
  if (!invited.ok()) return inv.Failed(invited.error());
  const v1::Invitation& i = invited->invitation();
  inv.out().Emit(std::to_string(i.id()), InvitationJson(i));
  return kExitOk;
}

int ListInvitations(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListInvitations();
  if (!listed.ok()) return inv.Failed(listed.error());
  for (const v1::Invitation& i : listed->invitations()) {
    inv.out().Emit(InvitationText(i), InvitationJson(i));
  }
  return kExitOk;
}

int ApproveInvitation(Invocation& inv, uint64_t invitation_id, const ProvisionFlags& flags) {
  v1::ConsentProvision provision;  // empty: not sent, the server's default applies
  std::string error;
  if (flags.any() && !BuildProvision(flags, &provision, &error)) return inv.UsageError(error);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto approved = conn->ApproveInvitation(invitation_id, provision);
  if (!approved.ok()) return inv.Failed(approved.error());
  const v1::Member& m = approved->member();
  std::string text = "approved: " + m.handle() + " joined";
  if (m.has_consent()) {
    text += ": " + AccessLine(m.consent(), ThreadTitles(*conn, m.consent().network_id()));
  }
  inv.out().Emit(text, MemberJson(m).Uint("invitation_id", invitation_id));
  return kExitOk;
}

int DeclineInvitation(Invocation& inv, uint64_t invitation_id) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto declined = conn->DeclineInvitation(invitation_id);
  if (!declined.ok()) return inv.Failed(declined.error());
  inv.out().Emit("declined invitation " + std::to_string(invitation_id),
                 JsonObject().Uint("invitation_id", invitation_id).Str("state", "declined"));
  return kExitOk;
}

int AcceptNetwork(Invocation& inv, uint64_t network_id, const ProvisionFlags& flags) {
  v1::ConsentProvision provision;  // empty: not sent, the server's default applies
  std::string error;
  if (flags.any() && !BuildProvision(flags, &provision, &error)) return inv.UsageError(error);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto accepted = conn->AcceptNetwork(network_id, provision);
  if (!accepted.ok()) return inv.Failed(accepted.error());
  const v1::Consent& c = accepted->consent();
  inv.out().Emit("accepted network " + std::to_string(network_id) + ": " + c.grantee_handle() +
                     " (" + ConsentText(c, NowMs(), Handles{}) + ")",
                 NetworkJson(accepted->network()));
  return kExitOk;
}

int DeclineNetwork(Invocation& inv, uint64_t network_id) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto declined = conn->DeclineNetwork(network_id);
  if (!declined.ok()) return inv.Failed(declined.error());
  inv.out().Emit("declined network " + std::to_string(network_id),
                 JsonObject().Uint("id", network_id).Str("state", "declined"));
  return kExitOk;
}

int RemoveMember(Invocation& inv, uint64_t network_id, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto removed = conn->RemoveMember(network_id, handle);
  if (!removed.ok()) return inv.Failed(removed.error());
  inv.out().Emit(
      "removed " + handle + " from network " + std::to_string(network_id),
      JsonObject().Uint("network_id", network_id).Str("handle", handle).Bool("removed", true));
  return kExitOk;
}

int ListMembers(Invocation& inv, uint64_t network_id) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListMembers(network_id);
  if (!listed.ok()) return inv.Failed(listed.error());
  const int64_t now = NowMs();
  for (const v1::Member& m : listed->members()) {
    inv.out().Emit(MemberText(m, now), MemberJson(m));
  }
  return kExitOk;
}

Handles MemberHandles(sdk::Connection& conn, uint64_t network_id) {
  Handles handles;
  auto listed = conn.ListMembers(network_id);
  if (!listed.ok()) return handles;
  for (const v1::Member& m : listed->members()) handles[m.account_id()] = m.handle();
  return handles;
}

Titles ThreadTitles(sdk::Connection& conn, uint64_t network_id) {
  Titles titles;
  auto listed = conn.ListThreads(network_id);
  if (!listed.ok()) return titles;
  for (const v1::Thread& t : listed->threads()) titles[t.id()] = t.title();
  return titles;
}

// --- Registration ---

namespace {

struct NetworkArgs {
  std::string handle, client, role;
  uint64_t network = 0, invitation = 0, team = 0;
  ProvisionFlags provision;
};

}  // namespace

void AddNetworkCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<NetworkArgs>();
  NetworkArgs& a = *args;
  CLI::App* network = app.add_subcommand("network", "Open and list care networks");
  network->require_subcommand(1);
  CLI::App* open = network->add_subcommand("open", "Open a network for a client (prints its id)");
  open->add_option("--client", a.client, "The client's handle")->required();
  OnRun(open, run, [args](Invocation& inv) { return OpenNetwork(inv, args->client); });
  OnRun(network->add_subcommand(
            "list", "Networks you are in: ID  CLIENT  MY_ROLE  GENERAL_THREAD[  pending]"),
        run, ListNetworks);
  CLI::App* accept = network->add_subcommand(
      "accept",
      "Accept a network a member opened for you (the client or a representative): the "
      "acceptance is your consent for the opener. Without flags: every thread, read and post, "
      "no history; with flags: as `consent grant`");
  accept->add_option("NETWORK", a.network, "Network id")->required();
  AddProvisionFlags(accept, a.provision);
  OnRun(accept, run,
        [args](Invocation& inv) { return AcceptNetwork(inv, args->network, args->provision); });
  CLI::App* decline_network =
      network->add_subcommand("decline", "Decline a network a member opened for you");
  decline_network->add_option("NETWORK", a.network, "Network id")->required();
  OnRun(decline_network, run,
        [args](Invocation& inv) { return DeclineNetwork(inv, args->network); });

  CLI::App* invite = app.add_subcommand("invite", "Invite a member (prints the invitation id)");
  invite->add_option("NETWORK", a.network, "Network id")->required();
  invite->add_option("HANDLE", a.handle, "The member's handle (or --team)");
  invite->add_option("--team", a.team, "Invite this team (by id) as one member instead");
  invite->add_option("--role", a.role, "Role label, e.g. \"work supervisor\"");
  OnRun(invite, run, [args](Invocation& inv) {
    if (args->team != 0) {
      if (!args->handle.empty()) return inv.UsageError("give a HANDLE or --team, not both");
      return InviteTeam(inv, args->network, args->team, args->role);
    }
    if (args->handle.empty()) return inv.UsageError("give the invitee's HANDLE (or --team)");
    return Invite(inv, args->network, args->handle, args->role);
  });

  OnRun(app.add_subcommand("invitations",
                           "Pending invitations for you or your networks: "
                           "ID  NETWORK  INVITEE  INVITED_BY  STATE  EXPIRES_AT  ROLE_LABEL"),
        run, ListInvitations);
  CLI::App* approve = app.add_subcommand(
      "approve",
      "Approve an invitation (the client or a representative): the approval is the client's "
      "consent. Without flags: every thread, read and post, no history; with flags: as "
      "`consent grant`");
  approve->add_option("INVITATION_ID", a.invitation, "Invitation id")->required();
  AddProvisionFlags(approve, a.provision);
  OnRun(approve, run, [args](Invocation& inv) {
    return ApproveInvitation(inv, args->invitation, args->provision);
  });
  CLI::App* decline = app.add_subcommand("decline", "Decline an invitation");
  decline->add_option("INVITATION_ID", a.invitation, "Invitation id")->required();
  OnRun(decline, run, [args](Invocation& inv) { return DeclineInvitation(inv, args->invitation); });

  CLI::App* remove = app.add_subcommand("remove", "Remove a member from a network");
  remove->add_option("NETWORK", a.network, "Network id")->required();
  remove->add_option("HANDLE", a.handle, "The member's handle (or --team)");
  remove->add_option("--team", a.team, "Remove this team (by id), every person through it");
  OnRun(remove, run, [args](Invocation& inv) {
    if (args->team != 0) {
      if (!args->handle.empty()) return inv.UsageError("give a HANDLE or --team, not both");
      return RemoveTeam(inv, args->network, args->team);
    }
    if (args->handle.empty()) return inv.UsageError("give the member's HANDLE (or --team)");
    return RemoveMember(inv, args->network, args->handle);
  });

  CLI::App* members = app.add_subcommand(
      "members", "Members: HANDLE  ROLE  ROLE_LABEL  [consent #ID: WHAT; PERIOD; STATE]");
  members->add_option("NETWORK", a.network, "Network id")->required();
  OnRun(members, run, [args](Invocation& inv) { return ListMembers(inv, args->network); });
}

}  // namespace kring::cli
