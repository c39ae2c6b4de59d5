#include "client-sdk/src/frame_channel.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace kring::sdk {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr uint16_t kNoStatusReceived = v1::CLOSE_CODE_NO_STATUS;  // close frame without a code
constexpr uint16_t kAbnormalClosure = v1::CLOSE_CODE_ABNORMAL;    // no close frame at all

const std::string& ServerName(const ConnectOptions& o) {
  return o.server_name.empty() ? o.host : o.server_name;
}

Error TransportError(const std::string& what, const beast::error_code& ec) {
  return Error::Transport(what + ": " + ec.message());
}

// Peer verification against ca_file (or the system store) and TLS 1.2 as the floor.
std::optional<Error> ConfigureTls(ssl::context& ctx, const ConnectOptions& o) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (o.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(o.ca_file, ec);
  }
  if (ec) return TransportError("loading CA certificates \"" + o.ca_file + "\"", ec);
  return std::nullopt;
}

// Resolves, connects and runs the TLS client handshake (SNI + RFC 6125 host-name check), then
// calls done(ec, stage). Everything referenced must outlive the operation.
void AsyncConnectTls(tcp::resolver& resolver, TlsStream& tls, const ConnectOptions& o,
                     std::function<void(beast::error_code, const char*)> done) {
  resolver.async_resolve(
      o.host, std::to_string(o.port),
      [&resolver, &tls, &o, done](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return done(ec, "resolve");
        beast::get_lowest_layer(tls).expires_after(o.connect_timeout);
        beast::get_lowest_layer(tls).async_connect(
            results, [&tls, &o, done](beast::error_code ec, const tcp::endpoint&) {
              if (ec) return done(ec, "connect");
              // Requests are whole frames: send each at once rather than wait for an ACK (Nagle).
              beast::error_code nodelay_ec;
              beast::get_lowest_layer(tls).socket().set_option(tcp::no_delay(true), nodelay_ec);
              const std::string& name = ServerName(o);
              beast::error_code ip_ec;
              asio::ip::make_address(name, ip_ec);
              // SNI carries host names only (RFC 6066 section 3), never address literals.
              if (ip_ec && !SSL_set_tlsext_host_name(tls.native_handle(), name.c_str())) {
                return done(beast::error_code(static_cast<int>(::ERR_get_error()),
                                              asio::error::get_ssl_category()),
                            "SNI");
              }
              // Set on the stream itself: an SSL copies the context's settings when it is
              // created, which may be before ConfigureTls ran.
              SSL_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
              tls.set_verify_mode(ssl::verify_peer);
              tls.set_verify_callback(ssl::host_name_verification(name));
              tls.async_handshake(ssl::stream_base::client,
                                  [done](beast::error_code ec) { done(ec, "TLS handshake"); });
            });
      });
}

// Runs `ioc` on the calling thread until *done or the deadline. On the deadline, `cancel` is
// called and the handlers are run to completion, so none outlives the caller's stack frame.
// Returns false on the deadline.
bool RunUntilDone(asio::io_context& ioc, const bool& done, Clock::time_point deadline,
                  const std::function<void()>& cancel) {
  while (!done && Clock::now() < deadline) {
    if (ioc.run_one_until(deadline) == 0 && ioc.stopped()) break;
  }
  if (done) return true;
  cancel();
  while (!done) {
    if (ioc.stopped()) ioc.restart();
    ioc.run_one();
  }
  return false;
}

}  // namespace

// Every member below except mu_-guarded state is touched only on the io thread, or on the
// opening thread before the io thread starts.
class FrameChannel::Impl {
 public:
  Impl(ConnectOptions options, FrameSink* sink)
      : options_(std::move(options)),
        sink_(sink),
        ssl_ctx_(ssl::context::tls_client),
        resolver_(ioc_),
        ws_(ioc_, ssl_ctx_) {}

  ~Impl() { Close(v1::CLOSE_CODE_NORMAL, {}); }

