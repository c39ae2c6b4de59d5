#include "bench/resume.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench/histogram.h"
#include "bench/peer.h"
#include "bench/world.h"
#include "bench/ws_client.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kApp[] = "kring-bench/0.1";
constexpr std::chrono::seconds kResumeDeadline{120};

int64_t NowNs() { return Clock::now().time_since_epoch().count(); }

// Per io thread; written by that thread only, read by the main thread after the io threads
// have stopped (or after a Countdown they counted down).
struct alignas(64) ThreadStats {
  Histogram session;     // ns from the reconnect to ResumeSession answered
  Histogram subscribed;  // ns from the reconnect to SubscribeResult
  Histogram caught_up;   // ns from the reconnect to the last missed message
  int64_t last_caught_up_ns = 0;
  uint64_t deliveries = 0;
  uint64_t errors = 0;
  std::string first_error;
};

// Everything the callbacks share. Heap-allocated and kept alive by them: a phase that fails or
// times out returns while some may still run until the io threads stop.
class Resume final : public HotListener, public std::enable_shared_from_this<Resume> {
 public:
  // `posters` and `returning` are filled here but owned by the caller, who destroys them after
  // the io threads stopped and before IoThreads: this object may outlive that (in a handler).
  Resume(const ResumeOptions& o, World& world, IoThreads& io, TlsClient& tls, Failure& failure,
         const Endpoint& endpoint, std::vector<std::unique_ptr<Peer>>& posters,
         std::vector<std::unique_ptr<Peer>>& returning)
      : o_(o),
        world_(world),
        io_(io),
        tls_(tls),
        failure_(failure),
        endpoint_(endpoint),
        posters_(posters),
        returning_(returning),
        stats_(io.size()),
        last_seq_(world.peers.size(), 0) {}

  // The phases, each run from the main thread; "" on success.
  std::string ListenAndLogInPosters();
  std::string SeeFirstMessages();
  std::string LeaveAndPost(double* fill_s);
  std::string ComeBack(int64_t* t0_ns);
  void CloseAll(Clock::time_point deadline);
  void Collect(int64_t t0_ns, ResumeResult* r);

  void OnMessagePosted(Peer& peer, const wire::HotFrame& frame) override {
    ThreadStats& stats = stats_[peer.thread()];
    const size_t p = peer.index();
    ++stats.deliveries;
    if (frame.thread_id != world_.network_of(p).thread_id || frame.seq != last_seq_[p] + 1) {
      return Error(stats, "member " + std::to_string(p) + ": seq " + std::to_string(frame.seq) +
                              " of thread " + std::to_string(frame.thread_id) + " after seq " +
                              std::to_string(last_seq_[p]) + " (a gap or a duplicate)");
    }
    last_seq_[p] = frame.seq;
    if (frame.seq != target_) return;
    if (resuming_) {
      const int64_t now = NowNs();
      stats.caught_up.Record(now - t0_ns_);
      stats.last_caught_up_ns = std::max(stats.last_caught_up_ns, now);
    }
    reached_->Done();
  }

  void OnResponse(Peer& peer, const wire::HotFrame&) override {
    Error(stats_[peer.thread()],
          "a response to a request member " + std::to_string(peer.index()) + " never sent");
  }

 private:
  void Error(ThreadStats& stats, std::string what) {
    if (stats.errors++ == 0) stats.first_error = std::move(what);
  }

  std::string Wait(const char* phase, Countdown& countdown, Clock::duration within) {
    if (countdown.Wait(Clock::now() + within, failure_)) return "";
    return std::string(phase) + ": " + (failure_.failed() ? failure_.what() : "timed out");
  }

  // Each network's client posts `count` messages on its second connection.
  std::string Post(int count, const char* phase) {
    auto posted = std::make_shared<Countdown>(posters_.size());
    auto self = shared_from_this();
    for (size_t n = 0; n < posters_.size(); ++n) {
      Peer* poster = posters_[n].get();
      io_.Post(poster->thread(), [self, poster, n, count, posted] {
        poster->Pipeline(
            count, self->o_.window,
            [self, n](size_t i) {
              v1::ClientFrame f;
              auto* post = f.mutable_post_message();
              post->set_network_id(self->world_.networks[n].network_id);
              post->set_thread_id(self->world_.networks[n].thread_id);
              post->set_client_msg_id("r" + std::to_string(self->posts_made_[n]++));
              post->set_text("missed while away, number " + std::to_string(i));
              return f;
            },
            [self](size_t, const v1::Response& r) {
              if (auto e = ResponseError(r); !e.empty()) self->failure_.Set("PostMessage: " + e);
            },
            [posted] { posted->Done(); });
      });
    }
    return Wait(phase, *posted, kResumeDeadline);
  }

