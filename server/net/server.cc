#include "server/net/server.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <csignal>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "server/net/admission.h"
#include "server/net/attachment_http.h"
#include "server/net/tls_socket.h"
#include "server/net/web_endpoints.h"
#include "server/net/ws_session.h"

namespace kring::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using beast::error_code;

namespace {

// TLS 1.2 suites: forward secrecy (ECDHE) and AEAD only. TLS 1.3's suites are all AEAD already.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// /healthz and /readyz carry no body, POST /v1/session a LoginRequest; anything bigger is not
// one of ours, but for an attachment's upload (streamed: attachment_http.h).
constexpr uint64_t kMaxRequestBodyBytes = 4 * 1024;
// An upload is received this much at a time (the memory one upload holds, besides TLS's).
constexpr size_t kUploadChunkBytes = 64 * 1024;

std::string OpenSslError() {
  unsigned long err = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  if (err == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

Status ConfigureTls(asio::ssl::context& ctx, const ServerOptions& options) {
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return Internal("TLS: cannot set the minimum version: " + OpenSslError());
  }
  // OpenSSL negotiates the highest version both sides have, so TLS 1.3 wins when offered.
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Internal("TLS: cannot set the cipher list: " + OpenSslError());
  }
  // Idle connections give back their 34 KiB of record buffers; we keep thousands of them.
  // (Each connection's SSL adds the modes its non-blocking writes need: tls_socket.cc.)
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);

