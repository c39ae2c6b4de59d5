// A few threads for work that must not run on io threads or the writer. The service keeps two:
// one for password work (Argon2) and one for reads too large for an io thread (backlog pages,
// verifying the audit chain), so that a flood of logins can delay other logins but never a read.
// Tasks run in FIFO order across the threads; at most max_queued wait for a thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/core/status.h"

namespace kring::service {

class BlockingPool {
 public:
  // `name` says what the work is ("password", "read"): in the threads' names ("kringd-read",
  // for top -H and perf) and in the refusal.
  BlockingPool(std::string name, size_t threads, size_t max_queued);
  ~BlockingPool();  // runs what is queued, then joins

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Thread-safe, never blocks. RESOURCE_EXHAUSTED (with a retry hint) if max_queued tasks are
  // waiting already: then `task` is destroyed without running. After shutdown began, the task
  // runs on the caller's thread.
  Status Post(std::function<void()> task);
  void Shutdown();

 private:
  void Loop();

  const std::string name_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace kring::service
