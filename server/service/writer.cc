#include "server/service/writer.h"

#include <pthread.h>

#include <utility>
#include <vector>

namespace kring::service {

Writer::Writer(storage::Store& store, size_t max_group)
    : store_(store), max_group_(max_group == 0 ? 1 : max_group) {}

Writer::~Writer() { Stop(); }

void Writer::WatchTables(storage::TableMask tables, std::function<void()> changed) {
  watched_tables_ = tables;
  on_watched_change_ = std::move(changed);
}

void Writer::Start() {
  std::lock_guard lock(mu_);
  if (running_ || stopping_) return;
  running_ = true;
  thread_ = std::thread([this] {
    // Named for top -H, perf and kring-bench's per-thread report.
    pthread_setname_np(pthread_self(), "kringd-writer");
    Loop();
  });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
}

bool Writer::running() const {
  std::lock_guard lock(mu_);
  return running_ && !stopping_;
}

void Writer::Submit(Op op) {
  {
    std::lock_guard lock(mu_);
    if (running_ && !stopping_) {
      queue_.push_back(std::move(op));
      cv_.notify_one();
      return;
    }
  }
  op.done(Internal("the server is shutting down"));
}

void Writer::Loop() {
  std::deque<Op> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is applied
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ApplyGroup(group);
    group.clear();
  }
}

void Writer::ApplyGroup(std::deque<Op>& group) {
  storage::Transaction txn(store_);
  std::vector<Status> outcomes;
  outcomes.reserve(group.size());
  for (Op& op : group) {
    storage::Transaction child(&txn);
    Status status = op.apply(child);
    const bool watched_change = (child.touched_tables() & watched_tables_) != 0;
    if (status.ok()) {
      child.CommitToParent();
    } else if (op.on_failure) {
      storage::Transaction record(&txn);
      if (op.on_failure(record, status).ok()) record.CommitToParent();
    }
    outcomes.push_back(std::move(status));
    if (watched_change && on_watched_change_) on_watched_change_();
  }
  Status written;
  if (!txn.empty()) written = store_.Write(txn.batch(), /*sync=*/true);
  if (!written.ok() && on_watched_change_) on_watched_change_();
  for (size_t i = 0; i < group.size(); ++i) {
    if (!outcomes[i].ok()) {
      group[i].done(outcomes[i]);
    } else if (!written.ok()) {
      group[i].done(Internal("the change could not be stored; nothing was written"));
    } else {
      group[i].done(Status::Ok());
    }
  }
}

}  // namespace kring::service
