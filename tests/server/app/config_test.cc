#include "server/app/config.h"

#include <gtest/gtest.h>

#include <string>

namespace kring::app {
namespace {

std::string ErrorOf(std::string_view toml) {
  auto config = ParseConfig(toml, "test.toml");
  EXPECT_FALSE(config.ok()) << toml;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  return config.status().detail();
}

TEST(ConfigTest, EmptyFileGivesTheDefaults) {
  auto config = ParseConfig("", "empty.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.listen, "127.0.0.1:8443");
  EXPECT_EQ(config->server.data_dir, "./data");
  EXPECT_EQ(config->server.io_threads, 0u);
  EXPECT_EQ(config->tls.cert_file, "");
  EXPECT_EQ(config->tls.key_file, "");
  EXPECT_EQ(config->limits.max_frame_bytes, 65536u);
  EXPECT_EQ(config->limits.max_message_bytes, 16384u);
  EXPECT_EQ(config->limits.max_outbound_bytes, 8388608u);
  EXPECT_EQ(config->limits.idle_timeout_seconds, 300u);
  EXPECT_EQ(config->connections.auth_timeout_seconds, 10u);
  EXPECT_EQ(config->connections.max_per_address, 64u);
  EXPECT_EQ(config->connections.max_unauthenticated, 1024u);
  EXPECT_EQ(config->connections.reserved_descriptors, 128u);
  EXPECT_EQ(config->connections.http_idle_timeout_seconds, 30u);
  EXPECT_EQ(config->connections.http_max_requests, 100u);
  EXPECT_EQ(config->request_rate.connection_per_second, 500u);
  EXPECT_EQ(config->request_rate.connection_burst, 1000u);
  EXPECT_EQ(config->request_rate.account_per_second, 1000u);
  EXPECT_EQ(config->request_rate.account_burst, 2000u);
  EXPECT_EQ(config->sessions.ttl_hours, 12u);
  EXPECT_EQ(config->passwords.time_cost, 2u);
  EXPECT_EQ(config->passwords.memory_kib, 19456u);
  EXPECT_EQ(config->passwords.parallelism, 1u);
  EXPECT_EQ(config->passwords.threads, 2u);
  EXPECT_EQ(config->passwords.max_queued, 128u);
  EXPECT_EQ(config->reads.threads, 2u);
  EXPECT_EQ(config->reads.max_queued, 16384u);
  EXPECT_EQ(config->login_throttle.free_failures, 5u);
  EXPECT_EQ(config->login_throttle.base_delay_ms, 1000u);
  EXPECT_EQ(config->login_throttle.max_delay_ms, 900000u);
  EXPECT_EQ(config->bootstrap.admin_handle, "admin");
}

TEST(ConfigTest, OverridesAndTheirMapping) {
  auto config = ParseConfig(R"(
    [server]
    listen = "[::1]:0"
    data_dir = "/var/lib/kring"
    io_threads = 3
    [tls]
    cert_file = "/etc/kring/cert.pem"
    key_file = "/etc/kring/key.pem"
    [limits]
    max_frame_bytes = 131072
    max_message_bytes = 1000
    max_outbound_bytes = 1048576
    idle_timeout_seconds = 60
    [connections]
    auth_timeout_seconds = 3
    max_per_address = 0
    max_unauthenticated = 50
    reserved_descriptors = 256
    http_idle_timeout_seconds = 5
    http_max_requests = 7
    [request_rate]
    connection_per_second = 20
    connection_burst = 40
    account_per_second = 0
    account_burst = 7
    [sessions]
    ttl_hours = 1
    [passwords]
    time_cost = 1
    memory_kib = 1024
    parallelism = 2
    threads = 3
    max_queued = 7
    [reads]
    threads = 5
    max_queued = 11
    [login_throttle]
    free_failures = 1000
    base_delay_ms = 10
    max_delay_ms = 20
    [bootstrap]
    admin_handle = ""
    [web]
    root = "/srv/kring/web"
    origins = ["https://kring.example.org", "https://kring.example.org:8443"]
  )",
                            "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.data_dir, "/var/lib/kring");
  EXPECT_EQ(config->bootstrap.admin_handle, "");

  const service::ServiceOptions service = ToServiceOptions(*config);
  EXPECT_EQ(service.max_message_bytes, 1000u);
  EXPECT_EQ(service.session_ttl_ms, 60 * 60 * 1000);
  EXPECT_EQ(service.password.time_cost, 1u);
  EXPECT_EQ(service.password.memory_kib, 1024u);
  EXPECT_EQ(service.password.parallelism, 2u);
  EXPECT_EQ(service.password_threads, 3u);
  EXPECT_EQ(service.password_queue, 7u);
  EXPECT_EQ(service.read_threads, 5u);
  EXPECT_EQ(service.read_queue, 11u);
  EXPECT_EQ(service.throttle.free_failures, 1000u);
  EXPECT_EQ(service.throttle.base_delay_ms, 10);
  EXPECT_EQ(service.throttle.max_delay_ms, 20);
  EXPECT_EQ(service.connection_rate.per_second, 20u);
  EXPECT_EQ(service.connection_rate.burst, 40u);
  EXPECT_FALSE(service.account_rate.capped());
  EXPECT_EQ(service.account_rate.burst, 7u);

  auto server = ToServerOptions(*config);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ(server->host, "::1");
  EXPECT_EQ(server->port, 0);
  EXPECT_EQ(server->io_threads, 3u);
  EXPECT_EQ(server->cert_file, "/etc/kring/cert.pem");
  EXPECT_EQ(server->key_file, "/etc/kring/key.pem");
  EXPECT_EQ(server->max_frame_bytes, 131072u);
  EXPECT_EQ(server->max_outbound_bytes, 1048576u);
  EXPECT_EQ(server->idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(server->auth_timeout, std::chrono::seconds(3));
  EXPECT_EQ(server->max_connections_per_address, 0u);
  EXPECT_EQ(server->max_unauthenticated_connections, 50u);
  EXPECT_EQ(server->reserved_descriptors, 256u);
  EXPECT_EQ(server->http_idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(server->max_requests_per_connection, 7u);
  EXPECT_EQ(server->web_root, "/srv/kring/web");
  EXPECT_EQ(server->web_origins, (std::vector<std::string>{"https://kring.example.org",
                                                           "https://kring.example.org:8443"}));
}

TEST(ConfigTest, DefaultsReachTheServiceAndTheServer) {
  auto config = ParseConfig("", "empty.toml");
  ASSERT_TRUE(config.ok());
  const service::ServiceOptions service = ToServiceOptions(*config);
  EXPECT_EQ(service.connection_rate.per_second, 500u);
  EXPECT_EQ(service.account_rate.burst, 2000u);
  auto server = ToServerOptions(*config);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server->auth_timeout, std::chrono::seconds(10));
  EXPECT_EQ(server->max_connections_per_address, 64u);
}

TEST(ConfigTest, WebRootDefaultsToTheBuiltApp) {
  auto config = ParseConfig("", "test.toml");
  ASSERT_TRUE(config.ok());
  auto server = ToServerOptions(*config);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server->web_root, DefaultWebRoot());
  EXPECT_TRUE(DefaultWebRoot().ends_with("/web/dist")) << DefaultWebRoot();
  EXPECT_TRUE(server->web_origins.empty());  // the server fills in the local origins
}

TEST(ConfigTest, WebOriginsMustBeOrigins) {
  EXPECT_EQ(ErrorOf("[web]\norigins = \"https://a.example\"\n"),
            "config test.toml: web.origins: expected an array of strings, got a string");
  EXPECT_EQ(ErrorOf("[web]\norigins = [1]\n"),
            "config test.toml: web.origins: expected an array of strings, found an integer");
  EXPECT_NE(ErrorOf("[web]\norigins = [\"kring.example.org\"]\n").find("web.origins"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[web]\norigins = [\"https://a.example/app\"]\n").find("web.origins"),
            std::string::npos);
}

TEST(ConfigTest, UnknownKeysAreErrorsNamingTheKey) {
  EXPECT_EQ(ErrorOf("[limits]\nmax_frame_byte = 1\n"),
            "config test.toml: limits.max_frame_byte: unknown key");
  EXPECT_EQ(ErrorOf("[limit]\n"), "config test.toml: limit: unknown key");
  EXPECT_EQ(ErrorOf("listen = \"127.0.0.1:1\"\n"), "config test.toml: listen: unknown key");
}

TEST(ConfigTest, WrongTypesAreErrorsNamingTheKey) {
  EXPECT_EQ(ErrorOf("[limits]\nmax_frame_bytes = \"64k\"\n"),
            "config test.toml: limits.max_frame_bytes: expected an integer, got a string");
  EXPECT_EQ(ErrorOf("[server]\nlisten = 8443\n"),
            "config test.toml: server.listen: expected a string, got an integer");
  EXPECT_EQ(ErrorOf("[passwords]\ntime_cost = 1.5\n"),
            "config test.toml: passwords.time_cost: expected an integer, got a float");
  EXPECT_EQ(ErrorOf("server = 1\n"), "config test.toml: server: expected a table, got an integer");
}

TEST(ConfigTest, OutOfRangeValuesAreErrors) {
  EXPECT_NE(ErrorOf("[server]\nio_threads = -1\n").find("server.io_threads: must be between"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[passwords]\ntime_cost = 0\n").find("passwords.time_cost"), std::string::npos);
  EXPECT_NE(ErrorOf("[limits]\nmax_message_bytes = 65536\n").find("limits.max_message_bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[limits]\nmax_outbound_bytes = 4096\n").find("limits.max_outbound_bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[tls]\ncert_file = \"c.pem\"\n").find("tls.cert_file"), std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nlisten = \"8443\"\n").find("server.listen"), std::string::npos);
}

TEST(ConfigTest, SyntaxErrorsNameTheLine) {
  EXPECT_NE(ErrorOf("[server]\nlisten = \n").find("config test.toml: line 2: "), std::string::npos);
}

TEST(ConfigTest, MissingFileIsAnError) {
  auto config = LoadConfigFile("/nonexistent/kringd.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
}

TEST(ConfigTest, TheExampleFileParsesToTheDefaults) {
  const std::string path = std::string(KRING_SOURCE_DIR) + "/deploy/kringd.example.toml";
  auto example = LoadConfigFile(path);
  ASSERT_TRUE(example.ok()) << example.status().ToString();
  auto defaults = ParseConfig("", "empty.toml");
  ASSERT_TRUE(defaults.ok());
  // The example documents every key at its default.
  EXPECT_EQ(example->server.listen, defaults->server.listen);
  EXPECT_EQ(example->server.data_dir, defaults->server.data_dir);
  EXPECT_EQ(example->server.io_threads, defaults->server.io_threads);
  EXPECT_EQ(example->tls.cert_file, defaults->tls.cert_file);
  EXPECT_EQ(example->limits.max_frame_bytes, defaults->limits.max_frame_bytes);
  EXPECT_EQ(example->limits.max_message_bytes, defaults->limits.max_message_bytes);
  EXPECT_EQ(example->limits.max_outbound_bytes, defaults->limits.max_outbound_bytes);
  EXPECT_EQ(example->limits.idle_timeout_seconds, defaults->limits.idle_timeout_seconds);
  EXPECT_EQ(example->connections.auth_timeout_seconds, defaults->connections.auth_timeout_seconds);
  EXPECT_EQ(example->connections.max_per_address, defaults->connections.max_per_address);
  EXPECT_EQ(example->connections.max_unauthenticated, defaults->connections.max_unauthenticated);
  EXPECT_EQ(example->connections.reserved_descriptors, defaults->connections.reserved_descriptors);
  EXPECT_EQ(example->connections.http_idle_timeout_seconds,
            defaults->connections.http_idle_timeout_seconds);
  EXPECT_EQ(example->connections.http_max_requests, defaults->connections.http_max_requests);
  EXPECT_EQ(example->request_rate.connection_per_second,
            defaults->request_rate.connection_per_second);
  EXPECT_EQ(example->request_rate.connection_burst, defaults->request_rate.connection_burst);
  EXPECT_EQ(example->request_rate.account_per_second, defaults->request_rate.account_per_second);
  EXPECT_EQ(example->request_rate.account_burst, defaults->request_rate.account_burst);
  EXPECT_EQ(example->sessions.ttl_hours, defaults->sessions.ttl_hours);
  EXPECT_EQ(example->passwords.memory_kib, defaults->passwords.memory_kib);
  EXPECT_EQ(example->passwords.threads, defaults->passwords.threads);
  EXPECT_EQ(example->passwords.max_queued, defaults->passwords.max_queued);
  EXPECT_EQ(example->reads.threads, defaults->reads.threads);
  EXPECT_EQ(example->reads.max_queued, defaults->reads.max_queued);
  EXPECT_EQ(example->login_throttle.max_delay_ms, defaults->login_throttle.max_delay_ms);
  EXPECT_EQ(example->bootstrap.admin_handle, defaults->bootstrap.admin_handle);
  EXPECT_EQ(example->web.root, defaults->web.root);
  EXPECT_EQ(example->web.origins, defaults->web.origins);
}

TEST(ConfigTest, ParseHostPort) {
  auto v4 = ParseHostPort("127.0.0.1:8443");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8443);
  auto name = ParseHostPort("localhost:0");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 0);
  auto v6 = ParseHostPort("[::1]:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad :
       {"", "8443", ":8443", "host:", "host:65536", "host:8x", "::1:443", "[::1]", "[::1]443"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace kring::app
