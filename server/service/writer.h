// The single writer: every state change of kringd passes through here.
//
// Requests are queued as Ops. One thread takes whatever is queued (up to max_group ops), runs
// each op's `apply` in its own child Transaction over one group Transaction, writes the group's
// batch to the Store with ONE synced write (group commit: one fsync for many requests), and then
// calls each op's `done` in submission order with the outcome.
//
// Because one thread applies all changes in order, checks and writes of one op can never
// interleave with another's (sequence numbers, idempotency and membership need no locks), and
// the order of `done` calls is the commit order (events fan out in that order).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "server/core/status.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service {

class Writer {
 public:
  struct Op {
    // Runs on the writer thread. Reads and stages writes through `txn`. An error discards
    // everything this op staged. Must not block on anything but store reads.
    std::function<Status(storage::Transaction& txn)> apply;
    // Runs on the writer thread once the outcome is known: OK only if apply succeeded AND its
    // writes are durable; otherwise apply's error, or INTERNAL when the group's write failed.
    // Must not block: post slow work elsewhere.
    std::function<void(const Status& outcome)> done;
    // Optional. When apply fails, runs in a fresh child Transaction to stage what must be kept
    // about the failure itself (the audit record of a denied attempt): these writes are
    // committed with the group although apply's are not. If it fails too, nothing is kept.
    std::function<Status(storage::Transaction& txn, const Status& failure)> on_failure = nullptr;
  };

  Writer(storage::Store& store, size_t max_group);
  ~Writer();  // calls Stop()

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Before Start: `changed` runs on the writer thread after every op that staged a write to
  // one of `tables` (bits 1 << Table), whether the op succeeded or not, and after a group write
  // that failed. Caches of those tables that only the writer reads clear themselves with it.
  void WatchTables(storage::TableMask tables, std::function<void()> changed);

  void Start();
  // Applies what is already queued, then stops the thread. Later Submits fail at once with
  // INTERNAL ("shutting down"). Idempotent.
  void Stop();

  // Thread-safe; never blocks on I/O.
  void Submit(Op op);

  bool running() const;

 private:
  void Loop();
  void ApplyGroup(std::deque<Op>& group);

  storage::Store& store_;
  const size_t max_group_;
  storage::TableMask watched_tables_ = 0;
  std::function<void()> on_watched_change_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;   // guarded by mu_
  bool running_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace kring::service
