// A fake transport for service tests: a ConnectionSink that records what the service sends, and
// an app that sends requests through Connection::OnFrame and waits (with a deadline) for answers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/service/connection.h"
#include "server/service/service.h"

namespace kring::service::testing {

inline constexpr auto kDeadline = std::chrono::seconds(10);

class RecordingSink final : public ConnectionSink {
 public:
  void Send(std::shared_ptr<const std::string> frame) override {
    v1::ServerFrame parsed;
    if (!parsed.ParseFromString(*frame)) parsed.Clear();
    std::lock_guard lock(mu_);
    if (close_code_) return;
    log_.push_back(parsed);
    if (parsed.has_response()) {
      responses_.push_back(parsed.response());
    } else {
      events_.push_back(parsed.event());
    }
    cv_.notify_all();
  }
  // Calls `ready` at once (nothing is ever queued here), unless HoldDrainCallbacks() was called:
  // then it is kept until ReleaseDrainCallbacks(), as if the app had stopped reading.
  void WhenQueuedBelow(size_t bytes, std::function<void()> ready) override {
    {
      std::lock_guard lock(mu_);
      if (holding_) {
        held_.push_back(std::move(ready));
        cv_.notify_all();
        return;
      }
    }
    ready();
  }
  void HoldDrainCallbacks() {
    std::lock_guard lock(mu_);
    holding_ = true;
  }
  // Waits until a callback is held, then runs the held ones. False if none came in time.
  bool ReleaseDrainCallbacks(std::chrono::milliseconds deadline = kDeadline) {
    std::vector<std::function<void()>> ready;
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, deadline, [&] { return !held_.empty(); })) return false;
      ready.swap(held_);
    }
    for (auto& callback : ready) callback();
    return true;
  }

  void Close(CloseCode code, std::string reason) override {
    std::lock_guard lock(mu_);
    if (!close_code_) close_code_ = code;
    cv_.notify_all();
  }

  void SetAuthenticated(bool authenticated) override {
    std::lock_guard lock(mu_);
    authenticated_.push_back(authenticated);
  }
  // What the service said through SetAuthenticated, in order.
  std::vector<bool> authenticated_changes() {
    std::lock_guard lock(mu_);
    return authenticated_;
  }

  // The response to `request_id`; a response with error INTERNAL if none came in time or the
  // connection was closed without one.
  v1::Response WaitResponse(uint64_t request_id) {
    std::unique_lock lock(mu_);
    v1::Response out;
    bool got = false;
    cv_.wait_for(lock, kDeadline, [&] {
      for (auto it = responses_.begin(); it != responses_.end(); ++it) {
        if (it->request_id() == request_id) {
          out = *it;
          responses_.erase(it);
          got = true;
          return true;
        }
      }
      return close_code_.has_value();
    });
    if (!got) {
      out.mutable_error()->set_code(v1::Error::INTERNAL);
      out.mutable_error()->set_detail(close_code_ ? "connection closed without a response"
                                                  : "test timeout waiting for a response");
    }
    return out;
  }
  bool closed() {
    std::lock_guard lock(mu_);
    return close_code_.has_value();
  }

  // The first queued event matching `pred` (removed from the queue), or nullopt at the deadline.
  std::optional<v1::Event> WaitEvent(const std::function<bool(const v1::Event&)>& pred,
                                     std::chrono::milliseconds deadline = kDeadline) {
    std::unique_lock lock(mu_);
    std::optional<v1::Event> out;
    cv_.wait_for(lock, deadline, [&] {
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (pred(*it)) {
          out = *it;
          events_.erase(it);
          return true;
        }
      }
      return false;
    });
    return out;
  }

  std::vector<v1::Event> TakeEvents() {
    std::lock_guard lock(mu_);
    std::vector<v1::Event> out(events_.begin(), events_.end());
    events_.clear();
    return out;
  }

  // Every frame received so far, responses and events, in the order they were sent.
  std::vector<v1::ServerFrame> Log() {
    std::lock_guard lock(mu_);
    return log_;
  }

  std::optional<CloseCode> WaitClosed(std::chrono::milliseconds deadline = kDeadline) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, deadline, [&] { return close_code_.has_value(); });
    return close_code_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::Response> responses_;       // guarded by mu_
  std::deque<v1::Event> events_;             // guarded by mu_
  std::vector<v1::ServerFrame> log_;         // guarded by mu_
  std::optional<CloseCode> close_code_;      // guarded by mu_
  bool holding_ = false;                     // guarded by mu_
  std::vector<bool> authenticated_;          // guarded by mu_
  std::vector<std::function<void()>> held_;  // guarded by mu_
};

// One app connection to the service.
class TestApp {
 public:
  TestApp(Service& service, std::string address = "192.0.2.10:40000",
          std::string user_agent = "test")
      : sink_(std::make_shared<RecordingSink>()),
        connection_(service.Accept(sink_, PeerInfo{std::move(address), std::move(user_agent)})) {}
  ~TestApp() { connection_->OnClosed(); }

  v1::Response Call(v1::ClientFrame frame) {
    const uint64_t id = ++next_id_;
    frame.set_request_id(id);
    connection_->OnFrame(frame.SerializeAsString());
    return sink_->WaitResponse(id);
  }
  void SendBytes(std::string_view bytes) { connection_->OnFrame(bytes); }
  // Sends `frame` without waiting; returns its request_id for sink().WaitResponse().
  uint64_t Send(v1::ClientFrame frame) {
    const uint64_t id = ++next_id_;
    frame.set_request_id(id);
    connection_->OnFrame(frame.SerializeAsString());
    return id;
  }

  RecordingSink& sink() { return *sink_; }

  // Messages delivered by MessagePosted events for `thread_id`, waiting until `count` arrived.
  std::vector<v1::Message> WaitMessages(uint64_t thread_id, size_t count) {
    std::vector<v1::Message> out;
    while (out.size() < count) {
      auto e = sink_->WaitEvent([&](const v1::Event& e) {
        return e.has_message_posted() && e.message_posted().message().thread_id() == thread_id;
      });
      if (!e) break;
      out.push_back(e->message_posted().message());
    }
    return out;
  }

 private:
  std::shared_ptr<RecordingSink> sink_;
  std::shared_ptr<Connection> connection_;
  uint64_t next_id_ = 0;
};

}  // namespace kring::service::testing
