// Consents (actions.h): consent_actions.cc. The rules are in
// server/core/consent.h and authorize.h; these actions store the records and cut live delivery
// before the response (docs/consent.md).
#pragma once

#include <string>
#include <vector>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/consent.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status GrantConsent(RequestContext& ctx, const v1::GrantConsentRequest& req);
Status WithdrawConsent(RequestContext& ctx, const v1::WithdrawConsentRequest& req);
Status ListConsents(RequestContext& ctx, const v1::ListConsentsRequest& req);

// The account named by `handle`, or the error to answer with (INVALID_ARGUMENT, NOT_FOUND).
StatusOr<store::AccountRecord> AccountByHandle(const storage::ReadView& view,
                                               const std::string& raw_handle);

// A consent record staged in a write, with what it changes for live delivery.
struct StagedConsent {
  v1::Consent consent;
  AccessCut cut;                     // the live access it takes away
  std::vector<uint64_t> principals;  // the client and representatives, to be told
};

// Stages the grantee's next record: `provision` (already normalized) as a grant, or a
// withdrawal when `provision` is null. `actor` records it (as representative when their standing
// says so); the caller has authorized it. Grantee 0: the team.
StatusOr<StagedConsent> StageConsent(storage::Transaction& txn, const v1::Network& network,
                                     uint64_t grantee_id, const std::string& grantee_handle,
                                     const v1::ConsentProvision* provision, const Actor& actor,
                                     const Standing& actor_standing, std::string reason);

// After the write is durable, before the response: cuts what the record takes away from the
// grantee's connections (AccessEnded with `ended_reason`), moves their subscriptions' end, and
// sends ConsentChanged to the grantee and the principals.
void ApplyConsentChange(ServiceImpl& service, const StagedConsent& staged,
                        const std::string& ended_reason);

}  // namespace kring::service
