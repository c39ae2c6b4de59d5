#include "bench/report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

namespace kring::bench {
namespace {

std::string Mode(const FanoutOptions& o) {
  return o.rate > 0 ? Format("open loop, %.0f msgs/s", o.rate)
                    : Format("closed loop, window %d", o.window);
}

struct ThreadFigure {
  int tid = 0;
  std::string name;
  double cores = 0;
};

struct ServerFigures {
  bool known = false;
  double cpu_s = 0;
  double cpu_s_per_1k = 0;
  double cores = 0;
  double peak_rss_mib = 0;
  // The busiest threads over the run, busiest first: one near 1.0 core is a serial bottleneck.
  std::vector<ThreadFigure> busiest;
};

constexpr size_t kBusiestThreads = 4;

ServerFigures Server(const Span& r, uint64_t acked) {
  ServerFigures f;
  if (!r.server_before || !r.server_after) return f;
  f.known = true;
  f.cpu_s = r.server_after->cpu_seconds - r.server_before->cpu_seconds;
  f.cpu_s_per_1k = acked > 0 ? f.cpu_s / static_cast<double>(acked) * 1000 : 0;
  f.cores = r.elapsed_s > 0 ? f.cpu_s / r.elapsed_s : 0;
  f.peak_rss_mib = static_cast<double>(r.server_after->peak_rss_kib) / 1024;
  if (r.elapsed_s > 0) {
    for (const ThreadUsage& after : r.server_after->threads) {
      double before = 0;
      for (const ThreadUsage& t : r.server_before->threads) {
        if (t.tid == after.tid) before = t.cpu_seconds;
      }
      f.busiest.push_back({after.tid, after.name, (after.cpu_seconds - before) / r.elapsed_s});
    }
    std::sort(f.busiest.begin(), f.busiest.end(),
              [](const ThreadFigure& a, const ThreadFigure& b) { return a.cores > b.cores; });
    if (f.busiest.size() > kBusiestThreads) f.busiest.resize(kBusiestThreads);
  }
  return f;
}

// The machine over the run: how busy it was, and how much of that was neither kringd nor the
// generator (other processes on a shared machine).
struct MachineFigures {
  bool known = false;
  int cores = 0;
  double busy_cores = 0;
  double others_cores = 0;
};

MachineFigures Machine(const Span& r) {
  MachineFigures m;
  if (!r.machine_before || !r.machine_after || r.machine_after->cores <= 0) return m;
  const double wall =
      (r.machine_after->total_seconds - r.machine_before->total_seconds) / r.machine_after->cores;
  if (wall <= 0) return m;
  m.known = true;
  m.cores = r.machine_after->cores;
  const double busy = r.machine_after->busy_seconds - r.machine_before->busy_seconds;
  double ours = r.generator_cpu_s;
  if (r.server_before && r.server_after) {
    ours += r.server_after->cpu_seconds - r.server_before->cpu_seconds;
  }
  m.busy_cores = busy / wall;
  m.others_cores = std::max(0.0, busy - ours) / wall;
  return m;
}

Span SpanOf(const FanoutResult& r) {
  Span span;
  span.server_before = r.server_before;
  span.server_after = r.server_after;
  span.machine_before = r.machine_before;
  span.machine_after = r.machine_after;
  span.generator_cpu_s = r.generator_cpu_s;
  span.elapsed_s = r.elapsed_s;
  return span;
}

// "  busiest server threads (cores): name/tid cores ...\n".
std::string BusiestHuman(const ServerFigures& s) {
  std::string h = "  busiest server threads (cores):";
  for (const ThreadFigure& t : s.busiest) {
    h += Format(" %s/%d %.2f", t.name.c_str(), t.tid, t.cores);
  }
  return h + "\n";
}

// `, "generator_cpu": {...}, "machine_cpu": {...}` (null when not known).
std::string GeneratorAndMachineJson(const Span& span, const RunInfo& info) {
  std::string j =
      Format(", \"generator_cpu\": {\"seconds\": %.3f, \"cores\": %.3f, \"threads\": %d}",
             span.generator_cpu_s, span.elapsed_s > 0 ? span.generator_cpu_s / span.elapsed_s : 0,
             info.generator_threads);
  if (const MachineFigures m = Machine(span); m.known) {
    j += Format(", \"machine_cpu\": {\"cores\": %d, \"busy_cores\": %.3f, \"others_cores\": %.3f}",
                m.cores, m.busy_cores, m.others_cores);
  } else {
    j += ", \"machine_cpu\": null";
  }
  return j;
}

// The "generator: ..." line, and the "machine: ..." line when the machine was measured.
std::string GeneratorAndMachineHuman(const Span& span, const RunInfo& info) {
  std::string h = Format(
      "  generator: %.2f CPU-s (%.2f cores, %d io threads)\n", span.generator_cpu_s,
      span.elapsed_s > 0 ? span.generator_cpu_s / span.elapsed_s : 0, info.generator_threads);
  if (const MachineFigures m = Machine(span); m.known) {
    h += Format(
        "  machine: %.2f of %d cores busy; other processes took %.2f of them%s\n", m.busy_cores,
        m.cores, m.others_cores,
        m.others_cores > 0.1 ? " (a shared machine: treat the figures as lower bounds)" : "");
  }
  return h;
}

}  // namespace

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += Format("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string LatencyJson(const LatencySummary& l) {
  return Format("{\"count\": %" PRIu64
                ", \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f, "
                "\"mean\": %.3f}",
                l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms, l.mean_ms);
}

LatencySummary SummarizeLatency(const Histogram& h) {
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

SpanMeter::SpanMeter(pid_t server_pid) : server_pid_(server_pid) {
  if (server_pid_ > 0) begun_.server_before = ReadProcessUsage(server_pid_);
  begun_.machine_before = ReadMachineCpu();
  generator_cpu_before_ = SelfCpuSeconds();
  began_ = std::chrono::steady_clock::now();
}

Span SpanMeter::Finish() const {
  Span span = begun_;
  span.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
  if (server_pid_ > 0) span.server_after = ReadProcessUsage(server_pid_);
  span.machine_after = ReadMachineCpu();
  span.generator_cpu_s = SelfCpuSeconds() - generator_cpu_before_;
  return span;
}

std::string SpanJson(const Span& span, const RunInfo& info) {
  const ServerFigures s = Server(span, 0);
  std::string j;
  if (s.known) {
    j += Format(", \"server_cpu\": {\"seconds\": %.3f, \"cores\": %.3f, \"io_threads\": %d}",
                s.cpu_s, s.cores, info.server_io_threads);
    j += Format(", \"server_rss_kib\": %" PRIu64 ", \"server_peak_rss_kib\": %" PRIu64,
                span.server_after->rss_kib, span.server_after->peak_rss_kib);
  } else {
    j += ", \"server_cpu\": null, \"server_rss_kib\": null, \"server_peak_rss_kib\": null";
  }
  return j + GeneratorAndMachineJson(span, info);
}

std::string SpanHuman(const Span& span, const RunInfo& info) {
  const ServerFigures s = Server(span, 0);
  std::string h;
  if (s.known) {
    h += Format("  server: %.2f CPU-s (%.2f cores), RSS %.1f MiB, peak RSS %.1f MiB\n", s.cpu_s,
                s.cores, static_cast<double>(span.server_after->rss_kib) / 1024, s.peak_rss_mib);
    h += BusiestHuman(s);
  } else {
    h += "  server: CPU and RSS not measured (give --server-pid)\n";
  }
  return h + GeneratorAndMachineHuman(span, info);
}

std::string SpanCells(const Span& span) {
  const ServerFigures s = Server(span, 0);
  if (!s.known) return "– | –";
  return Format("%.2f | %.1f", s.cpu_s, s.peak_rss_mib);
}

std::string FanoutJson(const RunInfo& info, const FanoutOptions& o, const FanoutResult& r) {
  const ServerFigures s = Server(SpanOf(r), r.acked);
  std::string j = "{";
  j += "\"scenario\": " + JsonString(info.scenario);
  j += ", \"server\": " + JsonString(info.server);
  j += Format(", \"networks\": %d, \"members\": %d, \"connections\": %d", info.networks,
              info.members, info.networks * info.members);
  j += Format(", \"senders_per_network\": %d", o.senders_per_network);
  j += ", \"mode\": " + JsonString(o.rate > 0 ? "open" : "closed");
  j += Format(", \"window\": %d, \"rate\": %.0f, \"message_bytes\": %d", o.window, o.rate,
              o.message_bytes);
  j += Format(", \"duration_s\": %.3f, \"elapsed_s\": %.3f, \"setup_s\": %.3f", o.duration_s,
              r.elapsed_s, info.setup_s);
  j += Format(", \"sent\": %" PRIu64 ", \"acked\": %" PRIu64 ", \"deliveries\": %" PRIu64
              ", \"expected_deliveries\": %" PRIu64 ", \"missed_sends\": %" PRIu64,
              r.sent, r.acked, r.deliveries, r.expected_deliveries, r.missed_sends);
  j += Format(", \"acked_per_s\": %.1f, \"deliveries_per_s\": %.1f", r.acked_per_s,
              r.deliveries_per_s);
  j += ", \"latency_ms\": " + LatencyJson(r.delivery);
  j += ", \"ack_latency_ms\": " + LatencyJson(r.ack);
  if (s.known) {
    j += Format(
        ", \"server_cpu\": {\"seconds\": %.3f, \"seconds_per_1k_msgs\": %.4f, \"cores\": %.3f, "
        "\"io_threads\": %d}, \"server_peak_rss_kib\": %" PRIu64,
        s.cpu_s, s.cpu_s_per_1k, s.cores, info.server_io_threads, r.server_after->peak_rss_kib);
    j += ", \"server_busiest_threads\": [";
    for (size_t i = 0; i < s.busiest.size(); ++i) {
      j += Format("%s{\"tid\": %d, \"name\": %s, \"cores\": %.3f}", i > 0 ? ", " : "",
                  s.busiest[i].tid, JsonString(s.busiest[i].name).c_str(), s.busiest[i].cores);
    }
    j += "]";
  } else {
    j += ", \"server_cpu\": null, \"server_peak_rss_kib\": null, \"server_busiest_threads\": null";
  }
  j += GeneratorAndMachineJson(SpanOf(r), info);
  j += ", \"ok\": " + std::string(r.problem.empty() ? "true" : "false");
  j += ", \"problem\": " + (r.problem.empty() ? std::string("null") : JsonString(r.problem));
  return j + "}\n";
}

std::string FanoutHuman(const RunInfo& info, const FanoutOptions& o, const FanoutResult& r) {
  const ServerFigures s = Server(SpanOf(r), r.acked);
  std::string h;
  h += Format("fanout: %d networks x %d members (%d TLS connections) against %s\n", info.networks,
              info.members, info.networks * info.members, info.server.c_str());
  h += Format("  senders: %d per network (member 0 = the network's client%s), %s, %d-byte texts\n",
              o.senders_per_network, o.senders_per_network > 1 ? ", then members 1.." : "",
              Mode(o).c_str(), o.message_bytes);
  h += Format("  setup %.1f s; sent for %.1f s, drained at %.2f s\n", info.setup_s, o.duration_s,
              r.elapsed_s);
  h += Format("  acknowledged: %" PRIu64 " (%.0f msgs/s); deliveries: %" PRIu64
              " (%.0f /s) = acks x %d members%s\n",
              r.acked, r.acked_per_s, r.deliveries, r.deliveries_per_s, info.members,
              r.deliveries == r.expected_deliveries ? "" : " -- MISMATCH");
  if (r.missed_sends > 0) {
    h += Format("  missed sends (open loop, too many unacknowledged): %" PRIu64 "\n",
                r.missed_sends);
  }
  h += Format(
      "  send -> arrival at every member: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, "
      "max %.2f ms\n",
      r.delivery.p50_ms, r.delivery.p99_ms, r.delivery.p999_ms, r.delivery.max_ms);
  h += Format("  send -> durable ack:             p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
              r.ack.p50_ms, r.ack.p99_ms, r.ack.p999_ms);
  if (s.known) {
    h += Format("  server: %.2f CPU-s (%.2f cores), %.3f CPU-s per 1,000 msgs, peak RSS %.1f MiB\n",
                s.cpu_s, s.cores, s.cpu_s_per_1k, s.peak_rss_mib);
    h += BusiestHuman(s);
  } else {
    h += "  server: CPU and RSS not measured (give --server-pid)\n";
  }
  h += GeneratorAndMachineHuman(SpanOf(r), info);
  h += r.problem.empty() ? "  checks: every delivery exactly once, in order\n"
                         : "  FAILED: " + r.problem + "\n";
  h += "\n| scenario | networks × members | senders | mode | acks/s | deliveries/s | p50 ms | "
       "p99 ms | p99.9 ms | server CPU-s / 1k msgs | server cores | server peak RSS MiB | "
       "generator cores |\n";
  h += "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  h += Format("| fanout | %d × %d | %d/network | %s | %.0f | %.0f | %.2f | %.2f | %.2f | ",
              info.networks, info.members, o.senders_per_network, Mode(o).c_str(), r.acked_per_s,
              r.deliveries_per_s, r.delivery.p50_ms, r.delivery.p99_ms, r.delivery.p999_ms);
  if (s.known) {
    h += Format("%.3f | %.2f | %.1f | ", s.cpu_s_per_1k, s.cores, s.peak_rss_mib);
  } else {
    h += "– | – | – | ";
  }
  h += Format("%.2f |\n", r.elapsed_s > 0 ? r.generator_cpu_s / r.elapsed_s : 0);
  return h;
}

}  // namespace kring::bench
