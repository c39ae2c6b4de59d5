// A connection that starts resumed from a session token the transport vouches for (the browser's
// HttpOnly cookie on a WebSocket upgrade from an allowed Origin; see PeerInfo::session_token).
// The same checks, throttle and access-log record as ResumeSession, but no response: the app
// asks WhoAmI to learn who it is.
#include "proto/kring/v1/audit_event_types.h"
#include "server/core/login_throttle.h"
#include "server/service/connection_impl.h"
#include "server/service/frames.h"
#include "server/service/records.h"

namespace kring::service {

void ConnectionImpl::StartResumed(const std::string& token) {
  const std::string key = Sha256(token);
  auto session = records::GetSession(service_.store, key);
  if (!session.ok()) return;  // starts logged out; the app's WhoAmI says UNAUTHENTICATED
  AuditDraft audit = NewAudit(v1::event_type::kSessionResumed, v1::AUDIT_ACTION_EXECUTE);
  if (*session) audit.event.set_actor_id((*session)->account_id());

  // Recorded once durable; a record that cannot be written ends the session it would describe.
  auto record = [this](AuditDraft draft, Status outcome) {
    auto self = shared_from_this();
    auto shared = std::make_shared<std::pair<AuditDraft, Status>>(std::move(draft), outcome);
    service_.writer.Submit(Writer::Op{[self, shared](storage::Transaction& txn) {
                                        return StageAudit(self->service_, txn, shared->first,
                                                          shared->second);
                                      },
                                      [self, shared](const Status& recorded) {
                                        if (recorded.ok() || !shared->second.ok()) return;
                                        self->service_.hub.Detach(self.get());
                                        self->EndSession("the access could not be recorded");
                                      }});
  };
  // As ResumeSession: counted by the throttle and recorded while it lets the attempt through.
  auto refuse = [&](AuditDraft draft) {
    const Status invalid = Unauthenticated("the session is not valid (expired or ended): log in");
    const std::string address(AddressWithoutPort(peer_.address));
    const std::string throttle_key = "?resume@" + address;
    if (!service_.throttle.Check(throttle_key, address).ok()) return;
    service_.throttle.RecordFailure(throttle_key, address);
    record(std::move(draft), invalid);
  };
  if (!*session || (*session)->expires_at_ms() <= service_.clock.NowMs()) {
    return refuse(std::move(audit));
  }
  SetAuth(SessionAuth{(*session)->account_id(), key, (*session)->expires_at_ms()});
  service_.hub.Attach(shared_from_this(), (*session)->account_id(), key,
                      (*session)->expires_at_ms());
  // Checked after attaching: a logout or disable that commits concurrently either sees this
  // connection in the hub or is seen here.
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) {
    service_.hub.Detach(this);
    SetAuth(SessionAuth{});
    return refuse(std::move(audit));
  }
  record(std::move(audit), Status::Ok());
}

}  // namespace kring::service
