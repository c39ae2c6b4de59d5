#include "server/service/blocking_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

namespace kring::service {
namespace {

// Holds a pool's threads until Open(): tasks that call Wait() block there.
class Latch {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  // True once `n` callers are waiting (false after a generous deadline).
  bool AwaitWaiting(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;    // guarded by mu_
  bool open_ = false;  // guarded by mu_
};

TEST(BlockingPoolTest, RefusesTasksBeyondTheQueueBoundWithARetryHint) {
  Latch latch;
  std::atomic<int> ran{0};
  BlockingPool pool("test", /*threads=*/2, /*max_queued=*/3);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.Post([&] { latch.Wait(); }).ok());
  ASSERT_TRUE(latch.AwaitWaiting(2));  // both threads busy, nothing queued
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.Post([&] { ++ran; }).ok()) << i;
  bool refused_ran = false;
  Status refused = pool.Post([&] { refused_ran = true; });
  EXPECT_EQ(CodeName(refused.code()), CodeName(Code::kResourceExhausted));
  EXPECT_GT(refused.retry_after_ms(), 0u);
  latch.Open();
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(refused_ran);
}

TEST(BlockingPoolTest, ARefusedTaskIsDestroyedAtOnce) {
  Latch latch;
  BlockingPool pool("test", 1, 1);
  ASSERT_TRUE(pool.Post([&] { latch.Wait(); }).ok());
  ASSERT_TRUE(latch.AwaitWaiting(1));
  ASSERT_TRUE(pool.Post([] {}).ok());
  auto held = std::make_shared<int>(0);
  std::weak_ptr<int> watch = held;
  EXPECT_FALSE(pool.Post([held = std::move(held)] {}).ok());
  EXPECT_TRUE(watch.expired());  // what it held (a login's throttle slot, say) is let go
  latch.Open();
}

TEST(BlockingPoolTest, QueueRoomComesBackAsTasksRun) {
  Latch latch;
  BlockingPool pool("test", 1, 1);
  ASSERT_TRUE(pool.Post([&] { latch.Wait(); }).ok());
  ASSERT_TRUE(latch.AwaitWaiting(1));
  std::promise<void> second_ran;
  ASSERT_TRUE(pool.Post([&] { second_ran.set_value(); }).ok());
  EXPECT_FALSE(pool.Post([] {}).ok());
  latch.Open();
  second_ran.get_future().wait();
  // The queue is empty again (the thread may still be finishing the task it took).
  EXPECT_TRUE(pool.Post([] {}).ok());
}

TEST(BlockingPoolTest, AfterShutdownTasksRunOnTheCallersThread) {
  BlockingPool pool("test", 1, 1);
  pool.Shutdown();
  bool ran = false;
  EXPECT_TRUE(pool.Post([&] { ran = true; }).ok());
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace kring::service
