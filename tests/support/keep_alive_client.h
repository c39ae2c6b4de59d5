// One TLS connection to a server under test that writes raw bytes and reads HTTP responses, each
// step with a deadline: for what no SDK sends (pipelined requests, a header without its body, a
// body sent in parts). Header-only; link kring_asio (Asio and Beast are compiled there).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace kring::test_support {

class KeepAliveClient {
 public:
  using error_code = boost::beast::error_code;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  static constexpr std::chrono::seconds kDeadline{10};

  explicit KeepAliveClient(const std::string& ca_file)
      : tls_(boost::asio::ssl::context::tls_client), stream_(io_, tls_) {
    tls_.load_verify_file(ca_file);
    stream_.set_verify_mode(boost::asio::ssl::verify_peer);
  }

  error_code Connect(uint16_t port) {
    error_code ec;
    stream_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return ec;
    return Run(kDeadline, [&](auto handler) {
      stream_.async_handshake(boost::asio::ssl::stream_base::client, std::move(handler));
    });
  }

  // Writes `bytes` as one write: several requests back to back are a pipelining client.
  error_code Write(const std::string& bytes) {
    return Run(kDeadline, [&](auto handler) {
      boost::asio::async_write(
          stream_, boost::asio::buffer(bytes),
          [handler = std::move(handler)](error_code ec, size_t) { handler(ec); });
    });
  }

  // The next response on the connection, or the error (end_of_stream once the server closed,
  // timed_out when none came within `deadline`).
  std::pair<error_code, Response> Read(std::chrono::milliseconds deadline = kDeadline) {
    Response response;
    error_code ec = Run(deadline, [&](auto handler) {
      boost::beast::http::async_read(
          stream_, buffer_, response,
          [handler = std::move(handler)](error_code ec, size_t) { handler(ec); });
    });
    return {ec, std::move(response)};
  }

 private:
  template <typename Initiate>
  error_code Run(std::chrono::milliseconds deadline, Initiate initiate) {
    std::optional<error_code> result;
    initiate([&](error_code ec) { result = ec; });
    io_.restart();
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!result && std::chrono::steady_clock::now() < until) io_.run_one_until(until);
    if (!result) {
      error_code ignored;
      stream_.next_layer().close(ignored);
      // Lets the aborted operation finish before its handler's frame goes.
      io_.run_for(std::chrono::seconds(1));
      return boost::asio::error::timed_out;
    }
    return *result;
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace kring::test_support
