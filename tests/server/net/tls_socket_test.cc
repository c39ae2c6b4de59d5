// TlsSocket against Asio's own TLS client over a real loopback TCP connection. Everything runs on
// one io_context on the test thread; RunUntil drives it until the awaited completions arrive.
#include "server/net/tls_socket.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/net/corking_stream.h"
#include "server/net/dev_cert.h"

namespace kring::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using beast::error_code;
using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

std::string Pattern(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return bytes;
}

class TlsSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/kring-tls-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    auto cert = EnsureDevCertificate(dir_);
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    server_tls_.use_certificate_chain_file(cert->cert_file);
    server_tls_.use_private_key_file(cert->key_file, ssl::context::pem);
    SSL_CTX_set_mode(server_tls_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    client_tls_.load_verify_file(cert->cert_file);
    client_tls_.set_verify_mode(ssl::verify_peer);

    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.emplace(io_, client_tls_);
    client_->next_layer().connect(acceptor.local_endpoint());
    tcp::socket accepted(io_);
    acceptor.accept(accepted);
    server_.emplace(std::move(accepted), server_tls_);
  }

  void TearDown() override {
    server_.reset();
    client_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs the io_context until `done()` or the deadline; false on the deadline.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    io_.restart();
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_one_for(100ms);
      if (io_.stopped()) io_.restart();
    }
    return true;
  }

  void Handshake() {
    std::optional<error_code> server_ec, client_ec;
    server_->async_handshake([&](error_code ec) { server_ec = ec; });
    client_->async_handshake(ssl::stream_base::client, [&](error_code ec) { client_ec = ec; });
    ASSERT_TRUE(RunUntil([&] { return server_ec && client_ec; }));
    ASSERT_FALSE(*server_ec) << server_ec->message();
    ASSERT_FALSE(*client_ec) << client_ec->message();
  }

  // Reads from the server side until `size` bytes or an error.
  error_code ServerRead(std::string* out, size_t size) {
    out->assign(size, '\0');
    std::optional<error_code> result;
    asio::async_read(*server_, asio::buffer(*out), [&](error_code ec, size_t n) {
      out->resize(n);
      result = ec;
    });
    if (!RunUntil([&] { return result.has_value(); })) return asio::error::timed_out;
    return *result;
  }

  std::string dir_;
  asio::io_context io_;
  ssl::context server_tls_{ssl::context::tls_server};
  ssl::context client_tls_{ssl::context::tls_client};
  std::optional<ssl::stream<tcp::socket>> client_;
  std::optional<TlsSocket> server_;
};

TEST_F(TlsSocketTest, HandshakeThenEchoBothWays) {
  Handshake();
  EXPECT_EQ(SSL_version(server_->native_handle()), TLS1_3_VERSION);

  const std::string hello = "hello from the client";
  std::optional<error_code> written;
  asio::async_write(*client_, asio::buffer(hello), [&](error_code ec, size_t) { written = ec; });
  std::string got;
  ASSERT_FALSE(ServerRead(&got, hello.size()));
  EXPECT_EQ(got, hello);
  ASSERT_TRUE(RunUntil([&] { return written.has_value(); }));

  const std::string reply = "and back from the server";
  std::optional<error_code> sent;
  asio::async_write(*server_, asio::buffer(reply), [&](error_code ec, size_t) { sent = ec; });
  std::string received(reply.size(), '\0');
  std::optional<error_code> read;
  asio::async_read(*client_, asio::buffer(received), [&](error_code ec, size_t) { read = ec; });
  ASSERT_TRUE(RunUntil([&] { return sent && read; }));
  EXPECT_FALSE(*sent);
  EXPECT_FALSE(*read);
  EXPECT_EQ(received, reply);
}

TEST_F(TlsSocketTest, WritesLargerThanOneRecordBothWays) {
  Handshake();
  // Several MiB overflow the socket buffers, so writes must wait for writability mid-way.
  const std::string big = Pattern(3 * 1024 * 1024 + 17);
  std::optional<error_code> sent;
  asio::async_write(*server_, asio::buffer(big), [&](error_code ec, size_t) { sent = ec; });
  std::string received(big.size(), '\0');
  std::optional<error_code> read;
  asio::async_read(*client_, asio::buffer(received), [&](error_code ec, size_t) { read = ec; });
  ASSERT_TRUE(RunUntil([&] { return sent && read; }));
  EXPECT_FALSE(*sent);
  EXPECT_FALSE(*read);
  EXPECT_TRUE(received == big);

  std::optional<error_code> written;
  asio::async_write(*client_, asio::buffer(big), [&](error_code ec, size_t) { written = ec; });
  std::string got;
  ASSERT_FALSE(ServerRead(&got, big.size()));
  EXPECT_TRUE(got == big);
  ASSERT_TRUE(RunUntil([&] { return written.has_value(); }));
}

