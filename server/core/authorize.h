// The single authorization point for everything done inside a network.
//
// Every request that reads or changes a network's content asks Authorize() with the standing
// the actor has in that network at this instant (read from the store in the same request; never
// cached). Live delivery is authorized when a subscription starts and ended by the same write
// that ends the standing (see Hub::EndAccess). The consent model (scopes, expiry, history
// visibility, representatives) extends Standing and this function; nothing else decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring {

enum class Operation {
  kListMembers,
  kListThreads,
  kReadHistory,
  kReceiveLive,
  kPost,
  kCreateThread,
  kMarkRead,
  kListReadMarkers,
  kInvite,
  kApproveInvitation,
  kRemoveOther,  // remove someone else from the network
  kLeave,        // remove oneself
};

std::string_view OperationName(Operation op);

struct Actor {
  uint64_t account_id = 0;
  v1::AccountKind kind = v1::ACCOUNT_KIND_UNSPECIFIED;
  std::string handle;  // not used to decide; carried so callers need not read the account again
};

// The actor's place in one network, as stored right now.
struct Standing {
  bool network_exists = false;
  // Set only for an approved member (the client included). A pending invitee, a removed member
  // and a stranger all have no role.
  std::optional<v1::MemberRole> role;
};

// OK, or NOT_FOUND (no such network), PERMISSION_DENIED (not allowed), FAILED_PRECONDITION
// (allowed for no one in this role, e.g. the client leaving their own network).
Status Authorize(const Actor& actor, Operation op, const Standing& standing);

// Opening a network for `client_id`: the client themself, or a member-kind account who then
// coordinates it. `client_kind` is the kind of the account named as the client.
Status AuthorizeOpenNetwork(const Actor& actor, uint64_t client_id, v1::AccountKind client_kind);

// Creating and disabling accounts: admins only.
Status AuthorizeAccountAdmin(const Actor& actor);

}  // namespace kring
