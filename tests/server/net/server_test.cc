// kring::net::Server over real TLS on 127.0.0.1, with a fake acceptor that echoes every frame.
// The only test file that includes Beast: the client below is deliberately small.
#include "server/net/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/net/dev_cert.h"

namespace kring::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using beast::error_code;
using service::CloseCode;
using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

// ---------------------------------------------------------------------------------------------
// The service side: echoes each frame back through the sink.

class FakeAcceptor;

class EchoConnection final : public service::Connection {
 public:
  EchoConnection(FakeAcceptor* owner, std::shared_ptr<service::ConnectionSink> sink)
      : owner_(owner), sink_(std::move(sink)) {}
  void OnFrame(std::string_view bytes) override;
  void OnClosed() override;

  service::ConnectionSink& sink() { return *sink_; }
  int closed_count() const { return closed_.load(); }
  int frames_after_close() const { return frames_after_close_.load(); }

 private:
  FakeAcceptor* const owner_;
  // Kept for ever, as the service may: the transport must not keep the socket alive for it.
  const std::shared_ptr<service::ConnectionSink> sink_;
  std::atomic<int> closed_{0};
  std::atomic<int> frames_after_close_{0};
};

class FakeAcceptor final : public service::ConnectionAcceptor {
 public:
  std::shared_ptr<service::Connection> Accept(std::shared_ptr<service::ConnectionSink> sink,
                                              service::PeerInfo peer) override {
    auto connection = std::make_shared<EchoConnection>(this, std::move(sink));
    std::lock_guard<std::mutex> lock(mu_);
    connections_.push_back(connection);
    peers_.push_back(std::move(peer));
    cv_.notify_all();
    return connection;
  }
  bool Ready() const override { return ready_.load(); }

  void set_ready(bool ready) { ready_.store(ready); }

  // Waits until `done()` (called under the lock) or the deadline.
  bool WaitFor(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, done);
  }
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }

  std::vector<std::shared_ptr<EchoConnection>> connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }
  std::vector<service::PeerInfo> peers() {
    std::lock_guard<std::mutex> lock(mu_);
    return peers_;
  }
  size_t closed() {
    size_t n = 0;
    for (auto& c : connections()) n += c->closed_count() > 0 ? 1 : 0;
    return n;
  }
  bool WaitForConnections(size_t n) {
    return WaitFor([&] { return connections_.size() >= n; });
  }
  bool WaitForClosed(size_t n) {
    return WaitFor([&] {
      size_t closed = 0;
      for (auto& c : connections_) closed += c->closed_count() > 0 ? 1 : 0;
      return closed >= n;
    });
  }

 private:
  std::atomic<bool> ready_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<EchoConnection>> connections_;  // guarded by mu_
  std::vector<service::PeerInfo> peers_;                      // guarded by mu_
};

void EchoConnection::OnFrame(std::string_view bytes) {
  if (closed_.load() > 0) frames_after_close_.fetch_add(1);
  // Stands in for a successful login (the service's word, as after Login).
  if (bytes == "log in") sink_->SetAuthenticated(true);
  sink_->Send(std::make_shared<const std::string>(bytes));
}

void EchoConnection::OnClosed() {
  closed_.fetch_add(1);
  owner_->Notify();
}

// ---------------------------------------------------------------------------------------------
// The client: async Beast ops run to completion on a private io_context, each with a deadline.

struct ClientTls {
  std::optional<int> min_version;
  std::optional<int> max_version;
  std::string tls12_ciphers;  // empty: OpenSSL's default
};

ClientTls OnlyVersions(int min_version, int max_version, std::string tls12_ciphers = "") {
  ClientTls tls;
  tls.min_version = min_version;
  tls.max_version = max_version;
  tls.tls12_ciphers = std::move(tls12_ciphers);
  return tls;
}

