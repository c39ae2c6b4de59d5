#include "server/core/visibility.h"

#include "server/core/consent.h"

namespace kring {

namespace {

bool IsPrincipalRole(v1::MemberRole role) {
  return role == v1::MEMBER_ROLE_CLIENT || role == v1::MEMBER_ROLE_REPRESENTATIVE;
}

}  // namespace

bool ReadsThread(const Person& person, const ThreadRef& thread, int64_t now_ms) {
  if (IsPrincipalRole(person.role)) return !thread.team_only;
  return person.consent && InForce(*person.consent, now_ms) &&
         CoversThread(*person.consent, thread.scope());
}

bool AccessInForce(const Person& person, int64_t now_ms) {
  if (IsPrincipalRole(person.role)) return true;
  return person.consent && InForce(*person.consent, now_ms);
}

bool Coordinates(const Person& person, int64_t now_ms) {
  if (!AccessInForce(person, now_ms) || IsPrincipalRole(person.role)) return false;
  return person.role == v1::MEMBER_ROLE_COORDINATOR ||
         Allows(*person.consent, v1::CONSENT_ACTION_COORDINATE);
}

Shown ShownTo(const Person& viewer, const Standing& viewer_standing, const Person& person,
              const std::vector<ThreadRef>& threads) {
  const int64_t now = viewer_standing.now_ms;
  Shown shown;
  if (IsPrincipal(viewer_standing)) {
    shown.listed = shown.details = shown.access_flag = true;
    shown.consent = person.consent.has_value();
    shown.basis = person.role == v1::MEMBER_ROLE_REPRESENTATIVE;
    return shown;
  }
  if (person.account_id == viewer.account_id) {
    shown.listed = shown.details = shown.access_flag = true;
    shown.consent = person.consent.has_value();
    return shown;
  }
  if (IsPrincipalRole(person.role)) {  // who decides is no secret to anyone in the network
    shown.listed = shown.details = true;
    return shown;
  }
  bool shares = false;
  if (AccessInForce(person, now)) {
    shares = Coordinates(person, now);
    for (size_t i = 0; !shares && i < threads.size(); ++i) {
      shares = SeesThread(viewer_standing, threads[i]) && ReadsThread(person, threads[i], now);
    }
  }
  Person as_viewer = viewer;
  as_viewer.role = viewer_standing.role.value_or(v1::MEMBER_ROLE_UNSPECIFIED);
  as_viewer.consent = viewer_standing.consent;
  const bool viewer_coordinates = Coordinates(as_viewer, now);
  shown.listed = shares || viewer_coordinates;
  shown.details = shares;
  shown.access_flag = viewer_coordinates;
  return shown;
}

}  // namespace kring
