// Consent: grant, withdraw, list the consent history (representatives:
// representative_actions.cc). The rules are in server/core/consent.h and authorize.h; this file
// stores the records and cuts live delivery before the response (docs/consent.md).
#include "server/service/consent_actions.h"

#include <algorithm>
#include <map>
#include <set>

#include "server/core/consent.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/connection_impl.h"
#include "server/service/member_visibility.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

// The account named by `handle`, or the error to answer with.
StatusOr<store::AccountRecord> AccountByHandle(const storage::ReadView& view,
                                               const std::string& raw_handle) {
  std::optional<std::string> handle = CanonicalHandle(raw_handle);
  if (!handle) return InvalidArgument("not a valid handle");
  KRING_ASSIGN_OR_RETURN(auto id, records::FindAccountId(view, *handle));
  if (!id) return NotFound("no account \"" + *handle + "\"");
  KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, *id));
  if (!account) return Internal("handle without account");
  return std::move(*account);
}

namespace {

// The grantee a consent request names, noted on the record. An empty handle names the team
// as a whole (id 0).
struct Grantee {
  uint64_t id = 0;
  std::string handle;
};

// `team_id`: a team admitted to the network (docs/consent.md, "Teams"), named by its name.
StatusOr<Grantee> FindGrantee(const storage::ReadView& view, uint64_t network_id,
                              const std::string& handle, uint64_t team_id, v1::AuditEvent& audit) {
  if (team_id != 0) {
    if (!handle.empty())
      return InvalidArgument("name a person by handle or a team by id, not both");
    audit.set_object_id(team_id);
    KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(view, team_id));
    KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(view, network_id, team_id));
    if (!team || !member || !member->team()) {
      return NotFound("no team " + std::to_string(team_id) + " in this network; invite it");
    }
    audit.set_object_handle(team->name());
    return Grantee{team_id, team->name()};
  }
  if (handle.empty()) return Grantee{};
  KRING_ASSIGN_OR_RETURN(store::AccountRecord account, AccountByHandle(view, handle));
  audit.set_object_id(account.account().id());
  audit.set_object_handle(account.account().handle());
  return Grantee{account.account().id(), account.account().handle()};
}

}  // namespace

StatusOr<StagedConsent> StageConsent(storage::Transaction& txn, const v1::Network& network,
                                     uint64_t grantee_id, const std::string& grantee_handle,
                                     const v1::ConsentProvision* provision, const Actor& actor,
                                     const Standing& actor_standing, std::string reason) {
  const int64_t now = actor_standing.now_ms;
  KRING_ASSIGN_OR_RETURN(auto previous, records::GetCurrentConsent(txn, network.id(), grantee_id));
  StagedConsent staged;
  v1::Consent& next = staged.consent;
  if (provision != nullptr) {
    KRING_ASSIGN_OR_RETURN(auto heads, records::NetworkThreadHeads(txn, network.id()));
    next = NextGrant(previous, *provision, heads, now);
  } else {
    if (!previous) return NotFound("no consent on record to withdraw");
    next = NextWithdrawal(*previous, now);
  }
  KRING_ASSIGN_OR_RETURN(uint64_t id, records::AllocateId(txn));
  next.set_id(id);
  next.set_network_id(network.id());
  next.set_grantee_id(grantee_id);
  next.set_grantee_handle(grantee_handle);
  next.set_client_id(network.client_id());
  next.set_recorded_by(actor.account_id);
  next.set_recorded_by_handle(actor.handle);
  next.set_by_representative(actor_standing.role == v1::MEMBER_ROLE_REPRESENTATIVE);
  next.set_reason(std::move(reason));
  bool grantee_coordinates = false;
  if (grantee_id != 0) {
    KRING_ASSIGN_OR_RETURN(auto grantee, records::GetMember(txn, network.id(), grantee_id));
    next.set_grantee_is_team(grantee && grantee->team());
    grantee_coordinates = grantee && grantee->role() == v1::MEMBER_ROLE_COORDINATOR;
  }
  records::PutConsent(txn, next);
  KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, network.id()));
  if (grantee_id != 0) {
    KRING_ASSIGN_OR_RETURN(auto threads, records::NetworkThreadScopes(txn, network.id()));
    staged.cut = CutBetween(previous, next, threads, now);
  }
  if (next.grantee_is_team()) {
    KRING_ASSIGN_OR_RETURN(auto people, records::PeopleThroughTeam(txn, network, grantee_id));
    for (const v1::TeamPerson& person : people) {
      KRING_ASSIGN_OR_RETURN(auto changes, TeamLiveChanges(txn, person.account_id(), {network.id()},
                                                           now, &staged.cut));
      staged.team_live.insert(staged.team_live.end(), changes.begin(), changes.end());
    }
  }
  // The shared plan: coordinators edit it whatever the scope says.
  if (grantee_id != 0 && !grantee_coordinates && LosesPlan(previous, next, now)) {
    if (!next.grantee_is_team()) staged.plan_cut.push_back(grantee_id);
    for (const LiveChange& change : staged.team_live) {
      if (!change.end_all) staged.plan_cut.push_back(change.account_id);
    }
  }
  KRING_ASSIGN_OR_RETURN(staged.principals, records::Principals(txn, network));
  return staged;
}

