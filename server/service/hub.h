// Who is connected, who is subscribed to what, and fan-out of events to them. No I/O: frames
// go to EventTargets (connections), which queue them on their transport.
//
// Delivery guarantee per subscription: every message with seq > the subscriber's cursor, each
// exactly once, in seq order. A Subscription starts "catching up": the service reads the
// backlog from the store and hands it over with DeliverBacklog(); live messages offered
// meanwhile are not sent but remembered (max_offered), so when the backlog read reaches the end
// of the store the subscription either switches to live or reads again. Since the writer offers
// a message only after it is durable, every offered message is in the store by then.
//
// Revocation: EndAccess / EndSession / EndAccount cancel subscriptions under the same locks
// that delivery takes, so once they return no further frame of that scope is sent. A
// subscription also carries the end of the consent that allowed it (access_until_ms): once the
// clock passes it, the subscription cancels itself before the next delivery and sends its
// AccessEnded frame instead, without any background job.
//
// Thread-safety: all methods are thread-safe. Publish* and End* are called by the writer
// thread in commit order; Subscribe/DeliverBacklog by connection threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/core/clock.h"

namespace kring::service {

using Frame = std::shared_ptr<const std::string>;

// A connection as the hub sees it. Implemented by the service's connection.
class EventTarget {
 public:
  virtual ~EventTarget() = default;
  // Queues an encoded ServerFrame. Never blocks.
  virtual void SendFrame(Frame frame) = 0;
  // The session is over: tell the app why and close the connection. Never blocks.
  virtual void EndSession(std::string_view reason) = 0;
  // The server cannot serve the connection now (its backlog read was refused): close it with
  // 1013 so that the app reconnects and resumes; the session stays valid. Never blocks.
  virtual void TryAgainLater(std::string_view reason) = 0;
  // See ConnectionSink::WhenQueuedBelow.
  virtual void WhenQueuedBelow(size_t bytes, std::function<void()> ready) = 0;
};

// How long a subscription's access lasts: until until_ms (0: no end of its own); `ended`
// (an AccessEnded frame) is sent when it passes.
struct SubscriptionAccess {
  int64_t until_ms = 0;
  Frame ended;
  // Called once when the subscription ends (cancelled, replaced, expired, connection gone),
  // with the first seq it was to deliver and the last it delivered (first - 1: none). Not under
  // the subscription's lock; possibly under the hub's: it must not call into the hub.
  std::function<void(uint64_t first_seq, uint64_t last_seq)> on_end;
};

class Subscription {
 public:
  using Access = SubscriptionAccess;

  Subscription(std::weak_ptr<EventTarget> target, uint64_t network_id, uint64_t thread_id,
               uint64_t account_id, uint64_t after_seq, int64_t session_expires_ms,
               Access access = {});

  uint64_t network_id() const { return network_id_; }
  uint64_t thread_id() const { return thread_id_; }
  uint64_t account_id() const { return account_id_; }
  int64_t session_expires_ms() const { return session_expires_ms_; }
  std::shared_ptr<EventTarget> target() const { return target_.lock(); }
  // Identifies the connection in the hub's maps; never dereferenced.
  const EventTarget* owner() const { return owner_; }

  // The next seq the subscriber needs (for the backlog reader).
  uint64_t next_seq() const;
  bool cancelled() const;

  enum class Backlog { kCaughtUp, kReadMore, kCancelled };
  // Sends the frames of `messages` (ascending seq, read from the store) that the subscriber
  // still needs. `store_exhausted`: the read returned fewer than it asked for. Returns kCaughtUp
  // once live delivery has taken over, kReadMore if the caller must read from next_seq() again.
  Backlog DeliverBacklog(const std::vector<std::pair<uint64_t, Frame>>& messages,
                         bool store_exhausted, int64_t now_ms);

  // From the writer, in seq order. Returns false if the subscriber fell behind a gap and needs
  // a backlog read (cannot happen while offers arrive in commit order; handled all the same).
  bool Offer(uint64_t seq, const Frame& frame);

  void Cancel();

  // If the access ended by now_ms: cancels, sends the access_ended frame, and returns true
  // (once; later calls return false).
  bool ExpireIfDue(int64_t now_ms);
  void SetAccessUntil(int64_t until_ms);

 private:
  // Marks the subscription ended; returns the on_end call to make once mu_ is released.
  std::function<void()> EndLocked();
  bool ExpireIfDueLocked(int64_t now_ms, EventTarget& target, std::function<void()>& ended);

