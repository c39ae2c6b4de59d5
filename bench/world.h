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

struct WorldOptions {
  Endpoint endpoint;
  std::string admin_handle = "admin";
  std::string admin_password;
  int networks = 100;
  // People per network, the client included; each one connection, subscribed to General.
  int members = 8;
  std::chrono::seconds setup_deadline{120};
  bool verbose = false;
};

struct NetworkInfo {
  uint64_t network_id = 0;
  uint64_t thread_id = 0;  // the general thread
};

// Peer p belongs to network p / members and is its member p % members; member 0 is the
// network's client, the others are member accounts.
struct World {
  int members = 0;
  std::vector<NetworkInfo> networks;
  std::vector<std::unique_ptr<Peer>> peers;
  std::unique_ptr<Peer> admin;

  const NetworkInfo& network_of(size_t peer) const { return networks[peer / members]; }
};

// Builds the world on `io` (peers spread round-robin over its threads). Empty string on
// success, else what failed. Blocks the calling thread (not an io thread).
std::string BuildWorld(const WorldOptions& options, IoThreads& io, TlsClient& tls, Failure& failure,
                       World* world);

// Closes every connection (the admin's too), waiting up to `deadline`.
void CloseWorld(World& world, IoThreads& io, std::chrono::steady_clock::time_point deadline);

}  // namespace kring::bench