  // A returning member: connect, ResumeSession, Subscribe from its cursor.
  void Return(Peer* peer) {
    auto self = shared_from_this();
    peer->Connect(endpoint_, [self, peer](const std::string& error) {
      if (!error.empty()) {
        return self->failure_.Set("member " + std::to_string(peer->index()) + ": " + error);
      }
      v1::ClientFrame f;
      f.mutable_resume_session()->set_token(self->world_.tokens[peer->index()]);
      f.mutable_resume_session()->set_app(kApp);
      peer->Call(std::move(f), [self, peer](const v1::Response& r) {
        if (auto e = ResponseError(r); !e.empty()) {
          return self->failure_.Set("ResumeSession of member " + std::to_string(peer->index()) +
                                    ": " + e);
        }
        self->stats_[peer->thread()].session.Record(NowNs() - self->t0_ns_);
        self->Subscribe(peer);
      });
    });
  }

  void Subscribe(Peer* peer) {
    auto self = shared_from_this();
    const NetworkInfo& network = world_.network_of(peer->index());
    v1::ClientFrame f;
    auto* s = f.mutable_subscribe();
    s->set_network_id(network.network_id);
    auto* cursor = s->add_threads();
    cursor->set_thread_id(network.thread_id);
    cursor->set_after_seq(last_seq_[peer->index()]);
    peer->Call(std::move(f), [self, peer](const v1::Response& r) {
      if (auto e = ResponseError(r); !e.empty()) return self->failure_.Set("Subscribe: " + e);
      self->stats_[peer->thread()].subscribed.Record(NowNs() - self->t0_ns_);
      const auto& threads = r.subscribe().threads();
      if (threads.size() != 1 || threads[0].has_error() || threads[0].last_seq() != self->target_) {
        self->failure_.Set("Subscribe of member " + std::to_string(peer->index()) + ": " +
                           r.subscribe().ShortDebugString() + ", expected last_seq " +
                           std::to_string(self->target_));
      }
    });
  }

  const ResumeOptions& o_;
  World& world_;
  IoThreads& io_;
  TlsClient& tls_;
  Failure& failure_;
  const Endpoint endpoint_;
  std::vector<std::unique_ptr<Peer>>& posters_;    // by network: its client's 2nd connection
  std::vector<std::unique_ptr<Peer>>& returning_;  // by member: its new connection
  std::vector<ThreadStats> stats_;                 // by io thread
  std::vector<uint64_t> last_seq_;    // by member: the last seq it processed (its thread only)
  std::vector<uint64_t> posts_made_;  // by network (its poster's thread only)
  // Set by the main thread before the io threads are handed the phase that reads them.
  uint64_t target_ = 0;  // the seq that completes a member's phase
  std::shared_ptr<Countdown> reached_;
  bool resuming_ = false;
  int64_t t0_ns_ = 0;
};

std::string Resume::ListenAndLogInPosters() {
  const size_t n = world_.networks.size();
  auto ready = std::make_shared<Countdown>(world_.peers.size() + n);
  for (auto& owned : world_.peers) {
    Peer* peer = owned.get();
    io_.Post(peer->thread(), [this, peer, ready] {
      peer->set_listener(this);
      ready->Done();
    });
  }
  posts_made_.assign(n, 0);
  auto self = shared_from_this();
  for (size_t i = 0; i < n; ++i) {
    posters_.push_back(
        std::make_unique<Peer>(i, io_, static_cast<int>(i % io_.size()), tls_, failure_));
    Peer* poster = posters_.back().get();
    io_.Post(poster->thread(), [self, poster, i, ready] {
      poster->Connect(self->endpoint_, [self, poster, i, ready](const std::string& error) {
        if (!error.empty()) return self->failure_.Set("poster: " + error);
        const std::string client = self->world_.handle(i * self->world_.members);
        poster->Call(LoginFrame(client, kBenchPassword), [self, ready](const v1::Response& r) {
          if (auto e = ResponseError(r); !e.empty()) return self->failure_.Set("poster: " + e);
          ready->Done();
        });
      });
    });
  }
  return Wait("listen and log in the posters", *ready, kResumeDeadline);
}

std::string Resume::SeeFirstMessages() {
  target_ = kSeenBeforeLeaving;
  reached_ = std::make_shared<Countdown>(world_.peers.size());
  if (auto e = Post(kSeenBeforeLeaving, "post the first messages"); !e.empty()) return e;
  return Wait("deliver the first messages", *reached_, kResumeDeadline);
}

std::string Resume::LeaveAndPost(double* fill_s) {
  // Closing the world closes the admin's connection too; it is not needed any more.
  CloseWorld(world_, io_, Clock::now() + std::chrono::seconds(30));
  const auto began = Clock::now();
  std::string e = Post(o_.messages, "post the missed messages");
  *fill_s = std::chrono::duration<double>(Clock::now() - began).count();
  return e;
}

