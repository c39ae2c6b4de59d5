#include "bench/kringd_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/support/child_process.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kListeningPrefix[] = "kringd: listening on ";
constexpr char kPasswordMarker[] = "one-time password: ";

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

using process::DescribeWaitStatus;
using process::RemainingMs;

// utime + stime of a /proc/.../stat file, in seconds.
std::optional<double> ReadStatCpuSeconds(const std::string& path) {
  std::ifstream stat(path);
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
  size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 > line.size()) return std::nullopt;
  std::istringstream fields(line.substr(paren + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<ProcessUsage> ReadProcessUsage(pid_t pid) {
  ProcessUsage usage;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::optional<double> cpu = ReadStatCpuSeconds(proc + "/stat");
  if (!cpu) return std::nullopt;
  usage.cpu_seconds = *cpu;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/task", ec)) {
    ThreadUsage thread;
    thread.tid = std::atoi(entry.path().filename().c_str());
    std::optional<double> thread_cpu = ReadStatCpuSeconds(entry.path().string() + "/stat");
    if (!thread_cpu) continue;  // the thread ended meanwhile
    thread.cpu_seconds = *thread_cpu;
    std::ifstream comm(entry.path().string() + "/comm");
    std::getline(comm, thread.name);
    usage.threads.push_back(std::move(thread));
  }
  std::string line;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      usage.peak_rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmRSS:", 0) == 0) usage.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return usage;
}

double SelfCpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

std::optional<MachineCpu> ReadMachineCpu() {
  std::ifstream stat("/proc/stat");
  std::string line;
  MachineCpu cpu;
  bool found = false;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  while (std::getline(stat, line)) {
    if (line.rfind("cpu ", 0) == 0) {
      // user nice system idle iowait irq softirq steal ...
      std::istringstream fields(line.substr(4));
      uint64_t v[8] = {};
      for (uint64_t& x : v) fields >> x;
      const uint64_t total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
      cpu.total_seconds = static_cast<double>(total) / tick;
      cpu.busy_seconds = static_cast<double>(total - v[3] - v[4]) / tick;
      found = true;
    } else if (line.rfind("cpu", 0) == 0) {
      ++cpu.cores;
    }
  }
  if (!found) return std::nullopt;
  return cpu;
}

KringdProcess::KringdProcess(std::string kringd_path) : kringd_path_(std::move(kringd_path)) {}

KringdProcess::~KringdProcess() {
  if (pid_ > 0) Stop();
  if (dir_.empty()) return;
  if (std::getenv("KRING_KEEP_BENCH_DIR") != nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string KringdProcess::Start(int io_threads, const std::string& extra_config) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kring-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Errno("mkdtemp");
  dir_ = tmpl;
  const std::string config_file = dir_ + "/kringd.toml";
  {
    std::ofstream config(config_file);
    // Cheap Argon2: the scenario creates and logs in hundreds of accounts before it measures.
    // Everything measured (TLS, framing, fsync per group, the access log) keeps its defaults.
    config << "[passwords]\n"
           << "time_cost = 1\n"
           << "memory_kib = 1024\n"
           << "parallelism = 1\n"
           << "[login_throttle]\n"
           << "free_failures = 1000000\n"
           // Every peer connects from 127.0.0.1 (or a few 127.0.0.x), `resume` reconnects all
           // members at once, and `history` fills from one connection at ~30,000 posts/s: the
           // caps that hold back one abusive app are lifted. The rate check still runs (a cap
           // no run reaches), so its cost is measured.
           << "[connections]\n"
           << "max_per_address = 0\n"
           << "max_unauthenticated = 0\n"
           << "[request_rate]\n"
           << "connection_per_second = 1000000\n"
           << "connection_burst = 1000000\n"
           << "account_per_second = 1000000\n"
           << "account_burst = 1000000\n"
           << "[bootstrap]\n"
           << "admin_handle = \"admin\"\n"
           << extra_config << "\n";
    if (!config) return "cannot write " + config_file;
  }

  std::vector<std::string> args = {kringd_path_, "serve",       "--data-dir", dir_ + "/data",
                                   "--listen",   "127.0.0.1:0", "--config",   config_file};
  if (io_threads > 0) {
    args.push_back("--io-threads");
    args.push_back(std::to_string(io_threads));
  }
  process::SpawnOptions options;
  options.pipe_stdout = true;
  options.stderr_path = stderr_file();
  std::string error;
  std::optional<process::Child> child = process::Spawn(args, options, &error);
  if (!child) return error;
  pid_ = child->pid;
  stdout_fd_ = child->stdout_fd;

  const auto deadline = Clock::now() + kStartDeadline;
  std::string printed;
  size_t scanned = 0;
  while (port_ == 0) {
    size_t eol;
    while ((eol = printed.find('\n', scanned)) != std::string::npos) {
      std::string line = printed.substr(scanned, eol - scanned);
      scanned = eol + 1;
      if (size_t at = line.find(kPasswordMarker); at != std::string::npos) {
        admin_password_ = line.substr(at + std::strlen(kPasswordMarker));
      }
      if (line.rfind(kListeningPrefix, 0) == 0) {
        size_t colon = line.rfind(':');
        port_ = static_cast<uint16_t>(std::atoi(line.c_str() + colon + 1));
        if (port_ == 0) return "unexpected listening line: " + line;
      }
    }
    if (port_ != 0) break;
    if (Clock::now() >= deadline) return "kringd did not start listening in time\n" + StderrTail();
    pollfd p{stdout_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, RemainingMs(deadline));
    if (r < 0 && errno != EINTR) return Errno("poll");
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::optional<int> status = WaitForExit(Clock::now() + kStopDeadline);
      pid_ = -1;
      return "kringd exited (" + (status ? DescribeWaitStatus(*status) : std::string("?")) +
             ") before listening\n" + StderrTail();
    }
    printed.append(buf, static_cast<size_t>(n));
  }
  if (admin_password_.empty()) return "kringd printed no bootstrap admin password";
  return "";
}

std::string KringdProcess::Stop() {
  if (pid_ <= 0) return "not running";
  ::kill(pid_, SIGTERM);
  std::optional<int> status = WaitForExit(Clock::now() + kStopDeadline);
  std::string how;
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = WaitForExit(Clock::now() + kStopDeadline);
    how =
        "did not exit within " + std::to_string(kStopDeadline.count()) + " s of SIGTERM; killed: ";
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  return how + (status ? DescribeWaitStatus(*status) : "?");
}

std::optional<int> KringdProcess::WaitForExit(Clock::time_point deadline) {
  return process::WaitForExit(pid_, deadline);
}

std::string KringdProcess::StderrTail(size_t bytes) const {
  std::ifstream in(stderr_file());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string log = ss.str();
  if (log.size() > bytes) log = "...\n" + log.substr(log.size() - bytes);
  return "---- kringd stderr ----\n" + log + "---- end of kringd stderr ----\n";
}

}  // namespace kring::bench
