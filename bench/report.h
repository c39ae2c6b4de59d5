// Printing a scenario's result: one JSON object (--json), or a human summary followed by one
// Markdown table row (with its header) for docs/benchmarks.md.
#pragma once

#include <string>

#include "bench/fanout.h"

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

std::string FanoutJson(const RunInfo& info, const FanoutOptions& options, const FanoutResult& r);
std::string FanoutHuman(const RunInfo& info, const FanoutOptions& options, const FanoutResult& r);

}  // namespace kring::bench
