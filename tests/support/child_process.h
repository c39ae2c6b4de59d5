// Child processes for the integration tests and the load generator: fork + exec with pipes,
// waiting for the exit with a deadline (on a pidfd), and what a wait status means. No gtest, so
// that kring-bench links it too.
//
// Only ever waits for or reads from children the caller spawned. Not thread-safe per child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kring::process {

using Deadline = std::chrono::steady_clock::time_point;

struct Child {
  pid_t pid = -1;
  int stdin_fd = -1;   // write end, when piped; else -1
  int stdout_fd = -1;  // read end, when piped; else -1
  int stderr_fd = -1;  // read end, when piped; else -1
};

struct SpawnOptions {
  bool pipe_stdin = false;   // else /dev/null
  bool pipe_stdout = false;  // else /dev/null
  // Else appended to stderr_path, or /dev/null when that is empty.
  bool pipe_stderr = false;
  std::string stderr_path;
  // "NAME=value" each; nullopt: this process's environment.
  std::optional<std::vector<std::string>> env;
};

// fork + exec of args[0] with `args`. The child gets no descriptor of the parent's beyond 0-2
// (a test's sockets must not leak into kringd), and calls only async-signal-safe functions
// between fork and exec. nullopt with *error set when it could not be started; an exec that
// fails shows as exit status 127.
std::optional<Child> Spawn(const std::vector<std::string>& args, const SpawnOptions& options,
                           std::string* error);

// Reaps `pid` once it has exited, waiting until `deadline` at most. nullopt if it is still
// running then (or is not a child of this process). The wait status otherwise (see waitpid).
std::optional<int> WaitForExit(pid_t pid, Deadline deadline);

// "exit 0", "signal Killed", ...
std::string DescribeWaitStatus(int status);

// Milliseconds until `deadline`, at least 0: for poll().
int RemainingMs(Deadline deadline);

// Reads what is available on `fd` into *out, waiting until `deadline` at most for something.
// False at end of file or on an error; true otherwise (also when the deadline passed: the
// caller checks it).
bool ReadSome(int fd, std::string* out, Deadline deadline);

// Writes all of `data`; false if the reader went away.
bool WriteAll(int fd, std::string_view data);

// Closes fd if open and sets it to -1.
void CloseFd(int& fd);

}  // namespace kring::process
