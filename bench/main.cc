// kring-bench: a load generator for kringd.
//
//   kring-bench SCENARIO [--server wss://HOST:PORT --ca FILE | --spawn-kringd PATH]
//               [--networks N] [--members M] [--connections C] [--messages N] [--page-size P]
//               [--rate R] [--duration S] [--window W] [--json] ...
//   kring-bench fanout --xmpp wss://HOST:PORT/PATH --ca FILE --xmpp-password PW [...]
//               the same fanout against an XMPP server (bench/peers/xmpp/fanout.h); only in a
//               build configured with -DKRING_BENCH_PEERS=ON (bench/peers/ejabberd/README.md)
//
// SCENARIO is fanout, connections, history, resume or seed (bench/<scenario>.h says what each
// one does; seed only fills a kringd for measuring an app against). With --spawn-kringd it starts
// its own kringd on a temp dir and a loopback port, so that one command gives a result. Exit codes:
// 0 a valid run, 1 the run failed or a check did not hold (a missing or duplicated delivery), 2
// usage. See docs/benchmarks.md.
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bench/connections.h"
#include "bench/fanout.h"
#include "bench/history.h"
#include "bench/kringd_process.h"
#include "bench/peers/xmpp/fanout.h"
#include "bench/report.h"
#include "bench/resume.h"
#include "bench/seed.h"
#include "bench/world.h"
#include "bench/ws_client.h"

namespace kring::bench {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct Flags {
  std::string scenario;
  std::string server_url;
  std::string ca_file;
  std::string server_name;
  std::string admin_handle = "admin";
  std::string admin_password_file;
  int server_pid = -1;
  std::string spawn_kringd;
  std::string kringd_config;  // appended to the spawned kringd's config
  int server_threads = 0;
  int networks = 100;
  bool networks_given = false;
  int members = 8;
  int connections = 0;  // 0: the scenario's default
  int messages = 0;     // 0: the scenario's default
  int page_size = 100;
  int thread_count = 4;  // seed: threads per network
  std::string member;    // seed: the member's handle
  int source_addresses = 0;
  int senders = 1;
  double rate = 0;
  double duration = 10;
  int window = 0;  // 0: the scenario's default
  int message_bytes = 100;
  int threads = 2;
  int setup_timeout = 300;
  bool json = false;
  bool verbose = false;
  // --xmpp: fanout against an XMPP server instead (bench/peers/xmpp/fanout.h). The flags exist
  // in every build, so that a build without the XMPP code can say why it refuses them.
  XmppBenchOptions xmpp;
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "kring-bench: error: %s\n", message.c_str());
  return code;
}

