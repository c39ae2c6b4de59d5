// The `seed` scenario: a population for measuring an app against, made through the protocol
// like any app would. One member account belongs to N networks; each network's client opens it,
// adds threads up to T (the general thread included), invites the member and approves them for
// every thread with earlier messages, then posts M messages in each thread (all clients at once,
// `window` unacknowledged posts each). The member's handle and password are printed, so that a
// browser can log in as them (web/scripts/load_time.mjs, docs/benchmarks.md).
//
// Checked: every post acknowledged, and every thread's newest seq is M. Measures only how long
// the seeding took.
#pragma once

#include <string>

#include "bench/report.h"

namespace kring::bench {

struct SeedOptions {
  int networks = 50;
  int threads = 4;     // per network, the general thread included
  int messages = 200;  // per thread
  int window = 64;     // unacknowledged posts per client
  int message_bytes = 100;
  std::string member;  // the member's handle; "": RUN-member (a fresh one per run)
};

struct SeedResult {
  std::string member;
  uint64_t posted = 0;
  double post_s = 0;
  std::string problem;
};

// "" when the options can run, else why not (a usage error).
std::string CheckSeedOptions(const SeedOptions& options);

Outcome RunSeed(const SeedOptions& options, const RunContext& context);

std::string SeedJson(const RunInfo& info, const SeedOptions& o, const SeedResult& r);
std::string SeedHuman(const RunInfo& info, const SeedOptions& o, const SeedResult& r);

}  // namespace kring::bench
