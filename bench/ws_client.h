// The load generator's transport: many TLS WebSocket connections per io thread.
//
// Plain C++: ws_client.cc is the only bench file that includes Asio/Beast. Each io thread runs
// its own io_context, and every connection belongs to one thread for life, so a connection's
// handler, its buffers and whatever per-thread state the scenario keeps are touched by that
// thread only and need no locks. Nothing here allocates per message once buffers are warm.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kring::bench {

// Where to connect and whom to trust.
struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ca_file;      // PEM to trust (kringd's dev certificate)
  std::string server_name;  // checked against the certificate; empty: host
  // Source address to connect from (e.g. 127.0.0.2: each source address has its own ~28k
  // ephemeral ports); empty: the kernel's choice.
  std::string local_host;
  std::chrono::milliseconds connect_timeout{20'000};
  // For servers other than kringd (an XMPP server over RFC 7395): the upgrade's target, a
  // subprotocol the server must accept, and text frames instead of binary ones.
  std::string path = "/v1/ws";
  std::string subprotocol;  // empty: none asked for
  bool text_frames = false;
};

// Resolves `host` (a name or an address) into `address`, numeric, for Endpoint::host: "" on
// success, else getaddrinfo's reason. Blocks on DNS: for setup, on the main thread.
std::string ResolveHost(const std::string& host, std::string* address);

// N io threads, each with its own io_context. Thread-safe: Post may be called from anywhere.
class IoThreads {
 public:
  explicit IoThreads(int threads);
  ~IoThreads();  // Stop()
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  int size() const;
  // Runs fn on io thread `thread` (0 <= thread < size()).
  void Post(int thread, std::function<void()> fn);
  // Calls fn on `thread` every `period` until it returns false. Timer overruns are not caught
  // up: fn reads the clock itself.
  void Every(int thread, std::chrono::microseconds period, std::function<bool()> fn);
  // Stops the io_contexts and joins the threads; pending handlers are dropped. Idempotent.
  void Stop();

  class Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// The TLS client settings shared by all connections: peer verification against one CA file.
class TlsClient {
 public:
  // Empty string on success, else why the CA file could not be loaded.
  static std::unique_ptr<TlsClient> Create(const std::string& ca_file, std::string* error);
  ~TlsClient();

  class Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit TlsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Receives a connection's frames and its end, on the connection's io thread.
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // `frame` is valid only during the call.
  virtual void OnFrame(std::string_view frame) = 0;
  // Once, after the last OnFrame; `why` is empty after Close().
  virtual void OnClosed(const std::string& why) = 0;
};

// One TLS WebSocket connection to endpoint.path (kringd's /v1/ws) on one io thread. Every method
// except the constructor must be called on that thread (IoThreads::Post). Destroy it only after
// OnClosed (or before Connect), with its io thread stopped or on that thread.
class WsConnection {
 public:
  WsConnection(IoThreads& io, int thread, TlsClient& tls, FrameHandler* handler);
  ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  int thread() const { return thread_; }

  // TCP connect, TLS handshake (peer and host name verified), WebSocket upgrade; then reads
  // frames into the handler. done("") on success, done(why) on failure.
  void Connect(const Endpoint& endpoint, std::function<void(const std::string&)> done);
  // Queues one binary (or, with text_frames, text) message (copied into a reused buffer); one write
  // in flight.
  void Send(std::string_view frame);
  // Bytes queued and not yet written.
  size_t queued_bytes() const;
  // Close handshake after queued writes; OnClosed("") follows.
  void Close();

  class Impl;

 private:
  const int thread_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kring::bench
