#include "bench/fanout.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "bench/histogram.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kStampDigits = 16;
constexpr std::chrono::microseconds kOpenLoopTick{200};
// Open loop: unacknowledged messages one sender may have before it skips sends (and says so).
constexpr uint64_t kOpenLoopMaxOutstanding = 1 << 14;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void WriteHex16(char* out, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 15];
}

bool ReadHex16(std::string_view s, uint64_t* v) {
  if (s.size() < kStampDigits) return false;
  uint64_t r = 0;
  for (size_t i = 0; i < kStampDigits; ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    r = r << 4 | static_cast<uint64_t>(d);
  }
  *v = r;
  return true;
}

// Counters written only by their own io thread and read by the main thread while running:
// relaxed atomics, bumped without a locked instruction.
void Bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

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

// One posting peer. Its PostMessage frame is serialized once and patched in place per message:
// the request id (a 6-byte varint: every id from 2^35 on has that length), client_msg_id and
// the timestamp at the start of the text have fixed widths.
struct Sender {
  Peer* peer = nullptr;
  int thread = 0;
  std::string frame;
  size_t msg_id_offset = 0;
  size_t stamp_offset = 0;
  uint64_t sent = 0;  // request id = kHotRequestIdBase + sent
  uint64_t acked = 0;
  uint64_t max_seq = 0;
  uint64_t outstanding = 0;
  std::vector<int64_t> sent_at;  // ring by request number, size a power of two
  // Open loop.
  double interval_ns = 0;
  double offset_ns = 0;  // staggers the senders' schedules
  uint64_t scheduled = 0;
};

LatencySummary Summarize(const Histogram& h) {
  LatencySummary s;
  s.count = h.count();
  auto ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };
  s.p50_ms = ms(h.Quantile(0.50));
  s.p90_ms = ms(h.Quantile(0.90));
  s.p99_ms = ms(h.Quantile(0.99));
  s.p999_ms = ms(h.Quantile(0.999));
  s.max_ms = ms(h.max());
  s.mean_ms = h.mean() / 1e6;
  return s;
}

class Fanout final : public HotListener {
 public:
  Fanout(const FanoutOptions& options, World& world, IoThreads& io, Failure& failure)
      : options_(options),
        world_(world),
        io_(io),
        failure_(failure),
        stats_(io.size()),
        received_(world.peers.size(), 0),
        sender_of_(world.peers.size(), -1) {}

