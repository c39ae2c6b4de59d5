// kringd: the command line, and the one place concrete objects are wired together.
//
//   kringd serve --data-dir DIR --listen HOST:PORT [--config FILE] [--io-threads N]
//   kringd admin create HANDLE --kind K [--display-name S] [--profession S] --data-dir DIR
//          [--config FILE] --password-stdin
//   kringd audit verify [--checkpoint FILE] --data-dir DIR [--config FILE]   (kringd stopped)
//   kringd audit checkpoint --data-dir DIR [--config FILE]                   (kringd stopped)
//   kringd rotate-master-key --new FILE --data-dir DIR [--config FILE]        (kringd stopped)
//   kringd compact --data-dir DIR [--config FILE]                            (kringd stopped)
//   kringd version
//
// stdout carries only the lines other programs parse ("kringd: listening on ...", the bootstrap
// admin's password, "created ..."); logs go to stderr. Exit codes: 0 ok, 1 server-side or logic
// error, 2 usage or config error.
#include <google/protobuf/stubs/logging.h>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "server/app/audit_commands.h"
#include "server/app/config.h"
#include "server/app/master_key.h"
#include "server/core/clock.h"
#include "server/core/random.h"
#include "server/net/dev_cert.h"
#include "server/net/server.h"
#include "server/service/records_sealing.h"
#include "server/service/service.h"
#include "server/storage/rocks_store.h"

#ifndef KRING_VERSION
#define KRING_VERSION "dev"
#endif

namespace kring::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// Unambiguous when read aloud or off a screen: no 0/O, 1/l/I.
constexpr std::string_view kPasswordAlphabet =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
constexpr size_t kBootstrapPasswordLength = 24;

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "kringd: error: %s\n", message.c_str());
  return code;
}

// Exit code for a Status: config-shaped problems are usage errors, the rest are ours.
int ExitCodeFor(const Status& status) {
  return status.code() == Code::kInvalidArgument ? kExitUsage : kExitError;
}

void SetUpLogging() {
  auto logger = spdlog::stderr_color_mt("kringd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug
  // Protobuf logs an ERROR whenever it refuses an app's bytes (a string field that is not
  // UTF-8). That is the app's mistake, answered with INVALID_ARGUMENT; at ERROR level any app
  // could flood the server's log with it.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
        if (level == google::protobuf::LOGLEVEL_FATAL) {
          spdlog::critical("protobuf {}:{}: {}", file, line, message);
        } else {
          spdlog::debug("protobuf: {}", message);
        }
      });
}

struct CommonFlags {
  std::string config_file;
  std::string data_dir;
};

// The config file (or the defaults) with the command line's overrides applied.
StatusOr<Config> LoadConfig(const CommonFlags& flags) {
  Config config;
  if (!flags.config_file.empty()) {
    KRING_ASSIGN_OR_RETURN(config, LoadConfigFile(flags.config_file));
  }
  if (!flags.data_dir.empty()) config.server.data_dir = flags.data_dir;
  if (config.server.data_dir.empty()) return InvalidArgument("the data directory is empty");
  return config;
}

// DATA_DIR/db holds the store, DATA_DIR/tls the dev certificate. A new DATA_DIR is made 0700.
StatusOr<std::unique_ptr<storage::RocksStore>> OpenStore(const Config& config) {
  namespace fs = std::filesystem;
  const fs::path dir = config.server.data_dir;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Internal("cannot create data dir " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  } else if (!fs::is_directory(dir, ec)) {
    return InvalidArgument("data dir " + dir.string() + " is not a directory");
  }
  return storage::RocksStore::Open((dir / "db").string(), ToRocksStoreOptions(config));
}

std::string GeneratePassword(Random& random) {
  std::string password;
  // Rejection sampling keeps every character equally likely.
  const size_t limit = 256 - 256 % kPasswordAlphabet.size();
  while (password.size() < kBootstrapPasswordLength) {
    for (unsigned char byte : random.Bytes(32)) {
      if (byte >= limit) continue;
      password.push_back(kPasswordAlphabet[byte % kPasswordAlphabet.size()]);
      if (password.size() == kBootstrapPasswordLength) break;
    }
  }
  return password;
}

