#include "server/app/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "server/net/browser_session.h"

#ifndef KRING_DEFAULT_WEB_ROOT
#define KRING_DEFAULT_WEB_ROOT ""
#endif

namespace kring::app {
namespace {

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

template <typename T>
constexpr int64_t MaxOf() {
  return std::numeric_limits<T>::max() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(std::numeric_limits<T>::max());
}

// Reads the keys of one [section], remembering which it saw so that Finish() can name the
// unknown ones. The first error sticks; later reads do nothing.
class SectionReader {
 public:
  SectionReader(std::string prefix, const toml::table* table, Status* error)
      : prefix_(std::move(prefix)), table_(table), error_(error) {}

  void String(std::string_view key, std::string* out) {
    const toml::node* node = Find(key);
    if (!node) return;
    if (const auto* value = node->as_string()) {
      *out = value->get();
    } else {
      Fail(key, "expected a string, got " + std::string(TypeName(node->type())));
    }
  }

  // An array of strings.
  void Strings(std::string_view key, std::vector<std::string>* out) {
    const toml::node* node = Find(key);
    if (!node) return;
    const auto* array = node->as_array();
    if (!array)
      return Fail(key, "expected an array of strings, got " + std::string(TypeName(node->type())));
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      const auto* value = element.as_string();
      if (!value) {
        return Fail(key,
                    "expected an array of strings, found " + std::string(TypeName(element.type())));
      }
      values.push_back(value->get());
    }
    *out = std::move(values);
  }

  template <typename T>
  void Integer(std::string_view key, T* out, int64_t min = 0, int64_t max = MaxOf<T>()) {
    const toml::node* node = Find(key);
    if (!node) return;
    const auto* value = node->as_integer();
    if (!value) {
      return Fail(key, "expected an integer, got " + std::string(TypeName(node->type())));
    }
    const int64_t v = value->get();
    if (v < min || v > max) {
      return Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", got " + std::to_string(v));
    }
    *out = static_cast<T>(v);
  }

  void Finish() {
    if (!table_ || !error_->ok()) return;
    for (const auto& [key, node] : *table_) {
      if (!seen_.contains(std::string(key.str()))) {
        *error_ = InvalidArgument(prefix_ + std::string(key.str()) + ": unknown key");
        return;
      }
    }
  }

  std::string Path(std::string_view key) const { return prefix_ + std::string(key); }

 private:
  const toml::node* Find(std::string_view key) {
    seen_.emplace(key);
    if (!table_ || !error_->ok()) return nullptr;
    return table_->get(key);
  }

  void Fail(std::string_view key, const std::string& what) {
    if (error_->ok()) *error_ = InvalidArgument(Path(key) + ": " + what);
  }

  const std::string prefix_;
  const toml::table* const table_;  // null: the section is absent
  Status* const error_;
  std::set<std::string, std::less<>> seen_;
};

