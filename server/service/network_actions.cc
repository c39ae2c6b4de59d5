// Networks and membership: list, invite, approve/decline, remove, list members (opening and
// answering a network: network_open_actions.cc).
// Approving an invitation and removing a member are consent decisions: they record consent
// (consent_handlers.cc has the shared StageConsent).
#include "server/service/network_actions.h"

#include <algorithm>

#include "proto/kring/v1/audit_event_types.h"
#include "server/core/consent.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/connection_impl.h"
#include "server/service/consent_actions.h"
#include "server/service/member_visibility.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"
#include "server/service/team_actions.h"

namespace kring::service {

namespace {

constexpr size_t kMaxRoleLabelBytes = 100;

// An empty label is allowed: the invitee is then shown by profession alone.
Status ValidateRoleLabel(std::string_view label) {
  if (!IsValidUtf8(label) || label.size() > kMaxRoleLabelBytes) {
    return InvalidArgument("role_label must be valid UTF-8 of at most 100 bytes");
  }
  return CheckNameCharacters(label, "the role label");
}

// The invitation of a team as one member (docs/consent.md, "Teams"); Invite has authorized it.
Status InviteTeam(RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out,
                  const v1::InviteRequest& req, const Permitted& permitted) {
  const int64_t now = permitted.standing.now_ms;
  if (!req.invitee_handle().empty()) {
    return InvalidArgument("invite a person by handle or a team by id, not both");
  }
  ctx.audit().event.set_object_id(req.team_id());
  KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(txn, req.team_id()));
  if (!team) return NotFound("no team " + std::to_string(req.team_id()));
  ctx.audit().event.set_object_handle(team->name());
  KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, req.network_id(), team->id()));
  if (member) return AlreadyExists("team \"" + team->name() + "\" is already a member");
  KRING_ASSIGN_OR_RETURN(auto previous,
                         records::LatestInvitation(txn, req.network_id(), team->id()));
  if (previous && previous->state() == v1::INVITATION_STATE_PENDING &&
      (previous->expires_at_ms() == 0 || now < previous->expires_at_ms())) {
    return AlreadyExists("team \"" + team->name() + "\" is already invited");
  }
  KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
  KRING_ASSIGN_OR_RETURN(uint64_t invitation_id, records::AllocateId(txn));
  ctx.audit().event.set_object_id(invitation_id);
  v1::Invitation invitation;
  invitation.set_id(invitation_id);
  invitation.set_network_id(req.network_id());
  invitation.set_invitee_id(team->id());
  invitation.set_invitee_handle(team->name());
  invitation.set_team_id(team->id());
  invitation.set_invited_by(permitted.actor.account_id);
  invitation.set_invited_by_handle(permitted.actor.handle);
  invitation.set_role_label(req.role_label());
  invitation.set_created_at_ms(now);
  invitation.set_state(v1::INVITATION_STATE_PENDING);
  invitation.set_client_handle(network->client_handle());
  invitation.set_expires_at_ms(now + ctx.service().options.invitation_ttl_ms);
  records::PutInvitation(txn, invitation);
  *out.response.mutable_invite()->mutable_invitation() = invitation;
  KRING_ASSIGN_OR_RETURN(auto principals, records::Principals(txn, *network));
  // The team's coordinators are asked in for their team, as a person invited is.
  KRING_ASSIGN_OR_RETURN(auto coordinators, TeamCoordinatorsAt(txn, team->id(), now));
  out.effects.push_back([&ctx, invitation, principals, coordinators] {
    ctx.service().hub.PublishToNetwork(/*network_id=*/0, coordinators,
                                       InvitationReceivedFrame(invitation));
    ctx.service().hub.PublishToNetwork(
        /*network_id=*/0, principals,
        MembershipChangedFrame(invitation.network_id(), v1::MEMBERSHIP_CHANGE_INVITED, nullptr,
                               &invitation));
  });
  return Status::Ok();
}

