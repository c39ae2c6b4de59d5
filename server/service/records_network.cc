// Networks, members, invitations, consent and representatives.
#include <algorithm>

#include "server/service/records.h"
#include "server/service/records_internal.h"

namespace kring::service::records {

namespace {

// kMeta key noting that a consent's expiry is on the access log.
std::string ExpiryNotedKey(uint64_t consent_id) { return "consent_expired:" + U64(consent_id); }

}  // namespace

StatusOr<std::optional<v1::Network>> GetNetwork(const ReadView& view, uint64_t network_id) {
  return GetProto<v1::Network>(view, Table::kNetworks, U64(network_id));
}

void PutNetwork(Transaction& txn, const v1::Network& network) {
  PutProto(txn, Table::kNetworks, U64(network.id()), network);
}

StatusOr<std::optional<store::MemberRecord>> GetMember(const ReadView& view, uint64_t network_id,
                                                       uint64_t account_id) {
  return GetProto<store::MemberRecord>(view, Table::kMembers, U64U64(network_id, account_id));
}

void AddMember(Transaction& txn, uint64_t network_id, const store::MemberRecord& member) {
  PutProto(txn, Table::kMembers, U64U64(network_id, member.account_id()), member);
  txn.Put(Table::kAccountNetworks, U64U64(member.account_id(), network_id), "");
}

void RemoveMember(Transaction& txn, uint64_t network_id, uint64_t account_id) {
  txn.Delete(Table::kMembers, U64U64(network_id, account_id));
  txn.Delete(Table::kAccountNetworks, U64U64(account_id, network_id));
}

StatusOr<std::vector<store::MemberRecord>> Members(const ReadView& view, uint64_t network_id) {
  return ScanProtos<store::MemberRecord>(view, Table::kMembers, network_id, Unparsed::kSkip);
}

StatusOr<std::vector<uint64_t>> NetworksOf(const ReadView& view, uint64_t account_id) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> out,
                         ScanSecondIds(view, Table::kAccountNetworks, account_id));
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> teams, TeamsOf(view, account_id));
  for (uint64_t team_id : teams) {
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> theirs,
                           ScanSecondIds(view, Table::kAccountNetworks, team_id));
    out.insert(out.end(), theirs.begin(), theirs.end());
  }
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> clients, ClientsRepresentedBy(view, account_id));
  for (uint64_t client : clients) {
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> theirs,
                           ScanSecondIds(view, Table::kAccountNetworks, client));
    for (uint64_t network_id : theirs) {
      // Only the networks where they are the client, not ones they are a member of.
      KRING_ASSIGN_OR_RETURN(auto network, GetNetwork(view, network_id));
      if (network && network->client_id() == client) out.push_back(network_id);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

v1::Member MemberView(const store::MemberRecord& member, const v1::Account& account) {
  v1::Member out;
  out.set_account_id(member.account_id());
  out.set_handle(account.handle());
  out.set_display_name(account.display_name());
  out.set_profession(account.profession());
  out.set_role(member.role());
  out.set_role_label(member.role_label());
  out.set_since_ms(member.since_ms());
  return out;
}

StatusOr<std::optional<v1::Invitation>> GetInvitation(const ReadView& view, uint64_t id) {
  return GetProto<v1::Invitation>(view, Table::kInvitations, U64(id));
}

void PutInvitation(Transaction& txn, const v1::Invitation& invitation) {
  UpdateInvitation(txn, invitation);
  const uint64_t network_id = invitation.network_id();
  const uint64_t invitee_id = invitation.invitee_id();
  txn.Put(Table::kNetworkInvitations, U64U64(network_id, invitee_id), U64(invitation.id()));
  txn.Put(Table::kInviteeInvitations, U64U64(invitee_id, network_id), U64(invitation.id()));
}

void UpdateInvitation(Transaction& txn, const v1::Invitation& invitation) {
  PutProto(txn, Table::kInvitations, U64(invitation.id()), invitation);
}

StatusOr<std::optional<v1::Invitation>> LatestInvitation(const ReadView& view, uint64_t network_id,
                                                         uint64_t invitee_id) {
  KRING_ASSIGN_OR_RETURN(std::optional<uint64_t> id,
                         GetU64(view, Table::kNetworkInvitations, U64U64(network_id, invitee_id)));
  if (!id) return std::optional<v1::Invitation>();
  return GetInvitation(view, *id);
}

StatusOr<std::vector<uint64_t>> InvitationIdsTo(const ReadView& view, uint64_t invitee_id) {
  return ScanU64Values(view, Table::kInviteeInvitations, invitee_id);
}

StatusOr<std::vector<uint64_t>> InvitationIdsIn(const ReadView& view, uint64_t network_id) {
  return ScanU64Values(view, Table::kNetworkInvitations, network_id);
}

StatusOr<std::optional<v1::Consent>> GetCurrentConsent(const ReadView& view, uint64_t network_id,
                                                       uint64_t grantee_id) {
  return GetProto<v1::Consent>(view, Table::kCurrentConsents, U64U64(network_id, grantee_id));
}

void PutConsent(Transaction& txn, const v1::Consent& consent) {
  std::string bytes = consent.SerializeAsString();
  txn.Put(Table::kConsents, U64U64(consent.network_id(), consent.id()), bytes);
  txn.Put(Table::kCurrentConsents, U64U64(consent.network_id(), consent.grantee_id()),
          std::move(bytes));
}

StatusOr<std::vector<v1::Consent>> CurrentConsents(const ReadView& view, uint64_t network_id) {
  return ScanProtos<v1::Consent>(view, Table::kCurrentConsents, network_id);
}

StatusOr<std::vector<v1::Consent>> ConsentHistory(const ReadView& view, uint64_t network_id) {
  return ScanProtos<v1::Consent>(view, Table::kConsents, network_id);  // ids grow with time
}

StatusOr<bool> FirstSightOfExpiry(Transaction& txn, uint64_t consent_id) {
  std::string key = ExpiryNotedKey(consent_id);
  KRING_ASSIGN_OR_RETURN(auto noted, txn.Get(Table::kMeta, key));
  if (noted) return false;
  txn.Put(Table::kMeta, std::move(key), "");
  return true;
}

StatusOr<std::optional<v1::Representation>> GetRepresentation(const ReadView& view,
                                                              uint64_t client_id,
                                                              uint64_t representative_id) {
  return GetProto<v1::Representation>(view, Table::kRepresentatives,
                                      U64U64(client_id, representative_id));
}

void AddRepresentation(Transaction& txn, const v1::Representation& representation) {
  const uint64_t client_id = representation.client_id();
  const uint64_t representative_id = representation.representative_id();
  PutProto(txn, Table::kRepresentatives, U64U64(client_id, representative_id), representation);
  txn.Put(Table::kRepresentedBy, U64U64(representative_id, client_id), "");
}

void RemoveRepresentation(Transaction& txn, uint64_t client_id, uint64_t representative_id) {
  txn.Delete(Table::kRepresentatives, U64U64(client_id, representative_id));
  txn.Delete(Table::kRepresentedBy, U64U64(representative_id, client_id));
}

StatusOr<std::vector<uint64_t>> RepresentativesOf(const ReadView& view, uint64_t client_id) {
  return ScanSecondIds(view, Table::kRepresentatives, client_id);
}

StatusOr<std::vector<uint64_t>> ClientsRepresentedBy(const ReadView& view,
                                                     uint64_t representative_id) {
  return ScanSecondIds(view, Table::kRepresentedBy, representative_id);
}

StatusOr<std::vector<uint64_t>> Principals(const ReadView& view, const v1::Network& network) {
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> out, RepresentativesOf(view, network.client_id()));
  out.insert(out.begin(), network.client_id());
  return out;
}

