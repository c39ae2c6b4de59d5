// The only bench file that includes Asio/Beast (compiled once, in kring_asio).
#include "bench/ws_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <list>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace kring::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

// Expected ways for a connection to end after we (or the server, on shutdown) closed it.
bool IsClosing(const error_code& ec) {
  return ec == websocket::error::closed || ec == asio::error::operation_aborted ||
         ec == ssl::error::stream_truncated || ec == asio::error::eof;
}

}  // namespace

std::string ResolveHost(const std::string& host, std::string* address) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || !found) {
    return ::gai_strerror(rc);
  }
  char numeric[NI_MAXHOST];
  ::getnameinfo(found->ai_addr, found->ai_addrlen, numeric, sizeof numeric, nullptr, 0,
                NI_NUMERICHOST);
  ::freeaddrinfo(found);
  *address = numeric;
  return "";
}

class IoThreads::Impl {
 public:
  explicit Impl(int threads) {
    for (int i = 0; i < threads; ++i) {
      // Concurrency hint 1: each io_context is run by exactly one thread, so Asio can skip the
      // scheduler's locking.
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      work_.emplace_back(contexts_.back()->get_executor());
    }
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
    }
  }

  asio::io_context& context(int thread) { return *contexts_[thread]; }
  int size() const { return static_cast<int>(contexts_.size()); }

  void Every(int thread, std::chrono::microseconds period, std::function<bool()> fn) {
    asio::post(context(thread), [this, thread, period, fn = std::move(fn)]() mutable {
      timers_.emplace_back(context(thread));
      Arm(&timers_.back(), period, std::move(fn));
    });
  }

  void Stop() {
    work_.clear();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void Arm(asio::steady_timer* timer, std::chrono::microseconds period, std::function<bool()> fn) {
    timer->expires_after(period);
    timer->async_wait([this, timer, period, fn = std::move(fn)](error_code ec) mutable {
      if (ec) return;
      if (fn()) Arm(timer, period, std::move(fn));
    });
  }

  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::list<asio::steady_timer> timers_;  // each touched only on its own io thread
};

IoThreads::IoThreads(int threads) : impl_(std::make_unique<Impl>(threads)) {}
IoThreads::~IoThreads() { Stop(); }
int IoThreads::size() const { return impl_->size(); }
void IoThreads::Post(int thread, std::function<void()> fn) {
  asio::post(impl_->context(thread), std::move(fn));
}
void IoThreads::Every(int thread, std::chrono::microseconds period, std::function<bool()> fn) {
  impl_->Every(thread, period, std::move(fn));
}
void IoThreads::Stop() { impl_->Stop(); }

class TlsClient::Impl {
 public:
  Impl() : ctx_(ssl::context::tls_client) {}
  ssl::context& context() { return ctx_; }

 private:
  ssl::context ctx_;
};

std::unique_ptr<TlsClient> TlsClient::Create(const std::string& ca_file, std::string* error) {
  auto impl = std::make_unique<Impl>();
  SSL_CTX_set_min_proto_version(impl->context().native_handle(), TLS1_2_VERSION);
  impl->context().set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (ca_file.empty()) {
    impl->context().set_default_verify_paths(ec);
  } else {
    impl->context().load_verify_file(ca_file, ec);
  }
  if (ec) {
    *error = "loading CA certificates \"" + ca_file + "\": " + ec.message();
    return nullptr;
  }
  return std::unique_ptr<TlsClient>(new TlsClient(std::move(impl)));
}

TlsClient::TlsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsClient::~TlsClient() = default;

class WsConnection::Impl {
 public:
  Impl(asio::io_context& ioc, ssl::context& tls, FrameHandler* handler)
      : handler_(handler), ws_(ioc, tls) {}

