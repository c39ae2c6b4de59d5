#include "server/net/ws_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "server/net/corking_stream.h"
#include "server/protocol/frames.h"

namespace kring::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using beast::error_code;
using service::CloseCode;

void LogIoError(const error_code& ec, const char* what) {
  // The ways a connection normally ends: we cancelled it, the peer closed the WebSocket, or the
  // peer dropped TCP without a TLS close_notify (common with mobile networks).
  if (ec == asio::error::operation_aborted || ec == websocket::error::closed ||
      ec == asio::ssl::error::stream_truncated || ec == asio::error::eof) {
    return;
  }
  if (ec == beast::error::timeout) {
    spdlog::debug("{}: timed out", what);
    return;
  }
  spdlog::info("{}: {}", what, ec.message());
}

// ---------------------------------------------------------------------------------------------
// SessionRegistry

bool SessionRegistry::Add(LiveSession* key, std::weak_ptr<LiveSession> session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (draining_) return false;
  sessions_.emplace(key, std::move(session));
  return true;
}

void SessionRegistry::Remove(LiveSession* key) {
  std::function<void()> on_empty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sessions_.erase(key) == 0) return;
    if (draining_ && sessions_.empty()) on_empty = std::move(on_empty_);
  }
  if (on_empty) on_empty();
}

