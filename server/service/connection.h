// The seam between the transport (server/net, Beast) and the service (no I/O).
//
// For each WebSocket connection the transport gives the service a ConnectionSink and receives a
// Connection. The transport feeds received binary frames to Connection::OnFrame; the service
// answers and pushes events through ConnectionSink::Send, from any thread, at any time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kring/v1/kring.pb.h"

namespace kring::service {

// The WebSocket close codes kringd sends: kring.v1.CloseCode (kring.proto, documented in
// docs/protocol.md), as the typed value the transport puts in a close frame.
enum class CloseCode : uint16_t {
  kNormal = v1::CLOSE_CODE_NORMAL,
  kGoingAway = v1::CLOSE_CODE_GOING_AWAY,
  kProtocolError = v1::CLOSE_CODE_PROTOCOL_ERROR,
  kUnsupportedData = v1::CLOSE_CODE_UNSUPPORTED_DATA,
  kPolicyViolation = v1::CLOSE_CODE_POLICY_VIOLATION,
  kMessageTooBig = v1::CLOSE_CODE_MESSAGE_TOO_BIG,
  kInternalError = v1::CLOSE_CODE_INTERNAL_ERROR,
  kTryAgainLater = v1::CLOSE_CODE_TRY_AGAIN_LATER,
  kSessionEnded = v1::CLOSE_CODE_SESSION_ENDED,
  kAccessEnded = v1::CLOSE_CODE_ACCESS_ENDED,
};

// The transport side of one connection. Implemented by server/net.
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;

  // Queues one encoded kring.v1.ServerFrame for sending. Thread-safe; never blocks. Frames go out
  // in call order. If the outbound queue is over its limit the transport closes the connection
  // with kTryAgainLater (the app reconnects and resumes from its cursors); nothing is dropped
  // silently. After Close, calls are ignored.
  virtual void Send(std::shared_ptr<const std::string> frame) = 0;

  // Sends everything queued so far, then closes the WebSocket with `code`. Thread-safe.
  virtual void Close(CloseCode code, std::string reason) = 0;

  // Calls `ready` once fewer than `bytes` are queued for sending (at once if that is already
  // so). For bulk sends, such as a subscription's backlog, that must go no faster than the
  // connection drains. `ready` runs on a transport thread and must not block; it is dropped,
  // never called, if the connection closes first. Thread-safe; several may wait at once.
  virtual void WhenQueuedBelow(size_t bytes, std::function<void()> ready) = 0;

  // The service's word that the connection now has (true) or no longer has (false) a valid
  // session. The transport closes a connection that has not authenticated within its deadline
  // and counts the ones that have not against its limits (server/net/server.h); the deadline
  // runs from the WebSocket's opening and is not restarted by losing the session. Thread-safe;
  // calls take effect in call order. A sink that enforces nothing may ignore it.
  virtual void SetAuthenticated(bool authenticated) { (void)authenticated; }
};

// What the transport knows about the other end.
struct PeerInfo {
  std::string address;     // "127.0.0.1:53412"
  std::string user_agent;  // from the upgrade request, may be empty
  // A session token the transport vouches for (a browser's HttpOnly cookie on an upgrade from an
  // allowed Origin): the connection starts resumed from it, as if its first request were
  // ResumeSession, without a response. Empty: the connection starts logged out.
  std::string session_token;
};

// The service side of one connection. Implemented by the service.
class Connection {
 public:
  virtual ~Connection() = default;

  // One received binary WebSocket message. Calls for one connection are never concurrent and
  // arrive in order. Must not block: slow work is handed off and answered later via the sink.
  virtual void OnFrame(std::string_view bytes) = 0;

  // The transport has closed (either side). No OnFrame follows. Must not block.
  virtual void OnClosed() = 0;
};

// Creates Connections; what the transport needs of the service.
class ConnectionAcceptor {
 public:
  virtual ~ConnectionAcceptor() = default;
  virtual std::shared_ptr<Connection> Accept(std::shared_ptr<ConnectionSink> sink,
                                             PeerInfo peer) = 0;
  // For GET /readyz: true while the store is open and the writer runs.
  virtual bool Ready() const = 0;
};

}  // namespace kring::service
