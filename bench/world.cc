#include "bench/world.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <utility>

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kApp[] = "kring-bench/0.1";
// Requests one connection keeps in flight while setting up: enough to fill the server's writer
// groups and its password-hashing pool without a queue of thousands.
constexpr size_t kSetupWindow = 64;
// TLS handshakes in progress at once, per io thread.
constexpr size_t kConnectsPerThread = 32;

}  // namespace

std::string NewRunId() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  uint64_t v =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) *
          1000 +
      static_cast<uint64_t>(::getpid() % 1000);
  std::string id;
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  while (v > 0) {
    id.push_back(digits[v % 36]);
    v /= 36;
  }
  return "b" + id;
}

// The setup's state lives on the heap, shared by its callbacks: after a phase fails or times
// out, BuildWorld returns while some of them may still run until the io threads stop.
class WorldBuilder : public std::enable_shared_from_this<WorldBuilder> {
 public:
  WorldBuilder(const WorldOptions& options, IoThreads& io, TlsClient& tls, Failure& failure,
               World* world)
      : options_(options),
        io_(io),
        tls_(tls),
        failure_(failure),
        world_(world),
        n_(options.networks),
        m_(options.members),
        total_(static_cast<size_t>(n_) * m_),
        run_(NewRunId()),
        began_(Clock::now()),
        deadline_(began_ + options.setup_deadline),
        accounts_(1),
        clients_logged_in_(n_),
        members_logged_in_(total_ - n_),
        opened_(n_),
        subscribed_(total_) {}

  std::string Prepare() {
    world_->members = m_;
    world_->run = run_;
    world_->networks.assign(n_, NetworkInfo{});
    world_->tokens.assign(total_, "");
    world_->admin = std::make_unique<Peer>(SIZE_MAX, io_, 0, tls_, failure_);
    // Round-robin, shifted by one per network: with p % threads alone and an even M, every
    // network's client (member 0, fanout's default sender) would land on the same thread.
    const size_t threads = static_cast<size_t>(io_.size());
    for (size_t p = 0; p < total_; ++p) {
      const int thread = static_cast<int>((p + p / m_) % threads);
      world_->peers.push_back(std::make_unique<Peer>(p, io_, thread, tls_, failure_));
    }
    auto self = shared_from_this();

    io_.Post(0, [self] { self->CreateAccounts(); });
    if (auto e = Phase("accounts", accounts_); !e.empty()) return e;

    ConnectAll([this](size_t p) { return p % m_ == 0; }, &clients_logged_in_);
    if (auto e = Phase("connect and log in the clients", clients_logged_in_); !e.empty()) {
      return e;
    }

    for (int i = 0; i < n_; ++i) {
      Peer* client = world_->peers[static_cast<size_t>(i) * m_].get();
      io_.Post(client->thread(), [self, i, client] { self->OpenNetwork(i, client); });
    }
    return Phase("open networks", opened_);
  }

  std::string Join() {
    ConnectAll([this](size_t p) { return p % m_ != 0; }, &members_logged_in_);
    if (auto e = Phase("connect and log in the members", members_logged_in_); !e.empty()) {
      return e;
    }
    if (!options_.subscribe) return "";
    auto self = shared_from_this();
    for (auto& owned : world_->peers) {
      Peer* peer = owned.get();
      io_.Post(peer->thread(), [self, peer] { self->Subscribe(peer); });
    }
    return Phase("subscribe", subscribed_);
  }

 private:
  std::string Phase(const char* name, Countdown& countdown) {
    if (!countdown.Wait(deadline_, failure_)) {
      return std::string(name) + ": " + (failure_.failed() ? failure_.what() : "timed out");
    }
    if (options_.verbose) {
      std::fprintf(stderr, "kring-bench: setup: %s done at %.2f s\n", name,
                   std::chrono::duration<double>(Clock::now() - began_).count());
    }
    return "";
  }