void ApplyConsentChange(ServiceImpl& service, const StagedConsent& staged,
                        const std::string& ended_reason) {
  const v1::Consent& consent = staged.consent;
  std::vector<uint64_t> told = staged.principals;
  if (consent.grantee_id() != 0) {
    // First cut the grantee off (under the hub's delivery locks), then tell everyone.
    if (!staged.cut.empty()) {
      service.hub.EndAccess(
          consent.network_id(), consent.grantee_id(), staged.cut.thread_ids,
          AccessEndedFrame(consent.network_id(), staged.cut.thread_ids, ended_reason));
    }
    if (consent.status() == v1::CONSENT_STATUS_ACTIVE) {
      service.hub.SetAccessUntil(consent.network_id(), consent.grantee_id(),
                                 consent.provision().end_ms());
    }
    if (!consent.grantee_is_team()) told.push_back(consent.grantee_id());
  }
  ApplyLiveChanges(service, staged.team_live, ended_reason);
  if (!staged.plan_cut.empty()) {
    service.hub.PublishToNetwork(/*network_id=*/0, staged.plan_cut,
                                 PlanAccessEndedFrame(consent.network_id(), ended_reason));
  }
  for (const LiveChange& change : staged.team_live) {
    if (!change.route_closed) told.push_back(change.account_id);
  }
  service.hub.PublishToNetwork(/*network_id=*/0, told, ConsentChangedFrame(consent));
}

StatusOr<std::vector<LiveChange>> TeamLiveChanges(const storage::ReadView& txn, uint64_t account_id,
                                                  const std::vector<uint64_t>& network_ids,
                                                  int64_t now_ms, const AccessCut* cut) {
  std::vector<LiveChange> out;
  for (uint64_t network_id : network_ids) {
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           records::GetStanding(txn, network_id, account_id, now_ms));
    if (standing.role && standing.team_id == 0) continue;  // in person (or not at all)
    LiveChange change;
    change.network_id = network_id;
    change.account_id = account_id;
    const Actor person{account_id, v1::ACCOUNT_KIND_MEMBER};
    change.end_all =
        !standing.role || !AuthorizeNetworkAccess(person, Operation::kReceiveLive, standing).ok();
    change.route_closed = !standing.role || !TeamRouteClosedReason(standing).empty();
    if (!change.end_all) {
      if (cut != nullptr && !cut->thread_ids.empty()) {
        // A thread the person still sees another way (through another team) stays theirs.
        KRING_ASSIGN_OR_RETURN(auto threads, records::NetworkThreadRefs(txn, network_id));
        for (uint64_t id : cut->thread_ids) {
          auto it = std::find_if(threads.begin(), threads.end(),
                                 [id](const ThreadRef& t) { return t.id == id; });
          if (it == threads.end() || !SeesThread(standing, *it)) change.thread_ids.push_back(id);
        }
      }
      change.until_ms = AccessEndsMs(standing);
    }
    out.push_back(std::move(change));
  }
  return out;
}