// The first start of a fresh store creates the configured admin and prints its password once.
// The password is one-time: the admin's first session may only change it.
// Failures are logged, not fatal: the server is still useful, and `admin create` is the way out.
void BootstrapAdmin(service::Service& service, Random& random, const std::string& handle) {
  if (handle.empty()) return;
  auto has_accounts = service.HasAccounts();
  if (!has_accounts.ok()) {
    spdlog::error("bootstrap admin: cannot tell whether accounts exist: {}",
                  has_accounts.status().ToString());
    return;
  }
  if (*has_accounts) return;
  v1::CreateAccountRequest request;
  request.set_handle(handle);
  request.set_kind(v1::ACCOUNT_KIND_ADMIN);
  request.set_display_name("Administrator");
  request.set_password(GeneratePassword(random));
  auto account = service.CreateAccountOffline(request, /*one_time_password=*/true);
  if (!account.ok()) {
    spdlog::error("bootstrap admin \"{}\": {}", handle, account.status().ToString());
    return;
  }
  std::printf("kringd: bootstrap admin \"%s\" created; one-time password: %s\n",
              account->handle().c_str(), request.password().c_str());
  // On stderr: stdout's line is parsed by scripts (bench, tests).
  spdlog::warn(
      "bootstrap admin \"{}\": log in and change the one-time password first "
      "(kring login {}; kring password); until then it can do nothing else",
      handle, handle);
  std::fflush(stdout);
}

// The store and a started Service over it: what both `serve` and `admin create` run on.
// Members are destroyed in reverse order, so the service goes before the store it uses.
struct Backend {
  std::unique_ptr<storage::RocksStore> store;
  SystemClock clock;
  SystemRandom random;
  // What everything above storage uses: seals content on its way into `store`.
  std::unique_ptr<service::records::SealedStore> sealed;
  std::unique_ptr<storage::AttachmentArea> attachments;  // DATA_DIR/attachments
  std::unique_ptr<service::Service> service;
};

StatusOr<std::unique_ptr<Backend>> StartBackend(const Config& config) {
  auto backend = std::make_unique<Backend>();
  // Before the store is opened: a missing or unsafe master key touches nothing.
  bool made = false;
  KRING_ASSIGN_OR_RETURN(SealingKey master, LoadMasterKey(config, backend->random, &made));
  if (made) {
    spdlog::warn("dev mode: made a master key at {}/tls/master.key (for development only)",
                 config.server.data_dir);
  }
  KRING_ASSIGN_OR_RETURN(backend->store, OpenStore(config));
  backend->sealed =
      std::make_unique<service::records::SealedStore>(*backend->store, master, backend->random);
  KRING_ASSIGN_OR_RETURN(size_t migrated, backend->sealed->Prepare());
  if (migrated > 0) {
    // Values stored in the clear by a kringd from before sealing are sealed now; compacting
    // rewrites the files that still held them.
    spdlog::warn("sealed {} values stored in the clear by an earlier kringd; compacting", migrated);
    KRING_RETURN_IF_ERROR(backend->store->CompactAll());
  }
  service::ServiceOptions options = ToServiceOptions(config);
  options.server_id = AuditServerId(config);
  KRING_ASSIGN_OR_RETURN(options.audit_signing_key_pem, EnsureAuditSigningKey(config));
  KRING_ASSIGN_OR_RETURN(backend->attachments, storage::AttachmentArea::Open(
                                                   config.server.data_dir + "/attachments",
                                                   ToAttachmentLimits(config), backend->random));
  backend->attachments->SealWith([sealed = backend->sealed.get()](uint64_t network_id) {
    return sealed->NetworkKey(network_id);
  });
  KRING_ASSIGN_OR_RETURN(size_t files, backend->attachments->SealStoredFiles());
  if (files > 0) spdlog::warn("sealed {} attachment files stored in the clear", files);
  options.attachments = backend->attachments.get();
  backend->service = std::make_unique<service::Service>(*backend->sealed, backend->clock,
                                                        backend->random, std::move(options));
  if (Status status = backend->service->Start(); !status.ok()) {
    return Internal("starting the service: " + status.ToString());
  }
  return backend;
}

