// One run of `kring`: its global flags, its output mode, its KRING_HOME, and the connection
// to kringd built from them. Commands (commands.h) run on an Invocation and return its exit code.
//
// Exit codes: kExitOk; kExitServerError when kringd refused the request (its error code name
// and detail go to stderr, "kring: PERMISSION_DENIED: not a member of this network");
// kExitUsage for bad usage, a missing login, and connection, TLS or timeout failures.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "client-sdk/cli/home.h"
#include "client-sdk/cli/output.h"
#include "kring/connection.h"
#include "kring/result.h"

namespace kring::cli {

constexpr int kExitOk = 0;
constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;

constexpr char kUserAgent[] = "kring-cli/0.1";

struct GlobalFlags {
  std::string server;  // --server or KRING_SERVER; empty: the saved session's
  std::string ca;      // --ca or KRING_CA; empty: the saved session's
  bool json = false;   // --json
};

struct ServerAddress {
  std::string host;
  uint16_t port = 0;
};

// "wss://HOST:PORT", HOST a name, an IPv4 address or a bracketed IPv6 address; the port
// defaults to 443; a path may only be "/" or "/v1/ws" (the SDK always uses /v1/ws).
[[nodiscard]] bool ParseServerUrl(std::string_view url, ServerAddress* out, std::string* error);

class Invocation {
 public:
  explicit Invocation(GlobalFlags flags) : flags_(std::move(flags)), out_(flags_.json) {}

  const Output& out() const { return out_; }

  // Report on stderr and return the exit code to use.
  int UsageError(std::string_view message) const;
  int Failed(const sdk::Error& error) const;  // 1 for kringd's errors, 2 for transport errors

  // A connection to the server named by the flags (else the saved session), not logged in.
  // On failure it reports and returns nullptr with *exit_code set.
  std::unique_ptr<sdk::Connection> Connect(int* exit_code);
  // Connect, then ResumeSession with the saved token.
  std::unique_ptr<sdk::Connection> Resume(int* exit_code);
  // True after Resume failed because kringd no longer knows the saved session (UNAUTHENTICATED:
  // logged out elsewhere, expired, account disabled).
  bool session_rejected() const { return session_rejected_; }
  // The saved session's token, after a Resume that succeeded: for the HTTPS endpoints
  // (attachments), which take it as a Bearer token.
  const std::string& token() const { return saved_.token; }

  // Stores the server and CA used by this invocation with `token` (empty: logged out).
  // Returns kExitOk, or reports and returns kExitUsage.
  int SaveSession(const std::string& token);

 private:
  // Reads KRING_HOME's session file on first use.
  bool LoadSaved(int* exit_code);
  std::string Server() const { return flags_.server.empty() ? saved_.server : flags_.server; }
  std::string Ca() const { return flags_.ca.empty() ? saved_.ca : flags_.ca; }

  const GlobalFlags flags_;
  const Output out_;
  bool loaded_ = false;
  bool session_rejected_ = false;
  std::string home_;
  SavedSession saved_;
};

}  // namespace kring::cli