TEST_F(TlsSocketTest, ManySmallWritesAndBufferSequencesKeepTheirOrder) {
  Handshake();
  std::string expected;
  std::vector<std::string> parts;
  for (int i = 0; i < 500; ++i) parts.push_back("<" + std::to_string(i) + ">");
  for (const auto& part : parts) expected += part;
  // Sequential writes of a few bytes each, then one write of a sequence of small buffers
  // (flattened into one record) followed by one past the flatten limit.
  size_t next = 0;
  std::optional<error_code> failed;
  std::function<void()> write_next = [&] {
    if (next == parts.size()) {
      std::vector<asio::const_buffer> sequence;
      for (const auto& part : parts) sequence.push_back(asio::buffer(part));
      return asio::async_write(*server_, sequence, [&](error_code ec, size_t) { failed = ec; });
    }
    asio::async_write(*server_, asio::buffer(parts[next++]), [&](error_code ec, size_t) {
      if (ec) {
        failed = ec;
        return;
      }
      write_next();
    });
  };
  write_next();
  std::string received(2 * expected.size(), '\0');
  std::optional<error_code> read;
  asio::async_read(*client_, asio::buffer(received), [&](error_code ec, size_t) { read = ec; });
  ASSERT_TRUE(RunUntil([&] { return failed && read; }));
  EXPECT_FALSE(*failed);
  EXPECT_FALSE(*read);
  EXPECT_EQ(received, expected + expected);
}

TEST_F(TlsSocketTest, OneReadAndOneWriteOutstandingAtOnce) {
  Handshake();
  // The read waits for data the client sends only after the server's big write is under way.
  std::string got(5, '\0');
  std::optional<error_code> read;
  asio::async_read(*server_, asio::buffer(got), [&](error_code ec, size_t) { read = ec; });
  const std::string big = Pattern(4 * 1024 * 1024);
  std::optional<error_code> sent;
  asio::async_write(*server_, asio::buffer(big), [&](error_code ec, size_t) { sent = ec; });
  // Let the server fill the socket while nobody reads.
  ASSERT_TRUE(RunUntil([&] { return io_.poll() == 0; }));
  EXPECT_FALSE(read.has_value());
  EXPECT_FALSE(sent.has_value());

  std::optional<error_code> written;
  asio::async_write(*client_, asio::buffer("ping!", 5),
                    [&](error_code ec, size_t) { written = ec; });
  std::string received(big.size(), '\0');
  std::optional<error_code> client_read;
  asio::async_read(*client_, asio::buffer(received),
                   [&](error_code ec, size_t) { client_read = ec; });
  ASSERT_TRUE(RunUntil([&] { return read && sent && written && client_read; }));
  EXPECT_FALSE(*read);
  EXPECT_EQ(got, "ping!");
  EXPECT_FALSE(*sent);
  EXPECT_TRUE(received == big);
}

TEST_F(TlsSocketTest, HandlersNeverRunInsideTheInitiatingCall) {
  Handshake();
  bool returned = false;
  std::optional<bool> ran_after_return;
  char nothing = 0;
  // Zero bytes complete at once; a write completes in its first OpenSSL call.
  server_->async_read_some(asio::buffer(&nothing, 0), [&](error_code ec, size_t n) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, 0u);
    ran_after_return = returned;
  });
  returned = true;
  ASSERT_TRUE(RunUntil([&] { return ran_after_return.has_value(); }));
  EXPECT_TRUE(*ran_after_return);

  returned = false;
  ran_after_return.reset();
  server_->async_write_some(asio::buffer("x", 1), [&](error_code ec, size_t n) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, 1u);
    ran_after_return = returned;
  });
  returned = true;
  ASSERT_TRUE(RunUntil([&] { return ran_after_return.has_value(); }));
  EXPECT_TRUE(*ran_after_return);
}

TEST_F(TlsSocketTest, PeerCloseNotifyIsEof) {
  Handshake();
  std::optional<error_code> client_shutdown;
  client_->async_shutdown([&](error_code ec) { client_shutdown = ec; });
  std::string got;
  EXPECT_EQ(ServerRead(&got, 1), asio::error::eof);
  // Our close_notify answers the client's; its shutdown then completes.
  std::optional<error_code> server_shutdown;
  server_->async_shutdown([&](error_code ec) { server_shutdown = ec; });
  ASSERT_TRUE(RunUntil([&] { return client_shutdown && server_shutdown; }));
  EXPECT_FALSE(*server_shutdown) << server_shutdown->message();
  EXPECT_FALSE(*client_shutdown) << client_shutdown->message();
}