  std::optional<Error> Connect() {
    if (auto err = ConfigureTls(ssl_ctx_, options_)) return err;
    bool done = false;
    beast::error_code result;
    std::string stage;
    auto finish = [&](beast::error_code ec, const char* what) {
      result = ec;
      stage = what;
      done = true;
    };
    AsyncConnectTls(resolver_, ws_.next_layer(), options_,
                    [this, finish](beast::error_code ec, const char* what) {
                      if (ec) return finish(ec, what);
                      beast::get_lowest_layer(ws_).expires_never();
                      websocket::stream_base::timeout timeouts{};
                      timeouts.handshake_timeout = options_.connect_timeout;
                      timeouts.idle_timeout = websocket::stream_base::none();
                      timeouts.keep_alive_pings = false;
                      ws_.set_option(timeouts);
                      ws_.set_option(websocket::stream_base::decorator(
                          [ua = options_.user_agent,
                           extra = options_.upgrade_headers](websocket::request_type& req) {
                            req.set(http::field::user_agent, ua);
                            for (const auto& [name, value] : extra) req.set(name, value);
                          }));
                      ws_.read_message_max(options_.max_frame_bytes);
                      ws_.auto_fragment(false);  // one frame per message, as sent
                      ws_.binary(true);
                      ws_.async_handshake(
                          options_.host + ":" + std::to_string(options_.port), "/v1/ws",
                          [finish](beast::error_code ec) { finish(ec, "WebSocket handshake"); });
                    });
    bool in_time = RunUntilDone(ioc_, done, Clock::now() + options_.connect_timeout, [this] {
      resolver_.cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
    });
    if (!in_time) return Error::Transport(stage + ": timed out connecting");
    if (result) return TransportError(stage, result);

    if (ioc_.stopped()) ioc_.restart();
    work_.emplace(ioc_.get_executor());
    io_thread_ = std::thread([this] { ioc_.run(); });
    io_thread_id_ = io_thread_.get_id();
    asio::post(ioc_, [this] { DoRead(); });
    return std::nullopt;
  }

  void Send(std::string bytes, bool binary) {
    asio::post(ioc_, [this, f = Frame{std::move(bytes), binary}]() mutable {
      if (close_requested_ || read_ended_ || write_failed_) return;
      write_queue_.push_back(std::move(f));
      if (!writing_) DoWrite();
    });
  }

  std::optional<Frame> NextFrame(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !frames_.empty() || closed_.has_value(); });
    if (frames_.empty()) return std::nullopt;
    Frame f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }

  std::optional<CloseInfo> WaitClosed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return closed_.has_value(); });
    return closed_;
  }

  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_.has_value();
  }

  void Close(uint16_t code, std::string reason) {
    if (std::this_thread::get_id() == io_thread_id_.load()) {
      // From a sink callback: start the close, never wait for ourselves.
      asio::post(ioc_, [this, code, reason] { RequestClose(code, reason); });
      return;
    }
    std::lock_guard close_lock(close_mu_);
    if (!io_thread_.joinable()) return;  // never opened, or already closed and joined
    asio::post(ioc_, [this, code, reason] { RequestClose(code, reason); });
    if (!WaitClosed(options_.connect_timeout)) {
      // The server did not finish the closing handshake in time: drop the connection.
      asio::post(ioc_, [this] {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
      });
      WaitClosed(std::chrono::seconds(2));
    }
    work_.reset();
    ioc_.stop();
    io_thread_.join();
    // If the io thread stopped before the read loop ended, report the end here, once.
    MarkClosed(CloseInfo{kAbnormalClosure, "closed by the app"});
  }

  const ConnectOptions& options() const { return options_; }

 private:
  void DoRead() {
    ws_.async_read(read_buf_, [this](beast::error_code ec, std::size_t) {
      if (ec) return OnReadEnded(ec);
      Frame f{beast::buffers_to_string(read_buf_.data()), ws_.got_binary()};
      read_buf_.consume(read_buf_.size());
      if (sink_ != nullptr) {
        sink_->OnFrame(std::move(f));
      } else {
        std::lock_guard lock(mu_);
        frames_.push_back(std::move(f));
        cv_.notify_all();
      }
      DoRead();
    });
  }

  void OnReadEnded(beast::error_code ec) {
    read_ended_ = true;
    CloseInfo info;
    const websocket::close_reason& cr = ws_.reason();
    if (ec == websocket::error::closed || cr.code != websocket::close_code::none) {
      info.code = cr.code != websocket::close_code::none ? static_cast<uint16_t>(cr.code)
                                                         : kNoStatusReceived;
      info.reason = std::string(cr.reason.data(), cr.reason.size());
    } else {
      info.code = kAbnormalClosure;
      info.reason = ec.message();
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    write_queue_.clear();
    MarkClosed(std::move(info));
  }

  // Records the end once and tells the sink, outside the lock.
  void MarkClosed(CloseInfo info) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = info;
      cv_.notify_all();
    }
    if (sink_ != nullptr) sink_->OnClosed(info);
  }

  void DoWrite() {
    writing_ = true;
    ws_.binary(write_queue_.front().binary);
    ws_.async_write(asio::buffer(write_queue_.front().bytes),
                    [this](beast::error_code ec, std::size_t) {
                      writing_ = false;
                      if (!write_queue_.empty()) write_queue_.pop_front();
                      if (ec) {
                        // The read loop reports how the connection ended.
                        write_failed_ = true;
                        write_queue_.clear();
                        return;
                      }
                      if (!write_queue_.empty()) return DoWrite();
                      if (close_requested_) DoClose();
                    });
  }

  void RequestClose(uint16_t code, std::string reason) {
    if (close_requested_) return;
    close_requested_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!writing_) DoClose();
  }

  void DoClose() {
    if (read_ended_ || close_sent_) return;
    close_sent_ = true;
    ws_.async_close(close_reason_, [this](beast::error_code ec) {
      if (ec) {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
      }
    });
  }

  const ConnectOptions options_;
  FrameSink* const sink_;  // may be null: queue mode

  asio::io_context ioc_;
  ssl::context ssl_ctx_;
  tcp::resolver resolver_;
  websocket::stream<TlsStream> ws_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  std::atomic<std::thread::id> io_thread_id_;  // read by Close() callers on any thread
  std::mutex close_mu_;                        // serializes Close() callers

  // io thread only.
  beast::flat_buffer read_buf_;
  std::deque<Frame> write_queue_;
  bool writing_ = false;
  bool write_failed_ = false;
  bool read_ended_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  websocket::close_reason close_reason_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Frame> frames_;         // guarded by mu_
  std::optional<CloseInfo> closed_;  // guarded by mu_
};

