#include "kring/session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace kring::sdk {

namespace {

std::string RandomMessageId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

}  // namespace

class Session::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(SessionOptions options, std::string token, std::shared_ptr<SessionListener> listener)
      : options_(std::move(options)),
        token_(std::move(token)),
        listener_(std::move(listener)),
        rng_(std::random_device{}()) {}

  // Takes over an authenticated connection (usable by Follow as soon as this returns) and starts
  // the session's thread.
  void Start(std::shared_ptr<Connection> first) {
    Adopt(first);
    thread_ = std::thread([self = shared_from_this(), first = std::move(first)]() mutable {
      self->Run(std::move(first));
    });
  }

  void Close() {
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      conn = conn_;
    }
    cv_.notify_all();
    if (conn) conn->Close();  // fails a PostMessage the session thread may be waiting on
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  const std::string& token() const { return token_; }

  Result<v1::ThreadSubscription> Follow(uint64_t network_id, uint64_t thread_id, uint64_t after_seq,
                                        std::optional<uint64_t> after_change) {
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      follows_[thread_id] =
          Followed{network_id, after_seq, after_change.value_or(0), after_change.has_value()};
      conn = connected_ ? conn_ : nullptr;
    }
    v1::ThreadSubscription pending;
    pending.set_thread_id(thread_id);
    if (!conn) return pending;
    v1::ThreadCursor cursor;
    cursor.set_thread_id(thread_id);
    cursor.set_after_seq(after_seq);
    auto result = conn->Subscribe(network_id, {cursor});
    if (!result.ok()) {
      if (result.error().transport) return pending;  // the next connection subscribes it
      EndFollow(thread_id);
      return result.error();
    }
    const v1::ThreadSubscription& state = result->threads(0);
    if (state.has_error()) {
      EndFollow(thread_id);
      return Error::FromProto(state.error());
    }
    NoteHidden(network_id, after_seq, state);
    // On a failure the change cursor stays: the next subscription catches up from it.
    (void)CatchUpChanges(*conn, network_id, thread_id);
    return state;
  }

  std::optional<uint64_t> change_cursor(uint64_t thread_id) const {
    std::lock_guard lock(mu_);
    auto it = follows_.find(thread_id);
    if (it == follows_.end() || !it->second.change_known) return std::nullopt;
    return it->second.change;
  }

  std::optional<uint64_t> cursor(uint64_t thread_id) const {
    std::lock_guard lock(mu_);
    auto it = follows_.find(thread_id);
    if (it == follows_.end()) return std::nullopt;
    return it->second.cursor;
  }

  std::string Send(uint64_t network_id, uint64_t thread_id, std::string text, std::string id) {
    if (id.empty()) id = RandomMessageId();
    OutboxEntry entry;
    entry.client_msg_id = id;
    entry.network_id = network_id;
    entry.thread_id = thread_id;
    entry.text = std::move(text);
    {
      std::lock_guard lock(mu_);
      outbox_.push_back(entry);
    }
    cv_.notify_all();
    listener_->OnSendStateChanged(entry);
    return id;
  }

  std::vector<OutboxEntry> outbox() const {
    std::lock_guard lock(mu_);
    return {outbox_.begin(), outbox_.end()};
  }

  bool WaitUntilSent(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return outbox_.empty(); });
  }

  bool connected() const {
    std::lock_guard lock(mu_);
    return connected_;
  }

  std::shared_ptr<Connection> connection() const {
    std::lock_guard lock(mu_);
    return connected_ ? conn_ : nullptr;
  }

  // From a connection's io thread.
  void HandleEvent(const v1::Event& event) {
    if (event.has_message_posted()) {
      const v1::Message& m = event.message_posted().message();
      {
        std::lock_guard lock(mu_);
        auto it = follows_.find(m.thread_id());
        if (it != follows_.end()) {
          // A resubscription replays from the cursor: what was delivered already is dropped.
          if (m.seq() <= it->second.cursor) return;
          it->second.cursor = m.seq();
        }
      }
      listener_->OnMessage(m);
      return;
    }
    if (event.has_message_changed()) {
      const v1::Message& m = event.message_changed().message();
      {
        std::lock_guard lock(mu_);
        auto it = follows_.find(m.thread_id());
        if (it != follows_.end()) it->second.change = std::max(it->second.change, m.change());
      }
      listener_->OnMessageChanged(m);
      return;
    }
    if (event.has_access_ended()) {
      const v1::AccessEnded& ended = event.access_ended();
      std::vector<uint64_t> threads;
      {
        std::lock_guard lock(mu_);
        for (const auto& [thread_id, f] : follows_) {
          bool listed = ended.thread_ids().empty() ||
                        std::find(ended.thread_ids().begin(), ended.thread_ids().end(),
                                  thread_id) != ended.thread_ids().end();
          if (f.network_id == ended.network_id() && listed) threads.push_back(thread_id);
        }
        for (uint64_t t : threads) follows_.erase(t);
      }
      Error why{v1::Error::PERMISSION_DENIED, ended.reason(), 0, false};
      for (uint64_t t : threads) listener_->OnFollowEnded(ended.network_id(), t, why);
    }
    if (event.has_session_ended()) {
      {
        std::lock_guard lock(mu_);
        ended_ = true;
      }
      cv_.notify_all();
      listener_->OnSessionEnded(event.session_ended().reason());
    }
    listener_->OnEvent(event);
  }

  // From a connection's io thread.
  void HandleClosed(uint64_t generation, const CloseInfo& why) {
    {
      std::lock_guard lock(mu_);
      if (generation != generation_) return;
      conn_closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  struct Followed {
    uint64_t network_id = 0;
    uint64_t cursor = 0;        // seq of the last message delivered
    uint64_t change = 0;        // change number of the last correction or retraction delivered
    bool change_known = false;  // false: start from the thread's newest change when subscribed
  };

  // After a subscribe was accepted: the corrections and retractions since the thread's change
  // cursor go to OnMessageChanged (live ones flow from the subscription meanwhile, so nothing
  // falls between). A cursor not known yet starts at the thread's newest change. False on a
  // failure (the cursor stays, and the next subscription catches up from it).
  bool CatchUpChanges(Connection& conn, uint64_t network_id, uint64_t thread_id) {
    uint64_t after = 0;
    bool known = false;
    {
      std::lock_guard lock(mu_);
      auto it = follows_.find(thread_id);
      if (it == follows_.end()) return true;
      after = it->second.change;
      known = it->second.change_known;
    }
    if (!known) {
      // A page past the end: no message, only the thread's newest change number.
      auto head = conn.FetchHistory(network_id, thread_id, UINT64_MAX, 1);
      if (!head.ok()) return false;
      std::lock_guard lock(mu_);
      auto it = follows_.find(thread_id);
      if (it != follows_.end()) {
        it->second.change = std::max(it->second.change, head->last_change());
        it->second.change_known = true;
      }
      return true;
    }
    for (;;) {
      auto page = conn.FetchMessageChanges(network_id, thread_id, after);
      if (!page.ok()) return false;
      for (const v1::Message& m : page->messages()) listener_->OnMessageChanged(m);
      {
        std::lock_guard lock(mu_);
        auto it = follows_.find(thread_id);
        if (it == follows_.end()) return true;
        it->second.change = std::max(it->second.change, page->through_change());
        it->second.change_known = true;
      }
      if (page->through_change() >= page->last_change() || page->through_change() <= after) {
        return true;
      }
      after = page->through_change();
    }
  }

  class Adapter final : public EventListener {
   public:
    Adapter(std::weak_ptr<Impl> impl, uint64_t generation)
        : impl_(std::move(impl)), generation_(generation) {}
    void OnEvent(const v1::Event& event) override {
      if (auto impl = impl_.lock()) impl->HandleEvent(event);
    }
    void OnClosed(uint16_t code, std::string reason) override {
      if (auto impl = impl_.lock()) impl->HandleClosed(generation_, CloseInfo{code, reason});
    }

   private:
    std::weak_ptr<Impl> impl_;
    const uint64_t generation_;
  };

  // After a subscribe from `after_seq` was accepted: when kringd reports messages beyond the
  // cursor as not visible to this person, the cursor moves past them (so a resubscription asks
  // only for what can be delivered) and the app hears of it once. Only ever moves the cursor
  // forward: the io thread may already have delivered messages after the hidden ones.
  void NoteHidden(uint64_t network_id, uint64_t after_seq, const v1::ThreadSubscription& state) {
    const uint64_t hidden = state.hidden_through_seq();
    if (hidden <= after_seq) return;
    {
      std::lock_guard lock(mu_);
      auto it = follows_.find(state.thread_id());
      if (it == follows_.end() || it->second.network_id != network_id) return;  // ended since
      it->second.cursor = std::max(it->second.cursor, hidden);
    }
    listener_->OnHidden(network_id, state.thread_id(), hidden);
  }

  void EndFollow(uint64_t thread_id) {
    std::lock_guard lock(mu_);
    follows_.erase(thread_id);
  }

  bool Stopped() const {
    std::lock_guard lock(mu_);
    return stopping_ || ended_;
  }

  // Waits a jittered backoff (or until Close), then doubles it.
  void Backoff(std::chrono::milliseconds& backoff) {
    std::uniform_int_distribution<int64_t> draw(backoff.count() / 2, backoff.count());
    std::chrono::milliseconds wait(draw(rng_));
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return stopping_; });
    backoff = std::min(backoff * 2, options_.max_backoff);
  }

  // A new authenticated connection, or nullptr (with `fatal` set if retrying is pointless).
  std::shared_ptr<Connection> Reconnect(bool* fatal) {
    auto opened = Connection::Open(options_.connect);
    if (!opened.ok()) return nullptr;
    std::shared_ptr<Connection> conn(std::move(*opened));
    auto resumed = conn->ResumeSession(token_);
    if (resumed.ok()) return conn;
    if (!resumed.error().transport && resumed.error().code == v1::Error::UNAUTHENTICATED) {
      *fatal = true;
      listener_->OnSessionEnded(resumed.error().detail);
    }
    conn->Close();
    return nullptr;
  }

  // Subscribes every followed thread from its cursor. False on a transport failure.
  bool Refollow(Connection& conn) {
    std::map<uint64_t, std::vector<v1::ThreadCursor>> by_network;
    {
      std::lock_guard lock(mu_);
      for (const auto& [thread_id, f] : follows_) {
        v1::ThreadCursor cursor;
        cursor.set_thread_id(thread_id);
        cursor.set_after_seq(f.cursor);
        by_network[f.network_id].push_back(cursor);
      }
    }
    for (const auto& [network_id, cursors] : by_network) {
      auto result = conn.Subscribe(network_id, cursors);
      if (!result.ok() && result.error().transport) return false;
      std::vector<std::pair<uint64_t, Error>> refused;
      if (!result.ok()) {
        for (const auto& c : cursors) refused.emplace_back(c.thread_id(), result.error());
      } else {
        for (const auto& t : result->threads()) {
          if (t.has_error()) {
            refused.emplace_back(t.thread_id(), Error::FromProto(t.error()));
            continue;
          }
          auto sent = std::find_if(cursors.begin(), cursors.end(),
                                   [&](const auto& c) { return c.thread_id() == t.thread_id(); });
          if (sent != cursors.end()) NoteHidden(network_id, sent->after_seq(), t);
          if (!CatchUpChanges(conn, network_id, t.thread_id()) && conn.closed()) return false;
        }
      }
      for (const auto& [thread_id, why] : refused) {
        EndFollow(thread_id);
        listener_->OnFollowEnded(network_id, thread_id, why);
      }
    }
    return true;
  }

  // Sends the outbox, one entry at a time in order, until the connection ends or Close.
  void ServeOutbox(Connection& conn) {
    for (;;) {
      OutboxEntry entry;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] {
          return stopping_ || ended_ || conn_closed_ ||
                 (!outbox_.empty() && outbox_.front().state == SendState::kQueued);
        });
        if (stopping_ || ended_ || conn_closed_) return;
        outbox_.front().state = SendState::kInFlight;
        ++outbox_.front().attempts;
        entry = outbox_.front();
      }
      listener_->OnSendStateChanged(entry);
      auto posted =
          conn.PostMessage(entry.network_id, entry.thread_id, entry.client_msg_id, entry.text);
      if (posted.ok()) {
        entry.state = SendState::kAcknowledged;
        entry.seq = posted->seq();
      } else if (!posted.error().transport) {
        entry.state = SendState::kFailed;
        entry.error = posted.error();
      } else {
        entry.state = SendState::kQueued;  // sent again, with the same id, when connected
      }
      {
        std::lock_guard lock(mu_);
        if (entry.state == SendState::kQueued) {
          outbox_.front().state = SendState::kQueued;
        } else {
          outbox_.pop_front();
        }
      }
      cv_.notify_all();
      listener_->OnSendStateChanged(entry);
      if (entry.state == SendState::kQueued) return;  // let the caller check the connection
    }
  }

  // Makes `conn` the session's connection and routes its events here.
  void Adopt(const std::shared_ptr<Connection>& conn) {
    uint64_t generation;
    {
      std::lock_guard lock(mu_);
      generation = ++generation_;
      conn_ = conn;
      conn_closed_ = false;
      // Before Refollow: a Follow() from now on subscribes on this connection itself, so none
      // falls between Refollow's snapshot and this point (a double subscribe only replays what
      // the cursor drops).
      connected_ = true;
    }
    conn->SetEventListener(std::make_shared<Adapter>(weak_from_this(), generation));
    if (conn->closed()) {
      HandleClosed(generation, CloseInfo{v1::CLOSE_CODE_ABNORMAL, "closed while starting"});
    }
  }

  // The session's thread: `conn` was adopted by Start.
  void Run(std::shared_ptr<Connection> conn) {
    std::chrono::milliseconds backoff = options_.initial_backoff;
    bool adopted = true;
    while (!Stopped()) {
      if (!conn) {
        bool fatal = false;
        conn = Reconnect(&fatal);
        if (fatal) break;
        if (!conn) {
          Backoff(backoff);
          continue;
        }
      }
      if (!adopted) Adopt(conn);
      adopted = false;
      if (Refollow(*conn)) {
        backoff = options_.initial_backoff;
        listener_->OnConnected();
        while (!Stopped() && !conn->closed()) ServeOutbox(*conn);
      }
      {
        std::lock_guard lock(mu_);
        connected_ = false;
        conn_.reset();
      }
      conn->Close();
      CloseInfo why = conn->WaitClosed(std::chrono::milliseconds(0))
                          .value_or(CloseInfo{v1::CLOSE_CODE_ABNORMAL, ""});
      conn.reset();
      if (Stopped()) break;
      listener_->OnDisconnected(why);
      if (why.code == v1::CLOSE_CODE_SESSION_ENDED) break;  // the token no longer works
      Backoff(backoff);
    }
    std::lock_guard lock(mu_);
    connected_ = false;
  }

  const SessionOptions options_;
  const std::string token_;
  const std::shared_ptr<SessionListener> listener_;
  std::mt19937_64 rng_;  // used on the session thread only
  std::thread thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  // All guarded by mu_.
  std::shared_ptr<Connection> conn_;
  uint64_t generation_ = 0;  // of conn_: close notices of older connections are ignored
  bool conn_closed_ = false;
  bool connected_ = false;
  bool stopping_ = false;
  bool ended_ = false;
  std::map<uint64_t, Followed> follows_;  // by thread id
  std::deque<OutboxEntry> outbox_;        // front is next (or in flight)
};

