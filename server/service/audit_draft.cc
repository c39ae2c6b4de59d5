#include "server/service/audit_draft.h"

#include "server/service/audit.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

void NoteStanding(v1::AuditEvent& e, uint64_t network_id, const Standing& standing) {
  e.set_network_id(network_id);
  e.set_client_id(standing.client_id);
  if (standing.role) e.set_actor_role(*standing.role);
  if (standing.role == v1::MEMBER_ROLE_REPRESENTATIVE) e.set_on_behalf_of(standing.client_id);
  if (standing.consent) e.set_consent_id(standing.consent->id());
  if (standing.team_id != 0) {  // the person acts for the team: docs/consent.md, "Teams"
    e.set_for_team_id(standing.team_id);
    e.set_for_team_name(standing.team_name);
  }
}

void NoteThread(v1::AuditEvent& e, uint64_t thread_id, bool in_network) {
  if (thread_id == 0) return;
  if (in_network) {
    e.set_thread_id(thread_id);
  } else {
    e.set_requested_thread_id(thread_id);
  }
}

Status StageAudit(ServiceImpl& service, storage::Transaction& txn, const AuditDraft& draft,
                  const Status& outcome) {
  const int64_t now = service.clock.NowMs();
  const std::string_view server_id = service.options.server_id;
  if (const auto& expired = draft.consent_expired) {
    KRING_ASSIGN_OR_RETURN(bool first, records::FirstSightOfExpiry(txn, expired->consent_id()));
    if (first) KRING_RETURN_IF_ERROR(audit::Stage(txn, *expired, now, server_id).status());
  }
  for (const v1::AuditEvent& extra : draft.also) {
    KRING_RETURN_IF_ERROR(audit::Stage(txn, extra, now, server_id).status());
  }
  if (draft.event.event_type().empty()) return Status::Ok();
  v1::AuditEvent record = draft.event;
  record.set_outcome(audit::OutcomeOf(outcome));
  if (!outcome.ok()) record.set_outcome_detail(outcome.detail());
  return audit::Stage(txn, std::move(record), now, server_id).status();
}

}  // namespace kring::service
