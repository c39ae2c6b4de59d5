#include "bench/peer.h"

#include <algorithm>
#include <utility>

namespace kring::bench {

void Failure::Set(std::string what) {
  std::lock_guard lock(mu_);
  if (!failed_.load(std::memory_order_relaxed)) what_ = std::move(what);
  failed_.store(true, std::memory_order_release);
}

std::string Failure::what() const {
  std::lock_guard lock(mu_);
  return what_;
}

void Countdown::Done() {
  std::lock_guard lock(mu_);
  if (left_ > 0 && --left_ == 0) cv_.notify_all();
}

bool Countdown::Wait(std::chrono::steady_clock::time_point deadline, const Failure& failure) {
  std::unique_lock lock(mu_);
  while (left_ > 0) {
    if (failure.failed() || std::chrono::steady_clock::now() >= deadline) return false;
    auto step =
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    cv_.wait_until(lock, step, [&] { return left_ == 0; });
  }
  return true;
}

std::string ResponseError(const v1::Response& response) {
  if (!response.has_error()) return "";
  return v1::Error::Code_Name(response.error().code()) + " " + response.error().detail();
}

Peer::Peer(size_t index, IoThreads& io, int thread, TlsClient& tls, Failure& failure)
    : index_(index), failure_(failure), conn_(io, thread, tls, this) {}

void Peer::Connect(const Endpoint& endpoint, std::function<void(const std::string&)> done) {
  conn_.Connect(endpoint, std::move(done));
}

void Peer::Call(v1::ClientFrame frame, Reply reply) {
  const uint64_t id = next_request_id_++;
  frame.set_request_id(id);
  calls_.emplace(id, std::move(reply));
  conn_.Send(frame.SerializeAsString());
}

struct Peer::PipelineState {
  size_t count;
  size_t window;
  size_t next = 0;
  size_t answered = 0;
  std::function<v1::ClientFrame(size_t)> make;
  std::function<void(size_t, const v1::Response&)> reply;
  std::function<void()> done;
};

void Peer::Pipeline(size_t count, size_t window, std::function<v1::ClientFrame(size_t)> make,
                    std::function<void(size_t, const v1::Response&)> reply,
                    std::function<void()> done) {
  auto state = std::make_shared<PipelineState>(PipelineState{count, std::max<size_t>(window, 1), 0,
                                                             0, std::move(make), std::move(reply),
                                                             std::move(done)});
  if (count == 0) return state->done();
  for (size_t i = 0; i < state->window && state->next < count; ++i) PipelineNext(state);
}

void Peer::PipelineNext(std::shared_ptr<PipelineState> state) {
  const size_t i = state->next++;
  Call(state->make(i), [this, state, i](const v1::Response& response) {
    state->reply(i, response);
    if (++state->answered == state->count) return state->done();
    if (state->next < state->count) PipelineNext(state);
  });
}

void Peer::Close(std::function<void()> closed) {
  closing_ = true;
  if (ended_) return closed();
  on_closed_ = std::move(closed);
  conn_.Close();
}

void Peer::OnFrame(std::string_view message) {
  if (!wire::ForEachServerFrame(message,
                                [this](std::string_view frame) { OnServerFrame(frame); })) {
    failure_.Set("peer " + std::to_string(index_) + ": undecodable ServerFrameBatch");
  }
}

void Peer::OnServerFrame(std::string_view frame) {
  if (!wire::ReadHotFrame(frame, &hot_)) {
    return failure_.Set("peer " + std::to_string(index_) + ": undecodable ServerFrame");
  }
  switch (hot_.kind) {
    case wire::HotFrame::Kind::kMessagePosted:
      if (listener_ != nullptr) listener_->OnMessagePosted(*this, hot_);
      return;
    case wire::HotFrame::Kind::kResponse: {
      if (hot_.request_id >= kHotRequestIdBase) {
        if (listener_ != nullptr) listener_->OnResponse(*this, hot_);
        return;
      }
      auto it = calls_.find(hot_.request_id);
      if (it == calls_.end()) {
        return failure_.Set("peer " + std::to_string(index_) + ": a response to request " +
                            std::to_string(hot_.request_id) + ", which it never sent");
      }
      Reply reply = std::move(it->second);
      calls_.erase(it);
      v1::ServerFrame parsed;
      if (!parsed.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
        return failure_.Set("peer " + std::to_string(index_) + ": unparsable Response");
      }
      return reply(parsed.response());
    }
    case wire::HotFrame::Kind::kOther:
      return;  // membership and consent events of the setup
  }
}

void Peer::OnClosed(const std::string& why) {
  ended_ = true;
  if (!closing_) {
    failure_.Set("peer " + std::to_string(index_) +
                 ": connection ended: " + (why.empty() ? std::string("closed") : why));
  }
  if (on_closed_) std::exchange(on_closed_, nullptr)();
}

}  // namespace kring::bench
