#include "bench/seed.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <memory>
#include <vector>

#include "bench/peer.h"
#include "bench/world.h"
#include "bench/ws_client.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Setup requests one connection keeps in flight (as bench/world.cc).
constexpr size_t kSetupWindow = 64;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// One network's state, touched only on its client's io thread until a phase is counted down.
struct SeedNetwork {
  uint64_t network_id = 0;
  std::vector<uint64_t> thread_ids;  // the general thread first
  std::vector<uint64_t> max_seq;     // by thread: the highest seq acknowledged
  uint64_t acked = 0;
};

// Shared by the callbacks, which may outlive a phase that failed or timed out until the io
// threads stop.
struct SeedState {
  SeedState(const SeedOptions& o, std::string run)
      : options(o),
        run(std::move(run)),
        member(o.member.empty() ? this->run + "-member" : o.member),
        networks(static_cast<size_t>(o.networks)),
        accounts(1),
        logged_in(static_cast<uint64_t>(o.networks)),
        opened(static_cast<uint64_t>(o.networks)),
        posted(static_cast<uint64_t>(o.networks)) {}
  const SeedOptions options;
  const std::string run;
  const std::string member;
  std::string text;
  std::vector<SeedNetwork> networks;
  Countdown accounts;
  Countdown logged_in;
  Countdown opened;
  Countdown posted;

  std::string client(size_t i) const { return run + "-n" + std::to_string(i) + "-c"; }
};

// The admin creates the clients and the member.
void CreateAccounts(std::shared_ptr<SeedState> s, Peer* admin, const WorldOptions& w,
                    Failure& failure) {
  admin->Connect(w.endpoint, [s, admin, &w, &failure](const std::string& error) {
    if (!error.empty()) return failure.Set("admin: " + error);
    admin->Call(LoginFrame(w.admin_handle, w.admin_password),
                [s, admin, &failure](const v1::Response& r) {
                  if (auto e = ResponseError(r); !e.empty())
                    return failure.Set("admin login: " + e);
                  const size_t n = s->networks.size();
                  admin->Pipeline(
                      n + 1, kSetupWindow,
                      [s, n](size_t i) {
                        v1::ClientFrame f;
                        auto* c = f.mutable_create_account();
                        c->set_password(kBenchPassword);
                        if (i == n) {
                          c->set_handle(s->member);
                          c->set_kind(v1::ACCOUNT_KIND_MEMBER);
                          c->set_display_name("Bench member");
                          c->set_profession("jobcoach");
                        } else {
                          c->set_handle(s->client(i));
                          c->set_kind(v1::ACCOUNT_KIND_CLIENT);
                          c->set_display_name("Client " + std::to_string(i + 1));
                        }
                        return f;
                      },
                      [&failure](size_t i, const v1::Response& r) {
                        if (auto e = ResponseError(r); !e.empty()) {
                          failure.Set("CreateAccount " + std::to_string(i) + ": " + e);
                        }
                      },
                      [s] { s->accounts.Done(); });
                });
  });
}

void LogIn(std::shared_ptr<SeedState> s, size_t i, Peer* client, const WorldOptions& w,
           Failure& failure) {
  client->Connect(w.endpoint, [s, i, client, &failure](const std::string& error) {
    if (!error.empty()) return failure.Set("client " + std::to_string(i) + ": " + error);
    client->Call(LoginFrame(s->client(i), kBenchPassword), [s, i, &failure](const v1::Response& r) {
      if (auto e = ResponseError(r); !e.empty()) {
        return failure.Set("login of client " + std::to_string(i) + ": " + e);
      }
      s->logged_in.Done();
    });
  });
}

// Approves the member's invitation for every thread, to read and post, with earlier messages.
void Approve(std::shared_ptr<SeedState> s, Peer* client, uint64_t invitation, Failure& failure) {
  v1::ClientFrame f;
  auto* approve = f.mutable_approve_invitation();
  approve->set_invitation_id(invitation);
  auto* provision = approve->mutable_provision();
  provision->set_all_threads(true);
  provision->add_actions(v1::CONSENT_ACTION_READ);
  provision->add_actions(v1::CONSENT_ACTION_POST);
  provision->set_history_visible(true);
  client->Call(std::move(f), [s, &failure](const v1::Response& r) {
    if (auto e = ResponseError(r); !e.empty()) return failure.Set("ApproveInvitation: " + e);
    s->opened.Done();
  });
}

