#include "server/service/cookie_session.h"

#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "proto/kring/v1/audit_event_types.h"
#include "server/core/crypto.h"
#include "server/core/login_throttle.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"

namespace kring::service {

namespace {

// Holds what the service sends until Release(), so that no answer or event of a resumed session
// goes out before the record of its resumption is durable. Held for one commit of the writer;
// the connection's request rate bounds what its requests add meanwhile.
class HeldSink final : public ConnectionSink {
 public:
  explicit HeldSink(std::shared_ptr<ConnectionSink> inner) : inner_(std::move(inner)) {}

  void Send(std::shared_ptr<const std::string> frame) override {
    {
      std::lock_guard lock(mu_);
      if (holding_) return held_.push_back(std::move(frame));
    }
    inner_->Send(std::move(frame));
  }
  void Close(CloseCode code, std::string reason) override {
    {
      std::lock_guard lock(mu_);
      if (holding_) {
        if (!close_) close_.emplace(code, std::move(reason));
        return;
      }
    }
    inner_->Close(code, std::move(reason));
  }
  void WhenQueuedBelow(size_t bytes, std::function<void()> ready) override {
    inner_->WhenQueuedBelow(bytes, std::move(ready));
  }
  void SetAuthenticated(bool authenticated) override { inner_->SetAuthenticated(authenticated); }

  // Sends what was held, in order, and everything after it at once. The inner sink only queues,
  // so this runs under the lock: nothing sent later can overtake what was held.
  void Release() {
    std::lock_guard lock(mu_);
    if (!holding_) return;
    holding_ = false;
    for (auto& frame : held_) inner_->Send(std::move(frame));
    held_.clear();
    if (close_) inner_->Close(close_->first, std::move(close_->second));
  }
  // Drops what was held; later frames are still held until Release().
  void Discard() {
    std::lock_guard lock(mu_);
    held_.clear();
    close_.reset();
  }

 private:
  const std::shared_ptr<ConnectionSink> inner_;
  std::mutex mu_;
  bool holding_ = true;                                     // guarded by mu_
  std::deque<std::shared_ptr<const std::string>> held_;     // guarded by mu_
  std::optional<std::pair<CloseCode, std::string>> close_;  // guarded by mu_
};

}  // namespace

std::shared_ptr<Connection> AcceptResumed(ServiceImpl& service,
                                          std::shared_ptr<ConnectionSink> sink, PeerInfo peer,
                                          const std::string& token) {
  auto held = std::make_shared<HeldSink>(std::move(sink));
  auto connection = std::make_shared<ConnectionImpl>(service, held, std::move(peer));
  connection->StartResumed(token, [held](bool recorded) {
    if (!recorded) held->Discard();
    held->Release();
  });
  return connection;
}

void ConnectionImpl::StartResumed(const std::string& token,
                                  std::function<void(bool recorded)> settled) {
  const std::string key = Sha256(token);
  auto session = records::GetSession(service_.store, key);
  if (!session.ok()) return settled(true);  // starts logged out; WhoAmI says UNAUTHENTICATED
  AuditDraft audit = NewAudit(v1::event_type::kSessionResumed, v1::AUDIT_ACTION_EXECUTE);
  if (*session) audit.event.set_actor_id((*session)->account_id());

  // Recorded once durable; a record that cannot be written ends the session it would describe,
  // and what this connection was to be told meanwhile is dropped.
  auto record = [this, &settled](AuditDraft draft, Status outcome) {
    auto self = shared_from_this();
    auto shared = std::make_shared<std::pair<AuditDraft, Status>>(std::move(draft), outcome);
    service_.writer.Submit(
        Writer::Op{[self, shared](storage::Transaction& txn) {
                     return StageAudit(self->service_, txn, shared->first, shared->second);
                   },
                   [self, shared, settled = std::move(settled)](const Status& recorded) {
                     if (recorded.ok() || !shared->second.ok()) return settled(true);
                     self->service_.hub.Detach(self.get());
                     self->SetAuth(SessionAuth{});  // later requests find it logged out
                     settled(false);
                     self->EndSession("the access could not be recorded");
                   },
                   nullptr});
  };
  // As ResumeSession: counted by the throttle and recorded while it lets the attempt through.
  auto refuse = [&](AuditDraft draft) {
    const Status invalid = Unauthenticated("the session is not valid (expired or ended): log in");
    const std::string address(AddressWithoutPort(peer_.address));
    const std::string throttle_key = "?resume@" + address;
    if (!service_.throttle.Check(throttle_key, address).ok()) return settled(true);
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
