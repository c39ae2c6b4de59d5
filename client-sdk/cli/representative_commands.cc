// representative appoint, confirm, refuse, list, end (admins): four eyes on representatives.
#include <memory>

#include "client-sdk/cli/commands.h"

namespace kring::cli {

namespace {

JsonObject RepresentationJson(const v1::Representation& r) {
  JsonObject j;
  j.Str("client", r.client_handle())
      .Str("representative", r.representative_handle())
      .Str("basis", r.basis())
      .Str("state", r.pending() ? "pending" : "in force")
      .Str("asked_by", r.appointed_by_handle());
  if (!r.pending()) {
    j.Str("confirmed_by", r.confirmed_by_handle()).Str("since", FormatTime(r.since_ms()));
  }
  return j;
}

}  // namespace

int AppointRepresentative(Invocation& inv, const std::string& client, const std::string& handle,
                          const std::string& basis) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto appointed = conn->AppointRepresentative(client, handle, basis);
  if (!appointed.ok()) return inv.Failed(appointed.error());
  const v1::Representation& r = appointed->representation();
  inv.out().Emit("asked: " + r.representative_handle() + " to represent " + r.client_handle() +
                     " (" + OneLine(r.basis()) +
                     "); not in force until a second admin confirms it: kring representative "
                     "confirm " +
                     r.client_handle() + " " + r.representative_handle(),
                 RepresentationJson(r));
  return kExitOk;
}

int ConfirmRepresentative(Invocation& inv, const std::string& client, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto confirmed = conn->ConfirmRepresentative(client, handle);
  if (!confirmed.ok()) return inv.Failed(confirmed.error());
  const v1::Representation& r = confirmed->representation();
  inv.out().Emit(r.representative_handle() + " represents " + r.client_handle() + " (" +
                     OneLine(r.basis()) + ") since " + FormatTime(r.since_ms()),
                 RepresentationJson(r));
  return kExitOk;
}

int RefuseRepresentative(Invocation& inv, const std::string& client, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto refused = conn->RefuseRepresentative(client, handle);
  if (!refused.ok()) return inv.Failed(refused.error());
  inv.out().Emit(
      "refused: " + handle + " will not represent " + client,
      JsonObject().Str("client", client).Str("representative", handle).Str("state", "refused"));
  return kExitOk;
}

int ListRepresentations(Invocation& inv, const std::string& client) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListRepresentations(client);
  if (!listed.ok()) return inv.Failed(listed.error());
  for (const v1::Representation& r : listed->representations()) {
    inv.out().Emit(r.client_handle() + "  " + r.representative_handle() + "  " +
                       (r.pending() ? "pending" : "in force") + "  " +
                       Field(r.appointed_by_handle()) + "  " + OneLine(r.basis()),
                   RepresentationJson(r));
  }
  return kExitOk;
}

int EndRepresentation(Invocation& inv, const std::string& client, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto ended = conn->EndRepresentation(client, handle);
  if (!ended.ok()) return inv.Failed(ended.error());
  inv.out().Emit(
      handle + " no longer represents " + client,
      JsonObject().Str("client", client).Str("representative", handle).Bool("ended", true));
  return kExitOk;
}

}  // namespace kring::cli