class TestClient {
 public:
  TestClient(const std::string& ca_file, const ClientTls& tls = {})
      : tls_(ssl::context::tls_client) {
    tls_.load_verify_file(ca_file);
    tls_.set_verify_mode(ssl::verify_peer);
    SSL_CTX* native = tls_.native_handle();
    if (tls.min_version || tls.max_version) {
      // OpenSSL 3 refuses TLS < 1.2 at security level 1 and up; this client must offer it.
      SSL_CTX_set_security_level(native, 0);
      SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
    }
    if (tls.min_version) SSL_CTX_set_min_proto_version(native, *tls.min_version);
    if (tls.max_version) SSL_CTX_set_max_proto_version(native, *tls.max_version);
    if (!tls.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(native, tls.tls12_ciphers.c_str());
    ws_.emplace(io_, tls_);
  }

  // Connections from this client come from `address` (a loopback address other than 127.0.0.1
  // is another source to the server).
  void BindTo(std::string address) { local_address_ = std::move(address); }

  // TCP connect + TLS handshake, verifying the server's certificate for IP 127.0.0.1.
  error_code Connect(uint16_t port, std::optional<int> receive_buffer_bytes = std::nullopt) {
    auto& tcp_stream = beast::get_lowest_layer(*ws_);
    if (receive_buffer_bytes || !local_address_.empty()) tcp_stream.socket().open(tcp::v4());
    if (receive_buffer_bytes) {
      tcp_stream.socket().set_option(asio::socket_base::receive_buffer_size(*receive_buffer_bytes));
    }
    if (!local_address_.empty()) {
      error_code ec;
      tcp_stream.socket().bind(tcp::endpoint(asio::ip::make_address(local_address_), 0), ec);
      if (ec) return ec;
    }
    error_code ec = Run([&](auto handler) {
      tcp_stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                               std::move(handler));
    });
    if (ec) return ec;
    ws_->next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    return Run([&](auto handler) {
      ws_->next_layer().async_handshake(ssl::stream_base::client, std::move(handler));
    });
  }

  int tls_version() { return SSL_version(ws_->next_layer().native_handle()); }

  // One HTTP GET on a fresh connection: {status, body}, or {-1, error} on failure.
  std::pair<int, std::string> Get(uint16_t port, const std::string& target) {
    if (error_code ec = Connect(port)) return {-1, ec.message()};
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (error_code ec = Run([&](auto handler) {
          http::async_write(ws_->next_layer(), request, std::move(handler));
        })) {
      return {-1, ec.message()};
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (error_code ec = Run([&](auto handler) {
          http::async_read(ws_->next_layer(), buffer, response, std::move(handler));
        })) {
      return {-1, ec.message()};
    }
    return {static_cast<int>(response.result_int()), response.body()};
  }

  error_code OpenWebSocket(uint16_t port, const std::string& target = "/v1/ws",
                           std::optional<int> receive_buffer_bytes = std::nullopt) {
    if (error_code ec = Connect(port, receive_buffer_bytes)) return ec;
    ws_->set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(http::field::user_agent, "kring-test/1");
    }));
    ws_->read_message_max(64 * 1024 * 1024);
    ws_->binary(true);
    return Run(
        [&](auto handler) { ws_->async_handshake("127.0.0.1", target, std::move(handler)); });
  }

  error_code Write(const std::string& bytes, bool binary = true) {
    ws_->binary(binary);
    return Run([&](auto handler) { ws_->async_write(asio::buffer(bytes), std::move(handler)); });
  }

  // One message into `out`; on a close, the error is websocket::error::closed and close_code()
  // says why.
  error_code Read(std::string* out) {
    beast::flat_buffer buffer;
    error_code ec = Run([&](auto handler) { ws_->async_read(buffer, std::move(handler)); });
    if (!ec) *out = beast::buffers_to_string(buffer.data());
    return ec;
  }

  // Reads until the server closes; returns its close code (0 if the read failed otherwise) and
  // the number of messages read before.
  uint16_t ReadUntilClosed(size_t* messages = nullptr) {
    std::string ignored;
    size_t n = 0;
    for (;;) {
      error_code ec = Read(&ignored);
      if (ec == websocket::error::closed) break;
      if (ec) {
        ADD_FAILURE() << "read: " << ec.message();
        return 0;
      }
      ++n;
    }
    if (messages) *messages = n;
    return ws_->reason().code;
  }

  // Drops TCP without a WebSocket close or a TLS close_notify.
  void Drop() { beast::get_lowest_layer(*ws_).close(); }

 private:
  template <typename Initiate>
  error_code Run(Initiate initiate) {
    std::optional<error_code> result;
    beast::get_lowest_layer(*ws_).expires_after(kDeadline);
    initiate([&](error_code ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run();
    beast::get_lowest_layer(*ws_).expires_never();
    return result.value_or(asio::error::timed_out);
  }

  asio::io_context io_;
  ssl::context tls_;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> ws_;
  std::string local_address_;
};

// ---------------------------------------------------------------------------------------------

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/kring-net-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    auto cert = EnsureDevCertificate(dir_);
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    cert_ = *cert;
    options_.host = "127.0.0.1";
    options_.port = 0;
    options_.io_threads = 2;
    options_.cert_file = cert_.cert_file;
    options_.key_file = cert_.key_file;
    options_.max_frame_bytes = 4096;
    options_.shutdown_timeout = 2s;
  }

  void TearDown() override {
    if (server_) StopServer();
    for (auto& connection : acceptor_.connections()) {
      EXPECT_EQ(connection->closed_count(), 1) << "OnClosed must come exactly once";
      EXPECT_EQ(connection->frames_after_close(), 0);
      // The service may keep its sink past the close; using it then is harmless.
      connection->sink().Send(std::make_shared<const std::string>("late"));
      connection->sink().Close(CloseCode::kNormal, "late");
    }
    std::filesystem::remove_all(dir_);
  }

  void StartServer() {
    server_ = std::make_unique<Server>(acceptor_, options_);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    ASSERT_NE(port_, 0);
    run_done_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  // Returns false if Run() did not return in time.
  bool StopServer() {
    server_->Stop();
    const bool returned = run_done_.wait_for(kDeadline) == std::future_status::ready;
    EXPECT_TRUE(returned) << "Run() did not return after Stop()";
    if (!returned) std::abort();  // a hung server thread would hang the whole test binary
    server_.reset();
    return returned;
  }

  TestClient Client(const ClientTls& tls = {}) { return TestClient(cert_.cert_file, tls); }

  std::string dir_;
  DevCertificate cert_;
  ServerOptions options_;
  FakeAcceptor acceptor_;
  std::unique_ptr<Server> server_;
  std::future<void> run_done_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, HealthzAnswersOk) {
  StartServer();
  EXPECT_EQ(Client().Get(port_, "/healthz"), std::make_pair(200, std::string("ok")));
}

