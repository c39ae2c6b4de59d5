// kring: the command line for Kring, built only on the client SDK (kring/connection.h).
//
//   kring [--server wss://HOST:PORT] [--ca FILE] [--json] COMMAND ...
//
// See `kring --help` and `kring COMMAND --help`; output formats in output.h, exit codes in
// invocation.h, the session file in home.h.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "client-sdk/cli/commands.h"

namespace kring::cli {
namespace {

constexpr char kFooter[] = R"(
Environment: KRING_SERVER, KRING_CA (defaults for --server, --ca); KRING_HOME (where the
session file lives; default ~/.config/kring). Commands after `login` resume its session.

Exit status: 0 success; 1 kringd refused the request (its error code name and detail on
stderr, e.g. "kring: PERMISSION_DENIED: not a member of this network"); 2 usage, not logged
in, or connection/TLS failure.

--json prints one JSON object per line (JSON Lines); field names are stable:
  account     id handle kind display_name profession disabled created_at
  network     id client general_thread_id my_role created_at
  invitation  id network_id client invitee invited_by role_label state created_at expires_at
  member      handle display_name profession role role_label since [consent]
  thread      id network_id title last_seq created_at team_only participant_ids [participants]
  message     network_id thread_id seq sender client_msg_id text reply_to_seq posted_at
  read marker thread_id handle seq updated_at
  consent     id network_id grantee grantee_id client_id recorded_by recorded_by_id
              by_representative status state all_threads thread_ids actions history_visible
              start end supersedes recorded_at reason access_since hidden_through_seq
  audit event seq time action event_type outcome outcome_detail actor_id actor actor_kind
              actor_role actor_profession on_behalf_of client_id network_id thread_id seq_from
              seq_to count consent_id object_id object_handle source_address app server_id
              prev_hash (hex)   audit mine adds summary actor_display_name thread_title
login and whoami print the account plus session_expires_at; approve the member plus
invitation_id; send {network_id thread_id seq client_msg_id duplicate posted_at}; decline
{invitation_id state}; remove {network_id handle removed}; user disable {handle disabled};
logout {logged_out}; consent grant, withdraw and team-threads the new consent record;
representative appoint {client representative basis since}, end {client representative
ended}; history may start with {network_id thread_id hidden_through_seq}; audit verify
{intact records first_bad_seq problem head_hash(hex)}; audit checkpoint {server_id count
head_hash(base64) time time_ms algorithm signature(base64) public_key_pem}. Consent state:
in_force, not_yet, expired, withdrawn or superseded. Times are UTC, e.g.
"2026-11-22T17:00:00.000Z"; --from and --until take RFC 3339, e.g. 2026-12-31T17:00:00Z.)";

using Command = std::function<int(Invocation&)>;

// Sets *run when `sub` is the command given.
void OnRun(CLI::App* sub, Command* run, Command command) {
  sub->callback([run, command = std::move(command)] { *run = command; });
}

struct Args {
  std::string handle, text, kind, profession, name, role, id, client, basis, action;
  std::string language, time_zone;
  uint64_t network = 0, thread = 0, seq = 0, after = 0, limit = 0, count = 0, invitation = 0;
  bool password_stdin = false, team_only = false, history = false;
  ProvisionFlags provision;
  AuditQueryArgs audit_query;
  AccessLogArgs access_log;
};

// The flags that say what a consent allows (consent grant, approve).
void AddProvisionFlags(CLI::App* sub, ProvisionFlags& p) {
  CLI::Option* threads =
      sub->add_option("--threads", p.threads, "Only these threads, e.g. 12,15 (default: --all)");
  sub->add_flag("--all", p.all, "Every thread, also threads created later (the default)")
      ->excludes(threads);
  sub->add_flag("--post", p.post, "May post (and create threads, with every thread)");
  sub->add_flag("--history", p.history, "May read what was posted before (default: from now)");
  sub->add_flag("--coordinate", p.coordinate, "May invite others into the network");
  sub->add_option("--from", p.from, "In force from this RFC 3339 time (default: now)");
  sub->add_option("--until", p.until, "In force until this RFC 3339 time (default: withdrawn)");
}

void AddAccountCommands(CLI::App& app, Args& a, Command* run) {
  CLI::App* login = app.add_subcommand("login", "Log in and save the session in KRING_HOME");
  login->add_option("HANDLE", a.handle, "Your handle")->required();
  login->add_flag("--password-stdin", a.password_stdin, "Read the password from stdin's first line")
      ->required();
  OnRun(login, run, [&a](Invocation& inv) { return Login(inv, a.handle); });

  OnRun(app.add_subcommand("logout", "End the saved session"), run, Logout);
  OnRun(app.add_subcommand("whoami", "Show who the saved session belongs to (an account)"), run,
        WhoAmI);

  CLI::App* profile =
      app.add_subcommand("profile", "Set your language and time zone (prints the account)");
  profile->add_option("--language", a.language, "nl, en, ar or ti")
      ->check(CLI::IsMember({"nl", "en", "ar", "ti"}));
  profile->add_option("--time-zone", a.time_zone, "An IANA time zone, e.g. Europe/Amsterdam");
  OnRun(profile, run,
        [&a](Invocation& inv) { return UpdateProfile(inv, a.language, a.time_zone); });

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
  OnRun(create, run, [&a](Invocation& inv) {
    return CreateUser(inv, {a.handle, a.kind, a.profession, a.name});
  });
  CLI::App* disable = user->add_subcommand("disable", "Disable an account, ending its sessions");
  disable->add_option("HANDLE", a.handle, "The account's handle")->required();
  OnRun(disable, run, [&a](Invocation& inv) { return DisableUser(inv, a.handle); });

  CLI::App* rep =
      app.add_subcommand("representative", "Appoint and end legal representatives (admins)");
  rep->require_subcommand(1);
  CLI::App* appoint = rep->add_subcommand(
      "appoint", "HANDLE acts for CLIENT in every network of the client (grants, withdraws, ...)");
  appoint->add_option("CLIENT", a.client, "The client's handle")->required();
  appoint->add_option("HANDLE", a.handle, "The representative's handle")->required();
  appoint->add_option("--basis", a.basis, "The legal ground, e.g. \"guardianship, court order\"")
      ->required();
  OnRun(appoint, run,
        [&a](Invocation& inv) { return AppointRepresentative(inv, a.client, a.handle, a.basis); });
  CLI::App* end = rep->add_subcommand("end", "End a representation; its access ends at once");
  end->add_option("CLIENT", a.client, "The client's handle")->required();
  end->add_option("HANDLE", a.handle, "The representative's handle")->required();
  OnRun(end, run, [&a](Invocation& inv) { return EndRepresentation(inv, a.client, a.handle); });
}

void AddConsentCommands(CLI::App& app, Args& a, Command* run) {
  CLI::App* consent = app.add_subcommand(
      "consent", "What members may see and do in a network (the client or a representative)");
  consent->require_subcommand(1);
  CLI::App* grant = consent->add_subcommand(
      "grant",
      "Grant HANDLE a new consent, replacing their current one (prints the record). Reading is "
      "always included; each flag adds what it names");
  grant->add_option("NETWORK", a.network, "Network id")->required();
  grant->add_option("HANDLE", a.handle, "The member's handle")->required();
  AddProvisionFlags(grant, a.provision);
  OnRun(grant, run,
        [&a](Invocation& inv) { return GrantConsent(inv, a.network, a.handle, a.provision); });
  CLI::App* withdraw = consent->add_subcommand(
      "withdraw", "Withdraw HANDLE's consent: their access ends at once (prints the record)");
  withdraw->add_option("NETWORK", a.network, "Network id")->required();
  withdraw->add_option("HANDLE", a.handle, "The member's handle")->required();
  OnRun(withdraw, run, [&a](Invocation& inv) { return WithdrawConsent(inv, a.network, a.handle); });
  CLI::App* list = consent->add_subcommand(
      "list",
      "Consent records: #ID  GRANTEE  WHAT  PERIOD  STATE  RECORDED_BY  REASON  [SUPERSEDES]");
  list->add_option("NETWORK", a.network, "Network id")->required();
  list->add_flag("--history", a.history, "Every record ever made, oldest first");
  OnRun(list, run, [&a](Invocation& inv) { return ListConsents(inv, a.network, a.history); });
  CLI::App* team = consent->add_subcommand(
      "team-threads", "Allow or withdraw threads of the team without the client");
  team->add_option("NETWORK", a.network, "Network id")->required();
  team->add_option("ACTION", a.action, "allow or withdraw")
      ->required()
      ->check(CLI::IsMember({"allow", "withdraw"}));
  OnRun(team, run, [&a](Invocation& inv) { return TeamThreads(inv, a.network, a.action); });
}

void AddNetworkCommands(CLI::App& app, Args& a, Command* run) {
  CLI::App* network = app.add_subcommand("network", "Open and list care networks");
  network->require_subcommand(1);
  CLI::App* open = network->add_subcommand("open", "Open a network for a client (prints its id)");
  open->add_option("--client", a.client, "The client's handle")->required();
  OnRun(open, run, [&a](Invocation& inv) { return OpenNetwork(inv, a.client); });
  OnRun(network->add_subcommand("list", "Networks you are in: ID  CLIENT  MY_ROLE  GENERAL_THREAD"),
        run, ListNetworks);

  CLI::App* invite = app.add_subcommand("invite", "Invite a member (prints the invitation id)");
  invite->add_option("NETWORK", a.network, "Network id")->required();
  invite->add_option("HANDLE", a.handle, "The member's handle")->required();
  invite->add_option("--role", a.role, "Role label, e.g. \"work supervisor\"");
  OnRun(invite, run, [&a](Invocation& inv) { return Invite(inv, a.network, a.handle, a.role); });

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
  OnRun(approve, run,
        [&a](Invocation& inv) { return ApproveInvitation(inv, a.invitation, a.provision); });
  CLI::App* decline = app.add_subcommand("decline", "Decline an invitation");
  decline->add_option("INVITATION_ID", a.invitation, "Invitation id")->required();
  OnRun(decline, run, [&a](Invocation& inv) { return DeclineInvitation(inv, a.invitation); });

  CLI::App* remove = app.add_subcommand("remove", "Remove a member from a network");
  remove->add_option("NETWORK", a.network, "Network id")->required();
  remove->add_option("HANDLE", a.handle, "The member's handle")->required();
  OnRun(remove, run, [&a](Invocation& inv) { return RemoveMember(inv, a.network, a.handle); });

  CLI::App* members = app.add_subcommand(
      "members", "Members: HANDLE  ROLE  ROLE_LABEL  [consent #ID: WHAT; PERIOD; STATE]");
  members->add_option("NETWORK", a.network, "Network id")->required();
  OnRun(members, run, [&a](Invocation& inv) { return ListMembers(inv, a.network); });
}

void AddMessageCommands(CLI::App& app, Args& a, Command* run) {
  CLI::App* thread = app.add_subcommand("thread", "Create threads");
  thread->require_subcommand(1);
  CLI::App* create = thread->add_subcommand("create", "Create a thread (prints its id)");
  create->add_option("NETWORK", a.network, "Network id")->required();
  create->add_option("TITLE", a.text, "Title")->required();
  create->add_flag("--team-only", a.team_only,
                   "Without the client (only while the client allows team-only threads)");
  OnRun(create, run,
        [&a](Invocation& inv) { return CreateThread(inv, a.network, a.text, a.team_only); });

  CLI::App* threads = app.add_subcommand(
      "threads", "Threads: ID  LAST_SEQ  TITLE  [(team-only)]  [participants: HANDLE, ...]");
  threads->add_option("NETWORK", a.network, "Network id")->required();
  OnRun(threads, run, [&a](Invocation& inv) { return ListThreads(inv, a.network); });

  CLI::App* send = app.add_subcommand("send", "Post a message (prints its seq)");
  send->add_option("NETWORK", a.network, "Network id")->required();
  send->add_option("THREAD", a.thread, "Thread id")->required();
  send->add_option("TEXT", a.text, "The message")->required();
  send->add_option("--id", a.id, "client_msg_id, for a safe resend (default: random)");
  OnRun(send, run, [&a](Invocation& inv) { return Send(inv, a.network, a.thread, a.text, a.id); });

  CLI::App* history = app.add_subcommand(
      "history",
      "Messages: SEQ  HANDLE  TIME  TEXT, after \"(messages 1-N are not visible to you)\" when "
      "your consent hides the first ones");
  history->add_option("NETWORK", a.network, "Network id")->required();
  history->add_option("THREAD", a.thread, "Thread id")->required();
  history->add_option("--after", a.after, "Only messages with a higher seq");
  history->add_option("--limit", a.limit, "At most this many (default: all)");
  OnRun(history, run, [&a](Invocation& inv) {
    return History(inv, {a.network, a.thread, a.after, a.limit});
  });

  CLI::App* tail = app.add_subcommand(
      "tail",
      "Print new messages as they arrive, until interrupted: SEQ  HANDLE  TIME  TEXT "
      "(without THREAD: THREAD  SEQ  HANDLE  TIME  TEXT, every thread of the network)");
  tail->add_option("NETWORK", a.network, "Network id")->required();
  tail->add_option("THREAD", a.thread, "Thread id (default: every thread)");
  tail->add_option("--count", a.count, "Stop after this many messages");
  OnRun(tail, run, [&a](Invocation& inv) { return Tail(inv, {a.network, a.thread, a.count}); });

  CLI::App* mark = app.add_subcommand("mark-read", "Move your read marker (prints its seq)");
  mark->add_option("NETWORK", a.network, "Network id")->required();
  mark->add_option("THREAD", a.thread, "Thread id")->required();
  mark->add_option("SEQ", a.seq, "Last seq read")->required();
  OnRun(mark, run, [&a](Invocation& inv) { return MarkRead(inv, a.network, a.thread, a.seq); });
}

void AddAuditCommands(CLI::App& app, Args& a, Command* run) {
  CLI::App* audit = app.add_subcommand(
      "audit",
      "The access log (NEN 7513): auditors query, verify and sign it; a client reads "
      "who accessed their data");
  audit->require_subcommand(1);
  const std::vector<std::string> actions = {"create", "read", "update", "delete", "execute"};
  const std::vector<std::string> outcomes = {"success", "denied", "error"};

  AuditQueryArgs& q = a.audit_query;
  CLI::App* query = audit->add_subcommand(
      "query",
      "Auditors: records, oldest first: #SEQ  TIME  OUTCOME  EVENT_TYPE  ACTOR (ROLE)  OBJECT  "
      "[(DETAIL)]");
  query->add_option("--client", q.client, "About this client's data (handle)");
  query->add_option("--user", q.user, "Done by this account (handle)");
  query->add_option("--since", q.since, "At or after this RFC 3339 time");
  query->add_option("--until", q.until, "Before this RFC 3339 time");
  query->add_option("--action", q.action, "create, read, update, delete or execute")
      ->check(CLI::IsMember(actions));
  query->add_option("--outcome", q.outcome, "success, denied or error")
      ->check(CLI::IsMember(outcomes));
  query->add_option("--type", q.event_type, "Event type, e.g. history.read");
  query->add_option("--after", q.after, "Only records with a higher seq");
  query->add_option("--limit", q.limit, "At most this many per page (default 100, at most 1000)")
      ->check(CLI::Range(1, 1000));
  query->add_flag("--all", q.all, "Every page, not only the first");
  OnRun(query, run, [&q](Invocation& inv) { return QueryAudit(inv, q); });

  AccessLogArgs& m = a.access_log;
  CLI::App* mine = audit->add_subcommand(
      "mine",
      "Who accessed your data (a client), or your client's (a representative, with --client): "
      "#SEQ  TIME  OUTCOME  EVENT_TYPE  ACTOR (ROLE)  OBJECT  SUMMARY");
  mine->add_option("--client", m.client, "The client you represent (handle)");
  mine->add_option("--network", m.network_id, "Only this network");
  mine->add_option("--since", m.since, "At or after this RFC 3339 time");
  mine->add_option("--until", m.until, "Before this RFC 3339 time");
  mine->add_flag("--all", m.all, "Every page, not only the first");
  OnRun(mine, run, [&m](Invocation& inv) { return MyAccessLog(inv, m); });

  OnRun(audit->add_subcommand("verify",
                              "Auditors: check the whole hash chain (exit 1 and \"broken at "
                              "record N: PROBLEM\" when it is not intact)"),
        run, VerifyAuditChain);
  OnRun(audit->add_subcommand("checkpoint",
                              "Auditors: the chain's head signed by kringd (Ed25519), to keep "
                              "outside the server"),
        run, AuditCheckpoint);
}

int Main(int argc, char** argv) {
  CLI::App app{"kring: the Kring care-network messaging command line"};
  app.footer(kFooter);
  app.fallthrough();  // global flags may follow the command
  app.require_subcommand(1);
  GlobalFlags flags;
  app.add_option("--server", flags.server, "wss://HOST:PORT of kringd")->envname("KRING_SERVER");
  app.add_option("--ca", flags.ca, "PEM file of the CA to trust (default: the system's)")
      ->envname("KRING_CA");
  app.add_flag("--json", flags.json, "JSON Lines output (field names: see below)");

  Args args;
  Command run;
  AddAccountCommands(app, args, &run);
  AddNetworkCommands(app, args, &run);
  AddMessageCommands(app, args, &run);
  AddConsentCommands(app, args, &run);
  AddAuditCommands(app, args, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!run) return kExitUsage;  // not reachable: require_subcommand
  Invocation invocation(flags);
  return run(invocation);
}

}  // namespace
}  // namespace kring::cli

int main(int argc, char** argv) {
  try {
    return kring::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kring: fatal: %s\n", e.what());
    return kring::cli::kExitUsage;
  }
}
