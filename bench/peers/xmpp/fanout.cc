#include "bench/peers/xmpp/fanout.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench/peers/xmpp/peer.h"
#include "bench/peers/xmpp/scenario.h"
#include "bench/report.h"

namespace kring::bench {
namespace {

using Clock = std::chrono::steady_clock;

// TLS handshakes and logins in progress at once, per io thread.
constexpr size_t kConnectsPerThread = 16;
constexpr char kCountId[] = "mam-count";

// "wss://HOST:PORT/PATH" into the endpoint; HOST resolved to an address.
std::string ParseXmppUrl(const std::string& url, Endpoint* ep) {
  constexpr std::string_view kScheme = "wss://";
  if (url.rfind(kScheme, 0) != 0) return "--xmpp must look like wss://HOST:PORT/PATH";
  std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  ep->path = slash == std::string::npos ? "/" : rest.substr(slash);
  rest = rest.substr(0, slash);
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return "--xmpp needs a port: wss://HOST:PORT/PATH";
  const std::string host = rest.substr(0, colon);
  const int port = std::atoi(rest.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return "--xmpp: bad port in " + url;
  if (!ResolveHost(host, &ep->host).empty()) return "--xmpp: cannot resolve " + host;
  ep->port = static_cast<uint16_t>(port);
  ep->subprotocol = "xmpp";  // RFC 7395 section 3.1
  ep->text_frames = true;    // RFC 7395 section 3.2: UTF-8 text messages
  return "";
}

// Connects, logs in and joins every peer, kConnectsPerThread at a time per io thread.
class XmppWorldBuilder : public std::enable_shared_from_this<XmppWorldBuilder> {
 public:
  XmppWorldBuilder(const XmppBenchOptions& o, const Endpoint& ep, IoThreads& io,
                   std::vector<std::unique_ptr<XmppPeer>>& peers, Failure& failure)
      : o_(o), ep_(ep), io_(io), peers_(peers), failure_(failure), joined_(peers.size()) {}

  std::string Build() {
    auto self = shared_from_this();
    for (int t = 0; t < io_.size(); ++t) {
      io_.Post(t, [self, t] {
        auto next = std::make_shared<size_t>(t);
        for (size_t i = 0; i < kConnectsPerThread; ++i) self->ConnectNext(next);
      });
    }
    const auto deadline = Clock::now() + std::chrono::seconds(o_.setup_timeout_s);
    if (!joined_.Wait(deadline, failure_)) {
      return "connect, log in and join: " + (failure_.failed() ? failure_.what() : "timed out");
    }
    return "";
  }

 private:
  void ConnectNext(std::shared_ptr<size_t> next) {
    if (*next >= peers_.size()) return;
    XmppPeer* peer = peers_[*next].get();
    *next += io_.size();
    const size_t n = peer->index() / o_.members, m = peer->index() % o_.members;
    XmppLogin login;
    login.endpoint = ep_;
    login.domain = o_.domain;
    login.user = o_.prefix + "n" + std::to_string(n) + "m" + std::to_string(m);
    login.password = o_.password;
    login.room_jid = RoomJid(o_, n);
    login.nick = "m" + std::to_string(m);
    auto self = shared_from_this();
    peer->Start(login, [self, peer, next](const std::string& error) {
      if (!error.empty()) {
        return self->failure_.Set("xmpp peer " + std::to_string(peer->index()) + ": " + error);
      }
      self->joined_.Done();
      self->ConnectNext(next);
    });
  }

  const XmppBenchOptions& o_;
  const Endpoint ep_;
  IoThreads& io_;
  std::vector<std::unique_ptr<XmppPeer>>& peers_;
  Failure& failure_;
  Countdown joined_;
};

void ClosePeers(std::vector<std::unique_ptr<XmppPeer>>& peers, IoThreads& io) {
  auto closed = std::make_shared<Countdown>(peers.size());
  for (auto& owned : peers) {
    XmppPeer* peer = owned.get();
    io.Post(peer->thread(), [peer, closed] { peer->Close([closed] { closed->Done(); }); });
  }
  Failure none;  // an unexpected end was reported when it happened; this only bounds the wait
  closed->Wait(Clock::now() + std::chrono::seconds(10), none);
}

// Asks each room's archive for its count, through member 0 of the room. Blocks; -1 for a
// room that did not answer with a count.
std::vector<int64_t> CountArchives(const XmppBenchOptions& o,
                                   std::vector<std::unique_ptr<XmppPeer>>& peers, IoThreads& io) {
  auto counts = std::make_shared<std::vector<int64_t>>(o.networks, -1);
  auto answered = std::make_shared<Countdown>(o.networks);
  for (int n = 0; n < o.networks; ++n) {
    XmppPeer* peer = peers[static_cast<size_t>(n) * o.members].get();
    const std::string room = RoomJid(o, n);
    io.Post(peer->thread(), [peer, room, n, counts, answered] {
      peer->Iq(xmpp::MamCountFrame(room, kCountId), kCountId,
               [n, counts, answered](std::string_view frame) {
                 const std::string_view count = xmpp::ElementText(frame, "count");
                 if (!count.empty()) (*counts)[n] = std::atoll(std::string(count).c_str());
                 answered->Done();
               });
    });
  }
  Failure none;
  answered->Wait(Clock::now() + std::chrono::seconds(60), none);
  // The vector is read only after the io threads stop (the caller's io.Stop()).
  return *counts;
}

}  // namespace

int RunXmppBench(const XmppBenchOptions& options) {
  // A room archiving synchronously in SQL drains a full closed-loop window (N x window
  // messages) at a few dozen to a few hundred messages/s: give it the time.
  XmppBenchOptions o = options;
  o.fanout.drain_deadline = std::max(o.fanout.drain_deadline, std::chrono::seconds(180));
  auto fail = [](int code, const std::string& message) {
    std::fprintf(stderr, "kring-bench: error: %s\n", message.c_str());
    return code;
  };
  if (o.password.empty()) return fail(2, "--xmpp needs --xmpp-password");
  if (o.fanout.message_bytes < kXmppMinBodyBytes) {
    return fail(2, "--xmpp needs --message-bytes of at least " + std::to_string(kXmppMinBodyBytes));
  }
  Endpoint ep;
  ep.server_name = o.server_name.empty() ? "localhost" : o.server_name;
  if (std::string e = ParseXmppUrl(o.url, &ep); !e.empty()) return fail(2, e);
  std::string error;
  std::unique_ptr<TlsClient> tls = TlsClient::Create(o.ca_file, &error);
  if (!tls) return fail(2, error);

  RunInfo info;
  info.scenario = "fanout";
  info.server =
      "XMPP server over WebSocket (RFC 7395) at " + o.url +
      (o.fanout.server_pid > 0 ? " (pid " + std::to_string(o.fanout.server_pid) + ")" : "");
  info.networks = o.networks;
  info.members = o.members;
  info.generator_threads = o.threads;

  Failure failure;
  FanoutResult result;
  std::vector<int64_t> archived;
  {
    // Declared in this order so that the connections go before their io threads.
    IoThreads io(o.threads);
    std::vector<std::unique_ptr<XmppPeer>> peers;
    const size_t total = static_cast<size_t>(o.networks) * o.members;
    for (size_t p = 0; p < total; ++p) {
      peers.push_back(
          std::make_unique<XmppPeer>(p, io, static_cast<int>(p % io.size()), *tls, failure));
    }
    const auto began = Clock::now();
    auto builder = std::make_shared<XmppWorldBuilder>(o, ep, io, peers, failure);
    if (std::string e = builder->Build(); !e.empty()) {
      ClosePeers(peers, io);
      io.Stop();
      return fail(1, "setting up: " + e);
    }
    info.setup_s = std::chrono::duration<double>(Clock::now() - began).count();
    if (o.verbose) std::fprintf(stderr, "kring-bench: xmpp setup in %.2f s\n", info.setup_s);
    XmppScenario scenario(o, peers, io, failure);
    result = scenario.Run();
    if (!failure.failed()) archived = CountArchives(o, peers, io);
    ClosePeers(peers, io);
    io.Stop();
    scenario.Collect(&result);
    if (result.problem.empty()) result.problem = scenario.CheckArchive(archived);
  }
  int64_t archived_total = 0;
  for (int64_t c : archived) archived_total += std::max<int64_t>(c, 0);

  std::string out;
  if (o.json) {
    // FanoutJson's object, with the archive count and what stood for the ack added.
    out = FanoutJson(info, o.fanout, result);
    while (!out.empty() && (out.back() == '\n' || out.back() == '}')) out.pop_back();
    out +=
        ", \"protocol\": \"xmpp\", \"ack\": \"the sender's echoed groupchat copy carrying a "
        "stanza-id\", \"archived\": " +
        std::to_string(archived_total) + "}\n";
  } else {
    out = FanoutHuman(info, o.fanout, result);
    out +=
        "\n  (XMPP: \"durable ack\" above is the sender's echoed groupchat copy carrying a "
        "stanza-id; XMPP has no persisted answer)\n";
    out += "  archive: " + std::to_string(archived_total) + " messages counted by MAM over " +
           std::to_string(o.networks) + " rooms, " + std::to_string(result.sent) + " sent\n";
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  if (!result.problem.empty()) return fail(1, result.problem);
  return 0;
}

}  // namespace kring::bench