// The client's approval of a team's invitation: the team becomes a member with the consent
// given, which every current person of the team then has. ApproveInvitation has authorized it.
Status ApproveTeam(RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out,
                   const v1::ApproveInvitationRequest& req, v1::Invitation invitation,
                   const Actor& actor, const Standing& standing) {
  const uint64_t network_id = invitation.network_id();
  const int64_t now = standing.now_ms;
  KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(txn, invitation.team_id()));
  if (!team) return FailedPrecondition("the team no longer exists");
  KRING_ASSIGN_OR_RETURN(
      v1::ConsentProvision provision,
      CheckedProvision(txn, network_id,
                       req.has_provision() ? req.provision() : DefaultMemberProvision(),
                       /*for_team=*/false, now));
  store::MemberRecord member;
  member.set_account_id(team->id());
  member.set_role(v1::MEMBER_ROLE_MEMBER);
  member.set_role_label(invitation.role_label());
  member.set_since_ms(now);
  member.set_invitation_id(invitation.id());
  member.set_approved_by(actor.account_id);
  member.set_team(true);
  records::AddMember(txn, network_id, member);
  invitation.set_state(v1::INVITATION_STATE_APPROVED);
  records::UpdateInvitation(txn, invitation);
  KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, network_id));
  KRING_ASSIGN_OR_RETURN(StagedConsent staged,
                         StageConsent(txn, *network, team->id(), team->name(), &provision, actor,
                                      standing, "invitation approved"));
  ctx.audit().event.set_consent_id(staged.consent.id());
  KRING_ASSIGN_OR_RETURN(v1::Member view, TeamMemberView(txn, network_id, member, now));
  *view.mutable_consent() = staged.consent;
  *out.response.mutable_approve_invitation()->mutable_member() = view;
  view.clear_consent();
  // Told to those it is listed to now, its own people (in their period, not excluded) among
  // them, as a person admitted is told (who sees whom: member_visibility.h).
  KRING_ASSIGN_OR_RETURN(NetworkPeople people,
                         ReadNetworkPeople(txn, *network, now, /*with_team_people=*/true));
  ListedTo told = WhoSees(people, team->id(), now);
  out.effects.push_back([&ctx, network_id, view, staged, told = std::move(told)] {
    PublishMembershipChange(ctx.service().hub, network_id, v1::MEMBERSHIP_CHANGE_JOINED, view,
                            told);
    ApplyConsentChange(ctx.service(), staged, "");
  });
  return Status::Ok();
}

}  // namespace

Status ListNetworks(RequestContext& ctx, const v1::ListNetworksRequest& req) {
  ctx.ReadAcrossNetworks([&ctx](const storage::ReadView& view, AccessCache* cache,
                                const Actor& actor, RequestContext::Basis& basis,
                                v1::AuditEvent& record) -> StatusOr<v1::Response> {
    KRING_ASSIGN_OR_RETURN(auto network_ids, records::NetworksOf(view, actor.account_id));
    v1::Response response;
    auto* result = response.mutable_list_networks();
    for (uint64_t network_id : network_ids) {
      KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
      KRING_ASSIGN_OR_RETURN(Standing standing,
                             ctx.StandingOf(view, network_id, actor.account_id, cache));
      basis.emplace_back(network_id, standing);
      if (!network || !standing.role) continue;
      // Through a team: listed while the person's period runs and the client has not
      // excluded them (docs/consent.md, "Teams").
      if (!TeamRouteClosedReason(standing).empty()) continue;
      v1::Network* n = result->add_networks();
      *n = *network;
      n->set_my_role(*standing.role);
      KRING_RETURN_IF_ERROR(FillOpener(view, actor.account_id, standing, *n));
    }
    record.set_count(result->networks_size());
    return response;
  });
  return Status::Ok();
}

