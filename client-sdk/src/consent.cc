#include "kring/consent.h"

#include <algorithm>

namespace kring::sdk {

v1::ConsentProvision ToProvision(const Grant& grant) {
  v1::ConsentProvision p;
  p.set_all_threads(grant.thread_ids.empty() || grant.all_threads);
  for (uint64_t id : grant.thread_ids) {
    const auto& ids = p.thread_ids();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) p.add_thread_ids(id);
  }
  p.add_actions(v1::CONSENT_ACTION_READ);
  if (grant.post) p.add_actions(v1::CONSENT_ACTION_POST);
  if (grant.coordinate) p.add_actions(v1::CONSENT_ACTION_COORDINATE);
  p.set_history_visible(grant.history);
  p.set_start_ms(grant.start_ms);
  p.set_end_ms(grant.end_ms);
  p.set_plan(grant.plan);
  return p;
}

v1::ConsentProvision TeamThreadsProvision() {
  v1::ConsentProvision p;
  p.add_actions(v1::CONSENT_ACTION_TEAM_THREADS);
  return p;
}

bool InForce(const v1::Consent& consent, int64_t now_ms) {
  if (consent.status() != v1::CONSENT_STATUS_ACTIVE) return false;
  const v1::ConsentProvision& p = consent.provision();
  if (p.start_ms() > now_ms) return false;
  return p.end_ms() == 0 || now_ms < p.end_ms();
}

}  // namespace kring::sdk
