// Internal to server/net: runs requests of an HTTP endpoint through a service Connection of its
// own, so that they take exactly the WebSocket's path (authentication, authorization, access-log
// records). Includes Asio: include only from server/net/*.cc.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/service/connection.h"

namespace kring::net {

// Runs requests through a service Connection of its own, one after the other, as an app on a
// WebSocket would send them: the session endpoints take exactly the WebSocket's path (throttle,
// Argon2 pool, access-log records). Stops at the first error. `done` gets the responses, on
// `executor`; the connection is closed after.
class InternalExchange final : public service::ConnectionSink,
                               public std::enable_shared_from_this<InternalExchange> {
 public:
  using Done = std::function<void(std::vector<v1::Response>)>;

  static void Run(service::ConnectionAcceptor& acceptor, service::PeerInfo peer,
                  std::vector<v1::ClientFrame> frames, boost::asio::any_io_executor executor,
                  Done done) {
    auto exchange = std::shared_ptr<InternalExchange>(
        new InternalExchange(std::move(frames), std::move(executor), std::move(done)));
    auto connection = acceptor.Accept(exchange, std::move(peer));
    if (!connection) {
      v1::Response failed;
      failed.mutable_error()->set_code(v1::Error::INTERNAL);
      failed.mutable_error()->set_detail("the service did not accept the request");
      return exchange->done_({std::move(failed)});
    }
    {
      std::lock_guard lock(exchange->mu_);
      exchange->connection_ = connection;
    }
    exchange->SendNext();
  }

  // The service answers on its own threads; the next step runs on the HTTP session's strand.
  void Send(std::shared_ptr<const std::string> frame) override {
    v1::ServerFrame parsed;
    if (!parsed.ParseFromString(*frame) || !parsed.has_response()) return;  // events: not ours
    boost::asio::post(executor_,
                      [self = shared_from_this(), response = parsed.response()]() mutable {
                        self->OnResponse(std::move(response));
                      });
  }
  void Close(service::CloseCode, std::string) override {}
  void WhenQueuedBelow(size_t, std::function<void()> ready) override { ready(); }

 private:
  InternalExchange(std::vector<v1::ClientFrame> frames, boost::asio::any_io_executor executor,
                   Done done)
      : frames_(std::move(frames)), executor_(std::move(executor)), done_(std::move(done)) {}

  void SendNext() {
    std::shared_ptr<service::Connection> connection;
    {
      std::lock_guard lock(mu_);
      connection = connection_;
    }
    v1::ClientFrame& frame = frames_[responses_.size()];
    frame.set_request_id(responses_.size() + 1);
    connection->OnFrame(frame.SerializeAsString());
  }

  void OnResponse(v1::Response response) {
    if (response.request_id() != responses_.size() + 1 || finished_) return;
    const bool failed =
        response.has_error() && response.error().code() != v1::Error::CODE_UNSPECIFIED;
    responses_.push_back(std::move(response));
    if (!failed && responses_.size() < frames_.size()) return SendNext();
    finished_ = true;
    std::shared_ptr<service::Connection> connection;
    {
      std::lock_guard lock(mu_);
      connection = std::move(connection_);  // breaks the cycle: it holds us as its sink
    }
    if (connection) connection->OnClosed();
    done_(std::move(responses_));
  }

  std::vector<v1::ClientFrame> frames_;
  const boost::asio::any_io_executor executor_;
  const Done done_;
  std::mutex mu_;
  std::shared_ptr<service::Connection> connection_;  // guarded by mu_
  std::vector<v1::Response> responses_;              // on executor_
  bool finished_ = false;                            // on executor_
};

}  // namespace kring::net
