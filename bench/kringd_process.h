// A kringd the load generator starts for itself (--spawn-kringd): a temp dir with a config
// (loopback, port 0, cheap Argon2 so that creating accounts is quick), `kringd serve`, its
// "listening on" line and the bootstrap admin's password from its stdout, and SIGTERM by PID
// at the end. Also reads any process's CPU time and peak RSS from /proc.
//
// Only ever signals the process it spawned. Not thread-safe: use from the main thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kring::bench {

// One thread's CPU time, from /proc/PID/task/TID/{stat,comm}.
struct ThreadUsage {
  int tid = 0;
  std::string name;
  double cpu_seconds = 0;  // utime + stime
};

// From /proc/PID/stat and /proc/PID/status.
struct ProcessUsage {
  double cpu_seconds = 0;     // utime + stime
  uint64_t peak_rss_kib = 0;  // VmHWM
  uint64_t rss_kib = 0;       // VmRSS
  std::vector<ThreadUsage> threads;
};
std::optional<ProcessUsage> ReadProcessUsage(pid_t pid);

// This process's own CPU time (getrusage), user + system.
double SelfCpuSeconds();

// The whole machine's CPU time from /proc/stat, in seconds summed over all cores: `busy` is
// everything but idle and iowait. On a shared machine, busy minus the server and the generator
// is what other processes took during a run.
struct MachineCpu {
  double busy_seconds = 0;
  double total_seconds = 0;
  int cores = 0;
};
std::optional<MachineCpu> ReadMachineCpu();

class KringdProcess {
 public:
  static constexpr std::chrono::seconds kStartDeadline{30};
  static constexpr std::chrono::seconds kStopDeadline{20};

  explicit KringdProcess(std::string kringd_path);
  // Stops a running kringd and removes the temp dir (kept if KRING_KEEP_BENCH_DIR is set).
  ~KringdProcess();
  KringdProcess(const KringdProcess&) = delete;
  KringdProcess& operator=(const KringdProcess&) = delete;

  // Makes the temp dir and config (with `extra_config` appended: TOML, e.g. a [web] root),
  // spawns `kringd serve`, waits for the listening line and the bootstrap password. Empty string
  // on success, else what went wrong (with kringd's stderr).
  std::string Start(int io_threads, const std::string& extra_config = "");
  // SIGTERM, wait up to kStopDeadline, then SIGKILL. Returns a description of how it ended
  // ("exit 0" when clean).
  std::string Stop();

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  const std::string& admin_password() const { return admin_password_; }
  std::string ca_file() const { return dir_ + "/data/tls/cert.pem"; }
  std::string stderr_file() const { return dir_ + "/kringd.stderr.log"; }
  std::string StderrTail(size_t bytes = 4096) const;

 private:
  std::optional<int> WaitForExit(std::chrono::steady_clock::time_point deadline);

  const std::string kringd_path_;
  std::string dir_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  std::string admin_password_;
};

}  // namespace kring::bench