Result<std::unique_ptr<FrameChannel>> FrameChannel::Open(const ConnectOptions& options,
                                                         FrameSink* sink) {
  auto impl = std::make_unique<Impl>(options, sink);
  if (auto err = impl->Connect()) return *std::move(err);
  return std::unique_ptr<FrameChannel>(new FrameChannel(std::move(impl)));
}

FrameChannel::FrameChannel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameChannel::~FrameChannel() = default;

void FrameChannel::SendBinary(std::string bytes) { impl_->Send(std::move(bytes), true); }
void FrameChannel::SendText(std::string bytes) { impl_->Send(std::move(bytes), false); }

std::optional<Frame> FrameChannel::NextFrame(std::chrono::milliseconds timeout) {
  return impl_->NextFrame(timeout);
}

std::optional<v1::ServerFrame> FrameChannel::NextServerFrame(std::chrono::milliseconds timeout) {
  if (!unbatched_.empty()) {
    v1::ServerFrame frame = std::move(unbatched_.front());
    unbatched_.pop_front();
    return frame;
  }
  std::optional<Frame> f = impl_->NextFrame(timeout);
  if (!f) return std::nullopt;
  v1::ServerFrame frame;
  if (!f->binary || !frame.ParseFromString(f->bytes)) frame.Clear();
  if (!frame.has_batch()) return frame;
  // One frame at a time, as if each had come alone; an empty batch reads as an empty frame.
  for (v1::ServerFrame& inner : *frame.mutable_batch()->mutable_frames()) {
    unbatched_.push_back(std::move(inner));
  }
  if (unbatched_.empty()) return v1::ServerFrame();
  v1::ServerFrame first = std::move(unbatched_.front());
  unbatched_.pop_front();
  return first;
}

std::optional<CloseInfo> FrameChannel::WaitClosed(std::chrono::milliseconds timeout) {
  return impl_->WaitClosed(timeout);
}
bool FrameChannel::closed() const { return impl_->closed(); }
void FrameChannel::Close(uint16_t code, std::string reason) {
  impl_->Close(code, std::move(reason));
}
const ConnectOptions& FrameChannel::options() const { return impl_->options(); }

namespace {
bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) return value;
  }
  return {};
}

std::vector<std::string> HttpReply::Headers(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) values.push_back(value);
  }
  return values;
}

Result<HttpReply> HttpsGet(const ConnectOptions& options, std::string_view target) {
  HttpRequestSpec request;
  request.target = std::string(target);
  return HttpsRequest(options, request);
}

namespace {

// Runs a one-shot HTTPS exchange started on `ioc` until `done` (or the connect and request
// deadlines), closes the connection, and gives the response `parser` read, or the error of
// `stage`.
Result<HttpReply> AwaitReply(asio::io_context& ioc, const bool& done, const ConnectOptions& options,
                             tcp::resolver& resolver, TlsStream& tls, const std::string& stage,
                             const beast::error_code& result,
                             http::response_parser<http::string_body>& parser) {
  bool in_time = RunUntilDone(
      ioc, done, Clock::now() + options.connect_timeout + options.request_timeout, [&] {
        resolver.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(tls).socket().close(ignored);
      });
  if (!in_time) return Error::Transport(stage + ": timed out");
  if (result) return TransportError(stage, result);
  beast::error_code ignored;
  beast::get_lowest_layer(tls).socket().close(ignored);
  http::response<http::string_body> res = parser.release();
  HttpReply reply{res.result_int(), std::move(res.body()), {}};
  for (const auto& field : res) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return reply;
}

}  // namespace

