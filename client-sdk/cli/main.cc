// kring: the command line for Kring, built only on the client SDK (kring/connection.h).
//
//   kring [--server wss://HOST:PORT] [--ca FILE] [--json] COMMAND ...
//
// See `kring --help` and `kring COMMAND --help`; output formats in output.h, exit codes in
// invocation.h, the session file in home.h.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "client-sdk/cli/commands.h"

namespace kring::cli {

void OnRun(CLI::App* sub, Command* run, Command command) {
  sub->callback([run, command = std::move(command)] { *run = command; });
}

namespace {

constexpr char kFooter[] = R"(
Environment: KRING_SERVER, KRING_CA (defaults for --server, --ca); KRING_HOME (where the
session file lives; default ~/.config/kring). Commands after `login` resume its session.

Exit status: 0 success; 1 kringd refused the request (its error code name and detail on
stderr, e.g. "kring: PERMISSION_DENIED: not a member of this network"); 2 usage, not logged
in, or connection/TLS failure.

--json prints one JSON object per line (JSON Lines); field names are stable:
  account     id handle kind display_name profession disabled created_at
  network     id client general_thread_id my_role created_at [state: pending, accepted]
  invitation  id network_id client invitee invited_by role_label state created_at expires_at
  member      handle display_name profession role role_label since [access_in_force] [consent]
  thread      id network_id title last_seq created_at team_only sensitive participant_ids [participants]
  message     network_id thread_id seq sender client_msg_id text reply_to_seq posted_at
  read marker thread_id handle seq updated_at
  consent     id network_id grantee grantee_id client_id recorded_by recorded_by_id
              by_representative status state all_threads thread_ids actions history_visible
              start end supersedes recorded_at reason access_since hidden_through_seq
  audit event seq time action event_type outcome outcome_detail actor_id actor actor_kind
              actor_role actor_profession on_behalf_of client_id network_id thread_id seq_from
              seq_to count consent_id object_id object_handle source_address app server_id
              prev_hash (hex) prev_client_seq prev_actor_seq requested_thread_id
              audit mine adds summary actor_display_name thread_title
login and whoami print the account plus session_expires_at; approve the member plus
invitation_id; send {network_id thread_id seq client_msg_id duplicate posted_at}; decline
{invitation_id state}; remove {network_id handle removed}; user disable {handle disabled};
logout {logged_out}; password {password_changed}; consent grant, withdraw and team-threads the new consent record;
representative appoint, confirm and list {client representative basis state asked_by
[confirmed_by since]}, refuse {client representative state}, end {client representative
ended}; network accept the network; network decline {id state}; history may start with {network_id thread_id hidden_through_seq}; audit verify
{intact records first_bad_seq problem head_hash(hex) repaired_records}; audit checkpoint
{server_id count head_hash(base64) time time_ms algorithm signature(base64) public_key_pem};
audit query and mine end a page that has more after it with {more_after} (text mode: on
stderr). Consent state:
in_force, not_yet, expired, withdrawn or superseded. Times are UTC, e.g.
"2026-11-22T17:00:00.000Z"; --from and --until take RFC 3339, e.g. 2026-12-31T17:00:00Z.)";

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

  Command run;
  AddAccountCommands(app, &run);
  AddNetworkCommands(app, &run);
  AddMessageCommands(app, &run);
  AddConsentCommands(app, &run);
  AddAuditCommands(app, &run);
  AddTeamCommands(app, &run);
  AddAttachmentCommands(app, &run);
  AddPlanCommands(app, &run);
  AddCorrectionCommands(app, &run);  // issue 15, item 3

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
