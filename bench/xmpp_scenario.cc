#include "bench/xmpp_scenario.h"

#include <algorithm>
#include <thread>

#include "bench/peer.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kHex = xmpp::kHexDigits;
constexpr std::chrono::microseconds kOpenLoopTick{200};
constexpr uint64_t kOpenLoopMaxOutstanding = 1 << 14;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Written by its own io thread only, read by the main thread: no locked instruction needed.
void Bump(std::atomic<uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

LatencySummary Summarize(const Histogram& h) {
  auto ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };
  LatencySummary s;
  s.count = h.count();
  s.p50_ms = ms(h.Quantile(0.50));
  s.p90_ms = ms(h.Quantile(0.90));
  s.p99_ms = ms(h.Quantile(0.99));
  s.p999_ms = ms(h.Quantile(0.999));
  s.max_ms = ms(h.max());
  s.mean_ms = h.mean() / 1e6;
  return s;
}

}  // namespace

std::string RoomJid(const XmppBenchOptions& o, size_t network) {
  return o.prefix + "n" + std::to_string(network) + "@" + o.muc;
}

XmppScenario::XmppScenario(const XmppBenchOptions& options,
                           std::vector<std::unique_ptr<XmppPeer>>& peers, IoThreads& io,
                           Failure& failure)
    : options_(options),
      peers_(peers),
      io_(io),
      failure_(failure),
      members_(options.members),
      senders_per_room_(std::clamp(options.fanout.senders_per_network, 1, options.members)),
      stats_(io.size()),
      received_(peers.size() * senders_per_room_, 0) {}

FanoutResult XmppScenario::Run() {
  FanoutResult result;
  Prepare();
  result.server_before = Usage();
  result.machine_before = ReadMachineCpu();
  const double cpu_before = SelfCpuSeconds();
  t0_ns_ = NowNs();
  sending_.store(true, std::memory_order_release);
  StartSending();
  const auto stop_at =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(options_.fanout.duration_s));
  while (Clock::now() < stop_at && !failure_.failed()) {
    std::this_thread::sleep_until(std::min(stop_at, Clock::now() + std::chrono::milliseconds(100)));
  }
  sending_.store(false, std::memory_order_release);
  OnEveryThread([](int) {});  // after this no thread sends again
  drained_ = Drain();
  result.server_after = Usage();
  result.machine_after = ReadMachineCpu();
  result.generator_cpu_s = SelfCpuSeconds() - cpu_before;
  return result;
}

void XmppScenario::OnGroupchat(XmppPeer& peer, const xmpp::Stanza& message) {
  const int64_t now = NowNs();
  ThreadStats& stats = stats_[peer.thread()];
  const size_t p = peer.index();
  const int from = xmpp::MemberOfOccupant(message.from);
  uint64_t stamp = 0, number = 0;
  if (from < 0 || from >= senders_per_room_ || !xmpp::ReadHex16(message.body, &stamp) ||
      !xmpp::ReadHex16(message.body.substr(std::min(message.body.size(), kHex + 1)), &number)) {
    return Error(stats, "peer " + std::to_string(p) + ": a groupchat message not ours from " +
                            std::string(message.from));
  }
  uint64_t& last = received_[p * senders_per_room_ + from];
  if (number != last + 1) {
    Error(stats, "peer " + std::to_string(p) + ": message " + std::to_string(number) +
                     " of member " + std::to_string(from) + " after " + std::to_string(last) +
                     " (a gap or a duplicate)");
  } else if (message.stanza_id.empty()) {
    Error(stats, "peer " + std::to_string(p) + ": message " + std::to_string(number) +
                     " delivered without a stanza-id (not archived)");
  } else {
    stats.delivery_latency.Record(now - static_cast<int64_t>(stamp));
  }
  last = std::max(last, number);
  Bump(stats.deliveries);
  stats.last_event_ns.store(now, std::memory_order_relaxed);
  if (static_cast<size_t>(from) != p % members_) return;

  // The sender's own echo: the ack.
  Sender& s = senders_[p / members_ * senders_per_room_ + from];
  --s.outstanding;
  ++s.acked;
  stats.ack_latency.Record(now - static_cast<int64_t>(stamp));
  Bump(stats.acked);
  if (options_.fanout.rate <= 0 && sending_.load(std::memory_order_relaxed)) Send(s, now);
}

void XmppScenario::Error(ThreadStats& stats, std::string what) {
  if (stats.errors++ == 0) stats.first_error = std::move(what);
}

std::optional<ProcessUsage> XmppScenario::Usage() const {
  if (options_.fanout.server_pid <= 0) return std::nullopt;
  return ReadProcessUsage(options_.fanout.server_pid);
}

