#include "server/core/authorize.h"

#include <algorithm>

namespace kring {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kListMembers:
      return "list members";
    case Operation::kListThreads:
      return "list threads";
    case Operation::kReadHistory:
      return "read history";
    case Operation::kReceiveLive:
      return "receive messages";
    case Operation::kPost:
      return "post";
    case Operation::kCreateThread:
      return "create a thread";
    case Operation::kMarkRead:
      return "mark read";
    case Operation::kListReadMarkers:
      return "list read markers";
    case Operation::kInvite:
      return "invite";
    case Operation::kApproveInvitation:
      return "approve an invitation";
    case Operation::kRemoveOther:
      return "remove a member";
    case Operation::kLeave:
      return "leave";
    case Operation::kGrantConsent:
      return "grant consent";
    case Operation::kWithdrawConsent:
      return "withdraw consent";
    case Operation::kListConsents:
      return "list consents";
    case Operation::kSetThreadSensitive:
      return "mark a thread sensitive";
    case Operation::kReadPlan:
      return "read the plan";
    case Operation::kEditPlan:
      return "edit the plan";
    case Operation::kUpdateAssignedAction:
      return "update a plan action";
    case Operation::kAcknowledgePlan:
      return "acknowledge a plan version";
  }
  return "?";
}

namespace {

bool IsPrincipalRole(const Standing& standing) {
  return standing.role == v1::MEMBER_ROLE_CLIENT || standing.role == v1::MEMBER_ROLE_REPRESENTATIVE;
}

bool IsStaff(const Actor& actor) {
  return actor.kind == v1::ACCOUNT_KIND_ADMIN || actor.kind == v1::ACCOUNT_KIND_AUDITOR;
}

Status Denied(Operation op, std::string_view why) {
  return PermissionDenied("may not " + std::string(OperationName(op)) + ": " + std::string(why));
}

// Nothing happens in a network before the client accepts it: not for the opener, who waits, nor
// for the client, who answers first.
Status PendingRefusal(const Standing& standing) {
  if (IsPrincipalRole(standing)) {
    return FailedPrecondition("this network waits for the client to accept or decline it");
  }
  const std::string client =
      standing.client_handle.empty() ? std::string("the client") : standing.client_handle;
  return FailedPrecondition("waiting for " + client + " to accept this network");
}

}  // namespace

bool IsPrincipal(const Standing& standing) { return IsPrincipalRole(standing); }

