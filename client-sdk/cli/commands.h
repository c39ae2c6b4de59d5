// The `kring` commands. Each runs on an Invocation (connection, output, session file) and
// returns the process exit code (see invocation.h). Output formats: output.h.
//
// Each family's file also registers its command-line flags (Add...Commands), so a new command
// touches its family's file, this header and its test.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "client-sdk/cli/invocation.h"

namespace CLI {
class App;
}  // namespace CLI

namespace kring::cli {

// What the parsed command line asks to run.
using Command = std::function<int(Invocation&)>;
// Sets *run to `command` when `sub` is the command given (main.cc).
void OnRun(CLI::App* sub, Command* run, Command command);

// Each registers its family's subcommands and flags on `app`; the flag values live as long as
// `app` does.
void AddAccountCommands(CLI::App& app, Command* run);
void AddNetworkCommands(CLI::App& app, Command* run);
void AddMessageCommands(CLI::App& app, Command* run);
void AddConsentCommands(CLI::App& app, Command* run);
void AddAuditCommands(CLI::App& app, Command* run);
void AddAttachmentCommands(CLI::App& app, Command* run);  // attachments (issue 15, item 2)

// --- Sessions and accounts (account_commands.cc) ---

// Reads the password (stdin's first line with `password_stdin`, else asks on the terminal),
// logs in and saves the session.
int Login(Invocation& inv, const std::string& handle, bool password_stdin);
// The current password, then the new one: from stdin's first two lines with `password_stdin`,
// else asked on the terminal (the new one twice).
int ChangePassword(Invocation& inv, bool password_stdin);
// Ends the session at kringd and forgets the token (the server and CA stay saved).
int Logout(Invocation& inv);
int WhoAmI(Invocation& inv);
// Sets the caller's language and/or time zone (an empty one stays as it is).
int UpdateProfile(Invocation& inv, const std::string& language, const std::string& time_zone);

struct CreateUserArgs {
  std::string handle;
  std::string kind;  // client | member | admin | auditor
  std::string profession;
  std::string display_name;
  bool one_time = false;  // the person must change the password at their first login
};
// Reads the new account's password from the first line of stdin.
int CreateUser(Invocation& inv, const CreateUserArgs& args);
int DisableUser(Invocation& inv, const std::string& handle);

struct ListUsersArgs {
  std::string query;   // `user find TEXT`; empty: every account
  uint64_t after = 0;  // only accounts with a greater id
  uint64_t limit = 0;  // per page; 0: the server's default (100); at most 1000
  bool all = false;    // follow next_after_id until the end
};
// Admins: one line per account, by id: "ID  HANDLE  KIND  NAME  PROFESSION[  disabled]".
// A listing cut at a page says so (on stderr; a last {"more_after": N} line with --json).
int ListUsers(Invocation& inv, const ListUsersArgs& args);
// --- Representatives (representative_commands.cc) ---

// Admins: asks that `handle` act for `client` in every network of the client, on the legal
// `basis`; in force once a second admin confirms it (ConfirmRepresentative).
int AppointRepresentative(Invocation& inv, const std::string& client, const std::string& handle,
                          const std::string& basis);
int ConfirmRepresentative(Invocation& inv, const std::string& client, const std::string& handle);
int RefuseRepresentative(Invocation& inv, const std::string& client, const std::string& handle);
// One line per appointment: "CLIENT  REPRESENTATIVE  pending|in force  ASKED_BY  BASIS".
int ListRepresentations(Invocation& inv, const std::string& client);
int EndRepresentation(Invocation& inv, const std::string& client, const std::string& handle);

// --- Consent (consent_commands.cc) ---

// The provision flags of `consent grant` and `approve`. Each flag adds what it names to a
// grant of READ: without --post the grantee only reads.
struct ProvisionFlags {
  std::string threads;  // --threads ID,ID; empty: --all (every thread, also later ones)
  bool all = false;     // --all
  bool post = false;
  bool history = false;
  bool coordinate = false;
  std::string plan;   // --plan read|update: the shared plan's scope; empty: none
  std::string from;   // --from RFC 3339; empty: now
  std::string until;  // --until RFC 3339; empty: until withdrawn