void ApplyLiveChanges(ServiceImpl& service, const std::vector<LiveChange>& changes,
                      const std::string& reason) {
  for (const LiveChange& change : changes) {
    if (change.end_all) {
      service.hub.EndAccess(change.network_id, change.account_id, {},
                            AccessEndedFrame(change.network_id, {}, reason));
      continue;
    }
    if (!change.thread_ids.empty()) {
      service.hub.EndAccess(change.network_id, change.account_id, change.thread_ids,
                            AccessEndedFrame(change.network_id, change.thread_ids, reason));
    }
    service.hub.SetAccessUntil(change.network_id, change.account_id, change.until_ms);
  }
}

StatusOr<v1::ConsentProvision> CheckedProvision(const storage::ReadView& view, uint64_t network_id,
                                                const v1::ConsentProvision& asked, bool for_team,
                                                int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(v1::ConsentProvision provision,
                         NormalizeProvision(asked, for_team, now_ms));
  for (uint64_t thread_id : provision.thread_ids()) {
    KRING_RETURN_IF_ERROR(records::GetThreadIn(view, network_id, thread_id).status());
  }
  return provision;
}

Status GrantConsent(RequestContext& ctx, const v1::GrantConsentRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(), Operation::kGrantConsent, {}, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    const bool team = req.grantee_handle().empty() && req.team_id() == 0;
    KRING_ASSIGN_OR_RETURN(Grantee grantee, FindGrantee(txn, req.network_id(), req.grantee_handle(),
                                                        req.team_id(), ctx.audit().event));
    const uint64_t grantee_id = grantee.id;
    const std::string& grantee_handle = grantee.handle;
    if (!team) {
      KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, req.network_id(), grantee_id));
      if (!member) {
        return NotFound("\"" + grantee_handle + "\" is not a member of this network; invite them");
      }
      if (member->role() == v1::MEMBER_ROLE_CLIENT) {
        return InvalidArgument("the client needs no consent in their own network");
      }
    }
    KRING_ASSIGN_OR_RETURN(
        v1::ConsentProvision provision,
        CheckedProvision(txn, req.network_id(), req.provision(), team, permitted.standing.now_ms));
    const int64_t now = permitted.standing.now_ms;
    KRING_ASSIGN_OR_RETURN(Sights before, ReadSights(txn, *network, now));
    KRING_ASSIGN_OR_RETURN(StagedConsent staged,
                           StageConsent(txn, *network, grantee_id, grantee_handle, &provision,
                                        permitted.actor, permitted.standing, "granted"));
    ctx.audit().event.set_consent_id(staged.consent.id());
    *out.response.mutable_grant_consent()->mutable_consent() = staged.consent;
    // Who sees whom follows the consents: each viewer is told whom they now see or no longer see.
    KRING_ASSIGN_OR_RETURN(Sights after, ReadSights(txn, *network, now));
    out.effects.push_back([&ctx, staged, sights = SightChanges(before, after)] {
      ApplyConsentChange(ctx.service(), staged, "the client changed your consent");
      PublishSightChanges(ctx.service().hub, staged.consent.network_id(), sights);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status WithdrawConsent(RequestContext& ctx, const v1::WithdrawConsentRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(), Operation::kWithdrawConsent, {}, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    KRING_ASSIGN_OR_RETURN(Grantee grantee, FindGrantee(txn, req.network_id(), req.grantee_handle(),
                                                        req.team_id(), ctx.audit().event));
    const uint64_t grantee_id = grantee.id;
    const std::string& grantee_handle = grantee.handle;
    KRING_ASSIGN_OR_RETURN(auto current,
                           records::GetCurrentConsent(txn, req.network_id(), grantee_id));
    if (!current) {
      return NotFound(grantee_id == 0 ? "no consent to team-only threads on record"
                                      : "no consent for \"" + grantee_handle + "\" on record");
    }
    if (current->status() == v1::CONSENT_STATUS_WITHDRAWN) {
      // Already withdrawn: the same answer again, no new consent record (safe to retry).
      ctx.audit().event.set_consent_id(current->id());
      *out.response.mutable_withdraw_consent()->mutable_consent() = *current;
      return Status::Ok();
    }
    const int64_t now = permitted.standing.now_ms;
    KRING_ASSIGN_OR_RETURN(Sights before, ReadSights(txn, *network, now));
    KRING_ASSIGN_OR_RETURN(StagedConsent staged,
                           StageConsent(txn, *network, grantee_id, grantee_handle, nullptr,
                                        permitted.actor, permitted.standing, "withdrawn"));
    ctx.audit().event.set_consent_id(staged.consent.id());
    *out.response.mutable_withdraw_consent()->mutable_consent() = staged.consent;
    std::string reason = staged.consent.by_representative()
                             ? "the client's representative withdrew your consent"
                             : "the client withdrew your consent";
    KRING_ASSIGN_OR_RETURN(Sights after, ReadSights(txn, *network, now));
    out.effects.push_back([&ctx, staged, reason, sights = SightChanges(before, after)] {
      ApplyConsentChange(ctx.service(), staged, reason);
      PublishSightChanges(ctx.service().hub, staged.consent.network_id(), sights);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

namespace {

// When `consent` stopped counting, given the record that superseded it (if any): see
// Consent.ended_at_ms.
int64_t EndedAt(const v1::Consent& consent, const v1::Consent* superseded_by, int64_t now_ms) {
  if (consent.status() == v1::CONSENT_STATUS_WITHDRAWN) return consent.recorded_at_ms();
  int64_t ended = 0;
  const int64_t end = consent.provision().end_ms();
  if (end != 0 && end <= now_ms) ended = end;
  if (superseded_by != nullptr) {
    const int64_t at = superseded_by->recorded_at_ms();
    ended = ended == 0 ? at : std::min(ended, at);
  }
  return ended;
}

}  // namespace

Status ListConsents(RequestContext& ctx, const v1::ListConsentsRequest& req) {
  ctx.ReadInNetwork(
      req.network_id(), Operation::kListConsents, {},
      [req](const storage::ReadView& view, const Permitted& permitted,
            v1::AuditEvent& record) -> StatusOr<v1::Response> {
        KRING_ASSIGN_OR_RETURN(auto consents,
                               req.history() ? records::ConsentHistory(view, req.network_id())
                                             : records::CurrentConsents(view, req.network_id()));
        std::map<uint64_t, const v1::Consent*> superseding;  // record id -> the one after it
        for (const v1::Consent& c : consents) {
          if (c.supersedes() != 0) superseding[c.supersedes()] = &c;
        }
        v1::Response response;
        auto* result = response.mutable_list_consents();
        std::set<uint64_t> named;
        for (const v1::Consent& c : consents) {
          v1::Consent* listed = result->add_consents();
          *listed = c;
          auto next = superseding.find(c.id());
          listed->set_ended_at_ms(EndedAt(c, next == superseding.end() ? nullptr : next->second,
                                          permitted.standing.now_ms));
          named.insert(c.provision().thread_ids().begin(), c.provision().thread_ids().end());
          for (const auto& hidden : c.hidden_through_seq()) named.insert(hidden.first);
        }
        // The client may see their own thread titles (the access log shows them too).
        for (uint64_t thread_id : named) {
          KRING_ASSIGN_OR_RETURN(auto thread, records::GetThread(view, thread_id));
          if (thread && thread->network_id() == req.network_id()) {
            (*result->mutable_thread_titles())[thread_id] = thread->title();
          }
        }
        record.set_count(result->consents_size());
        return response;
      });
  return Status::Ok();
}

}  // namespace kring::service