Result<HttpReply> HttpsRequest(const ConnectOptions& options, const HttpRequestSpec& spec) {
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  if (auto err = ConfigureTls(ctx, options)) return *std::move(err);
  tcp::resolver resolver(ioc);
  TlsStream tls(ioc, ctx);
  beast::flat_buffer buf;
  http::request<http::string_body> req(http::string_to_verb(spec.method), spec.target, 11);
  if (req.method() == http::verb::unknown) req.method_string(spec.method);
  req.set(http::field::host, options.host + ":" + std::to_string(options.port));
  req.set(http::field::user_agent, options.user_agent);
  for (const auto& [name, value] : spec.headers) req.set(name, value);
  req.body() = spec.body;
  if (!spec.body.empty() || spec.method == "POST") req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (spec.method == "HEAD") parser.skip(true);

  bool done = false;
  beast::error_code result;
  std::string stage;
  auto finish = [&](beast::error_code ec, const char* what) {
    result = ec;
    stage = what;
    done = true;
  };
  AsyncConnectTls(resolver, tls, options, [&](beast::error_code ec, const char* what) {
    if (ec) return finish(ec, what);
    beast::get_lowest_layer(tls).expires_after(options.request_timeout);
    http::async_write(tls, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return finish(ec, "HTTP write");
      http::async_read(tls, buf, parser,
                       [&](beast::error_code ec, std::size_t) { finish(ec, "HTTP read"); });
    });
  });
  return AwaitReply(ioc, done, options, resolver, tls, stage, result, parser);
}

Result<HttpReply> HttpsUploadFile(const ConnectOptions& options, const HttpRequestSpec& spec,
                                  const std::string& body_path) {
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  if (auto err = ConfigureTls(ctx, options)) return *std::move(err);
  http::request<http::file_body> req(http::string_to_verb(spec.method), spec.target, 11);
  beast::error_code open_ec;
  req.body().open(body_path.c_str(), beast::file_mode::scan, open_ec);
  if (open_ec) {
    return Error{v1::Error::INVALID_ARGUMENT,
                 "cannot read \"" + body_path + "\": " + open_ec.message(), 0, false};
  }
  req.set(http::field::host, options.host + ":" + std::to_string(options.port));
  req.set(http::field::user_agent, options.user_agent);
  for (const auto& [name, value] : spec.headers) req.set(name, value);
  req.set(http::field::expect, "100-continue");
  req.prepare_payload();
  http::request_serializer<http::file_body> serializer(req);
  tcp::resolver resolver(ioc);
  TlsStream tls(ioc, ctx);
  beast::flat_buffer buf;
  std::optional<http::response_parser<http::string_body>> parser;
  parser.emplace();

  bool done = false;
  beast::error_code result;
  std::string stage;
  auto finish = [&](beast::error_code ec, const char* what) {
    result = ec;
    stage = what;
    done = true;
  };
  // After the body: the final answer.
  auto read_final = [&] {
    parser.emplace();
    parser->body_limit(1024 * 1024);
    http::async_read(tls, buf, *parser,
                     [&](beast::error_code ec, std::size_t) { finish(ec, "HTTP read"); });
  };
  AsyncConnectTls(resolver, tls, options, [&](beast::error_code ec, const char* what) {
    if (ec) return finish(ec, what);
    beast::get_lowest_layer(tls).expires_after(options.request_timeout);
    http::async_write_header(tls, serializer, [&](beast::error_code ec, std::size_t) {
      if (ec) return finish(ec, "HTTP write");
      parser->body_limit(1024 * 1024);
      http::async_read_header(tls, buf, *parser, [&](beast::error_code ec, std::size_t) {
        if (ec) return finish(ec, "HTTP read");
        if (parser->get().result() != http::status::continue_) {
          // Refused before the body: read the rest of this final answer.
          return http::async_read(tls, buf, *parser, [&](beast::error_code ec, std::size_t) {
            finish(ec, "HTTP read");
          });
        }
        http::async_write(tls, serializer, [&](beast::error_code ec, std::size_t) {
          if (ec) return finish(ec, "HTTP write");
          read_final();
        });
      });
    });
  });
  return AwaitReply(ioc, done, options, resolver, tls, stage, result, *parser);
}

}  // namespace kring::sdk
