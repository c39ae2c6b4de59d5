// login, logout, whoami, user create, user disable.
#include <iostream>

#include "client-sdk/cli/commands.h"

namespace kring::cli {
namespace {

// The first line of stdin, without its line ending. Passwords never come from argv, where
// other users of the machine could read them (ps, /proc/PID/cmdline).
bool ReadPassword(Invocation& inv, std::string* password, int* exit_code) {
  if (!std::getline(std::cin, *password) && password->empty()) {
    *exit_code = inv.UsageError("no password on stdin (--password-stdin reads its first line)");
    return false;
  }
  if (!password->empty() && password->back() == '\r') password->pop_back();
  if (password->empty()) {
    *exit_code = inv.UsageError("the password on stdin is empty");
    return false;
  }
  return true;
}

bool ParseKind(std::string_view kind, v1::AccountKind* out) {
  if (kind == "client")
    *out = v1::ACCOUNT_KIND_CLIENT;
  else if (kind == "member")
    *out = v1::ACCOUNT_KIND_MEMBER;
  else if (kind == "admin")
    *out = v1::ACCOUNT_KIND_ADMIN;
  else if (kind == "auditor")
    *out = v1::ACCOUNT_KIND_AUDITOR;
  else
    return false;
  return true;
}

}  // namespace

int Login(Invocation& inv, const std::string& handle) {
  std::string password;
  int exit_code = kExitOk;
  if (!ReadPassword(inv, &password, &exit_code)) return exit_code;
  auto conn = inv.Connect(&exit_code);
  if (conn == nullptr) return exit_code;
  auto login = conn->Login(handle, password);
  if (!login.ok()) return inv.Failed(login.error());
  if (int saved = inv.SaveSession(login->token()); saved != kExitOk) return saved;
  const v1::Account& a = login->account();
  inv.out().Emit("logged in as " + a.handle() + " (" + KindName(a.kind()) + ")",
                 AccountJson(a).Str("session_expires_at", FormatTime(login->expires_at_ms())));
  return kExitOk;
}

int Logout(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr && inv.session_rejected()) {
    // The session already ended at kringd: forgetting the token finishes the job.
    if (int saved = inv.SaveSession(""); saved != kExitOk) return saved;
    inv.out().Emit("logged out (the session had already ended)",
                   JsonObject().Bool("logged_out", true));
    return kExitOk;
  }
  if (conn == nullptr) return exit_code;
  auto logout = conn->Logout();
  if (!logout.ok()) return inv.Failed(logout.error());
  if (int saved = inv.SaveSession(""); saved != kExitOk) return saved;
  inv.out().Emit("logged out", JsonObject().Bool("logged_out", true));
  return kExitOk;
}

int UpdateProfile(Invocation& inv, const std::string& language, const std::string& time_zone) {
  if (language.empty() && time_zone.empty()) {
    return inv.UsageError("give --language, --time-zone or both");
  }
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto updated = conn->UpdateProfile(language, time_zone);
  if (!updated.ok()) return inv.Failed(updated.error());
  inv.out().Emit(AccountText(updated->account()), AccountJson(updated->account()));
  return kExitOk;
}

int WhoAmI(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto me = conn->WhoAmI();
  if (!me.ok()) return inv.Failed(me.error());
  inv.out().Emit(
      AccountText(me->account()),
      AccountJson(me->account()).Str("session_expires_at", FormatTime(me->expires_at_ms())));
  return kExitOk;
}

int CreateUser(Invocation& inv, const CreateUserArgs& args) {
  v1::AccountKind kind;
  if (!ParseKind(args.kind, &kind)) {
    return inv.UsageError("--kind must be client, member, admin or auditor");
  }
  std::string password;
  int exit_code = kExitOk;
  if (!ReadPassword(inv, &password, &exit_code)) return exit_code;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto created =
      conn->CreateAccount(args.handle, kind, password, args.display_name, args.profession);
  if (!created.ok()) return inv.Failed(created.error());
  const v1::Account& a = created->account();
  inv.out().Emit("created " + a.handle() + " (id " + std::to_string(a.id()) + ")", AccountJson(a));
  return kExitOk;
}

int DisableUser(Invocation& inv, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto disabled = conn->DisableAccount(handle);
  if (!disabled.ok()) return inv.Failed(disabled.error());
  inv.out().Emit("disabled " + handle, JsonObject().Str("handle", handle).Bool("disabled", true));
  return kExitOk;
}

int AppointRepresentative(Invocation& inv, const std::string& client, const std::string& handle,
                          const std::string& basis) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto appointed = conn->AppointRepresentative(client, handle, basis);
  if (!appointed.ok()) return inv.Failed(appointed.error());
  const v1::Representation& r = appointed->representation();
  inv.out().Emit(r.representative_handle() + " represents " + r.client_handle() + " (" +
                     OneLine(r.basis()) + ") since " + FormatTime(r.since_ms()),
                 JsonObject()
                     .Str("client", r.client_handle())
                     .Str("representative", r.representative_handle())
                     .Str("basis", r.basis())
                     .Str("since", FormatTime(r.since_ms())));
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
