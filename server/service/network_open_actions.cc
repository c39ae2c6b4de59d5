// Opening a network, and answering one a member opened for a client (docs/consent.md, "Networks
// opened for a client"). A network opened by the client or a representative is the client's at
// once; one opened by a member waits, holding nothing, until the client or a representative
// accepts it with the consent they choose for the opener, or declines it.
#include "server/core/consent.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/connection_impl.h"
#include "server/service/consent_actions.h"
#include "server/service/member_visibility.h"
#include "server/service/network_actions.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr std::string_view kGeneralThreadTitle = "General";

// The pending network as the client and the representatives see it, and the opener's account.
struct PendingAnswer {
  Actor actor;
  records::NetworkAt at;
  store::AccountRecord opener;
};

// What AcceptNetwork and DeclineNetwork begin with: who asks, the network and their standing
// there (noted on the record), allowed to answer, and the opener.
StatusOr<PendingAnswer> BeginAnswer(RequestContext& ctx, storage::Transaction& txn,
                                    uint64_t network_id) {
  PendingAnswer answer;
  KRING_ASSIGN_OR_RETURN(answer.actor, ctx.Authenticate(txn, &ctx.audit()));
  ctx.audit().event.set_network_id(network_id);
  KRING_ASSIGN_OR_RETURN(answer.at, records::GetNetworkAt(txn, network_id, answer.actor.account_id,
                                                          ctx.service().clock.NowMs()));
  NoteStanding(ctx.audit().event, network_id, answer.at.standing);
  KRING_RETURN_IF_ERROR(AuthorizeAnswerNetwork(answer.actor, answer.at.standing));
  const uint64_t opener_id = answer.at.network.opened_by();
  ctx.audit().event.set_object_id(opener_id);
  KRING_ASSIGN_OR_RETURN(auto opener, records::GetAccount(txn, opener_id));
  if (!opener) return Internal("network without its opener's account");
  ctx.audit().event.set_object_handle(opener->account().handle());
  answer.opener = std::move(*opener);
  return answer;
}

// The answered network: its state, who answered and when.
v1::Network Answered(const PendingAnswer& answer, v1::NetworkState state) {
  v1::Network network = answer.at.network;
  network.set_state(state);
  network.set_answered_by(answer.actor.account_id);
  network.set_answered_at_ms(answer.at.standing.now_ms);
  return network;
}

}  // namespace

Status OpenNetwork(RequestContext& ctx, const v1::OpenNetworkRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    std::optional<std::string> handle = CanonicalHandle(req.client_handle());
    if (!handle) return InvalidArgument("not a valid handle");
    ctx.audit().event.set_object_handle(*handle);
    KRING_ASSIGN_OR_RETURN(auto client_id, records::FindAccountId(txn, *handle));
    if (!client_id) return NotFound("no account \"" + *handle + "\"");
    KRING_ASSIGN_OR_RETURN(auto client, records::GetAccount(txn, *client_id));
    if (!client) return Internal("handle without account");
    ctx.audit().event.set_client_id(*client_id);
    KRING_RETURN_IF_ERROR(AuthorizeOpenNetwork(actor, *client_id, client->account().kind()));
    if (client->account().disabled()) return FailedPrecondition("the client's account is disabled");
    KRING_ASSIGN_OR_RETURN(auto representation,
                           records::GetRepresentation(txn, *client_id, actor.account_id));
    const bool pending = OpensPending(actor, *client_id, representation.has_value());

    const int64_t now = ctx.service().clock.NowMs();
    KRING_ASSIGN_OR_RETURN(uint64_t network_id, records::AllocateId(txn));
    KRING_ASSIGN_OR_RETURN(uint64_t thread_id, records::AllocateId(txn));
    v1::Network network;
    network.set_id(network_id);
    network.set_client_id(*client_id);
    network.set_client_handle(*handle);
    network.set_opened_by(actor.account_id);
    network.set_opened_by_handle(actor.handle);
    network.set_created_at_ms(now);
    network.set_general_thread_id(thread_id);
    if (pending) network.set_state(v1::NETWORK_STATE_PENDING);
    records::PutNetwork(txn, network);
    ctx.audit().event.set_network_id(network_id);
    ctx.audit().event.set_object_id(network_id);

    store::MemberRecord client_member;
    client_member.set_account_id(*client_id);
    client_member.set_role(v1::MEMBER_ROLE_CLIENT);
    client_member.set_since_ms(now);
    records::AddMember(txn, network_id, client_member);
    v1::MemberRole my_role = v1::MEMBER_ROLE_CLIENT;
    if (representation) {
      // A representative acts as the client: no membership, no consent of their own, so their
      // access ends with the appointment.
      my_role = v1::MEMBER_ROLE_REPRESENTATIVE;
      ctx.audit().event.set_actor_role(my_role);
      ctx.audit().event.set_on_behalf_of(*client_id);
    } else if (pending) {
      // The opener coordinates once the client accepts, with the consent the client gives then.
      store::MemberRecord coordinator;
      coordinator.set_account_id(actor.account_id);
      coordinator.set_role(v1::MEMBER_ROLE_COORDINATOR);
      coordinator.set_role_label("coordinator");
      coordinator.set_since_ms(now);
      records::AddMember(txn, network_id, coordinator);
      my_role = v1::MEMBER_ROLE_COORDINATOR;
    }

    v1::Thread general;
    general.set_id(thread_id);
    general.set_network_id(network_id);
    general.set_title(std::string(kGeneralThreadTitle));
    general.set_created_by(actor.account_id);
    general.set_created_at_ms(now);
    records::AddThread(txn, general);

    network.set_my_role(my_role);
    // Not stored: the opener's name and profession are read from their account when shown.
    KRING_ASSIGN_OR_RETURN(auto opener, records::GetAccount(txn, actor.account_id));
    if (opener) FillOpener(opener->account(), network);
    *out.response.mutable_open_network()->mutable_network() = network;
    if (pending) {
      KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> principals, records::Principals(txn, network));
      network.set_my_role(v1::MEMBER_ROLE_UNSPECIFIED);  // each sees their own in ListNetworks
      out.effects.push_back([&ctx, network, principals] {
        ctx.service().hub.PublishToNetwork(/*network_id=*/0, principals,
                                           NetworkRequestedFrame(network));
      });
    }
    return Status::Ok();
  });
  return Status::Ok();
}

