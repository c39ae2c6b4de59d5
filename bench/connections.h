// The `connections` scenario: C authenticated, idle TLS WebSocket connections, each a real
// member of a network (C / M networks of M members, built like fanout's world) subscribed to
// its network's general thread.
//
// Measured: the server's RSS per connection and the time to connect them all. The accounts and
// networks are made first (the clients, member 0 of each network, connect to open them); then
// the server's RSS is read, the other C - C/M members connect, upgrade, log in and subscribe (and
// the clients subscribe), and the RSS is read again: per connection = growth / (C - C/M).
#pragma once

#include <cstdint>
#include <string>

#include "bench/report.h"

namespace kring::bench {

struct ConnectionsOptions {
  int connections = 10'000;
  int members = 8;  // per network; must divide connections
  // Loopback source addresses to spread the connections over; 0: SourceAddressesFor(C) when
  // the server is on loopback, else 1.
  int source_addresses = 0;
};

// The part of a run the scenario reports. Exposed for the tests of the arithmetic.
struct ConnectionsResult {
  int connections = 0;
  int networks = 0;
  int joined = 0;            // connections made in the measured phase (all but the clients)
  int source_addresses = 1;  // as used
  double prepare_s = 0;      // accounts, networks, the clients' connections
  double connect_s = 0;      // the measured phase
  uint64_t rss_before_kib = 0;
  uint64_t rss_after_kib = 0;
  Span span;  // over the measured phase
  std::string problem;

  // RSS growth over the measured phase per connection made in it (0 when not measured).
  double KibPerConnection() const;
  double ConnectionsPerSecond() const;
};

// "" when the options can run, else why not (a usage error).
std::string CheckConnectionsOptions(const ConnectionsOptions& options);

// Builds the networks, connects, measures, closes everything and prints.
Outcome RunConnections(const ConnectionsOptions& options, const RunContext& context);

std::string ConnectionsJson(const RunInfo& info, const ConnectionsResult& r);
std::string ConnectionsHuman(const RunInfo& info, const ConnectionsResult& r);

}  // namespace kring::bench