std::string Resume::ComeBack(int64_t* t0_ns) {
  target_ = kSeenBeforeLeaving + static_cast<uint64_t>(o_.messages);
  reached_ = std::make_shared<Countdown>(world_.peers.size());
  resuming_ = true;
  for (size_t p = 0; p < world_.peers.size(); ++p) {
    returning_.push_back(std::make_unique<Peer>(p, io_, world_.peers[p]->thread(), tls_, failure_));
    returning_.back()->set_listener(this);  // before Connect: no io thread touches it yet
  }
  t0_ns_ = NowNs();
  *t0_ns = t0_ns_;
  auto self = shared_from_this();
  for (auto& owned : returning_) {
    Peer* peer = owned.get();
    io_.Post(peer->thread(), [self, peer] { self->Return(peer); });
  }
  return Wait("resume", *reached_, kResumeDeadline);
}

void Resume::CloseAll(Clock::time_point deadline) {
  auto closed = std::make_shared<Countdown>(returning_.size() + posters_.size());
  auto close = [this, closed](Peer* peer) {
    io_.Post(peer->thread(), [peer, closed] { peer->Close([closed] { closed->Done(); }); });
  };
  for (auto& peer : returning_) close(peer.get());
  for (auto& peer : posters_) close(peer.get());
  Failure none;  // an unexpected end was reported when it happened; this only bounds the wait
  closed->Wait(deadline, none);
}

// After the io threads stopped.
void Resume::Collect(int64_t t0_ns, ResumeResult* r) {
  Histogram session, subscribed, caught_up;
  int64_t last = t0_ns;
  uint64_t errors = 0;
  std::string first_error;
  for (const ThreadStats& s : stats_) {
    session.Merge(s.session);
    subscribed.Merge(s.subscribed);
    caught_up.Merge(s.caught_up);
    last = std::max(last, s.last_caught_up_ns);
    r->deliveries += s.deliveries;
    errors += s.errors;
    if (first_error.empty()) first_error = s.first_error;
  }
  const uint64_t members = world_.peers.size();
  // Every delivery, the first messages included, minus those: what came while resuming.
  r->deliveries -= std::min<uint64_t>(r->deliveries, members * kSeenBeforeLeaving);
  r->expected_deliveries = members * static_cast<uint64_t>(o_.messages);
  r->caught_up_s = static_cast<double>(last - t0_ns) / 1e9;
  r->session = SummarizeLatency(session);
  r->subscribed = SummarizeLatency(subscribed);
  r->caught_up = SummarizeLatency(caught_up);
  if (!r->problem.empty()) return;
  if (errors > 0) {
    r->problem = std::to_string(errors) + " delivery errors; the first: " + first_error;
    return;
  }
  for (size_t p = 0; p < last_seq_.size(); ++p) {
    if (last_seq_[p] != target_) {
      r->problem = "member " + std::to_string(p) + " caught up to seq " +
                   std::to_string(last_seq_[p]) + " of " + std::to_string(target_);
      return;
    }
  }
  if (r->deliveries != r->expected_deliveries) {
    r->problem = std::to_string(r->deliveries) + " deliveries while resuming, expected " +
                 std::to_string(r->expected_deliveries);
  }
}

}  // namespace

std::string CheckResumeOptions(const ResumeOptions& o) {
  if (o.members < 2) return "--members must be at least 2";
  if (o.connections < o.members || o.connections % o.members != 0) {
    return "resume: --connections (" + std::to_string(o.connections) +
           ") must be a multiple of --members (" + std::to_string(o.members) + ")";
  }
  if (o.messages < 1) return "--messages must be at least 1";
  if (o.window < 1) return "--window must be at least 1";
  return "";
}

