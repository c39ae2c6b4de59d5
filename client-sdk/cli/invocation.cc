#include "client-sdk/cli/invocation.h"

#include <charconv>
#include <cstdio>
#include <filesystem>

namespace kring::cli {
namespace {

constexpr std::string_view kScheme = "wss://";

void PrintError(std::string_view message) {
  std::fprintf(stderr, "kring: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace

bool ParseServerUrl(std::string_view url, ServerAddress* out, std::string* error) {
  const std::string expected = " (expected wss://HOST:PORT)";
  if (url.substr(0, kScheme.size()) != kScheme) {
    *error = "server \"" + std::string(url) + "\" is not a wss:// URL" + expected;
    return false;
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  std::string_view authority = rest.substr(0, slash);
  if (!path.empty() && path != "/" && path != "/v1/ws") {
    *error = "server \"" + std::string(url) + "\": the path must be /v1/ws or empty";
    return false;
  }
  if (authority.find('@') != std::string_view::npos) {
    *error = "server \"" + std::string(url) + "\": user names in the URL are not supported";
    return false;
  }
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "server \"" + std::string(url) + "\": unclosed [ in the host" + expected;
      return false;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      *error = "server \"" + std::string(url) + "\": junk after the host" + expected;
      return false;
    }
    if (!after.empty()) port = after.substr(1);
    if (after == ":") port = "x";  // an empty port is an error below
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty() || port.find(':') != std::string_view::npos) port = "x";
    }
  }
  if (host.empty()) {
    *error = "server \"" + std::string(url) + "\" names no host" + expected;
    return false;
  }
  uint32_t number = 443;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
      *error = "server \"" + std::string(url) + "\": bad port" + expected;
      return false;
    }
  }
  out->host = std::string(host);
  out->port = static_cast<uint16_t>(number);
  return true;
}

int Invocation::UsageError(std::string_view message) const {
  PrintError("error: " + std::string(message));
  return kExitUsage;
}

int Invocation::Failed(const sdk::Error& error) const {
  PrintError(error.ToString());
  return error.transport ? kExitUsage : kExitServerError;
}

bool Invocation::LoadSaved(int* exit_code) {
  if (loaded_) return true;
  std::string error;
  if (!KringHome(&home_, &error) || !LoadSession(home_, &saved_, &error)) {
    *exit_code = UsageError(error);
    return false;
  }
  loaded_ = true;
  return true;
}

std::unique_ptr<sdk::Connection> Invocation::Connect(int* exit_code) {
  if (!LoadSaved(exit_code)) return nullptr;
  const std::string server = Server();
  if (server.empty()) {
    *exit_code = UsageError("no server: give --server wss://HOST:PORT or set KRING_SERVER");
    return nullptr;
  }
  ServerAddress address;
  std::string error;
  if (!ParseServerUrl(server, &address, &error)) {
    *exit_code = UsageError(error);
    return nullptr;
  }
  sdk::ConnectOptions options;
  options.host = address.host;
  options.port = address.port;
  options.ca_file = Ca();
  options.user_agent = kUserAgent;
  auto conn = sdk::Connection::Open(std::move(options));
  if (!conn.ok()) {
    PrintError("cannot connect to " + server + ": " + conn.error().ToString());
    *exit_code = kExitUsage;
    return nullptr;
  }
  return std::move(conn).value();
}

std::unique_ptr<sdk::Connection> Invocation::Resume(int* exit_code) {
  if (!LoadSaved(exit_code)) return nullptr;
  if (saved_.token.empty()) {
    *exit_code = UsageError("not logged in (KRING_HOME " + home_ +
                            "): run `kring login HANDLE --password-stdin` first");
    return nullptr;
  }
  auto conn = Connect(exit_code);
  if (conn == nullptr) return nullptr;
  auto resumed = conn->ResumeSession(saved_.token);
  if (!resumed.ok()) {
    *exit_code = Failed(resumed.error());
    if (!resumed.error().transport && resumed.error().code == v1::Error::UNAUTHENTICATED) {
      session_rejected_ = true;
      PrintError("the saved session is no longer valid: log in again");
    }
    return nullptr;
  }
  return conn;
}

int Invocation::SaveSession(const std::string& token) {
  int exit_code = kExitOk;
  if (!LoadSaved(&exit_code)) return exit_code;
  SavedSession session;
  session.server = Server();
  session.ca = Ca();
  if (!session.ca.empty()) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(session.ca, ec);
    if (!ec) session.ca = absolute.lexically_normal().string();
  }
  session.token = token;
  std::string error;
  if (!cli::SaveSession(home_, session, &error)) return UsageError(error);
  saved_ = std::move(session);
  return kExitOk;
}

}  // namespace kring::cli
