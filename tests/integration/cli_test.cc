// The `kring` command line, run as a real process against a real kringd: a whole care-network
// scenario through it, in text and --json output, with each person's session in a KRING_HOME
// of their own.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/world.h"

#ifndef KRING_CLI_PATH
#error "KRING_CLI_PATH must name the kring binary (set by tests/CMakeLists.txt)"
#endif

extern char** environ;

namespace kring::integration {
namespace {

using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// One `kring` process: stdin on a pipe, stdout and stderr collected. Only ever signals its own
// child. Not thread-safe.
class CliProcess {
 public:
  // Spawns KRING_CLI_PATH with `args` and KRING_HOME=home (KRING_SERVER/KRING_CA removed, so the
  // environment of the test run cannot leak in).
  CliProcess(const std::string& home, const std::vector<std::string>& args) {
    std::vector<std::string> argv_strings = {KRING_CLI_PATH};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> env_strings = {"KRING_HOME=" + home};
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view var(*e);
      if (var.starts_with("KRING_HOME=") || var.starts_with("KRING_SERVER=") ||
          var.starts_with("KRING_CA=")) {
        continue;
      }
      env_strings.emplace_back(var);
    }
    std::vector<char*> argv, envp;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    for (std::string& s : env_strings) envp.push_back(s.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);

    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(err, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::syscall(SYS_close_range, 3U, ~0U, 0U);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    if (pid_ < 0) ADD_FAILURE() << "fork: " << std::strerror(errno);
  }

  ~CliProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  void WriteStdinAndClose(const std::string& text) {
    std::string_view left = text;
    while (!left.empty()) {
      ssize_t n = ::write(stdin_fd_, left.data(), left.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // kring exited without reading: its exit code will tell
      left.remove_prefix(static_cast<size_t>(n));
    }
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }

  // Reads stdout and stderr until `done` holds, both reach end of file, or the deadline.
  bool ReadUntil(const std::function<bool()>& done, Clock::time_point deadline) {
    while (!done()) {
      std::vector<pollfd> fds;
      for (int fd : {stdout_fd_, stderr_fd_}) {
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
      }
      if (fds.empty()) return done();
      const int left = RemainingMs(deadline);
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
  int Finish(Clock::time_point deadline) {
    ReadUntil([] { return false; }, deadline);
    while (pid_ > 0) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (r != 0 || Clock::now() >= deadline) return -1;  // the destructor kills it
      // Wait for the exit itself (a pidfd becomes readable then), up to the deadline.
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
      if (pidfd < 0) return -1;
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, RemainingMs(deadline));
      ::close(pidfd);
    }
    return -1;
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

std::ostream& operator<<(std::ostream& os, const CliResult& r) {
  return os << "exit " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
}

// The lines of `text`, without their newlines.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t eol; (eol = text.find('\n', start)) != std::string::npos; start = eol + 1) {
    lines.push_back(text.substr(start, eol - start));
  }
  return lines;
}

// The number after "key": in a JSON line (our objects hold no nested ones with the same key).
uint64_t JsonNumber(const std::string& line, const std::string& key) {
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
    r.exit_code = process.Finish(Clock::now() + kDeadline);
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
    EXPECT_THAT(r.out, HasSubstr("logged in as " + handle));
  }

