// A real kringd process for integration tests: temp data dir, fast test config, the admin account
// created offline, `kringd serve` on 127.0.0.1 (an ephemeral port, kept across restarts), and
// control over its life (Stop = SIGTERM, Crash = SIGKILL, Restart on the same data dir).
//
// Only ever signals processes it spawned itself. Not thread-safe: drive it from the test thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kring/connection.h"

namespace kring::integration {

// Keys of the test config (see the contracts for their meaning). Defaults keep tests fast: cheap
// Argon2 and a login throttle that never triggers.
struct KringdConfig {
  uint32_t free_failures = 1000;
  uint64_t base_delay_ms = 1000;
  uint64_t max_frame_bytes = 65536;
  uint64_t max_message_bytes = 16384;
  uint64_t max_outbound_bytes = 8 * 1024 * 1024;
  // [invitations] ttl_hours; 0 leaves the key out (kringd's default, 336).
  uint64_t invitation_ttl_hours = 0;
  // [connections] and [request_rate] keys; unset ones are left out (kringd's defaults).
  std::optional<uint64_t> auth_timeout_seconds = std::nullopt;
  std::optional<uint64_t> max_per_address = std::nullopt;
  std::optional<uint64_t> reserved_descriptors = std::nullopt;
  std::optional<uint32_t> connection_per_second = std::nullopt;
  std::optional<uint32_t> connection_burst = std::nullopt;
  // The soft RLIMIT_NOFILE `kringd serve` runs with; 0: the test's own.
  uint64_t descriptor_limit = 0;
  // [web] root; empty: a directory of the temp dir that does not exist (so no test depends on
  // whether this checkout has built the web app).
  std::string web_root = {};
  // [web] origins; empty leaves the key out (kringd's default: the local origins of its port).
  std::vector<std::string> web_origins = {};
  // The admin is not created offline but by kringd's first start, as [bootstrap] admin_handle,
  // with the one-time password it prints (bootstrap_password()).
  bool bootstrap_admin = false;
  // [attachments] max_bytes and network_quota_bytes; unset ones are left out (the defaults).
  std::optional<uint64_t> attachment_max_bytes = std::nullopt;
  std::optional<uint64_t> attachment_quota_bytes = std::nullopt;
};

class KringdProcess {
 public:
  static constexpr char kAdminHandle[] = "admin";
  static constexpr char kAdminPassword[] = "admin-password-0001";
  static constexpr std::chrono::seconds kStartDeadline{30};
  static constexpr std::chrono::seconds kStopDeadline{15};

  explicit KringdProcess(KringdConfig config = {});
  // Kills a running kringd, prints its stderr if the current test failed, removes the temp dir
  // (kept when the test failed or KRING_KEEP_TEST_DIRS is set).
  ~KringdProcess();
  KringdProcess(const KringdProcess&) = delete;
  KringdProcess& operator=(const KringdProcess&) = delete;

  // First call: makes the temp dir, writes the config, runs `kringd admin create admin`. Then
  // spawns `kringd serve` and waits (kStartDeadline) for its "listening on" line.
  ::testing::AssertionResult Start();
  // SIGTERM, wait up to kStopDeadline, then SIGKILL. Returns the wait status (see waitpid).
  int Stop();
  // SIGKILL and reap.
  void Crash();
  // Sends `signal` to the running kringd (SIGHUP: reload the certificate).
  void Signal(int signal);
  // Stop (if running) and Start again on the same data dir and the same port.
  ::testing::AssertionResult Restart();

  // Runs `kringd admin create HANDLE --kind KIND ... --password-stdin` (kringd must be stopped).
  // Returns the exit code (or -1 if it did not exit in time); its stdout into *out if given.
  int AdminCreate(const std::string& handle, const std::string& kind, const std::string& password,
                  const std::vector<std::string>& extra_args = {}, std::string* out = nullptr);

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  std::string config_file() const { return dir_ + "/kringd.toml"; }
  std::string ca_file() const { return data_dir() + "/tls/cert.pem"; }
  std::string stderr_file() const { return dir_ + "/kringd.stderr.log"; }
  std::string StderrLog() const;
  // With KringdConfig::bootstrap_admin: the one-time password kringd printed; empty before.
  std::string BootstrapPassword() const;

  // Options that reach this kringd with its dev certificate pinned. Short timeouts: a test that
  // waits on a dead server should fail quickly.
  sdk::ConnectOptions ConnectOptions() const;

 private:
  ::testing::AssertionResult Prepare();
  // Reaps the child with a deadline; returns its wait status, or nullopt on timeout.
  std::optional<int> WaitForExit(pid_t pid, std::chrono::steady_clock::time_point deadline);
  void CloseStdout();

  const KringdConfig config_;
  std::string dir_;     // empty until Prepare
  pid_t pid_ = -1;      // the running `kringd serve`, or -1
  int stdout_fd_ = -1;  // read end of its stdout pipe
  std::string stdout_;  // what it printed so far
  uint16_t port_ = 0;
};

// What a one-shot `kringd COMMAND` (audit verify, admin create, ...) printed and how it ended.
struct KringdRun {
  int exit_code = -1;  // -1: did not exit normally
  std::string out;     // its stdout
};

// Runs `kringd ARGS` to its end (no shell metacharacters in `args`; stderr is dropped).
KringdRun RunKringdCommand(const std::string& args);

}  // namespace kring::integration
