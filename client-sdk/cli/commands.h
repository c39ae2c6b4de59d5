// The `kring` commands. Each runs on an Invocation (connection, output, session file) and
// returns the process exit code (see invocation.h). Output formats: output.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "client-sdk/cli/invocation.h"

namespace kring::cli {

// --- Sessions and accounts (account_commands.cc) ---

// Reads the password from the first line of stdin, logs in and saves the session.
int Login(Invocation& inv, const std::string& handle);
// Ends the session at kringd and forgets the token (the server and CA stay saved).
int Logout(Invocation& inv);
int WhoAmI(Invocation& inv);

struct CreateUserArgs {
  std::string handle;
  std::string kind;  // client | member | admin | auditor
  std::string profession;
  std::string display_name;
};
// Reads the new account's password from the first line of stdin.
int CreateUser(Invocation& inv, const CreateUserArgs& args);
int DisableUser(Invocation& inv, const std::string& handle);

// --- Networks and membership (network_commands.cc) ---

int OpenNetwork(Invocation& inv, const std::string& client_handle);
int ListNetworks(Invocation& inv);
int Invite(Invocation& inv, uint64_t network_id, const std::string& handle,
           const std::string& role_label);
int ListInvitations(Invocation& inv);
int ApproveInvitation(Invocation& inv, uint64_t invitation_id);
int DeclineInvitation(Invocation& inv, uint64_t invitation_id);
int RemoveMember(Invocation& inv, uint64_t network_id, const std::string& handle);
int ListMembers(Invocation& inv, uint64_t network_id);

// --- Threads and messages (message_commands.cc) ---

int CreateThread(Invocation& inv, uint64_t network_id, const std::string& title);
int ListThreads(Invocation& inv, uint64_t network_id);
// An empty client_msg_id gets a random one.
int Send(Invocation& inv, uint64_t network_id, uint64_t thread_id, const std::string& text,
         std::string client_msg_id);

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

}  // namespace kring::cli