std::vector<std::shared_ptr<LiveSession>> SessionRegistry::Drain(std::function<void()> on_empty) {
  std::vector<std::shared_ptr<LiveSession>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
    if (!sessions_.empty()) {
      on_empty_ = std::move(on_empty);
      on_empty = nullptr;
    }
    for (auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  if (on_empty) on_empty();
  return live;
}

std::vector<std::shared_ptr<LiveSession>> SessionRegistry::Snapshot() const {
  std::vector<std::shared_ptr<LiveSession>> live;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

size_t SessionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

// ---------------------------------------------------------------------------------------------
// WsSession

namespace {

// A read buffer grown past this by a large message is given back afterwards, so that 10k idle
// connections do not each keep their largest message's worth of memory.
constexpr size_t kKeepReadBufferBytes = 16 * 1024;
// Frames queued behind the one being written go out with it as one ServerFrameBatch message,
// up to these limits: far below any app's message limit (the SDK's is 16 MiB), and enough to
// carry a burst of fan-out in one TLS write.
constexpr size_t kMaxBatchBytes = 64 * 1024;
constexpr size_t kMaxBatchFrames = 256;
// RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code.
constexpr size_t kMaxCloseReasonBytes = 123;

websocket::close_reason MakeCloseReason(CloseCode code, std::string_view reason) {
  websocket::close_reason close;
  close.code = static_cast<uint16_t>(code);
  reason = reason.substr(0, kMaxCloseReasonBytes);
  close.reason.assign(reason.data(), reason.size());
  return close;
}

class WsSession final : public LiveSession, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(TlsSocket stream, service::ConnectionAcceptor& acceptor, service::PeerInfo peer,
            const WebSocketLimits& limits, std::shared_ptr<SessionRegistry> registry,
            Admission::Ticket ticket)
      : ws_(std::move(stream)),
        auth_timer_(ws_.get_executor()),
        acceptor_(acceptor),
        peer_(std::move(peer)),
        limits_(limits),
        registry_(std::move(registry)),
        ticket_(std::move(ticket)) {}

  ~WsSession() override {
    // Only when the io_context was destroyed with our handlers still pending (Server torn down
    // past its shutdown timeout): keep the promise that OnClosed comes exactly once.
    Finish();
  }

  // On the strand.
  void Start(const HttpRequest& request) {
    ws_.set_option(websocket::stream_base::timeout{limits_.handshake_timeout, limits_.idle_timeout,
                                                   /*keep_alive_pings=*/true});
    ws_.read_message_max(limits_.max_frame_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "kringd"); }));
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::OnAccept, shared_from_this()));
  }

  // Any thread. Frames wait in the inbox until one handler on the strand takes them all: the
  // frames of a commit group's fan-out cost one post per connection, not one each, and the
  // first write carries the whole burst.
  void Send(std::shared_ptr<const std::string> frame) {
    {
      std::lock_guard lock(inbox_mu_);
      if (inbox_closed_) return;  // after Close, Send is ignored (ConnectionSink contract)
      inbox_.push_back(std::move(frame));
      if (inbox_.size() > 1) return;  // a TakeInbox is already on its way
    }
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->TakeInbox(); });
  }

  // Any thread. Frames sent before it still go out first: their TakeInbox was posted earlier.
  void Close(CloseCode code, std::string reason) override {
    {
      std::lock_guard lock(inbox_mu_);
      inbox_closed_ = true;
    }
    asio::post(ws_.get_executor(),
               [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
                 self->RequestClose(code, std::move(reason));
               });
  }

  // Any thread.
  void WhenQueuedBelow(size_t bytes, std::function<void()> ready) {
    asio::post(ws_.get_executor(),
               [self = shared_from_this(), bytes, ready = std::move(ready)]() mutable {
                 if (self->finished_) return;
                 self->drain_waiters_.emplace_back(bytes, std::move(ready));
                 self->NotifyDrainWaiters();
               });
  }

  // Any thread (the service's word, via the sink).
  void SetAuthenticated(bool authenticated) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), authenticated] {
      self->OnAuthenticated(authenticated);
    });
  }

  void Abort() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      beast::get_lowest_layer(self->ws_).close(ignored);
    });
  }

 private:
  void OnAccept(error_code ec);
  void ArmAuthDeadline();
  void OnAuthenticated(bool authenticated);
  void ReadNext();
  void OnRead(error_code ec, size_t bytes);
  void TakeInbox();
  void Enqueue(std::shared_ptr<const std::string> frame);
  void WriteNext();
  void OnWrite(error_code ec, size_t bytes);
  void RequestClose(CloseCode code, std::string reason);
  void CloseIfDrained();
  void NotifyDrainWaiters();
  void OnClose(error_code ec);
  void Fail(error_code ec, const char* what);
  void Finish();

  bool closing() const { return close_reason_.has_value() || finished_; }

  websocket::stream<CorkingStream<TlsSocket>> ws_;
  asio::steady_timer auth_timer_;  // on the strand
  beast::flat_buffer read_buffer_;
  service::ConnectionAcceptor& acceptor_;
  const service::PeerInfo peer_;
  const WebSocketLimits limits_;
  const std::shared_ptr<SessionRegistry> registry_;
  Admission::Ticket ticket_;  // on the strand; given back by Finish()

  std::mutex inbox_mu_;
  std::vector<std::shared_ptr<const std::string>> inbox_;  // guarded by inbox_mu_
  bool inbox_closed_ = false;                              // guarded by inbox_mu_

  // Everything below is touched only on the strand (ws_.get_executor()).
  std::shared_ptr<service::Connection> connection_;       // set once accepted; released by Finish()
  std::deque<std::shared_ptr<const std::string>> queue_;  // the first in_flight_ are being written
  size_t in_flight_ = 0;                                  // frames of queue_ in the write
  std::string batch_;                                     // their batch, while in flight
  size_t queued_bytes_ = 0;                               // includes the frame in flight
  // WhenQueuedBelow callbacks with their thresholds; called (and removed) as the queue drains.
  std::vector<std::pair<size_t, std::function<void()>>> drain_waiters_;
  bool writing_ = false;
  std::optional<websocket::close_reason> close_reason_;  // close once the queue is drained
  bool close_started_ = false;                           // async_close issued
  bool registered_ = false;
  bool finished_ = false;
  bool authenticated_ = false;
  bool auth_deadline_passed_ = false;
};

// The service's handle on a connection. Holds the session weakly: the service may keep the sink
// as long as it likes without keeping a closed socket and its buffers alive.
class WsSink final : public service::ConnectionSink {
 public:
  explicit WsSink(std::weak_ptr<WsSession> session) : session_(std::move(session)) {}

  void Send(std::shared_ptr<const std::string> frame) override {
    if (auto session = session_.lock()) session->Send(std::move(frame));
  }
  void Close(CloseCode code, std::string reason) override {
    if (auto session = session_.lock()) session->Close(code, std::move(reason));
  }
  void WhenQueuedBelow(size_t bytes, std::function<void()> ready) override {
    if (auto session = session_.lock()) session->WhenQueuedBelow(bytes, std::move(ready));
  }
  void SetAuthenticated(bool authenticated) override {
    if (auto session = session_.lock()) session->SetAuthenticated(authenticated);
  }

