// The population a scenario runs on, made through the protocol like any app would: the admin
// creates the accounts, each network's client opens it, invites the members and approves
// them, and every peer logs in on its own connection and subscribes to the general thread.
//
// Networks get fresh handles (a run id prefix), so a run against a long-lived server
// (--server) never collides with an earlier run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/peer.h"
#include "bench/ws_client.h"

namespace kring::bench {

// The password of every account a world creates.
inline constexpr char kBenchPassword[] = "kring-bench-password";

struct WorldOptions {
  Endpoint endpoint;
  std::string admin_handle = "admin";
  std::string admin_password;
  int networks = 100;
  // People per network, the client included; each one connection.
  int members = 8;
  // Whether every peer subscribes to its network's general thread from seq 0.
  bool subscribe = true;
  // Peers connect from this many loopback source addresses (SourceAddress); 1: the kernel's
  // choice.
  int source_addresses = 1;
  std::chrono::seconds setup_deadline{120};
  bool verbose = false;
};

struct NetworkInfo {
  uint64_t network_id = 0;
  uint64_t thread_id = 0;  // the general thread
};

// Peer p belongs to network p / members and is its member p % members; member 0 is the
// network's client, the others are member accounts.
class WorldBuilder;

struct World {
  int members = 0;
  std::string run;  // the prefix of this run's handles
  std::vector<NetworkInfo> networks;
  std::vector<std::unique_ptr<Peer>> peers;
  std::vector<std::string> tokens;  // by peer: the session token of its login
  std::unique_ptr<Peer> admin;
  std::shared_ptr<WorldBuilder> builder;  // between PrepareWorld and JoinWorld

  const NetworkInfo& network_of(size_t peer) const { return networks[peer / members]; }
  // The account handle of peer p (password kBenchPassword).
  std::string handle(size_t peer) const;
};

// Builds the world on `io` (peers spread round-robin over its threads): PrepareWorld, then
// JoinWorld. Empty string on success, else what failed. Blocks the calling thread (not an io
// thread). `options` must outlive the world.
std::string BuildWorld(const WorldOptions& options, IoThreads& io, TlsClient& tls, Failure& failure,
                       World* world);

// The halves of BuildWorld, for a scenario that measures the second. PrepareWorld creates the
// accounts; each network's client connects, logs in, opens the network, invites the members and
// approves them. JoinWorld connects and logs in every other member, then (options.subscribe)
// subscribes every peer. Both block like BuildWorld.
std::string PrepareWorld(const WorldOptions& options, IoThreads& io, TlsClient& tls,
                         Failure& failure, World* world);
std::string JoinWorld(World* world);

// A short prefix unique to this run (time and PID): handles stay within [a-z0-9._-] and 64 bytes.
std::string NewRunId();

// A Login request for the bench's accounts (app "kring-bench/0.1").
v1::ClientFrame LoginFrame(const std::string& handle, const std::string& password);

// The source address of peer p when peers spread over `count` loopback addresses: "" for
// count <= 1, else 127.0.0.1, 127.0.0.2, ... round-robin.
std::string SourceAddress(size_t peer, int count);
// Loopback source addresses for `connections` to one server port: one per kConnectionsPerSource.
inline constexpr int kConnectionsPerSource = 25'000;  // of Linux's 28,232 ephemeral ports
int SourceAddressesFor(int connections);

// Closes every connection (the admin's too), waiting up to `deadline`.
void CloseWorld(World& world, IoThreads& io, std::chrono::steady_clock::time_point deadline);

}  // namespace kring::bench
