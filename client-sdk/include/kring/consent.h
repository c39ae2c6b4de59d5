// Consent helpers for apps: build a ConsentProvision from what the person chose, and tell
// whether a Consent record is in force. Plain functions over protobuf values: no I/O, no locks,
// safe from any thread. The model is described in docs/consent.md.
//
//   kring::sdk::Grant grant;
//   grant.thread_ids = {thread_id};
//   grant.history = true;
//   auto r = conn->GrantConsent(network_id, "jo", kring::sdk::ToProvision(grant));
#pragma once

#include <cstdint>
#include <vector>

#include "kring/v1/kring.pb.h"

namespace kring::sdk {

// What an app fills in to grant consent; ToProvision turns it into the wire form.
struct Grant {
  std::vector<uint64_t> thread_ids = {};  // empty: every thread (also later ones)
  // Every thread (also later ones) and thread_ids besides: the way to name sensitive threads,
  // which a consent for every thread covers only when it names them.
  bool all_threads = false;
  bool post = true;
  bool coordinate = false;
  bool history = false;
  int64_t start_ms = 0;  // 0: from now
  int64_t end_ms = 0;    // 0: until withdrawn
  // The shared plan (docs/plan.md): none, read, or read and update one's own actions.
  v1::PlanScope plan = v1::PLAN_SCOPE_NONE;
};

// The wire form of `grant`: all_threads when thread_ids is empty or grant.all_threads, and the
// threads of thread_ids (in the given order, duplicates dropped); actions READ, then POST and
// COORDINATE when asked. Always includes CONSENT_ACTION_READ. Does not check the period: the server
// refuses an end that is not after the start.
v1::ConsentProvision ToProvision(const Grant& grant);

// The provision of a consent to team-only threads (the team as a whole, an empty grantee
// handle): actions = [TEAM_THREADS].
v1::ConsentProvision TeamThreadsProvision();

// Whether `consent` is in force at now_ms (Unix ms): ACTIVE, provision.start_ms <= now_ms, and
// provision.end_ms is 0 or now_ms < end_ms. Only a grantee's newest record counts; this looks
// at the one record it is given.
bool InForce(const v1::Consent& consent, int64_t now_ms);

}  // namespace kring::sdk