 private:
  const std::weak_ptr<WsSession> session_;
};

void WsSession::OnAccept(error_code ec) {
  if (ec) return Fail(ec, "websocket accept");
  ws_.binary(true);
  if (!registry_->Add(this, weak_from_this())) {
    // The server began stopping while this upgrade was in progress.
    close_reason_ = MakeCloseReason(CloseCode::kGoingAway, "server shutting down");
    return CloseIfDrained();
  }
  registered_ = true;
  connection_ = acceptor_.Accept(std::make_shared<WsSink>(weak_from_this()), peer_);
  if (!connection_) return RequestClose(CloseCode::kInternalError, "not accepted");
  spdlog::debug("websocket open: {} ({})", peer_.address, peer_.user_agent);
  ArmAuthDeadline();
  ReadNext();
}

// The transport owns the deadline (it has the timers and the socket, and must close even if the
// service is stuck); the service says when the connection has a session.
void WsSession::ArmAuthDeadline() {
  auth_timer_.expires_after(limits_.auth_timeout);
  // Held weakly: a connection that ends early is freed at once, not when the timer fires.
  auth_timer_.async_wait([weak = weak_from_this()](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->finished_) return;
    self->auth_deadline_passed_ = true;
    if (self->authenticated_) return;
    spdlog::debug("websocket {}: not authenticated within {} s; closing 1008", self->peer_.address,
                  self->limits_.auth_timeout.count());
    self->RequestClose(CloseCode::kPolicyViolation, "not authenticated in time");
  });
}

void WsSession::OnAuthenticated(bool authenticated) {
  if (finished_) return;
  authenticated_ = authenticated;
  ticket_.SetAuthenticated(authenticated);
  // Losing the session does not restart the clock: past the deadline, the connection goes.
  if (!authenticated && auth_deadline_passed_) {
    RequestClose(CloseCode::kPolicyViolation, "not authenticated in time");
  }
}

void WsSession::ReadNext() {
  ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::OnRead, shared_from_this()));
}

void WsSession::OnRead(error_code ec, size_t bytes) {
  if (ec == websocket::error::message_too_big) {
    // Beast has already sent close 1009 and torn the connection down.
    spdlog::info("websocket {}: message over {} bytes; closed 1009", peer_.address,
                 limits_.max_frame_bytes);
    return Finish();
  }
  if (ec) return Fail(ec, "websocket read");
  if (finished_) return;
  if (close_reason_) {
    // Closing: keep reading (and dropping) so a peer blocked writing to us still gets to read
    // our close frame; Beast completes this read when the peer's close arrives.
    read_buffer_.clear();
    return ReadNext();
  }
  if (!ws_.got_binary()) {
    read_buffer_.clear();
    RequestClose(CloseCode::kUnsupportedData, "binary frames only");
    return ReadNext();
  }
  auto data = read_buffer_.cdata();
  connection_->OnFrame(std::string_view(static_cast<const char*>(data.data()), data.size()));
  read_buffer_.clear();
  if (read_buffer_.capacity() > kKeepReadBufferBytes) read_buffer_.shrink_to_fit();
  ReadNext();
}

void WsSession::Enqueue(std::shared_ptr<const std::string> frame) {
  if (closing()) return;  // after Close, Send is ignored (ConnectionSink contract)
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (queued_bytes_ > limits_.max_outbound_bytes) {
    spdlog::info("websocket {}: over {} bytes queued for sending; closing 1013", peer_.address,
                 limits_.max_outbound_bytes);
    // The app resumes from its cursors after reconnecting, so unsent frames can go. Those in
    // flight cannot be taken back.
    while (queue_.size() > (writing_ ? in_flight_ : 0u)) {
      queued_bytes_ -= queue_.back()->size();
      queue_.pop_back();
    }
    return RequestClose(CloseCode::kTryAgainLater, "too far behind; reconnect and resume");
  }
}

