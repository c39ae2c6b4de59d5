// login, logout, password, whoami, profile, user create/disable/list/find, representative.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "client-sdk/cli/commands.h"

namespace kring::cli {
namespace {

// The next line of stdin, without its line ending. Passwords never come from argv, where
// other users of the machine could read them (ps, /proc/PID/cmdline).
bool ReadPassword(Invocation& inv, std::string* password, int* exit_code) {
  if (!std::getline(std::cin, *password) && password->empty()) {
    *exit_code = inv.UsageError("no password on stdin (--password-stdin reads one per line)");
    return false;
  }
  if (!password->empty() && password->back() == '\r') password->pop_back();
  if (password->empty()) {
    *exit_code = inv.UsageError("the password on stdin is empty");
    return false;
  }
  return true;
}

// Asks on the terminal, without echo. Without a terminal (a script, a pipe) it is a usage error:
// such callers say --password-stdin.
bool PromptPassword(Invocation& inv, const std::string& prompt, std::string* password,
                    int* exit_code) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0 || !::isatty(STDIN_FILENO)) {
    if (fd >= 0) ::close(fd);
    *exit_code = inv.UsageError("no terminal to ask for the password on: use --password-stdin");
    return false;
  }
  termios saved{};
  const bool have_termios = ::tcgetattr(fd, &saved) == 0;
  if (have_termios) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  password->clear();
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') {
    if (c != '\r') password->push_back(c);
  }
  if (have_termios) ::tcsetattr(fd, TCSAFLUSH, &saved);
  ::close(fd);
  if (password->empty()) {
    *exit_code = inv.UsageError("no password given");
    return false;
  }
  return true;
}

