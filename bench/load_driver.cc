#include "bench/load_driver.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "bench/report.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::microseconds kOpenLoopTick{200};

}  // namespace

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void OnEveryThread(IoThreads& io, const std::function<void(int)>& fn) {
  auto done = std::make_shared<Countdown>(io.size());
  for (int t = 0; t < io.size(); ++t) {
    io.Post(t, [fn, t, done] {
      fn(t);
      done->Done();
    });
  }
  Failure none;
  done->Wait(Clock::now() + std::chrono::seconds(30), none);
}

LoadDriver::LoadDriver(const FanoutOptions& options, IoThreads& io, Failure& failure,
                       MessageSender& sender)
    : options_(options), io_(io), failure_(failure), message_sender_(sender), stats_(io.size()) {}

size_t LoadDriver::AddSender(int thread) {
  LoadSender s;
  s.thread = thread;
  senders_.push_back(s);
  return senders_.size() - 1;
}

uint64_t LoadDriver::MaxOutstanding() const {
  return options_.rate > 0 ? kOpenLoopMaxOutstanding
                           : static_cast<uint64_t>(std::max(options_.window, 1));
}

bool LoadDriver::Measure(int members, FanoutResult* result) {
  if (options_.rate > 0) {
    const double n = static_cast<double>(senders_.size());
    const double per_sender_rate = options_.rate / n;
    for (size_t i = 0; i < senders_.size(); ++i) {
      senders_[i].interval_ns = 1e9 / per_sender_rate;
      senders_[i].offset_ns = senders_[i].interval_ns * static_cast<double>(i) / n;
    }
  }
  result->server_before = Usage();
  result->machine_before = ReadMachineCpu();
  const double cpu_before = SelfCpuSeconds();
  t0_ns_ = NowNs();
  sending_.store(true, std::memory_order_release);
  StartSending();
  const auto stop_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options_.duration_s));
  while (Clock::now() < stop_at && !failure_.failed()) {
    std::this_thread::sleep_until(std::min(stop_at, Clock::now() + std::chrono::milliseconds(100)));
  }
  sending_.store(false, std::memory_order_release);
  OnEveryThread(io_, [](int) {});  // after this no thread sends again
  const bool drained = Drain(static_cast<uint64_t>(members));
  result->server_after = Usage();
  result->machine_after = ReadMachineCpu();
  result->generator_cpu_s = SelfCpuSeconds() - cpu_before;
  return drained;
}

void LoadDriver::StartSending() {
  if (options_.rate <= 0) {
    for (size_t i = 0; i < senders_.size(); ++i) {
      io_.Post(senders_[i].thread, [this, i] {
        const int64_t now = NowNs();
        for (int k = 0; k < options_.window; ++k) Send(i, now);
      });
    }
    return;
  }
  for (int t = 0; t < io_.size(); ++t) {
    io_.Every(t, kOpenLoopTick, [this, t] {
      if (!sending_.load(std::memory_order_relaxed)) return false;
      const int64_t now = NowNs();
      for (size_t i = 0; i < senders_.size(); ++i) {
        LoadSender& s = senders_[i];
        if (s.thread != t) continue;
        // Every message due by now goes out stamped with the time it was due.
        for (;;) {
          const double due = static_cast<double>(t0_ns_) + s.offset_ns +
                             s.interval_ns * static_cast<double>(s.scheduled);
          if (due > static_cast<double>(now)) break;
          ++s.scheduled;
          if (s.outstanding >= kOpenLoopMaxOutstanding) {
            ++stats_[t].missed;
            continue;
          }
          Send(i, static_cast<int64_t>(due));
        }
      }
      return true;
    });
  }
}

bool LoadDriver::Drain(uint64_t members) {
  const auto deadline = Clock::now() + options_.drain_deadline;
  while (!failure_.failed()) {
    uint64_t sent = 0, acked = 0, deliveries = 0;
    for (auto& s : stats_) {
      sent += s.sent.load(std::memory_order_relaxed);
      acked += s.acked.load(std::memory_order_relaxed);
      deliveries += s.deliveries.load(std::memory_order_relaxed);
    }
    if (acked == sent && deliveries >= acked * members) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling, bounded above
  }
  return false;
}

LoadErrors LoadDriver::Collect(int members, FanoutResult* r) {
  Histogram delivery, ack;
  int64_t last_ns = t0_ns_;
  LoadErrors errors;
  for (auto& s : stats_) {
    r->sent += s.sent.load();
    r->acked += s.acked.load();
    r->deliveries += s.deliveries.load();
    r->missed_sends += s.missed;
    last_ns = std::max(last_ns, s.last_event_ns.load());
    delivery.Merge(s.delivery_latency);
    ack.Merge(s.ack_latency);
    errors.count += s.errors;
    if (errors.first.empty()) errors.first = s.first_error;
  }
  r->expected_deliveries = r->acked * static_cast<uint64_t>(members);
  r->elapsed_s = static_cast<double>(last_ns - t0_ns_) / 1e9;
  if (r->elapsed_s > 0) {
    r->acked_per_s = static_cast<double>(r->acked) / r->elapsed_s;
    r->deliveries_per_s = static_cast<double>(r->deliveries) / r->elapsed_s;
  }
  r->delivery = SummarizeLatency(delivery);
  r->ack = SummarizeLatency(ack);
  return errors;
}

void LoadDriver::Error(int thread, std::string what) {
  ThreadStats& stats = stats_[thread];
  if (stats.errors++ == 0) stats.first_error = std::move(what);
}

std::optional<ProcessUsage> LoadDriver::Usage() const {
  if (options_.server_pid <= 0) return std::nullopt;
  return ReadProcessUsage(options_.server_pid);
}

}  // namespace kring::bench