TEST_F(ServerTest, ReadyzFollowsTheAcceptor) {
  StartServer();
  EXPECT_EQ(Client().Get(port_, "/readyz"), std::make_pair(200, std::string("ready")));
  acceptor_.set_ready(false);
  EXPECT_EQ(Client().Get(port_, "/readyz").first, 503);
}

TEST_F(ServerTest, EverythingElseIsNotFound) {
  StartServer();
  EXPECT_EQ(Client().Get(port_, "/").first, 404);
  EXPECT_EQ(Client().Get(port_, "/nope").first, 404);
  EXPECT_EQ(Client().Get(port_, "/v1/ws").first, 404);  // no upgrade
  TestClient ws = Client();
  EXPECT_EQ(ws.OpenWebSocket(port_, "/v1/other"), websocket::error::upgrade_declined);
}

TEST_F(ServerTest, BinaryFramesEchoAndPeerIsRecorded) {
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  EXPECT_EQ(client.tls_version(), TLS1_3_VERSION);  // 1.3 preferred
  const std::string frame("\x08\x01\x00\xff binary", 11);
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(client.Write(frame));
    std::string echoed;
    ASSERT_FALSE(client.Read(&echoed));
    EXPECT_EQ(echoed, frame);
  }
  auto peers = acceptor_.peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].address.rfind("127.0.0.1:", 0), 0u) << peers[0].address;
  EXPECT_EQ(peers[0].user_agent, "kring-test/1");
  EXPECT_EQ(server_->WebSocketCount(), 1u);
}

