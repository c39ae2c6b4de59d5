// The `history` scenario: one network's general thread filled with N messages (the client posts
// them, `window` unacknowledged at a time), then a member pages through all of them with
// FetchHistory, one page of `page_size` at a time, each page asked for when the previous one
// has arrived (after_seq = the last seq received), as an app scrolling back would.
//
// Reported: the fill rate, and for the paging messages/s, pages/s and the page latency (request
// sent to response read). Checked: every page holds the next seqs without gap or duplicate, the
// thread's last_seq is N, nothing is hidden, and exactly N messages were read.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bench/fanout.h"
#include "bench/report.h"

namespace kring::bench {

struct HistoryOptions {
  int messages = 100'000;
  int page_size = 100;  // FetchHistory.limit (kringd caps it at 500)
  int window = 64;      // the fill: unacknowledged posts
  int message_bytes = 100;
};

struct HistoryResult {
  uint64_t posted = 0;
  double fill_s = 0;
  uint64_t pages = 0;
  uint64_t read = 0;  // messages
  double read_s = 0;
  LatencySummary page_latency;
  double fill_server_cpu_s = -1;  // -1: not measured
  Span span;                      // over the paging
  std::string problem;
};

// "" when the options can run, else why not (a usage error).
std::string CheckHistoryOptions(const HistoryOptions& options);

// Checks one FetchHistory page against the cursor it was asked with: the seqs of `seqs` must
// be after_seq + 1, after_seq + 2, ..., at least one unless after_seq is the end, and the
// thread's last_seq the expected one. Returns "" or what is wrong.
std::string CheckPage(uint64_t after_seq, std::span<const uint64_t> seqs, uint64_t last_seq,
                      uint64_t expected_last_seq);

Outcome RunHistory(const HistoryOptions& options, const RunContext& context);

std::string HistoryJson(const RunInfo& info, const HistoryOptions& o, const HistoryResult& r);
std::string HistoryHuman(const RunInfo& info, const HistoryOptions& o, const HistoryResult& r);

}  // namespace kring::bench
