// Networks, invitations and members (actions.h): network_actions.cc, network_open_actions.cc.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status OpenNetwork(RequestContext& ctx, const v1::OpenNetworkRequest& req);
Status ListNetworks(RequestContext& ctx, const v1::ListNetworksRequest& req);
Status Invite(RequestContext& ctx, const v1::InviteRequest& req);
Status ListInvitations(RequestContext& ctx, const v1::ListInvitationsRequest& req);
Status ApproveInvitation(RequestContext& ctx, const v1::ApproveInvitationRequest& req);
Status DeclineInvitation(RequestContext& ctx, const v1::DeclineInvitationRequest& req);
Status RemoveMember(RequestContext& ctx, const v1::RemoveMemberRequest& req);
Status ListMembers(RequestContext& ctx, const v1::ListMembersRequest& req);

// network_open_actions.cc: opening a network, and answering one a member opened for a client.
Status AcceptNetwork(RequestContext& ctx, const v1::AcceptNetworkRequest& req);
Status DeclineNetwork(RequestContext& ctx, const v1::DeclineNetworkRequest& req);

}  // namespace kring::service