Outcome RunResume(const ResumeOptions& o, const RunContext& context) {
  ResumeResult r;
  r.networks = o.connections / o.members;
  WorldOptions world_options = context.world;
  world_options.networks = r.networks;
  world_options.members = o.members;
  world_options.subscribe = true;
  RunInfo info = context.info;
  info.networks = r.networks;
  info.members = o.members;
  Failure failure;
  {
    // Declared in this order so that the connections go before their io threads.
    IoThreads io(info.generator_threads);
    World world;
    std::vector<std::unique_ptr<Peer>> posters, returning;
    const auto setup_began = Clock::now();
    if (std::string e = BuildWorld(world_options, io, *context.tls, failure, &world); !e.empty()) {
      r.problem = "setting up: " + e;
    }
    info.setup_s = std::chrono::duration<double>(Clock::now() - setup_began).count();
    auto resume = std::make_shared<Resume>(o, world, io, *context.tls, failure,
                                           world_options.endpoint, posters, returning);
    int64_t t0_ns = NowNs();
    const auto progress = [&](const char* phase) {
      if (context.world.verbose && r.problem.empty()) {
        std::fprintf(stderr, "kring-bench: resume: %s\n", phase);
      }
    };
    if (r.problem.empty()) r.problem = resume->ListenAndLogInPosters();
    progress("posters logged in");
    if (r.problem.empty()) r.problem = resume->SeeFirstMessages();
    progress("first messages seen; leaving");
    if (r.problem.empty()) r.problem = resume->LeaveAndPost(&r.fill_s);
    progress("missed messages posted; reconnecting");
    if (r.problem.empty()) {
      SpanMeter meter(context.server_pid);
      r.problem = resume->ComeBack(&t0_ns);
      r.span = meter.Finish();
    }
    resume->CloseAll(Clock::now() + std::chrono::seconds(30));
    CloseWorld(world, io, Clock::now() + std::chrono::seconds(10));
    io.Stop();  // from here on every thread's state is ours to read
    resume->Collect(t0_ns, &r);
  }
  if (r.problem.empty() && failure.failed()) r.problem = failure.what();
  return {context.json ? ResumeJson(info, o, r) : ResumeHuman(info, o, r), r.problem};
}

std::string ResumeJson(const RunInfo& info, const ResumeOptions& o, const ResumeResult& r) {
  std::string j = "{\"scenario\": \"resume\"";
  j += ", \"server\": " + JsonString(info.server);
  j += Format(", \"connections\": %d, \"networks\": %d, \"members\": %d, \"messages\": %d",
              o.connections, r.networks, o.members, o.messages);
  j += Format(", \"seen_before_leaving\": %d, \"setup_s\": %.3f, \"fill_s\": %.3f",
              kSeenBeforeLeaving, info.setup_s, r.fill_s);
  j += Format(", \"caught_up_s\": %.3f, \"deliveries\": %" PRIu64
              ", \"expected_deliveries\": %" PRIu64,
              r.caught_up_s, r.deliveries, r.expected_deliveries);
  j += ", \"session_ms\": " + LatencyJson(r.session);
  j += ", \"subscribed_ms\": " + LatencyJson(r.subscribed);
  j += ", \"caught_up_ms\": " + LatencyJson(r.caught_up);
  j += SpanJson(r.span, info);
  j += ", \"ok\": " + std::string(r.problem.empty() ? "true" : "false");
  j += ", \"problem\": " + (r.problem.empty() ? std::string("null") : JsonString(r.problem));
  return j + "}\n";
}

std::string ResumeHuman(const RunInfo& info, const ResumeOptions& o, const ResumeResult& r) {
  std::string h;
  h += Format(
      "resume: %d members (%d networks x %d) reconnect at once, %d messages missed each, "
      "against %s\n",
      o.connections, r.networks, o.members, o.messages, info.server.c_str());
  h += Format("  setup %.1f s; each saw %d messages, left; the missed ones posted in %.3f s\n",
              info.setup_s, kSeenBeforeLeaving, r.fill_s);
  h += Format("  all caught up %.3f s after the reconnect (target <= 2 s: %s); %" PRIu64
              " deliveries (expected %" PRIu64 ")\n",
              r.caught_up_s, r.caught_up_s <= 2.0 ? "met" : "MISSED", r.deliveries,
              r.expected_deliveries);
  h += Format("  per member, reconnect -> session resumed: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
              r.session.p50_ms, r.session.p99_ms, r.session.max_ms);
  h += Format("  per member, reconnect -> subscribed:     p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
              r.subscribed.p50_ms, r.subscribed.p99_ms, r.subscribed.max_ms);
  h += Format("  per member, reconnect -> caught up:       p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
              r.caught_up.p50_ms, r.caught_up.p99_ms, r.caught_up.max_ms);
  h += SpanHuman(r.span, info);
  h += r.problem.empty()
           ? "  checks: every member got exactly the seqs after its cursor, in order\n"
           : "  FAILED: " + r.problem + "\n";
  h += "\n| scenario | members | networks × members | missed each | all caught up s | "
       "resumed p50 ms | caught up p50 ms | caught up p99 ms | server CPU-s | "
       "server peak RSS MiB |\n";
  h += "|---|---|---|---|---|---|---|---|---|---|\n";
  h += Format("| resume | %d | %d × %d | %d | %.3f | %.0f | %.0f | %.0f | ", o.connections,
              r.networks, o.members, o.messages, r.caught_up_s, r.session.p50_ms,
              r.caught_up.p50_ms, r.caught_up.p99_ms);
  return h + SpanCells(r.span) + " |\n";
}

}  // namespace kring::bench