void WsSession::TakeInbox() {
  std::vector<std::shared_ptr<const std::string>> frames;
  {
    std::lock_guard lock(inbox_mu_);
    frames.swap(inbox_);
  }
  for (auto& frame : frames) Enqueue(std::move(frame));
  if (!writing_ && !queue_.empty() && !finished_) WriteNext();
}

void WsSession::WriteNext() {
  writing_ = true;
  in_flight_ = 1;
  size_t bytes = queue_.front()->size();
  while (in_flight_ < queue_.size() && in_flight_ < kMaxBatchFrames &&
         bytes + queue_[in_flight_]->size() <= kMaxBatchBytes) {
    bytes += queue_[in_flight_]->size();
    ++in_flight_;
  }
  // With frames left over past the batch, TLS takes this write together with the next one
  // (corking_stream.h); the last write of the queue goes uncorked and carries them out.
  ws_.next_layer().set_corked(in_flight_ < queue_.size());
  auto on_write = beast::bind_front_handler(&WsSession::OnWrite, shared_from_this());
  if (in_flight_ == 1) return ws_.async_write(asio::buffer(*queue_.front()), std::move(on_write));
  std::vector<std::string_view> frames;
  frames.reserve(in_flight_);
  for (size_t i = 0; i < in_flight_; ++i) frames.emplace_back(*queue_[i]);
  BatchFrames(frames, batch_);
  ws_.async_write(asio::buffer(batch_), std::move(on_write));
}

void WsSession::OnWrite(error_code ec, size_t) {
  writing_ = false;
  for (; in_flight_ > 0; --in_flight_) {
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
  }
  // Given back: an idle connection keeps no batch.
  std::string().swap(batch_);
  if (ec) return Fail(ec, "websocket write");
  if (finished_) return;
  NotifyDrainWaiters();
  if (!queue_.empty()) return WriteNext();
  CloseIfDrained();
}

void WsSession::NotifyDrainWaiters() {
  if (drain_waiters_.empty() || closing()) return;
  std::vector<std::function<void()>> ready;
  std::erase_if(drain_waiters_, [&](auto& waiter) {
    if (queued_bytes_ >= waiter.first) return false;
    ready.push_back(std::move(waiter.second));
    return true;
  });
  for (auto& callback : ready) callback();
}

void WsSession::RequestClose(CloseCode code, std::string reason) {
  if (closing()) return;
  close_reason_ = MakeCloseReason(code, reason);
  // Frames dropped from the queue will not come to flush what is corked; the close frame will.
  ws_.next_layer().set_corked(false);
  CloseIfDrained();
}

void WsSession::CloseIfDrained() {
  if (!close_reason_ || close_started_ || finished_ || writing_ || !queue_.empty()) return;
  close_started_ = true;
  ws_.async_close(*close_reason_,
                  beast::bind_front_handler(&WsSession::OnClose, shared_from_this()));
}

void WsSession::OnClose(error_code ec) {
  if (ec) return Fail(ec, "websocket close");
  Finish();
}

void WsSession::Fail(error_code ec, const char* what) {
  LogIoError(ec, what);
  Finish();
}

void WsSession::Finish() {
  if (finished_) return;
  finished_ = true;
  auth_timer_.cancel();
  // Before OnClosed: whoever hears of the close may connect again at once.
  ticket_ = Admission::Ticket();
  drain_waiters_.clear();
  // The frames in flight stay until their write completes: Asio still reads from them.
  while (queue_.size() > (writing_ ? in_flight_ : 0u)) queue_.pop_back();
  if (auto connection = std::move(connection_)) connection->OnClosed();
  if (registered_) {
    registered_ = false;
    registry_->Remove(this);
  }
}

}  // namespace

void StartWebSocketSession(TlsSocket stream, HttpRequest request,
                           service::ConnectionAcceptor& acceptor, service::PeerInfo peer,
                           const WebSocketLimits& limits, std::shared_ptr<SessionRegistry> registry,
                           Admission::Ticket ticket) {
  std::make_shared<WsSession>(std::move(stream), acceptor, std::move(peer), limits,
                              std::move(registry), std::move(ticket))
      ->Start(request);
}

}  // namespace kring::net
