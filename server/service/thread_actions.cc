// Marking a thread sensitive: the rule is in server/core/consent.h (CoversThread); this file
// stores the thread's new state and cuts live delivery before the response, like a withdrawal.
#include "server/service/thread_actions.h"

#include "proto/kring/v1/audit_event_types.h"
#include "server/core/consent.h"
#include "server/protocol/frames.h"
#include "server/service/member_visibility.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

Status SetThreadSensitive(RequestContext& ctx, const v1::SetThreadSensitiveRequest& req) {
  // The record says what was asked, also when it is refused.
  if (!req.sensitive()) {
    ctx.audit().event.set_event_type(std::string(v1::event_type::kThreadUnmarkedSensitive));
  }
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted,
                           ctx.Permit(txn, req.network_id(), Operation::kSetThreadSensitive,
                                      ThreadRef{req.thread_id()}, &ctx.audit()));
    ctx.audit().event.set_object_id(req.thread_id());
    v1::Thread thread = permitted.thread;
    if (thread.sensitive() == req.sensitive()) {
      // Already so: the same answer, nothing changed and nobody told (safe to retry).
      *out.response.mutable_set_thread_sensitive()->mutable_thread() = thread;
      return Status::Ok();
    }
    const ThreadRef ref_before = records::RefOf(thread);
    const ThreadScope before = ref_before.scope();
    const int64_t now = permitted.standing.now_ms;
    KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, req.network_id()));
    if (!network) return Internal("store read failed");
    // Who shares a thread with whom changes with it (who sees whom: member_visibility.h).
    KRING_ASSIGN_OR_RETURN(Sights sights_before, ReadSights(txn, *network, now));
    thread.set_sensitive(req.sensitive());
    // Unmarked: what it holds now was posted while it was outside the all-threads consents.
    if (!req.sensitive()) thread.set_unmarked_at_seq(thread.last_seq());
    const ThreadScope after = records::RefOf(thread).scope();
    records::UpdateThread(txn, thread);
    KRING_RETURN_IF_ERROR(records::BumpAccessEpoch(txn, req.network_id()));

    // Who loses the thread now, and who reads it afterwards (to be told).
    KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> told, records::Principals(txn, *network));
    KRING_ASSIGN_OR_RETURN(auto consents, records::CurrentConsents(txn, req.network_id()));
    std::vector<uint64_t> cut;
    const ThreadRef ref_after = records::RefOf(thread);
    for (const v1::Consent& c : consents) {
      if (c.grantee_id() == 0) continue;
      if (c.grantee_is_team()) {
        // A team's consent is had by the people through the team, each as their route decides.
        KRING_ASSIGN_OR_RETURN(auto people,
                               records::PeopleThroughTeam(txn, *network, c.grantee_id()));
        for (const v1::TeamPerson& person : people) {
          KRING_ASSIGN_OR_RETURN(Standing standing, records::GetStanding(txn, req.network_id(),
                                                                         person.account_id(), now));
          if (standing.team_id != c.grantee_id()) continue;  // another team's route decides
          const bool sees_after = SeesThread(standing, ref_after);
          if (SeesThread(standing, ref_before) && !sees_after) cut.push_back(person.account_id());
          if (sees_after) told.push_back(person.account_id());
        }
        continue;
      }
      if (LosesThread(c, before, after, now)) cut.push_back(c.grantee_id());
      if (InForce(c, now) && CoversThread(c, after)) told.push_back(c.grantee_id());
    }
    *out.response.mutable_set_thread_sensitive()->mutable_thread() = thread;
    KRING_ASSIGN_OR_RETURN(Sights sights_after, ReadSights(txn, *network, now));
    out.effects.push_back([&ctx, thread, cut = std::move(cut), told = std::move(told),
                           sights = SightChanges(sights_before, sights_after)] {
      Hub& hub = ctx.service().hub;
      // First cut those who lost it (under the hub's delivery locks), then tell the others.
      const Frame ended =
          AccessEndedFrame(thread.network_id(), {thread.id()},
                           "the client marked a thread sensitive; it is not in your consent");
      for (uint64_t account_id : cut) {
        hub.EndAccess(thread.network_id(), account_id, {thread.id()}, ended);
      }
      hub.PublishToNetwork(/*network_id=*/0, told, ThreadChangedFrame(thread));
      PublishSightChanges(hub, thread.network_id(), sights);
    });
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