StatusOr<std::optional<v1::Representation>> GetRepresentationRequest(const ReadView& view,
                                                                     uint64_t client_id,
                                                                     uint64_t representative_id) {
  return GetProto<v1::Representation>(view, Table::kRepresentationRequests,
                                      U64U64(client_id, representative_id));
}

void PutRepresentationRequest(Transaction& txn, const v1::Representation& request) {
  PutProto(txn, Table::kRepresentationRequests,
           U64U64(request.client_id(), request.representative_id()), request);
}

void DeleteRepresentationRequest(Transaction& txn, uint64_t client_id, uint64_t representative_id) {
  txn.Delete(Table::kRepresentationRequests, U64U64(client_id, representative_id));
}

StatusOr<std::vector<v1::Representation>> RepresentationRequests(const ReadView& view,
                                                                 uint64_t client_id) {
  if (client_id != 0) {
    return ScanProtos<v1::Representation>(view, Table::kRepresentationRequests, client_id);
  }
  std::vector<v1::Representation> out;
  bool corrupt = false;
  KRING_RETURN_IF_ERROR(view.Scan(
      Table::kRepresentationRequests, "", "", 0, [&](std::string_view, std::string_view value) {
        v1::Representation r;
        corrupt = !r.ParseFromArray(value.data(), static_cast<int>(value.size()));
        if (!corrupt) out.push_back(std::move(r));
        return !corrupt;
      }));
  if (corrupt) return Internal("corrupt record in table representation_requests");
  return out;
}

StatusOr<std::vector<v1::Representation>> RepresentationsOf(const ReadView& view,
                                                            uint64_t client_id) {
  return ScanProtos<v1::Representation>(view, Table::kRepresentatives, client_id);
}

StatusOr<NetworkAt> GetNetworkAt(const ReadView& view, uint64_t network_id, uint64_t account_id,
                                 int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Network> network, GetNetwork(view, network_id));
  if (!network || network->state() == v1::NETWORK_STATE_DECLINED) {
    return NotFound("no such network");
  }
  KRING_ASSIGN_OR_RETURN(Standing standing, GetStanding(view, network_id, account_id, now_ms));
  return NetworkAt{std::move(*network), std::move(standing)};
}

StatusOr<InvitationAt> GetInvitationAt(const ReadView& view, uint64_t invitation_id,
                                       uint64_t account_id, int64_t now_ms) {
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Invitation> invitation,
                         GetInvitation(view, invitation_id));
  if (!invitation) return NotFound("no such invitation");
  KRING_ASSIGN_OR_RETURN(std::optional<v1::Network> network,
                         GetNetwork(view, invitation->network_id()));
  if (!network) return Internal("invitation without network");
  KRING_ASSIGN_OR_RETURN(Standing standing, GetStanding(view, network->id(), account_id, now_ms));
  return InvitationAt{std::move(*invitation), std::move(*network), std::move(standing)};
}

}  // namespace kring::service::records
