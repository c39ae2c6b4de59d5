#include "kring/connection.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "client-sdk/src/frame_channel.h"

namespace kring::sdk {
namespace {

using PendingCall = std::promise<Result<v1::Response>>;

std::string CloseDetail(const CloseInfo& info) {
  std::string s = "connection closed (" + std::to_string(info.code);
  if (!info.reason.empty()) s += ": " + info.reason;
  return s + ")";
}

}  // namespace

class Connection::Impl : public FrameSink {
 public:
  explicit Impl(ConnectOptions options) : options_(std::move(options)) {}

  // Destroying the channel joins its io thread, so no sink call outlives this object.
  ~Impl() override {
    Close();
    channel_.reset();
  }

  std::optional<Error> Open() {
    auto channel = FrameChannel::Open(options_, this);
    if (!channel.ok()) return channel.error();
    channel_ = std::move(*channel);
    return std::nullopt;
  }

  Result<v1::Response> Call(v1::ClientFrame frame) {
    const uint64_t id = next_request_id_.fetch_add(1);
    frame.set_request_id(id);
    std::string bytes = frame.SerializeAsString();
    // kringd answers a frame it cannot decode with request_id 0, which no Call could match; such
    // a frame (a proto3 string that is not UTF-8) is refused here instead of timing out.
    if (v1::ClientFrame decoded; !decoded.ParseFromString(bytes)) {
      return Error{v1::Error::INVALID_ARGUMENT,
                   "the request does not encode as a valid ClientFrame (a text field that is not "
                   "valid UTF-8?); not sent",
                   0, false};
    }
    if (bytes.size() > options_.max_request_bytes) {
      return Error{v1::Error::INVALID_ARGUMENT,
                   "the request is " + std::to_string(bytes.size()) +
                       " bytes; the server takes at most " +
                       std::to_string(options_.max_request_bytes) + " bytes a request; not sent",
                   0, false};
    }
    auto call = std::make_shared<PendingCall>();
    std::future<Result<v1::Response>> answer = call->get_future();
    {
      std::lock_guard lock(mu_);
      if (closed_) return Error::Transport(CloseDetail(*closed_));
      pending_.emplace(id, call);
    }
    channel_->SendBinary(std::move(bytes));
    if (answer.wait_for(options_.request_timeout) != std::future_status::ready) {
      {
        std::lock_guard lock(mu_);
        pending_.erase(id);
      }
      // The answer may have been set between the wait and the erase.
      if (answer.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return Error::Transport("no response within " +
                                std::to_string(options_.request_timeout.count()) + " ms");
      }
    }
    return answer.get();
  }

  void SetEventListener(std::shared_ptr<EventListener> listener) {
    std::lock_guard lock(mu_);
    listener_ = std::move(listener);
  }

  std::optional<v1::Event> NextEvent(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty() || closed_.has_value(); });
    if (events_.empty()) return std::nullopt;
    v1::Event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

  std::optional<CloseInfo> WaitClosed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return closed_.has_value(); });
    return closed_;
  }

  bool closed() {
    std::lock_guard lock(mu_);
    return closed_.has_value();
  }

  void Close() {
    if (channel_) channel_->Close(v1::CLOSE_CODE_NORMAL, {});
  }

  const ConnectOptions& options() const { return options_; }

  // FrameSink, on the io thread.
  void OnFrame(Frame frame) override {
    v1::ServerFrame server_frame;
    if (!frame.binary || !server_frame.ParseFromString(frame.bytes)) {
      // Nothing to attribute it to; the server never sends these.
      return;
    }
    if (server_frame.has_batch()) {
      // Several frames in one message, in order (kring.proto); batches are never nested.
      for (v1::ServerFrame& inner : *server_frame.mutable_batch()->mutable_frames()) {
        if (!inner.has_batch()) Dispatch(inner);
      }
      return;
    }
    Dispatch(server_frame);
  }

  void Dispatch(v1::ServerFrame& server_frame) {
    if (server_frame.has_response()) {
      std::shared_ptr<PendingCall> call;
      {
        std::lock_guard lock(mu_);
        auto it = pending_.find(server_frame.response().request_id());
        if (it == pending_.end()) return;  // timed out already, or request_id 0
        call = std::move(it->second);
        pending_.erase(it);
      }
      call->set_value(std::move(*server_frame.mutable_response()));
    } else if (server_frame.has_event()) {
      std::shared_ptr<EventListener> listener;
      {
        std::lock_guard lock(mu_);
        listener = listener_;
        if (!listener) {
          events_.push_back(std::move(*server_frame.mutable_event()));
          cv_.notify_all();
        }
      }
      if (listener) listener->OnEvent(server_frame.event());
    }
  }

  void OnClosed(const CloseInfo& info) override {
    std::unordered_map<uint64_t, std::shared_ptr<PendingCall>> pending;
    std::shared_ptr<EventListener> listener;
    {
      std::lock_guard lock(mu_);
      closed_ = info;
      pending.swap(pending_);
      listener = listener_;
      cv_.notify_all();
    }
    for (auto& [id, call] : pending) call->set_value(Error::Transport(CloseDetail(info)));
    if (listener) listener->OnClosed(info.code, info.reason);
  }

 private:
  const ConnectOptions options_;
  std::unique_ptr<FrameChannel> channel_;  // set once in Open
  std::atomic<uint64_t> next_request_id_{1};

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<uint64_t, std::shared_ptr<PendingCall>> pending_;  // guarded by mu_
  std::shared_ptr<EventListener> listener_;                             // guarded by mu_
  std::deque<v1::Event> events_;                                        // guarded by mu_
  std::optional<CloseInfo> closed_;                                     // guarded by mu_
};

Result<std::unique_ptr<Connection>> Connection::Open(ConnectOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto err = impl->Open()) return *std::move(err);
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

Result<v1::Response> Connection::Call(v1::ClientFrame frame) {
  return impl_->Call(std::move(frame));
}

void Connection::SetEventListener(std::shared_ptr<EventListener> listener) {
  impl_->SetEventListener(std::move(listener));
}
std::optional<v1::Event> Connection::NextEvent(std::chrono::milliseconds timeout) {
  return impl_->NextEvent(timeout);
}
std::optional<CloseInfo> Connection::WaitClosed(std::chrono::milliseconds timeout) {
  return impl_->WaitClosed(timeout);
}
bool Connection::closed() const { return impl_->closed(); }
void Connection::Close() { impl_->Close(); }
const ConnectOptions& Connection::options() const { return impl_->options(); }

}  // namespace kring::sdk
