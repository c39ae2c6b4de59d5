// The caller's own profile: language and time zone, kept on the account.
#include "server/core/profile.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"

namespace kring::service {

void ConnectionImpl::UpdateProfile(uint64_t id, const v1::UpdateProfileRequest& req) {
  AuditDraft audit = NewAudit("profile.updated", v1::AUDIT_ACTION_UPDATE);
  auto actor = Authenticate(service_.store, &audit);
  if (!actor.ok()) return ReplyAuthError(id, actor.status());
  audit.event.set_object_id(actor->account_id);
  audit.event.set_object_handle(actor->handle);
  // Checked before the writer, but recorded: a refusal is part of the account's history too.
  Status valid = Status::Ok();
  if (!req.language().empty()) valid = CheckLanguage(req.language());
  if (valid.ok() && !req.time_zone().empty()) valid = CheckTimeZone(req.time_zone());
  if (!valid.ok()) return ReplyAudited(id, std::move(audit), valid);
  Write(id, std::move(audit),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
          KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
          KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(txn, actor.account_id));
          if (!record) return Internal("account vanished");
          v1::Account* account = record->mutable_account();
          if (!req.language().empty()) account->set_language(req.language());
          if (!req.time_zone().empty()) account->set_time_zone(req.time_zone());
          records::PutAccount(txn, *record);
          *out.response.mutable_update_profile()->mutable_account() = *account;
          return Status::Ok();
        });
}

}  // namespace kring::service
