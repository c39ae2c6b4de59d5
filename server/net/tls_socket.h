// A TLS server stream that runs OpenSSL directly on a non-blocking TCP socket.
//
// Asio's ssl::stream keeps two 17 KiB buffers per stream and a BIO pair with another 17 KiB per
// direction, resident for the life of the connection: with 10k idle WebSockets that was most of
// kringd's memory (docs/benchmarks.md). Here OpenSSL reads and writes the socket itself, through
// a small BIO, so an idle connection holds only OpenSSL's own state (its record buffers are
// released with SSL_MODE_RELEASE_BUFFERS, set on the context).
//
// Each operation calls OpenSSL and, while it wants the socket readable or writable, waits for
// that with socket.async_wait and calls again. One read and one write may be outstanding at once
// (as Beast's WebSocket needs); handshake and shutdown run alone. All operations, and close()
// of next_layer(), must run on the socket's executor (the connection's strand): OpenSSL's state
// is not thread-safe. Handlers never run inside the initiating call.
//
// Errors, as Asio's ssl::stream reports them: a close_notify from the peer is asio::error::eof,
// TCP closed without one is asio::ssl::error::stream_truncated, a reset is the socket's error
// (connection_reset), a TLS protocol error is in asio::error::get_ssl_category(), and an
// operation on a closed socket is asio::error::bad_descriptor.
//
// Include only from server/net/*.cc.
#pragma once

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace kring::net {

class TlsSocket {
 public:
  using next_layer_type = boost::asio::ip::tcp::socket;
  using lowest_layer_type = next_layer_type;
  using executor_type = next_layer_type::executor_type;

  // Takes over `socket` (connected) for the server side of a handshake with `context`'s
  // settings. `context` must outlive this stream. If OpenSSL cannot allocate the connection,
  // every operation fails with asio::error::no_memory.
  TlsSocket(next_layer_type socket, boost::asio::ssl::context& context);
  // Only while no operation is outstanding: operations refer to the stream by address.
  TlsSocket(TlsSocket&& other) noexcept;
  TlsSocket& operator=(TlsSocket&&) = delete;
  ~TlsSocket();

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  next_layer_type& next_layer() noexcept { return socket_; }
  const next_layer_type& next_layer() const noexcept { return socket_; }
  lowest_layer_type& lowest_layer() noexcept { return socket_; }
  SSL* native_handle() noexcept { return ssl_; }

  // void(error_code)
  template <class Token>
  auto async_handshake(Token&& token) {
    return Start<void(boost::beast::error_code)>(Kind::kHandshake, nullptr, 0, nullptr,
                                                 std::forward<Token>(token));
  }

  // Sends close_notify and waits for the peer's (as Asio's ssl::stream does). void(error_code)
  template <class Token>
  auto async_shutdown(Token&& token) {
    return Start<void(boost::beast::error_code)>(Kind::kShutdown, nullptr, 0, nullptr,
                                                 std::forward<Token>(token));
  }

  // Reads into the first non-empty buffer. void(error_code, size_t)
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    namespace asio = boost::asio;
    asio::mutable_buffer first;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      first = *it;
      if (first.size() > 0) break;
    }
    return Start<void(boost::beast::error_code, size_t)>(
        Kind::kRead, static_cast<char*>(first.data()), first.size(), nullptr,
        std::forward<Token>(token));
  }

  // A sequence whose first buffer is small is copied, up to kMaxFlattenBytes, into one, so that
  // a WebSocket frame header and its payload share a TLS record. void(error_code, size_t)
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    namespace asio = boost::asio;
    auto it = asio::buffer_sequence_begin(buffers);
    const auto end = asio::buffer_sequence_end(buffers);
    while (it != end && asio::const_buffer(*it).size() == 0) ++it;
    const asio::const_buffer first = it == end ? asio::const_buffer() : asio::const_buffer(*it);
    const size_t total = asio::buffer_size(buffers);
    if (first.size() == total || first.size() >= kMaxFlattenBytes) {
      return Start<void(boost::beast::error_code, size_t)>(
          Kind::kWrite, static_cast<char*>(const_cast<void*>(first.data())), first.size(), nullptr,
          std::forward<Token>(token));
    }
    // Freed when the write completes: an idle connection keeps no copy.
    const size_t flat_size = std::min(total, kMaxFlattenBytes);
    std::unique_ptr<char[]> flat(new char[flat_size]);
    asio::buffer_copy(asio::buffer(flat.get(), flat_size), buffers);
    char* data = flat.get();
    return Start<void(boost::beast::error_code, size_t)>(
        Kind::kWrite, data, flat_size, std::move(flat), std::forward<Token>(token));
  }

  static constexpr size_t kMaxFlattenBytes = 16 * 1024;

 private:
  enum class Kind { kHandshake, kRead, kWrite, kShutdown };
  enum class Want { kNothing, kRead, kWrite };
  struct Step {
    Want want = Want::kNothing;
    boost::beast::error_code ec;
    size_t bytes = 0;  // transferred by this call, even when it also wants to wait
  };

  // One round of OpenSSL calls for `kind` on [data, data + size). Non-blocking.
  Step Perform(Kind kind, char* data, size_t size);

  template <class Signature>
  class Operation;

  template <class Signature, class Token>
  auto Start(Kind kind, char* data, size_t size, std::unique_ptr<char[]> owned, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        Operation<Signature>(*this, kind, data, size, std::move(owned)), token, socket_);
  }

  next_layer_type socket_;
  SSL* ssl_ = nullptr;  // owns its BIO, which refers to socket_'s descriptor
};