Session::Session(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() { Close(); }

Result<std::unique_ptr<Session>> Session::LogIn(SessionOptions options, const std::string& handle,
                                                const std::string& password,
                                                std::shared_ptr<SessionListener> listener) {
  auto opened = Connection::Open(options.connect);
  if (!opened.ok()) return opened.error();
  std::shared_ptr<Connection> conn(std::move(*opened));
  auto login = conn->Login(handle, password);
  if (!login.ok()) return login.error();
  auto impl = std::make_shared<Impl>(std::move(options), login->token(), std::move(listener));
  impl->Start(std::move(conn));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Result<std::unique_ptr<Session>> Session::Resume(SessionOptions options, const std::string& token,
                                                 std::shared_ptr<SessionListener> listener) {
  auto opened = Connection::Open(options.connect);
  if (!opened.ok()) return opened.error();
  std::shared_ptr<Connection> conn(std::move(*opened));
  auto resumed = conn->ResumeSession(token);
  if (!resumed.ok()) return resumed.error();
  auto impl = std::make_shared<Impl>(std::move(options), token, std::move(listener));
  impl->Start(std::move(conn));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

const std::string& Session::token() const { return impl_->token(); }
Result<v1::ThreadSubscription> Session::Follow(uint64_t network_id, uint64_t thread_id,
                                               uint64_t after_seq,
                                               std::optional<uint64_t> after_change) {
  return impl_->Follow(network_id, thread_id, after_seq, after_change);
}
std::optional<uint64_t> Session::change_cursor(uint64_t thread_id) const {
  return impl_->change_cursor(thread_id);
}
std::optional<uint64_t> Session::cursor(uint64_t thread_id) const {
  return impl_->cursor(thread_id);
}
std::string Session::Send(uint64_t network_id, uint64_t thread_id, std::string text,
                          std::string client_msg_id) {
  return impl_->Send(network_id, thread_id, std::move(text), std::move(client_msg_id));
}
std::vector<OutboxEntry> Session::outbox() const { return impl_->outbox(); }
bool Session::WaitUntilSent(std::chrono::milliseconds timeout) const {
  return impl_->WaitUntilSent(timeout);
}
bool Session::connected() const { return impl_->connected(); }
std::shared_ptr<Connection> Session::connection() const { return impl_->connection(); }
void Session::Close() { impl_->Close(); }

}  // namespace kring::sdk
