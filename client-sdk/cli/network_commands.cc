// network open/list, invite, invitations, approve, decline, remove, members.
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
    text += " (" + ConsentText(m.consent(), NowMs(), Handles{}) + ")";
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

}  // namespace kring::cli
