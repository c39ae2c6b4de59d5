// Typed reads and writes of kringd's records: the one place above storage that knows the key
// layouts (storage/store.h, storage/keys.h) and keeps each index row in step with the record it
// indexes. Actions call these and never name a Table or build a key (ctest checks it:
// tests/server/service/records_own_keys_test.sh).
//
// Reads take a ReadView: the Store on read paths, the writer's Transaction on write paths.
// Writes stage into a Transaction; they cannot fail (the writer's commit can, for the whole).
// Not thread-safe beyond what the ReadView or Transaction passed in allows.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/core/authorize.h"
#include "server/core/status.h"
#include "server/storage/store.h"
#include "server/storage/transaction.h"

namespace kring::service::records {

using storage::ReadView;
using storage::Transaction;

// A fresh id for any object (accounts, networks, threads, invitations share one counter).
StatusOr<uint64_t> AllocateId(Transaction& txn);

// --- Accounts and sessions (tables kAccounts, kHandles, kSessions) ---

StatusOr<std::optional<store::AccountRecord>> GetAccount(const ReadView& view, uint64_t id);
StatusOr<std::optional<uint64_t>> FindAccountId(const ReadView& view, std::string_view handle);
// A new account: its record and its handle, which names it from then on. The caller has checked
// that the handle is free.
void AddAccount(Transaction& txn, const store::AccountRecord& record);
// An existing account's record, rewritten whole (a handle never changes, so its row stays).
// Both write account.must_change_password as the record's must_change_password, so that every
// view of the account says it.
void PutAccount(Transaction& txn, const store::AccountRecord& record);
// Whether any account exists (the first start creates the admin).
StatusOr<bool> AnyAccount(const ReadView& view);
// Visits the accounts with an id greater than `after_id`, by id, until `visit` returns false. A
// record that does not parse fails the scan.
using AccountVisitor = std::function<bool(const store::AccountRecord& record)>;
Status ScanAccounts(const ReadView& view, uint64_t after_id, const AccountVisitor& visit);

// Sessions are kept under sha256(token) (`session_key`), never under the token itself.
StatusOr<std::optional<store::SessionRecord>> GetSession(const ReadView& view,
                                                         std::string_view session_key);
void PutSession(Transaction& txn, std::string_view session_key,
                const store::SessionRecord& session);
void DeleteSession(Transaction& txn, std::string_view session_key);

// --- Networks and members (tables kNetworks, kMembers, kAccountNetworks) ---

StatusOr<std::optional<v1::Network>> GetNetwork(const ReadView& view, uint64_t network_id);
void PutNetwork(Transaction& txn, const v1::Network& network);

StatusOr<std::optional<store::MemberRecord>> GetMember(const ReadView& view, uint64_t network_id,
                                                       uint64_t account_id);
// The member record and the account's entry in its networks, together.
void AddMember(Transaction& txn, uint64_t network_id, const store::MemberRecord& member);
// Both rows AddMember wrote.
void RemoveMember(Transaction& txn, uint64_t network_id, uint64_t account_id);
// The network's member records, by account id; a record that does not parse is left out.
StatusOr<std::vector<store::MemberRecord>> Members(const ReadView& view, uint64_t network_id);
// The networks an account is a member of, (for a representative) the networks of the clients
// they represent, and the networks of the teams they are a person of. Each once, ascending.
StatusOr<std::vector<uint64_t>> NetworksOf(const ReadView& view, uint64_t account_id);

// The public view of an account record.
v1::Member MemberView(const store::MemberRecord& member, const v1::Account& account);

// --- Invitations (tables kInvitations, kNetworkInvitations, kInviteeInvitations) ---
// Both index tables hold, per (network, invitee), the id of the latest invitation.

StatusOr<std::optional<v1::Invitation>> GetInvitation(const ReadView& view, uint64_t id);
// A new invitation (its id set), made the latest of its network and invitee in both indexes.
void PutInvitation(Transaction& txn, const v1::Invitation& invitation);
// An existing invitation's record rewritten (its state changed). The indexes are left alone:
// they may name a newer invitation of the same network and invitee.
void UpdateInvitation(Transaction& txn, const v1::Invitation& invitation);
// The latest invitation of the invitee into the network, if any.
StatusOr<std::optional<v1::Invitation>> LatestInvitation(const ReadView& view, uint64_t network_id,
                                                         uint64_t invitee_id);
// The ids of the latest invitations addressed to the account (one per network, by network id),
// and of those into the network (one per invitee, by invitee id).
StatusOr<std::vector<uint64_t>> InvitationIdsTo(const ReadView& view, uint64_t invitee_id);
StatusOr<std::vector<uint64_t>> InvitationIdsIn(const ReadView& view, uint64_t network_id);

// --- Decisions about one object of a network ---

// The network and the actor's standing in it at now_ms: what answering a pending network is
// decided on. NOT_FOUND when there is no such network (a declined one included).
struct NetworkAt {
  v1::Network network;
  Standing standing;
};
StatusOr<NetworkAt> GetNetworkAt(const ReadView& view, uint64_t network_id, uint64_t account_id,
                                 int64_t now_ms);

// An invitation, its network, and the actor's standing there at now_ms: what approving or
// declining it is decided on. NOT_FOUND when there is no such invitation.
struct InvitationAt {
  v1::Invitation invitation;
  v1::Network network;
  Standing standing;
};
StatusOr<InvitationAt> GetInvitationAt(const ReadView& view, uint64_t invitation_id,
                                       uint64_t account_id, int64_t now_ms);

// --- Standing: what Authorize decides on ---

// The actor's standing in the network at now_ms (for Authorize): membership, representation of
// the client, the actor's current consent and the team consent.
StatusOr<Standing> GetStanding(const ReadView& view, uint64_t network_id, uint64_t account_id,
                               int64_t now_ms);

// GetStanding in two steps: the stored records, which hold until one of them changes, and the
// standing they give at an instant (the consents' ends are decided then).
// One way the actor may be in the network through a team (docs/consent.md, "Teams"): a team
// they are a person of, admitted to the network.
struct TeamRoute {
  uint64_t team_id = 0;
  std::string team_name;
  std::optional<v1::Consent> consent;  // the team's current record in the network
  int64_t from_ms = 0;
  int64_t until_ms = 0;
  bool excluded = false;
};
struct StandingRecords {
  Standing standing;                // now_ms, team_threads_allowed and the team route not set
  std::optional<v1::Consent> team;  // the network's team-only-threads consent, if any
  // Only for an actor without a role of their own in the network (the personal membership
  // decides), by team id. StandingAt takes the first open at the instant, else the first.
  std::vector<TeamRoute> team_routes;
};
StatusOr<StandingRecords> ReadStandingRecords(const ReadView& view, uint64_t network_id,
                                              uint64_t account_id);
Standing StandingAt(const StandingRecords& records, int64_t now_ms);

// --- Teams (tables kTeams, kTeamPeople, kAccountTeams, kTeamExclusions) ---
// A team admitted to a network is a member (AddMember with MemberRecord.team and the team's id
// as account_id), so NetworksOf(team id) lists its networks and its consent is kept under its id.

StatusOr<std::optional<v1::Team>> GetTeam(const ReadView& view, uint64_t team_id);
void PutTeam(Transaction& txn, const v1::Team& team);
// Every team, by id.
StatusOr<std::vector<v1::Team>> AllTeams(const ReadView& view);
// A person's record in the team (ids, flags and period: handles are filled in by the caller).
StatusOr<std::optional<v1::TeamPerson>> GetTeamPerson(const ReadView& view, uint64_t team_id,
                                                      uint64_t account_id);
// The person's record and their entry in the account's teams, together.
void PutTeamPerson(Transaction& txn, const v1::TeamPerson& person);
// Both rows PutTeamPerson wrote.
void RemoveTeamPerson(Transaction& txn, uint64_t team_id, uint64_t account_id);
// The team's people, by account id.
StatusOr<std::vector<v1::TeamPerson>> TeamPeople(const ReadView& view, uint64_t team_id);
// The teams the account is a person of, ascending.
StatusOr<std::vector<uint64_t>> TeamsOf(const ReadView& view, uint64_t account_id);
StatusOr<bool> IsExcluded(const ReadView& view, uint64_t network_id, uint64_t team_id,
                          uint64_t account_id);
void SetExcluded(Transaction& txn, uint64_t network_id, uint64_t team_id, uint64_t account_id,
                 bool excluded);
// The people of the team who are in the network only through it (not a member or a
// representative there in person): those whose live delivery the team's changes cut.
StatusOr<std::vector<v1::TeamPerson>> PeopleThroughTeam(const ReadView& view,
                                                        const v1::Network& network,
                                                        uint64_t team_id);

// --- Consent (tables kConsents, kCurrentConsents; kMeta for expiries noted) ---

// The grantee's newest consent record in the network (grantee 0: the team).
StatusOr<std::optional<v1::Consent>> GetCurrentConsent(const ReadView& view, uint64_t network_id,
                                                       uint64_t grantee_id);
// Stores a new record (its id set) and makes it the grantee's current one.
void PutConsent(Transaction& txn, const v1::Consent& consent);
// Every grantee's current record in the network, team included.
StatusOr<std::vector<v1::Consent>> CurrentConsents(const ReadView& view, uint64_t network_id);
// Every record of the network, oldest first.
StatusOr<std::vector<v1::Consent>> ConsentHistory(const ReadView& view, uint64_t network_id);
// True the first time it is asked about the consent, which it notes, so that a consent's expiry
// is put on the access log once however many requests come to see it; false ever after.
StatusOr<bool> FirstSightOfExpiry(Transaction& txn, uint64_t consent_id);

// --- Representatives (tables kRepresentatives, kRepresentedBy) ---

StatusOr<std::optional<v1::Representation>> GetRepresentation(const ReadView& view,
                                                              uint64_t client_id,
                                                              uint64_t representative_id);
// The representation and the representative's entry in the clients they represent, together.
void AddRepresentation(Transaction& txn, const v1::Representation& representation);
// Both rows AddRepresentation wrote.
void RemoveRepresentation(Transaction& txn, uint64_t client_id, uint64_t representative_id);
StatusOr<std::vector<uint64_t>> RepresentativesOf(const ReadView& view, uint64_t client_id);
StatusOr<std::vector<uint64_t>> ClientsRepresentedBy(const ReadView& view,
                                                     uint64_t representative_id);
// The accounts that act as the network's client: the client and their representatives.
StatusOr<std::vector<uint64_t>> Principals(const ReadView& view, const v1::Network& network);

// --- Appointments waiting for a second admin (table kRepresentationRequests) ---
// Kept apart from the representations in force, which alone give access.

StatusOr<std::optional<v1::Representation>> GetRepresentationRequest(const ReadView& view,
                                                                     uint64_t client_id,
                                                                     uint64_t representative_id);
void PutRepresentationRequest(Transaction& txn, const v1::Representation& request);
void DeleteRepresentationRequest(Transaction& txn, uint64_t client_id, uint64_t representative_id);
// The pending appointments of the client (client_id != 0) or of every client (0), by client id
// and representative id.
StatusOr<std::vector<v1::Representation>> RepresentationRequests(const ReadView& view,
                                                                 uint64_t client_id);
// The representations in force for the client, by representative id.
StatusOr<std::vector<v1::Representation>> RepresentationsOf(const ReadView& view,
                                                            uint64_t client_id);

// --- Threads (tables kThreads, kNetworkThreads, kThreadHeads) ---

StatusOr<std::optional<v1::Thread>> GetThread(const ReadView& view, uint64_t thread_id);
// The seq of the thread's newest message; 0 before the first.
StatusOr<uint64_t> GetThreadHead(const ReadView& view, uint64_t thread_id);
// A new thread (its id and network set), listed in its network's threads.
void AddThread(Transaction& txn, const v1::Thread& thread);
// An existing thread's record rewritten (its sensitivity changed). What GetThreadIn and the
// listings add (last_seq, participants, last post time) is not stored.
void UpdateThread(Transaction& txn, const v1::Thread& thread);
StatusOr<std::vector<uint64_t>> NetworkThreadIds(const ReadView& view, uint64_t network_id);
// Every thread of the network with its newest seq and its sensitivity.
StatusOr<std::vector<ThreadHead>> NetworkThreadHeads(const ReadView& view, uint64_t network_id);
// Every thread of the network as Authorize sees it (team-only, sensitive).
StatusOr<std::vector<ThreadRef>> NetworkThreadRefs(const ReadView& view, uint64_t network_id);
// Every thread of the network as the consent rules see it (ThreadHead without the seq).
StatusOr<std::vector<ThreadScope>> NetworkThreadScopes(const ReadView& view, uint64_t network_id);

// A counter per network, bumped by every write that changes who may read what in it (a consent
// record, a thread's sensitivity). A list built off the writer (ListThreads, ListMembers) is
// given only if the counter is the same when the writer answers (reads.cc): its answer depends
// on more than the asker's own standing.
StatusOr<uint64_t> AccessEpoch(const ReadView& view, uint64_t network_id);
Status BumpAccessEpoch(Transaction& txn, uint64_t network_id);

// The thread, if it exists and belongs to the network; NOT_FOUND otherwise.
StatusOr<v1::Thread> GetThreadIn(const ReadView& view, uint64_t network_id, uint64_t thread_id);
inline ThreadRef RefOf(const v1::Thread& thread) {
  return {thread.id(), thread.team_only(), thread.sensitive(), thread.unmarked_at_seq()};
}

// --- Messages (tables kMessages, kThreadHeads, kIdempotency) ---

// What a sender's client_msg_id was used for, if it was.
StatusOr<std::optional<store::PostedRef>> GetPostedRef(const ReadView& view, uint64_t sender_id,
                                                       std::string_view client_msg_id);
// Appends `message` to its thread: the message, the thread's new head and the sender's
// client_msg_id entry (with `text_sha256`, so a resend is told from a reuse), all three together.
// The caller has set message.seq() to the thread's head + 1. Returns the message's stored bytes
// (what MessagePostedFrame sends), so it is serialized once.
std::string AppendMessage(Transaction& txn, const v1::Message& message,
                          std::string_view text_sha256);
// The thread's message `seq`, if it is stored.
StatusOr<std::optional<v1::Message>> GetMessage(const ReadView& view, uint64_t thread_id,
                                                uint64_t seq);
// One stored message: its seq and its bytes (a v1.Message). Return false to stop.
using HistoryVisitor = std::function<bool(uint64_t seq, std::string_view message)>;
// Visits the thread's messages after `after_seq`, in seq order, at most `limit` (0: all). The one
// scan of a thread's history: FetchHistory's page and a subscription's backlog. Scans a
// Transaction only for small ranges (transaction.h); history is read from the Store.
Status HistoryPage(const ReadView& view, uint64_t thread_id, uint64_t after_seq, size_t limit,
                   const HistoryVisitor& visit);

// --- Corrections and retractions (table kMessageVersions; issue 15, item 3) ---
// The message record in kMessages is always the version shown now; a change keeps the version
// it replaced, logs itself under the thread's next change number, and notes the author's
// client_msg_id in kIdempotency (a PostedRef with version set), all in one batch.

// The thread's newest change number; 0 before the first.
StatusOr<uint64_t> ThreadChangeHead(const ReadView& view, uint64_t thread_id);
// Replaces the thread's message `was.seq()` with `now` (now.change() the thread's next change
// number, now.version() was's + 1), keeps `was` as it was shown, logs `change` under
// now.change(), and notes `client_msg_id` with `text_sha256`. Returns now's stored bytes.
std::string ChangeMessage(Transaction& txn, const v1::Message& was, const v1::Message& now,
                          const store::MessageChange& change, std::string_view client_msg_id,
                          std::string_view text_sha256);
// The versions a change replaced, oldest first (not the current one, which GetMessage reads).
StatusOr<std::vector<v1::Message>> EarlierVersions(const ReadView& view, uint64_t thread_id,
                                                   uint64_t seq);
// Visits the thread's changes after `after_change`, in order, at most `limit` (0: all), until
// `visit` returns false. A change that does not parse fails the scan.
using ChangeVisitor = std::function<bool(uint64_t change, const store::MessageChange& record)>;
Status ChangesAfter(const ReadView& view, uint64_t thread_id, uint64_t after_change, size_t limit,
                    const ChangeVisitor& visit);

// --- Read markers (table kReadMarkers) ---

StatusOr<std::optional<v1::ReadMarker>> GetReadMarker(const ReadView& view, uint64_t thread_id,
                                                      uint64_t account_id);
// Kept under the marker's thread_id and account_id.
void PutReadMarker(Transaction& txn, const v1::ReadMarker& marker);
// The thread's markers, by account id; a marker that does not parse is left out.
StatusOr<std::vector<v1::ReadMarker>> ReadMarkersOf(const ReadView& view, uint64_t thread_id);

// --- Attachments (issue 15, item 2; tables kAttachments, kAttachmentUsage) ---

StatusOr<std::optional<v1::Attachment>> GetAttachment(const ReadView& view, uint64_t attachment_id);
// A new attachment's record, and its size added to its network's usage.
void AddAttachment(Transaction& txn, const v1::Attachment& attachment, uint64_t usage_before);
// The record of an attachment that is already there (its message_seq set).
void UpdateAttachment(Transaction& txn, const v1::Attachment& attachment);
// Bytes of attachments stored for the network (what its quota is checked against).
StatusOr<uint64_t> AttachmentUsage(const ReadView& view, uint64_t network_id);
// --- The shared plan (tables kPlans, kPlanChanges, kPlanVersions; records_plan.cc) ---
// Issue 15, item 1. Everything people wrote in the plan is kept under the network's id.

// The plan as it is now; an empty record (plan.network_id set, next_item_id 1) when it was never
// written.
StatusOr<store::PlanRecord> GetPlan(const ReadView& view, uint64_t network_id);
// A change of the plan: the plan as it is after it (change_seq already change.seq()) and the
// change itself, together.
void PutPlanChange(Transaction& txn, const store::PlanRecord& plan, const v1::PlanChange& change);
// The plan's changes after `after_seq`, oldest first, at most `limit` (0: all).
StatusOr<std::vector<v1::PlanChange>> PlanChanges(const ReadView& view, uint64_t network_id,
                                                  uint64_t after_seq, size_t limit);
StatusOr<std::optional<v1::PlanVersion>> GetPlanVersion(const ReadView& view, uint64_t network_id,
                                                        uint32_t number);
// A new version, or an existing one rewritten (its acknowledgement added).
void PutPlanVersion(Transaction& txn, const v1::PlanVersion& version);
// Every version of the plan, oldest first, without their plans.
StatusOr<std::vector<v1::PlanVersion>> PlanVersions(const ReadView& view, uint64_t network_id);

}  // namespace kring::service::records