// The client opens network i, adds its threads, invites the member and approves them.
void Open(std::shared_ptr<SeedState> s, size_t i, Peer* client, Failure& failure) {
  v1::ClientFrame f;
  f.mutable_open_network()->set_client_handle(s->client(i));
  client->Call(std::move(f), [s, i, client, &failure](const v1::Response& r) {
    if (auto e = ResponseError(r); !e.empty()) return failure.Set("OpenNetwork: " + e);
    SeedNetwork& net = s->networks[i];
    net.network_id = r.open_network().network().id();
    net.thread_ids = {r.open_network().network().general_thread_id()};
    const size_t more = static_cast<size_t>(s->options.threads - 1);
    client->Pipeline(
        more, kSetupWindow,
        [s, i](size_t j) {
          v1::ClientFrame f;
          auto* create = f.mutable_create_thread();
          create->set_network_id(s->networks[i].network_id);
          create->set_title("Thread " + std::to_string(j + 2));
          return f;
        },
        [s, i, &failure](size_t, const v1::Response& r) {
          if (auto e = ResponseError(r); !e.empty()) return failure.Set("CreateThread: " + e);
          s->networks[i].thread_ids.push_back(r.create_thread().thread().id());
        },
        [s, i, client, &failure] {
          SeedNetwork& net = s->networks[i];
          net.max_seq.assign(net.thread_ids.size(), 0);
          v1::ClientFrame f;
          f.mutable_invite()->set_network_id(net.network_id);
          f.mutable_invite()->set_invitee_handle(s->member);
          f.mutable_invite()->set_role_label("jobcoach");
          client->Call(std::move(f), [s, client, &failure](const v1::Response& r) {
            if (auto e = ResponseError(r); !e.empty()) return failure.Set("Invite: " + e);
            Approve(s, client, r.invite().invitation().id(), failure);
          });
        });
  });
}

// The client posts M messages in each thread, the threads in turn.
void PostMessages(std::shared_ptr<SeedState> s, size_t i, Peer* client, Failure& failure) {
  const size_t threads = s->networks[i].thread_ids.size();
  const size_t total = threads * static_cast<size_t>(s->options.messages);
  client->Pipeline(
      total, static_cast<size_t>(s->options.window),
      [s, i, threads](size_t k) {
        const SeedNetwork& net = s->networks[i];
        v1::ClientFrame f;
        auto* post = f.mutable_post_message();
        post->set_network_id(net.network_id);
        post->set_thread_id(net.thread_ids[k % threads]);
        post->set_client_msg_id("seed" + std::to_string(k));
        post->set_text(std::to_string(k / threads + 1) + " " + s->text);
        return f;
      },
      [s, i, threads, &failure](size_t k, const v1::Response& r) {
        if (auto e = ResponseError(r); !e.empty()) {
          return failure.Set("PostMessage " + std::to_string(k) + ": " + e);
        }
        SeedNetwork& net = s->networks[i];
        ++net.acked;
        uint64_t& max = net.max_seq[k % threads];
        max = std::max(max, r.post_message().seq());
      },
      [s] { s->posted.Done(); });
}

}  // namespace

std::string CheckSeedOptions(const SeedOptions& o) {
  if (o.networks < 1) return "--networks must be at least 1";
  if (o.threads < 1) return "--thread-count must be at least 1 (the general thread)";
  if (o.messages < 0) return "--messages must not be negative";
  if (o.window < 1) return "--window must be at least 1";
  return "";
}