Status Invite(RequestContext& ctx, const v1::InviteRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted,
                           ctx.Permit(txn, req.network_id(), Operation::kInvite, {}, &ctx.audit()));
    // Checked inside the write, after Permit: the refusal is recorded (docs/audit.md).
    KRING_RETURN_IF_ERROR(ValidateRoleLabel(req.role_label()));
    const Actor& actor = permitted.actor;
    const int64_t now = permitted.standing.now_ms;
    if (req.team_id() != 0) return InviteTeam(ctx, txn, out, req, permitted);
    std::optional<std::string> handle = CanonicalHandle(req.invitee_handle());
    if (!handle) return InvalidArgument("not a valid handle");
    ctx.audit().event.set_object_handle(*handle);
    KRING_ASSIGN_OR_RETURN(auto invitee_id, records::FindAccountId(txn, *handle));
    if (!invitee_id) return NotFound("no account \"" + *handle + "\"");
    KRING_ASSIGN_OR_RETURN(auto invitee, records::GetAccount(txn, *invitee_id));
    if (!invitee) return Internal("handle without account");
    if (invitee->account().kind() != v1::ACCOUNT_KIND_MEMBER) {
      return InvalidArgument("only member accounts can be invited into a network");
    }
    if (invitee->account().disabled()) return FailedPrecondition("the account is disabled");
    KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, req.network_id(), *invitee_id));
    if (member) return AlreadyExists("\"" + *handle + "\" is already a member");
    KRING_ASSIGN_OR_RETURN(auto previous,
                           records::LatestInvitation(txn, req.network_id(), *invitee_id));
    if (previous && previous->state() == v1::INVITATION_STATE_PENDING &&
        (previous->expires_at_ms() == 0 || now < previous->expires_at_ms())) {
      return AlreadyExists("\"" + *handle + "\" is already invited");
    }
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    KRING_ASSIGN_OR_RETURN(uint64_t invitation_id, records::AllocateId(txn));
    ctx.audit().event.set_object_id(invitation_id);
    v1::Invitation invitation;
    invitation.set_id(invitation_id);
    invitation.set_network_id(req.network_id());
    invitation.set_invitee_id(*invitee_id);
    invitation.set_invitee_handle(*handle);
    invitation.set_invited_by(actor.account_id);
    invitation.set_invited_by_handle(actor.handle);
    invitation.set_role_label(req.role_label());
    invitation.set_created_at_ms(now);
    invitation.set_state(v1::INVITATION_STATE_PENDING);
    invitation.set_client_handle(network->client_handle());
    invitation.set_expires_at_ms(now + ctx.service().options.invitation_ttl_ms);
    records::PutInvitation(txn, invitation);

    *out.response.mutable_invite()->mutable_invitation() = invitation;
    out.effects.push_back([&ctx, invitation, client_id = network->client_id()] {
      ctx.service().hub.PublishToAccount(invitation.invitee_id(),
                                         InvitationReceivedFrame(invitation));
      ctx.service().hub.PublishToAccount(
          client_id, MembershipChangedFrame(invitation.network_id(), v1::MEMBERSHIP_CHANGE_INVITED,
                                            nullptr, &invitation));
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ListInvitations(RequestContext& ctx, const v1::ListInvitationsRequest& req) {
  ctx.ReadAcrossNetworks([&ctx](const storage::ReadView& view, AccessCache* cache,
                                const Actor& actor, RequestContext::Basis& basis,
                                v1::AuditEvent& record) -> StatusOr<v1::Response> {
    // Addressed to me.
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> invitation_ids,
                           records::InvitationIdsTo(view, actor.account_id));
    // Waiting in networks where I may invite: all of them for the client and representatives;
    // a coordinator those they sent (who else is invited is not theirs to know: who sees whom).
    KRING_ASSIGN_OR_RETURN(auto network_ids, records::NetworksOf(view, actor.account_id));
    std::vector<uint64_t> sent_by_me;
    for (uint64_t network_id : network_ids) {
      KRING_ASSIGN_OR_RETURN(Standing standing,
                             ctx.StandingOf(view, network_id, actor.account_id, cache));
      basis.emplace_back(network_id, standing);
      if (!Authorize(actor, Operation::kInvite, standing).ok()) continue;
      KRING_ASSIGN_OR_RETURN(auto sent, records::InvitationIdsIn(view, network_id));
      auto& into = IsPrincipal(standing) ? invitation_ids : sent_by_me;
      into.insert(into.end(), sent.begin(), sent.end());
    }
    const int64_t now = ctx.service().clock.NowMs();
    // Those of the teams I coordinate: asked in for my team.
    KRING_ASSIGN_OR_RETURN(auto teams, records::TeamsOf(view, actor.account_id));
    for (uint64_t team_id : teams) {
      KRING_ASSIGN_OR_RETURN(auto coordinators, TeamCoordinatorsAt(view, team_id, now));
      if (std::find(coordinators.begin(), coordinators.end(), actor.account_id) ==
          coordinators.end()) {
        continue;
      }
      KRING_ASSIGN_OR_RETURN(auto to_team, records::InvitationIdsTo(view, team_id));
      invitation_ids.insert(invitation_ids.end(), to_team.begin(), to_team.end());
    }
    v1::Response response;
    auto* result = response.mutable_list_invitations();
    for (uint64_t invitation_id : sent_by_me) {
      KRING_ASSIGN_OR_RETURN(auto invitation, records::GetInvitation(view, invitation_id));
      if (invitation && invitation->invited_by() == actor.account_id) {
        invitation_ids.push_back(invitation_id);
      }
    }
    std::sort(invitation_ids.begin(), invitation_ids.end());
    invitation_ids.erase(std::unique(invitation_ids.begin(), invitation_ids.end()),
                         invitation_ids.end());
    for (uint64_t invitation_id : invitation_ids) {
      KRING_ASSIGN_OR_RETURN(auto invitation, records::GetInvitation(view, invitation_id));
      if (!invitation || invitation->state() != v1::INVITATION_STATE_PENDING) continue;
      v1::Invitation* listed = result->add_invitations();
      *listed = *invitation;
      if (listed->expires_at_ms() != 0 && now >= listed->expires_at_ms()) {
        listed->set_state(v1::INVITATION_STATE_EXPIRED);  // said so, not silently dropped
      }
    }
    record.set_count(result->invitations_size());
    return response;
  });
  return Status::Ok();
}

Status ApproveInvitation(RequestContext& ctx, const v1::ApproveInvitationRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    ctx.audit().event.set_object_id(req.invitation_id());
    const int64_t now = ctx.service().clock.NowMs();
    KRING_ASSIGN_OR_RETURN(
        records::InvitationAt at,
        records::GetInvitationAt(txn, req.invitation_id(), actor.account_id, now));
    ctx.audit().event.set_object_handle(at.invitation.invitee_handle());
    v1::Invitation* invitation = &at.invitation;
    const uint64_t network_id = invitation->network_id();
    const Standing& standing = at.standing;
    NoteStanding(ctx.audit().event, network_id, standing);
    KRING_RETURN_IF_ERROR(Authorize(actor, Operation::kApproveInvitation, standing));
    if (invitation->state() != v1::INVITATION_STATE_PENDING) {
      return FailedPrecondition("the invitation is no longer pending");
    }
    if (invitation->expires_at_ms() != 0 && now >= invitation->expires_at_ms()) {
      return FailedPrecondition("the invitation expired at " +
                                FormatUtc(invitation->expires_at_ms()) + "; invite again");
    }
    if (invitation->team_id() != 0) {
      return ApproveTeam(ctx, txn, out, req, *invitation, actor, standing);
    }
    KRING_ASSIGN_OR_RETURN(auto invitee, records::GetAccount(txn, invitation->invitee_id()));
    if (!invitee || invitee->account().disabled()) {
      return FailedPrecondition("the invitee's account is disabled");
    }
    // The approval is the client's consent: as asked, or the default.
    KRING_ASSIGN_OR_RETURN(
        v1::ConsentProvision provision,
        CheckedProvision(txn, network_id,
                         req.has_provision() ? req.provision() : DefaultMemberProvision(),
                         /*for_team=*/false, now));
    store::MemberRecord member;
    member.set_account_id(invitation->invitee_id());
    member.set_role(v1::MEMBER_ROLE_MEMBER);
    member.set_role_label(invitation->role_label());
    member.set_since_ms(now);
    member.set_invitation_id(invitation->id());
    member.set_approved_by(actor.account_id);
    records::AddMember(txn, network_id, member);
    invitation->set_state(v1::INVITATION_STATE_APPROVED);
    records::UpdateInvitation(txn, *invitation);
    KRING_ASSIGN_OR_RETURN(
        StagedConsent staged,
        StageConsent(txn, at.network, invitation->invitee_id(), invitee->account().handle(),
                     &provision, actor, standing, "invitation approved"));
    ctx.audit().event.set_consent_id(staged.consent.id());

    v1::Member view = records::MemberView(member, invitee->account());
    *view.mutable_consent() = staged.consent;
    *out.response.mutable_approve_invitation()->mutable_member() = view;
    view.clear_consent();  // the others are told who joined, not what the client allowed
    // Told to those it is listed to (who sees whom: member_visibility.h).
    KRING_ASSIGN_OR_RETURN(NetworkPeople people,
                           ReadNetworkPeople(txn, at.network, now, /*with_team_people=*/true));
    ListedTo told = WhoSees(people, view.account_id(), now);
    out.effects.push_back([&ctx, network_id, view, staged, told = std::move(told)] {
      PublishMembershipChange(ctx.service().hub, network_id, v1::MEMBERSHIP_CHANGE_JOINED, view,
                              told);
      ApplyConsentChange(ctx.service(), staged, "");
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status DeclineInvitation(RequestContext& ctx, const v1::DeclineInvitationRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    ctx.audit().event.set_object_id(req.invitation_id());
    KRING_ASSIGN_OR_RETURN(records::InvitationAt at,
                           records::GetInvitationAt(txn, req.invitation_id(), actor.account_id,
                                                    ctx.service().clock.NowMs()));
    ctx.audit().event.set_object_handle(at.invitation.invitee_handle());
    v1::Invitation* invitation = &at.invitation;
    const v1::Network* network = &at.network;
    const bool is_invitee = actor.account_id == invitation->invitee_id();
    NoteStanding(ctx.audit().event, invitation->network_id(), at.standing);
    KRING_RETURN_IF_ERROR(AuthorizeDeclineInvitation(is_invitee, at.standing));
    if (invitation->state() != v1::INVITATION_STATE_PENDING) {
      return FailedPrecondition("the invitation is no longer pending");
    }
    invitation->set_state(v1::INVITATION_STATE_DECLINED);
    records::UpdateInvitation(txn, *invitation);
    out.response.mutable_decline_invitation();
    std::vector<uint64_t> told = {network->client_id(), invitation->invitee_id()};
    if (invitation->team_id() != 0) {  // a team's invitation: its coordinators, who were told
      KRING_ASSIGN_OR_RETURN(
          told, TeamCoordinatorsAt(txn, invitation->team_id(), ctx.service().clock.NowMs()));
      told.push_back(network->client_id());
    }
    out.effects.push_back([&ctx, invitation = *invitation, told] {
      ctx.service().hub.PublishToNetwork(
          /*network_id=*/0, told,
          MembershipChangedFrame(invitation.network_id(), v1::MEMBERSHIP_CHANGE_DECLINED, nullptr,
                                 &invitation));
    });
    return Status::Ok();
  });
  return Status::Ok();
}

namespace {

// RemoveMember{team_id}: the team leaves as one member, like a person (its consent ends on the
// record) and every person through it loses access before the response. The client's
// exclusions of people of the team stay on record, in case the team is admitted again.
Status RemoveTeam(RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out,
                  const v1::RemoveMemberRequest& req) {
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
  if (!req.handle().empty()) return InvalidArgument("name a person by handle or a team by id");
  ctx.audit().event.set_object_id(req.team_id());
  KRING_ASSIGN_OR_RETURN(
      Standing standing,
      records::GetStanding(txn, req.network_id(), actor.account_id, ctx.service().clock.NowMs()));
  NoteStanding(ctx.audit().event, req.network_id(), standing);
  KRING_RETURN_IF_ERROR(Authorize(actor, Operation::kRemoveOther, standing));
  KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, req.network_id(), req.team_id()));
  KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(txn, req.team_id()));
  if (!member || !member->team() || !team) {
    return NotFound("no team " + std::to_string(req.team_id()) + " in this network");
  }
  ctx.audit().event.set_object_handle(team->name());
  KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
  KRING_ASSIGN_OR_RETURN(NetworkPeople people, ReadNetworkPeople(txn, *network, standing.now_ms,
                                                                 /*with_team_people=*/true));
  ListedTo told = WhoSees(people, req.team_id(), standing.now_ms);
  // Not to the team's own people: they get AccessEnded, as a person removed does.
  for (const Viewer& person : people.through_teams) {
    if (person.standing.team_id == req.team_id()) std::erase(told.full, person.person.account_id);
  }
  KRING_ASSIGN_OR_RETURN(v1::Member view,
                         TeamMemberView(txn, req.network_id(), *member, standing.now_ms));
  KRING_ASSIGN_OR_RETURN(auto through, records::PeopleThroughTeam(txn, *network, req.team_id()));
  KRING_ASSIGN_OR_RETURN(auto consent,
                         records::GetCurrentConsent(txn, req.network_id(), req.team_id()));
  std::optional<StagedConsent> withdrawn;
  if (consent) {  // the removal is a decision on the record, even after a withdrawal
    KRING_ASSIGN_OR_RETURN(withdrawn, StageConsent(txn, *network, req.team_id(), team->name(),
                                                   nullptr, actor, standing, "removed"));
    ctx.audit().event.set_consent_id(withdrawn->consent.id());
  }
  records::RemoveMember(txn, req.network_id(), req.team_id());
  KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, req.network_id()));
  // Decided after the removal: a person through the team who is also a member in person keeps
  // what that gives them; everyone else loses the network.
  std::vector<LiveChange> live;
  for (const v1::TeamPerson& person : through) {
    KRING_ASSIGN_OR_RETURN(
        auto changes, TeamLiveChanges(txn, person.account_id(), {req.network_id()}, standing.now_ms,
                                      withdrawn ? &withdrawn->cut : nullptr));
    live.insert(live.end(), changes.begin(), changes.end());
  }
  if (withdrawn) withdrawn->team_live = live;
  out.response.mutable_remove_member();
  out.effects.push_back([&ctx, network_id = req.network_id(), view, told, withdrawn, live] {
    // First cut the people off, then tell the others.
    if (withdrawn) {
      ApplyConsentChange(ctx.service(), *withdrawn, "the client removed your team");
    } else {
      ApplyLiveChanges(ctx.service(), live, "the client removed your team");
    }
    PublishMembershipChange(ctx.service().hub, network_id, v1::MEMBERSHIP_CHANGE_REMOVED, view,
                            told);
  });
  return Status::Ok();
}

}  // namespace