Status AcceptNetwork(RequestContext& ctx, const v1::AcceptNetworkRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(PendingAnswer answer, BeginAnswer(ctx, txn, req.network_id()));
    const v1::Account& opener = answer.opener.account();
    if (opener.disabled()) return FailedPrecondition("the opener's account is disabled");
    const int64_t now = answer.at.standing.now_ms;
    // The acceptance is the client's consent for the opener: as asked, or the default.
    KRING_ASSIGN_OR_RETURN(
        v1::ConsentProvision provision,
        CheckedProvision(txn, req.network_id(),
                         req.has_provision() ? req.provision() : DefaultMemberProvision(),
                         /*for_team=*/false, now));
    v1::Network network = Answered(answer, v1::NETWORK_STATE_ACCEPTED);
    records::PutNetwork(txn, network);
    KRING_ASSIGN_OR_RETURN(StagedConsent staged,
                           StageConsent(txn, network, opener.id(), opener.handle(), &provision,
                                        answer.actor, answer.at.standing, "network accepted"));
    ctx.audit().event.set_consent_id(staged.consent.id());
    FillOpener(opener, network);  // after it is stored: shown, not kept
    auto* result = out.response.mutable_accept_network();
    *result->mutable_network() = network;
    result->mutable_network()->set_my_role(
        answer.at.standing.role.value_or(v1::MEMBER_ROLE_UNSPECIFIED));
    *result->mutable_consent() = staged.consent;
    out.effects.push_back([&ctx, network, staged] {
      std::vector<uint64_t> told = staged.principals;
      told.push_back(network.opened_by());
      ctx.service().hub.PublishToNetwork(/*network_id=*/0, told, NetworkAnsweredFrame(network));
      ApplyConsentChange(ctx.service(), staged, "");
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status DeclineNetwork(RequestContext& ctx, const v1::DeclineNetworkRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(PendingAnswer answer, BeginAnswer(ctx, txn, req.network_id()));
    v1::Network network = Answered(answer, v1::NETWORK_STATE_DECLINED);
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> told, records::Principals(txn, network));
    told.push_back(network.opened_by());
    records::PutNetwork(txn, network);
    FillOpener(answer.opener.account(), network);  // after it is stored: shown, not kept
    // Nobody is a member of a declined network: it is listed to no one from now on.
    KRING_ASSIGN_OR_RETURN(std::vector<store::MemberRecord> members,
                           records::Members(txn, network.id()));
    for (const store::MemberRecord& member : members) {
      records::RemoveMember(txn, network.id(), member.account_id());
    }
    out.response.mutable_decline_network();
    out.effects.push_back([&ctx, network, told] {
      ctx.service().hub.PublishToNetwork(/*network_id=*/0, told, NetworkAnsweredFrame(network));
    });
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
