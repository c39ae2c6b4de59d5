// Printing a scenario's result: one JSON object (--json), or a human summary followed by one
// Markdown table row (with its header) for docs/benchmarks.md. The pieces every scenario prints
// beside its numbers (server CPU and RSS, the generator's and the machine's CPU) are here too.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "bench/fanout.h"
#include "bench/histogram.h"
#include "bench/kringd_process.h"

namespace kring::bench {

// What was run, printed beside the numbers.
struct RunInfo {
  std::string scenario;
  std::string server;  // "spawned kringd (PID n)" or the URL
  int networks = 0;
  int members = 0;
  int generator_threads = 0;
  int server_io_threads = 0;  // 0: kringd's default (one per core)
  double setup_s = 0;
};

// What a scenario runs against, and how it prints.
struct RunContext {
  WorldOptions world;  // the endpoint, the admin's credentials, the setup deadline
  TlsClient* tls = nullptr;
  pid_t server_pid = -1;  // for CPU and RSS; -1: not measured
  RunInfo info;
  bool json = false;
};

// What a scenario hands back: its printout (JSON or the human summary with its table row) and
// why the run is not valid ("" when every check held).
struct Outcome {
  std::string printed;
  std::string problem;
};

std::string FanoutJson(const RunInfo& info, const FanoutOptions& options, const FanoutResult& r);
std::string FanoutHuman(const RunInfo& info, const FanoutOptions& options, const FanoutResult& r);

// CPU and memory over one measured interval: the server's (from /proc, when its PID is known),
// the generator's own and the whole machine's.
struct Span {
  std::optional<ProcessUsage> server_before;
  std::optional<ProcessUsage> server_after;
  std::optional<MachineCpu> machine_before;
  std::optional<MachineCpu> machine_after;
  double generator_cpu_s = 0;
  double elapsed_s = 0;
};

// Reads the "before" figures when made and the "after" ones in Finish. server_pid <= 0: the
// server is not measured. Blocks briefly on /proc reads; call from the main thread.
class SpanMeter {
 public:
  explicit SpanMeter(pid_t server_pid);
  Span Finish() const;

 private:
  pid_t server_pid_;
  Span begun_;
  double generator_cpu_before_ = 0;
  std::chrono::steady_clock::time_point began_;
};

// `, "server_cpu": {...}, "server_rss_kib": N, "server_peak_rss_kib": N, "generator_cpu": {...},
// "machine_cpu": {...}` (nulls when not measured), to append inside a JSON object.
std::string SpanJson(const Span& span, const RunInfo& info);
// The "server: ...", "busiest server threads", "generator: ..." and "machine: ..." lines.
std::string SpanHuman(const Span& span, const RunInfo& info);
// "CPU-s | peak RSS MiB" table cells (with "–" when not measured), without the outer bars.
std::string SpanCells(const Span& span);

std::string JsonString(const std::string& s);
// {"count": n, "p50": ms, ...}
std::string LatencyJson(const LatencySummary& latency);
// Quantiles of a histogram of nanoseconds, in ms.
LatencySummary SummarizeLatency(const Histogram& histogram);

template <typename... Args>
std::string Format(const char* fmt, Args... args) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace kring::bench