  // 1. The admin logs in and creates every account.
  void CreateAccounts() {
    auto self = shared_from_this();
    Peer* admin = world_->admin.get();
    admin->Connect(options_.endpoint, [self, admin](const std::string& error) {
      if (!error.empty()) return self->failure_.Set("admin: " + error);
      admin->Call(
          LoginFrame(self->options_.admin_handle, self->options_.admin_password),
          [self, admin](const v1::Response& r) {
            if (auto e = ResponseError(r); !e.empty()) {
              return self->failure_.Set("admin login: " + e);
            }
            admin->Pipeline(
                self->total_, kSetupWindow,
                [self](size_t i) {
                  v1::ClientFrame f;
                  auto* c = f.mutable_create_account();
                  const int member = static_cast<int>(i % self->m_);
                  c->set_handle(self->world_->handle(i));
                  c->set_kind(member == 0 ? v1::ACCOUNT_KIND_CLIENT : v1::ACCOUNT_KIND_MEMBER);
                  c->set_password(kBenchPassword);
                  return f;
                },
                [self](size_t i, const v1::Response& r) {
                  if (auto e = ResponseError(r); !e.empty()) {
                    self->failure_.Set("CreateAccount " + std::to_string(i) + ": " + e);
                  }
                },
                [self] { self->accounts_.Done(); });
          });
    });
  }

  // 2. The chosen peers connect and log in, kConnectsPerThread handshakes at a time per io
  // thread: each finished login starts the next connect of its thread.
  void ConnectAll(const std::function<bool(size_t)>& chosen, Countdown* logged_in) {
    auto self = shared_from_this();
    for (int t = 0; t < io_.size(); ++t) {
      auto todo = std::make_shared<std::vector<size_t>>();
      for (size_t p = 0; p < total_; ++p) {
        if (world_->peers[p]->thread() == t && chosen(p)) todo->push_back(p);
      }
      io_.Post(t, [self, todo, logged_in] {
        auto next = std::make_shared<size_t>(0);
        for (size_t i = 0; i < kConnectsPerThread; ++i) self->ConnectNext(todo, next, logged_in);
      });
    }
  }

  void ConnectNext(std::shared_ptr<std::vector<size_t>> todo, std::shared_ptr<size_t> next,
                   Countdown* logged_in) {
    if (*next >= todo->size()) return;
    Peer* peer = world_->peers[(*todo)[(*next)++]].get();
    Endpoint endpoint = options_.endpoint;
    endpoint.local_host = SourceAddress(peer->index(), options_.source_addresses);
    auto self = shared_from_this();
    peer->Connect(endpoint, [self, peer, todo, next, logged_in](const std::string& error) {
      if (!error.empty()) {
        return self->failure_.Set("peer " + std::to_string(peer->index()) + ": " + error);
      }
      peer->Call(LoginFrame(self->world_->handle(peer->index()), kBenchPassword),
                 [self, peer, todo, next, logged_in](const v1::Response& r) {
                   if (auto e = ResponseError(r); !e.empty()) {
                     return self->failure_.Set("login of peer " + std::to_string(peer->index()) +
                                               ": " + e);
                   }
                   self->world_->tokens[peer->index()] = r.login().token();
                   logged_in->Done();
                   self->ConnectNext(todo, next, logged_in);
                 });
    });
  }

  // 3. The client opens network i, invites its members and approves them.
  void OpenNetwork(int i, Peer* client) {
    auto self = shared_from_this();
    v1::ClientFrame f;
    f.mutable_open_network()->set_client_handle(world_->handle(static_cast<size_t>(i) * m_));
    client->Call(std::move(f), [self, i, client](const v1::Response& r) {
      if (auto e = ResponseError(r); !e.empty()) return self->failure_.Set("OpenNetwork: " + e);
      NetworkInfo& info = self->world_->networks[i];
      info.network_id = r.open_network().network().id();
      info.thread_id = r.open_network().network().general_thread_id();
      auto invitations = std::make_shared<std::vector<uint64_t>>(self->m_ - 1);
      client->Pipeline(
          self->m_ - 1, kSetupWindow,
          [self, i](size_t j) {
            v1::ClientFrame f;
            auto* invite = f.mutable_invite();
            invite->set_network_id(self->world_->networks[i].network_id);
            invite->set_invitee_handle(
                self->world_->handle(static_cast<size_t>(i) * self->m_ + j + 1));
            invite->set_role_label("bench");
            return f;
          },
          [self, invitations](size_t j, const v1::Response& r) {
            if (auto e = ResponseError(r); !e.empty()) return self->failure_.Set("Invite: " + e);
            (*invitations)[j] = r.invite().invitation().id();
          },
          [self, client, invitations] {
            client->Pipeline(
                self->m_ - 1, kSetupWindow,
                [invitations](size_t j) {
                  v1::ClientFrame f;
                  f.mutable_approve_invitation()->set_invitation_id((*invitations)[j]);
                  return f;
                },
                [self](size_t, const v1::Response& r) {
                  if (auto e = ResponseError(r); !e.empty()) {
                    self->failure_.Set("ApproveInvitation: " + e);
                  }
                },
                [self] { self->opened_.Done(); });
          });
    });
  }