  void Connect(const Endpoint& ep, std::function<void(const std::string&)> done) {
    error_code ec;
    auto address = asio::ip::make_address(ep.host, ec);
    if (ec) return done("not an IP address: " + ep.host);
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    if (!ep.local_host.empty()) {
      if (std::string e = Bind(ep.local_host, address.is_v6()); !e.empty()) return done(e);
    }
    tcp_layer.expires_after(ep.connect_timeout);
    tcp_layer.async_connect(
        tcp::endpoint(address, ep.port), [this, ep, done = std::move(done)](error_code ec) mutable {
          if (ec) return done("connect: " + ec.message());
          beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
          const std::string& name = ep.server_name.empty() ? ep.host : ep.server_name;
          error_code ip_ec;
          asio::ip::make_address(name, ip_ec);
          // SNI carries host names only (RFC 6066 section 3), never address literals.
          if (ip_ec) SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), name.c_str());
          ws_.next_layer().set_verify_callback(ssl::host_name_verification(name));
          ws_.next_layer().async_handshake(
              ssl::stream_base::client, [this, ep, done = std::move(done)](error_code ec) mutable {
                if (ec) return done("TLS handshake: " + ec.message());
                Upgrade(ep, std::move(done));
              });
        });
  }

  void Send(std::string_view frame) {
    if (closing_ || failed_) return;
    std::string buf;
    if (!spare_.empty()) {
      buf = std::move(spare_.back());
      spare_.pop_back();
    }
    buf.assign(frame.data(), frame.size());
    queued_bytes_ += buf.size();
    queue_.push_back(std::move(buf));
    if (!writing_) WriteNext();
  }

  size_t queued_bytes() const { return queued_bytes_; }

  void Close() {
    if (closing_) return;
    closing_ = true;
    if (!open_) {
      // Never opened (or still opening): no close handshake, no read loop to report the end.
      error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      ended_ = true;
      return handler_->OnClosed("");
    }
    if (!writing_) DoClose();
  }

 private:
  void Upgrade(const Endpoint& ep, std::function<void(const std::string&)> done) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = ep.connect_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(16 << 20);
    ws_.auto_fragment(false);
    ws_.binary(!ep.text_frames);
    if (!ep.subprotocol.empty()) {
      ws_.set_option(websocket::stream_base::decorator(
          [protocol = ep.subprotocol](websocket::request_type& request) {
            request.set(beast::http::field::sec_websocket_protocol, protocol);
          }));
    }
    ws_.async_handshake(
        upgrade_response_, ep.host + ":" + std::to_string(ep.port), ep.path,
        [this, ep, done = std::move(done)](error_code ec) {
          if (ec) return done("WebSocket handshake: " + ec.message());
          // RFC 6455 4.1: a subprotocol the server did not echo is not in use.
          if (!ep.subprotocol.empty() &&
              upgrade_response_[beast::http::field::sec_websocket_protocol] != ep.subprotocol) {
            return done("the server did not accept subprotocol " + ep.subprotocol);
          }
          open_ = true;
          done("");
          ReadNext();
        });
  }

  // Binds the socket to a source address before connecting. IP_BIND_ADDRESS_NO_PORT defers the
  // choice of port to connect(), so ports are unique per (source, destination), not per source.
  std::string Bind(const std::string& local_host, bool v6) {
    error_code ec;
    auto local = asio::ip::make_address(local_host, ec);
    if (ec) return "not an IP address: " + local_host;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.open(v6 ? tcp::v6() : tcp::v4(), ec);
    if (ec) return "socket: " + ec.message();
    const int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket.bind(tcp::endpoint(local, 0), ec);
    if (ec) return "bind " + local_host + ": " + ec.message();
    return "";
  }

  void ReadNext() {
    ws_.async_read(read_buf_, [this](error_code ec, size_t) {
      if (ec) return Ended(ec);
      auto data = read_buf_.cdata();
      handler_->OnFrame(std::string_view(static_cast<const char*>(data.data()), data.size()));
      read_buf_.consume(read_buf_.size());
      ReadNext();
    });
  }

  void WriteNext() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()), [this](error_code ec, size_t) {
      writing_ = false;
      queued_bytes_ -= queue_.front().size();
      spare_.push_back(std::move(queue_.front()));
      queue_.pop_front();
      if (ec) {
        failed_ = true;  // the read loop reports the end
        return;
      }
      if (!queue_.empty()) return WriteNext();
      if (closing_) DoClose();
    });
  }

  void DoClose() {
    if (close_sent_ || ended_) return;
    close_sent_ = true;
    ws_.async_close(websocket::close_code::normal, [this](error_code ec) {
      if (ec) {
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
      }
    });
  }

  void Ended(error_code ec) {
    if (ended_) return;
    ended_ = true;
    const bool expected = closing_ && IsClosing(ec);
    std::string why;
    if (!expected) {
      why = ec.message();
      const auto& reason = ws_.reason();
      if (reason.code != websocket::close_code::none) {
        why = "closed by the server with " + std::to_string(reason.code) + " " +
              std::string(reason.reason.data(), reason.reason.size());
      }
    }
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    handler_->OnClosed(why);
  }

  FrameHandler* const handler_;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  beast::flat_buffer read_buf_;
  websocket::response_type upgrade_response_;
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;  // written buffers kept for their capacity
  size_t queued_bytes_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool failed_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool ended_ = false;
};

WsConnection::WsConnection(IoThreads& io, int thread, TlsClient& tls, FrameHandler* handler)
    : thread_(thread),
      impl_(std::make_unique<Impl>(io.impl().context(thread), tls.impl().context(), handler)) {}
WsConnection::~WsConnection() = default;

void WsConnection::Connect(const Endpoint& endpoint, std::function<void(const std::string&)> done) {
  impl_->Connect(endpoint, std::move(done));
}
void WsConnection::Send(std::string_view frame) { impl_->Send(frame); }
size_t WsConnection::queued_bytes() const { return impl_->queued_bytes(); }
void WsConnection::Close() { impl_->Close(); }

}  // namespace kring::bench
