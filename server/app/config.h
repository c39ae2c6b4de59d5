// kringd's configuration file (TOML): the schema of the contracts, as plain structs.
//
// Every key is optional (defaults below); unknown keys and values of the wrong type or out of
// range are errors that name the key ("limits.max_frame_bytes: expected an integer, got a
// string"). The example with every key explained: deploy/kringd.example.toml.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/status.h"
#include "server/net/server.h"
#include "server/service/service.h"
#include "server/storage/rocks_store.h"

namespace kring::app {

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8443";  // HOST:PORT, [IPv6]:PORT; port 0 = ephemeral
    std::string data_dir = "./data";
    uint32_t io_threads = 0;  // 0: one per core
  } server;
  struct Storage {  // issue 16: encryption at rest (docs/data-rights.md)
    // The master key: exactly 32 bytes, mode 0600 (not readable by group or others), kept
    // outside the data dir. Empty: $CREDENTIALS_DIRECTORY/kring-master-key under systemd, else
    // in dev mode (no tls.cert_file) DATA_DIR/tls/master.key, made on the first start.
    std::string master_key_file;
  } storage;
  struct Tls {
    std::string cert_file;  // both empty: dev mode (a self-signed certificate in data_dir/tls)
    std::string key_file;
  } tls;
  struct Limits {
    uint64_t max_frame_bytes = 65536;
    uint64_t max_message_bytes = 16384;
    uint64_t max_outbound_bytes = 8388608;
    uint64_t idle_timeout_seconds = 300;
  } limits;
  struct Connections {                    // what one peer, or a crowd of anonymous ones, may hold
    uint64_t auth_timeout_seconds = 10;   // log in within this or be closed (1008)
    uint64_t max_per_address = 64;        // open connections per IPv4 address / IPv6 /64; 0: any
    uint64_t max_unauthenticated = 1024;  // open connections not logged in (yet); 0: any
    uint64_t reserved_descriptors = 128;  // kept from RLIMIT_NOFILE for all but connections
    uint64_t http_idle_timeout_seconds = 30;  // an HTTPS connection between requests
    uint64_t http_max_requests = 100;         // requests one HTTPS connection may carry
  } connections;
  struct RequestRate {  // token buckets; per_second 0: no cap
    uint32_t connection_per_second = 500;
    uint32_t connection_burst = 1000;
    uint32_t account_per_second = 1000;
    uint32_t account_burst = 2000;
  } request_rate;
  struct Sessions {
    uint64_t ttl_hours = 12;
  } sessions;
  struct Invitations {
    uint64_t ttl_hours = 14 * 24;
  } invitations;
  struct Passwords {  // Argon2id
    uint32_t time_cost = 2;
    uint32_t memory_kib = 19456;
    uint32_t parallelism = 1;
    uint32_t threads = 2;       // the password pool: Argon2 only
    uint32_t max_queued = 128;  // password checks waiting for a thread; more: RESOURCE_EXHAUSTED
  } passwords;
  struct Reads {  // the read pool: backlog pages, verifying the audit chain
    uint32_t threads = 2;
    uint32_t max_queued = 16384;
  } reads;
  struct LoginThrottle {
    uint32_t free_failures = 5;
    uint64_t base_delay_ms = 1000;
    uint64_t max_delay_ms = 900000;
  } login_throttle;
  struct Audit {
    std::string server_id;         // names this server in the access log; empty: the host name
    std::string signing_key_file;  // Ed25519 PEM; empty: DATA_DIR/audit/signing-key.pem (made)
  } audit;
  struct Attachments {                      // issue 15, item 2: files in DATA_DIR/attachments
    uint64_t max_bytes = 20 * 1024 * 1024;  // one file
    uint64_t network_quota_bytes = 1024ull * 1024 * 1024;  // all files of one network
    uint64_t max_image_pixels = 40'000'000;                // larger images get no thumbnail
  } attachments;
  struct Web {
    // The web app's directory, served at `/`. Empty: the one this build makes (DefaultWebRoot).
    std::string root;
    // Browser origins allowed to log in by cookie ("https://kring.example.org"); empty: the
    // https origins of localhost, 127.0.0.1 and [::1] on the listen port.
    std::vector<std::string> origins;
  } web;
  struct Bootstrap {
    std::string admin_handle = "admin";  // "" disables the first-start admin
  } bootstrap;
};

// Parses TOML text. `source` names it in error messages (a path, or "<test>").
// Errors: kInvalidArgument, with the source, the line for syntax errors and the key path.
[[nodiscard]] StatusOr<Config> ParseConfig(std::string_view toml, std::string_view source);

// Reads and parses the file at `path`. Errors: kInvalidArgument (unreadable or invalid file).
[[nodiscard]] StatusOr<Config> LoadConfigFile(const std::string& path);

struct HostPort {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
};

// "127.0.0.1:8443", "[::1]:0", "localhost:8443". Errors: kInvalidArgument.
[[nodiscard]] StatusOr<HostPort> ParseHostPort(std::string_view listen);

// The web root this build serves when [web] root is empty: BUILD_DIR/web/dist, baked in by CMake
// (the web app's build output in a dev checkout); it may not exist.
std::string DefaultWebRoot();

service::ServiceOptions ToServiceOptions(const Config& config);
// [attachments]; the area itself is DATA_DIR/attachments (made by kringd serve).
storage::AttachmentLimits ToAttachmentLimits(const Config& config);

// Everything but the certificate files (dev mode fills those in later) and signal handling.
// Errors: kInvalidArgument when server.listen does not parse.
[[nodiscard]] StatusOr<net::ServerOptions> ToServerOptions(const Config& config);

storage::RocksStoreOptions ToRocksStoreOptions(const Config& config);

}  // namespace kring::app