  // 4. A peer subscribes to its network's general thread from the start.
  void Subscribe(Peer* peer) {
    auto self = shared_from_this();
    const NetworkInfo& info = world_->network_of(peer->index());
    v1::ClientFrame f;
    auto* s = f.mutable_subscribe();
    s->set_network_id(info.network_id);
    auto* cursor = s->add_threads();
    cursor->set_thread_id(info.thread_id);
    cursor->set_after_seq(0);
    peer->Call(std::move(f), [self, peer](const v1::Response& r) {
      if (auto e = ResponseError(r); !e.empty()) return self->failure_.Set("Subscribe: " + e);
      if (r.subscribe().threads_size() != 1 || r.subscribe().threads(0).has_error()) {
        return self->failure_.Set("Subscribe of peer " + std::to_string(peer->index()) + ": " +
                                  r.subscribe().ShortDebugString());
      }
      self->subscribed_.Done();
    });
  }

  const WorldOptions& options_;
  IoThreads& io_;
  TlsClient& tls_;
  Failure& failure_;
  World* const world_;
  const int n_;
  const int m_;
  const size_t total_;
  const std::string run_;
  const Clock::time_point began_;
  const Clock::time_point deadline_;
  Countdown accounts_;
  Countdown clients_logged_in_;
  Countdown members_logged_in_;
  Countdown opened_;
  Countdown subscribed_;
};

v1::ClientFrame LoginFrame(const std::string& handle, const std::string& password) {
  v1::ClientFrame f;
  auto* login = f.mutable_login();
  login->set_handle(handle);
  login->set_password(password);
  login->set_app(kApp);
  return f;
}

std::string World::handle(size_t peer) const {
  const size_t member = peer % members;
  return run + "-n" + std::to_string(peer / members) +
         (member == 0 ? "-c" : "-m" + std::to_string(member));
}

std::string PrepareWorld(const WorldOptions& options, IoThreads& io, TlsClient& tls,
                         Failure& failure, World* world) {
  if (options.networks < 1 || options.members < 2) {
    return "a world needs at least 1 network of at least 2 members";
  }
  world->builder = std::make_shared<WorldBuilder>(options, io, tls, failure, world);
  return world->builder->Prepare();
}

std::string JoinWorld(World* world) {
  if (!world->builder) return "JoinWorld before PrepareWorld";
  return world->builder->Join();
}

std::string BuildWorld(const WorldOptions& options, IoThreads& io, TlsClient& tls, Failure& failure,
                       World* world) {
  if (std::string e = PrepareWorld(options, io, tls, failure, world); !e.empty()) return e;
  return JoinWorld(world);
}

std::string SourceAddress(size_t peer, int count) {
  if (count <= 1) return "";
  return "127.0.0." + std::to_string(1 + peer % static_cast<size_t>(count));
}

int SourceAddressesFor(int connections) {
  return std::max(1, (connections + kConnectionsPerSource - 1) / kConnectionsPerSource);
}

void CloseWorld(World& world, IoThreads& io, Clock::time_point deadline) {
  // Shared with the callbacks: the wait may give up before the last one runs.
  auto closed = std::make_shared<Countdown>(world.peers.size() + (world.admin ? 1 : 0));
  auto close = [&io, closed](Peer* peer) {
    io.Post(peer->thread(), [peer, closed] { peer->Close([closed] { closed->Done(); }); });
  };
  for (auto& peer : world.peers) close(peer.get());
  if (world.admin) close(world.admin.get());
  Failure none;  // an unexpected end was reported when it happened; this only bounds the wait
  closed->Wait(deadline, none);
}

}  // namespace kring::bench
