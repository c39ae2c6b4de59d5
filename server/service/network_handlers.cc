// Networks and membership: open, list, invite, approve/decline, remove, list members.
// Approving an invitation and removing a member are consent decisions: they record consent
// (consent_handlers.cc has the shared StageConsent).
#include "server/core/consent.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/connection_impl.h"
#include "server/service/records.h"

namespace kring::service {

using storage::Table;
using storage::keys::U64;
using storage::keys::U64U64;

namespace {

constexpr std::string_view kGeneralThreadTitle = "General";
constexpr size_t kMaxRoleLabelBytes = 100;

// An empty label is allowed: the invitee is then shown by profession alone.
Status ValidateRoleLabel(std::string_view label) {
  if (!IsValidUtf8(label) || label.size() > kMaxRoleLabelBytes) {
    return InvalidArgument("role_label must be valid UTF-8 of at most 100 bytes");
  }
  return CheckNameCharacters(label, "the role label");
}

void PutMember(storage::Transaction& txn, uint64_t network_id, const store::MemberRecord& m) {
  records::PutProto(txn, Table::kMembers, U64U64(network_id, m.account_id()), m);
  txn.Put(Table::kAccountNetworks, U64U64(m.account_id(), network_id), "");
}

// Scans `table` for keys starting with u64 `prefix`; returns the values as u64 ids.
StatusOr<std::vector<std::pair<uint64_t, uint64_t>>> ScanU64Index(const storage::ReadView& store,
                                                                  Table table, uint64_t prefix) {
  std::vector<std::pair<uint64_t, uint64_t>> out;  // (second key part, value)
  std::string begin = U64(prefix);
  KRING_RETURN_IF_ERROR(store.Scan(table, begin, storage::keys::PrefixEnd(begin), 0,
                                   [&](std::string_view key, std::string_view value) {
                                     out.emplace_back(storage::keys::ReadU64(key, 8),
                                                      storage::keys::ReadU64(value));
                                     return true;
                                   }));
  return out;
}

}  // namespace

void ConnectionImpl::OpenNetwork(uint64_t id, const v1::OpenNetworkRequest& req) {
  Write(id, NewAudit("network.opened", v1::AUDIT_ACTION_CREATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
    std::optional<std::string> handle = CanonicalHandle(req.client_handle());
    if (!handle) return InvalidArgument("not a valid handle");
    out.audit.event.set_object_handle(*handle);
    KRING_ASSIGN_OR_RETURN(auto client_id, records::FindAccountId(txn, *handle));
    if (!client_id) return NotFound("no account \"" + *handle + "\"");
    KRING_ASSIGN_OR_RETURN(auto client, records::GetAccount(txn, *client_id));
    if (!client) return Internal("handle without account");
    out.audit.event.set_client_id(*client_id);
    KRING_RETURN_IF_ERROR(AuthorizeOpenNetwork(actor, *client_id, client->account().kind()));
    if (client->account().disabled()) return FailedPrecondition("the client's account is disabled");

    const int64_t now = self->service_.clock.NowMs();
    KRING_ASSIGN_OR_RETURN(uint64_t network_id, records::AllocateId(txn));
    KRING_ASSIGN_OR_RETURN(uint64_t thread_id, records::AllocateId(txn));
    v1::Network network;
    network.set_id(network_id);
    network.set_client_id(*client_id);
    network.set_client_handle(*handle);
    network.set_opened_by(actor.account_id);
    network.set_created_at_ms(now);
    network.set_general_thread_id(thread_id);
    records::PutProto(txn, Table::kNetworks, U64(network_id), network);
    out.audit.event.set_network_id(network_id);
    out.audit.event.set_object_id(network_id);

    store::MemberRecord client_member;
    client_member.set_account_id(*client_id);
    client_member.set_role(v1::MEMBER_ROLE_CLIENT);
    client_member.set_since_ms(now);
    PutMember(txn, network_id, client_member);
    v1::MemberRole my_role = v1::MEMBER_ROLE_CLIENT;
    if (actor.account_id != *client_id) {
      store::MemberRecord coordinator;
      coordinator.set_account_id(actor.account_id);
      coordinator.set_role(v1::MEMBER_ROLE_COORDINATOR);
      coordinator.set_role_label("coordinator");
      coordinator.set_since_ms(now);
      PutMember(txn, network_id, coordinator);
      my_role = v1::MEMBER_ROLE_COORDINATOR;
    }

    v1::Thread general;
    general.set_id(thread_id);
    general.set_network_id(network_id);
    general.set_title(std::string(kGeneralThreadTitle));
    general.set_created_by(actor.account_id);
    general.set_created_at_ms(now);
    records::PutProto(txn, Table::kThreads, U64(thread_id), general);
    txn.Put(Table::kNetworkThreads, U64U64(network_id, thread_id), "");

    if (my_role == v1::MEMBER_ROLE_COORDINATOR) {
      // Nothing happens in a client's network without a consent record: the coordinator's
      // access is recorded as theirs, for the client to see, narrow or withdraw.
      v1::ConsentProvision provision;
      provision.set_all_threads(true);
      provision.add_actions(v1::CONSENT_ACTION_READ);
      provision.add_actions(v1::CONSENT_ACTION_POST);
      provision.add_actions(v1::CONSENT_ACTION_COORDINATE);
      provision.set_history_visible(true);
      provision.set_start_ms(now);
      Standing opener;
      opener.network_exists = true;
      opener.role = v1::MEMBER_ROLE_COORDINATOR;
      opener.client_id = *client_id;
      opener.now_ms = now;
      KRING_RETURN_IF_ERROR(StageConsent(txn, network, actor.account_id, actor.handle,
                                         &provision, actor, opener, "network opened")
                                .status());
    }

    network.set_my_role(my_role);
    *out.response.mutable_open_network()->mutable_network() = network;
    return Status::Ok();
  });
}

void ConnectionImpl::ListNetworks(uint64_t id) {
  ReadAcrossNetworks(id, NewAudit("networks.listed", v1::AUDIT_ACTION_READ),
                     [self = shared_from_this()](const storage::ReadView& view, AccessCache* cache,
                                                 const Actor& actor, Basis& basis,
                                                 v1::AuditEvent& record) -> StatusOr<v1::Response> {
    KRING_ASSIGN_OR_RETURN(auto network_ids, records::NetworksOf(view, actor.account_id));
    v1::Response response;
    auto* result = response.mutable_list_networks();
    for (uint64_t network_id : network_ids) {
      KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
      KRING_ASSIGN_OR_RETURN(Standing standing,
                             self->StandingOf(view, network_id, actor.account_id, cache));
      basis.emplace_back(network_id, standing);
      if (!network || !standing.role) continue;
      v1::Network* n = result->add_networks();
      *n = *network;
      n->set_my_role(*standing.role);
    }
    record.set_count(result->networks_size());
    return response;
  });
}

void ConnectionImpl::Invite(uint64_t id, const v1::InviteRequest& req) {
  Write(id, NewAudit("invitation.created", v1::AUDIT_ACTION_CREATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted,
                           self->Permit(txn, req.network_id(), Operation::kInvite, {},
                                        &out.audit));
    // Checked inside the write, after Permit: the refusal is recorded (docs/audit.md).
    KRING_RETURN_IF_ERROR(ValidateRoleLabel(req.role_label()));
    const Actor& actor = permitted.actor;
    const int64_t now = permitted.standing.now_ms;
    std::optional<std::string> handle = CanonicalHandle(req.invitee_handle());
    if (!handle) return InvalidArgument("not a valid handle");
    out.audit.event.set_object_handle(*handle);
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
    const std::string pair_key = U64U64(req.network_id(), *invitee_id);
    KRING_ASSIGN_OR_RETURN(auto previous_id,
                           records::GetU64(txn, Table::kNetworkInvitations, pair_key));
    if (previous_id) {
      KRING_ASSIGN_OR_RETURN(auto previous, records::GetInvitation(txn, *previous_id));
      if (previous && previous->state() == v1::INVITATION_STATE_PENDING &&
          (previous->expires_at_ms() == 0 || now < previous->expires_at_ms())) {
        return AlreadyExists("\"" + *handle + "\" is already invited");
      }
    }
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    KRING_ASSIGN_OR_RETURN(uint64_t invitation_id, records::AllocateId(txn));
    out.audit.event.set_object_id(invitation_id);
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
    invitation.set_expires_at_ms(now + self->service_.options.invitation_ttl_ms);
    records::PutProto(txn, Table::kInvitations, U64(invitation_id), invitation);
    txn.Put(Table::kNetworkInvitations, pair_key, U64(invitation_id));
    txn.Put(Table::kInviteeInvitations, U64U64(*invitee_id, req.network_id()), U64(invitation_id));

    *out.response.mutable_invite()->mutable_invitation() = invitation;
    out.effects.push_back([self, invitation, client_id = network->client_id()] {
      self->service_.hub.PublishToAccount(invitation.invitee_id(),
                                          InvitationReceivedFrame(invitation));
      self->service_.hub.PublishToAccount(
          client_id, MembershipChangedFrame(invitation.network_id(), v1::MEMBERSHIP_CHANGE_INVITED,
                                            nullptr, &invitation));
    });
    return Status::Ok();
  });
}

