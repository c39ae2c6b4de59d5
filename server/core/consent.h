// The consent model's rules, with no I/O: when a record is in force, what it covers, and how
// the next record of a grantee follows from the previous one. docs/consent.md explains the model;
// Authorize() (authorize.h) applies it to each access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring {

// What the consent rules need to know about a thread besides its id (v1.Thread's fields).
struct ThreadScope {
  uint64_t id = 0;
  // A consent for all threads covers a sensitive thread only when it names it in thread_ids.
  bool sensitive = false;
  // The thread's newest seq when it was last made not sensitive (0: never): history up to here
  // was posted while the thread was outside the scope of consents that cover it only through
  // all_threads.
  uint64_t unmarked_at_seq = 0;
};

// ACTIVE, start_ms <= now_ms, and end_ms is 0 or now_ms < end_ms.
bool InForce(const v1::Consent& consent, int64_t now_ms);
bool Allows(const v1::Consent& consent, v1::ConsentAction action);
// Whether the record's scope includes the thread (whatever its status): a thread named in
// thread_ids; with all_threads, also every thread that is not sensitive.
bool CoversThread(const v1::Consent& consent, const ThreadScope& thread);
// Messages of the thread with seq <= the result are hidden from the grantee (0: none): what the
// record keeps for the thread, and, for a thread covered only through all_threads, what was
// posted up to its last unmarking (unless history_visible).
uint64_t HiddenThrough(const v1::Consent& consent, const ThreadScope& thread);

// Why a record is not in force at now_ms, in plain words; empty when it is.
std::string NotInForceReason(const v1::Consent& consent, int64_t now_ms);

// "2026-03-03T09:15:00Z" (UTC, to the second).
std::string FormatUtc(int64_t unix_ms);

// Checks a provision from a request and returns it in stored form: READ added, thread ids
// sorted and unique (kept with all_threads: they name the sensitive threads it also covers),
// start_ms 0 replaced by now_ms. `for_team`: the provision of a consent to the team as a whole,
// which holds only TEAM_THREADS. INVALID_ARGUMENT with the reason.
StatusOr<v1::ConsentProvision> NormalizeProvision(const v1::ConsentProvision& requested,
                                                  bool for_team, int64_t now_ms);

// Every grant to a member unless the client says otherwise: every thread, read and post, no
// history from before the grant.
v1::ConsentProvision DefaultMemberProvision();

struct ThreadHead {
  uint64_t thread_id = 0;
  uint64_t last_seq = 0;
  bool sensitive = false;
  uint64_t unmarked_at_seq = 0;
  ThreadScope scope() const { return {thread_id, sensitive, unmarked_at_seq}; }
};

// The grantee's next record: `provision` (normalized) recorded at now_ms, superseding
// `previous` (the grantee's current record, if any). Sets status, supersedes, recorded_at_ms,
// access_since_ms and hidden_through_seq; the caller fills in ids, handles, who recorded it and
// the reason.
//
// History: while the chain of grants is unbroken (previous in force), a thread already in scope
// keeps what was visible; a thread coming into scope now hides what it holds now (`heads`: every
// thread of the network with its newest seq and sensitivity) unless history_visible. Coverage is
// decided with each thread's sensitivity now: a thread that became sensitive fell out of an
// all-threads scope then, so naming it later brings it into scope anew (like narrowing and
// widening again).
v1::Consent NextGrant(const std::optional<v1::Consent>& previous,
                      const v1::ConsentProvision& provision, const std::vector<ThreadHead>& heads,
                      int64_t now_ms);

// A withdrawn record superseding `previous` (same provision, for the history's sake).
v1::Consent NextWithdrawal(const v1::Consent& previous, int64_t now_ms);

// The live access that `before` gave at now_ms and `after` does not: the whole network (when
// `after` is not in force), or the threads of `network_threads` that fell out of scope.
// LosesThread: whether a consent in force stops covering a thread whose sensitivity changed
// from `before` to `after`.
struct AccessCut {
  bool whole_network = false;
  std::vector<uint64_t> thread_ids;
  bool empty() const { return !whole_network && thread_ids.empty(); }
};
AccessCut CutBetween(const std::optional<v1::Consent>& before, const v1::Consent& after,
                     const std::vector<ThreadScope>& network_threads, int64_t now_ms);
// Whether `after` takes the plan away that `before` let the grantee read while keeping the
// network (both in force; a record not in force ends the whole network, which AccessEnded
// says). A consent with COORDINATE reads it whatever the scope (a coordinator edits it); the
// member who opened the network (role COORDINATOR) too: the caller leaves them out.
bool LosesPlan(const std::optional<v1::Consent>& before, const v1::Consent& after, int64_t now_ms);
bool LosesThread(const v1::Consent& consent, const ThreadScope& before, const ThreadScope& after,
                 int64_t now_ms);

}  // namespace kring
