// The `resume` scenario: C members (C / M networks of M, built like fanout's world, all
// subscribed to their general thread) have seen the first few messages; they all disconnect;
// while they are away each network's client, on another connection, posts N messages; then all
// C reconnect at once and do what the SDK does after a lost connection (docs/protocol.md,
// guarantee 8): ResumeSession with the token of their login, then Subscribe from the last seq
// they processed. kringd sends the missed messages as backlog.
//
// Reported: the time from the reconnect until every member has received every missed message
// (target: 2 s for 1,000 members x 100 messages), and per member the time to an authenticated
// connection and to catching up. Checked: each member receives exactly the seqs after its
// cursor, in order, no gap, no duplicate; the deliveries equal C x N.
#pragma once

#include <cstdint>
#include <string>

#include "bench/fanout.h"
#include "bench/report.h"

namespace kring::bench {

struct ResumeOptions {
  int connections = 1'000;  // members who come back
  int members = 8;          // per network; must divide connections
  int messages = 100;       // missed per member (posted in each network while away)
  int window = 16;          // the posting: unacknowledged posts per client
};

// Messages each member sees before leaving, so that its cursor is not 0.
inline constexpr int kSeenBeforeLeaving = 3;

struct ResumeResult {
  int networks = 0;
  double fill_s = 0;        // posting the missed messages
  uint64_t deliveries = 0;  // while resuming
  uint64_t expected_deliveries = 0;
  double caught_up_s = 0;     // reconnect until the last member caught up
  LatencySummary session;     // per member: reconnect until ResumeSession answered
  LatencySummary subscribed;  // per member: reconnect until SubscribeResult
  LatencySummary caught_up;   // per member: reconnect until its last missed message
  Span span;                  // over the resuming
  std::string problem;
};

// "" when the options can run, else why not (a usage error).
std::string CheckResumeOptions(const ResumeOptions& options);

Outcome RunResume(const ResumeOptions& options, const RunContext& context);

std::string ResumeJson(const RunInfo& info, const ResumeOptions& o, const ResumeResult& r);
std::string ResumeHuman(const RunInfo& info, const ResumeOptions& o, const ResumeResult& r);

}  // namespace kring::bench