  FanoutResult Run() {
    FanoutResult result;
    Prepare();
    if (failure_.failed()) return Abort(result);

    result.server_before = Usage();
    result.machine_before = ReadMachineCpu();
    const double cpu_before = SelfCpuSeconds();
    t0_ns_ = NowNs();
    sending_.store(true, std::memory_order_release);
    StartSending();
    const auto stop_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options_.duration_s));
    while (Clock::now() < stop_at && !failure_.failed()) {
      std::this_thread::sleep_until(
          std::min(stop_at, Clock::now() + std::chrono::milliseconds(100)));
    }
    sending_.store(false, std::memory_order_release);
    OnEveryThread([] {});  // after this no thread sends again
    const bool drained = Drain();
    result.server_after = Usage();
    result.machine_after = ReadMachineCpu();
    result.generator_cpu_s = SelfCpuSeconds() - cpu_before;

    CloseWorld(world_, io_, Clock::now() + std::chrono::seconds(10));
    io_.Stop();  // from here on every thread's state is ours to read
    Collect(&result);
    if (!drained && result.problem.empty()) {
      result.problem = "not drained within " + std::to_string(options_.drain_deadline.count()) +
                       " s: " + std::to_string(result.acked) + " of " +
                       std::to_string(result.sent) + " acknowledged, " +
                       std::to_string(result.deliveries) + " of " +
                       std::to_string(result.expected_deliveries) + " deliveries";
    }
    return result;
  }

  void OnMessagePosted(Peer& peer, const wire::HotFrame& frame) override {
    const int64_t now = NowNs();
    ThreadStats& stats = stats_[peer.thread()];
    const size_t p = peer.index();
    uint64_t stamp;
    if (frame.thread_id != world_.network_of(p).thread_id || frame.seq != received_[p] + 1 ||
        !ReadHex16(frame.text, &stamp)) {
      Error(stats, "peer " + std::to_string(p) + ": MessagePosted thread " +
                       std::to_string(frame.thread_id) + " seq " + std::to_string(frame.seq) +
                       " after seq " + std::to_string(received_[p]) + " (a gap or a duplicate)");
    } else {
      stats.delivery_latency.Record(now - static_cast<int64_t>(stamp));
    }
    received_[p] = std::max(received_[p], frame.seq);
    Bump(stats.deliveries);
    stats.last_event_ns.store(now, std::memory_order_relaxed);
  }

  void OnResponse(Peer& peer, const wire::HotFrame& frame) override {
    const int64_t now = NowNs();
    ThreadStats& stats = stats_[peer.thread()];
    const int index = sender_of_[peer.index()];
    if (index < 0) return Error(stats, "a PostMessage answer on a peer that never posted");
    Sender& s = senders_[index];
    const uint64_t number = frame.request_id - Peer::kHotRequestIdBase;
    if (frame.has_error || !frame.has_post_result || number >= s.sent) {
      return Error(stats, "peer " + std::to_string(peer.index()) + ": PostMessage " +
                              std::to_string(number) + " failed or was never sent");
    }
    --s.outstanding;
    ++s.acked;
    s.max_seq = std::max(s.max_seq, frame.post_seq);
    stats.ack_latency.Record(now - s.sent_at[number & (s.sent_at.size() - 1)]);
    Bump(stats.acked);
    stats.last_event_ns.store(now, std::memory_order_relaxed);
    if (options_.rate <= 0 && sending_.load(std::memory_order_relaxed)) Send(s, now);
  }

 private:
  void Error(ThreadStats& stats, std::string what) {
    if (stats.errors++ == 0) stats.first_error = std::move(what);
  }

  std::optional<ProcessUsage> Usage() const {
    if (options_.server_pid <= 0) return std::nullopt;
    return ReadProcessUsage(options_.server_pid);
  }

  // Runs fn on every io thread and waits for all of them.
  void OnEveryThread(std::function<void(int)> fn) {
    auto done = std::make_shared<Countdown>(io_.size());
    for (int t = 0; t < io_.size(); ++t) {
      io_.Post(t, [fn, t, done] {
        fn(t);
        done->Done();
      });
    }
    Failure none;
    done->Wait(Clock::now() + std::chrono::seconds(30), none);
  }
  void OnEveryThread(std::function<void()> fn) {
    OnEveryThread([fn](int) { fn(); });
  }

  // Builds the senders' frames and hands every peer to this listener, each on its own thread.
  void Prepare() {
    const int m = world_.members;
    const int k = std::clamp(options_.senders_per_network, 1, m);
    for (size_t n = 0; n < world_.networks.size(); ++n) {
      for (int j = 0; j < k; ++j) {
        size_t p = n * m + j;
        sender_of_[p] = static_cast<int>(senders_.size());
        Sender s;
        s.peer = world_.peers[p].get();
        s.thread = s.peer->thread();
        senders_.push_back(std::move(s));
      }
    }
    const uint64_t ring = std::bit_ceil(static_cast<uint64_t>(
        options_.rate > 0 ? kOpenLoopMaxOutstanding : std::max(options_.window, 1)));
    const double per_sender_rate = options_.rate / static_cast<double>(senders_.size());
    for (size_t i = 0; i < senders_.size(); ++i) {
      Sender& s = senders_[i];
      const NetworkInfo& info = world_.network_of(s.peer->index());
      v1::ClientFrame f;
      f.set_request_id(Peer::kHotRequestIdBase);
      auto* post = f.mutable_post_message();
      post->set_network_id(info.network_id);
      post->set_thread_id(info.thread_id);
      post->set_client_msg_id(std::string(16, 'I'));
      std::string text(kStampDigits, 'T');
      text.push_back(' ');
      text.resize(std::max<size_t>(options_.message_bytes, text.size()), 'x');
      post->set_text(text);
      s.frame = f.SerializeAsString();
      s.msg_id_offset = s.frame.find(std::string(16, 'I'));
      s.stamp_offset = s.frame.find(std::string(kStampDigits, 'T'));
      s.sent_at.assign(ring, 0);
      if (options_.rate > 0) {
        s.interval_ns = 1e9 / per_sender_rate;
        s.offset_ns = s.interval_ns * static_cast<double>(i) / static_cast<double>(senders_.size());
      }
    }
    OnEveryThread([this](int t) {
      for (auto& peer : world_.peers) {
        if (peer->thread() == t) peer->set_listener(this);
      }
    });
  }

  void Send(Sender& s, int64_t stamp_ns) {
    const uint64_t number = s.sent++;
    const uint64_t id = Peer::kHotRequestIdBase + number;
    char* frame = s.frame.data();
    // ClientFrame.request_id (field 1, varint) is the frame's first field: tag byte, then 6.
    uint64_t v = id;
    for (int i = 1; i <= 6; ++i, v >>= 7) {
      frame[i] = static_cast<char>((v & 0x7f) | (i < 6 ? 0x80 : 0));
    }
    WriteHex16(frame + s.msg_id_offset, number);
    WriteHex16(frame + s.stamp_offset, static_cast<uint64_t>(stamp_ns));
    s.sent_at[number & (s.sent_at.size() - 1)] = stamp_ns;
    ++s.outstanding;
    Bump(stats_[s.thread].sent);
    s.peer->SendRaw(s.frame);
  }

  void StartSending() {
    if (options_.rate <= 0) {
      for (Sender& s : senders_) {
        io_.Post(s.thread, [this, &s] {
          const int64_t now = NowNs();
          for (int i = 0; i < options_.window; ++i) Send(s, now);
        });
      }
      return;
    }
    for (int t = 0; t < io_.size(); ++t) {
      io_.Every(t, kOpenLoopTick, [this, t] {
        if (!sending_.load(std::memory_order_relaxed)) return false;
        const int64_t now = NowNs();
        for (Sender& s : senders_) {
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
            Send(s, static_cast<int64_t>(due));
          }
        }
        return true;
      });
    }
  }

  // Waits until every sent message is acknowledged and delivered to every member.
  bool Drain() {
    const auto deadline = Clock::now() + options_.drain_deadline;
    const uint64_t m = static_cast<uint64_t>(world_.members);
    while (!failure_.failed()) {
      uint64_t sent = 0, acked = 0, deliveries = 0;
      for (auto& s : stats_) {
        sent += s.sent.load(std::memory_order_relaxed);
        acked += s.acked.load(std::memory_order_relaxed);
        deliveries += s.deliveries.load(std::memory_order_relaxed);
      }
      if (acked == sent && deliveries >= acked * m) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling, bounded above
    }
    return false;
  }

  void Collect(FanoutResult* r) {
    Histogram delivery, ack;
    int64_t last_ns = t0_ns_;
    uint64_t errors = 0;
    std::string first_error;
    for (auto& s : stats_) {
      r->sent += s.sent.load();
      r->acked += s.acked.load();
      r->deliveries += s.deliveries.load();
      r->missed_sends += s.missed;
      last_ns = std::max(last_ns, s.last_event_ns.load());
      delivery.Merge(s.delivery_latency);
      ack.Merge(s.ack_latency);
      errors += s.errors;
      if (first_error.empty()) first_error = s.first_error;
    }
    r->expected_deliveries = r->acked * static_cast<uint64_t>(world_.members);
    r->elapsed_s = static_cast<double>(last_ns - t0_ns_) / 1e9;
    if (r->elapsed_s > 0) {
      r->acked_per_s = static_cast<double>(r->acked) / r->elapsed_s;
      r->deliveries_per_s = static_cast<double>(r->deliveries) / r->elapsed_s;
    }
    r->delivery = Summarize(delivery);
    r->ack = Summarize(ack);

    // Each network's thread must hold exactly its acknowledged messages, seqs 1..acked, and
    // every member must have received all of them.
    std::vector<uint64_t> acked_in(world_.networks.size(), 0), max_seq(world_.networks.size(), 0);
    for (const Sender& s : senders_) {
      const size_t n = s.peer->index() / world_.members;
      acked_in[n] += s.acked;
      max_seq[n] = std::max(max_seq[n], s.max_seq);
    }
    std::string problem;
    for (size_t n = 0; n < acked_in.size() && problem.empty(); ++n) {
      if (max_seq[n] != acked_in[n]) {
        problem = "network " + std::to_string(n) + ": " + std::to_string(acked_in[n]) +
                  " messages acknowledged but the highest seq is " + std::to_string(max_seq[n]);
      }
    }
    for (size_t p = 0; p < received_.size() && problem.empty(); ++p) {
      const uint64_t want = acked_in[p / world_.members];
      if (received_[p] != want) {
        problem = "peer " + std::to_string(p) + " received through seq " +
                  std::to_string(received_[p]) + " of " + std::to_string(want) + " (missing)";
      }
    }
    if (errors > 0) {
      problem =
          std::to_string(errors) + " delivery or acknowledgement errors; the first: " + first_error;
    } else if (problem.empty() && r->deliveries != r->expected_deliveries) {
      problem = std::to_string(r->deliveries) + " deliveries, expected " +
                std::to_string(r->expected_deliveries) + " (acks × members)";
    } else if (problem.empty() && r->acked == 0) {
      problem = "no message was acknowledged";
    }
    if (failure_.failed()) problem = failure_.what();
    r->problem = problem;
  }

  FanoutResult Abort(FanoutResult& r) {
    CloseWorld(world_, io_, Clock::now() + std::chrono::seconds(5));
    io_.Stop();
    r.problem = failure_.what();
    return r;
  }

  const FanoutOptions& options_;
  World& world_;
  IoThreads& io_;
  Failure& failure_;
  std::vector<ThreadStats> stats_;  // by io thread
  std::vector<Sender> senders_;
  std::vector<uint64_t> received_;  // by peer: the highest seq it received (its thread only)
  std::vector<int> sender_of_;      // by peer: index into senders_, or -1
  std::atomic<bool> sending_{false};
  int64_t t0_ns_ = 0;
};

}  // namespace

FanoutResult RunFanout(const FanoutOptions& options, World& world, IoThreads& io,
                       Failure& failure) {
  Fanout fanout(options, world, io, failure);
  return fanout.Run();
}

}  // namespace kring::bench
