#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace kring::process {
namespace {

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::optional<Child> Spawn(const std::vector<std::string>& args, const SpawnOptions& options,
                           std::string* error) {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if ((options.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) ||
      (options.pipe_stdout && ::pipe2(out, O_CLOEXEC) != 0) ||
      (options.pipe_stderr && ::pipe2(err, O_CLOEXEC) != 0)) {
    *error = Errno("pipe2");
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) CloseFd(fd);
    return std::nullopt;
  }
  int log_fd =
      options.pipe_stderr || options.stderr_path.empty()
          ? -1
          : ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  std::vector<char*> argv, envp;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (options.env) {
    for (const std::string& e : *options.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }

  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(options.pipe_stdin ? in[0] : null_fd, 0);
    ::dup2(options.pipe_stdout ? out[1] : null_fd, 1);
    ::dup2(options.pipe_stderr ? err[1] : (log_fd >= 0 ? log_fd : null_fd), 2);
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    if (options.env) {
      ::execve(argv[0], argv.data(), envp.data());
    } else {
      ::execv(argv[0], argv.data());
    }
    ::_exit(127);
  }
  CloseFd(in[0]);
  CloseFd(out[1]);
  CloseFd(err[1]);
  CloseFd(log_fd);
  CloseFd(null_fd);
  if (pid < 0) {
    *error = Errno("fork");
    CloseFd(in[1]);
    CloseFd(out[0]);
    CloseFd(err[0]);
    return std::nullopt;
  }
  return Child{pid, in[1], out[0], err[0]};
}

std::optional<int> WaitForExit(pid_t pid, Deadline deadline) {
  // A pidfd becomes readable when the process exits: wait on it instead of polling waitpid.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  std::optional<int> result;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result = status;
      break;
    }
    if (r < 0 && errno != EINTR) break;  // not our child (already reaped)
    if (std::chrono::steady_clock::now() >= deadline) break;
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, RemainingMs(deadline));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // bounded by the deadline
    }
  }
  CloseFd(pidfd);
  return result;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + ::strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

int RemainingMs(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

bool ReadSome(int fd, std::string* out, Deadline deadline) {
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, RemainingMs(deadline));
  if (r < 0 && errno == EINTR) return true;
  if (r <= 0) return r == 0;  // timeout: the caller checks the deadline
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  out->append(buf, static_cast<size_t>(n));
  return true;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace kring::process