Status Validate(const Config& c) {
  if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
    return InvalidArgument("tls.cert_file and tls.key_file: set both, or neither for dev mode");
  }
  if (c.limits.max_message_bytes >= c.limits.max_frame_bytes) {
    return InvalidArgument(
        "limits.max_message_bytes: must be below limits.max_frame_bytes (a frame carries the "
        "message and its envelope)");
  }
  if (c.limits.max_outbound_bytes < c.limits.max_frame_bytes) {
    return InvalidArgument(
        "limits.max_outbound_bytes: must be at least limits.max_frame_bytes, or one large frame "
        "would close the connection");
  }
  if (c.passwords.memory_kib < 8 * c.passwords.parallelism) {
    return InvalidArgument("passwords.memory_kib: Argon2 needs at least 8 KiB per lane (" +
                           std::to_string(8 * c.passwords.parallelism) + ")");
  }
  if (c.login_throttle.max_delay_ms < c.login_throttle.base_delay_ms) {
    return InvalidArgument("login_throttle.max_delay_ms: must be at least base_delay_ms");
  }
  for (const std::string& origin : c.web.origins) {
    if (net::NormalizeOrigin(origin).empty() ||
        !(origin.starts_with("https://") || origin.starts_with("http://"))) {
      return InvalidArgument("web.origins: \"" + origin +
                             "\" is not an origin like \"https://kring.example.org:8443\"");
    }
  }
  if (auto listen = ParseHostPort(c.server.listen); !listen.ok()) {
    return InvalidArgument("server.listen: " + listen.status().detail());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Config> ParseConfig(std::string_view text, std::string_view source) {
  const std::string where = "config " + std::string(source) + ": ";
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(where + "line " + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
  }

  static constexpr std::string_view kSections[] = {
      "server",   "tls",         "limits",    "connections", "request_rate",
      "sessions", "invitations", "passwords", "reads",       "login_throttle",
      "audit",    "bootstrap",   "web",       "attachments", "storage"};
  for (const auto& [key, node] : root) {
    bool known = false;
    for (std::string_view section : kSections) known = known || key.str() == section;
    if (!known) return InvalidArgument(where + std::string(key.str()) + ": unknown key");
    if (!node.is_table()) {
      return InvalidArgument(where + std::string(key.str()) + ": expected a table, got " +
                             std::string(TypeName(node.type())));
    }
  }

  Config c;
  Status error;
  auto section = [&](const char* name) {
    return SectionReader(std::string(name) + ".", root[name].as_table(), &error);
  };
  constexpr int64_t kGiB = int64_t{1} << 30;

  SectionReader server = section("server");
  server.String("listen", &c.server.listen);
  server.String("data_dir", &c.server.data_dir);
  server.Integer("io_threads", &c.server.io_threads, 0, 1024);
  server.Finish();

  SectionReader tls = section("tls");
  tls.String("cert_file", &c.tls.cert_file);
  tls.String("key_file", &c.tls.key_file);
  tls.Finish();

  SectionReader limits = section("limits");
  limits.Integer("max_frame_bytes", &c.limits.max_frame_bytes, 1024, kGiB);
  limits.Integer("max_message_bytes", &c.limits.max_message_bytes, 1, kGiB);
  limits.Integer("max_outbound_bytes", &c.limits.max_outbound_bytes, 1024, 16 * kGiB);
  limits.Integer("idle_timeout_seconds", &c.limits.idle_timeout_seconds, 1, 7 * 24 * 3600);
  limits.Finish();

  SectionReader connections = section("connections");
  connections.Integer("auth_timeout_seconds", &c.connections.auth_timeout_seconds, 1, 3600);
  connections.Integer("max_per_address", &c.connections.max_per_address, 0, 1'000'000);
  connections.Integer("max_unauthenticated", &c.connections.max_unauthenticated, 0, 1'000'000);
  connections.Integer("reserved_descriptors", &c.connections.reserved_descriptors, 16, 1'000'000);
  connections.Integer("http_idle_timeout_seconds", &c.connections.http_idle_timeout_seconds, 1,
                      3600);
  connections.Integer("http_max_requests", &c.connections.http_max_requests, 1, 1'000'000);
  connections.Finish();

  SectionReader rate = section("request_rate");
  rate.Integer("connection_per_second", &c.request_rate.connection_per_second, 0, 1'000'000);
  rate.Integer("connection_burst", &c.request_rate.connection_burst, 1, 1'000'000);
  rate.Integer("account_per_second", &c.request_rate.account_per_second, 0, 1'000'000);
  rate.Integer("account_burst", &c.request_rate.account_burst, 1, 1'000'000);
  rate.Finish();

  SectionReader sessions = section("sessions");
  sessions.Integer("ttl_hours", &c.sessions.ttl_hours, 1, 24 * 366);
  sessions.Finish();
  SectionReader invitations = section("invitations");
  invitations.Integer("ttl_hours", &c.invitations.ttl_hours, 1, 24 * 366);
  invitations.Finish();

  SectionReader passwords = section("passwords");
  passwords.Integer("time_cost", &c.passwords.time_cost, 1, 100);
  passwords.Integer("memory_kib", &c.passwords.memory_kib, 8, 4 * 1024 * 1024);
  passwords.Integer("parallelism", &c.passwords.parallelism, 1, 255);
  passwords.Integer("threads", &c.passwords.threads, 1, 1024);
  passwords.Integer("max_queued", &c.passwords.max_queued, 1, 1'000'000);
  passwords.Finish();

  SectionReader reads = section("reads");
  reads.Integer("threads", &c.reads.threads, 1, 1024);
  reads.Integer("max_queued", &c.reads.max_queued, 1, 10'000'000);
  reads.Finish();

  SectionReader throttle = section("login_throttle");
  throttle.Integer("free_failures", &c.login_throttle.free_failures);
  throttle.Integer("base_delay_ms", &c.login_throttle.base_delay_ms, 0, 24 * 3600 * 1000);
  throttle.Integer("max_delay_ms", &c.login_throttle.max_delay_ms, 0, 7 * 24 * 3600 * 1000LL);
  throttle.Finish();

  SectionReader storage = section("storage");
  storage.String("master_key_file", &c.storage.master_key_file);
  storage.Finish();

  SectionReader audit = section("audit");
  audit.String("server_id", &c.audit.server_id);
  audit.String("signing_key_file", &c.audit.signing_key_file);
  audit.Finish();
  SectionReader web = section("web");
  web.String("root", &c.web.root);
  web.Strings("origins", &c.web.origins);
  web.Finish();
  SectionReader attachments = section("attachments");
  attachments.Integer("max_bytes", &c.attachments.max_bytes, 1, 4 * kGiB);
  attachments.Integer("network_quota_bytes", &c.attachments.network_quota_bytes, 0, 1024 * kGiB);
  attachments.Integer("max_image_pixels", &c.attachments.max_image_pixels, 0, 1'000'000'000);
  attachments.Finish();
  SectionReader bootstrap = section("bootstrap");
  bootstrap.String("admin_handle", &c.bootstrap.admin_handle);
  bootstrap.Finish();

  if (!error.ok()) return InvalidArgument(where + error.detail());
  if (Status status = Validate(c); !status.ok()) return InvalidArgument(where + status.detail());
  return c;
}

StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("config " + path + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return InvalidArgument("config " + path + ": cannot read the file");
  return ParseConfig(text.str(), path);
}

StatusOr<HostPort> ParseHostPort(std::string_view listen) {
  HostPort result;
  std::string_view port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return InvalidArgument("\"" + std::string(listen) + "\" is not [IPv6]:PORT");
    }
    result.host = std::string(listen.substr(1, close - 1));
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos || listen.find(':') != colon) {
      return InvalidArgument("\"" + std::string(listen) +
                             "\" is not HOST:PORT (write IPv6 addresses as [::1]:PORT)");
    }
    result.host = std::string(listen.substr(0, colon));
    port = listen.substr(colon + 1);
  }
  if (result.host.empty()) {
    return InvalidArgument("\"" + std::string(listen) + "\" has no host");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return InvalidArgument("\"" + std::string(listen) + "\" has no valid port (0..65535)");
  }
  result.port = static_cast<uint16_t>(value);
  return result;
}