  std::string dir_;
  std::string server_;
};

TEST_F(CliTest, CareNetworkScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), jo = User("jo"), amir = User("amir");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));

  // The session file is private: directory 0700, file 0600.
  struct stat st {};
  ASSERT_EQ(::stat(admin.home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((admin.home() + "/session").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  CliResult r = admin.Run({"--json", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"handle\":\"admin\""));
  EXPECT_THAT(r.out, HasSubstr("\"kind\":\"admin\""));

  // The admin creates the client and two members.
  r = admin.Run(
      {"user", "create", "ruth", "--kind", "client", "--name", "Ruth", "--password-stdin"},
      World::PasswordFor("ruth") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, StartsWith("created ruth (id "));
  r = admin.Run({"user", "create", "jo", "--kind", "member", "--profession", "job coach",
                 "--password-stdin", "--json"},
                World::PasswordFor("jo") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"handle\":\"jo\""));
  EXPECT_THAT(r.out, HasSubstr("\"kind\":\"member\""));
  EXPECT_THAT(r.out, HasSubstr("\"profession\":\"job coach\""));
  r = admin.Run({"user", "create", "amir", "--kind", "member", "--password-stdin"},
                World::PasswordFor("amir") + "\n");
  ASSERT_EQ(r.exit_code, 0) << r;

  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  ASSERT_NO_FATAL_FAILURE(LogIn(jo, "jo", World::PasswordFor("jo")));
  ASSERT_NO_FATAL_FAILURE(LogIn(amir, "amir", World::PasswordFor("amir")));

  // Ruth opens her network; its general thread comes with it.
  r = ruth.Run({"network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string net = r.out.substr(0, r.out.size() - 1);
  r = ruth.Run({"network", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_EQ(std::to_string(JsonNumber(r.out, "id")), net);
  EXPECT_THAT(r.out, HasSubstr("\"client\":\"ruth\",\"general_thread_id\":"));
  EXPECT_THAT(r.out, HasSubstr("\"my_role\":\"client\""));
  const std::string thread = std::to_string(JsonNumber(r.out, "general_thread_id"));

  // Ruth invites Jo; Jo sees the invitation; Ruth approves it.
  r = ruth.Run({"invite", net, "jo", "--role", "job coach"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string invitation = r.out.substr(0, r.out.size() - 1);
  r = jo.Run({"invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The expiry sits between the state and the free-text role label.
  EXPECT_THAT(r.out, MatchesRegex(invitation + "  " + net +
                                  "  jo  ruth  pending  (20[0-9-]+T[0-9:.]+Z|-)  job coach\n"));
  r = jo.Run({"invitations", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"id\":" + invitation + ",\"network_id\":" + net));
  EXPECT_THAT(r.out, HasSubstr("\"invitee\":\"jo\",\"invited_by\":\"ruth\""));
  EXPECT_THAT(r.out, HasSubstr("\"state\":\"pending\""));
  r = jo.Run({"approve", invitation});
  EXPECT_EQ(r.exit_code, 1) << r;  // only the client approves
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = ruth.Run({"approve", invitation});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ruth  client  -\n"));
  EXPECT_THAT(r.out, HasSubstr("jo  member  job coach"));

  // Amir is invited too, and declines.
  r = ruth.Run({"invite", net, "amir"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string amir_invitation = r.out.substr(0, r.out.size() - 1);
  r = amir.Run({"decline", amir_invitation});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");

  // Jo posts; Ruth reads it in her history, as text and as JSON.
  r = jo.Run({"send", net, thread, "Hello Ruth, \"Monday\"\nat 10?"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1\n");
  r = ruth.Run({"history", net, thread});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out,
              MatchesRegex("1  jo  20[0-9-]+T[0-9:.]+Z  Hello Ruth, \"Monday\"\\\\nat 10\\?\n"));
  r = ruth.Run({"--json", "history", net, thread});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, HasSubstr("\"seq\":1,\"sender\":\"jo\""));
  EXPECT_THAT(r.out, HasSubstr("\"text\":\"Hello Ruth, \\\"Monday\\\"\\nat 10?\""));
  EXPECT_THAT(r.out, HasSubstr("\"thread_id\":" + thread));
  EXPECT_THAT(r.out, HasSubstr("\"network_id\":" + net));
  EXPECT_THAT(r.out, MatchesRegex(".*\"posted_at\":\"20[0-9-]+T[0-9:]+\\.[0-9]{3}Z\".*"));

  // Control characters are escaped in both forms: \u00XX in JSON, \xXX in text (a terminal
  // never sees the raw escape); UTF-8 passes through.
  r = jo.Run({"send", net, thread, "bell\x07 \x1b[31mred\x1b[0m caf\u00e9"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.out, "2\n");
  r = ruth.Run({"history", net, thread, "--after", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  bell\\x07 \\x1b[31mred\\x1b[0m caf\u00e9\n"));
  r = ruth.Run({"history", net, thread, "--after", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"text\":\"bell\\u0007 \\u001b[31mred\\u001b[0m caf\u00e9\""));

  // A resend with the same --id is answered with the original seq.
  r = jo.Run({"send", net, thread, "See you", "--id", "jo-1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"seq\":3"));
  EXPECT_THAT(r.out, HasSubstr("\"duplicate\":false"));
  r = jo.Run({"send", net, thread, "See you", "--id", "jo-1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"seq\":3"));
  EXPECT_THAT(r.out, HasSubstr("\"duplicate\":true"));
  r = ruth.Run({"history", net, thread, "--after", "2", "--limit", "5"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, StartsWith("3  jo  "));
  r = ruth.Run({"history", net, thread, "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 2u) << r;

  // Ruth tails the thread; a message Jo sends meanwhile arrives.
  {
    const auto deadline = Clock::now() + kWait;
    auto tail = ruth.Start({"--json", "tail", net, thread, "--count", "1"});
    ASSERT_TRUE(tail->ReadUntil(
        [&] { return tail->err().find("kring: tailing") != std::string::npos; }, deadline))
        << tail->err();
    r = jo.Run({"send", net, thread, "live one"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "4\n");
    ASSERT_EQ(tail->Finish(deadline), 0) << tail->out() << tail->err();
    ASSERT_EQ(Lines(tail->out()).size(), 1u) << tail->out();
    EXPECT_THAT(tail->out(), HasSubstr("\"seq\":4,\"sender\":\"jo\""));
    EXPECT_THAT(tail->out(), HasSubstr("\"text\":\"live one\""));
  }

  // Tailing the whole network picks up a thread created meanwhile.
  {
    const auto deadline = Clock::now() + kWait;
    auto tail = ruth.Start({"tail", net, "--count", "1"});
    ASSERT_TRUE(tail->ReadUntil(
        [&] { return tail->err().find("kring: tailing") != std::string::npos; }, deadline))
        << tail->err();
    r = jo.Run({"thread", "create", net, "Appointments"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
    const std::string appointments = r.out.substr(0, r.out.size() - 1);
    r = jo.Run({"send", net, appointments, "Dentist on Friday"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_EQ(tail->Finish(deadline), 0) << tail->out() << tail->err();
    EXPECT_THAT(tail->out(), MatchesRegex(appointments + "  1  jo  [^ ]+  Dentist on Friday\n"));
    r = ruth.Run({"threads", net});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr(thread + "  4  General"));
    EXPECT_THAT(r.out, HasSubstr(appointments + "  1  Appointments"));
    // C1 controls (U+009B is a CSI) and bidi overrides are escaped in text too, as \uXXXX; the
    // right-to-left mark Arabic text uses passes through.
    r = jo.Run({"send", net, appointments, "csi\u009b31m rlo\u202Eko \u0645\u200F"});
    ASSERT_EQ(r.exit_code, 0) << r;
    r = ruth.Run({"history", net, appointments, "--after", "1"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, HasSubstr("  csi\\u009b31m rlo\\u202eko \u0645\u200F\n"));
  }

  r = ruth.Run({"mark-read", net, thread, "4"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "4\n");
  r = ruth.Run({"mark-read", net, thread, "2", "--json"});  // markers only move forward
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"handle\":\"ruth\",\"seq\":4"));

  // Ruth removes Jo: Jo's running tail ends with the loss of access, and Jo's history is
  // refused by the server.
  {
    const auto deadline = Clock::now() + kWait;
    auto tail = jo.Start({"tail", net});
    ASSERT_TRUE(tail->ReadUntil(
        [&] { return tail->err().find("kring: tailing") != std::string::npos; }, deadline))
        << tail->err();
    r = ruth.Run({"remove", net, "jo"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(tail->Finish(deadline), 1) << tail->out() << tail->err();
    EXPECT_THAT(tail->err(), HasSubstr("PERMISSION_DENIED: access to network " + net + " ended"));
  }
  r = jo.Run({"history", net, thread});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // The access log is for auditors: an admin does not read it.
  r = admin.Run({"--json", "audit", "verify"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: only an auditor reads the access log"));

  // Logging out forgets the token and ends the session at the server: a copy of the old
  // session file no longer works.
  const std::string session_file = amir.home() + "/session";
  std::string saved;
  std::getline(std::ifstream(session_file), saved, '\0');
  ASSERT_THAT(saved, HasSubstr("token="));
  r = amir.Run({"logout"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 2) << r;  // not logged in
  EXPECT_THAT(r.err, HasSubstr("not logged in"));
  std::ofstream(session_file) << saved;
  r = amir.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED: "));
  // Logging out of a session that already ended just forgets it.
  r = amir.Run({"logout"});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = amir.Run({"whoami"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("not logged in"));
}

// The consent model (docs/consent.md) through the command line: an approval that is a scoped
// consent, hidden history, grant, list, withdraw, the supersession chain, team-only threads,
// and a representative acting for the client.
TEST_F(CliTest, ConsentScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), jo = User("jo"), amir = User("amir"),
          mentor = User("mentor");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  for (auto [handle, kind] : std::vector<std::pair<std::string, std::string>>{
           {"ruth", "client"}, {"jo", "member"}, {"amir", "member"}, {"mentor", "member"}}) {
    CliResult r = admin.Run({"user", "create", handle, "--kind", kind, "--password-stdin"},
                            World::PasswordFor(handle) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  ASSERT_NO_FATAL_FAILURE(LogIn(ruth, "ruth", World::PasswordFor("ruth")));
  ASSERT_NO_FATAL_FAILURE(LogIn(jo, "jo", World::PasswordFor("jo")));
  ASSERT_NO_FATAL_FAILURE(LogIn(amir, "amir", World::PasswordFor("amir")));
  ASSERT_NO_FATAL_FAILURE(LogIn(mentor, "mentor", World::PasswordFor("mentor")));

  // Ruth opens her network, adds a thread, and writes two messages before Jo joins.
  CliResult r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  const std::string general = std::to_string(JsonNumber(r.out, "general_thread_id"));
  r = ruth.Run({"thread", "create", net, "Appointments"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string appointments = r.out.substr(0, r.out.size() - 1);
  for (const char* text : {"Only for me", "Also only for me"}) {
    r = ruth.Run({"send", net, general, text});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // Jo is invited; the invitation shows when it expires. Ruth approves it for the general
  // thread only, reading and posting, without history.
  r = ruth.Run({"invite", net, "jo", "--role", "job coach"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string invitation = r.out.substr(0, r.out.size() - 1);
  r = jo.Run({"invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex(invitation + "  " + net +
                                  "  jo  ruth  pending  20[0-9-]+T[0-9:.]+Z  job coach\n"));
  r = jo.Run({"--json", "invitations"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex(".*\"expires_at\":\"20[0-9-]+T[0-9:.]+Z\".*"));
  r = ruth.Run({"approve", invitation, "--threads", general, "--until", "not-a-time"});
  EXPECT_EQ(r.exit_code, 2) << r;  // usage: nothing was sent
  EXPECT_THAT(r.err, HasSubstr("--until must be an RFC 3339 time"));
  r = ruth.Run({"approve", invitation, "--threads", general, "--post"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("approved: jo joined"));
  EXPECT_THAT(r.out, HasSubstr("threads " + general + "; read, post; history not visible"));

  // Jo sees the general thread from the approval on, and is told what is hidden; the other
  // thread is not in Jo's scope.
  r = jo.Run({"send", net, general, "Hello Ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "3\n");
  r = jo.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r;
  EXPECT_EQ(Lines(r.out)[0], "(messages 1-2 are not visible to you)");
  EXPECT_THAT(Lines(r.out)[1], StartsWith("3  jo  "));
  r = jo.Run({"--json", "history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r;
  EXPECT_EQ(Lines(r.out)[0],
            "{\"network_id\":" + net + ",\"thread_id\":" + general + ",\"hidden_through_seq\":2}");
  r = jo.Run({"history", net, general, "--after", "2"});  // nothing hidden after seq 2
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, StartsWith("3  jo  "));
  r = jo.Run({"history", net, appointments});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = jo.Run({"members", net});  // Jo's own entry shows Jo's consent
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("jo  member  job coach  consent #"));

  // Ruth widens Jo's consent to both threads, until a date.
  r = ruth.Run({"consent", "grant", net, "jo", "--threads", general + "," + appointments, "--post",
                "--until", "2099-01-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("#[0-9]+  jo  threads " + general + ", " + appointments +
                                  "; read, post; history not visible  from 20[0-9-]+T[0-9:.]+Z "
                                  "until 2099-01-01T00:00:00.000Z  in force  recorded by ruth  "
                                  "granted  supersedes #[0-9]+\n"));
  r = jo.Run({"history", net, appointments});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"consent", "list", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  jo  threads " + general + ", " + appointments));
  EXPECT_THAT(r.out, HasSubstr("  in force  recorded by ruth  granted"));
  r = ruth.Run({"--json", "consent", "list", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;  // only Jo's current record
  EXPECT_THAT(r.out, HasSubstr("\"grantee\":\"jo\""));
  EXPECT_THAT(r.out, HasSubstr("\"status\":\"active\",\"state\":\"in_force\""));
  EXPECT_THAT(r.out, HasSubstr("\"thread_ids\":[" + general + "," + appointments + "]"));
  EXPECT_THAT(r.out, HasSubstr("\"actions\":[\"read\",\"post\"]"));
  EXPECT_THAT(r.out, HasSubstr("\"end\":\"2099-01-01T00:00:00.000Z\""));
  EXPECT_THAT(r.out, HasSubstr("\"recorded_by\":\"ruth\""));
  r = jo.Run({"consent", "list", net});  // only the client (or a representative) lists
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // Ruth withdraws: Jo's access ends at once; the record says so.
  r = ruth.Run({"consent", "withdraw", net, "jo"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("#[0-9]+  jo  .*  withdrawn  recorded by ruth  withdrawn  "
                                  "supersedes #[0-9]+\n"));
  r = jo.Run({"history", net, general});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // The history is the chain: approved, superseded by the grant, superseded by the withdrawal.
  r = ruth.Run({"consent", "list", net, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  {
    const std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 3u) << r;
    EXPECT_THAT(lines[0], HasSubstr("  jo  threads " + general + "; read, post"));
    EXPECT_THAT(lines[0], HasSubstr("  superseded  recorded by ruth  invitation approved"));
    EXPECT_THAT(lines[1], HasSubstr("  superseded  recorded by ruth  granted  supersedes #"));
    EXPECT_THAT(lines[2], HasSubstr("  withdrawn  recorded by ruth  withdrawn  supersedes #"));
  }
  r = ruth.Run({"--json", "consent", "list", net, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  {
    const std::vector<std::string> lines = Lines(r.out);
    ASSERT_EQ(lines.size(), 3u) << r;
    EXPECT_EQ(JsonNumber(lines[0], "supersedes"), 0u);
    EXPECT_EQ(JsonNumber(lines[1], "supersedes"), JsonNumber(lines[0], "id"));
    EXPECT_EQ(JsonNumber(lines[2], "supersedes"), JsonNumber(lines[1], "id"));
    EXPECT_THAT(lines[2], HasSubstr("\"status\":\"withdrawn\",\"state\":\"withdrawn\""));
  }

  // Team-only threads need the client's consent; the client still sees them and who takes part.
  r = ruth.Run({"consent", "grant", net, "jo", "--post"});  // a new chain: every thread
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  jo  all threads; read, post; history not visible  from "));
  r = jo.Run({"thread", "create", net, "Team talk", "--team-only"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
  r = ruth.Run({"consent", "team-threads", net, "allow"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("#[0-9]+  team  team-only threads allowed  from [^ ]+ until "
                                  "withdrawn  in force  recorded by ruth  .*\n"));
  r = jo.Run({"thread", "create", net, "Team talk", "--team-only"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_THAT(r.out, MatchesRegex("[0-9]+\n"));
  const std::string team_talk = r.out.substr(0, r.out.size() - 1);
  r = ruth.Run({"threads", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(team_talk + "  0  Team talk  (team-only)  participants: jo\n"));
  EXPECT_THAT(r.out, HasSubstr(general + "  3  General  participants: "));
  r = ruth.Run({"--json", "threads", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"title\":\"Team talk\""));
  EXPECT_THAT(r.out, HasSubstr("\"team_only\":true"));
  EXPECT_THAT(r.out, HasSubstr("\"participants\":[\"jo\"]"));
  r = ruth.Run({"history", net, team_talk});  // the client sees it exists, not what is said
  EXPECT_EQ(r.exit_code, 1) << r;
  r = ruth.Run({"consent", "team-threads", net, "withdraw"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  team  team-only threads allowed  "));
  EXPECT_THAT(r.out, HasSubstr("  withdrawn  recorded by ruth"));
  r = jo.Run({"thread", "create", net, "Another", "--team-only"});
  EXPECT_EQ(r.exit_code, 1) << r;

  // An admin appoints Mentor as Ruth's representative; Mentor approves Amir and grants him a
  // thread with history, on Ruth's behalf.
  r = mentor.Run({"representative", "appoint", "ruth", "mentor", "--basis", "mentorship"});
  EXPECT_EQ(r.exit_code, 1) << r;  // only an admin appoints
  r = admin.Run({"representative", "appoint", "ruth", "mentor", "--basis",
                 "mentorship, municipality decision 2026/7"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("mentor represents ruth \\(mentorship, municipality decision "
                                  "2026/7\\) since 20[0-9-]+T[0-9:.]+Z\n"));
  r = mentor.Run({"invite", net, "amir"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string amir_invitation = r.out.substr(0, r.out.size() - 1);
  r = mentor.Run({"approve", amir_invitation, "--threads", general});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = mentor.Run({"consent", "grant", net, "amir", "--threads", general, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("#[0-9]+  amir  threads " + general +
                                  "; read; history visible  from .*  in force  recorded by "
                                  "mentor for ruth  granted  supersedes #[0-9]+\n"));
  r = amir.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, StartsWith("1  ruth  "));  // history visible: nothing hidden
  r = amir.Run({"send", net, general, "May I?"});
  EXPECT_EQ(r.exit_code, 1) << r;  // read only
  r = ruth.Run({"members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("mentor  representative  "));
  EXPECT_THAT(r.out, HasSubstr("amir  member  -  consent #"));
  r = ruth.Run({"--json", "members", net});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"role\":\"representative\""));
  EXPECT_THAT(r.out, HasSubstr("\"by_representative\":true"));
  r = ruth.Run({"consent", "list", net, "--history"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("recorded by mentor for ruth  invitation approved"));

  // The representation ends: Mentor can no longer act for Ruth.
  r = admin.Run({"--json", "representative", "end", "ruth", "mentor"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "{\"client\":\"ruth\",\"representative\":\"mentor\",\"ended\":true}\n");
  r = mentor.Run({"consent", "list", net});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));
}

TEST_F(CliTest, AuditScenario) {
  CliUser admin = User("admin"), ruth = User("ruth"), jo = User("jo"), amir = User("amir"),
          mentor = User("mentor"), audrey = User("audrey");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  for (auto [handle, kind] :
       std::vector<std::pair<std::string, std::string>>{{"ruth", "client"},
                                                        {"jo", "member"},
                                                        {"amir", "member"},
                                                        {"mentor", "member"},
                                                        {"audrey", "auditor"}}) {
    CliResult r = admin.Run({"user", "create", handle, "--kind", kind, "--password-stdin"},
                            World::PasswordFor(handle) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  CliResult r = admin.Run({"representative", "appoint", "ruth", "mentor", "--basis", "mentorship"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (CliUser* user : {&ruth, &jo, &amir, &mentor, &audrey}) {
    const std::string handle = std::filesystem::path(user->home()).parent_path().filename();
    ASSERT_NO_FATAL_FAILURE(LogIn(*user, handle, World::PasswordFor(handle)));
  }

  // Ruth opens her network and lets Jo in; each writes; Jo reads the thread; Amir, not a
  // member, is refused.
  r = ruth.Run({"--json", "network", "open", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string net = std::to_string(JsonNumber(r.out, "id"));
  const std::string general = std::to_string(JsonNumber(r.out, "general_thread_id"));
  r = ruth.Run({"invite", net, "jo", "--role", "job coach"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = ruth.Run({"approve", r.out.substr(0, r.out.size() - 1)});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string ruth_text = "Appointment with Dr. Bakker at 10", jo_text = "Hello Ruth";
  r = ruth.Run({"send", net, general, ruth_text});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = jo.Run({"send", net, general, jo_text});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = jo.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r;
  r = amir.Run({"history", net, general});
  ASSERT_EQ(r.exit_code, 1) << r;

  // The auditor sees each of them in the records about Ruth's data, with its outcome.
  const std::string time =
      "20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
      "\\.[0-9][0-9][0-9]Z";
  r = audrey.Run({"audit", "query", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  success  message\\.posted  ruth \\(client\\)  client [0-9]+, "
                                  "network " +
                                  net + ", thread " + general + ", seq 1, count 1\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  success  message\\.posted  jo \\(member\\)  client [0-9]+, "
                                  "network " +
                                  net + ", thread " + general +
                                  ", seq 2, count 1, consent #[0-9]+\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  success  history\\.read  jo \\(member\\)  client [0-9]+, "
                                  "network " +
                                  net + ", thread " + general +
                                  ", seq 1-2, count 2, consent #[0-9]+\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?#[0-9]+  " + time +
                                  "  denied  history\\.read  amir \\(member\\)  .*network " + net +
                                  ", thread " + general + ".*  \\(.+\\)\n(.*\n)?"))
      << r;
  EXPECT_THAT(r.out, Not(HasSubstr(ruth_text)));
  EXPECT_THAT(r.out, Not(HasSubstr(jo_text)));

  // --json: one object per record; filters narrow it down.
  r = audrey.Run({"--json", "audit", "query", "--client", "ruth", "--type", "history.read"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r;
  EXPECT_THAT(lines[0], MatchesRegex("\\{\"seq\":[0-9]+,\"time\":\"" + time +
                                     "\",\"action\":\"read\",\"event_type\":\"history\\.read\","
                                     "\"outcome\":\"success\",\"outcome_detail\":\"\",.*"));
  EXPECT_THAT(lines[0], HasSubstr("\"actor\":\"jo\",\"actor_kind\":\"member\","
                                  "\"actor_role\":\"member\""));
  EXPECT_THAT(lines[0], HasSubstr("\"network_id\":" + net + ",\"thread_id\":" + general +
                                  ",\"seq_from\":1,\"seq_to\":2,\"count\":2,"));
  EXPECT_THAT(lines[0], MatchesRegex(".*\"prev_hash\":\"[0-9a-f]{64}\",.*\\}"));
  EXPECT_THAT(lines[1], HasSubstr("\"outcome\":\"denied\",\"outcome_detail\":\""));
  EXPECT_THAT(lines[1], HasSubstr("\"actor\":\"amir\""));
  EXPECT_LT(JsonNumber(lines[0], "seq"), JsonNumber(lines[1], "seq"));  // oldest first
  r = audrey.Run({"audit", "query", "--client", "ruth", "--outcome", "denied"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, HasSubstr("  denied  history.read  amir (member)  "));
  r = audrey.Run({"audit", "query", "--user", "jo", "--action", "create"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  message.posted  jo (member)  "));
  // Paging: one record a page, followed to the end, gives the same records.
  r = audrey.Run({"audit", "query", "--client", "ruth", "--type", "history.read", "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r;
  r = audrey.Run({"--json", "audit", "query", "--client", "ruth", "--type", "history.read",
                  "--limit", "1", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out), lines) << r;
  r = audrey.Run({"--json", "audit", "query", "--client", "ruth", "--type", "history.read",
                  "--after", std::to_string(JsonNumber(lines[0], "seq"))});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out), std::vector<std::string>{lines[1]}) << r;
  // Periods: nothing before 2000 or from 2099 on.
  for (const char* flag : {"--until", "--since"}) {
    r = audrey.Run(
        {"audit", "query", "--client", "ruth", flag,
         std::string(flag) == "--until" ? "2000-01-01T00:00:00Z" : "2099-01-01T00:00:00+01:00"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "") << flag;
  }
  r = audrey.Run({"audit", "query", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--since must be an RFC 3339 time"));
  // The auditor's own queries are on the record too.
  r = audrey.Run({"audit", "query", "--user", "audrey", "--type", "audit.queried"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GE(Lines(r.out).size(), 8u) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  audit.queried  audrey (auditor)  "));

  // Ruth's own overview: plain summaries, never what was written.
  r = ruth.Run({"audit", "mine"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  history.read  jo (member)  "));
  EXPECT_THAT(r.out, HasSubstr("  jo read 2 messages in thread General\n"));
  EXPECT_THAT(r.out, HasSubstr("  denied  history.read  amir (member)  "));
  EXPECT_THAT(r.out, Not(HasSubstr(ruth_text)));
  EXPECT_THAT(r.out, Not(HasSubstr(jo_text)));
  const size_t first_read = Lines(r.out).size();
  r = ruth.Run({"--json", "audit", "mine", "--network", net, "--all"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GT(Lines(r.out).size(), 0u) << r;
  EXPECT_THAT(r.out, HasSubstr("\"summary\":\"jo read 2 messages in thread General\","
                               "\"actor_display_name\":\"jo\",\"thread_title\":\"General\"}"));
  EXPECT_THAT(r.out, Not(HasSubstr(ruth_text)));
  EXPECT_THAT(r.out, Not(HasSubstr(jo_text)));
  r = ruth.Run({"audit", "mine"});  // Ruth's reads of her log are in it
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GT(Lines(r.out).size(), first_read) << r;
  EXPECT_THAT(r.out, HasSubstr("  success  access_log.read  ruth (client)  "));
  // Her representative reads it by naming her; nobody else does.
  r = mentor.Run({"audit", "mine", "--client", "ruth"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("  jo read 2 messages in thread General\n"));
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"audit", "mine"},
                                             {"audit", "mine", "--client", "ruth"},
                                             {"audit", "query", "--client", "ruth"},
                                             {"audit", "verify"},
                                             {"audit", "checkpoint"}}) {
    r = jo.Run(args);
    EXPECT_EQ(r.exit_code, 1) << ::testing::PrintToString(args) << "\n" << r;
    EXPECT_EQ(r.out, "") << ::testing::PrintToString(args);
    EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: ")) << ::testing::PrintToString(args);
  }
  r = audrey.Run({"audit", "mine"});  // an auditor is not a client
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: "));

  // The chain is intact; the refusals above are records of it too.
  r = audrey.Run({"audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("intact: [0-9]+ records, head [0-9a-f]{64}\n"));
  r = audrey.Run({"--json", "audit", "verify"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, MatchesRegex("\\{\"intact\":true,\"records\":[0-9]+,\"first_bad_seq\":0,"
                                  "\"problem\":\"\",\"head_hash\":\"[0-9a-f]{64}\","
                                  "\"repaired_records\":0\\}\n"));
  EXPECT_GT(JsonNumber(r.out, "records"), 20u);
  r = audrey.Run({"audit", "query", "--user", "jo", "--outcome", "denied"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(Lines(r.out).size(), 5u) << r;

  // kringd makes its signing key on the first start: the checkpoint is signed, and a member
  // cannot have one made.
  r = audrey.Run({"audit", "checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("algorithm  Ed25519\n"));
  EXPECT_THAT(r.out, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*head_hash  [0-9a-f]{64}\n(.|\n)*"));
  r = audrey.Run({"--json", "audit", "checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"algorithm\":\"Ed25519\""));
  EXPECT_GT(JsonNumber(r.out, "count"), 20u);
}

TEST_F(CliTest, BadUsageExitsTwo) {
  CliUser user = User("nobody");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"send", "1", "2"},       // TEXT missing
           {"history", "one", "2"},  // not a number
           {"login", "ruth"},        // no --password-stdin
           {"user", "create", "x", "--kind", "robot", "--password-stdin"},
           {"consent"},  // no action
           {"consent", "grant", "1", "jo", "--threads", "1,x"},
           {"consent", "grant", "1", "jo", "--threads", "1", "--all"},
           {"consent", "grant", "1", "jo", "--from", "yesterday"},
           {"consent", "team-threads", "1", "maybe"},
           {"representative", "appoint", "ruth", "mentor"},  // no --basis
           {"audit"},                                        // no action
           {"audit", "query", "--outcome", "maybe"},
           {"audit", "query", "--action", "peek"},
           {"audit", "query", "--limit", "0"},
           {"audit", "query", "--until", "soon"},
           {"audit", "mine", "--since", "2026-12-01"},
           {"audit", "verify", "extra"},
           {"whoami"},  // not logged in
           {"--server", "https://localhost:1", "login", "ruth", "--password-stdin"},
           {"--server", "wss://localhost:99999", "login", "ruth", "--password-stdin"},
           {"--server", "wss://:8443", "login", "ruth", "--password-stdin"},
           {"--server", "wss://localhost:8443/other", "login", "ruth", "--password-stdin"},
       }) {
    CliResult r = user.Run(args, "some-password-123\n");
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << "\n" << r;
    EXPECT_EQ(r.out, "") << ::testing::PrintToString(args);
  }
}

TEST_F(CliTest, WrongCaOrCredentials) {
  CliUser admin = User("admin");
  const std::string password = std::string(KringdProcess::kAdminPassword) + "\n";
  std::vector<std::string> wrong_cas = {dir_ + "/missing.pem"};
  std::ofstream(dir_ + "/garbage.pem") << "not a certificate\n";
  wrong_cas.push_back(dir_ + "/garbage.pem");
  // Real CAs that did not sign kringd's self-signed certificate: the TLS handshake fails.
  if (std::filesystem::exists("/etc/ssl/certs/ca-certificates.crt")) {
    wrong_cas.push_back("/etc/ssl/certs/ca-certificates.crt");
  }
  for (const std::string& ca : wrong_cas) {
    CliResult r = admin.Run({"--server", server_, "--ca", ca, "login", "admin", "--password-stdin"},
                            password);
    EXPECT_EQ(r.exit_code, 2) << ca << "\n" << r;
    EXPECT_THAT(r.err, HasSubstr("cannot connect to " + server_)) << ca;
  }
  // Nothing was saved by the failed logins.
  EXPECT_FALSE(std::filesystem::exists(admin.home() + "/session"));

  // A wrong password is kringd's answer: exit 1 with its code.
  CliResult r = admin.Run(
      {"--server", server_, "--ca", kringd_.ca_file(), "login", "admin", "--password-stdin"},
      "wrong-password-0000\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED: "));
}

TEST_F(CliTest, ProfileSetsLanguageAndTimeZone) {
  CliUser admin = User("admin");
  ASSERT_NO_FATAL_FAILURE(LogIn(admin, KringdProcess::kAdminHandle, KringdProcess::kAdminPassword));
  CliResult r =
      admin.Run({"--json", "profile", "--language", "ar", "--time-zone", "Europe/Amsterdam"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"language\":\"ar\""));
  EXPECT_THAT(r.out, HasSubstr("\"time_zone\":\"Europe/Amsterdam\""));
  r = admin.Run({"--json", "whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"language\":\"ar\""));

  r = admin.Run({"profile", "--time-zone", "Mars/Olympus"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("time_zone"));
  EXPECT_EQ(admin.Run({"profile", "--language", "de"}).exit_code, 2);
  EXPECT_EQ(admin.Run({"profile"}).exit_code, 2);
}

}  // namespace
}  // namespace kring::integration