struct ServeFlags {
  CommonFlags common;
  std::string listen;
  std::optional<uint32_t> io_threads;
};

int Serve(const ServeFlags& flags) {
  auto loaded = LoadConfig(flags.common);
  if (!loaded.ok()) return Fail(kExitUsage, loaded.status().detail());
  Config config = std::move(loaded).value();
  if (!flags.listen.empty()) config.server.listen = flags.listen;
  if (flags.io_threads) config.server.io_threads = *flags.io_threads;
  auto server_options = ToServerOptions(config);
  if (!server_options.ok()) {
    return Fail(kExitUsage,
                "--listen " + config.server.listen + ": " + server_options.status().detail());
  }

  auto backend = StartBackend(config);
  if (!backend.ok()) return Fail(ExitCodeFor(backend.status()), backend.status().detail());
  service::Service& service = *(*backend)->service;
  BootstrapAdmin(service, (*backend)->random, config.bootstrap.admin_handle);

  if (config.tls.cert_file.empty()) {
    auto dev = net::EnsureDevCertificate(config.server.data_dir);
    if (!dev.ok()) return Fail(kExitError, dev.status().detail());
    spdlog::warn("dev mode: no tls.cert_file configured; serving the self-signed certificate {}{}",
                 dev->cert_file, dev->created ? " (new)" : "");
    server_options->cert_file = dev->cert_file;
    server_options->key_file = dev->key_file;
  }
  server_options->handle_signals = true;
  server_options->attachments = (*backend)->attachments.get();

  auto server = std::make_unique<net::Server>(service, *server_options);
  auto port = server->Start();
  if (!port.ok()) return Fail(ExitCodeFor(port.status()), port.status().detail());
  const std::string& host = server_options->host;
  const bool v6 = host.find(':') != std::string::npos;
  std::printf("kringd: listening on %s%s%s:%u\n", v6 ? "[" : "", host.c_str(), v6 ? "]" : "",
              static_cast<unsigned>(*port));
  std::fflush(stdout);
  spdlog::info("kringd {} serving wss://{}{}{}:{}/v1/ws, data in {}", KRING_VERSION, v6 ? "[" : "",
               host, v6 ? "]" : "", *port, config.server.data_dir);

  server->Run();  // until SIGINT/SIGTERM; the io threads have stopped, the io_context lives on
  // Finish queued writes first: their replies are posted to the stopped (but still existing)
  // io_context and dropped with it. Destroying the server first would let the writer thread
  // post to an io_context being destroyed.
  service.Stop();
  server.reset();  // connections still open get OnClosed now (the hub outlives them)
  spdlog::info("stopped");
  return kExitOk;
}

struct AdminCreateFlags {
  CommonFlags common;
  std::string handle;
  std::string kind;
  std::string display_name;
  std::string profession;
  bool password_stdin = false;
};