void XmppScenario::OnEveryThread(std::function<void(int)> fn) {
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

void XmppScenario::Prepare() {
  const size_t rooms = peers_.size() / members_;
  const double per_sender_rate =
      options_.fanout.rate / static_cast<double>(rooms * senders_per_room_);
  std::string body(kHex, 'T');
  body += ' ';
  body += std::string(kHex, 'N');
  body += ' ';
  body.resize(std::max<size_t>(options_.fanout.message_bytes, body.size()), 'x');
  for (size_t n = 0; n < rooms; ++n) {
    for (int j = 0; j < senders_per_room_; ++j) {
      Sender s;
      s.peer = peers_[n * members_ + j].get();
      s.thread = s.peer->thread();
      s.frame = xmpp::GroupchatFrame(RoomJid(options_, n), std::string(kHex, 'I'), body);
      s.id_offset = s.frame.find(std::string(kHex, 'I'));
      s.stamp_offset = s.frame.find(std::string(kHex, 'T'));
      s.number_offset = s.frame.find(std::string(kHex, 'N'));
      if (options_.fanout.rate > 0) {
        s.interval_ns = 1e9 / per_sender_rate;
        s.offset_ns = s.interval_ns * static_cast<double>(senders_.size()) /
                      static_cast<double>(rooms * senders_per_room_);
      }
      senders_.push_back(std::move(s));
    }
  }
  OnEveryThread([this](int t) {
    for (auto& peer : peers_) {
      if (peer->thread() == t) peer->set_listener(this);
    }
  });
}

void XmppScenario::Send(Sender& s, int64_t stamp_ns) {
  const uint64_t number = ++s.sent;
  char* frame = s.frame.data();
  xmpp::WriteHex16(frame + s.id_offset, number);
  xmpp::WriteHex16(frame + s.number_offset, number);
  xmpp::WriteHex16(frame + s.stamp_offset, static_cast<uint64_t>(stamp_ns));
  ++s.outstanding;
  Bump(stats_[s.thread].sent);
  s.peer->SendRaw(s.frame);
}

void XmppScenario::StartSending() {
  if (options_.fanout.rate <= 0) {
    for (Sender& s : senders_) {
      io_.Post(s.thread, [this, &s] {
        const int64_t now = NowNs();
        for (int i = 0; i < options_.fanout.window; ++i) Send(s, now);
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

bool XmppScenario::Drain() {
  const auto deadline = Clock::now() + options_.fanout.drain_deadline;
  const uint64_t m = static_cast<uint64_t>(members_);
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

void XmppScenario::Collect(FanoutResult* r) {
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
  r->expected_deliveries = r->acked * static_cast<uint64_t>(members_);
  r->elapsed_s = static_cast<double>(last_ns - t0_ns_) / 1e9;
  if (r->elapsed_s > 0) {
    r->acked_per_s = static_cast<double>(r->acked) / r->elapsed_s;
    r->deliveries_per_s = static_cast<double>(r->deliveries) / r->elapsed_s;
  }
  r->delivery = Summarize(delivery);
  r->ack = Summarize(ack);

  // Every member must have received exactly the messages each sender of its room got back.
  std::string problem;
  for (size_t p = 0; p < peers_.size() && problem.empty(); ++p) {
    for (int j = 0; j < senders_per_room_ && problem.empty(); ++j) {
      const uint64_t want = senders_[p / members_ * senders_per_room_ + j].acked;
      const uint64_t got = received_[p * senders_per_room_ + j];
      if (got != want) {
        problem = "peer " + std::to_string(p) + " received through message " + std::to_string(got) +
                  " of member " + std::to_string(j) + ", which had " + std::to_string(want) +
                  " echoed";
      }
    }
  }
  if (errors > 0) {
    problem = std::to_string(errors) + " delivery errors; the first: " + first_error;
  } else if (!drained_ && problem.empty()) {
    problem = "not drained within " + std::to_string(options_.fanout.drain_deadline.count()) +
              " s: " + std::to_string(r->acked) + " of " + std::to_string(r->sent) + " echoed";
  } else if (problem.empty() && r->deliveries != r->expected_deliveries) {
    problem = std::to_string(r->deliveries) + " deliveries, expected " +
              std::to_string(r->expected_deliveries) + " (echoes × members)";
  } else if (problem.empty() && r->acked == 0) {
    problem = "no message was echoed";
  }
  if (failure_.failed()) problem = failure_.what();
  r->problem = problem;
}

std::string XmppScenario::CheckArchive(const std::vector<int64_t>& archived) const {
  if (archived.size() * members_ != peers_.size()) return "the archive was not counted";
  for (size_t n = 0; n < archived.size(); ++n) {
    uint64_t sent = 0;
    for (int j = 0; j < senders_per_room_; ++j) sent += senders_[n * senders_per_room_ + j].sent;
    if (archived[n] < 0) return "room " + RoomJid(options_, n) + ": no MAM count";
    if (static_cast<uint64_t>(archived[n]) != sent) {
      return "room " + RoomJid(options_, n) + ": " + std::to_string(archived[n]) +
             " messages archived, " + std::to_string(sent) + " sent";
    }
  }
  return "";
}

}  // namespace kring::bench
