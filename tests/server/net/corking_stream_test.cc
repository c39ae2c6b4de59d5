// CorkingStream over Beast's in-memory test stream: what reaches the peer, and when.
#include "server/net/corking_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <string>
#include <vector>

namespace kring::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using beast::error_code;
using TestStream = beast::test::stream;

struct Written {
  bool done = false;
  error_code ec;
  size_t bytes = 0;
};

// Starts a write of `text` and returns where its outcome lands.
std::shared_ptr<Written> Write(CorkingStream<TestStream>& stream, const std::string& text) {
  auto written = std::make_shared<Written>();
  auto copy = std::make_shared<std::string>(text);
  stream.async_write_some(asio::buffer(*copy), [written, copy](error_code ec, size_t bytes) {
    *written = Written{true, ec, bytes};
  });
  return written;
}

class CorkingStreamTest : public ::testing::Test {
 protected:
  asio::io_context io_;
  CorkingStream<TestStream> corking_{io_};
  TestStream peer_{io_};

  void SetUp() override { corking_.next_layer().connect(peer_); }
};

TEST_F(CorkingStreamTest, UncorkedWritesGoStraightThrough) {
  auto w = Write(corking_, "hello");
  io_.run();
  ASSERT_TRUE(w->done);
  EXPECT_FALSE(w->ec);
  EXPECT_EQ(w->bytes, 5u);
  EXPECT_EQ(peer_.str(), "hello");
}

TEST_F(CorkingStreamTest, CorkedWritesWaitForTheNextUncorkedOneAndKeepTheirOrder) {
  corking_.set_corked(true);
  auto first = Write(corking_, "one ");
  auto second = Write(corking_, "two ");
  io_.run();
  io_.restart();
  // Both completed (the session moves on to its next frame) but nothing reached the peer.
  ASSERT_TRUE(first->done && second->done);
  EXPECT_EQ(first->bytes, 4u);
  EXPECT_EQ(second->bytes, 4u);
  EXPECT_EQ(peer_.str(), "");
  EXPECT_EQ(corking_.buffered_bytes(), 8u);

  corking_.set_corked(false);
  auto last = Write(corking_, "three");
  io_.run();
  ASSERT_TRUE(last->done);
  EXPECT_FALSE(last->ec);
  EXPECT_EQ(last->bytes, 5u);  // the caller's bytes, not the buffer's
  EXPECT_EQ(peer_.str(), "one two three");
  EXPECT_EQ(corking_.buffered_bytes(), 0u);
}

TEST_F(CorkingStreamTest, CorkedWriteCompletesThroughTheExecutorNotInline) {
  corking_.set_corked(true);
  auto w = Write(corking_, "x");
  EXPECT_FALSE(w->done);
  io_.run();
  EXPECT_TRUE(w->done);
}

TEST_F(CorkingStreamTest, ABufferPastTheLimitIsSentEvenWhenCorked) {
  corking_.set_corked(true);
  const std::string chunk(CorkingStream<TestStream>::kMaxCorkedBytes / 2 + 1, 'a');
  auto first = Write(corking_, chunk);
  io_.run();
  io_.restart();
  EXPECT_EQ(peer_.str(), "");
  auto second = Write(corking_, chunk);
  io_.run();
  ASSERT_TRUE(second->done);
  EXPECT_EQ(peer_.str().size(), 2 * chunk.size());
  EXPECT_EQ(corking_.buffered_bytes(), 0u);
}

TEST_F(CorkingStreamTest, AWriteLargerThanTheLimitIsNotCopied) {
  corking_.set_corked(true);
  const std::string big(CorkingStream<TestStream>::kMaxCorkedBytes + 1, 'b');
  auto w = Write(corking_, big);
  io_.run();
  ASSERT_TRUE(w->done);
  EXPECT_EQ(peer_.str().size(), big.size());
}

TEST_F(CorkingStreamTest, AFailedFlushReportsTheErrorToTheFlushingWrite) {
  corking_.set_corked(true);
  auto first = Write(corking_, "queued");
  io_.run();
  io_.restart();
  corking_.next_layer().close();  // the connection is gone before the flush
  corking_.set_corked(false);
  auto last = Write(corking_, "last");
  io_.run();
  ASSERT_TRUE(last->done);
  EXPECT_TRUE(last->ec);
}

// The layer under a real Beast WebSocket: messages written corked arrive whole and in order,
// and the close handshake passes through the layer's teardown.
TEST(CorkingStreamWebSocketTest, MessagesArriveWholeAndInOrderThenTheCloseHandshakeCompletes) {
  asio::io_context io;
  websocket::stream<CorkingStream<TestStream>> server(io);
  websocket::stream<TestStream> client(io);
  server.next_layer().next_layer().connect(client.next_layer());

  error_code accept_ec, handshake_ec;
  server.async_accept([&](error_code ec) { accept_ec = ec; });
  client.async_handshake("localhost", "/v1/ws", [&](error_code ec) { handshake_ec = ec; });
  io.run();
  io.restart();
  ASSERT_FALSE(accept_ec) << accept_ec.message();
  ASSERT_FALSE(handshake_ec) << handshake_ec.message();

  const std::vector<std::string> messages = {"first", std::string(3000, 'm'), "third"};
  size_t next = 0;
  std::function<void(error_code, size_t)> write_next = [&](error_code ec, size_t) {
    ASSERT_FALSE(ec) << ec.message();
    if (next == messages.size()) return;
    // Corked for all but the last: nothing leaves until the last message is written.
    server.next_layer().set_corked(next + 1 < messages.size());
    server.async_write(asio::buffer(messages[next++]), write_next);
  };
  write_next({}, 0);
  io.run();
  io.restart();

  std::vector<std::string> received;
  beast::flat_buffer buffer;
  std::function<void(error_code, size_t)> read_next = [&](error_code ec, size_t) {
    if (ec) return;
    received.push_back(beast::buffers_to_string(buffer.data()));
    buffer.clear();
    if (received.size() < messages.size()) client.async_read(buffer, read_next);
  };
  client.async_read(buffer, read_next);
  io.run();
  io.restart();
  EXPECT_EQ(received, messages);

  error_code close_ec;
  beast::flat_buffer drain;
  server.async_read(drain, [](error_code, size_t) {});  // answers the client's close
  client.async_close(websocket::close_code::normal, [&](error_code ec) { close_ec = ec; });
  io.run();
  EXPECT_FALSE(close_ec) << close_ec.message();
}

}  // namespace
}  // namespace kring::net