Outcome RunSeed(const SeedOptions& o, const RunContext& context) {
  SeedResult r;
  RunInfo info = context.info;
  info.networks = o.networks;
  info.members = 2;
  auto s = std::make_shared<SeedState>(o, NewRunId());
  s->text = "seed " + std::string(static_cast<size_t>(std::max(o.message_bytes, 8) - 8), 'x');
  r.member = s->member;
  const WorldOptions& w = context.world;
  const auto deadline = Clock::now() + w.setup_deadline;
  Failure failure;
  const auto phase = [&](const char* name, Countdown& countdown) {
    if (!r.problem.empty()) return false;
    if (!countdown.Wait(deadline, failure)) {
      r.problem = std::string(name) + ": " + (failure.failed() ? failure.what() : "timed out");
      return false;
    }
    if (w.verbose) std::fprintf(stderr, "kring-bench: seed: %s done\n", name);
    return true;
  };
  {
    // Declared in this order so that the connections go before their io threads.
    IoThreads io(info.generator_threads);
    auto admin = std::make_unique<Peer>(SIZE_MAX, io, 0, *context.tls, failure);
    std::vector<std::unique_ptr<Peer>> clients;
    for (size_t i = 0; i < s->networks.size(); ++i) {
      clients.push_back(
          std::make_unique<Peer>(i, io, static_cast<int>(i % io.size()), *context.tls, failure));
    }
    const auto began = Clock::now();
    io.Post(admin->thread(),
            [s, a = admin.get(), &w, &failure] { CreateAccounts(s, a, w, failure); });
    if (phase("accounts", s->accounts)) {
      for (size_t i = 0; i < clients.size(); ++i) {
        Peer* c = clients[i].get();
        io.Post(c->thread(), [s, i, c, &w, &failure] { LogIn(s, i, c, w, failure); });
      }
    }
    if (phase("log in the clients", s->logged_in)) {
      for (size_t i = 0; i < clients.size(); ++i) {
        Peer* c = clients[i].get();
        io.Post(c->thread(), [s, i, c, &failure] { Open(s, i, c, failure); });
      }
    }
    Clock::time_point posting;
    if (phase("open, add threads, invite and approve", s->opened)) {
      info.setup_s = Seconds(Clock::now() - began);
      posting = Clock::now();
      for (size_t i = 0; i < clients.size(); ++i) {
        Peer* c = clients[i].get();
        io.Post(c->thread(), [s, i, c, &failure] { PostMessages(s, i, c, failure); });
      }
    }
    if (phase("post", s->posted)) {
      r.post_s = Seconds(Clock::now() - posting);
      for (const SeedNetwork& net : s->networks) {
        r.posted += net.acked;
        for (uint64_t max : net.max_seq) {
          if (max != static_cast<uint64_t>(o.messages) && r.problem.empty()) {
            r.problem = "a thread of network " + std::to_string(net.network_id) + " ends at seq " +
                        std::to_string(max) + ", expected " + std::to_string(o.messages);
          }
        }
      }
    }
    // Close every connection, then stop the io threads.
    auto closed = std::make_shared<Countdown>(clients.size() + 1);
    const auto close = [&io, closed](Peer* peer) {
      io.Post(peer->thread(), [peer, closed] { peer->Close([closed] { closed->Done(); }); });
    };
    for (auto& c : clients) close(c.get());
    close(admin.get());
    Failure none;  // an unexpected end was reported when it happened; this only bounds the wait
    closed->Wait(Clock::now() + std::chrono::seconds(10), none);
    io.Stop();
  }
  if (r.problem.empty() && failure.failed()) r.problem = failure.what();
  return {context.json ? SeedJson(info, o, r) : SeedHuman(info, o, r), r.problem};
}

std::string SeedJson(const RunInfo& info, const SeedOptions& o, const SeedResult& r) {
  std::string j = "{\"scenario\": \"seed\"";
  j += ", \"server\": " + JsonString(info.server);
  j += ", \"member\": " + JsonString(r.member);
  j += ", \"password\": " + JsonString(kBenchPassword);
  j += Format(", \"networks\": %d, \"threads_per_network\": %d, \"messages_per_thread\": %d",
              o.networks, o.threads, o.messages);
  j += Format(", \"setup_s\": %.3f, \"posted\": %" PRIu64 ", \"post_s\": %.3f", info.setup_s,
              r.posted, r.post_s);
  j +=
      Format(", \"msgs_per_s\": %.1f", r.post_s > 0 ? static_cast<double>(r.posted) / r.post_s : 0);
  j += ", \"ok\": " + std::string(r.problem.empty() ? "true" : "false");
  j += ", \"problem\": " + (r.problem.empty() ? std::string("null") : JsonString(r.problem));
  return j + "}\n";
}

std::string SeedHuman(const RunInfo& info, const SeedOptions& o, const SeedResult& r) {
  std::string h;
  h += Format("seed: %s (password %s) in %d networks x %d threads x %d messages, on %s\n",
              r.member.c_str(), kBenchPassword, o.networks, o.threads, o.messages,
              info.server.c_str());
  h += Format("  setup %.1f s; posted %" PRIu64
              " messages in %.2f s (%.0f msgs/s, window %d per "
              "client)\n",
              info.setup_s, r.posted, r.post_s,
              r.post_s > 0 ? static_cast<double>(r.posted) / r.post_s : 0, o.window);
  h += r.problem.empty() ? "  checks: every post acknowledged, every thread at its last seq\n"
                         : "  FAILED: " + r.problem + "\n";
  return h;
}

}  // namespace kring::bench
