#include "tests/integration/kringd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <thread>

#include "tests/support/child_process.h"

#ifndef KRINGD_PATH
#error "KRINGD_PATH must name the kringd binary (set by tests/CMakeLists.txt)"
#endif

namespace kring::integration {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kListeningPrefix[] = "kringd: listening on ";

using process::Child;
using process::CloseFd;
using process::DescribeWaitStatus;
using process::ReadSome;
using process::WriteAll;

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// With `descriptor_limit` (not 0), the child runs with that soft RLIMIT_NOFILE.
std::optional<Child> Spawn(const std::vector<std::string>& args, bool pipe_stdin, bool pipe_stdout,
                           const std::string& stderr_path, std::string* error,
                           uint64_t descriptor_limit = 0) {
  process::SpawnOptions options;
  options.pipe_stdin = pipe_stdin;
  options.pipe_stdout = pipe_stdout;
  options.stderr_path = stderr_path;
  options.descriptor_limit = descriptor_limit;
  return process::Spawn(args, options, error);
}

// The [connections] and [request_rate] sections, with the keys the test sets.
std::string ConnectionKeys(const KringdConfig& c) {
  std::string out = "[connections]\n";
  auto key = [&](const char* name, const auto& value) {
    if (value) out += std::string(name) + " = " + std::to_string(*value) + "\n";
  };
  key("auth_timeout_seconds", c.auth_timeout_seconds);
  key("max_per_address", c.max_per_address);
  key("reserved_descriptors", c.reserved_descriptors);
  out += "[request_rate]\n";
  key("connection_per_second", c.connection_per_second);
  key("connection_burst", c.connection_burst);
  return out;
}

}  // namespace

KringdProcess::KringdProcess(KringdConfig config) : config_(config) {
  // A write to a pipe of a kringd that has died must fail, not kill the test binary.
  ::signal(SIGPIPE, SIG_IGN);
}

