// One simulated app: a WebSocket connection that speaks the Kring protocol.
//
// Setup requests (CreateAccount, OpenNetwork, Subscribe, ...) go through Call with a callback
// and are parsed in full; the measured traffic (MessagePosted events, PostMessage answers) is
// read from the wire by bench/wire.h and handed to a HotListener without a parse or an
// allocation. Everything but the constructor runs on the peer's io thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bench/wire.h"
#include "bench/ws_client.h"
#include "kring/v1/kring.pb.h"

namespace kring::bench {

// The first thing that went wrong anywhere, from any thread. Later failures are counted only.
class Failure {
 public:
  void Set(std::string what);
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string what() const;

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::string what_;  // guarded by mu_
};

// Waits for n things to finish (from any thread), a failure, or a deadline.
class Countdown {
 public:
  explicit Countdown(uint64_t n) : left_(n) {}
  void Done();
  // True when all n finished; false on failure or deadline (`failure` is polled, it does not
  // wake the waiter, so its check interval bounds the delay).
  bool Wait(std::chrono::steady_clock::time_point deadline, const Failure& failure);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t left_;  // guarded by mu_
};

class Peer;

// Receives the measured traffic of a peer, on its io thread.
class HotListener {
 public:
  virtual ~HotListener() = default;
  virtual void OnMessagePosted(Peer& peer, const wire::HotFrame& frame) = 0;
  // A Response whose request_id was not sent through Call.
  virtual void OnResponse(Peer& peer, const wire::HotFrame& frame) = 0;
};

class Peer final : public FrameHandler {
 public:
  // Request ids below this are Call's; the hot path uses ids from here up.
  static constexpr uint64_t kHotRequestIdBase = uint64_t{1} << 35;

  using Reply = std::function<void(const v1::Response&)>;

  // `index` is the caller's name for this peer (its slot in the world).
  Peer(size_t index, IoThreads& io, int thread, TlsClient& tls, Failure& failure);

  size_t index() const { return index_; }
  int thread() const { return conn_.thread(); }
  WsConnection& connection() { return conn_; }
  void set_listener(HotListener* listener) { listener_ = listener; }
  // After this, the connection's end is no failure.
  void set_closing() { closing_ = true; }

  void Connect(const Endpoint& endpoint, std::function<void(const std::string&)> done);
  // Sends `frame` with a fresh request_id; `reply` gets the Response. A Response carrying an
  // Error is passed on as is; a connection that ends first fails the run.
  void Call(v1::ClientFrame frame, Reply reply);
  // Sends pre-serialized ClientFrame bytes (the hot path).
  void SendRaw(std::string_view bytes) { conn_.Send(bytes); }
  // Sends count requests, at most `window` unanswered at a time: make(i) builds request i,
  // reply(i, response) handles its answer; done() runs after the last answer.
  void Pipeline(size_t count, size_t window, std::function<v1::ClientFrame(size_t)> make,
                std::function<void(size_t, const v1::Response&)> reply, std::function<void()> done);
  // Closes the connection; closed() runs once it has ended.
  void Close(std::function<void()> closed);

  // FrameHandler.
  void OnFrame(std::string_view frame) override;
  void OnClosed(const std::string& why) override;

 private:
  void OnServerFrame(std::string_view frame);  // one frame, perhaps out of a batch
  struct PipelineState;
  void PipelineNext(std::shared_ptr<PipelineState> state);

  const size_t index_;
  Failure& failure_;
  WsConnection conn_;
  HotListener* listener_ = nullptr;
  uint64_t next_request_id_ = 1;
  std::unordered_map<uint64_t, Reply> calls_;
  std::function<void()> on_closed_;
  bool closing_ = false;
  bool ended_ = false;
  wire::HotFrame hot_;  // reused for every frame
};

// "network 3: CreateAccount: PERMISSION_DENIED ..." when response carries an Error, else "".
std::string ResponseError(const v1::Response& response);

}  // namespace kring::bench