  // Whether any flag was given (approve sends no provision otherwise: the server's default).
  bool any() const {
    return !threads.empty() || all || post || history || coordinate || !plan.empty() ||
           !from.empty() || !until.empty();
  }
};
// The provision the flags describe; false with *error set when a value does not parse.
[[nodiscard]] bool BuildProvision(const ProvisionFlags& flags, v1::ConsentProvision* out,
                                  std::string* error);
// Registers the provision flags on `sub` (consent grant, approve).
void AddProvisionFlags(CLI::App* sub, ProvisionFlags& p);

int GrantConsent(Invocation& inv, uint64_t network_id, const std::string& handle,
                 const ProvisionFlags& flags);
int WithdrawConsent(Invocation& inv, uint64_t network_id, const std::string& handle);
// Current records; with `history` every record of the network, oldest first, each superseded
// one marked so.
int ListConsents(Invocation& inv, uint64_t network_id, bool history);
// action: "allow" (a consent to team-only threads) or "withdraw".
int TeamThreads(Invocation& inv, uint64_t network_id, const std::string& action);

// Account ids to handles of a network's members (representatives included), for naming people
// in consent records and thread participants. Best effort: empty when kringd refuses the list.
Handles MemberHandles(sdk::Connection& conn, uint64_t network_id);
// The titles of the network's threads the caller may see, by id (empty when they cannot be read).
Titles ThreadTitles(sdk::Connection& conn, uint64_t network_id);

// --- Networks and membership (network_commands.cc) ---

int OpenNetwork(Invocation& inv, const std::string& client_handle);
int ListNetworks(Invocation& inv);
int Invite(Invocation& inv, uint64_t network_id, const std::string& handle,
           const std::string& role_label);
int ListInvitations(Invocation& inv);
// Without provision flags the server's default applies (every thread, read and post).
int ApproveInvitation(Invocation& inv, uint64_t invitation_id, const ProvisionFlags& flags);
int DeclineInvitation(Invocation& inv, uint64_t invitation_id);
// The client or a representative answers a network a member opened for the client.
int AcceptNetwork(Invocation& inv, uint64_t network_id, const ProvisionFlags& flags);
int DeclineNetwork(Invocation& inv, uint64_t network_id);
int RemoveMember(Invocation& inv, uint64_t network_id, const std::string& handle);
int ListMembers(Invocation& inv, uint64_t network_id);

// --- Corrections and retractions (correction_commands.cc; issue 15, item 3) ---

void AddCorrectionCommands(CLI::App& app, Command* run);
// By the author: prints the message's new version. `client_msg_id` empty: a random one.
int Correct(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq,
            const std::string& text, std::string client_msg_id);
int Retract(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq,
            std::string client_msg_id);
// Every version of a message, oldest first, one line each: VERSION  TIME  TEXT.
int Versions(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq);
// The messages corrected or retracted after change number `after_change`, as history shows
// them, then "(changes through N)".
int Changes(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t after_change);

// --- Teams (team_commands.cc; docs/consent.md, "Teams") ---

void AddTeamCommands(CLI::App& app, Command* run);
// Admins: prints the new team's id.
int CreateTeam(Invocation& inv, const std::string& name, const std::string& organisation);
// Adds `handle` to the team or changes their period; `coordinator`: appoint (admins only).
// from/until: RFC 3339, empty for now / open.
int SetTeamPerson(Invocation& inv, uint64_t team_id, const std::string& handle, bool coordinator,
                  const std::string& from, const std::string& until);
int RemoveTeamPerson(Invocation& inv, uint64_t team_id, const std::string& handle);
// "ID  NAME  ORGANISATION" per team: every team for admins, your teams for others.
int ListTeams(Invocation& inv);
// The team's people: "HANDLE  [coordinator]  FROM  UNTIL", then its networks.
int ShowTeam(Invocation& inv, uint64_t team_id);
// The client or a representative: `handle` of the team has no access in the network (exclude)
// or has it again (include).
int SetTeamExclusion(Invocation& inv, uint64_t network_id, uint64_t team_id,
                     const std::string& handle, bool excluded);
// `team grant NETWORK TEAM [flags]` (flags) and `team withdraw NETWORK TEAM` (null): the team's
// consent in the network.
int TeamConsent(Invocation& inv, uint64_t network_id, uint64_t team_id,
                const ProvisionFlags* flags);
// `kring invite NETWORK --team TEAM`.
int InviteTeam(Invocation& inv, uint64_t network_id, uint64_t team_id,
               const std::string& role_label);
// `kring remove NETWORK --team TEAM`: the team leaves the network as one member.
int RemoveTeam(Invocation& inv, uint64_t network_id, uint64_t team_id);

// --- The shared plan (plan_commands.cc; docs/plan.md) ---

void AddPlanCommands(CLI::App& app, Command* run);

// --- Threads and messages (message_commands.cc) ---

int CreateThread(Invocation& inv, uint64_t network_id, const std::string& title, bool team_only,
                 bool sensitive);
// `kring thread sensitive NETWORK THREAD on|off`: prints the thread as it is now.
int SetThreadSensitive(Invocation& inv, uint64_t network_id, uint64_t thread_id, bool sensitive);
int ListThreads(Invocation& inv, uint64_t network_id);
// An empty client_msg_id gets a random one.
// attachment_ids: the sender's uploads to the thread (`kring attach`), named in the message.
int Send(Invocation& inv, uint64_t network_id, uint64_t thread_id, const std::string& text,
         std::string client_msg_id, const std::vector<uint64_t>& attachment_ids = {});

struct HistoryArgs {
  uint64_t network_id = 0;
  uint64_t thread_id = 0;
  uint64_t after_seq = 0;
  uint64_t limit = 0;  // 0: every message after after_seq
};
int History(Invocation& inv, const HistoryArgs& args);

struct TailArgs {
  uint64_t network_id = 0;
  uint64_t thread_id = 0;  // 0: every thread of the network, including ones created meanwhile
  uint64_t count = 0;      // stop after this many messages; 0: until interrupted
};
// Prints messages posted from now on, one line each, until SIGINT/SIGTERM (exit 0), `count`
// messages, or the loss of access or of the connection.
int Tail(Invocation& inv, const TailArgs& args);
int MarkRead(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq);

// --- The access log (audit_commands.cc) ---

struct AuditQueryArgs {
  std::string client, user;  // handles; empty: any
  std::string since, until;  // RFC 3339; empty: no bound
  std::string action;        // create | read | update | delete | execute; empty: any
  std::string outcome;       // success | denied | error; empty: any
  std::string event_type;    // e.g. "history.read"; empty: any
  uint64_t after = 0;        // only records after this seq
  uint64_t limit = 0;        // per page; 0: the server's default (100); at most 1000
  bool all = false;          // follow next_after_seq until the end
};
// Auditors: one line per record, oldest first.
int QueryAudit(Invocation& inv, const AuditQueryArgs& args);

struct AccessLogArgs {
  std::string client;  // a representative names the client; empty: the caller
  uint64_t network_id = 0;
  std::string since, until;
  uint64_t after = 0;  // only records after this seq
  uint64_t limit = 0;  // per page; 0: the server's default (100); at most 1000
  bool all = false;
};
// The client's own access overview: one line per record, with the server's plain summary.
int MyAccessLog(Invocation& inv, const AccessLogArgs& args);
// Auditors: exit 0 when the chain is intact; 1 with "broken at record N: PROBLEM" when not.
int VerifyAuditChain(Invocation& inv);
// Auditors: the chain's head, signed by kringd (refused when it has no signing key).
int AuditCheckpoint(Invocation& inv);

// --- Attachments (attachment_commands.cc; issue 15, item 2) ---

// Uploads FILE to a thread (prints the attachment's id, to name in `send --attach`).
int Attach(Invocation& inv, const std::string& file, uint64_t network_id, uint64_t thread_id,
           const std::string& name);
// Downloads an attachment (or its thumbnail) of a network into FILE.
int Download(Invocation& inv, uint64_t network_id, uint64_t attachment_id, const std::string& to,
             bool thumbnail);

}  // namespace kring::cli
