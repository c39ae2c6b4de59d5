// Internal to server/net: the WebSocket session behind /v1/ws, and the registry the Server uses
// to close every session on Stop(). Includes Beast: include only from server/net/*.cc.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/net/admission.h"
#include "server/net/tls_socket.h"
#include "server/service/connection.h"

namespace kring::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// A live WebSocket session as the Server sees it. Both methods are thread-safe.
class LiveSession {
 public:
  virtual ~LiveSession() = default;
  // Sends what is queued, then closes with `code`.
  virtual void Close(service::CloseCode code, std::string reason) = 0;
  // Closes the socket now, without a close handshake (a peer that does not answer the close).
  virtual void Abort() = 0;
};

// The set of open WebSocket sessions. Thread-safe. Sessions add themselves once accepted and
// remove themselves when closed (after Connection::OnClosed).
class SessionRegistry {
 public:
  // False once Drain() has begun: the caller closes itself with 1001 instead.
  [[nodiscard]] bool Add(LiveSession* key, std::weak_ptr<LiveSession> session);
  void Remove(LiveSession* key);
  // Refuses further Adds and returns the live sessions. `on_empty` runs once, when the registry
  // is (or becomes) empty: at once on this thread, or on the thread of the last Remove.
  std::vector<std::shared_ptr<LiveSession>> Drain(std::function<void()> on_empty);
  std::vector<std::shared_ptr<LiveSession>> Snapshot() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<LiveSession*, std::weak_ptr<LiveSession>> sessions_;  // guarded by mu_
  bool draining_ = false;                                                  // guarded by mu_
  std::function<void()> on_empty_;                                         // guarded by mu_
};

struct WebSocketLimits {
  size_t max_frame_bytes;
  size_t max_outbound_bytes;
  std::chrono::seconds idle_timeout;
  std::chrono::seconds handshake_timeout;  // the WebSocket accept and the close handshake
  std::chrono::seconds auth_timeout;       // from the accept: close 1008 unless authenticated
};

// Takes over `stream` (its executor is the connection's strand; TLS done, `request` is a WebSocket
// upgrade already read from it), answers the upgrade and, once accepted, hands the connection to
// `acceptor`. `ticket` is the connection's place (admission.h), held until it closes. Call on the
// stream's strand.
void StartWebSocketSession(TlsSocket stream, HttpRequest request,
                           service::ConnectionAcceptor& acceptor, service::PeerInfo peer,
                           const WebSocketLimits& limits, std::shared_ptr<SessionRegistry> registry,
                           Admission::Ticket ticket);

// Logs an I/O error unless it is an expected way for a connection to end.
void LogIoError(const boost::system::error_code& ec, const char* what);

}  // namespace kring::net
