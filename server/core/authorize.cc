#include "server/core/authorize.h"

namespace kring {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kListMembers: return "list members";
    case Operation::kListThreads: return "list threads";
    case Operation::kReadHistory: return "read history";
    case Operation::kReceiveLive: return "receive messages";
    case Operation::kPost: return "post";
    case Operation::kCreateThread: return "create a thread";
    case Operation::kMarkRead: return "mark read";
    case Operation::kListReadMarkers: return "list read markers";
    case Operation::kInvite: return "invite";
    case Operation::kApproveInvitation: return "approve an invitation";
    case Operation::kRemoveOther: return "remove a member";
    case Operation::kLeave: return "leave";
  }
  return "?";
}

namespace {

bool IsStaff(const Actor& actor) {
  return actor.kind == v1::ACCOUNT_KIND_ADMIN || actor.kind == v1::ACCOUNT_KIND_AUDITOR;
}

Status Denied(Operation op, std::string_view why) {
  return PermissionDenied("may not " + std::string(OperationName(op)) + ": " + std::string(why));
}

}  // namespace

Status Authorize(const Actor& actor, Operation op, const Standing& standing) {
  if (!standing.network_exists) return NotFound("no such network");
  // Admins and auditors never see network content, whatever the store says about them.
  if (IsStaff(actor)) return Denied(op, "admins and auditors have no access to networks");
  if (!standing.role) return Denied(op, "not a member of this network");
  const v1::MemberRole role = *standing.role;
  switch (op) {
    case Operation::kListMembers:
    case Operation::kListThreads:
    case Operation::kReadHistory:
    case Operation::kReceiveLive:
    case Operation::kPost:
    case Operation::kCreateThread:
    case Operation::kMarkRead:
    case Operation::kListReadMarkers:
      return Status::Ok();
    case Operation::kInvite:
      if (role == v1::MEMBER_ROLE_CLIENT || role == v1::MEMBER_ROLE_COORDINATOR) return Status::Ok();
      return Denied(op, "only the client or a coordinator invites");
    case Operation::kApproveInvitation:
    case Operation::kRemoveOther:
      if (role == v1::MEMBER_ROLE_CLIENT) return Status::Ok();
      return Denied(op, "only the client decides who is in their network");
    case Operation::kLeave:
      if (role == v1::MEMBER_ROLE_CLIENT) {
        return FailedPrecondition("the client cannot leave their own network");
      }
      return Status::Ok();
  }
  return Denied(op, "unknown operation");
}

Status AuthorizeOpenNetwork(const Actor& actor, uint64_t client_id, v1::AccountKind client_kind) {
  if (client_kind != v1::ACCOUNT_KIND_CLIENT) {
    return InvalidArgument("a network is opened for an account of kind client");
  }
  if (actor.kind == v1::ACCOUNT_KIND_CLIENT) {
    if (actor.account_id == client_id) return Status::Ok();
    return PermissionDenied("a client opens only their own network");
  }
  if (actor.kind == v1::ACCOUNT_KIND_MEMBER) return Status::Ok();
  return PermissionDenied("admins and auditors do not open networks");
}

Status AuthorizeAccountAdmin(const Actor& actor) {
  if (actor.kind == v1::ACCOUNT_KIND_ADMIN) return Status::Ok();
  return PermissionDenied("only an admin manages accounts");
}

}  // namespace kring