int AdminCreate(const AdminCreateFlags& flags) {
  if (!flags.password_stdin) {
    return Fail(kExitUsage, "--password-stdin is required: the password is read from stdin");
  }
  std::string password;
  if (!std::getline(std::cin, password)) return Fail(kExitUsage, "no password on stdin");
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return Fail(kExitUsage, "the password on stdin is empty");

  v1::CreateAccountRequest request;
  request.set_handle(flags.handle);
  if (flags.kind == "admin")
    request.set_kind(v1::ACCOUNT_KIND_ADMIN);
  else if (flags.kind == "auditor")
    request.set_kind(v1::ACCOUNT_KIND_AUDITOR);
  else if (flags.kind == "client")
    request.set_kind(v1::ACCOUNT_KIND_CLIENT);
  else if (flags.kind == "member")
    request.set_kind(v1::ACCOUNT_KIND_MEMBER);
  else
    return Fail(kExitUsage, "--kind must be admin, auditor, client or member");
  request.set_display_name(flags.display_name);
  request.set_profession(flags.profession);
  request.set_password(std::move(password));

  auto loaded = LoadConfig(flags.common);
  if (!loaded.ok()) return Fail(kExitUsage, loaded.status().detail());
  const Config config = std::move(loaded).value();
  auto backend = StartBackend(config);
  if (!backend.ok()) return Fail(ExitCodeFor(backend.status()), backend.status().detail());
  auto account = (*backend)->service->CreateAccountOffline(request);
  (*backend)->service->Stop();
  if (!account.ok()) return Fail(kExitError, account.status().ToString());
  std::printf("created %s (id %llu)\n", account->handle().c_str(),
              static_cast<unsigned long long>(account->id()));  // NOLINT(runtime/int)
  std::fflush(stdout);
  return kExitOk;
}

struct AuditFlags {
  CommonFlags common;
  std::string checkpoint_file;
};

int Audit(const AuditFlags& flags, bool checkpoint) {
  auto loaded = LoadConfig(flags.common);
  if (!loaded.ok()) return Fail(kExitUsage, loaded.status().detail());
  const Config config = std::move(loaded).value();
  auto store = OpenStore(config);
  if (!store.ok()) return Fail(ExitCodeFor(store.status()), store.status().detail());
  if (!checkpoint) return RunAuditVerify(**store, flags.checkpoint_file);
  auto key = EnsureAuditSigningKey(config);
  if (!key.ok()) return Fail(ExitCodeFor(key.status()), key.status().detail());
  return RunAuditCheckpoint(**store, *key, AuditServerId(config), SystemClock().NowMs());
}

struct RotateFlags {
  CommonFlags common;
  std::string new_key_file;
};

// Offline: every network key rewrapped by the new master key; content untouched. Then the data
// dir is compacted, so no file keeps the keys as the old master wrapped them.
int RotateMasterKey(const RotateFlags& flags) {
  auto loaded = LoadConfig(flags.common);
  if (!loaded.ok()) return Fail(kExitUsage, loaded.status().detail());
  const Config config = std::move(loaded).value();
  auto next = ReadMasterKeyFile(flags.new_key_file);
  if (!next.ok()) return Fail(kExitUsage, next.status().detail());
  SystemRandom random;
  auto old = LoadMasterKey(config, random);
  if (!old.ok()) return Fail(ExitCodeFor(old.status()), old.status().detail());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail(ExitCodeFor(store.status()), store.status().detail());
  auto rewrapped = service::records::RewrapNetworkKeys(**store, *old, *next, random);
  if (!rewrapped.ok()) return Fail(kExitError, rewrapped.status().detail());
  if (Status compacted = (*store)->CompactAll(); !compacted.ok()) {
    return Fail(kExitError, compacted.detail());
  }
  std::printf("rewrapped %zu network keys; configure [storage] master_key_file = \"%s\" now\n",
              *rewrapped, flags.new_key_file.c_str());
  std::fflush(stdout);
  return kExitOk;
}