  error_code ec;
  ctx.use_certificate_chain_file(options.cert_file, ec);
  if (ec) {
    return InvalidArgument("TLS certificate " + options.cert_file + ": " + ec.message());
  }
  ctx.use_private_key_file(options.key_file, asio::ssl::context::pem, ec);
  if (ec) return InvalidArgument("TLS key " + options.key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    return InvalidArgument("TLS key " + options.key_file + " does not match certificate " +
                           options.cert_file);
  }
  return Status::Ok();
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

// What every connection needs of the server. Lives as long as the Server's Impl.
struct Shared {
  service::ConnectionAcceptor& acceptor;
  ServerOptions options;
  WebSocketLimits limits;
  std::shared_ptr<SessionRegistry> registry;
  WebEndpoints web;  // the web app's files and the browser's session endpoints
  AttachmentEndpoints attachments{acceptor, web, options.attachments};  // after `web`
};

// One TLS connection until it closes or becomes a WebSocket: answers /healthz and /readyz itself,
// hands the web app's files and /v1/session to WebEndpoints, and a WebSocket upgrade on /v1/ws to
// a WsSession. HTTP/1.1 keep-alive: up to max_requests_per_connection requests, one at a time (the
// next request is read only once the previous answer is written, so pipelined requests, logins
// among them, are handled in order and never concurrently).
//
// Deadlines: handshake_timeout for the TLS handshake and the first request; http_idle_timeout
// for each later request, from the previous answer until the request is read, and for writing
// an answer. None while the service works on a request that was read whole: a slow login (the
// password pool queued behind others) still gets its answer.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, asio::ssl::context& tls, const Shared& shared,
              std::string peer_address, Admission::Ticket ticket)
      : stream_(std::move(socket), tls),
        deadline_(stream_.get_executor()),
        shared_(shared),
        peer_address_(std::move(peer_address)),
        ticket_(std::move(ticket)) {}

  void Run() {
    // The socket's executor is this connection's strand; start there.
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&HttpSession::OnRun, shared_from_this()));
  }

 private:
  void OnRun() {
    // One deadline for the TLS handshake and the request together: a client that trickles
    // bytes cannot hold a connection open.
    ArmDeadline(shared_.options.handshake_timeout);
    stream_.async_handshake(
        beast::bind_front_handler(&HttpSession::OnHandshake, shared_from_this()));
  }

  // Closes the socket `timeout` from now unless the deadline is re-armed or stopped by then; the
  // operation waiting on it completes with operation_aborted. The timer holds the session weakly
  // so that a connection that ends early is freed at once.
  void ArmDeadline(std::chrono::steady_clock::duration timeout) {
    deadline_.expires_after(timeout);
    // A wait that already expired cannot be cancelled, only outdated: its handler may be queued.
    const uint64_t generation = ++deadline_generation_;
    deadline_.async_wait([weak = weak_from_this(), generation](error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->deadline_generation_ != generation) return;
      spdlog::debug("{}: HTTP deadline passed", self->peer_address_);
      error_code ignored;
      self->stream_.next_layer().close(ignored);
    });
  }

  void StopDeadline() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void OnHandshake(error_code ec) {
    if (ec) return LogIoError(ec, "tls handshake");
    ReadRequest();
  }

  // Under the deadline armed before: the handshake's for the first request, else the idle one.
  // The header first: an upload's body is streamed (ReadUploadChunk), any other is read whole.
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_.options.max_header_bytes));
    // A Content-Length is checked against this as the header is read.
    parser_->body_limit(std::max(kMaxRequestBodyBytes, shared_.attachments.max_upload_bytes()));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
  }

  void OnHeader(error_code ec, size_t) {
    if (ec == http::error::end_of_stream) return Shutdown();
    if (ec == http::error::body_limit) return RefuseBody();
    if (ec) return LogIoError(ec, "http read");
    const auto& header = parser_->get();
    const std::string_view target = header.target();
    if (header.method() == http::verb::post &&
        IsAttachmentPath(target.substr(0, target.find('?')))) {
      return StartUpload();
    }
    // Not an upload: the small limit, for a declared length and a chunked body alike.
    if (parser_->content_length().value_or(0) > kMaxRequestBodyBytes) return RefuseBody();
    parser_->body_limit(kMaxRequestBodyBytes);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void RefuseBody() {
    keep_alive_ = false;
    // An upload says why as its endpoint does (a serialized Error), anything else in plain text.
    const std::string_view target = parser_->get().target();
    if (parser_->get().method() == http::verb::post &&
        IsAttachmentPath(target.substr(0, target.find('?')))) {
      return Send(UploadRefused(
          11,
          ResourceExhausted("the file is larger than the limit of " +
                            std::to_string(shared_.attachments.max_upload_bytes()) + " bytes")));
    }
    Send(TextResponse(11, http::status::payload_too_large, "request body too large"));
  }

  // --- An attachment's upload: the body goes to a file as it arrives ---

  // Nothing of the body is read until the service has said yes (AttachmentBegin): a connection
  // without a session, or whose person may not post in the thread, gets its answer at once and
  // is closed with the body unread, so it never costs kringd more than a header.
  void StartUpload() {
    ++requests_;
    StopDeadline();  // the service's work, which no client can stretch
    service::PeerInfo peer{peer_address_, "", {}};
    std::optional<uint64_t> declared;
    if (parser_->content_length()) declared = *parser_->content_length();
    shared_.attachments.BeginUpload(
        parser_->get(), declared, peer, stream_.get_executor(),
        [self = shared_from_this()](std::unique_ptr<Upload> upload,
                                    std::unique_ptr<HttpResponse> refusal) {
          self->OnUploadBegun(std::move(upload), std::move(refusal));
        });
  }

  void OnUploadBegun(std::unique_ptr<Upload> upload, std::unique_ptr<HttpResponse> refusal) {
    if (refusal) {
      keep_alive_ = false;  // the body is not read
      parser_.reset();
      return Send(std::move(*refusal));
    }
    upload_.emplace(std::move(*upload));
    keep_alive_ =
        parser_->get().keep_alive() && requests_ < shared_.options.max_requests_per_connection;
    const bool expects_continue =
        beast::iequals(parser_->get()[http::field::expect], "100-continue");
    upload_parser_.emplace(std::move(*parser_));
    parser_.reset();
    // The limit, or what is left of the network's quota: a chunked body is cut off there.
    upload_parser_->body_limit(upload_->max_bytes);
    upload_chunk_.resize(kUploadChunkBytes);
    if (!expects_continue) return ReadUploadChunk();
    // curl and browsers wait for this before sending a large body.
    continue_.emplace(http::status::continue_, 11);
    ArmDeadline(shared_.options.http_idle_timeout);
    http::async_write(stream_, *continue_, [self = shared_from_this()](error_code ec, size_t) {
      self->continue_.reset();
      if (ec) return self->AbandonUpload(ec);
      self->ReadUploadChunk();
    });
  }

  // Each chunk under the idle deadline: a client that stops sending mid-body is cut off.
  void ReadUploadChunk() {
    auto& body = upload_parser_->get().body();
    body.data = upload_chunk_.data();
    body.size = upload_chunk_.size();
    ArmDeadline(shared_.options.http_idle_timeout);
    http::async_read(stream_, buffer_, *upload_parser_,
                     beast::bind_front_handler(&HttpSession::OnUploadChunk, shared_from_this()));
  }

  void OnUploadChunk(error_code ec, size_t) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) {
      return FailUpload(ResourceExhausted(
          "the file is larger than the " + std::to_string(upload_->max_bytes) +
          " bytes it may have (the size limit, or what is left of the network's quota)"));
    }
    if (ec) return AbandonUpload(ec);
    const size_t got = upload_chunk_.size() - upload_parser_->get().body().size;
    if (got > 0) {
      Status appended = upload_->file->Append(std::string_view(upload_chunk_.data(), got));
      if (!appended.ok()) return FailUpload(appended);
    }
    if (!upload_parser_->is_done()) return ReadUploadChunk();
    StopDeadline();
    upload_parser_.reset();
    upload_chunk_ = {};
    service::PeerInfo peer{peer_address_, "", {}};
    Upload upload = std::move(*upload_);
    upload_.reset();
    shared_.attachments.FinishUpload(
        std::move(upload), peer, stream_.get_executor(),
        [self = shared_from_this()](HttpResponse response) { self->Send(std::move(response)); });
  }

  // Refused midway: the received part is removed, the rest is not read.
  void FailUpload(const Status& status) {
    const unsigned version = upload_->version;
    upload_.reset();
    upload_parser_.reset();
    keep_alive_ = false;
    Send(UploadRefused(version, status));
  }

  // The connection failed or was cut off midway: nothing of the upload stays.
  void AbandonUpload(error_code ec) {
    upload_.reset();
    upload_parser_.reset();
    LogIoError(ec, "upload read");
  }

  void OnRead(error_code ec, size_t) {
    if (ec == http::error::end_of_stream) return Shutdown();
    if (ec == http::error::body_limit) return RefuseBody();
    if (ec) return LogIoError(ec, "http read");
    // Read whole: what follows is the server's work, which no client can stretch.
    StopDeadline();
    HttpRequest request = parser_->release();
    parser_.reset();
    ++requests_;
    keep_alive_ = request.keep_alive() && requests_ < shared_.options.max_requests_per_connection;

    std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const bool get = request.method() == http::verb::get;

    if (beast::websocket::is_upgrade(request)) {
      if (get && path == "/v1/ws") {
        service::PeerInfo peer{peer_address_, std::string(request[http::field::user_agent]), {}};
        // A browser's session cookie authenticates the socket, from an allowed Origin only.
        if (auto refused = shared_.web.CheckUpgrade(request, peer)) {
          keep_alive_ = false;
          return Send(std::move(*refused));
        }
        // From here the WebSocket's own timeouts apply.
        return StartWebSocketSession(std::move(stream_), std::move(request), shared_.acceptor,
                                     std::move(peer), shared_.limits, shared_.registry,
                                     std::move(ticket_));
      }
      keep_alive_ = false;
      return Respond(request, http::status::not_found, "not found");
    }
    if (get && path == "/healthz") return Respond(request, http::status::ok, "ok");
    if (get && path == "/readyz") {
      if (shared_.acceptor.Ready()) return Respond(request, http::status::ok, "ready");
      return Respond(request, http::status::service_unavailable, "not ready");
    }
    service::PeerInfo peer{peer_address_, std::string(request[http::field::user_agent]), {}};
    if (IsAttachmentPath(path)) {
      return shared_.attachments.Download(
          request, peer, stream_.get_executor(),
          [self = shared_from_this()](HttpResponse response) { self->Send(std::move(response)); },
          [self = shared_from_this()](FileResponse response) {
            self->SendFile(std::move(response));
          });
    }
    shared_.web.Handle(
        request, peer, stream_.get_executor(),
        [self = shared_from_this()](HttpResponse response) { self->Send(std::move(response)); });
  }

  void Respond(const HttpRequest& request, http::status status, std::string body) {
    Send(TextResponse(request.version(), status, std::move(body)));
  }

  // On the strand.
  void Send(HttpResponse response) {
    response_.emplace(std::move(response));
    response_->keep_alive(keep_alive_);
    ArmDeadline(shared_.options.http_idle_timeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this()));
  }

  // A file, streamed a piece at a time, each under the idle deadline (a large download on a slow
  // link takes longer than one deadline in all).
  void SendFile(FileResponse response) {
    file_response_.emplace(std::move(response));
    file_response_->keep_alive(keep_alive_);
    file_serializer_.emplace(*file_response_);
    WriteFilePiece();
  }

  void WriteFilePiece() {
    ArmDeadline(shared_.options.http_idle_timeout);
    http::async_write_some(stream_, *file_serializer_,
                           [self = shared_from_this()](error_code ec, size_t) {
                             if (ec || self->file_serializer_->is_done()) {
                               self->file_serializer_.reset();
                               self->file_response_.reset();
                               return self->OnWrite(ec, 0);
                             }
                             self->WriteFilePiece();
                           });
  }

  void OnWrite(error_code ec, size_t) {
    if (ec) return LogIoError(ec, "http write");
    response_.reset();
    if (!keep_alive_) return Shutdown();
    ArmDeadline(shared_.options.http_idle_timeout);
    ReadRequest();
  }

  void Shutdown() {
    ArmDeadline(shared_.options.handshake_timeout);
    stream_.async_shutdown([self = shared_from_this()](error_code) {
      // Many clients close TCP without answering close_notify; nothing to do either way.
      error_code ignored;
      self->stream_.next_layer().close(ignored);
      self->StopDeadline();
    });
  }

  TlsSocket stream_;
  asio::steady_timer deadline_;       // see the class comment; on the strand
  uint64_t deadline_generation_ = 0;  // the armed deadline's; on the strand
  const Shared& shared_;
  const std::string peer_address_;
  Admission::Ticket ticket_;   // the connection's place; goes to the WebSocket, or with this
  beast::flat_buffer buffer_;  // keeps what follows a request: the next, pipelined, request
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  // An upload in progress (attachment_http.h): its file, its parser and the chunk it reads into.
  std::optional<Upload> upload_;
  std::optional<http::request_parser<http::buffer_body>> upload_parser_;
  std::vector<char> upload_chunk_;
  std::optional<http::response<http::empty_body>> continue_;  // "100 Continue" being written
  // A download being written.
  std::optional<FileResponse> file_response_;
  std::optional<http::response_serializer<AttachmentBody>> file_serializer_;
  size_t requests_ = 0;      // read on this connection; on the strand
  bool keep_alive_ = false;  // read the next request after this answer; on the strand
};

