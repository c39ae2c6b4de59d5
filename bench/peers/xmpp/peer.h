// One simulated XMPP client over WebSocket (RFC 7395): connects, opens the stream, logs in
// with SASL PLAIN, restarts the stream, binds a resource and joins one MUC room; then hands
// every groupchat message of that room to an XmppListener, scanned (bench/peers/xmpp/wire.h), not
// parsed. Everything but the constructor runs on the peer's io thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bench/peer.h"
#include "bench/peers/xmpp/wire.h"
#include "bench/ws_client.h"

namespace kring::bench {

struct XmppLogin {
  Endpoint endpoint;   // path "/ws", subprotocol "xmpp", text frames
  std::string domain;  // "localhost"
  std::string user;    // the localpart
  std::string password;
  std::string room_jid;  // "room@conference.localhost"
  std::string nick;      // the occupant's nickname in the room
};

class XmppPeer;

// Receives the measured traffic of a peer, on its io thread.
class XmppListener {
 public:
  virtual ~XmppListener() = default;
  // A groupchat message with a body, from the peer's room (its own echoes included).
  virtual void OnGroupchat(XmppPeer& peer, const xmpp::Stanza& message) = 0;
};

class XmppPeer final : public FrameHandler {
 public:
  // `index` is the caller's name for this peer.
  XmppPeer(size_t index, IoThreads& io, int thread, TlsClient& tls, Failure& failure);

  size_t index() const { return index_; }
  int thread() const { return conn_.thread(); }
  void set_listener(XmppListener* listener) { listener_ = listener; }

  // Everything from TCP connect to the room's self-presence; done("") once joined, else
  // done(why). A later unexpected end, stream error or error stanza fails the run.
  void Start(const XmppLogin& login, std::function<void(const std::string&)> done);
  // Sends an iq frame whose id attribute is `id`; `reply` gets the answering iq's whole frame
  // (valid during the call only). Setup and checks only: not for the hot path.
  void Iq(const std::string& frame, const std::string& id,
          std::function<void(std::string_view)> reply);
  // Sends a frame as is (the hot path).
  void SendRaw(std::string_view frame) { conn_.Send(frame); }
  // Closes the stream and the connection; closed() runs once it has ended.
  void Close(std::function<void()> closed);

  // FrameHandler.
  void OnFrame(std::string_view frame) override;
  void OnClosed(const std::string& why) override;

 private:
  enum class State { kIdle, kOpening, kAuthenticating, kRestarting, kBinding, kJoining, kJoined };

  void SetupFrame(std::string_view frame);
  void SetupDone(const std::string& why);

  const size_t index_;
  Failure& failure_;
  WsConnection conn_;
  XmppListener* listener_ = nullptr;
  XmppLogin login_;
  State state_ = State::kIdle;
  std::function<void(const std::string&)> started_;
  std::unordered_map<std::string, std::function<void(std::string_view)>> iqs_;
  std::function<void()> on_closed_;
  bool closing_ = false;
  bool ended_ = false;
  xmpp::Stanza stanza_;  // reused for every frame
};

}  // namespace kring::bench