namespace {

bool IsThreadOperation(Operation op) {
  switch (op) {
    case Operation::kReadHistory:
    case Operation::kReceiveLive:
    case Operation::kPost:
    case Operation::kMarkRead:
    case Operation::kListReadMarkers:
      return true;
    default:
      return false;
  }
}

// What only the client (or their representative) decides.
bool IsPrincipalOperation(Operation op) {
  switch (op) {
    case Operation::kApproveInvitation:
    case Operation::kRemoveOther:
    case Operation::kGrantConsent:
    case Operation::kWithdrawConsent:
    case Operation::kListConsents:
    case Operation::kSetThreadSensitive:
    case Operation::kAcknowledgePlan:
      return true;
    default:
      return false;
  }
}

Status AuthorizePrincipal(Operation op, const Standing& standing, const ThreadRef& thread) {
  if (op == Operation::kLeave) {
    if (standing.role == v1::MEMBER_ROLE_CLIENT) {
      return FailedPrecondition("the client cannot leave their own network");
    }
    return FailedPrecondition("a representative's appointment is ended by an admin");
  }
  if (op == Operation::kCreateThread && thread.team_only) {
    return FailedPrecondition("a thread the client opens includes the client");
  }
  if (IsThreadOperation(op) && thread.team_only) {
    return Denied(op,
                  "thread " + std::to_string(thread.id) +
                      " is for the team only; the client sees who takes part, not what is said");
  }
  return Status::Ok();
}

// A coordinator: the member who opened the network, or one whose consent includes COORDINATE
// (docs/consent.md). Editors of the plan while their consent is in force.
bool Coordinates(const Standing& standing) {
  return standing.role == v1::MEMBER_ROLE_COORDINATOR ||
         (standing.consent && Allows(*standing.consent, v1::CONSENT_ACTION_COORDINATE));
}

// A member (in person or through a team) whose consent is in force, about the plan.
Status AuthorizeMemberPlan(Operation op, const Standing& standing, const v1::Consent& consent) {
  if (Coordinates(standing)) return Status::Ok();  // an editor
  const v1::PlanScope scope = consent.provision().plan();
  switch (op) {
    case Operation::kReadPlan:
      if (scope != v1::PLAN_SCOPE_NONE) return Status::Ok();
      return Denied(op, "your consent does not include the plan");
    case Operation::kUpdateAssignedAction:
      if (scope == v1::PLAN_SCOPE_UPDATE_ASSIGNED) return Status::Ok();
      return Denied(op, scope == v1::PLAN_SCOPE_NONE
                            ? "your consent does not include the plan"
                            : "your consent allows reading the plan, not updating your actions");
    default:
      return Denied(op, "only the client, their representative and coordinators edit the plan");
  }
}

Status AuthorizeMember(Operation op, const Standing& standing, const ThreadRef& thread) {
  if (op == Operation::kLeave) {
    if (standing.team_id != 0) {
      return FailedPrecondition("you are in this network through team \"" + standing.team_name +
                                "\"; a coordinator of the team removes you from it");
    }
    return Status::Ok();  // with or without consent in force
  }
  if (IsPrincipalOperation(op)) {
    return Denied(op, "only the client or their representative decides this");
  }
  if (std::string why = TeamRouteClosedReason(standing); !why.empty()) return Denied(op, why);
  if (!standing.consent) return Denied(op, "no consent on record");
  const v1::Consent& consent = *standing.consent;
  if (std::string why = NotInForceReason(consent, standing.now_ms); !why.empty()) {
    return Denied(op, "your " + why);
  }
  switch (op) {
    case Operation::kListMembers:
    case Operation::kListThreads:
      return Status::Ok();
    case Operation::kInvite:
      if (Allows(consent, v1::CONSENT_ACTION_COORDINATE)) return Status::Ok();
      return Denied(op, "your consent does not include inviting others");
    case Operation::kReadPlan:
    case Operation::kEditPlan:
    case Operation::kUpdateAssignedAction:
      return AuthorizeMemberPlan(op, standing, consent);
    case Operation::kCreateThread:
      if (!Allows(consent, v1::CONSENT_ACTION_POST)) {
        return Denied(op, "your consent does not include posting");
      }
      if (!consent.provision().all_threads()) {
        return Denied(op, "your consent covers some threads, not new ones");
      }
      if (thread.team_only && !standing.team_threads_allowed) {
        return Denied(op, "the client does not consent to threads without them");
      }
      return Status::Ok();
    default:
      break;
  }
  if (!IsThreadOperation(op)) return Denied(op, "unknown operation");
  if (thread.id == 0)
    return Internal("no thread given to authorize " + std::string(OperationName(op)));
  if (!CoversThread(consent, thread.scope())) {
    if (thread.sensitive && consent.provision().all_threads()) {
      return Denied(op, "thread " + std::to_string(thread.id) +
                            " is sensitive: only the people the client names may read it");
    }
    return Denied(op, "thread " + std::to_string(thread.id) + " is not in your consent's scope");
  }
  if (op == Operation::kPost) {
    if (!Allows(consent, v1::CONSENT_ACTION_POST)) {
      return Denied(op, "your consent allows reading, not posting");
    }
    if (thread.team_only && !standing.team_threads_allowed) {
      return Denied(op, "the client withdrew consent to threads without them");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Authorize(const Actor& actor, Operation op, const Standing& standing,
                 const ThreadRef& thread) {
  // Admins and auditors never see network content, whatever the store says about them, and
  // are refused before anything is looked at: not even whether the network exists.
  if (IsStaff(actor)) return Denied(op, "admins and auditors have no access to networks");
  if (!standing.network_exists) return NotFound("no such network");
  if (!standing.role) return Denied(op, "not a member of this network");
  if (standing.network_pending) return PendingRefusal(standing);
  if (IsThreadOperation(op) && thread.id == 0) {
    return Internal("no thread given to authorize " + std::string(OperationName(op)));
  }
  if (IsPrincipal(standing)) return AuthorizePrincipal(op, standing, thread);
  return AuthorizeMember(op, standing, thread);
}

Status AuthorizeNetworkAccess(const Actor& actor, Operation op, const Standing& standing) {
  if (IsStaff(actor)) return Denied(op, "admins and auditors have no access to networks");
  if (!standing.network_exists) return NotFound("no such network");
  if (!standing.role) return Denied(op, "not a member of this network");
  if (standing.network_pending) return PendingRefusal(standing);
  if (IsPrincipal(standing)) return Status::Ok();
  if (std::string why = TeamRouteClosedReason(standing); !why.empty()) return Denied(op, why);
  if (!standing.consent) return Denied(op, "no consent on record");
  if (std::string why = NotInForceReason(*standing.consent, standing.now_ms); !why.empty()) {
    return Denied(op, "your " + why);
  }
  return Status::Ok();
}

bool SameStanding(const Standing& a, const Standing& b) {
  const uint64_t a_consent = a.consent ? a.consent->id() : 0;
  const uint64_t b_consent = b.consent ? b.consent->id() : 0;
  return a.network_exists == b.network_exists && a.role == b.role && a_consent == b_consent &&
         a.team_threads_allowed == b.team_threads_allowed && a.client_id == b.client_id &&
         a.team_id == b.team_id && a.team_from_ms == b.team_from_ms &&
         a.team_until_ms == b.team_until_ms && a.team_excluded == b.team_excluded &&
         a.network_pending == b.network_pending && a.client_handle == b.client_handle;
}

std::string TeamRouteClosedReason(const Standing& standing) {
  if (standing.team_id == 0) return "";
  const std::string team = "team \"" + standing.team_name + "\"";
  if (standing.team_excluded) return "the client excluded you from this network's " + team;
  if (standing.now_ms < standing.team_from_ms) {
    return "your period in " + team + " has not started yet";
  }
  if (standing.team_until_ms != 0 && standing.now_ms >= standing.team_until_ms) {
    return "your period in " + team + " has ended";
  }
  return "";
}

bool SeesThread(const Standing& standing, const ThreadRef& thread) {
  if (!standing.network_exists || !standing.role || standing.network_pending) return false;
  if (IsPrincipal(standing)) return true;
  if (!TeamRouteClosedReason(standing).empty()) return false;
  return standing.consent && InForce(*standing.consent, standing.now_ms) &&
         CoversThread(*standing.consent, thread.scope());
}

uint64_t HiddenThrough(const Standing& standing, const ThreadRef& thread) {
  if (IsPrincipal(standing) || !standing.consent) return 0;
  return HiddenThrough(*standing.consent, thread.scope());
}

int64_t AccessEndsMs(const Standing& standing) {
  if (IsPrincipal(standing) || !standing.consent) return 0;
  const int64_t consent_end = standing.consent->provision().end_ms();
  if (standing.team_id == 0 || standing.team_until_ms == 0) return consent_end;
  if (consent_end == 0) return standing.team_until_ms;
  return std::min(consent_end, standing.team_until_ms);
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

bool OpensPending(const Actor& actor, uint64_t client_id, bool represents) {
  return actor.account_id != client_id && !represents;
}

Status AuthorizeAnswerNetwork(const Actor& actor, const Standing& standing) {
  if (IsStaff(actor)) return PermissionDenied("admins and auditors do not answer for clients");
  if (!standing.network_exists) return NotFound("no such network");
  if (!IsPrincipal(standing)) {
    return PermissionDenied(
        "only the client or their representative accepts or declines a network opened for them");
  }
  if (!standing.network_pending) {
    return FailedPrecondition("the network is not waiting to be accepted");
  }
  return Status::Ok();
}

Status AuthorizeConfirmRepresentative(const Actor& actor, uint64_t appointed_by) {
  KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
  if (actor.account_id == appointed_by) {
    return PermissionDenied(
        "a second admin confirms an appointment, not the admin who asked for it");
  }
  return Status::Ok();
}

Status AuthorizePlanActionUpdate(const Actor& actor, const Standing& standing, uint64_t assignee_id,
                                 bool assignee_is_team, bool only_status_and_note) {
  if (IsPrincipal(standing) || Coordinates(standing)) return Status::Ok();
  constexpr Operation op = Operation::kUpdateAssignedAction;
  const bool theirs = assignee_is_team ? standing.team_id != 0 && standing.team_id == assignee_id
                                       : standing.team_id == 0 && actor.account_id == assignee_id;
  if (!theirs) return Denied(op, "the action is assigned to someone else");
  if (!only_status_and_note) {
    return Denied(op, "the person an action is assigned to updates only its status and note");
  }
  return Status::Ok();
}

bool ReadsPlan(const Standing& standing) {
  return Authorize(Actor{0, v1::ACCOUNT_KIND_MEMBER}, Operation::kReadPlan, standing).ok();
}

Status AuthorizeAuditor(const Actor& actor) {
  if (actor.kind == v1::ACCOUNT_KIND_AUDITOR) return Status::Ok();
  return PermissionDenied("only an auditor reads the access log");
}

Status AuthorizeDeclineInvitation(bool is_invitee, const Standing& standing) {
  if (is_invitee || IsPrincipal(standing)) return Status::Ok();
  return PermissionDenied(
      "only the invitee, the client or their representative declines an invitation");
}

Status AuthorizeAccessLogRead(const Actor& actor, uint64_t client_id, bool represents) {
  if (client_id == actor.account_id) {
    if (actor.kind == v1::ACCOUNT_KIND_CLIENT) return Status::Ok();
    return PermissionDenied("an access log is kept for clients; name the client you represent");
  }
  if (represents) return Status::Ok();
  return PermissionDenied("only the client or their representative reads the client's access log");
}

Status AuthorizeRequest(const Actor& actor, v1::ClientFrame::RequestCase request) {
  if (!actor.must_change_password) return Status::Ok();
  switch (request) {
    case v1::ClientFrame::kLogin:
    case v1::ClientFrame::kResumeSession:
    case v1::ClientFrame::kWhoAmI:
    case v1::ClientFrame::kLogout:
    case v1::ClientFrame::kChangePassword:
      return Status::Ok();
    default:
      // Whoever read the printed password could otherwise use it for ever.
      return FailedPrecondition("change the one-time password first: kring password");
  }
}

Status AuthorizeAccountAdmin(const Actor& actor) {
  if (actor.kind == v1::ACCOUNT_KIND_ADMIN) return Status::Ok();
  return PermissionDenied("only an admin manages accounts");
}

Status AuthorizeTeamAdmin(const Actor& actor) {
  if (actor.kind == v1::ACCOUNT_KIND_ADMIN) return Status::Ok();
  return PermissionDenied("only an admin creates teams");
}

Status AuthorizeTeamChange(const Actor& actor, bool coordinates, bool about_coordinator) {
  if (actor.kind == v1::ACCOUNT_KIND_ADMIN) return Status::Ok();
  if (!coordinates) {
    return PermissionDenied("only an admin or a coordinator of the team changes its people");
  }
  if (about_coordinator) return PermissionDenied("only an admin appoints or removes coordinators");
  return Status::Ok();
}

Status AuthorizeTeamRead(const Actor& actor, bool in_team) {
  if (actor.kind == v1::ACCOUNT_KIND_ADMIN || in_team) return Status::Ok();
  return PermissionDenied("only an admin or a person of the team sees who is in it");
}

}  // namespace kring
