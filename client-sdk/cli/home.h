// The session file `kring` keeps between commands, so that commands after `login` resume the
// session (ResumeSession) instead of asking for a password again.
//
// It lives at $KRING_HOME/session, KRING_HOME defaulting to ~/.config/kring. The directory is
// created 0700 and the file written 0600 (it holds a bearer token). One KRING_HOME per person:
// a script acts as several people by giving each command its own KRING_HOME.
//
// Format: one `key=value` per line, keys `server`, `ca` and `token`; unknown keys are ignored.
#pragma once

#include <string>

namespace kring::cli {

struct SavedSession {
  std::string server;  // "wss://HOST:PORT"
  std::string ca;      // absolute path of the CA file, or empty for the system's CAs
  std::string token;   // empty when logged out
};

// $KRING_HOME, else $HOME/.config/kring. False (with *error) when neither is set.
[[nodiscard]] bool KringHome(std::string* dir, std::string* error);

// A missing file leaves *out empty and succeeds; an unreadable one fails with *error.
[[nodiscard]] bool LoadSession(const std::string& dir, SavedSession* out, std::string* error);

// Replaces the file atomically (write to a temp file 0600, then rename), creating `dir` 0700
// if needed.
[[nodiscard]] bool SaveSession(const std::string& dir, const SavedSession& session,
                               std::string* error);

}  // namespace kring::cli
