// The `kring` command line run as a real process against a real kringd: each person's session
// in a KRING_HOME of their own, stdout and stderr collected, exit code checked. Shared by the
// cli_*_test.cc files (one per command family).
#pragma once

#include <gmock/gmock.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/world.h"
#include "tests/support/child_process.h"

#ifndef KRING_CLI_PATH
#error "KRING_CLI_PATH must name the kring binary (set by tests/CMakeLists.txt)"
#endif

extern char** environ;

namespace kring::integration {

// One `kring` process: stdin on a pipe, stdout and stderr collected. Only ever signals its own
// child. Not thread-safe.
class CliProcess {
 public:
  // Spawns KRING_CLI_PATH with `args` and KRING_HOME=home (KRING_SERVER/KRING_CA removed, so the
  // environment of the test run cannot leak in).
  CliProcess(const std::string& home, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {KRING_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    process::SpawnOptions options;
    options.pipe_stdin = options.pipe_stdout = options.pipe_stderr = true;
    options.env = std::vector<std::string>{"KRING_HOME=" + home};
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view var(*e);
      if (var.starts_with("KRING_HOME=") || var.starts_with("KRING_SERVER=") ||
          var.starts_with("KRING_CA=")) {
        continue;
      }
      options.env->emplace_back(var);
    }
    std::string error;
    std::optional<process::Child> child = process::Spawn(argv, options, &error);
    if (!child) {
      ADD_FAILURE() << "spawning kring: " << error;
      return;
    }
    pid_ = child->pid;
    stdin_fd_ = child->stdin_fd;
    stdout_fd_ = child->stdout_fd;
    stderr_fd_ = child->stderr_fd;
  }

  ~CliProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      process::WaitForExit(pid_, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    }
    for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) process::CloseFd(fd);
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  void WriteStdinAndClose(const std::string& text) {
    process::WriteAll(stdin_fd_, text);  // false: kring exited without reading; its code tells
    process::CloseFd(stdin_fd_);
  }

  // Reads stdout and stderr until `done` holds, both reach end of file, or the deadline.
  bool ReadUntil(const std::function<bool()>& done,
                 std::chrono::steady_clock::time_point deadline) {
    while (!done()) {
      std::vector<pollfd> fds;
      for (int fd : {stdout_fd_, stderr_fd_}) {
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
      }
      if (fds.empty()) return done();
      const int left = process::RemainingMs(deadline);
      if (left <= 0) return false;
      int r = ::poll(fds.data(), fds.size(), left);
      if (r < 0 && errno != EINTR) return false;
      for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        int& fd = p.fd == stdout_fd_ ? stdout_fd_ : stderr_fd_;
        std::string& sink = p.fd == stdout_fd_ ? out_ : err_;
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          ::close(fd);
          fd = -1;
        } else {
          sink.append(buf, static_cast<size_t>(n));
        }
      }
    }
    return true;
  }

  // Reads to end of file and reaps; the exit code, or -1 if it did not exit by the deadline
  // (then it is killed).
  int Finish(std::chrono::steady_clock::time_point deadline) {
    ReadUntil([] { return false; }, deadline);
    if (pid_ <= 0) return -1;
    std::optional<int> status = process::WaitForExit(pid_, deadline);
    if (!status) return -1;  // the destructor kills it
    pid_ = -1;
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string out_, err_;
};

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::ostream& operator<<(std::ostream& os, const CliResult& r) {
  return os << "exit " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
}

// The lines of `text`, without their newlines.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t eol; (eol = text.find('\n', start)) != std::string::npos; start = eol + 1) {
    lines.push_back(text.substr(start, eol - start));
  }
  return lines;
}

// The number after "key": in a JSON line (our objects hold no nested ones with the same key).
inline uint64_t JsonNumber(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  size_t at = line.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << key << " in " << line;
    return 0;
  }
  return std::strtoull(line.c_str() + at + needle.size(), nullptr, 10);
}

// One person at a terminal: their own KRING_HOME.
class CliUser {
 public:
  static constexpr std::chrono::seconds kDeadline{30};

  explicit CliUser(std::string home) : home_(std::move(home)) {}
  const std::string& home() const { return home_; }

  CliResult Run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    CliProcess process(home_, args);
    process.WriteStdinAndClose(stdin_text);
    CliResult r;
    r.exit_code = process.Finish(std::chrono::steady_clock::now() + kDeadline);
    r.out = process.out();
    r.err = process.err();
    return r;
  }
  std::unique_ptr<CliProcess> Start(const std::vector<std::string>& args) {
    auto process = std::make_unique<CliProcess>(home_, args);
    process->WriteStdinAndClose("");
    return process;
  }

 private:
  std::string home_;
};

class CliTest : public KringTest {
 protected:
  explicit CliTest(KringdConfig config = {}) : KringTest(config) {}
  void SetUp() override {
    KringTest::SetUp();
    if (HasFatalFailure()) return;
    std::string tmpl = (std::filesystem::temp_directory_path() / "kring-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    server_ = "wss://localhost:" + std::to_string(kringd_.port());
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty() && !HasFailure()) std::filesystem::remove_all(dir_, ec);
  }

  // A person whose KRING_HOME is DIR/handle/kring (not yet existing: kring creates it).
  CliUser User(const std::string& handle) { return CliUser(dir_ + "/" + handle + "/kring"); }

  // Logs `user` in as `handle` with --server and --ca; later commands use the saved session.
  void LogIn(CliUser& user, const std::string& handle, const std::string& password) {
    CliResult r = user.Run(
        {"--server", server_, "--ca", kringd_.ca_file(), "login", handle, "--password-stdin"},
        password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, ::testing::HasSubstr("logged in as " + handle));
  }

  std::string dir_;
  std::string server_;
};

}  // namespace kring::integration
