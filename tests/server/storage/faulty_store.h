// FaultyStore: a Store for tests that wraps another Store and fails on command, to check that
// callers handle storage errors (answer with an error, keep no half-applied state in memory,
// send no events for a write that did not happen).
//
//   MemoryStore memory;
//   FaultyStore store(memory);           // passes everything through until told otherwise
//   store.FailWritesAfter(2);            // the next 2 Write calls pass, every later one fails
//   store.FailNextWrite();               // exactly the next Write call fails
//   store.FailReads(true);               // every Get and Scan fails until FailReads(false)
//   store.Heal();                        // clears every armed fault
//   store.HoldWrites();                  // Write calls wait (the writer mid-commit) until
//   store.WaitWriteHeld();               //   ReleaseWrites(); WaitWriteHeld: one is waiting
//
// An injected failure returns Code::kInternal with a detail starting "faulty_store: injected"
// and leaves the wrapped store untouched: the batch applies nothing, as with a real failed write.
// Faults are counted in Write calls, not mutations. When both are armed, a call that
// FailNextWrite fails still uses up one call of the FailWritesAfter budget.
//
// writes_attempted() counts every Write call; writes_applied() counts those the wrapped store
// accepted. A failure from the wrapped store itself is passed through and not counted as applied.
//
// Thread-safety: all methods may be called concurrently. The fault decision is made under a
// mutex, but the wrapped store is called outside it, so concurrent writes stay concurrent. The
// wrapped store must outlive the FaultyStore.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "server/storage/store.h"

namespace kring::storage {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}
  FaultyStore(const FaultyStore&) = delete;
  FaultyStore& operator=(const FaultyStore&) = delete;

  // The next `n` Write calls (counted from now) pass through; every later one fails until Heal().
  void FailWritesAfter(size_t n) {
    std::lock_guard lock(mu_);
    writes_before_failure_ = n;
  }

  // Exactly the next Write call fails.
  void FailNextWrite() {
    std::lock_guard lock(mu_);
    fail_next_write_ = true;
  }

  // While on, every Get and Scan fails (without calling the visitor).
  void FailReads(bool fail) {
    std::lock_guard lock(mu_);
    fail_reads_ = fail;
  }

  // Disarms every fault. Counters are kept.
  void Heal() {
    std::lock_guard lock(mu_);
    writes_before_failure_.reset();
    fail_next_write_ = false;
    fail_reads_ = false;
  }

  // From now on, Write calls wait before they reach the wrapped store, until ReleaseWrites():
  // the writer stops between applying a group and committing it, so tests can order requests
  // around a change that is applied but not yet stored.
  void HoldWrites() {
    std::lock_guard lock(mu_);
    holding_ = true;
  }
  // Waits until a Write is held; false if none came within `deadline`.
  bool WaitWriteHeld(std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return held_ > 0; });
  }
  void ReleaseWrites() {
    std::lock_guard lock(mu_);
    holding_ = false;
    cv_.notify_all();
  }

  size_t writes_attempted() const {
    std::lock_guard lock(mu_);
    return writes_attempted_;
  }

  size_t writes_applied() const {
    std::lock_guard lock(mu_);
    return writes_applied_;
  }

  [[nodiscard]] StatusOr<std::optional<std::string>> Get(Table table,
                                                         std::string_view key) const override {
    if (ReadsFail()) return Internal("faulty_store: injected read failure");
    return inner_.Get(table, key);
  }

  [[nodiscard]] Status Scan(Table table, std::string_view begin, std::string_view end, size_t limit,
                            const ScanVisitor& visit) const override {
    if (ReadsFail()) return Internal("faulty_store: injected read failure");
    return inner_.Scan(table, begin, end, limit, visit);
  }

  [[nodiscard]] Status Write(const WriteBatch& batch, bool sync) override {
    {
      std::unique_lock lock(mu_);
      ++held_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !holding_; });
      --held_;
    }
    if (WriteFails()) return Internal("faulty_store: injected write failure");
    Status status = inner_.Write(batch, sync);
    if (status.ok()) {
      std::lock_guard lock(mu_);
      ++writes_applied_;
    }
    return status;
  }

 private:
  bool ReadsFail() const {
    std::lock_guard lock(mu_);
    return fail_reads_;
  }

  // Counts the attempt and decides, in one critical section, whether it fails.
  bool WriteFails() {
    std::lock_guard lock(mu_);
    ++writes_attempted_;
    bool fail = fail_next_write_;
    fail_next_write_ = false;
    if (writes_before_failure_.has_value()) {
      if (*writes_before_failure_ == 0) {
        fail = true;
      } else {
        --*writes_before_failure_;
      }
    }
    return fail;
  }

  Store& inner_;
  mutable std::mutex mu_;
  std::optional<size_t> writes_before_failure_;  // guarded by mu_; nullopt: not armed
  bool fail_next_write_ = false;                 // guarded by mu_
  bool fail_reads_ = false;                      // guarded by mu_
  size_t writes_attempted_ = 0;                  // guarded by mu_
  size_t writes_applied_ = 0;                    // guarded by mu_
  std::condition_variable cv_;
  bool holding_ = false;  // guarded by mu_
  int held_ = 0;          // Write calls waiting on holding_; guarded by mu_
};

}  // namespace kring::storage