  const std::weak_ptr<EventTarget> target_;
  const EventTarget* const owner_;
  const uint64_t network_id_, thread_id_, account_id_;
  const int64_t session_expires_ms_;
  const uint64_t first_seq_;
  mutable std::mutex mu_;
  uint64_t next_seq_;         // guarded by mu_
  uint64_t max_offered_ = 0;  // guarded by mu_
  bool catching_up_ = true;   // guarded by mu_
  bool cancelled_ = false;    // guarded by mu_
  Access access_;             // guarded by mu_
};

class Hub {
 public:
  explicit Hub(const Clock& clock) : clock_(clock) {}

  // Registers an authenticated connection. Re-attaching replaces the earlier registration.
  void Attach(const std::shared_ptr<EventTarget>& target, uint64_t account_id,
              std::string session_key, int64_t session_expires_ms);
  // Forgets the connection and cancels its subscriptions.
  void Detach(EventTarget* target);

  // Replaces any earlier subscription of this connection to the thread. The caller then reads
  // the backlog and feeds it to the returned Subscription. Null if the target is not attached.
  std::shared_ptr<Subscription> Subscribe(const std::shared_ptr<EventTarget>& target,
                                          uint64_t network_id, uint64_t thread_id,
                                          uint64_t after_seq, SubscriptionAccess access = {});
  // thread_id 0: every thread of the network.
  void Unsubscribe(EventTarget* target, uint64_t network_id, uint64_t thread_id);

  // A durable message. Returns the subscriptions that hit a gap (normally none).
  std::vector<std::shared_ptr<Subscription>> PublishMessage(uint64_t thread_id, uint64_t seq,
                                                            const Frame& frame);
  // To every connection with access in force to some thread of the network, and every
  // connection of `accounts`; each connection at most once.
  void PublishToNetwork(uint64_t network_id, const std::vector<uint64_t>& accounts,
                        const Frame& frame);
  // To every connection subscribed to the thread (access in force), and every connection of
  // `accounts`; each connection at most once.
  void PublishToThread(uint64_t network_id, uint64_t thread_id,
                       const std::vector<uint64_t>& accounts, const Frame& frame);
  void PublishToAccount(uint64_t account_id, const Frame& frame);
  // To every connection subscribed to the thread (access in force) whose account is one of
  // `readers`, each at most once: a correction or retraction, told only to those who may read
  // that message (issue 15, item 3).
  void PublishToThreadReaders(uint64_t network_id, uint64_t thread_id,
                              const std::vector<uint64_t>& readers, const Frame& frame);

  // The account lost access to the network (thread_ids empty) or to those threads of it:
  // cancels its subscriptions there, then sends `frame` (AccessEnded) to each of its
  // connections.
  void EndAccess(uint64_t network_id, uint64_t account_id, const std::vector<uint64_t>& thread_ids,
                 const Frame& frame);
  // The account's consent in the network now ends at until_ms (0: not by itself): applies to its
  // running subscriptions there.
  void SetAccessUntil(uint64_t network_id, uint64_t account_id, int64_t until_ms);
  // Every connection of the session / account: subscriptions cancelled, EndSession(reason).
  // EndAccount leaves the connections of the session `keep_session` (if given) as they are.
  void EndSession(const std::string& session_key, std::string_view reason);
  void EndAccount(uint64_t account_id, std::string_view reason, std::string_view keep_session = {});

  size_t connection_count() const;

 private:
  struct Attached {
    std::weak_ptr<EventTarget> target;
    uint64_t account_id = 0;
    std::string session_key;
    int64_t session_expires_ms = 0;
    std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<Subscription>> subs;  // (net, thread)
  };

  void RemoveSubscriptionLocked(const std::shared_ptr<Subscription>& sub);
  // Removes a subscription that cancelled itself from every map.
  void DropLocked(const std::shared_ptr<Subscription>& sub);
  // Targets subscribed in the network (thread_id 0: any thread) whose access is in force.
  void CollectSubscribedLocked(uint64_t network_id, uint64_t thread_id, int64_t now_ms,
                               std::set<EventTarget*>& out);
  void SendToLocked(const std::set<EventTarget*>& raw,
                    std::vector<std::shared_ptr<EventTarget>>& out);
  void CancelAllLocked(Attached& attached);
  // Detaches and returns the targets matching `pred`, with their subscriptions cancelled.
  template <typename Pred>
  std::vector<std::shared_ptr<EventTarget>> DetachWhereLocked(Pred pred);

  const Clock& clock_;
  mutable std::mutex mu_;
  // All guarded by mu_.
  std::unordered_map<EventTarget*, Attached> attached_;
  std::unordered_map<uint64_t, std::set<EventTarget*>> by_account_;
  std::unordered_map<uint64_t, std::vector<std::shared_ptr<Subscription>>> by_thread_;
  std::unordered_map<uint64_t, std::map<const EventTarget*, size_t>>
      by_network_;  // subs per target
};

}  // namespace kring::service
