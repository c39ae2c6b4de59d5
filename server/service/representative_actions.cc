// Representatives: asked for by one admin, confirmed (or refused) by another, ended by an admin.
// A pending appointment lives in its own table and gives no access; confirming it moves it to
// the representations in force, which alone GetStanding reads (records.h).
#include "server/service/representative_actions.h"

#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/connection_impl.h"
#include "server/service/consent_actions.h"
#include "server/service/records.h"
#include "server/service/request_context.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr size_t kMaxBasisBytes = 200;
constexpr size_t kMinBasisCharacters = 8;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The two accounts of a representation request, with what is on record for them.
struct RepresentationParties {
  store::AccountRecord client;
  store::AccountRecord representative;
  std::optional<v1::Representation> in_force;
  std::optional<v1::Representation> pending;
  uint64_t client_id() const { return client.account().id(); }
  uint64_t representative_id() const { return representative.account().id(); }
};

// An admin acting on a representation: refused for anyone else; the two accounts found and
// noted on the record (whose client_id puts it in the client's access log).
StatusOr<RepresentationParties> AdminFindsParties(const storage::ReadView& view, const Actor& actor,
                                                  const std::string& client_handle,
                                                  const std::string& representative_handle,
                                                  v1::AuditEvent& audit) {
  audit.set_object_handle(representative_handle);
  KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
  RepresentationParties parties;
  KRING_ASSIGN_OR_RETURN(parties.client, AccountByHandle(view, client_handle));
  KRING_ASSIGN_OR_RETURN(parties.representative, AccountByHandle(view, representative_handle));
  audit.set_client_id(parties.client_id());
  audit.set_object_id(parties.representative_id());
  audit.set_object_handle(parties.representative.account().handle());
  KRING_ASSIGN_OR_RETURN(parties.in_force, records::GetRepresentation(view, parties.client_id(),
                                                                      parties.representative_id()));
  KRING_ASSIGN_OR_RETURN(
      parties.pending,
      records::GetRepresentationRequest(view, parties.client_id(), parties.representative_id()));
  return parties;
}

Status CheckPartiesUsable(const RepresentationParties& parties) {
  if (parties.client.account().kind() != v1::ACCOUNT_KIND_CLIENT) {
    return InvalidArgument("a representative is appointed for an account of kind client");
  }
  if (parties.representative.account().kind() != v1::ACCOUNT_KIND_MEMBER) {
    return InvalidArgument("a representative has an account of kind member");
  }
  if (parties.client.account().disabled() || parties.representative.account().disabled()) {
    return FailedPrecondition("the account is disabled");
  }
  return Status::Ok();
}

std::string Naming(const RepresentationParties& parties) {
  return "of \"" + parties.representative.account().handle() + "\" for \"" +
         parties.client.account().handle() + "\"";
}

// After the write: the client hears of every step; the representative of those that change
// what they may do.
void Tell(ServiceImpl& service, const v1::Representation& representation,
          v1::RepresentationChange change) {
  std::vector<uint64_t> told = {representation.client_id()};
  if (change != v1::REPRESENTATION_CHANGE_REQUESTED) {
    told.push_back(representation.representative_id());
  }
  service.hub.PublishToNetwork(/*network_id=*/0, told,
                               RepresentationChangedFrame(representation, change));
}

}  // namespace

StatusOr<std::string> CheckRepresentationBasis(std::string_view basis) {
  while (!basis.empty() && IsSpace(basis.front())) basis.remove_prefix(1);
  while (!basis.empty() && IsSpace(basis.back())) basis.remove_suffix(1);
  size_t characters = 0;
  bool digit = false;
  for (char c : basis) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;  // not a continuation
    if (c >= '0' && c <= '9') digit = true;
  }
  if (!IsValidUtf8(basis) || basis.size() > kMaxBasisBytes || characters < kMinBasisCharacters ||
      !digit) {
    return InvalidArgument(
        "basis must be the legal reference of the appointment, such as a court decision or "
        "decision number: at least 8 characters with at least one digit, at most 200 bytes of "
        "UTF-8");
  }
  KRING_RETURN_IF_ERROR(CheckNameCharacters(basis, "the basis"));
  return std::string(basis);
}

