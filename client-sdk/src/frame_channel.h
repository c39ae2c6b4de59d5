// The raw WebSocket channel under Connection: TLS + WebSocket at /v1/ws, frames as bytes.
//
// Not a public header. Connection is built on it; integration tests use it directly to send
// arbitrary bytes (malformed protobuf, text frames, oversized frames) and to observe close codes.
// This header and connection.h are free of Asio/Beast; frame_channel.cc is the only SDK file that
// includes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kring/connection.h"
#include "kring/result.h"
#include "kring/v1/kring.pb.h"

namespace kring::sdk {

struct Frame {
  std::string bytes;
  bool binary = true;  // false: a text frame
};

// Receives what a FrameChannel reads, on its io thread, one call at a time, never under a
// channel lock. OnClosed is called exactly once, last.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void OnFrame(Frame frame) = 0;
  virtual void OnClosed(const CloseInfo& info) = 0;
};

// Thread-safe. Owns an io thread. Frames are sent in call order, one write in flight.
class FrameChannel {
 public:
  // Connects as Connection::Open does. With `sink`, frames and the close go to it (it must
  // outlive the channel); without, frames are queued for NextFrame / NextServerFrame.
  static Result<std::unique_ptr<FrameChannel>> Open(const ConnectOptions& options,
                                                    FrameSink* sink = nullptr);
  ~FrameChannel();  // Close(), then joins the io thread.
  FrameChannel(const FrameChannel&) = delete;
  FrameChannel& operator=(const FrameChannel&) = delete;

  // Queue one message for sending. Ignored after the channel closed or Close was called.
  void SendBinary(std::string bytes);
  void SendText(std::string bytes);
  void Send(const v1::ClientFrame& frame) { SendBinary(frame.SerializeAsString()); }

  // Queue mode only (no sink): the next received frame, waiting up to `timeout`.
  std::optional<Frame> NextFrame(std::chrono::milliseconds timeout);
  // Queue mode only: the next frame parsed as a ServerFrame. A text frame or bytes that do not
  // parse yield a default ServerFrame (neither response nor event set). A ServerFrameBatch is
  // handed out one inner frame per call. One reader at a time.
  std::optional<v1::ServerFrame> NextServerFrame(std::chrono::milliseconds timeout);

  // How the channel ended, waiting up to `timeout`; nullopt if still open.
  std::optional<CloseInfo> WaitClosed(std::chrono::milliseconds timeout);
  bool closed() const;

  // Sends a close frame with `code` once queued writes are out, waits up to connect_timeout for
  // the server's close, then drops the connection. Idempotent. Blocks (not on the io thread).
  void Close(uint16_t code = v1::CLOSE_CODE_NORMAL, std::string reason = {});

  const ConnectOptions& options() const;

 private:
  class Impl;
  explicit FrameChannel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::deque<v1::ServerFrame> unbatched_;  // the rest of a batch NextServerFrame opened
};

// A one-shot HTTPS GET (for /healthz and /readyz), verified as FrameChannel::Open verifies.
struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent

  // The first header named `name` (case-insensitive), or "" if none.
  std::string Header(std::string_view name) const;
  // Every header named `name`, in order.
  std::vector<std::string> Headers(std::string_view name) const;
};
Result<HttpReply> HttpsGet(const ConnectOptions& options, std::string_view target);

// A one-shot HTTPS request with any method, headers and body (for the web endpoints and their
// tests). Host and User-Agent are set unless `headers` has them.
struct HttpRequestSpec {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
Result<HttpReply> HttpsRequest(const ConnectOptions& options, const HttpRequestSpec& request);

// An upload: `request` (its body ignored) with the file at `body_path` as its body, streamed from
// disk a piece at a time. The header goes first with "Expect: 100-continue"; the file follows
// only after the server's "100 Continue", so a refused upload is answered before a byte of it is
// sent (and the server's close cannot cut the answer off).
Result<HttpReply> HttpsUploadFile(const ConnectOptions& options, const HttpRequestSpec& request,
                                  const std::string& body_path);

}  // namespace kring::sdk
