// One app connection, as the service sees it: decodes frames, keeps the connection's session,
// dispatches each request to its action (actions.h) and replies; receives events from the Hub.
// Internal to server/service.
//
// Dispatch looks the request up in the action table, opens its access-log record from the row,
// and hands both to the action in a RequestContext (request_context.h), which stages the record
// on every way the request ends: each request of a connection leaves one record, whatever the
// outcome (docs/audit.md says which refusals are not recorded, and why).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"
#include "server/core/request_rate.h"
#include "server/service/access_cache.h"
#include "server/service/audit_draft.h"
#include "server/service/connection.h"
#include "server/service/hub.h"
#include "server/service/service_impl.h"
#include "server/storage/transaction.h"

namespace kring::service {

// The session a connection is logged in with.
struct SessionAuth {
  uint64_t account_id = 0;  // 0: not authenticated
  std::string session_key;  // SHA-256 of the token
  int64_t expires_ms = 0;
};

class ConnectionImpl final : public Connection,
                             public EventTarget,
                             public std::enable_shared_from_this<ConnectionImpl> {
 public:
  ConnectionImpl(ServiceImpl& service, std::shared_ptr<ConnectionSink> sink, PeerInfo peer);

  void OnFrame(std::string_view bytes) override;
  void OnClosed() override;

  // Before the first frame: logs the connection in with `token` as ResumeSession would, with its
  // access-log record, but without a response (cookie_session.cc). An invalid token leaves it
  // logged out. `settled` is called once: true when nothing is left to record or the record is
  // durable, false when the record of a resumed session could not be written (the session then
  // ends right after).
  void StartResumed(const std::string& token, std::function<void(bool recorded)> settled);

  void SendFrame(Frame frame) override;
  void EndSession(std::string_view reason) override;
  void TryAgainLater(std::string_view reason) override;
  void WhenQueuedBelow(size_t bytes, std::function<void()> ready) override;

 public:  // for the actions, through their RequestContext
  ServiceImpl& service() const { return service_; }
  const PeerInfo& peer() const { return peer_; }

  SessionAuth auth() const;
  // Also tells the transport when the connection gains or loses its session.
  void SetAuth(SessionAuth auth);
  // The actor behind this connection, if its session is valid in `view` right now. Fills in
  // the actor in `audit`. With `cache` (only the writer's, with `view` its transaction) the
  // session and account come from it when it has them; the expiry is checked at this instant
  // either way.
  StatusOr<Actor> Authenticate(const storage::ReadView& view, AuditDraft* audit = nullptr,
                               AccessCache* cache = nullptr) const;

  void Reply(uint64_t request_id, v1::Response response);
  void ReplyError(uint64_t request_id, const Status& status);
  // Replies with the error; if it is UNAUTHENTICATED for a connection that had a session (it
  // expired or ended meanwhile), also ends the session on this connection.
  void ReplyAuthError(uint64_t request_id, const Status& status);

  // This connection's one password check in flight (Login, ChangePassword): false while
  // another is running; EndPasswordCheck frees the slot.
  bool BeginPasswordCheck();
  void EndPasswordCheck();

 private:
  void Dispatch(const v1::ClientFrame& frame);
  // OK if the request rate of this connection and of `account` (0: none yet) allows one more
  // request now; takes a token from each. Else RESOURCE_EXHAUSTED with retry_after_ms.
  Status AdmitRequest(uint64_t account);
  // A record for a request of this connection: type, action, where from, and the session's
  // account (actions add the rest as they learn it).
  AuditDraft NewAudit(std::string_view event_type, v1::AuditAction action) const;
  // auth().account_id without copying the session key: for the per-request checks.
  uint64_t account_id() const;

  ServiceImpl& service_;
  const std::shared_ptr<ConnectionSink> sink_;
  const PeerInfo peer_;

  mutable std::mutex mu_;
  SessionAuth auth_;                       // guarded by mu_
  bool closed_ = false;                    // guarded by mu_
  bool password_check_in_flight_ = false;  // guarded by mu_

  // Touched only by OnFrame, whose calls are never concurrent.
  TokenBucket request_rate_;
  int undecodable_frames_ = 0;
  bool refusing_frames_ = false;  // closed for a policy violation: later frames are dropped
};

// The undecodable frames (not a ClientFrame) one connection may send: each is answered
// INVALID_ARGUMENT, and the last of them closes the connection with 1008. A correct app sends
// none; a few tolerate a bug in one request type without tearing down the app's session.
inline constexpr int kMaxUndecodableFrames = 3;

}  // namespace kring::service
