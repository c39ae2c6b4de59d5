#include "bench/connections.h"

#include <chrono>
#include <cinttypes>
#include <memory>

#include "bench/peer.h"
#include "bench/world.h"
#include "bench/ws_client.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The target for an idle authenticated TLS connection.
constexpr double kTargetKibPerConnection = 32;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

double ConnectionsResult::KibPerConnection() const {
  if (joined <= 0 || rss_after_kib == 0) return 0;
  return (static_cast<double>(rss_after_kib) - static_cast<double>(rss_before_kib)) / joined;
}

double ConnectionsResult::ConnectionsPerSecond() const {
  return connect_s > 0 ? joined / connect_s : 0;
}

std::string CheckConnectionsOptions(const ConnectionsOptions& o) {
  if (o.members < 2) return "--members must be at least 2";
  if (o.connections < o.members || o.connections % o.members != 0) {
    return "connections: --connections (" + std::to_string(o.connections) +
           ") must be a multiple of --members (" + std::to_string(o.members) + ")";
  }
  if (o.source_addresses < 0 || o.source_addresses > 254) {
    return "--source-addresses must be 0 (automatic) to 254";
  }
  return "";
}

Outcome RunConnections(const ConnectionsOptions& o, const RunContext& context) {
  ConnectionsResult r;
  r.connections = o.connections;
  r.networks = o.connections / o.members;
  r.joined = o.connections - r.networks;
  WorldOptions world_options = context.world;
  world_options.networks = r.networks;
  world_options.members = o.members;
  world_options.subscribe = true;
  const bool loopback = world_options.endpoint.host.rfind("127.", 0) == 0;
  r.source_addresses = o.source_addresses > 0 ? o.source_addresses
                       : loopback             ? SourceAddressesFor(o.connections)
                                              : 1;
  world_options.source_addresses = r.source_addresses;

  RunInfo info = context.info;
  info.networks = r.networks;
  info.members = o.members;
  Failure failure;
  {
    // Declared in this order so that the connections go before their io threads.
    IoThreads io(info.generator_threads);
    World world;
    const auto began = Clock::now();
    if (std::string e = PrepareWorld(world_options, io, *context.tls, failure, &world);
        !e.empty()) {
      r.problem = "setting up: " + e;
    }
    r.prepare_s = Seconds(Clock::now() - began);
    info.setup_s = r.prepare_s;
    if (r.problem.empty()) {
      SpanMeter meter(context.server_pid);
      const auto connect_began = Clock::now();
      if (std::string e = JoinWorld(&world); !e.empty()) r.problem = "connecting: " + e;
      r.connect_s = Seconds(Clock::now() - connect_began);
      r.span = meter.Finish();
      if (r.span.server_before && r.span.server_after) {
        r.rss_before_kib = r.span.server_before->rss_kib;
        r.rss_after_kib = r.span.server_after->rss_kib;
      }
    }
    CloseWorld(world, io, Clock::now() + std::chrono::seconds(30));
    io.Stop();
  }
  if (r.problem.empty() && failure.failed()) r.problem = failure.what();
  return {context.json ? ConnectionsJson(info, r) : ConnectionsHuman(info, r), r.problem};
}

std::string ConnectionsJson(const RunInfo& info, const ConnectionsResult& r) {
  std::string j = "{\"scenario\": \"connections\"";
  j += ", \"server\": " + JsonString(info.server);
  j += Format(", \"connections\": %d, \"networks\": %d, \"members\": %d, \"joined\": %d",
              r.connections, r.networks, info.members, r.joined);
  j += Format(", \"source_addresses\": %d, \"prepare_s\": %.3f, \"connect_s\": %.3f",
              r.source_addresses, r.prepare_s, r.connect_s);
  j += Format(", \"connections_per_s\": %.1f", r.ConnectionsPerSecond());
  if (r.rss_after_kib > 0) {
    j += Format(", \"server_rss_before_kib\": %" PRIu64 ", \"server_rss_after_kib\": %" PRIu64
                ", \"server_kib_per_connection\": %.2f",
                r.rss_before_kib, r.rss_after_kib, r.KibPerConnection());
  } else {
    j += ", \"server_rss_before_kib\": null, \"server_rss_after_kib\": null, "
         "\"server_kib_per_connection\": null";
  }
  j += SpanJson(r.span, info);
  j += ", \"ok\": " + std::string(r.problem.empty() ? "true" : "false");
  j += ", \"problem\": " + (r.problem.empty() ? std::string("null") : JsonString(r.problem));
  return j + "}\n";
}

std::string ConnectionsHuman(const RunInfo& info, const ConnectionsResult& r) {
  std::string h;
  h += Format("connections: %d idle TLS connections (%d networks x %d members) against %s\n",
              r.connections, r.networks, info.members, info.server.c_str());
  h += Format("  setup: accounts and networks (the %d clients connected) in %.1f s\n", r.networks,
              r.prepare_s);
  h += Format(
      "  connect + TLS + upgrade + login + subscribe of %d members (and the clients' subscribe), "
      "from %d source address%s: %.2f s (%.0f connections/s)\n",
      r.joined, r.source_addresses, r.source_addresses == 1 ? "" : "es", r.connect_s,
      r.ConnectionsPerSecond());
  const double per = r.KibPerConnection();
  if (r.rss_after_kib > 0) {
    h += Format(
        "  server RSS: %.1f MiB before, %.1f MiB after: %.1f KiB per connection (target <= %.0f: "
        "%s); %.1f KiB per connection of the total\n",
        static_cast<double>(r.rss_before_kib) / 1024, static_cast<double>(r.rss_after_kib) / 1024,
        per, kTargetKibPerConnection, per <= kTargetKibPerConnection ? "met" : "MISSED",
        static_cast<double>(r.rss_after_kib) / r.connections);
  }
  h += SpanHuman(r.span, info);
  h += r.problem.empty() ? "  checks: every connection logged in and subscribed\n"
                         : "  FAILED: " + r.problem + "\n";
  h += "\n| scenario | connections | networks × members | connect s | connections/s | "
       "server KiB / connection | server RSS MiB | server CPU-s | server peak RSS MiB |\n";
  h += "|---|---|---|---|---|---|---|---|---|\n";
  h += Format("| connections | %d | %d × %d | %.2f | %.0f | ", r.connections, r.networks,
              info.members, r.connect_s, r.ConnectionsPerSecond());
  if (r.rss_after_kib > 0) {
    h += Format("%.1f | %.1f | ", per, static_cast<double>(r.rss_after_kib) / 1024);
  } else {
    h += "– | – | ";
  }
  return h + SpanCells(r.span) + " |\n";
}

}  // namespace kring::bench