void ConnectionImpl::ListInvitations(uint64_t id) {
  ReadAcrossNetworks(id, NewAudit("invitations.listed", v1::AUDIT_ACTION_READ),
                     [self = shared_from_this()](const storage::ReadView& view, AccessCache* cache,
                                                 const Actor& actor, Basis& basis,
                                                 v1::AuditEvent& record) -> StatusOr<v1::Response> {
    std::vector<uint64_t> invitation_ids;
    // Addressed to me.
    KRING_ASSIGN_OR_RETURN(auto mine, ScanU64Index(view, Table::kInviteeInvitations,
                                                   actor.account_id));
    for (const auto& [network_id, invitation_id] : mine) invitation_ids.push_back(invitation_id);
    // Waiting in networks where I may invite (and so see who is invited).
    KRING_ASSIGN_OR_RETURN(auto network_ids, records::NetworksOf(view, actor.account_id));
    for (uint64_t network_id : network_ids) {
      KRING_ASSIGN_OR_RETURN(Standing standing,
                             self->StandingOf(view, network_id, actor.account_id, cache));
      basis.emplace_back(network_id, standing);
      if (!Authorize(actor, Operation::kInvite, standing).ok()) continue;
      KRING_ASSIGN_OR_RETURN(auto sent, ScanU64Index(view, Table::kNetworkInvitations, network_id));
      for (const auto& [invitee_id, invitation_id] : sent) invitation_ids.push_back(invitation_id);
    }
    const int64_t now = self->service_.clock.NowMs();
    v1::Response response;
    auto* result = response.mutable_list_invitations();
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
}

void ConnectionImpl::ApproveInvitation(uint64_t id, const v1::ApproveInvitationRequest& req) {
  Write(id, NewAudit("invitation.approved", v1::AUDIT_ACTION_UPDATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
    out.audit.event.set_object_id(req.invitation_id());
    KRING_ASSIGN_OR_RETURN(auto invitation, records::GetInvitation(txn, req.invitation_id()));
    if (!invitation) return NotFound("no such invitation");
    out.audit.event.set_object_handle(invitation->invitee_handle());
    const uint64_t network_id = invitation->network_id();
    const int64_t now = self->service_.clock.NowMs();
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           records::GetStanding(txn, network_id, actor.account_id, now));
    NoteStanding(out.audit.event, network_id, standing);
    KRING_RETURN_IF_ERROR(Authorize(actor, Operation::kApproveInvitation, standing));
    if (invitation->state() != v1::INVITATION_STATE_PENDING) {
      return FailedPrecondition("the invitation is no longer pending");
    }
    if (invitation->expires_at_ms() != 0 && now >= invitation->expires_at_ms()) {
      return FailedPrecondition("the invitation expired at " +
                                FormatUtc(invitation->expires_at_ms()) + "; invite again");
    }
    KRING_ASSIGN_OR_RETURN(auto invitee, records::GetAccount(txn, invitation->invitee_id()));
    if (!invitee || invitee->account().disabled()) {
      return FailedPrecondition("the invitee's account is disabled");
    }
    // The approval is the client's consent: as asked, or the default.
    KRING_ASSIGN_OR_RETURN(
        v1::ConsentProvision provision,
        NormalizeProvision(req.has_provision() ? req.provision() : DefaultMemberProvision(),
                           /*for_team=*/false, now));
    for (uint64_t thread_id : provision.thread_ids()) {
      KRING_RETURN_IF_ERROR(records::GetThreadIn(txn, network_id, thread_id).status());
    }
    store::MemberRecord member;
    member.set_account_id(invitation->invitee_id());
    member.set_role(v1::MEMBER_ROLE_MEMBER);
    member.set_role_label(invitation->role_label());
    member.set_since_ms(now);
    member.set_invitation_id(invitation->id());
    member.set_approved_by(actor.account_id);
    PutMember(txn, network_id, member);
    invitation->set_state(v1::INVITATION_STATE_APPROVED);
    records::PutProto(txn, Table::kInvitations, U64(invitation->id()), *invitation);
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, network_id));
    KRING_ASSIGN_OR_RETURN(
        StagedConsent staged,
        StageConsent(txn, *network, invitation->invitee_id(), invitee->account().handle(),
                     &provision, actor, standing, "invitation approved"));
    out.audit.event.set_consent_id(staged.consent.id());

    v1::Member view = records::MemberView(member, invitee->account());
    *view.mutable_consent() = staged.consent;
    *out.response.mutable_approve_invitation()->mutable_member() = view;
    view.clear_consent();  // the others are told who joined, not what the client allowed
    out.effects.push_back([self, network_id, view, staged] {
      std::vector<uint64_t> told = staged.principals;
      told.push_back(view.account_id());
      self->service_.hub.PublishToNetwork(
          network_id, told,
          MembershipChangedFrame(network_id, v1::MEMBERSHIP_CHANGE_JOINED, &view, nullptr));
      ApplyConsentChange(self->service_, staged, "");
    });
    return Status::Ok();
  });
}