std::string DefaultWebRoot() { return KRING_DEFAULT_WEB_ROOT; }

service::ServiceOptions ToServiceOptions(const Config& c) {
  service::ServiceOptions options;
  options.max_message_bytes = c.limits.max_message_bytes;
  options.send_queue_bytes = c.limits.max_outbound_bytes;
  options.session_ttl_ms = static_cast<int64_t>(c.sessions.ttl_hours) * 60 * 60 * 1000;
  options.invitation_ttl_ms = static_cast<int64_t>(c.invitations.ttl_hours) * 60 * 60 * 1000;
  options.password.time_cost = c.passwords.time_cost;
  options.password.memory_kib = c.passwords.memory_kib;
  options.password.parallelism = c.passwords.parallelism;
  options.password_threads = c.passwords.threads;
  options.password_queue = c.passwords.max_queued;
  options.read_threads = c.reads.threads;
  options.read_queue = c.reads.max_queued;
  options.throttle.free_failures = c.login_throttle.free_failures;
  options.throttle.base_delay_ms = static_cast<int64_t>(c.login_throttle.base_delay_ms);
  options.throttle.max_delay_ms = static_cast<int64_t>(c.login_throttle.max_delay_ms);
  if (!c.audit.server_id.empty()) options.server_id = c.audit.server_id;
  options.connection_rate = {c.request_rate.connection_per_second, c.request_rate.connection_burst};
  options.account_rate = {c.request_rate.account_per_second, c.request_rate.account_burst};
  return options;
}

storage::AttachmentLimits ToAttachmentLimits(const Config& c) {
  return {c.attachments.max_bytes, c.attachments.network_quota_bytes,
          c.attachments.max_image_pixels};
}

StatusOr<net::ServerOptions> ToServerOptions(const Config& c) {
  KRING_ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(c.server.listen));
  net::ServerOptions options;
  options.host = std::move(listen.host);
  options.port = listen.port;
  options.io_threads = c.server.io_threads;
  options.cert_file = c.tls.cert_file;
  options.key_file = c.tls.key_file;
  options.max_frame_bytes = c.limits.max_frame_bytes;
  options.max_outbound_bytes = c.limits.max_outbound_bytes;
  options.idle_timeout = std::chrono::seconds(c.limits.idle_timeout_seconds);
  options.auth_timeout = std::chrono::seconds(c.connections.auth_timeout_seconds);
  options.max_connections_per_address = c.connections.max_per_address;
  options.max_unauthenticated_connections = c.connections.max_unauthenticated;
  options.reserved_descriptors = c.connections.reserved_descriptors;
  options.http_idle_timeout = std::chrono::seconds(c.connections.http_idle_timeout_seconds);
  options.max_requests_per_connection = c.connections.http_max_requests;
  options.web_root = c.web.root.empty() ? DefaultWebRoot() : c.web.root;
  options.web_origins = c.web.origins;
  return options;
}

storage::RocksStoreOptions ToRocksStoreOptions(const Config&) {
  return storage::RocksStoreOptions{};
}

}  // namespace kring::app
