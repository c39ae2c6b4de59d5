// The `fanout` scenario: every member of every network subscribed to the network's general
// thread; K senders per network post, closed loop (each keeps `window` messages unacknowledged)
// or open loop (a fixed total rate, spread evenly over the senders).
//
// Latency: each message's text begins with its send time (steady clock, ns, 16 hex digits; in
// open loop the time it was *scheduled*, so a stalled sender does not hide its own delay), read
// back at every arrival, so no table is shared between io threads. Every subscription checks
// that seqs arrive 1, 2, 3, ... without gap or duplicate; at the end each one must have seen
// exactly the messages acknowledged in its thread, so deliveries == acks × members.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bench/kringd_process.h"
#include "bench/peer.h"
#include "bench/world.h"
#include "bench/ws_client.h"

namespace kring::bench {

struct FanoutOptions {
  int senders_per_network = 1;
  int window = 16;          // closed loop: unacknowledged messages per sender
  double rate = 0;          // open loop: messages per second in total; 0 = closed loop
  double duration_s = 10;   // sending time
  int message_bytes = 100;  // text length (>= 17: the timestamp and a space)
  std::chrono::seconds drain_deadline{30};
  pid_t server_pid = -1;  // for CPU and RSS; -1: not measured
};

struct LatencySummary {
  uint64_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
};

struct FanoutResult {
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t deliveries = 0;
  uint64_t expected_deliveries = 0;  // acked × members
  uint64_t missed_sends = 0;         // open loop: sends skipped, too many unacknowledged
  double elapsed_s = 0;              // from the first send to the last ack or delivery
  double acked_per_s = 0;
  double deliveries_per_s = 0;
  LatencySummary delivery;  // send → arrival, at every member
  LatencySummary ack;       // send → PostMessageResult, at the sender
  double generator_cpu_s = 0;
  std::optional<ProcessUsage> server_before;
  std::optional<ProcessUsage> server_after;
  std::optional<MachineCpu> machine_before;
  std::optional<MachineCpu> machine_after;
  // Empty when every check passed; else why the run is not valid (exit 1).
  std::string problem;
};

// Runs the scenario on a built world, then closes the world's connections and stops `io`.
FanoutResult RunFanout(const FanoutOptions& options, World& world, IoThreads& io, Failure& failure);

}  // namespace kring::bench