void ConnectionImpl::DeclineInvitation(uint64_t id, const v1::DeclineInvitationRequest& req) {
  Write(id, NewAudit("invitation.declined", v1::AUDIT_ACTION_UPDATE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
    out.audit.event.set_object_id(req.invitation_id());
    KRING_ASSIGN_OR_RETURN(auto invitation, records::GetInvitation(txn, req.invitation_id()));
    if (!invitation) return NotFound("no such invitation");
    out.audit.event.set_object_handle(invitation->invitee_handle());
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, invitation->network_id()));
    if (!network) return Internal("invitation without network");
    const bool is_invitee = actor.account_id == invitation->invitee_id();
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           records::GetStanding(txn, invitation->network_id(), actor.account_id,
                                                self->service_.clock.NowMs()));
    NoteStanding(out.audit.event, invitation->network_id(), standing);
    if (!is_invitee && !IsPrincipal(standing)) {
      return PermissionDenied(
          "only the invitee, the client or their representative declines an invitation");
    }
    if (invitation->state() != v1::INVITATION_STATE_PENDING) {
      return FailedPrecondition("the invitation is no longer pending");
    }
    invitation->set_state(v1::INVITATION_STATE_DECLINED);
    records::PutProto(txn, Table::kInvitations, U64(invitation->id()), *invitation);
    out.response.mutable_decline_invitation();
    out.effects.push_back([self, invitation = *invitation, client_id = network->client_id()] {
      self->service_.hub.PublishToNetwork(
          /*network_id=*/0, {client_id, invitation.invitee_id()},
          MembershipChangedFrame(invitation.network_id(), v1::MEMBERSHIP_CHANGE_DECLINED, nullptr,
                                 &invitation));
    });
    return Status::Ok();
  });
}