Status RemoveMember(RequestContext& ctx, const v1::RemoveMemberRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    if (req.team_id() != 0) return RemoveTeam(ctx, txn, out, req);
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    std::optional<std::string> handle = CanonicalHandle(req.handle());
    if (!handle) return InvalidArgument("not a valid handle");
    ctx.audit().event.set_object_handle(*handle);
    KRING_ASSIGN_OR_RETURN(auto target_id, records::FindAccountId(txn, *handle));
    KRING_ASSIGN_OR_RETURN(
        Standing standing,
        records::GetStanding(txn, req.network_id(), actor.account_id, ctx.service().clock.NowMs()));
    NoteStanding(ctx.audit().event, req.network_id(), standing);
    const bool self_removal = target_id && *target_id == actor.account_id;
    if (self_removal) ctx.audit().event.set_event_type(std::string(v1::event_type::kMemberLeft));
    if (target_id) ctx.audit().event.set_object_id(*target_id);
    KRING_RETURN_IF_ERROR(
        Authorize(actor, self_removal ? Operation::kLeave : Operation::kRemoveOther, standing));
    if (!target_id) return NotFound("no account \"" + *handle + "\"");
    KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, req.network_id(), *target_id));
    if (!member) return NotFound("\"" + *handle + "\" is not a member of this network");
    if (member->role() == v1::MEMBER_ROLE_CLIENT) {
      return FailedPrecondition("the client cannot be removed from their own network");
    }
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    // Told to those it was listed to before (who sees whom: member_visibility.h).
    KRING_ASSIGN_OR_RETURN(NetworkPeople people, ReadNetworkPeople(txn, *network, standing.now_ms,
                                                                   /*with_team_people=*/true));
    ListedTo told = WhoSees(people, *target_id, standing.now_ms);
    records::RemoveMember(txn, req.network_id(), *target_id);
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(txn, *target_id));
    // Removal ends the consent too, on the record.
    KRING_ASSIGN_OR_RETURN(auto consent,
                           records::GetCurrentConsent(txn, req.network_id(), *target_id));
    std::optional<v1::Consent> withdrawn;
    if (consent) {  // even after a withdrawal: the removal itself is a decision on the record
      KRING_ASSIGN_OR_RETURN(StagedConsent staged,
                             StageConsent(txn, *network, *target_id, *handle, nullptr, actor,
                                          standing, self_removal ? "left" : "removed"));
      withdrawn = staged.consent;
      ctx.audit().event.set_consent_id(staged.consent.id());
    }
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> principals, records::Principals(txn, *network));
    v1::Member view = records::MemberView(*member, account ? account->account() : v1::Account());
    out.response.mutable_remove_member();
    // Not to the removed person: they get AccessEnded.
    std::erase(told.full, *target_id);
    out.effects.push_back(
        [&ctx, network_id = req.network_id(), view, self_removal, principals, withdrawn, told] {
          // First cut the removed person off, then tell the others.
          ctx.service().hub.EndAccess(
              network_id, view.account_id(), {},
              AccessEndedFrame(network_id, {},
                               self_removal ? "you left the network" : "the client removed you"));
          PublishMembershipChange(ctx.service().hub, network_id, v1::MEMBERSHIP_CHANGE_REMOVED,
                                  view, told);
          if (withdrawn) {
            ctx.service().hub.PublishToNetwork(0, principals, ConsentChangedFrame(*withdrawn));
          }
        });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ListMembers(RequestContext& ctx, const v1::ListMembersRequest& req) {
  ctx.ReadInNetwork(
      req.network_id(), Operation::kListMembers, {},
      [network_id = req.network_id()](const storage::ReadView& view, const Permitted& permitted,
                                      v1::AuditEvent& record) -> StatusOr<v1::Response> {
        KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
        if (!network) return Internal("store read failed");
        KRING_ASSIGN_OR_RETURN(NetworkPeople people,
                               ReadNetworkPeople(view, *network, permitted.standing.now_ms));
        // Who sees whom, and how much of each: server/core/visibility.h.
        const Standing& standing = permitted.standing;
        const Person viewer{permitted.actor.account_id,
                            standing.role.value_or(v1::MEMBER_ROLE_UNSPECIFIED), standing.consent};
        v1::Response response;
        auto* result = response.mutable_list_members();
        for (const PersonEntry& entry : people.people) {
          std::optional<v1::Member> shown = MemberAsShown(viewer, standing, entry, people.threads);
          if (!shown) continue;
          // A person in the network through a team sees the team's consent as their own.
          if (standing.team_id != 0 && entry.person.account_id == standing.team_id) {
            if (entry.person.consent) *shown->mutable_consent() = *entry.person.consent;
            shown->set_access_in_force(AccessInForce(entry.person, standing.now_ms));
          }
          *result->add_members() = std::move(*shown);
        }
        record.set_count(result->members_size());
        return response;
      });
  return Status::Ok();
}

}  // namespace kring::service