// The cap on connections from the descriptor limit: what is left after the reserve (half the
// limit if the reserve is not below it). 0: no limit.
size_t ConnectionsForDescriptors(size_t reserved) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  const size_t soft = static_cast<size_t>(limit.rlim_cur);
  return soft > reserved ? soft - reserved : std::max<size_t>(1, soft / 2);
}

int OpenSpareDescriptor() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

size_t IoThreadCount(const ServerOptions& options) {
  if (options.io_threads > 0) return options.io_threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

class Server::Impl {
 public:
  Impl(service::ConnectionAcceptor& acceptor, ServerOptions options)
      : threads_(IoThreadCount(options)),
        shared_{
            acceptor, options,
            WebSocketLimits{options.max_frame_bytes, options.max_outbound_bytes,
                            options.idle_timeout, options.handshake_timeout, options.auth_timeout},
            std::make_shared<SessionRegistry>(),
            WebEndpoints(acceptor, WebOptions{options.web_root, options.web_origins})},
        io_(static_cast<int>(threads_)),
        control_(asio::make_strand(io_)),
        listener_(control_),
        shutdown_timer_(control_) {}

  ~Impl() {
    io_.stop();
    if (spare_fd_ >= 0) ::close(spare_fd_);
  }

  StatusOr<uint16_t> Start() {
    const ServerOptions& options = shared_.options;
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    KRING_RETURN_IF_ERROR(ConfigureTls(*tls, options));
    {
      std::lock_guard lock(tls_mu_);
      tls_ = tls;
      tls_contexts_.push_back(std::move(tls));
    }

    error_code ec;
    tcp::endpoint endpoint;
    const auto address = asio::ip::make_address(options.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, options.port);
    } else {
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(options.host, std::to_string(options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
      if (ec || results.empty()) {
        return InvalidArgument("cannot resolve listen host \"" + options.host +
                               "\": " + (ec ? ec.message() : std::string("no addresses")));
      }
      endpoint = results.begin()->endpoint();
    }

    const std::string where = FormatEndpoint(endpoint);
    if (listener_.open(endpoint.protocol(), ec); ec) {
      return Internal("listen " + where + ": open: " + ec.message());
    }
    if (listener_.set_option(asio::socket_base::reuse_address(true), ec); ec) {
      return Internal("listen " + where + ": SO_REUSEADDR: " + ec.message());
    }
    if (listener_.bind(endpoint, ec); ec) {
      return Internal("listen " + where + ": bind: " + ec.message());
    }
    if (listener_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Internal("listen " + where + ": " + ec.message());
    }
    const uint16_t port = listener_.local_endpoint(ec).port();
    // Lets ShedOne() accept synchronously without ever blocking the control strand.
    listener_.non_blocking(true, ec);

    max_connections_ = ConnectionsForDescriptors(options.reserved_descriptors);
    admission_ = std::make_shared<Admission>(
        AdmissionLimits{max_connections_, options.max_connections_per_address,
                        options.max_unauthenticated_connections});
    spare_fd_ = OpenSpareDescriptor();
    shared_.web.SetPort(port);

    if (options.handle_signals) {
      signals_.emplace(control_, SIGINT, SIGTERM, SIGHUP);
      WaitForSignal();
    }
    asio::post(control_, [this] { Accept(); });
    return port;
  }

  void Run() {
    std::vector<std::thread> threads;
    threads.reserve(threads_ - 1);
    for (size_t i = 1; i < threads_; ++i) {
      threads.emplace_back([this] {
        // The main thread runs io too and keeps the process's name.
        pthread_setname_np(pthread_self(), "kringd-io");
        RunIo();
      });
    }
    RunIo();
    for (auto& thread : threads) thread.join();
  }

  void Stop() {
    if (stop_requested_.exchange(true)) return;
    asio::post(control_, [this] { BeginStop(); });
  }

  Status ReloadTls() {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    if (Status loaded = ConfigureTls(*tls, shared_.options); !loaded.ok()) {
      spdlog::error("TLS reload refused, still serving the certificate loaded before: {}",
                    loaded.detail());
      return loaded;
    }
    std::lock_guard lock(tls_mu_);
    tls_ = tls;
    // Kept for the life of the server: connections accepted under an earlier pair refer to
    // their context, and renewals come every few weeks.
    tls_contexts_.push_back(std::move(tls));
    spdlog::info("TLS: reloaded {} and {} for new connections", shared_.options.cert_file,
                 shared_.options.key_file);
    return Status::Ok();
  }

  size_t WebSocketCount() const { return shared_.registry->size(); }
  size_t MaxConnections() const { return max_connections_; }

 private:
  void RunIo() {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        // A handler threw (a bug). Keep serving the other connections.
        spdlog::error("io thread: uncaught exception: {}", e.what());
      }
    }
  }

  // On control_: SIGHUP reloads the certificate (and waits for the next signal); SIGINT and
  // SIGTERM stop.
  void WaitForSignal() {
    signals_->async_wait([this](error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        spdlog::info("signal {}: reloading the TLS certificate and key", signal);
        (void)ReloadTls();  // a refusal is logged; the current pair stays
        return WaitForSignal();
      }
      spdlog::info("signal {}: shutting down", signal);
      Stop();
    });
  }

  // On control_.
  void Accept() {
    listener_.async_accept(asio::make_strand(io_),
                           asio::bind_executor(control_, [this](error_code ec, tcp::socket socket) {
                             OnAccept(ec, std::move(socket));
                           }));
  }

  void OnAccept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !listener_.is_open()) return;
    if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
        ec.value() == ENFILE) {
      if (ShedOne()) return Accept();
    }
    if (ec) {
      // Out of descriptors without a spare, or another failure: back off briefly instead of
      // spinning on the error.
      spdlog::warn("accept: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(control_, std::chrono::milliseconds(100));
      timer->async_wait([this, timer](error_code ec) {
        if (!ec && listener_.is_open()) Accept();
      });
      return;
    }
    error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) return Accept();
    // Checked before TLS: a refused connection costs one accept and one close.
    auto ticket = admission_->Admit(AddressGroup(peer.address().to_string()));
    if (!ticket.ok()) {
      // Refusals come in floods; one line per thousand is enough to notice one.
      if (refused_++ % 1000 == 0) {
        spdlog::warn("refusing connections ({} so far), e.g. {}: {}", refused_,
                     FormatEndpoint(peer), ticket.status().detail());
      }
      error_code ignored;
      socket.close(ignored);
      return Accept();
    }
    // A response and an event often go out back to back as small TLS records; with Nagle the
    // second waits for the app's delayed ACK (~40 ms). Frames are already whole messages.
    error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    std::shared_ptr<asio::ssl::context> tls;
    {
      std::lock_guard lock(tls_mu_);
      tls = tls_;
    }
    std::make_shared<HttpSession>(std::move(socket), *tls, shared_, FormatEndpoint(peer),
                                  std::move(*ticket))
        ->Run();
    Accept();
  }

  // Out of descriptors with connections waiting: gives up the spare descriptor to accept one and
  // close it, so that the waiting apps hear "no" (and retry) instead of hanging in the backlog,
  // and connections that free descriptors are noticed. False if there was no spare.
  bool ShedOne() {
    if (spare_fd_ < 0) spare_fd_ = OpenSpareDescriptor();
    if (spare_fd_ < 0) return false;
    ::close(spare_fd_);
    spare_fd_ = -1;
    error_code ec;
    tcp::socket shed(io_);
    listener_.accept(shed, ec);
    if (!ec) {
      if (refused_++ % 1000 == 0) {
        spdlog::warn("out of descriptors: refusing connections ({} so far)", refused_);
      }
      shed.close(ec);
    }
    spare_fd_ = OpenSpareDescriptor();
    return spare_fd_ >= 0;
  }

  // On control_.
  void BeginStop() {
    error_code ec;
    listener_.close(ec);
    if (signals_) signals_->cancel(ec);
    auto sessions = shared_.registry->Drain([this] { asio::post(control_, [this] { Finish(); }); });
    spdlog::info("stopping: closing {} WebSocket(s) with 1001", sessions.size());
    for (auto& session : sessions) {
      session->Close(service::CloseCode::kGoingAway, "server shutting down");
    }
    shutdown_timer_.expires_after(shared_.options.shutdown_timeout);
    shutdown_timer_.async_wait([this](error_code ec) {
      if (ec || finished_) return;
      auto stuck = shared_.registry->Snapshot();
      spdlog::warn("stopping: {} WebSocket(s) did not close in time; dropping them", stuck.size());
      for (auto& session : stuck) session->Abort();
      // Aborted sessions finish at once; this is the backstop if one does not.
      shutdown_timer_.expires_after(std::chrono::seconds(1));
      shutdown_timer_.async_wait([this](error_code ec) {
        if (!ec) Finish();
      });
    });
  }

  // On control_.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    shutdown_timer_.cancel();
    // Connections still in their TLS handshake or HTTP request are dropped with the io_context.
    io_.stop();
  }

  const size_t threads_;
  Shared shared_;
  // Before io_: every connection's SSL object refers to its context. tls_ is the one new
  // connections get (ReloadTls replaces it); tls_contexts_ keeps every one ever loaded.
  std::mutex tls_mu_;
  std::shared_ptr<asio::ssl::context> tls_;                        // guarded by tls_mu_
  std::vector<std::shared_ptr<asio::ssl::context>> tls_contexts_;  // guarded by tls_mu_
  asio::io_context io_;
  asio::strand<asio::io_context::executor_type> control_;  // listener, signals, stop sequence
  tcp::acceptor listener_;                                 // on control_
  asio::steady_timer shutdown_timer_;                      // on control_
  std::optional<asio::signal_set> signals_;                // on control_
  bool finished_ = false;                                  // on control_
  std::atomic<bool> stop_requested_{false};
  std::shared_ptr<Admission> admission_;  // set by Start()
  size_t max_connections_ = 0;            // set by Start()
  int spare_fd_ = -1;                     // on control_: given up by ShedOne() when out of fds
  uint64_t refused_ = 0;                  // on control_
};

Server::Server(service::ConnectionAcceptor& acceptor, ServerOptions options)
    : impl_(std::make_unique<Impl>(acceptor, std::move(options))) {}

Server::~Server() = default;

StatusOr<uint16_t> Server::Start() { return impl_->Start(); }
void Server::Run() { impl_->Run(); }
void Server::Stop() { impl_->Stop(); }
Status Server::ReloadTls() { return impl_->ReloadTls(); }
size_t Server::WebSocketCount() const { return impl_->WebSocketCount(); }
size_t Server::MaxConnections() const { return impl_->MaxConnections(); }

}  // namespace kring::net
