// A logged-in presence that survives the network: what an app holds while the person is signed in.
//
// A Session keeps one Connection to kringd and replaces it when it breaks: it reconnects with
// exponential backoff and jitter, resumes the session token, and subscribes every followed thread
// again from the last message it delivered. So the app sees each message of a followed thread
// exactly once and in order, across reconnects and server restarts. Messages sent through Send()
// wait in an outbox while offline and are sent (again) with the same client message id until
// kringd acknowledges or refuses them: none is lost and none is stored twice.
//
//   auto session = kring::sdk::Session::LogIn(options, "jo", password, listener);
//   (*session)->Follow(network_id, thread_id, /*after_seq=*/last_seen);
//   std::string id = (*session)->Send(network_id, thread_id, "Tot morgen!");
//
// Thread-safety: every method may be called from any thread. Listener callbacks come from SDK
// threads (the connection's io thread for messages and events, the session's own thread for
// connection and send states), never while an SDK lock is held; they must not block for long and
// must not destroy the Session.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kring/connection.h"
#include "kring/result.h"
#include "kring/v1/kring.pb.h"

namespace kring::sdk {

struct SessionOptions {
  ConnectOptions connect;
  // The first wait after a failed connection attempt; it doubles up to max_backoff. Each wait is
  // drawn at random from [backoff / 2, backoff] so that many apps do not reconnect in lockstep.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{30'000};
};

enum class SendState {
  kQueued,        // waiting for a connection (or to be sent again after one broke)
  kInFlight,      // sent, no answer yet
  kAcknowledged,  // durable on the server: `seq` is set
  kFailed,        // refused by the server (e.g. PERMISSION_DENIED): `error` is set; not retried
};

struct OutboxEntry {
  std::string client_msg_id;
  uint64_t network_id = 0;
  uint64_t thread_id = 0;
  std::string text;
  SendState state = SendState::kQueued;
  uint64_t seq = 0;
  std::optional<Error> error;
  uint32_t attempts = 0;
};

class SessionListener {
 public:
  virtual ~SessionListener() = default;
  // Each message of a followed thread, exactly once, in seq order per thread.
  virtual void OnMessage(const v1::Message& message) = 0;
  // Every other event kringd pushes (membership, read markers, threads, consent changes, access
  // ended, ...). An AccessEnded event comes here after the follows it ended were reported
  // through OnFollowEnded.
  virtual void OnEvent(const v1::Event& event) {}
  // Messages 1..through_seq of a followed thread exist but are not visible to this person: they
  // were posted before the thread came into their consent's scope, which did not include history
  // (docs/consent.md). Called when a subscribe (by Follow, or again after a reconnect) reports
  // hidden messages beyond the thread's cursor; the cursor then moves to through_seq, so it is
  // reported once per follow. Called on the thread that subscribed (Follow's caller, or the
  // session's thread after a reconnect), so it may come before or after OnMessage of the first
  // visible messages. The Session only delivers forward: if a later grant makes history visible,
  // fetch it with Connection::FetchHistory.
  virtual void OnHidden(uint64_t network_id, uint64_t thread_id, uint64_t through_seq) {}
  // A message of a followed thread was corrected or retracted (message.retracted says which):
  // the message as it is now. Live, and after a reconnect for the changes made while the
  // Session was away (docs/protocol.md, "Corrections and retractions"). It may come before the
  // OnMessage of the same seq (which may then carry an older version), or twice: of two copies
  // of a message, keep the higher version. MessageChanged events come here, not to OnEvent.
  virtual void OnMessageChanged(const v1::Message& message) {}
  virtual void OnConnected() {}
  virtual void OnDisconnected(const CloseInfo& why) {}
  virtual void OnSendStateChanged(const OutboxEntry& entry) {}
  // A followed thread can no longer be followed, and the Session has stopped following it: it is
  // not subscribed again after a reconnect. Either an AccessEnded event named it (its thread
  // ids, or the whole network when it lists none: a withdrawal, removal, narrowed scope, ended
  // consent or representation; `why` is PERMISSION_DENIED with the event's reason), or kringd
  // refused it when subscribing. To follow it again (after a new grant), call Follow.
  virtual void OnFollowEnded(uint64_t network_id, uint64_t thread_id, const Error& why) {}
  // The session is over (logout, expiry, account disabled): the Session stops reconnecting.
  virtual void OnSessionEnded(const std::string& reason) {}
};

class Session {
 public:
  // Connects and logs in; blocks until the first connection is up, or fails with its error.
  static Result<std::unique_ptr<Session>> LogIn(SessionOptions options, const std::string& handle,
                                                const std::string& password,
                                                std::shared_ptr<SessionListener> listener);
  // Connects and resumes an existing session token (e.g. kept from an earlier LogIn).
  static Result<std::unique_ptr<Session>> Resume(SessionOptions options, const std::string& token,
                                                 std::shared_ptr<SessionListener> listener);
  ~Session();  // Close()

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The session token: keep it to Resume later.
  const std::string& token() const;

  // Follows a thread: its messages after `after_seq` go to OnMessage, now and after every
  // reconnect, until Close or until access to it ends (OnFollowEnded). When connected, kringd's
  // answer is returned (a refusal ends the follow); when offline, the follow starts with the
  // next connection and the result's last_seq is 0. When the answer's hidden_through_seq is
  // beyond after_seq, the cursor moves past the hidden messages and OnHidden is called before
  // this returns.
  // Corrections and retractions: with `after_change` (a change number the app kept, e.g.
  // FetchHistoryResult.last_change), the messages changed since then go to OnMessageChanged once
  // subscribed; without it, only changes from now on. Either way the Session then keeps the
  // thread's change cursor and catches up on it after every reconnect.
  Result<v1::ThreadSubscription> Follow(uint64_t network_id, uint64_t thread_id, uint64_t after_seq,
                                        std::optional<uint64_t> after_change = std::nullopt);
  // The change number of the last correction or retraction delivered for a followed thread.
  std::optional<uint64_t> change_cursor(uint64_t thread_id) const;
  // The seq of the last message delivered for a followed thread.
  std::optional<uint64_t> cursor(uint64_t thread_id) const;

  // Queues a message and returns its client message id (`client_msg_id`, or a random one). Never
  // blocks on the network; progress is reported through OnSendStateChanged and outbox().
  std::string Send(uint64_t network_id, uint64_t thread_id, std::string text,
                   std::string client_msg_id = {});
  // Entries not yet acknowledged or failed, in sending order.
  std::vector<OutboxEntry> outbox() const;
  // Waits until the outbox is empty; false if `timeout` passed first.
  bool WaitUntilSent(std::chrono::milliseconds timeout) const;

  bool connected() const;
  // The current connection, for requests the Session does not wrap; null while reconnecting.
  std::shared_ptr<Connection> connection() const;

  // Stops reconnecting and closes the connection. Queued sends stay unsent. Blocks. Idempotent.
  void Close();

 private:
  class Impl;
  explicit Session(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace kring::sdk