Status AppointRepresentative(RequestContext& ctx, const v1::AppointRepresentativeRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(RepresentationParties parties,
                           AdminFindsParties(txn, actor, req.client_handle(),
                                             req.representative_handle(), ctx.audit().event));
    // Checked inside the write, once the admin is known: the refusal is recorded (audit.md).
    KRING_ASSIGN_OR_RETURN(std::string basis, CheckRepresentationBasis(req.basis()));
    KRING_RETURN_IF_ERROR(CheckPartiesUsable(parties));
    if (parties.in_force) return AlreadyExists("already a representative of this client");
    if (parties.pending) {
      return AlreadyExists("the appointment " + Naming(parties) +
                           " already waits for a second admin to confirm it");
    }
    v1::Representation representation;
    representation.set_client_id(parties.client_id());
    representation.set_client_handle(parties.client.account().handle());
    representation.set_representative_id(parties.representative_id());
    representation.set_representative_handle(parties.representative.account().handle());
    representation.set_basis(basis);
    representation.set_appointed_by(actor.account_id);
    representation.set_appointed_by_handle(actor.handle);
    representation.set_requested_at_ms(ctx.service().clock.NowMs());
    representation.set_pending(true);
    records::PutRepresentationRequest(txn, representation);
    *out.response.mutable_appoint_representative()->mutable_representation() = representation;
    out.effects.push_back([&ctx, representation] {
      Tell(ctx.service(), representation, v1::REPRESENTATION_CHANGE_REQUESTED);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ConfirmRepresentative(RequestContext& ctx, const v1::ConfirmRepresentativeRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(RepresentationParties parties,
                           AdminFindsParties(txn, actor, req.client_handle(),
                                             req.representative_handle(), ctx.audit().event));
    if (!parties.pending) {
      if (parties.in_force) return FailedPrecondition("the appointment is already in force");
      return NotFound("no appointment " + Naming(parties) + " waits for confirmation");
    }
    KRING_RETURN_IF_ERROR(AuthorizeConfirmRepresentative(actor, parties.pending->appointed_by()));
    KRING_RETURN_IF_ERROR(CheckPartiesUsable(parties));
    v1::Representation representation = *parties.pending;
    representation.set_pending(false);
    representation.set_confirmed_by(actor.account_id);
    representation.set_confirmed_by_handle(actor.handle);
    representation.set_since_ms(ctx.service().clock.NowMs());
    records::DeleteRepresentationRequest(txn, parties.client_id(), parties.representative_id());
    records::AddRepresentation(txn, representation);
    // Member lists of the client's networks change (records::AccessEpoch).
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> networks,
                           records::NetworksOf(txn, parties.client_id()));
    for (uint64_t network_id : networks) {
      KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, network_id));
    }
    *out.response.mutable_confirm_representative()->mutable_representation() = representation;
    out.effects.push_back([&ctx, representation] {
      Tell(ctx.service(), representation, v1::REPRESENTATION_CHANGE_CONFIRMED);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status ListRepresentations(RequestContext& ctx, const v1::ListRepresentationsRequest& req) {
  const storage::Store& store = ctx.service().store;
  AuditDraft& audit = ctx.audit();
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &audit));
  KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
  v1::Response response;
  auto* result = response.mutable_list_representations();
  uint64_t client_id = 0;
  if (!req.client_handle().empty()) {
    KRING_ASSIGN_OR_RETURN(store::AccountRecord client,
                           AccountByHandle(store, req.client_handle()));
    client_id = client.account().id();
    audit.event.set_client_id(client_id);
    audit.event.set_object_handle(client.account().handle());
    KRING_ASSIGN_OR_RETURN(auto in_force, records::RepresentationsOf(store, client_id));
    for (v1::Representation& r : in_force) *result->add_representations() = std::move(r);
  }
  KRING_ASSIGN_OR_RETURN(auto pending, records::RepresentationRequests(store, client_id));
  for (v1::Representation& r : pending) *result->add_representations() = std::move(r);
  audit.event.set_count(static_cast<uint64_t>(result->representations_size()));
  ctx.Answer(std::move(response));
  return Status::Ok();
}

Status RefuseRepresentative(RequestContext& ctx, const v1::RefuseRepresentativeRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(RepresentationParties parties,
                           AdminFindsParties(txn, actor, req.client_handle(),
                                             req.representative_handle(), ctx.audit().event));
    if (!parties.pending) {
      if (parties.in_force) {
        return FailedPrecondition("the appointment is in force: end it (representative end)");
      }
      return NotFound("no appointment " + Naming(parties) + " waits for confirmation");
    }
    records::DeleteRepresentationRequest(txn, parties.client_id(), parties.representative_id());
    out.response.mutable_refuse_representative();
    out.effects.push_back([&ctx, representation = *parties.pending] {
      Tell(ctx.service(), representation, v1::REPRESENTATION_CHANGE_REFUSED);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

Status EndRepresentation(RequestContext& ctx, const v1::EndRepresentationRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(txn, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(RepresentationParties parties,
                           AdminFindsParties(txn, actor, req.client_handle(),
                                             req.representative_handle(), ctx.audit().event));
    if (!parties.in_force) {
      if (parties.pending) {
        return FailedPrecondition("the appointment is not in force yet: refuse it instead");
      }
      return NotFound("not a representative of this client");
    }
    const uint64_t client_id = parties.client_id();
    const uint64_t rep_id = parties.representative_id();
    records::RemoveRepresentation(txn, client_id, rep_id);
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> networks, records::NetworksOf(txn, client_id));
    for (uint64_t network_id : networks) {
      KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, network_id));
    }
    // A representative who opened a network before representatives acted as the client holds a
    // coordinator membership and a consent recorded by themself: it ends with the appointment
    // (docs/consent.md, "Records from older versions").
    std::vector<v1::Consent> withdrawn;
    Standing by_admin;
    by_admin.now_ms = ctx.service().clock.NowMs();
    for (uint64_t network_id : networks) {
      KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, network_id));
      KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(txn, network_id, rep_id));
      if (!network || !member || network->opened_by() != rep_id || member->invitation_id() != 0) {
        continue;
      }
      // Only access they gave themselves: a consent the client (or another representative)
      // recorded for them is the client's decision and stays.
      KRING_ASSIGN_OR_RETURN(auto consent, records::GetCurrentConsent(txn, network_id, rep_id));
      if (!consent || consent->recorded_by() != rep_id) continue;
      records::RemoveMember(txn, network_id, rep_id);
      if (consent->status() == v1::CONSENT_STATUS_WITHDRAWN) continue;
      KRING_ASSIGN_OR_RETURN(
          StagedConsent staged,
          StageConsent(txn, *network, rep_id, parties.representative.account().handle(), nullptr,
                       actor, by_admin, "representation ended"));
      withdrawn.push_back(staged.consent);
    }
    out.response.mutable_end_representation();
    out.effects.push_back([&ctx, rep_id, client_id, networks, withdrawn,
                           representation = *parties.in_force] {
      for (uint64_t network_id : networks) {
        ctx.service().hub.EndAccess(
            network_id, rep_id, {},
            AccessEndedFrame(network_id, {}, "your appointment as representative ended"));
      }
      for (const v1::Consent& consent : withdrawn) {
        ctx.service().hub.PublishToNetwork(0, {client_id, rep_id}, ConsentChangedFrame(consent));
      }
      Tell(ctx.service(), representation, v1::REPRESENTATION_CHANGE_ENDED);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