template <class Signature>
class TlsSocket::Operation {
 public:
  Operation(TlsSocket& stream, Kind kind, char* data, size_t size, std::unique_ptr<char[]> owned)
      : stream_(&stream), kind_(kind), data_(data), size_(size), owned_(std::move(owned)) {}

  template <class Self>
  void operator()(Self& self, boost::beast::error_code ec = {}) {
    namespace asio = boost::asio;
    if (state_ == State::kPosted) return Complete(self, result_);
    if (state_ == State::kWaiting && ec) return Complete(self, ec);
    const bool first = state_ == State::kStarting;
    Step step;
    // A zero-byte read or write completes at once, as with Asio's streams.
    if ((kind_ != Kind::kRead && kind_ != Kind::kWrite) || size_ > 0) {
      step = stream_->Perform(kind_, data_ + done_, size_ - done_);
    }
    done_ += step.bytes;
    if (step.want != Want::kNothing) {
      state_ = State::kWaiting;
      return stream_->socket_.async_wait(
          step.want == Want::kRead ? asio::socket_base::wait_read : asio::socket_base::wait_write,
          std::move(self));
    }
    if (first) {
      // Never complete inside the initiating call.
      state_ = State::kPosted;
      result_ = step.ec;
      return asio::post(std::move(self));
    }
    Complete(self, step.ec);
  }

 private:
  enum class State { kStarting, kWaiting, kPosted };

  template <class Self>
  void Complete(Self& self, boost::beast::error_code ec) {
    owned_.reset();
    if constexpr (std::is_same_v<Signature, void(boost::beast::error_code)>) {
      self.complete(ec);
    } else {
      self.complete(ec, done_);
    }
  }

  TlsSocket* stream_;
  Kind kind_;
  char* data_;
  size_t size_;
  std::unique_ptr<char[]> owned_;  // the flattened copy data_ points into, if any
  size_t done_ = 0;
  State state_ = State::kStarting;
  boost::beast::error_code result_;
};

// The WebSocket close handshake ends here: close_notify both ways, then the TCP teardown.
void teardown(boost::beast::role_type role, TlsSocket& stream, boost::beast::error_code& ec);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsSocket& stream, TeardownHandler&& handler) {
  namespace asio = boost::asio;
  using boost::beast::error_code;
  asio::async_compose<TeardownHandler, void(error_code)>(
      [&stream, role, step = 0, shutdown_ec = error_code()](auto& self,
                                                            error_code ec = {}) mutable {
        switch (step++) {
          case 0:
            return stream.async_shutdown(std::move(self));
          case 1:
            shutdown_ec = ec;
            using boost::beast::websocket::async_teardown;
            return async_teardown(role, stream.next_layer(), std::move(self));
          default:
            // The shutdown's error first, as Beast's ssl teardown reports it.
            self.complete(shutdown_ec ? shutdown_ec : ec);
        }
      },
      handler, stream.next_layer());
}

}  // namespace kring::net
