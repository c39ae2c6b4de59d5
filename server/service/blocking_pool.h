// A few threads for work that must not run on io threads or the writer: Argon2 hashing now,
// large backlog reads later. Tasks run in FIFO order across the threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kring::service {

class BlockingPool {
 public:
  explicit BlockingPool(size_t threads);
  ~BlockingPool();  // runs what is queued, then joins

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Thread-safe. After shutdown began, the task runs on the caller's thread.
  void Post(std::function<void()> task);
  void Shutdown();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace kring::service