void ConnectionImpl::RemoveMember(uint64_t id, const v1::RemoveMemberRequest& req) {
  Write(id, NewAudit("member.removed", v1::AUDIT_ACTION_DELETE),
        [self = shared_from_this(), req](storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, self->Authenticate(txn, &out.audit));
    std::optional<std::string> handle = CanonicalHandle(req.handle());
    if (!handle) return InvalidArgument("not a valid handle");
    out.audit.event.set_object_handle(*handle);
    KRING_ASSIGN_OR_RETURN(auto target_id, records::FindAccountId(txn, *handle));
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           records::GetStanding(txn, req.network_id(), actor.account_id,
                                                self->service_.clock.NowMs()));
    NoteStanding(out.audit.event, req.network_id(), standing);
    const bool self_removal = target_id && *target_id == actor.account_id;
    if (self_removal) out.audit.event.set_event_type("member.left");
    if (target_id) out.audit.event.set_object_id(*target_id);
    KRING_RETURN_IF_ERROR(
        Authorize(actor, self_removal ? Operation::kLeave : Operation::kRemoveOther, standing));
    if (!target_id) return NotFound("no account \"" + *handle + "\"");
    KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, req.network_id(), *target_id));
    if (!member) return NotFound("\"" + *handle + "\" is not a member of this network");
    if (member->role() == v1::MEMBER_ROLE_CLIENT) {
      return FailedPrecondition("the client cannot be removed from their own network");
    }
    txn.Delete(Table::kMembers, U64U64(req.network_id(), *target_id));
    txn.Delete(Table::kAccountNetworks, U64U64(*target_id, req.network_id()));
    KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(txn, *target_id));
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    // Removal ends the consent too, on the record.
    KRING_ASSIGN_OR_RETURN(auto consent,
                           records::GetCurrentConsent(txn, req.network_id(), *target_id));
    std::optional<v1::Consent> withdrawn;
    if (consent) {  // even after a withdrawal: the removal itself is a decision on the record
      KRING_ASSIGN_OR_RETURN(StagedConsent staged,
                             StageConsent(txn, *network, *target_id, *handle, nullptr, actor,
                                          standing, self_removal ? "left" : "removed"));
      withdrawn = staged.consent;
      out.audit.event.set_consent_id(staged.consent.id());
    }
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> principals, records::Principals(txn, *network));
    v1::Member view = records::MemberView(*member, account ? account->account() : v1::Account());
    out.response.mutable_remove_member();
    out.effects.push_back(
        [self, network_id = req.network_id(), view, self_removal, principals, withdrawn] {
          // First cut the removed person off, then tell the others.
          self->service_.hub.EndAccess(
              network_id, view.account_id(), {},
              AccessEndedFrame(network_id, {},
                               self_removal ? "you left the network" : "the client removed you"));
          self->service_.hub.PublishToNetwork(
              network_id, principals,
              MembershipChangedFrame(network_id, v1::MEMBERSHIP_CHANGE_REMOVED, &view, nullptr));
          if (withdrawn) {
            self->service_.hub.PublishToNetwork(0, principals, ConsentChangedFrame(*withdrawn));
          }
        });
    return Status::Ok();
  });
}

