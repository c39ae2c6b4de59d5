// kring::net::Server: the TLS listener in front of the service.
//
// One port carries everything: TLS handshake -> HTTP/1.1 requests, kept alive, one at a time ->
// GET /healthz, GET /readyz, POST/DELETE /v1/session (the browser's login and logout), the web
// app's files (web_root), or a WebSocket upgrade at /v1/ws handed to the ConnectionAcceptor. This
// header is plain C++ on purpose: Asio and Beast stay inside server/net/*.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/core/status.h"
#include "server/service/connection.h"

namespace kring::storage {
class AttachmentArea;
}

namespace kring::net {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an IP address or a name that resolves to one
  uint16_t port = 8443;            // 0: the kernel picks one; Start() returns it
  size_t io_threads = 0;           // 0: one per core

  // PEM files: the certificate chain (leaf first) and its private key. Both required.
  std::string cert_file;
  std::string key_file;

  size_t max_frame_bytes = 64 * 1024;           // a larger WebSocket message: close 1009
  size_t max_outbound_bytes = 8 * 1024 * 1024;  // queued-but-unsent per connection: close 1013
  std::chrono::seconds idle_timeout{300};       // no traffic (pings count): the socket is closed
  std::chrono::seconds handshake_timeout{10};   // TLS handshake + the HTTP request, and WS close
  size_t max_header_bytes = 8 * 1024;           // HTTP request header limit
  // HTTP keep-alive: how long a connection may sit between an answer and the next request (and
  // take to write an answer), and how many requests it may carry before it is closed.
  std::chrono::seconds http_idle_timeout{30};
  size_t max_requests_per_connection = 100;
  std::chrono::milliseconds shutdown_timeout{5'000};  // how long Stop() waits for WS closes

  // A WebSocket whose connection has not authenticated (ConnectionSink::SetAuthenticated) this
  // long after it opened is closed with 1008.
  std::chrono::seconds auth_timeout{10};
  // Caps checked when a TCP connection is accepted; over one, it is closed at once (before TLS).
  size_t max_connections_per_address = 64;        // one IPv4 address or IPv6 /64; 0: no cap
  size_t max_unauthenticated_connections = 1024;  // not logged in (yet), in all; 0: no cap
  // Descriptors kept for everything but connections (the store's files, logs, the listener):
  // connections are capped at the RLIMIT_NOFILE soft limit minus this. And should accept still
  // run out of descriptors, a spare one is given up to accept and close the waiting connection,
  // so the listener never stalls with connections queued behind it.
  size_t reserved_descriptors = 128;
  // The web app's directory, served at `/` (GET and HEAD). Need not exist: then `/` is 404.
  std::string web_root;
  // Browser origins ("https://kring.example.org") allowed to log in by cookie and to open a
  // cookie-authenticated WebSocket. Empty: https://localhost, 127.0.0.1 and [::1] on the port.
  std::vector<std::string> web_origins;
  // Attachments (issue 15, item 2): POST /v1/networks/N/threads/T/attachments streams a file
  // into this area (its limits apply) and GET /v1/networks/N/attachments/ID streams one out.
  // Null: both answer 404. Must outlive the Server.
  storage::AttachmentArea* attachments = nullptr;

  // Run() stops the server gracefully on SIGINT or SIGTERM, and reloads the certificate and key
  // on SIGHUP (ReloadTls) (for kringd; tests leave it off).
  bool handle_signals = false;
};

// Thread-safety: Start() and Run() are called once each, in that order, from the owning thread
// (Run() may be on another thread). Stop() may be called from any thread, any number of times.
class Server {
 public:
  // `acceptor` must outlive the Server.
  Server(service::ConnectionAcceptor& acceptor, ServerOptions options);
  // Run() must have returned (or never been called). Connections still open are dropped; each
  // gets Connection::OnClosed.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the certificate, binds and listens. Does not block. Returns the bound port.
  // Errors: kInvalidArgument (bad certificate/key, bad address), kInternal (bind/listen failed).
  [[nodiscard]] StatusOr<uint16_t> Start();

  // Serves on io_threads threads (the caller's is one of them) until Stop() or, with
  // handle_signals, a signal. Blocks.
  void Run();

  // Graceful stop: stop accepting, close every WebSocket with 1001 after what is queued for it,
  // wait up to shutdown_timeout for the closes, then end Run(). Does not block; Run() returns
  // when done.
  void Stop();

  // Reads cert_file and key_file again (after a renewal) and serves them to every connection
  // accepted from now on; connections already open keep theirs and are not dropped. A pair that
  // does not load or does not match is refused (kInvalidArgument, logged) and the current one
  // stays. Any thread, after Start().
  Status ReloadTls();

  // Open WebSocket sessions right now (for tests and metrics).
  size_t WebSocketCount() const;
  // The cap on open connections in all, from RLIMIT_NOFILE and reserved_descriptors (0: none).
  // Known once Start() has returned.
  size_t MaxConnections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kring::net
