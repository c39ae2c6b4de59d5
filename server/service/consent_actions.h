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

// What a change does to one person's live delivery in one network, decided inside the write
// from the standing it leaves them with (teams: docs/consent.md, "Teams").
struct LiveChange {
  uint64_t network_id = 0;
  uint64_t account_id = 0;
  bool end_all = false;              // no access left there: every subscription cut
  std::vector<uint64_t> thread_ids;  // else these threads cut (none: nothing cut)
  int64_t until_ms = 0;              // else the subscriptions end by themselves then (0: never)
  // The team route itself is closed (outside their period, or excluded): the team's consent is
  // not theirs to be told of.
  bool route_closed = false;
};

// For each of `network_ids` where the account is in the network only through a team: the live
// change its standing at now_ms (read from `txn`, with the staged change) calls for, with the
// threads of `cut` cut when it still has access. Networks where it is a member or a
// representative in person are left out: the personal membership decides.
StatusOr<std::vector<LiveChange>> TeamLiveChanges(const storage::ReadView& txn, uint64_t account_id,
                                                  const std::vector<uint64_t>& network_ids,
                                                  int64_t now_ms, const AccessCut* cut = nullptr);
// After the write is durable, before the response: applies the changes under the hub's locks
// (AccessEnded with `reason` to each connection that lost something).
void ApplyLiveChanges(ServiceImpl& service, const std::vector<LiveChange>& changes,
                      const std::string& reason);

// A consent record staged in a write, with what it changes for live delivery.
struct StagedConsent {
  v1::Consent consent;
  AccessCut cut;                     // the live access it takes away
  std::vector<uint64_t> principals;  // the client and representatives, to be told
  // A team's consent: what it changes for each person in the network through the team.
  std::vector<LiveChange> team_live;
  // The shared plan (issue 15, item 1): who keeps the network but loses the plan with this
  // record (told PlanAccessEnded before the response; plan events are sent to readers only).
  std::vector<uint64_t> plan_cut;
};

// A provision from a request, in stored form (NormalizeProvision), whose named threads are all
// threads of the network: INVALID_ARGUMENT or NOT_FOUND otherwise. `for_team`: the consent to
// team-only threads (grantee 0). Every grant, approval and acceptance checks through here.
StatusOr<v1::ConsentProvision> CheckedProvision(const storage::ReadView& view, uint64_t network_id,
                                                const v1::ConsentProvision& asked, bool for_team,
                                                int64_t now_ms);

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
