// The protocol-independent half of the `fanout` scenario, shared by kringd's (bench/fanout.h)
// and the XMPP server's (bench/peers/xmpp/scenario.h): the senders' schedules (closed loop: each
// keeps `window` messages unacknowledged; open loop: a fixed total rate, spread evenly over the
// senders), the per-io-thread counters and histograms, the drain and the merge into a
// FanoutResult. The scenario owns the connections and the frames: it sends each message when
// the driver asks (MessageSender) and reports acks, deliveries and errors back.
//
// Threads: AddSender, Measure and Collect run on the main thread; Measure blocks for the run.
// Everything a scenario calls from its listeners (Acked, Delivered, Error, sender) runs on the
// io thread that owns the sender or the peer, never sharing a mutable field between threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/fanout.h"
#include "bench/histogram.h"
#include "bench/peer.h"
#include "bench/ws_client.h"

namespace kring::bench {

// Open loop: unacknowledged messages one sender may have before it skips sends (and says so).
inline constexpr uint64_t kOpenLoopMaxOutstanding = 1 << 14;

// The steady clock in ns: the stamps in the messages and every latency.
int64_t NowNs();

// Runs fn(thread) on every io thread and waits (up to 30 s) for all of them. Blocks.
void OnEveryThread(IoThreads& io, const std::function<void(int)>& fn);

// Builds and sends the frames; implemented by each scenario.
class MessageSender {
 public:
  virtual ~MessageSender() = default;
  // Sends message `number` (0, 1, 2, ... per sender) of sender `sender` stamped `stamp_ns`
  // (the send time; in open loop the time it was due). On the sender's io thread, once per
  // message: no allocation expected.
  virtual void SendMessage(size_t sender, uint64_t number, int64_t stamp_ns) = 0;
};

// One posting connection's schedule and counts; touched by its io thread only while running.
struct LoadSender {
  int thread = 0;
  uint64_t sent = 0;  // also the next message's number
  uint64_t acked = 0;
  uint64_t outstanding = 0;
  // Open loop.
  double interval_ns = 0;
  double offset_ns = 0;  // staggers the senders' schedules
  uint64_t scheduled = 0;
};

// The errors the io threads reported, for the scenario's verdict.
struct LoadErrors {
  uint64_t count = 0;
  std::string first;
};

class LoadDriver {
 public:
  // `options`, `io`, `failure` and `sender` must outlive the driver; `sender` is not called
  // before Measure.
  LoadDriver(const FanoutOptions& options, IoThreads& io, Failure& failure, MessageSender& sender);

  // Adds a sender whose connection runs on io thread `thread`; returns its index (0, 1, ...),
  // the `sender` argument of SendMessage. Before Measure.
  size_t AddSender(int thread);
  // The size a ring of per-message send times needs: the most messages one sender can have
  // unacknowledged.
  uint64_t MaxOutstanding() const;

  // Measures the server and the machine, sends for the duration, then waits (up to the drain
  // deadline) until every sent message is acknowledged and delivered to `members` members.
  // Fills the CPU and RSS figures of `result`; returns whether the run drained. Blocks.
  bool Measure(int members, FanoutResult* result);
  // Adds the counts and latencies to `result` (expected deliveries: acked × members) and
  // returns the errors. Only after the io threads stopped.
  LoadErrors Collect(int members, FanoutResult* result);

  // On the sender's io thread: the ack of a message sent at `sent_ns`. In closed loop, while
  // sending, the next message goes out at once.
  void Acked(size_t sender, int64_t now_ns, int64_t sent_ns) {
    LoadSender& s = senders_[sender];
    ThreadStats& stats = stats_[s.thread];
    --s.outstanding;
    ++s.acked;
    stats.ack_latency.Record(now_ns - sent_ns);
    Bump(stats.acked);
    stats.last_event_ns.store(now_ns, std::memory_order_relaxed);
    if (options_.rate <= 0 && sending_.load(std::memory_order_relaxed)) Send(sender, now_ns);
  }
  // On the receiving peer's io thread: one delivery, with the message's send stamp when it
  // passed the scenario's checks (nullopt: counted, but its latency is not recorded).
  void Delivered(int thread, int64_t now_ns, std::optional<int64_t> sent_ns) {
    ThreadStats& stats = stats_[thread];
    if (sent_ns) stats.delivery_latency.Record(now_ns - *sent_ns);
    Bump(stats.deliveries);
    stats.last_event_ns.store(now_ns, std::memory_order_relaxed);
  }
  // On io thread `thread`: a failed check; the first one per thread is kept.
  void Error(int thread, std::string what);

  const LoadSender& sender(size_t index) const { return senders_[index]; }
  size_t sender_count() const { return senders_.size(); }

 private:
  // Written only by its own io thread and read by the main thread while running: relaxed
  // atomics, bumped without a locked instruction. Aligned so threads do not share a line.
  struct alignas(64) ThreadStats {
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> acked{0};
    std::atomic<uint64_t> deliveries{0};
    std::atomic<int64_t> last_event_ns{0};
    uint64_t errors = 0;
    uint64_t missed = 0;
    std::string first_error;
    Histogram delivery_latency;
    Histogram ack_latency;
  };

  static void Bump(std::atomic<uint64_t>& counter) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  void Send(size_t sender, int64_t stamp_ns) {
    LoadSender& s = senders_[sender];
    const uint64_t number = s.sent++;
    ++s.outstanding;
    Bump(stats_[s.thread].sent);
    message_sender_.SendMessage(sender, number, stamp_ns);
  }

  void StartSending();
  bool Drain(uint64_t members);
  std::optional<ProcessUsage> Usage() const;

  const FanoutOptions& options_;
  IoThreads& io_;
  Failure& failure_;
  MessageSender& message_sender_;
  std::vector<ThreadStats> stats_;  // by io thread
  std::vector<LoadSender> senders_;
  std::atomic<bool> sending_{false};
  int64_t t0_ns_ = 0;
};

}  // namespace kring::bench
