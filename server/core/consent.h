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

// ACTIVE, start_ms <= now_ms, and end_ms is 0 or now_ms < end_ms.
bool InForce(const v1::Consent& consent, int64_t now_ms);
bool Allows(const v1::Consent& consent, v1::ConsentAction action);
// Whether the record's scope includes the thread (whatever its status).
bool CoversThread(const v1::Consent& consent, uint64_t thread_id);
// Messages of the thread with seq <= the result are hidden from the grantee (0: none).
uint64_t HiddenThrough(const v1::Consent& consent, uint64_t thread_id);

// Why a record is not in force at now_ms, in plain words; empty when it is.
std::string NotInForceReason(const v1::Consent& consent, int64_t now_ms);

// "2026-03-03T09:15:00Z" (UTC, to the second).
std::string FormatUtc(int64_t unix_ms);

// Checks a provision from a request and returns it in stored form: READ added, thread ids
// sorted and unique, start_ms 0 replaced by now_ms. `for_team`: the provision of a consent to
// the team as a whole, which holds only TEAM_THREADS. INVALID_ARGUMENT with the reason.
StatusOr<v1::ConsentProvision> NormalizeProvision(const v1::ConsentProvision& requested,
                                                  bool for_team, int64_t now_ms);

// Every grant to a member unless the client says otherwise: every thread, read and post, no
// history from before the grant.
v1::ConsentProvision DefaultMemberProvision();

struct ThreadHead {
  uint64_t thread_id = 0;
  uint64_t last_seq = 0;
};

// The grantee's next record: `provision` (normalized) recorded at now_ms, superseding
// `previous` (the grantee's current record, if any). Sets status, supersedes, recorded_at_ms,
// access_since_ms and hidden_through_seq; the caller fills in ids, handles, who recorded it and
// the reason.
//
// History: while the chain of grants is unbroken (previous in force), a thread already in scope
// keeps what was visible; a thread coming into scope now hides what it holds now (`heads`: every
// thread of the network with its newest seq) unless history_visible.
v1::Consent NextGrant(const std::optional<v1::Consent>& previous,
                      const v1::ConsentProvision& provision, const std::vector<ThreadHead>& heads,
                      int64_t now_ms);

// A withdrawn record superseding `previous` (same provision, for the history's sake).
v1::Consent NextWithdrawal(const v1::Consent& previous, int64_t now_ms);

// The live access that `before` gave at now_ms and `after` does not: the whole network (when
// `after` is not in force), or the threads of `network_threads` that fell out of scope.
struct AccessCut {
  bool whole_network = false;
  std::vector<uint64_t> thread_ids;
  bool empty() const { return !whole_network && thread_ids.empty(); }
};
AccessCut CutBetween(const std::optional<v1::Consent>& before, const v1::Consent& after,
                     const std::vector<uint64_t>& network_threads, int64_t now_ms);

}  // namespace kring
