// The single authorization point for everything done inside a network.
//
// Every request that reads or changes a network's content asks Authorize() with the standing
// the actor has in that network at this instant: its records are read in the same request,
// from the store or, on the writer, from its AccessCache (server/service/access_cache.h), which
// keeps them only until a write to any access table clears it; the clock is read at each use,
// so a consent's end and a session's expiry are never cached. Live delivery is authorized when a
// subscription starts, carries the consent's end time, and is cut by the same write that narrows or
// ends the consent (see Hub::EndAccess). The consent model is in docs/consent.md; nothing else
// decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kring/v1/kring.pb.h"
#include "server/core/consent.h"
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
  kApproveInvitation,  // also declining an invitation one did not receive
  kRemoveOther,        // remove someone else from the network
  kLeave,              // remove oneself
  kGrantConsent,
  kWithdrawConsent,
  kListConsents,
  // Marking a thread sensitive or not (client and representatives only). Added after the
  // table's columns: tests/server/core/authorize_test.cc checks it in a table of its own.
  kSetThreadSensitive,
  // The shared plan (issue 15, item 1; docs/plan.md), checked in a table of their own too.
  // Editors are the client, representatives and coordinators (the opener, role COORDINATOR, or
  // a member whose consent includes COORDINATE; with their consent in force); others read per
  // their consent's plan scope; nothing in a pending network.
  kReadPlan,
  kEditPlan,              // the frame, goals, actions (all fields), formal versions
  kUpdateAssignedAction,  // status and note of an action: editors, and PLAN_SCOPE_UPDATE_ASSIGNED
                          // (then AuthorizePlanActionUpdate checks that it is theirs)
  kAcknowledgePlan,       // acknowledging a formal version: the client or a representative
};

std::string_view OperationName(Operation op);

struct Actor {
  uint64_t account_id = 0;
  v1::AccountKind kind = v1::ACCOUNT_KIND_UNSPECIFIED;
  // Not used to decide; carried so callers need not read the account again.
  std::string handle = {};
  std::string profession = {};
  // The account's password is one-time (store.AccountRecord.must_change_password).
  bool must_change_password = false;
};

// The actor's place in one network, as stored at the instant now_ms.
struct Standing {
  bool network_exists = false;
  // CLIENT, COORDINATOR or MEMBER for an approved member; REPRESENTATIVE for a representative
  // of the client (whatever else they are). A pending invitee, a removed member and a stranger
  // have no role.
  std::optional<v1::MemberRole> role;
  // A member's current consent record (the newest, whatever its status); none for the client
  // and representatives, who need none.
  std::optional<v1::Consent> consent;
  // The client's consent to team-only threads is in force.
  bool team_threads_allowed = false;
  uint64_t client_id = 0;  // the network's client (not used to decide)
  int64_t now_ms = 0;
  // The team route (docs/consent.md, "Teams"): set when the actor is not in the network in
  // person but is a person of a team admitted to it. Then role is MEMBER and consent is the
  // team's; the actor has that access only while now_ms is in [team_from_ms, team_until_ms)
  // (until 0: open) and the client has not excluded them. A member in person never has a team
  // route: the personal membership decides.
  uint64_t team_id = 0;
  std::string team_name = {};  // not used to decide; for the access log
  int64_t team_from_ms = 0;
  int64_t team_until_ms = 0;
  bool team_excluded = false;
  // Pending networks (issue 14, item 4). The network was opened by a member for the client and
  // waits for the client (or a representative) to accept it: nobody reads or writes in it yet.
  // `client_handle` names the client in the refusal; filled only while the network is pending.
  bool network_pending = false;
  std::string client_handle = {};
};

// The client or a representative of the client: acts as the client.
bool IsPrincipal(const Standing& standing);

// Whether two standings of one actor in one network, taken at different instants, rest on the
// same records: the same role, the same consent record (records never change; a change is a new
// record) and the same answer on team consent. Then, if Authorize allows an operation under
// both, what the actor sees (SeesThread, HiddenThrough, IsPrincipal) is the same under both: an
// answer built under one may be given under the other.
bool SameStanding(const Standing& a, const Standing& b);

// The thread an operation is about. Thread operations (read history, receive live, post, mark
// read, list read markers) need one; for kCreateThread it describes the thread to be created.
struct ThreadRef {
  uint64_t id = 0;
  bool team_only = false;
  // Covered by a consent for all threads only when named in it (consent.h, ThreadScope).
  bool sensitive = false;
  uint64_t unmarked_at_seq = 0;
  ThreadScope scope() const { return {id, sensitive, unmarked_at_seq}; }
};

