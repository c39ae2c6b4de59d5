// A stream layer that lets a WebSocket session hand several messages to TLS as one write.
//
// Beast writes one WebSocket message at a time, and below it every message became its own TLS
// record and its own sendmsg(2). When kringd fans one post out to many members, each of their
// connections has a queue of frames, and the kernel's TCP send path per syscall dominated the
// profile (docs/benchmarks.md). While the session knows that more frames follow, it corks this
// layer: writes are copied into one buffer and complete at once, and the next uncorked write
// sends the buffer and its own bytes together (one TLS write, one syscall per ~16 KiB).
//
// The contract that keeps nothing stranded: a corked write must be followed by an uncorked one
// (the session uncorks for the last frame of its queue and before it closes). Whatever Beast
// writes on its own meanwhile (a ping, a pong) joins the buffer and goes out with it.
//
// Header-only and Beast-bound: include only from server/net/*.cc.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <utility>

namespace kring::net {

template <class NextLayer>
class CorkingStream {
 public:
  using next_layer_type = NextLayer;
  using executor_type = boost::beast::executor_type<NextLayer>;

  // Past this many buffered bytes a write goes out even when corked, so one slow reader cannot
  // make the buffer grow without bound (the session's own queue limit still applies).
  static constexpr size_t kMaxCorkedBytes = 64 * 1024;

  template <class... Args>
  explicit CorkingStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  // While corked, writes are buffered; the first uncorked write flushes them.
  void set_corked(bool corked) { corked_ = corked; }
  size_t buffered_bytes() const { return buffer_.size(); }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return next_.async_read_some(buffers, std::forward<ReadToken>(token));
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    namespace asio = boost::asio;
    using boost::beast::error_code;
    const size_t size = asio::buffer_size(buffers);
    if (buffer_.size() == 0 && !(corked_ && size <= kMaxCorkedBytes)) {
      return next_.async_write_some(buffers, std::forward<WriteToken>(token));
    }
    // Either way the bytes join the buffer: corked, they wait there; uncorked, they go out with
    // what waited before them, in order.
    buffer_.commit(asio::buffer_copy(buffer_.prepare(size), buffers));
    const bool flush = !corked_ || buffer_.size() > kMaxCorkedBytes;
    return asio::async_compose<WriteToken, void(error_code, size_t)>(
        [this, size, flush, started = false](auto& self, error_code ec = {}, size_t = 0) mutable {
          if (!started) {
            started = true;
            // Completing through the executor, never inline: the caller's handler must not run
            // inside its own initiating call.
            if (!flush) return asio::post(next_.get_executor(), std::move(self));
            return asio::async_write(next_, buffer_.data(), std::move(self));
          }
          if (flush) {
            // Given back each time: ten thousand idle connections must not each keep a batch.
            buffer_.clear();
            buffer_.shrink_to_fit();
          }
          self.complete(ec, size);
        },
        token, next_);
  }

 private:
  NextLayer next_;
  boost::beast::flat_buffer buffer_;
  bool corked_ = false;
};

// The WebSocket close handshake ends with the next layer's own teardown (TLS close_notify).
template <class NextLayer>
void teardown(boost::beast::role_type role, CorkingStream<NextLayer>& stream,
              boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, CorkingStream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace kring::net