// A renewal (e.g. by ACME) writes a new pair over the files; ReloadTls (SIGHUP in kringd) serves
// it to new connections, keeps open ones, and refuses a pair that does not load or match.
TEST_F(ServerTest, ReloadTlsServesTheRenewedPairAndKeepsOpenConnections) {
  StartServer();
  TestClient open = Client();
  ASSERT_FALSE(open.OpenWebSocket(port_));
  const std::string old_cert = dir_ + "/old-cert.pem";
  const std::string old_key = dir_ + "/old-key.pem";
  std::filesystem::copy_file(cert_.cert_file, old_cert);
  std::filesystem::copy_file(cert_.key_file, old_key);
  auto renewed = EnsureDevCertificate(dir_ + "/renewed");
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  const auto overwrite = std::filesystem::copy_options::overwrite_existing;
  std::filesystem::copy_file(renewed->cert_file, cert_.cert_file, overwrite);
  std::filesystem::copy_file(renewed->key_file, cert_.key_file, overwrite);

  ASSERT_TRUE(server_->ReloadTls().ok());
  EXPECT_EQ(TestClient(renewed->cert_file).Get(port_, "/healthz").first, 200);
  EXPECT_EQ(TestClient(old_cert).Get(port_, "/healthz").first, -1) << "still the old pair";
  // The connection opened before the reload carries on.
  const std::string frame("\x08\x01 still here", 13);
  ASSERT_FALSE(open.Write(frame));
  std::string echoed;
  ASSERT_FALSE(open.Read(&echoed));
  EXPECT_EQ(echoed, frame);

  // A key that does not match the certificate, then one that is not a key: refused, and the
  // renewed pair stays in service.
  std::filesystem::copy_file(old_key, cert_.key_file, overwrite);
  std::ofstream(dir_ + "/garbage.pem") << "-----BEGIN PRIVATE KEY-----\nnot a key\n";
  const Status mismatched = server_->ReloadTls();
  EXPECT_EQ(mismatched.code(), Code::kInvalidArgument) << mismatched.ToString();
  std::filesystem::copy_file(dir_ + "/garbage.pem", cert_.key_file, overwrite);
  EXPECT_EQ(server_->ReloadTls().code(), Code::kInvalidArgument);
  EXPECT_EQ(TestClient(renewed->cert_file).Get(port_, "/healthz").first, 200);
}

TEST_F(ServerTest, TextFrameClosesWith1003) {
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  ASSERT_FALSE(client.Write("hello", /*binary=*/false));
  EXPECT_EQ(client.ReadUntilClosed(), v1::CLOSE_CODE_UNSUPPORTED_DATA);
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, FrameOverMaxFrameBytesClosesWith1009) {
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  ASSERT_FALSE(client.Write(std::string(options_.max_frame_bytes, 'x')));  // at the limit: fine
  std::string echoed;
  ASSERT_FALSE(client.Read(&echoed));
  client.Write(std::string(options_.max_frame_bytes + 1, 'x'));
  EXPECT_EQ(client.ReadUntilClosed(), v1::CLOSE_CODE_MESSAGE_TOO_BIG);
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, RefusesTls11) {
  StartServer();
  TestClient client = Client(OnlyVersions(TLS1_1_VERSION, TLS1_1_VERSION));
  EXPECT_TRUE(client.Connect(port_));
}

