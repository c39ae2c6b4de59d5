#include "bench/history.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <memory>
#include <vector>

#include "bench/histogram.h"
#include "bench/peer.h"
#include "bench/world.h"
#include "bench/ws_client.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The fill's and the paging's state, shared with their callbacks (which may outlive a phase
// that failed or timed out, until the io threads stop). Touched only on the peer's io thread
// until `done` is counted down.
struct FillState {
  explicit FillState(const NetworkInfo& network) : network(network) {}
  const NetworkInfo network;
  std::string text;
  Countdown done{1};
  uint64_t acked = 0;
  uint64_t max_seq = 0;
};

struct PageState {
  PageState(const NetworkInfo& network, uint64_t expected, uint32_t limit)
      : network(network), expected(expected), limit(limit) {}
  const NetworkInfo network;
  const uint64_t expected;  // the thread's last seq, and the number of messages to read
  const uint32_t limit;
  Countdown done{1};
  Histogram latency;  // ns
  Clock::time_point sent;
  uint64_t after = 0;
  uint64_t pages = 0;
  uint64_t read = 0;
};

void FetchNext(std::shared_ptr<PageState> s, Peer* reader, Failure& failure) {
  v1::ClientFrame f;
  auto* fetch = f.mutable_fetch_history();
  fetch->set_network_id(s->network.network_id);
  fetch->set_thread_id(s->network.thread_id);
  fetch->set_after_seq(s->after);
  fetch->set_limit(s->limit);
  s->sent = Clock::now();
  reader->Call(std::move(f), [s, reader, &failure](const v1::Response& response) {
    s->latency.Record((Clock::now() - s->sent).count());
    if (auto e = ResponseError(response); !e.empty()) return failure.Set("FetchHistory: " + e);
    const v1::FetchHistoryResult& page = response.fetch_history();
    std::vector<uint64_t> seqs;
    seqs.reserve(page.messages_size());
    for (const v1::Message& m : page.messages()) seqs.push_back(m.seq());
    if (auto e = CheckPage(s->after, seqs, page.last_seq(), s->expected); !e.empty()) {
      return failure.Set("FetchHistory page " + std::to_string(s->pages + 1) + ": " + e);
    }
    if (page.hidden_through_seq() != 0) {
      return failure.Set("FetchHistory: hidden through seq " +
                         std::to_string(page.hidden_through_seq()) + " for a member since seq 0");
    }
    ++s->pages;
    s->read += seqs.size();
    if (!seqs.empty()) s->after = seqs.back();
    if (s->after >= s->expected) return s->done.Done();
    FetchNext(s, reader, failure);
  });
}

}  // namespace

std::string CheckHistoryOptions(const HistoryOptions& o) {
  if (o.messages < 1) return "--messages must be at least 1";
  if (o.page_size < 1 || o.page_size > 500) return "--page-size must be 1..500 (kringd's cap)";
  if (o.window < 1) return "--window must be at least 1";
  return "";
}

std::string CheckPage(uint64_t after_seq, std::span<const uint64_t> seqs, uint64_t last_seq,
                      uint64_t expected_last_seq) {
  if (last_seq != expected_last_seq) {
    return "last_seq " + std::to_string(last_seq) + ", expected " +
           std::to_string(expected_last_seq);
  }
  if (seqs.empty() && after_seq < last_seq) {
    return "an empty page after seq " + std::to_string(after_seq) + " of " +
           std::to_string(last_seq);
  }
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] != after_seq + 1 + i) {
      return "seq " + std::to_string(seqs[i]) + " where " + std::to_string(after_seq + 1 + i) +
             " was due (a gap, a duplicate or out of order)";
    }
  }
  return "";
}