// "wss://HOST:PORT" into the endpoint, HOST resolved to an address (kept as the name to verify).
std::string ParseServerUrl(const std::string& url, Endpoint* ep) {
  constexpr std::string_view kScheme = "wss://";
  if (url.rfind(kScheme, 0) != 0) return "--server must look like wss://HOST:PORT";
  std::string rest = url.substr(kScheme.size());
  if (size_t slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return "--server needs a port: wss://HOST:PORT";
  std::string host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = std::atoi(rest.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return "--server: bad port in " + url;
  if (std::string why = ResolveHost(host, &ep->host); !why.empty()) {
    return "--server: cannot resolve " + host + ": " + why;
  }
  ep->port = static_cast<uint16_t>(port);
  if (ep->server_name.empty()) ep->server_name = host;
  return "";
}

// Thousands of connections need more descriptors than the usual soft limit of 1024.
// A spawned kringd inherits the limit. Returns the soft limit now in force.
uint64_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// Descriptors beyond the connections, for the store, the listener, the admin and the posters.
constexpr int kSpareDescriptors = 512;

// The scenarios' options from the flags, with each scenario's defaults. "" or a usage error.
std::string ScenarioOptions(const Flags& f, ConnectionsOptions* connections,
                            HistoryOptions* history, ResumeOptions* resume, SeedOptions* seed) {
  if (f.scenario == "seed") {
    if (f.connections > 0) return "seed makes one client connection per network; no --connections";
    seed->networks = f.networks_given ? f.networks : seed->networks;
    seed->threads = f.thread_count;
    if (f.messages > 0) seed->messages = f.messages;
    if (f.window > 0) seed->window = f.window;
    seed->message_bytes = f.message_bytes;
    seed->member = f.member;
    return CheckSeedOptions(*seed);
  }
  if (f.scenario == "fanout") {
    if (f.connections > 0) {
      return "fanout connects networks x members; --connections is for connections and resume";
    }
    return "";
  }
  if (f.networks_given) {
    return "--networks is for fanout; " + f.scenario +
           (f.scenario == "history" ? " uses one network"
                                    : " makes --connections / --members networks");
  }
  if (f.scenario == "connections") {
    if (f.connections > 0) connections->connections = f.connections;
    connections->members = f.members;
    connections->source_addresses = f.source_addresses;
    return CheckConnectionsOptions(*connections);
  }
  if (f.scenario == "history") {
    if (f.messages > 0) history->messages = f.messages;
    if (f.window > 0) history->window = f.window;
    history->page_size = f.page_size;
    history->message_bytes = f.message_bytes;
    return CheckHistoryOptions(*history);
  }
  if (f.connections > 0) resume->connections = f.connections;
  if (f.messages > 0) resume->messages = f.messages;
  if (f.window > 0) resume->window = f.window;
  resume->members = f.members;
  return CheckResumeOptions(*resume);
}

// fanout, as it ran before the other scenarios existed.
Outcome RunFanoutScenario(const Flags& flags, const RunContext& context) {
  FanoutOptions fanout;
  fanout.senders_per_network = flags.senders;
  fanout.window = flags.window > 0 ? flags.window : 16;
  fanout.rate = flags.rate;
  fanout.duration_s = flags.duration;
  fanout.message_bytes = flags.message_bytes;
  fanout.server_pid = context.server_pid;
  WorldOptions world_options = context.world;
  world_options.networks = flags.networks;
  world_options.members = flags.members;
  RunInfo info = context.info;
  info.networks = flags.networks;
  info.members = flags.members;

  Failure failure;
  FanoutResult result;
  {
    // Declared in this order so that the connections go before their io threads.
    IoThreads io(flags.threads);
    World world;
    const auto setup_began = std::chrono::steady_clock::now();
    if (std::string e = BuildWorld(world_options, io, *context.tls, failure, &world); !e.empty()) {
      io.Stop();
      return {"", "setting up: " + e};
    }
    info.setup_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_began).count();
    if (flags.verbose) std::fprintf(stderr, "kring-bench: set up in %.2f s\n", info.setup_s);
    result = RunFanout(fanout, world, io, failure);
  }
  return {context.json ? FanoutJson(info, fanout, result) : FanoutHuman(info, fanout, result),
          result.problem};
}

// --xmpp: the fanout against an XMPP server, with the XMPP code only in a build that has it.
int RunXmpp(const Flags& flags) {
#if KRING_BENCH_PEERS
  if (flags.scenario != "fanout") return Fail(kExitUsage, "--xmpp runs the fanout scenario only");
  XmppBenchOptions x = flags.xmpp;
  x.ca_file = flags.ca_file;
  x.server_name = flags.server_name;
  x.networks = flags.networks;
  x.members = flags.members;
  x.threads = flags.threads;
  x.setup_timeout_s = flags.setup_timeout;
  x.json = flags.json;
  x.verbose = flags.verbose;
  x.fanout = {.senders_per_network = flags.senders,
              .window = flags.window > 0 ? flags.window : 16,
              .rate = flags.rate,
              .duration_s = flags.duration,
              .message_bytes = flags.message_bytes,
              .server_pid = flags.server_pid};
  return RunXmppBench(x);
#else
  return Fail(kExitUsage,
              "--xmpp: this kring-bench is built without the XMPP comparison; configure with "
              "-DKRING_BENCH_PEERS=ON (bench/peers/ejabberd/run.sh does)");
#endif
}

int Run(const Flags& flags, uint64_t descriptors) {
  if (flags.message_bytes < 17) return Fail(kExitUsage, "--message-bytes must be at least 17");
  ConnectionsOptions connections;
  HistoryOptions history;
  ResumeOptions resume;
  SeedOptions seed;
  if (std::string e = ScenarioOptions(flags, &connections, &history, &resume, &seed); !e.empty()) {
    return Fail(kExitUsage, e);
  }
  if (!flags.xmpp.url.empty()) return RunXmpp(flags);
  if (flags.scenario == "connections" &&
      descriptors < static_cast<uint64_t>(connections.connections) + kSpareDescriptors) {
    return Fail(kExitUsage, std::to_string(connections.connections) +
                                " connections need more descriptors than the limit (ulimit -n " +
                                std::to_string(descriptors) + ")");
  }

  RunContext context;
  context.json = flags.json;
  context.info.scenario = flags.scenario;
  context.info.generator_threads = flags.threads;
  context.info.server_io_threads = flags.server_threads;
  WorldOptions& world_options = context.world;
  world_options.admin_handle = flags.admin_handle;
  world_options.setup_deadline = std::chrono::seconds(flags.setup_timeout);
  world_options.verbose = flags.verbose;
  world_options.endpoint.server_name = flags.server_name;

  std::unique_ptr<KringdProcess> kringd;
  context.server_pid = flags.server_pid;
  std::string ca_file = flags.ca_file;
  if (!flags.spawn_kringd.empty()) {
    kringd = std::make_unique<KringdProcess>(flags.spawn_kringd);
    std::string extra_config;
    if (!flags.kringd_config.empty()) {
      std::ifstream in(flags.kringd_config);
      if (!in) return Fail(kExitUsage, "cannot read " + flags.kringd_config);
      extra_config.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (std::string e = kringd->Start(flags.server_threads, extra_config); !e.empty()) {
      return Fail(kExitFailed, "starting kringd: " + e);
    }
    context.server_pid = kringd->pid();
    ca_file = kringd->ca_file();
    world_options.endpoint.host = "127.0.0.1";
    world_options.endpoint.port = kringd->port();
    if (world_options.endpoint.server_name.empty()) {
      world_options.endpoint.server_name = "localhost";  // a name of the dev certificate
    }
    world_options.admin_password = kringd->admin_password();
    world_options.change_one_time_password = true;
    context.info.server = "spawned kringd (pid " + std::to_string(context.server_pid) +
                          ", 127.0.0.1:" + std::to_string(kringd->port()) + ")";
    if (flags.verbose) std::fprintf(stderr, "kring-bench: %s\n", context.info.server.c_str());
  } else {
    if (std::string e = ParseServerUrl(flags.server_url, &world_options.endpoint); !e.empty()) {
      return Fail(kExitUsage, e);
    }
    std::ifstream in(flags.admin_password_file);
    if (!std::getline(in, world_options.admin_password) || world_options.admin_password.empty()) {
      return Fail(kExitUsage,
                  "--server needs --admin-password-file (the admin's password on "
                  "its first line)");
    }
    context.info.server = flags.server_url;
  }

  std::string error;
  std::unique_ptr<TlsClient> tls = TlsClient::Create(ca_file, &error);
  if (!tls) return Fail(kExitUsage, error);
  context.tls = tls.get();

  Outcome outcome;
  if (flags.scenario == "fanout") {
    outcome = RunFanoutScenario(flags, context);
  } else if (flags.scenario == "connections") {
    outcome = RunConnections(connections, context);
  } else if (flags.scenario == "history") {
    outcome = RunHistory(history, context);
  } else if (flags.scenario == "seed") {
    outcome = RunSeed(seed, context);
  } else {
    outcome = RunResume(resume, context);
  }
  if (kringd) {
    std::string how = kringd->Stop();
    if (how != "exit 0" || (!outcome.problem.empty() && outcome.printed.empty())) {
      std::fprintf(stderr, "%s", kringd->StderrTail().c_str());
    }
    if (how != "exit 0" && outcome.problem.empty()) {
      outcome.problem = "kringd did not stop cleanly: " + how;
    }
  }
  std::fputs(outcome.printed.c_str(), stdout);
  std::fflush(stdout);
  if (!outcome.problem.empty()) return Fail(kExitFailed, outcome.problem);
  return kExitOk;
}

int Main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  const uint64_t descriptors = RaiseDescriptorLimit();
  Flags flags;
  CLI::App app{"kring-bench: load generator for kringd (see docs/benchmarks.md)"};
  app.add_option("SCENARIO", flags.scenario, "fanout, connections, history, resume or seed")
      ->required()
      ->check(CLI::IsMember({"fanout", "connections", "history", "resume", "seed"}));
  auto* server =
      app.add_option("--server", flags.server_url, "wss://HOST:PORT of a running kringd");
  auto* spawn = app.add_option("--spawn-kringd", flags.spawn_kringd,
                               "Start this kringd binary on a temp dir and loopback port")
                    ->check(CLI::ExistingFile);
  server->excludes(spawn);
  app.add_option("--kringd-config", flags.kringd_config,
                 "--spawn-kringd: a TOML file appended to the spawned kringd's config (e.g. "
                 "[web] root)")
      ->check(CLI::ExistingFile)
      ->needs(spawn);
  auto* xmpp = app.add_option("--xmpp", flags.xmpp.url,
                              "fanout against an XMPP server over WebSocket (RFC 7395) at "
                              "wss://HOST:PORT/PATH; its users and rooms must exist (a build "
                              "configured with -DKRING_BENCH_PEERS=ON)");
  xmpp->excludes(server)->excludes(spawn);
  app.add_option("--xmpp-domain", flags.xmpp.domain, "--xmpp: the users' domain")
      ->capture_default_str();
  app.add_option("--xmpp-muc", flags.xmpp.muc, "--xmpp: the MUC service")->capture_default_str();
  app.add_option("--xmpp-prefix", flags.xmpp.prefix,
                 "--xmpp: users PREFIXn{i}m{j}, rooms PREFIXn{i}@MUC")
      ->capture_default_str();
  app.add_option("--xmpp-password", flags.xmpp.password, "--xmpp: every user's password");
  app.add_option("--ca", flags.ca_file, "PEM to trust (--server; default: the system's CAs)")
      ->check(CLI::ExistingFile);
  app.add_option("--server-name", flags.server_name,
                 "Name to verify in the server's certificate (default: the URL's host)");
  app.add_option("--admin", flags.admin_handle, "Admin handle (--server)")->capture_default_str();
  app.add_option("--admin-password-file", flags.admin_password_file,
                 "File whose first line is the admin's password (--server)")
      ->check(CLI::ExistingFile);
  app.add_option("--server-pid", flags.server_pid,
                 "PID of the --server kringd, to read its CPU time and peak RSS from /proc");
  app.add_option("--server-threads", flags.server_threads,
                 "--spawn-kringd: kringd's --io-threads (0: its default, one per core)")
      ->capture_default_str();
  app.add_option("--networks", flags.networks, "Networks (seed: default 50)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--members", flags.members, "People per network, the client included")
      ->capture_default_str()
      ->check(CLI::Range(2, 10'000));
  app.add_option("--connections", flags.connections,
                 "connections: idle connections (default 10000); resume: members who reconnect "
                 "(default 1000); a multiple of --members")
      ->check(CLI::Range(0, 1'000'000));
  app.add_option("--messages", flags.messages,
                 "history: messages to page through (default 100000); resume: messages each "
                 "member misses (default 100); seed: messages per thread (default 200)")
      ->check(CLI::Range(0, 100'000'000));
  app.add_option("--page-size", flags.page_size, "history: FetchHistory limit")
      ->capture_default_str()
      ->check(CLI::Range(1, 500));
  app.add_option("--source-addresses", flags.source_addresses,
                 "connections: loopback source addresses 127.0.0.1, .2, ... (0: one per 25,000 "
                 "connections)")
      ->capture_default_str()
      ->check(CLI::Range(0, 254));
  app.add_option("--thread-count", flags.thread_count,
                 "seed: threads per network, the general thread included")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--member", flags.member,
                 "seed: the handle of the member in every network (default RUN-member)");
  app.add_option("--senders", flags.senders, "Senders per network (members 0..K-1)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000));
  app.add_option("--rate", flags.rate, "Open loop: total messages/s (0: closed loop)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--duration", flags.duration, "Seconds of sending")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--window", flags.window,
                 "Unacknowledged posts per sender (fanout closed loop, default 16; history's "
                 "fill, 64; resume's posting, 16; seed, 64 per client)")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--message-bytes", flags.message_bytes, "Text length of each message")
      ->capture_default_str()
      ->check(CLI::Range(17, 16384));
  app.add_option("--threads", flags.threads, "Generator io threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--setup-timeout", flags.setup_timeout, "Seconds allowed for the setup")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_flag("--json", flags.json, "Print one JSON object");
  app.add_flag("--verbose", flags.verbose, "Progress on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  flags.networks_given = app.count("--networks") > 0;
  if (flags.server_url.empty() && flags.spawn_kringd.empty() && flags.xmpp.url.empty()) {
    return Fail(kExitUsage, "give --server wss://HOST:PORT, --spawn-kringd PATH or --xmpp URL");
  }
  return Run(flags, descriptors);
}

}  // namespace
}  // namespace kring::bench

int main(int argc, char** argv) { return kring::bench::Main(argc, argv); }