TEST_F(ServerTest, Tls12OnlyWithEcdheAead) {
  StartServer();
  TestClient good = Client(OnlyVersions(TLS1_2_VERSION, TLS1_2_VERSION));
  ASSERT_FALSE(good.Connect(port_));
  EXPECT_EQ(good.tls_version(), TLS1_2_VERSION);
  TestClient cbc = Client(OnlyVersions(TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA"));
  EXPECT_TRUE(cbc.Connect(port_));
}

TEST_F(ServerTest, SinkCloseSendsQueuedFramesThenTheCode) {
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  ASSERT_TRUE(acceptor_.WaitForConnections(1));
  auto connection = acceptor_.connections()[0];
  // From this (non-io) thread, as the service would from its writer.
  connection->sink().Send(std::make_shared<const std::string>("session ended"));
  connection->sink().Close(CloseCode::kSessionEnded, "logged out");
  connection->sink().Send(std::make_shared<const std::string>("after close: dropped"));
  std::string frame;
  ASSERT_FALSE(client.Read(&frame));
  EXPECT_EQ(frame, "session ended");
  size_t more = 0;
  EXPECT_EQ(client.ReadUntilClosed(&more), v1::CLOSE_CODE_SESSION_ENDED);
  EXPECT_EQ(more, 0u);
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, SlowReaderIsClosedWith1013) {
  options_.max_frame_bytes = 16 * 1024;
  options_.max_outbound_bytes = 64 * 1024;
  StartServer();
  TestClient client = Client();
  // A small receive window, so the server's writes back up quickly.
  ASSERT_FALSE(client.OpenWebSocket(port_, "/v1/ws", /*receive_buffer_bytes=*/4096));
  // Write without reading: the echoes pile up behind the stalled socket.
  const std::string frame(16 * 1024, 'x');
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(client.Write(frame)) << i;
  size_t echoed = 0;
  EXPECT_EQ(client.ReadUntilClosed(&echoed), v1::CLOSE_CODE_TRY_AGAIN_LATER);
  EXPECT_LT(echoed, 1000u);
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, PeerDroppingTcpEndsTheConnectionOnce) {
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  ASSERT_TRUE(acceptor_.WaitForConnections(1));
  client.Drop();
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, IdleWebSocketIsClosed) {
  options_.idle_timeout = 1s;
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  ASSERT_TRUE(acceptor_.WaitForConnections(1));
  // The client neither sends nor reads, so it never answers the server's ping.
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, SilentTcpClientIsDisconnected) {
  options_.handshake_timeout = 1s;
  StartServer();
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  // Never starts TLS. The server must hang up on its own: a read sees EOF (or a reset).
  char byte;
  std::optional<error_code> result;
  socket.async_read_some(asio::buffer(&byte, 1), [&](error_code ec, size_t) { result = ec; });
  io.run_for(kDeadline);
  ASSERT_TRUE(result.has_value()) << "the server kept a silent connection open";
  EXPECT_TRUE(*result);
}

TEST_F(ServerTest, TricklingClientIsCutOffAtTheHandshakeTimeout) {
  options_.handshake_timeout = 1s;
  StartServer();
  asio::io_context io;
  ssl::context tls(ssl::context::tls_client);
  tls.load_verify_file(cert_.cert_file);
  ssl::stream<tcp::socket> stream(io, tls);
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  stream.handshake(ssl::stream_base::client);
  // A request that never ends, one byte every 100 ms: always some progress, never a request.
  const std::string request = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(1000, 'a');
  size_t sent = 0;
  asio::steady_timer timer(io);
  std::function<void()> send_next = [&] {
    if (sent == request.size()) return;
    asio::async_write(stream, asio::buffer(&request[sent++], 1), [&](error_code ec, size_t) {
      if (ec) return;
      timer.expires_after(100ms);
      timer.async_wait([&](error_code ec) {
        if (!ec) send_next();
      });
    });
  };
  send_next();
  // Raw TCP underneath TLS: skips the server's session tickets, waits for the hang-up.
  char bytes[256];
  std::optional<error_code> result;
  const auto start = std::chrono::steady_clock::now();
  std::function<void()> read_next = [&] {
    stream.next_layer().async_read_some(asio::buffer(bytes), [&](error_code ec, size_t) {
      if (!ec) return read_next();
      result = ec;
      timer.cancel();
    });
  };
  read_next();
  while (!result && std::chrono::steady_clock::now() - start < kDeadline) {
    io.run_one_for(kDeadline);
  }
  ASSERT_TRUE(result.has_value()) << "the server kept a trickling connection open";
  EXPECT_TRUE(*result);
  EXPECT_LT(sent, request.size());
}

TEST_F(ServerTest, StopClosesWebSocketsWith1001) {
  StartServer();
  TestClient a = Client();
  TestClient b = Client();
  ASSERT_FALSE(a.OpenWebSocket(port_));
  ASSERT_FALSE(b.OpenWebSocket(port_));
  ASSERT_TRUE(acceptor_.WaitForConnections(2));
  server_->Stop();
  EXPECT_EQ(a.ReadUntilClosed(), v1::CLOSE_CODE_GOING_AWAY);
  EXPECT_EQ(b.ReadUntilClosed(), v1::CLOSE_CODE_GOING_AWAY);
  EXPECT_TRUE(acceptor_.WaitForClosed(2));
  EXPECT_EQ(run_done_.wait_for(kDeadline), std::future_status::ready);
  // No longer accepting.
  EXPECT_EQ(Client().Get(port_, "/healthz").first, -1);
}

TEST_F(ServerTest, StopDropsPeersThatDoNotAnswerTheClose) {
  options_.shutdown_timeout = 200ms;
  StartServer();
  TestClient client = Client();
  ASSERT_FALSE(client.OpenWebSocket(port_));
  ASSERT_TRUE(acceptor_.WaitForConnections(1));
  server_->Stop();  // the client never reads, so never answers
  EXPECT_EQ(run_done_.wait_for(kDeadline), std::future_status::ready);
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
}

TEST_F(ServerTest, AWebSocketThatDoesNotAuthenticateInTimeIsClosedWith1008) {
  options_.auth_timeout = 1s;
  StartServer();
  TestClient member = Client();
  ASSERT_FALSE(member.OpenWebSocket(port_));
  ASSERT_FALSE(member.Write("log in"));
  std::string echoed;
  ASSERT_FALSE(member.Read(&echoed));
  TestClient anonymous = Client();  // opened later, so its deadline passes later
  ASSERT_FALSE(anonymous.OpenWebSocket(port_));
  // Frames (and pings) do not count as authenticating.
  ASSERT_FALSE(anonymous.Write("hello"));
  EXPECT_EQ(anonymous.ReadUntilClosed(), v1::CLOSE_CODE_POLICY_VIOLATION);
  // The logged-in one, past its own deadline, is still served.
  ASSERT_FALSE(member.Write("still here"));
  ASSERT_FALSE(member.Read(&echoed));
  EXPECT_EQ(echoed, "still here");
  EXPECT_TRUE(acceptor_.WaitForClosed(1));
  // The registry lets go of the closed session as its last handler returns, which can be just
  // after the service heard of the close: wait for that, with a deadline.
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (server_->WebSocketCount() != 1u && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(server_->WebSocketCount(), 1u);
}

TEST_F(ServerTest, ConnectionsPerAddressAreCappedAndOtherAddressesStillConnect) {
  options_.max_connections_per_address = 2;
  StartServer();
  TestClient a = Client();
  TestClient b = Client();
  ASSERT_FALSE(a.OpenWebSocket(port_));
  ASSERT_FALSE(b.OpenWebSocket(port_));
  TestClient refused = Client();
  EXPECT_TRUE(refused.OpenWebSocket(port_)) << "a third connection from 127.0.0.1 got in";
  TestClient elsewhere = Client();
  elsewhere.BindTo("127.0.0.2");
  ASSERT_FALSE(elsewhere.OpenWebSocket(port_));
  // Logging in does not lift the per-address cap; closing one does.
  ASSERT_FALSE(a.Write("log in"));
  std::string echoed;
  ASSERT_FALSE(a.Read(&echoed));
  EXPECT_TRUE(Client().OpenWebSocket(port_));
  ASSERT_TRUE(acceptor_.WaitForConnections(3));
  b.Drop();
  ASSERT_TRUE(acceptor_.WaitForClosed(1));
  TestClient again = Client();
  EXPECT_FALSE(again.OpenWebSocket(port_));
}

TEST_F(ServerTest, UnauthenticatedConnectionsAreCappedInAll) {
  options_.max_unauthenticated_connections = 2;
  StartServer();
  TestClient a = Client();
  TestClient b = Client();
  ASSERT_FALSE(a.OpenWebSocket(port_));
  b.BindTo("127.0.0.3");
  ASSERT_FALSE(b.OpenWebSocket(port_));
  TestClient refused = Client();
  refused.BindTo("127.0.0.4");
  EXPECT_TRUE(refused.OpenWebSocket(port_)) << "a third anonymous connection got in";
  EXPECT_EQ(Client().Get(port_, "/healthz").first, -1);  // counted from accept, HTTP too
  // One logs in: its place among the anonymous is free.
  ASSERT_FALSE(a.Write("log in"));
  std::string echoed;
  ASSERT_FALSE(a.Read(&echoed));
  TestClient c = Client();
  c.BindTo("127.0.0.4");
  EXPECT_FALSE(c.OpenWebSocket(port_));
}

TEST_F(ServerTest, ConnectionsAreCappedBelowTheDescriptorLimit) {
  options_.reserved_descriptors = 100;
  StartServer();
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur == RLIM_INFINITY) GTEST_SKIP() << "no descriptor limit";
  const size_t soft = static_cast<size_t>(limit.rlim_cur);
  EXPECT_EQ(server_->MaxConnections(), soft > 100 ? soft - 100 : soft / 2);
}

TEST_F(ServerTest, StartFailsOnABadCertificate) {
  options_.cert_file = dir_ + "/missing.pem";
  Server server(acceptor_, options_);
  auto port = server.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), Code::kInvalidArgument);
}

TEST_F(ServerTest, StartFailsWhenThePortIsTaken) {
  StartServer();
  options_.port = port_;
  Server second(acceptor_, options_);
  EXPECT_FALSE(second.Start().ok());
}

}  // namespace
}  // namespace kring::net