Outcome RunHistory(const HistoryOptions& o, const RunContext& context) {
  HistoryResult r;
  WorldOptions world_options = context.world;
  world_options.networks = 1;
  world_options.members = 2;  // the client posts, a member reads
  world_options.subscribe = false;
  RunInfo info = context.info;
  info.networks = 1;
  info.members = 2;
  const auto deadline_of = [&] { return Clock::now() + context.world.setup_deadline; };
  Failure failure;
  {
    // Declared in this order so that the connections go before their io threads.
    IoThreads io(info.generator_threads);
    World world;
    const auto setup_began = Clock::now();
    if (std::string e = BuildWorld(world_options, io, *context.tls, failure, &world); !e.empty()) {
      r.problem = "setting up: " + e;
    }
    info.setup_s = Seconds(Clock::now() - setup_began);

    if (r.problem.empty()) {
      auto fill = std::make_shared<FillState>(world.networks[0]);
      fill->text = "history " + std::string(std::max(o.message_bytes, 8) - 8, 'x');
      Peer* client = world.peers[0].get();
      const size_t window = static_cast<size_t>(o.window);
      const uint64_t n = static_cast<uint64_t>(o.messages);
      SpanMeter meter(context.server_pid);
      io.Post(client->thread(), [fill, client, window, n, &failure] {
        client->Pipeline(
            n, window,
            [fill](size_t i) {
              v1::ClientFrame f;
              auto* post = f.mutable_post_message();
              post->set_network_id(fill->network.network_id);
              post->set_thread_id(fill->network.thread_id);
              post->set_client_msg_id("h" + std::to_string(i));
              post->set_text(fill->text);
              return f;
            },
            [fill, &failure](size_t i, const v1::Response& response) {
              if (auto e = ResponseError(response); !e.empty()) {
                return failure.Set("PostMessage " + std::to_string(i) + ": " + e);
              }
              ++fill->acked;
              fill->max_seq = std::max(fill->max_seq, response.post_message().seq());
            },
            [fill] { fill->done.Done(); });
      });
      if (!fill->done.Wait(deadline_of(), failure)) {
        r.problem = "filling: " + (failure.failed() ? failure.what() : "timed out");
      }
      const Span fill_span = meter.Finish();
      r.fill_s = fill_span.elapsed_s;
      if (fill_span.server_before && fill_span.server_after) {
        r.fill_server_cpu_s =
            fill_span.server_after->cpu_seconds - fill_span.server_before->cpu_seconds;
      }
      r.posted = fill->acked;
      if (r.problem.empty() && (fill->acked != n || fill->max_seq != n)) {
        r.problem = "filling: " + std::to_string(fill->acked) +
                    " posts acknowledged, highest seq " + std::to_string(fill->max_seq) +
                    ", expected " + std::to_string(n);
      }
    }

    if (r.problem.empty()) {
      auto pages = std::make_shared<PageState>(world.networks[0], static_cast<uint64_t>(o.messages),
                                               static_cast<uint32_t>(o.page_size));
      Peer* reader = world.peers[1].get();
      SpanMeter meter(context.server_pid);
      io.Post(reader->thread(), [pages, reader, &failure] { FetchNext(pages, reader, failure); });
      if (!pages->done.Wait(deadline_of(), failure)) {
        r.problem = "paging: " + (failure.failed() ? failure.what() : "timed out");
      }
      r.span = meter.Finish();
      r.read_s = r.span.elapsed_s;
      if (r.problem.empty()) {  // the reader's thread is done with the state
        r.pages = pages->pages;
        r.read = pages->read;
        r.page_latency = SummarizeLatency(pages->latency);
        if (r.read != static_cast<uint64_t>(o.messages)) {
          r.problem =
              "read " + std::to_string(r.read) + " messages of " + std::to_string(o.messages);
        }
      }
    }
    CloseWorld(world, io, Clock::now() + std::chrono::seconds(10));
    io.Stop();
  }
  if (r.problem.empty() && failure.failed()) r.problem = failure.what();
  return {context.json ? HistoryJson(info, o, r) : HistoryHuman(info, o, r), r.problem};
}

namespace {

double PerSecond(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }

}  // namespace

std::string HistoryJson(const RunInfo& info, const HistoryOptions& o, const HistoryResult& r) {
  std::string j = "{\"scenario\": \"history\"";
  j += ", \"server\": " + JsonString(info.server);
  j += Format(", \"messages\": %d, \"page_size\": %d, \"window\": %d, \"message_bytes\": %d",
              o.messages, o.page_size, o.window, o.message_bytes);
  j += Format(", \"setup_s\": %.3f, \"fill_s\": %.3f, \"posted\": %" PRIu64
              ", \"fill_msgs_per_s\": %.1f",
              info.setup_s, r.fill_s, r.posted, PerSecond(r.posted, r.fill_s));
  if (r.fill_server_cpu_s >= 0) {
    j += Format(", \"fill_server_cpu_s\": %.3f", r.fill_server_cpu_s);
  } else {
    j += ", \"fill_server_cpu_s\": null";
  }
  j += Format(", \"read_s\": %.3f, \"pages\": %" PRIu64 ", \"read\": %" PRIu64
              ", \"msgs_per_s\": %.1f, \"pages_per_s\": %.1f",
              r.read_s, r.pages, r.read, PerSecond(r.read, r.read_s), PerSecond(r.pages, r.read_s));
  j += ", \"page_latency_ms\": " + LatencyJson(r.page_latency);
  j += SpanJson(r.span, info);
  j += ", \"ok\": " + std::string(r.problem.empty() ? "true" : "false");
  j += ", \"problem\": " + (r.problem.empty() ? std::string("null") : JsonString(r.problem));
  return j + "}\n";
}

std::string HistoryHuman(const RunInfo& info, const HistoryOptions& o, const HistoryResult& r) {
  std::string h;
  h += Format("history: %d messages of %d bytes in one thread, read %d per page, against %s\n",
              o.messages, o.message_bytes, o.page_size, info.server.c_str());
  h += Format("  setup %.1f s; fill: %" PRIu64 " posts in %.2f s (%.0f msgs/s, window %d",
              info.setup_s, r.posted, r.fill_s, PerSecond(r.posted, r.fill_s), o.window);
  h += r.fill_server_cpu_s >= 0 ? Format(", server %.2f CPU-s)\n", r.fill_server_cpu_s) : ")\n";
  h += Format("  paging: %" PRIu64 " messages in %" PRIu64
              " pages in %.2f s: %.0f msgs/s, %.0f pages/s\n",
              r.read, r.pages, r.read_s, PerSecond(r.read, r.read_s), PerSecond(r.pages, r.read_s));
  h += Format("  page latency (request -> response): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              r.page_latency.p50_ms, r.page_latency.p99_ms, r.page_latency.max_ms);
  h += SpanHuman(r.span, info);
  h += r.problem.empty() ? "  checks: every message read once, in order, none hidden\n"
                         : "  FAILED: " + r.problem + "\n";
  h += "\n| scenario | messages | page size | fill msgs/s | msgs/s | pages/s | page p50 ms | "
       "page p99 ms | server CPU-s | server peak RSS MiB |\n";
  h += "|---|---|---|---|---|---|---|---|---|---|\n";
  h += Format("| history | %d | %d | %.0f | %.0f | %.0f | %.2f | %.2f | ", o.messages, o.page_size,
              PerSecond(r.posted, r.fill_s), PerSecond(r.read, r.read_s),
              PerSecond(r.pages, r.read_s), r.page_latency.p50_ms, r.page_latency.p99_ms);
  return h + SpanCells(r.span) + " |\n";
}

}  // namespace kring::bench
