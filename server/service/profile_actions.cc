// The caller's own profile: language and time zone, kept on the account.
#include "server/core/profile.h"
#include "server/service/account_actions.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

Status UpdateProfile(RequestContext& ctx, const v1::UpdateProfileRequest& req) {
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(ctx.service().store, &ctx.audit()));
  ctx.audit().event.set_object_id(actor.account_id);
  ctx.audit().event.set_object_handle(actor.handle);
  // Checked before the writer, but recorded: a refusal is part of the account's history too.
  if (!req.language().empty()) KRING_RETURN_IF_ERROR(CheckLanguage(req.language()));
  if (!req.time_zone().empty()) KRING_RETURN_IF_ERROR(CheckTimeZone(req.time_zone()));
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(auto record, records::GetAccount(txn, actor.account_id));
    if (!record) return Internal("account vanished");
    v1::Account* account = record->mutable_account();
    if (!req.language().empty()) account->set_language(req.language());
    if (!req.time_zone().empty()) account->set_time_zone(req.time_zone());
    records::PutAccount(txn, *record);
    *out.response.mutable_update_profile()->mutable_account() = *account;
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
