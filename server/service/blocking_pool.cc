#include "server/service/blocking_pool.h"

#include <pthread.h>

namespace kring::service {

namespace {

// The retry hint when the queue is full: long enough for a thread to get through a few tasks.
constexpr uint64_t kBusyRetryMs = 1'000;

}  // namespace

BlockingPool::BlockingPool(std::string name, size_t threads, size_t max_queued)
    : name_(std::move(name)), max_queued_(max_queued == 0 ? 1 : max_queued) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      const std::string thread_name = ("kringd-" + name_).substr(0, 15);
      pthread_setname_np(pthread_self(), thread_name.c_str());
      Loop();
    });
  }
}

BlockingPool::~BlockingPool() { Shutdown(); }

Status BlockingPool::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      if (tasks_.size() >= max_queued_) {
        return ResourceExhausted("the server is busy: too much " + name_ +
                                 " work is waiting; try again shortly")
            .set_retry_after_ms(kBusyRetryMs);
      }
      tasks_.push_back(std::move(task));
      cv_.notify_one();
      return Status::Ok();
    }
  }
  task();
  return Status::Ok();
}

void BlockingPool::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void BlockingPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace kring::service