void ConnectionImpl::ListMembers(uint64_t id, const v1::ListMembersRequest& req) {
  ReadInNetwork(id, NewAudit("members.listed", v1::AUDIT_ACTION_READ), req.network_id(),
                Operation::kListMembers, {},
                [network_id = req.network_id()](const storage::ReadView& view,
                                                const Permitted& permitted,
                                                v1::AuditEvent& record) -> StatusOr<v1::Response> {
    const bool principal = IsPrincipal(permitted.standing);
    const uint64_t me = permitted.actor.account_id;
    std::vector<store::MemberRecord> members;
    const std::string begin = U64(network_id);
    KRING_RETURN_IF_ERROR(view.Scan(Table::kMembers, begin, storage::keys::PrefixEnd(begin), 0,
                                    [&](std::string_view, std::string_view value) {
                                      store::MemberRecord m;
                                      if (m.ParseFromArray(value.data(),
                                                           static_cast<int>(value.size()))) {
                                        members.push_back(std::move(m));
                                      }
                                      return true;
                                    }));
    v1::Response response;
    auto* result = response.mutable_list_members();
    for (const auto& m : members) {
      KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, m.account_id()));
      if (!account) continue;
      v1::Member* listed = result->add_members();
      *listed = records::MemberView(m, account->account());
      // What the client allowed each person is for the client (and representatives) to see,
      // and for the person themself.
      if (principal || m.account_id() == me) {
        KRING_ASSIGN_OR_RETURN(auto consent,
                               records::GetCurrentConsent(view, network_id, m.account_id()));
        if (consent) *listed->mutable_consent() = *consent;
      }
    }
    // Representatives act for the client: everyone in the network sees who they are.
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(view, network_id));
    if (!network) return Internal("store read failed");
    KRING_ASSIGN_OR_RETURN(auto reps, records::RepresentativesOf(view, network->client_id()));
    for (uint64_t rep_id : reps) {
      KRING_ASSIGN_OR_RETURN(auto account, records::GetAccount(view, rep_id));
      KRING_ASSIGN_OR_RETURN(auto representation,
                             records::GetRepresentation(view, network->client_id(), rep_id));
      if (!account || !representation) continue;
      store::MemberRecord as_member;
      as_member.set_account_id(rep_id);
      as_member.set_role(v1::MEMBER_ROLE_REPRESENTATIVE);
      as_member.set_role_label(representation->basis());
      as_member.set_since_ms(representation->since_ms());
      *result->add_members() = records::MemberView(as_member, account->account());
    }
    record.set_count(result->members_size());
    return response;
  });
}

}  // namespace kring::service