// From stdin (--password-stdin: the next line) or else the terminal.
bool GetPassword(Invocation& inv, bool from_stdin, const std::string& prompt, std::string* password,
                 int* exit_code) {
  return from_stdin ? ReadPassword(inv, password, exit_code)
                    : PromptPassword(inv, prompt, password, exit_code);
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

int Login(Invocation& inv, const std::string& handle, bool password_stdin) {
  std::string password;
  int exit_code = kExitOk;
  if (!GetPassword(inv, password_stdin, "Password for " + handle + ": ", &password, &exit_code)) {
    return exit_code;
  }
  auto conn = inv.Connect(&exit_code);
  if (conn == nullptr) return exit_code;
  auto login = conn->Login(handle, password);
  if (!login.ok()) return inv.Failed(login.error());
  if (int saved = inv.SaveSession(login->token()); saved != kExitOk) return saved;
  const v1::Account& a = login->account();
  inv.out().Emit("logged in as " + a.handle() + " (" + KindName(a.kind()) + ")",
                 AccountJson(a).Str("session_expires_at", FormatTime(login->expires_at_ms())));
  if (a.must_change_password()) {  // on stderr, so stdout stays what scripts parse
    std::fprintf(stderr,
                 "kring: the password is one-time: change it now with `kring password`; until "
                 "then kringd refuses everything else\n");
    std::fflush(stderr);
  }
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

int ChangePassword(Invocation& inv, bool password_stdin) {
  std::string current, fresh, again;
  int exit_code = kExitOk;
  if (!GetPassword(inv, password_stdin, "Current password: ", &current, &exit_code) ||
      !GetPassword(inv, password_stdin, "New password: ", &fresh, &exit_code)) {
    return exit_code;
  }
  if (!password_stdin) {  // a typo no one saw would lock the person out
    if (!GetPassword(inv, false, "New password again: ", &again, &exit_code)) return exit_code;
    if (again != fresh) return inv.UsageError("the two new passwords differ; nothing changed");
  }
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto changed = conn->ChangePassword(current, fresh);
  if (!changed.ok()) return inv.Failed(changed.error());
  inv.out().Emit("password changed", JsonObject().Bool("password_changed", true));
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
  auto created = conn->CreateAccount(args.handle, kind, password, args.display_name,
                                     args.profession, args.one_time);
  if (!created.ok()) return inv.Failed(created.error());
  const v1::Account& a = created->account();
  inv.out().Emit(
      "created " + a.handle() + " (id " + std::to_string(a.id()) + ")" +
          (a.must_change_password() ? "; the password must be changed at first login" : ""),
      AccountJson(a));
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

int ListUsers(Invocation& inv, const ListUsersArgs& args) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  uint64_t after = args.after;
  while (true) {
    auto page = conn->ListAccounts(args.query, after, static_cast<uint32_t>(args.limit));
    if (!page.ok()) return inv.Failed(page.error());
    for (const v1::Account& a : page->accounts()) {
      inv.out().Emit(std::to_string(a.id()) + "  " + AccountText(a), AccountJson(a));
    }
    const uint64_t next = page->next_after_id();
    if (next == 0) return kExitOk;
    if (!args.all) {
      // Never cut silently: on stderr in text mode (stdout stays one account per line), as a
      // last {"more_after": N} line in JSON mode.
      if (inv.out().json()) {
        inv.out().Emit("", JsonObject().Uint("more_after", next));
      } else {
        std::fprintf(stderr,
                     "kring: more accounts follow: --after %llu for the next page, --all for "
                     "all\n",
                     static_cast<unsigned long long>(next));  // NOLINT(runtime/int)
        std::fflush(stderr);
      }
      return kExitOk;
    }
    if (next <= after) {  // a server that does not advance would loop forever
      return inv.Failed(sdk::Error{v1::Error::INTERNAL,
                                   "next_after_id did not advance past " + std::to_string(after), 0,
                                   false});
    }
    after = next;
  }
}

// --- Registration ---

namespace {

struct AccountArgs {
  std::string handle, kind, profession, name, client, basis, language, time_zone;
  bool password_stdin = false;
  bool one_time = false;
  ListUsersArgs list;
};

// The paging flags of `user list` and `user find`.
void AddPagingFlags(CLI::App* sub, ListUsersArgs& list) {
  sub->add_option("--after", list.after, "Only accounts with a greater id (where a page ended)");
  sub->add_option("--limit", list.limit, "Accounts per page (default 100, at most 1000)")
      ->check(CLI::Range(1, 1000));
  sub->add_flag("--all", list.all, "Every page, not only the first");
}

}  // namespace

void AddAccountCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<AccountArgs>();
  AccountArgs& a = *args;
  CLI::App* login = app.add_subcommand("login", "Log in and save the session in KRING_HOME");
  login->add_option("HANDLE", a.handle, "Your handle")->required();
  login->add_flag("--password-stdin", a.password_stdin,
                  "Read the password from stdin's first line (default: ask on the terminal)");
  OnRun(login, run,
        [args](Invocation& inv) { return Login(inv, args->handle, args->password_stdin); });

  CLI::App* password = app.add_subcommand(
      "password", "Change your password (asks on the terminal: current, new, new again)");
  password->add_flag("--password-stdin", a.password_stdin,
                     "Read the current password from stdin's first line, the new one from the "
                     "second");
  OnRun(password, run,
        [args](Invocation& inv) { return ChangePassword(inv, args->password_stdin); });

  OnRun(app.add_subcommand("logout", "End the saved session"), run, Logout);
  OnRun(app.add_subcommand("whoami", "Show who the saved session belongs to (an account)"), run,
        WhoAmI);

  CLI::App* profile =
      app.add_subcommand("profile", "Set your language and time zone (prints the account)");
  profile->add_option("--language", a.language, "nl, en, ar or ti")
      ->check(CLI::IsMember({"nl", "en", "ar", "ti"}));
  profile->add_option("--time-zone", a.time_zone, "An IANA time zone, e.g. Europe/Amsterdam");
  OnRun(profile, run,
        [args](Invocation& inv) { return UpdateProfile(inv, args->language, args->time_zone); });

  CLI::App* user = app.add_subcommand("user", "Manage accounts (admins)");
  user->require_subcommand(1);
  CLI::App* create = user->add_subcommand("create", "Create an account (prints it)");
  create->add_option("HANDLE", a.handle, "The new account's handle")->required();
  create->add_option("--kind", a.kind, "client, member, admin or auditor")
      ->required()
      ->check(CLI::IsMember({"client", "member", "admin", "auditor"}));
  create->add_option("--profession", a.profession, "For members: e.g. \"job coach\"");
  create->add_option("--name", a.name, "Display name");
  create
      ->add_flag("--password-stdin", a.password_stdin, "Read the password from stdin's first line")
      ->required();
  create->add_flag("--one-time", a.one_time,
                   "The person must change this password at their first login");
  OnRun(create, run, [args](Invocation& inv) {
    return CreateUser(inv,
                      {args->handle, args->kind, args->profession, args->name, args->one_time});
  });
  CLI::App* disable = user->add_subcommand("disable", "Disable an account, ending its sessions");
  disable->add_option("HANDLE", a.handle, "The account's handle")->required();
  OnRun(disable, run, [args](Invocation& inv) { return DisableUser(inv, args->handle); });
  CLI::App* list = user->add_subcommand(
      "list", "List every account, by id (id, handle, kind, name, profession, state)");
  AddPagingFlags(list, a.list);
  OnRun(list, run, [args](Invocation& inv) {
    args->list.query.clear();
    return ListUsers(inv, args->list);
  });
  CLI::App* find = user->add_subcommand(
      "find", "List the accounts whose handle or display name contains TEXT (A-Z in any case)");
  find->add_option("TEXT", a.list.query, "Part of a handle or display name")->required();
  AddPagingFlags(find, a.list);
  OnRun(find, run, [args](Invocation& inv) { return ListUsers(inv, args->list); });

  CLI::App* rep = app.add_subcommand("representative",
                                     "Appoint (one admin asks, a second confirms) and end legal "
                                     "representatives (admins)");
  rep->require_subcommand(1);
  CLI::App* appoint = rep->add_subcommand(
      "appoint",
      "Ask that HANDLE act for CLIENT in every network of the client; in force once a second "
      "admin confirms it");
  appoint->add_option("CLIENT", a.client, "The client's handle")->required();
  appoint->add_option("HANDLE", a.handle, "The representative's handle")->required();
  appoint
      ->add_option("--basis", a.basis,
                   "The legal reference: at least 8 characters with a digit, e.g. "
                   "\"guardianship, court order 2026/123\"")
      ->required();
  OnRun(appoint, run, [args](Invocation& inv) {
    return AppointRepresentative(inv, args->client, args->handle, args->basis);
  });
  CLI::App* confirm = rep->add_subcommand(
      "confirm", "Confirm an appointment another admin asked for: it takes effect at once");
  confirm->add_option("CLIENT", a.client, "The client's handle")->required();
  confirm->add_option("HANDLE", a.handle, "The representative's handle")->required();
  OnRun(confirm, run,
        [args](Invocation& inv) { return ConfirmRepresentative(inv, args->client, args->handle); });
  CLI::App* refuse = rep->add_subcommand(
      "refuse", "Drop an appointment that waits for confirmation (or withdraw your own request)");
  refuse->add_option("CLIENT", a.client, "The client's handle")->required();
  refuse->add_option("HANDLE", a.handle, "The representative's handle")->required();
  OnRun(refuse, run,
        [args](Invocation& inv) { return RefuseRepresentative(inv, args->client, args->handle); });
  CLI::App* pending = rep->add_subcommand(
      "list",
      "Appointments waiting for a second admin (with --client: the client's, in force too): "
      "CLIENT  REPRESENTATIVE  STATE  ASKED_BY  BASIS");
  pending->add_option("--client", a.client, "Only this client's appointments");
  OnRun(pending, run, [args](Invocation& inv) { return ListRepresentations(inv, args->client); });
  CLI::App* end = rep->add_subcommand("end", "End a representation; its access ends at once");
  end->add_option("CLIENT", a.client, "The client's handle")->required();
  end->add_option("HANDLE", a.handle, "The representative's handle")->required();
  OnRun(end, run,
        [args](Invocation& inv) { return EndRepresentation(inv, args->client, args->handle); });
}

}  // namespace kring::cli
