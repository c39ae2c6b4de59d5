#include "server/core/consent.h"

#include <algorithm>
#include <ctime>

namespace kring {

bool InForce(const v1::Consent& consent, int64_t now_ms) {
  const auto& p = consent.provision();
  return consent.status() == v1::CONSENT_STATUS_ACTIVE && p.start_ms() <= now_ms &&
         (p.end_ms() == 0 || now_ms < p.end_ms());
}

bool Allows(const v1::Consent& consent, v1::ConsentAction action) {
  const auto& actions = consent.provision().actions();
  return std::find(actions.begin(), actions.end(), action) != actions.end();
}

namespace {

bool Names(const v1::ConsentProvision& p, uint64_t thread_id) {
  // Stored records keep thread_ids sorted (NormalizeProvision); a linear scan would do as well.
  return std::binary_search(p.thread_ids().begin(), p.thread_ids().end(), thread_id);
}

}  // namespace

bool CoversThread(const v1::Consent& consent, const ThreadScope& thread) {
  const auto& p = consent.provision();
  if (Names(p, thread.id)) return true;
  return p.all_threads() && !thread.sensitive;
}

uint64_t HiddenThrough(const v1::Consent& consent, const ThreadScope& thread) {
  const auto& p = consent.provision();
  if (p.history_visible()) return 0;
  auto it = consent.hidden_through_seq().find(thread.id);
  uint64_t through = it == consent.hidden_through_seq().end() ? 0 : it->second;
  // Covered only through all_threads: the thread left the scope while it was sensitive and came
  // back when it was unmarked; what it held then is history from before it came into scope.
  if (p.all_threads() && !Names(p, thread.id)) through = std::max(through, thread.unmarked_at_seq);
  return through;
}

std::string FormatUtc(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NotInForceReason(const v1::Consent& consent, int64_t now_ms) {
  if (consent.status() == v1::CONSENT_STATUS_WITHDRAWN) {
    return "consent was withdrawn at " + FormatUtc(consent.recorded_at_ms());
  }
  if (consent.status() != v1::CONSENT_STATUS_ACTIVE) return "no consent in force";
  const auto& p = consent.provision();
  if (now_ms < p.start_ms()) return "consent starts at " + FormatUtc(p.start_ms());
  if (p.end_ms() != 0 && now_ms >= p.end_ms()) return "consent ended at " + FormatUtc(p.end_ms());
  return "";
}

StatusOr<v1::ConsentProvision> NormalizeProvision(const v1::ConsentProvision& requested,
                                                  bool for_team, int64_t now_ms) {
  v1::ConsentProvision p = requested;
  if (p.start_ms() < 0 || p.end_ms() < 0) return InvalidArgument("times cannot be negative");
  if (p.start_ms() == 0) p.set_start_ms(now_ms);
  if (p.end_ms() != 0 && p.end_ms() <= p.start_ms()) {
    return InvalidArgument("the consent must end after it starts");
  }
  std::vector<int> actions;
  for (int a : p.actions()) {
    if (!v1::ConsentAction_IsValid(a) || a == v1::CONSENT_ACTION_UNSPECIFIED) {
      return InvalidArgument("unknown consent action " + std::to_string(a));
    }
    if (for_team != (a == v1::CONSENT_ACTION_TEAM_THREADS)) {
      return InvalidArgument(for_team ? "a consent to the team allows only TEAM_THREADS"
                                      : "TEAM_THREADS is granted to the team, not to a person");
    }
    actions.push_back(a);
  }
  if (for_team) {
    p.Clear();
    p.set_all_threads(true);
    p.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
    p.set_start_ms(requested.start_ms() == 0 ? now_ms : requested.start_ms());
    p.set_end_ms(requested.end_ms());
    return p;
  }
  actions.push_back(v1::CONSENT_ACTION_READ);  // every grant to a person includes reading
  std::sort(actions.begin(), actions.end());
  actions.erase(std::unique(actions.begin(), actions.end()), actions.end());
  p.clear_actions();
  for (int a : actions) p.add_actions(static_cast<v1::ConsentAction>(a));

  if (!v1::PlanScope_IsValid(p.plan())) {
    return InvalidArgument("unknown plan scope " + std::to_string(p.plan()));
  }
  // With all_threads the ids name the sensitive threads it also covers (none: none of them). A
  // consent to the plan alone names no thread.
  if (!p.all_threads() && p.thread_ids().empty() && p.plan() == v1::PLAN_SCOPE_NONE) {
    return InvalidArgument("name at least one thread, or grant all threads or the plan");
  }
  if (!p.thread_ids().empty()) {
    std::vector<uint64_t> ids(p.thread_ids().begin(), p.thread_ids().end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.front() == 0) return InvalidArgument("thread id 0 names no thread");
    p.clear_thread_ids();
    for (uint64_t id : ids) p.add_thread_ids(id);
  }
  return p;
}

v1::ConsentProvision DefaultMemberProvision() {
  v1::ConsentProvision p;
  p.set_all_threads(true);
  p.add_actions(v1::CONSENT_ACTION_READ);
  p.add_actions(v1::CONSENT_ACTION_POST);
  return p;
}

v1::Consent NextGrant(const std::optional<v1::Consent>& previous,
                      const v1::ConsentProvision& provision, const std::vector<ThreadHead>& heads,
                      int64_t now_ms) {
  v1::Consent next;
  const bool continuing = previous && InForce(*previous, now_ms);
  *next.mutable_provision() = provision;
  next.set_status(v1::CONSENT_STATUS_ACTIVE);
  next.set_supersedes(previous ? previous->id() : 0);
  next.set_recorded_at_ms(now_ms);
  next.set_access_since_ms(continuing ? previous->access_since_ms()
                                      : std::max(now_ms, provision.start_ms()));
  if (provision.history_visible()) return next;
  auto& hidden = *next.mutable_hidden_through_seq();
  for (const ThreadHead& head : heads) {
    if (!CoversThread(next, head.scope())) continue;
    uint64_t through = head.last_seq;  // coming into scope now: what it holds now is history
    if (continuing && CoversThread(*previous, head.scope())) {
      through = HiddenThrough(*previous, head.scope());
    }
    if (through != 0) hidden[head.thread_id] = through;
  }
  return next;
}

v1::Consent NextWithdrawal(const v1::Consent& previous, int64_t now_ms) {
  v1::Consent next = previous;
  next.clear_id();
  next.clear_recorded_by();
  next.clear_recorded_by_handle();
  next.clear_by_representative();
  next.clear_reason();
  next.set_status(v1::CONSENT_STATUS_WITHDRAWN);
  next.set_supersedes(previous.id());
  next.set_recorded_at_ms(now_ms);
  return next;
}

AccessCut CutBetween(const std::optional<v1::Consent>& before, const v1::Consent& after,
                     const std::vector<ThreadScope>& network_threads, int64_t now_ms) {
  AccessCut cut;
  if (!before || !InForce(*before, now_ms)) return cut;  // nothing to take away
  if (!InForce(after, now_ms)) {
    cut.whole_network = true;
    return cut;
  }
  for (const ThreadScope& thread : network_threads) {
    if (CoversThread(*before, thread) && !CoversThread(after, thread)) {
      cut.thread_ids.push_back(thread.id);
    }
  }
  return cut;
}

bool LosesPlan(const std::optional<v1::Consent>& before, const v1::Consent& after, int64_t now_ms) {
  if (!before || !InForce(*before, now_ms) || !InForce(after, now_ms)) return false;
  const auto reads = [](const v1::Consent& c) {
    return c.provision().plan() != v1::PLAN_SCOPE_NONE || Allows(c, v1::CONSENT_ACTION_COORDINATE);
  };
  return reads(*before) && !reads(after);
}

bool LosesThread(const v1::Consent& consent, const ThreadScope& before, const ThreadScope& after,
                 int64_t now_ms) {
  return InForce(consent, now_ms) && CoversThread(consent, before) && !CoversThread(consent, after);
}

}  // namespace kring