TEST_F(TlsSocketTest, PeerDroppingTcpIsStreamTruncated) {
  Handshake();
  // A FIN without close_notify. (close() here would send a reset: the client has not read the
  // server's session tickets.)
  client_->next_layer().shutdown(tcp::socket::shutdown_send);
  std::string got;
  EXPECT_EQ(ServerRead(&got, 1), ssl::error::stream_truncated);
}

TEST_F(TlsSocketTest, PeerResetIsTheSocketsErrorAndWritesDoNotRaiseSigpipe) {
  Handshake();
  // SO_LINGER 0: close sends RST.
  client_->next_layer().set_option(asio::socket_base::linger(true, 0));
  client_->next_layer().close();
  std::string got;
  const error_code read_ec = ServerRead(&got, 1);
  EXPECT_TRUE(read_ec == asio::error::connection_reset || read_ec == ssl::error::stream_truncated)
      << read_ec.message();
  // Writing to the reset connection fails instead of killing the process.
  const std::string data = Pattern(64 * 1024);
  std::optional<error_code> sent;
  asio::async_write(*server_, asio::buffer(data), [&](error_code ec, size_t) { sent = ec; });
  ASSERT_TRUE(RunUntil([&] { return sent.has_value(); }));
  EXPECT_TRUE(*sent);
}

TEST_F(TlsSocketTest, ClosingTheSocketAbortsAWaitingRead) {
  Handshake();
  std::string got(1, '\0');
  std::optional<error_code> read;
  server_->async_read_some(asio::buffer(got), [&](error_code ec, size_t) { read = ec; });
  ASSERT_TRUE(RunUntil([&] { return io_.poll() == 0; }));
  server_->next_layer().close();
  ASSERT_TRUE(RunUntil([&] { return read.has_value(); }));
  EXPECT_EQ(*read, asio::error::operation_aborted);
  // And nothing touches the closed descriptor afterwards.
  std::optional<error_code> again;
  server_->async_read_some(asio::buffer(got), [&](error_code ec, size_t) { again = ec; });
  ASSERT_TRUE(RunUntil([&] { return again.has_value(); }));
  EXPECT_EQ(*again, asio::error::bad_descriptor);
}

TEST_F(TlsSocketTest, HandshakeWithAPeerThatIsNotTlsFails) {
  std::optional<error_code> server_ec;
  server_->async_handshake([&](error_code ec) { server_ec = ec; });
  asio::write(client_->next_layer(), asio::buffer("GET / HTTP/1.1\r\n\r\n", 18));
  ASSERT_TRUE(RunUntil([&] { return server_ec.has_value(); }));
  EXPECT_TRUE(*server_ec);
  EXPECT_EQ(server_ec->category(), asio::error::get_ssl_category()) << server_ec->message();
}

// The WebSocket close handshake through CorkingStream ends in TlsSocket's async_teardown:
// close_notify both ways, then TCP.
TEST_F(TlsSocketTest, WebSocketCloseTearsDownThroughCorkingStream) {
  Handshake();
  websocket::stream<CorkingStream<TlsSocket>> server_ws(std::move(*server_));
  server_.reset();
  websocket::stream<ssl::stream<tcp::socket>&> client_ws(*client_);
  std::optional<error_code> accepted, opened;
  server_ws.async_accept([&](error_code ec) { accepted = ec; });
  client_ws.async_handshake("127.0.0.1", "/", [&](error_code ec) { opened = ec; });
  ASSERT_TRUE(RunUntil([&] { return accepted && opened; }));
  ASSERT_FALSE(*accepted) << accepted->message();
  ASSERT_FALSE(*opened) << opened->message();

  server_ws.binary(true);
  const std::string message = Pattern(40000);
  std::optional<error_code> sent, closed, client_read;
  server_ws.async_write(asio::buffer(message), [&](error_code ec, size_t) { sent = ec; });
  beast::flat_buffer buffer;
  client_ws.async_read(buffer, [&](error_code ec, size_t) { client_read = ec; });
  ASSERT_TRUE(RunUntil([&] { return sent && client_read; }));
  EXPECT_FALSE(*sent);
  EXPECT_FALSE(*client_read);
  EXPECT_TRUE(beast::buffers_to_string(buffer.data()) == message);

  server_ws.async_close(websocket::close_code::going_away, [&](error_code ec) { closed = ec; });
  client_read.reset();
  beast::flat_buffer ignored;
  client_ws.async_read(ignored, [&](error_code ec, size_t) { client_read = ec; });
  ASSERT_TRUE(RunUntil([&] { return closed && client_read; }));
  EXPECT_FALSE(*closed) << closed->message();
  EXPECT_EQ(*client_read, websocket::error::closed);
  EXPECT_EQ(client_ws.reason().code, websocket::close_code::going_away);
  EXPECT_FALSE(server_ws.next_layer().next_layer().next_layer().is_open());
}

}  // namespace
}  // namespace kring::net