// OK, or NOT_FOUND (no such network), PERMISSION_DENIED (not allowed, with the reason),
// FAILED_PRECONDITION (allowed for no one in this role, e.g. the client leaving their own
// network).
Status Authorize(const Actor& actor, Operation op, const Standing& standing,
                 const ThreadRef& thread = {});

// The part of Authorize that does not depend on a thread: the network exists, the actor is not
// staff, has a role, and (a member) has a consent in force. For requests about several threads
// at once, which then ask Authorize per thread.
Status AuthorizeNetworkAccess(const Actor& actor, Operation op, const Standing& standing);

// Whether the thread shows in the actor's thread list: every thread for the client and their
// representatives (team-only and sensitive threads included), the threads in scope for a member
// whose consent is in force (a sensitive thread only when the consent names it).
bool SeesThread(const Standing& standing, const ThreadRef& thread);

// Messages of the thread with seq <= the result are not visible to the actor (history from
// before their consent's scope reached the thread). 0 for the client and representatives.
uint64_t HiddenThrough(const Standing& standing, const ThreadRef& thread);

// When the actor's access in the network ends by itself (the consent's end_ms, or for a team
// route the earlier of it and the end of the actor's period in the team); 0: not by itself.
int64_t AccessEndsMs(const Standing& standing);

// Why a team route gives no access at now_ms ("" when it does, or there is no team route).
std::string TeamRouteClosedReason(const Standing& standing);

// Declining an invitation: the invitee themself (`is_invitee`), or the client or a
// representative, who decide who joins (`standing`: the actor's in the invitation's network).
Status AuthorizeDeclineInvitation(bool is_invitee, const Standing& standing);

// Opening a network for `client_id`: the client themself, or a member-kind account who then
// coordinates it. `client_kind` is the kind of the account named as the client.
Status AuthorizeOpenNetwork(const Actor& actor, uint64_t client_id, v1::AccountKind client_kind);

// Whether a network opened by `actor` for the client waits for the client to accept it: yes
// unless the opener is the client or a representative of the client (`represents`), who act as
// the client and need no consent of their own.
bool OpensPending(const Actor& actor, uint64_t client_id, bool represents);

// Accepting or declining a pending network (`standing`: the actor's in it): the client or a
// representative. FAILED_PRECONDITION when the network is not waiting for an answer.
Status AuthorizeAnswerNetwork(const Actor& actor, const Standing& standing);

// Confirming a pending appointment of a representative: an admin other than the one who asked
// for it (`appointed_by`), so that no single admin can make anyone a client's representative.
Status AuthorizeConfirmRepresentative(const Actor& actor, uint64_t appointed_by);

// Whether the actor's session may make `request` at all, before what it asks is looked at: a
// session of an account whose password is one-time may only change it (and resume, ask who it
// is, log out); FAILED_PRECONDITION for anything else. Asked for every request that authenticates
// (RequestContext::Authenticate).
Status AuthorizeRequest(const Actor& actor, v1::ClientFrame::RequestCase request);

// Creating and disabling accounts, listing them, appointing representatives: admins only.
Status AuthorizeAccountAdmin(const Actor& actor);

// Creating a team: admins only.
Status AuthorizeTeamAdmin(const Actor& actor);

// Adding, changing or removing a person of a team: an admin, anyone; a coordinator of the team
// (`coordinates`), people who are not coordinators (`about_coordinator`: the person is or is to
// be one), for admins appoint coordinators.
Status AuthorizeTeamChange(const Actor& actor, bool coordinates, bool about_coordinator);

// Seeing a team's people and networks: an admin, or a person of the team (`in_team`).
Status AuthorizeTeamRead(const Actor& actor, bool in_team);

// Updating one plan action, once Authorize allowed kUpdateAssignedAction: editors (the client,
// representatives, coordinators) anything; anyone else only the status and note (`only_status_
// and_note`) of an action assigned to them in person or to the team they are in the network
// through (`assignee_id`, `assignee_is_team`). PERMISSION_DENIED with the reason.
Status AuthorizePlanActionUpdate(const Actor& actor, const Standing& standing, uint64_t assignee_id,
                                 bool assignee_is_team, bool only_status_and_note);

// Whether the standing reads the network's plan now (who gets PlanChanged events): what
// Authorize(kReadPlan) allows.
bool ReadsPlan(const Standing& standing);

// Querying the access log, verifying it, signing checkpoints: auditors only.
Status AuthorizeAuditor(const Actor& actor);

// Reading a client's own access log (who accessed the client's data): the client themself, or
// a representative of the client (`represents`: the actor is one now, as the records say).
Status AuthorizeAccessLogRead(const Actor& actor, uint64_t client_id, bool represents);

}  // namespace kring