KringdProcess::~KringdProcess() {
  if (running()) Stop();
  const bool failed = ::testing::Test::HasFailure();
  if (dir_.empty()) return;
  if (failed) {
    std::string log = StderrLog();
    constexpr size_t kTail = 64 * 1024;
    if (log.size() > kTail) log = "...\n" + log.substr(log.size() - kTail);
    std::cerr << "---- kringd stderr (" << stderr_file() << ") ----\n"
              << log << "---- end of kringd stderr ----\n";
  }
  if (failed || std::getenv("KRING_KEEP_TEST_DIRS") != nullptr) {
    std::cerr << "kringd test dir kept: " << dir_ << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

::testing::AssertionResult KringdProcess::Prepare() {
  if (!dir_.empty()) return ::testing::AssertionSuccess();
  std::string tmpl = (std::filesystem::temp_directory_path() / "kring-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return ::testing::AssertionFailure() << Errno("mkdtemp");
  dir_ = tmpl;
  std::ofstream config(config_file());
  config << "[limits]\n"
         << "max_frame_bytes = " << config_.max_frame_bytes << "\n"
         << "max_message_bytes = " << config_.max_message_bytes << "\n"
         << "max_outbound_bytes = " << config_.max_outbound_bytes << "\n"
         << (config_.invitation_ttl_hours == 0
                 ? std::string()
                 : "[invitations]\nttl_hours = " + std::to_string(config_.invitation_ttl_hours) +
                       "\n")
         << ConnectionKeys(config_) << "[passwords]\n"
         << "time_cost = 1\n"
         << "memory_kib = 1024\n"
         << "parallelism = 1\n"
         << "[login_throttle]\n"
         << "free_failures = " << config_.free_failures << "\n"
         << "base_delay_ms = " << config_.base_delay_ms << "\n"
         << "[bootstrap]\n"
         << "admin_handle = \"" << (config_.bootstrap_admin ? kAdminHandle : "") << "\"\n"
         << "[web]\n"
         << "root = \"" << (config_.web_root.empty() ? dir_ + "/no-web-app" : config_.web_root)
         << "\"\n";
  if (!config_.web_origins.empty()) {
    config << "origins = [";
    for (size_t i = 0; i < config_.web_origins.size(); ++i) {
      config << (i ? ", " : "") << "\"" << config_.web_origins[i] << "\"";
    }
    config << "]\n";
  }
  config << "[attachments]\n";
  if (config_.attachment_max_bytes) {
    config << "max_bytes = " << *config_.attachment_max_bytes << "\n";
  }
  if (config_.attachment_quota_bytes) {
    config << "network_quota_bytes = " << *config_.attachment_quota_bytes << "\n";
  }
  config.close();
  if (!config) return ::testing::AssertionFailure() << "cannot write " << config_file();

  if (config_.bootstrap_admin) return ::testing::AssertionSuccess();
  std::string out;
  int rc = AdminCreate(kAdminHandle, "admin", kAdminPassword, {}, &out);
  if (rc != 0) {
    return ::testing::AssertionFailure()
           << "kringd admin create admin exited " << rc << "; stdout: " << out << "\nstderr:\n"
           << StderrLog();
  }
  return ::testing::AssertionSuccess();
}

std::string KringdProcess::BootstrapPassword() const {
  constexpr std::string_view kMarker = "one-time password: ";
  const size_t at = stdout_.find(kMarker);
  if (at == std::string::npos) return "";
  const size_t begin = at + kMarker.size();
  return stdout_.substr(begin, stdout_.find('\n', begin) - begin);
}

int KringdProcess::AdminCreate(const std::string& handle, const std::string& kind,
                               const std::string& password,
                               const std::vector<std::string>& extra_args, std::string* out) {
  std::vector<std::string> args = {KRINGD_PATH, "admin",       "create",          handle,
                                   "--kind",    kind,          "--data-dir",      data_dir(),
                                   "--config",  config_file(), "--password-stdin"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::string error;
  std::optional<Child> child = Spawn(args, true, true, stderr_file(), &error);
  if (!child) {
    ADD_FAILURE() << "spawning kringd admin create: " << error;
    return -1;
  }
  WriteAll(child->stdin_fd, password + "\n");
  CloseFd(child->stdin_fd);
  const auto deadline = Clock::now() + kStartDeadline;
  std::string printed;
  while (Clock::now() < deadline && ReadSome(child->stdout_fd, &printed, deadline)) {
  }
  CloseFd(child->stdout_fd);
  if (out != nullptr) *out = printed;
  std::optional<int> status = WaitForExit(child->pid, deadline);
  if (!status) {
    ::kill(child->pid, SIGKILL);
    WaitForExit(child->pid, Clock::now() + kStopDeadline);
    return -1;
  }
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

::testing::AssertionResult KringdProcess::Start() {
  if (running()) return ::testing::AssertionFailure() << "kringd is already running";
  if (auto prepared = Prepare(); !prepared) return prepared;

  // The first start takes an ephemeral port; later ones (after Stop or Crash) reuse it, as a
  // server restarted on its configured port would, so apps can reconnect to the same address.
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::vector<std::string> args = {KRINGD_PATH, "serve", "--data-dir", data_dir(),
                                   "--listen",  listen,  "--config",   config_file()};
  std::string error;
  std::optional<Child> child =
      Spawn(args, false, true, stderr_file(), &error, config_.descriptor_limit);
  if (!child) return ::testing::AssertionFailure() << "spawning kringd serve: " << error;
  pid_ = child->pid;
  stdout_fd_ = child->stdout_fd;
  port_ = 0;

  const auto deadline = Clock::now() + kStartDeadline;
  size_t scanned = stdout_.size();
  while (port_ == 0) {
    size_t eol;
    while ((eol = stdout_.find('\n', scanned)) != std::string::npos) {
      std::string line = stdout_.substr(scanned, eol - scanned);
      scanned = eol + 1;
      if (line.rfind(kListeningPrefix, 0) != 0) continue;
      std::string address = line.substr(std::strlen(kListeningPrefix));
      size_t colon = address.rfind(':');
      int port = colon == std::string::npos ? 0 : std::atoi(address.c_str() + colon + 1);
      if (address.substr(0, colon) != "127.0.0.1" || port <= 0 || port > 65535) {
        Crash();
        return ::testing::AssertionFailure() << "unexpected listening line: " << line;
      }
      port_ = static_cast<uint16_t>(port);
      break;
    }
    if (port_ != 0) break;
    if (Clock::now() >= deadline) {
      Crash();
      return ::testing::AssertionFailure()
             << "kringd did not print \"" << kListeningPrefix << "...\" within "
             << kStartDeadline.count() << " s; stdout: " << stdout_ << "\nstderr:\n"
             << StderrLog();
    }
    if (!ReadSome(stdout_fd_, &stdout_, deadline)) {
      std::optional<int> status = WaitForExit(pid_, Clock::now() + kStopDeadline);
      pid_ = -1;
      CloseStdout();
      return ::testing::AssertionFailure()
             << "kringd serve exited (" << (status ? DescribeWaitStatus(*status) : "?")
             << ") before listening; stdout: " << stdout_ << "\nstderr:\n"
             << StderrLog();
    }
  }
  return ::testing::AssertionSuccess();
}

int KringdProcess::Stop() {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  std::optional<int> status = WaitForExit(pid_, Clock::now() + kStopDeadline);
  if (!status) {
    ADD_FAILURE() << "kringd did not exit within " << kStopDeadline.count()
                  << " s of SIGTERM; sending SIGKILL";
    ::kill(pid_, SIGKILL);
    status = WaitForExit(pid_, Clock::now() + kStopDeadline);
  }
  pid_ = -1;
  CloseStdout();
  return status.value_or(-1);
}

void KringdProcess::Signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

void KringdProcess::Crash() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  if (!WaitForExit(pid_, Clock::now() + kStopDeadline)) {
    ADD_FAILURE() << "kringd (pid " << pid_ << ") did not die of SIGKILL";
  }
  pid_ = -1;
  CloseStdout();
}

::testing::AssertionResult KringdProcess::Restart() {
  if (running()) {
    int status = Stop();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return ::testing::AssertionFailure()
             << "kringd did not stop cleanly: " << DescribeWaitStatus(status);
    }
  }
  return Start();
}

std::optional<int> KringdProcess::WaitForExit(pid_t pid, Clock::time_point deadline) {
  return process::WaitForExit(pid, deadline);
}

void KringdProcess::CloseStdout() {
  if (stdout_fd_ < 0) return;
  // The process is gone: whatever it printed is in the pipe already.
  for (;;) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    stdout_.append(buf, static_cast<size_t>(n));
  }
  CloseFd(stdout_fd_);
}

std::string KringdProcess::StderrLog() const {
  std::ifstream in(stderr_file());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

sdk::ConnectOptions KringdProcess::ConnectOptions() const {
  sdk::ConnectOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.ca_file = ca_file();
  o.server_name = "localhost";
  o.connect_timeout = std::chrono::seconds(10);
  o.request_timeout = std::chrono::seconds(15);
  o.user_agent = "kring-integration-tests";
  o.max_request_bytes = config_.max_frame_bytes;
  o.max_message_bytes = config_.max_message_bytes;
  return o;
}

KringdRun RunKringdCommand(const std::string& args) {
  KringdRun ran;
  FILE* pipe = ::popen((std::string(KRINGD_PATH) + " " + args + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return ran;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) ran.out.append(buf, n);
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

}  // namespace kring::integration