int Compact(const CommonFlags& flags) {
  auto loaded = LoadConfig(flags);
  if (!loaded.ok()) return Fail(kExitUsage, loaded.status().detail());
  auto store = OpenStore(*loaded);
  if (!store.ok()) return Fail(ExitCodeFor(store.status()), store.status().detail());
  if (Status compacted = (*store)->CompactAll(); !compacted.ok()) {
    return Fail(kExitError, compacted.detail());
  }
  std::printf("compacted\n");
  std::fflush(stdout);
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{"kringd: the Kring care-network messaging server"};
  app.require_subcommand(1);

  ServeFlags serve_flags;
  uint32_t io_threads = 0;
  CLI::App* serve = app.add_subcommand("serve", "Serve the Kring protocol over TLS");
  serve->add_option("--data-dir", serve_flags.common.data_dir,
                    "Data directory (store in DIR/db; dev certificate in DIR/tls)");
  serve->add_option("--listen", serve_flags.listen, "HOST:PORT to listen on; port 0: any free");
  serve->add_option("--config", serve_flags.common.config_file, "TOML config file")
      ->check(CLI::ExistingFile);
  CLI::Option* io_threads_option =
      serve->add_option("--io-threads", io_threads, "I/O threads (0: one per core)");

  AdminCreateFlags create_flags;
  CLI::App* admin = app.add_subcommand("admin", "Offline administration (kringd not running)");
  admin->require_subcommand(1);
  CLI::App* create = admin->add_subcommand("create", "Create an account");
  create->add_option("HANDLE", create_flags.handle, "The new account's handle")->required();
  create->add_option("--kind", create_flags.kind, "admin, auditor, client or member")
      ->required()
      ->check(CLI::IsMember({"admin", "auditor", "client", "member"}));
  create->add_option("--display-name", create_flags.display_name, "Name shown to others");
  create->add_option("--profession", create_flags.profession, "For members: e.g. \"job coach\"");
  create->add_option("--data-dir", create_flags.common.data_dir, "Data directory");
  create->add_option("--config", create_flags.common.config_file, "TOML config file")
      ->check(CLI::ExistingFile);
  create
      ->add_flag("--password-stdin", create_flags.password_stdin,
                 "Read the password from the first line of stdin")
      ->required();

  AuditFlags audit_flags;
  CLI::App* audit = app.add_subcommand("audit", "The access log, offline (kringd not running)");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "Walk the hash chain; report the first break");
  verify
      ->add_option("--checkpoint", audit_flags.checkpoint_file,
                   "Also prove this signed checkpoint (JSON) still holds")
      ->check(CLI::ExistingFile);
  CLI::App* checkpoint = audit->add_subcommand("checkpoint", "Print a signed checkpoint (JSON)");
  for (CLI::App* sub : {verify, checkpoint}) {
    sub->add_option("--data-dir", audit_flags.common.data_dir, "Data directory");
    sub->add_option("--config", audit_flags.common.config_file, "TOML config file")
        ->check(CLI::ExistingFile);
  }

  RotateFlags rotate_flags;
  CLI::App* rotate = app.add_subcommand(
      "rotate-master-key", "Rewrap every network key with a new master key (kringd stopped)");
  rotate->add_option("--new", rotate_flags.new_key_file, "The new master key file (32 bytes, 0600)")
      ->required();
  rotate->add_option("--data-dir", rotate_flags.common.data_dir, "Data directory");
  rotate->add_option("--config", rotate_flags.common.config_file, "TOML config file")
      ->check(CLI::ExistingFile);

  CommonFlags compact_flags;
  CLI::App* compact = app.add_subcommand(
      "compact", "Flush and compact the store, so no file keeps overwritten values (stopped)");
  compact->add_option("--data-dir", compact_flags.data_dir, "Data directory");
  compact->add_option("--config", compact_flags.config_file, "TOML config file")
      ->check(CLI::ExistingFile);

  CLI::App* version = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (version->parsed()) {
    std::printf("kringd %s\n", KRING_VERSION);
    return kExitOk;
  }
  SetUpLogging();
  if (serve->parsed()) {
    if (io_threads_option->count() > 0) serve_flags.io_threads = io_threads;
    return Serve(serve_flags);
  }
  if (verify->parsed()) return Audit(audit_flags, /*checkpoint=*/false);
  if (checkpoint->parsed()) return Audit(audit_flags, /*checkpoint=*/true);
  if (rotate->parsed()) return RotateMasterKey(rotate_flags);
  if (compact->parsed()) return Compact(compact_flags);
  return AdminCreate(create_flags);
}

}  // namespace
}  // namespace kring::app

int main(int argc, char** argv) {
  try {
    return kring::app::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kringd: fatal: %s\n", e.what());
    return 1;
  }
}
