// The shared plan (docs/plan.md). Each change is one write: the plan as it is after it, the dated
// change, (for versions) the version record, and the request's access-log record, together;
// PlanChanged goes to the plan's readers once durable, before the response.
#include "server/service/plan_actions.h"

#include <set>
#include <string>
#include <utility>

#include "server/core/plan.h"
#include "server/core/text.h"
#include "server/protocol/frames.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr uint32_t kDefaultChangesLimit = 100;
constexpr uint32_t kMaxChangesLimit = 500;

// Stages `change` (its kind and item set by the caller) as the plan's next one: numbered, dated,
// signed, stored with the plan as it is now; noted on the request's record; and the event to the
// plan's readers queued for after the write.
Status StagePlanChange(RequestContext& ctx, storage::Transaction& txn, const Permitted& permitted,
                       store::PlanRecord& record, v1::PlanChange change, WriteOutcome& out,
                       v1::PlanChange* staged = nullptr) {
  const int64_t now = permitted.standing.now_ms;
  v1::Plan& plan = *record.mutable_plan();
  change.set_network_id(plan.network_id());
  change.set_seq(plan.change_seq() + 1);
  change.set_at_ms(now);
  change.set_by(permitted.actor.account_id);
  change.set_by_handle(permitted.actor.handle);
  change.set_by_representative(permitted.standing.role == v1::MEMBER_ROLE_REPRESENTATIVE);
  plan.set_change_seq(change.seq());
  plan.set_updated_at_ms(now);
  plan.set_updated_by(permitted.actor.account_id);
  plan.set_updated_by_handle(permitted.actor.handle);
  records::PutPlanChange(txn, record, change);
  ctx.audit().event.set_plan_change_seq(change.seq());
  if (plan.version() != 0) ctx.audit().event.set_plan_version(plan.version());

  KRING_ASSIGN_OR_RETURN(auto network, records::GetNetwork(txn, plan.network_id()));
  if (!network) return Internal("plan of a network that is gone");
  KRING_ASSIGN_OR_RETURN(std::vector<uint64_t> readers, PlanReaders(txn, *network, now));
  Frame frame = PlanChangedFrame(change, plan.version());
  out.effects.push_back([&ctx, readers = std::move(readers), frame = std::move(frame)] {
    ctx.service().hub.PublishToNetwork(/*network_id=*/0, readers, frame);
  });
  if (staged != nullptr) *staged = std::move(change);
  return Status::Ok();
}

struct Assignee {
  uint64_t id = 0;
  std::string name;
  bool team = false;
};

// The person (by handle) or team (by id) an action is to be assigned to: a member of the network
// (in person) or a team admitted to it. INVALID_ARGUMENT otherwise.
StatusOr<Assignee> FindAssignee(const storage::ReadView& view, uint64_t network_id,
                                const std::string& raw_handle, uint64_t team_id) {
  if (!raw_handle.empty() && team_id != 0) {
    return InvalidArgument("assign the action to a person or a team, not both");
  }
  if (team_id != 0) {
    KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(view, network_id, team_id));
    KRING_ASSIGN_OR_RETURN(auto team, records::GetTeam(view, team_id));
    if (!member || !member->team() || !team) {
      return InvalidArgument("team " + std::to_string(team_id) +
                             " is not a member of this network; an action goes to a member");
    }
    return Assignee{team_id, team->name(), true};
  }
  std::optional<std::string> handle = CanonicalHandle(raw_handle);
  if (!handle) return InvalidArgument("assignee_handle is not a valid handle");
  const auto not_member = [&] {
    return InvalidArgument("\"" + *handle +
                           "\" is not a member of this network; an action goes to a member");
  };
  KRING_ASSIGN_OR_RETURN(auto id, records::FindAccountId(view, *handle));
  if (!id) return not_member();
  KRING_ASSIGN_OR_RETURN(auto member, records::GetMember(view, network_id, *id));
  if (!member || member->team()) return not_member();
  return Assignee{*id, *handle, false};
}

StatusOr<v1::Response> BuildPlan(const storage::ReadView& view, const v1::GetPlanRequest& req,
                                 v1::AuditEvent& record) {
  v1::Response response;
  auto* result = response.mutable_get_plan();
  KRING_ASSIGN_OR_RETURN(store::PlanRecord plan, records::GetPlan(view, req.network_id()));
  KRING_ASSIGN_OR_RETURN(auto versions, records::PlanVersions(view, req.network_id()));
  if (req.version() == 0) {
    *result->mutable_plan() = std::move(*plan.mutable_plan());
  } else {
    KRING_ASSIGN_OR_RETURN(auto version,
                           records::GetPlanVersion(view, req.network_id(), req.version()));
    if (!version) return NotFound("the plan has no version " + std::to_string(req.version()));
    *result->mutable_plan() = std::move(*version->mutable_plan());
    version->clear_plan();
    *result->mutable_version() = std::move(*version);
    record.set_plan_version(req.version());
  }
  record.set_plan_change_seq(result->plan().change_seq());
  record.set_count(CountPlanActions(result->plan()));
  for (v1::PlanVersion& v : versions) *result->add_versions() = std::move(v);
  return response;
}

}  // namespace

StatusOr<std::vector<uint64_t>> PlanReaders(const storage::ReadView& view,
                                            const v1::Network& network, int64_t now_ms) {
  std::set<uint64_t> readers;
  KRING_ASSIGN_OR_RETURN(auto principals, records::Principals(view, network));
  readers.insert(principals.begin(), principals.end());
  std::vector<uint64_t> candidates;
  KRING_ASSIGN_OR_RETURN(auto members, records::Members(view, network.id()));
  for (const store::MemberRecord& member : members) {
    if (!member.team()) {
      candidates.push_back(member.account_id());
      continue;
    }
    KRING_ASSIGN_OR_RETURN(auto people,
                           records::PeopleThroughTeam(view, network, member.account_id()));
    for (const v1::TeamPerson& person : people) candidates.push_back(person.account_id());
  }
  for (uint64_t account_id : candidates) {
    if (readers.count(account_id) != 0) continue;
    KRING_ASSIGN_OR_RETURN(Standing standing,
                           records::GetStanding(view, network.id(), account_id, now_ms));
    if (ReadsPlan(standing)) readers.insert(account_id);
  }
  return std::vector<uint64_t>(readers.begin(), readers.end());
}

Status GetPlan(RequestContext& ctx, const v1::GetPlanRequest& req) {
  ctx.ReadInNetwork(req.network_id(), Operation::kReadPlan, {},
                    [req](const storage::ReadView& view, const Permitted&, v1::AuditEvent& record) {
                      return BuildPlan(view, req, record);
                    });
  return Status::Ok();
}

Status ListPlanChanges(RequestContext& ctx, const v1::ListPlanChangesRequest& req) {
  if (req.limit() > kMaxChangesLimit) {
    return InvalidArgument("limit is at most " + std::to_string(kMaxChangesLimit));
  }
  const uint32_t limit = req.limit() == 0 ? kDefaultChangesLimit : req.limit();
  ctx.ReadInNetwork(
      req.network_id(), Operation::kReadPlan, {},
      [req, limit](const storage::ReadView& view, const Permitted&,
                   v1::AuditEvent& record) -> StatusOr<v1::Response> {
        KRING_ASSIGN_OR_RETURN(
            auto changes, records::PlanChanges(view, req.network_id(), req.after_seq(), limit + 1));
        v1::Response response;
        auto* result = response.mutable_list_plan_changes();
        for (size_t i = 0; i < changes.size() && i < limit; ++i) {
          *result->add_changes() = std::move(changes[i]);
        }
        if (changes.size() > limit) {
          result->set_next_after_seq(result->changes(limit - 1).seq());
        }
        record.set_count(result->changes_size());
        if (result->changes_size() > 0) {
          record.set_plan_change_seq(result->changes(result->changes_size() - 1).seq());
        }
        return response;
      });
  return Status::Ok();
}

Status SetPlanFrame(RequestContext& ctx, const v1::SetPlanFrameRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted, ctx.Permit(txn, req.network_id(),
                                                           Operation::kEditPlan, {}, &ctx.audit()));
    KRING_RETURN_IF_ERROR(CheckPlanFrame(req.frame()));
    KRING_ASSIGN_OR_RETURN(store::PlanRecord record, records::GetPlan(txn, req.network_id()));
    *record.mutable_plan()->mutable_frame() = req.frame();
    v1::PlanChange change;
    change.set_kind(v1::PLAN_CHANGE_KIND_FRAME_SET);
    *change.mutable_frame() = req.frame();
    return StagePlanChange(ctx, txn, permitted, record, std::move(change), out,
                           out.response.mutable_set_plan_frame()->mutable_change());
  });
  return Status::Ok();
}

Status SetPlanGoal(RequestContext& ctx, const v1::SetPlanGoalRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted, ctx.Permit(txn, req.network_id(),
                                                           Operation::kEditPlan, {}, &ctx.audit()));
    KRING_ASSIGN_OR_RETURN(store::PlanRecord record, records::GetPlan(txn, req.network_id()));
    uint64_t next_id = record.next_item_id();
    KRING_ASSIGN_OR_RETURN(v1::PlanGoal goal, ApplyPlanGoal(*record.mutable_plan(), next_id, req,
                                                            permitted.standing.now_ms));
    record.set_next_item_id(next_id);
    ctx.audit().event.set_object_id(goal.id());
    v1::PlanChange change;
    change.set_kind(req.goal_id() == 0 ? v1::PLAN_CHANGE_KIND_GOAL_ADDED
                                       : v1::PLAN_CHANGE_KIND_GOAL_UPDATED);
    *change.mutable_goal() = std::move(goal);
    return StagePlanChange(ctx, txn, permitted, record, std::move(change), out,
                           out.response.mutable_set_plan_goal()->mutable_change());
  });
  return Status::Ok();
}

Status SetPlanAction(RequestContext& ctx, const v1::SetPlanActionRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    const bool adding = req.action_id() == 0;
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(),
                   adding ? Operation::kEditPlan : Operation::kUpdateAssignedAction, {},
                   &ctx.audit()));
    const int64_t now = permitted.standing.now_ms;
    KRING_ASSIGN_OR_RETURN(store::PlanRecord record, records::GetPlan(txn, req.network_id()));
    v1::Plan& plan = *record.mutable_plan();
    v1::PlanAction* action = nullptr;
    if (adding) {
      if (req.goal_id() == 0) return InvalidArgument("name the goal the action is for");
      v1::PlanGoal* goal = FindPlanGoal(plan, req.goal_id());
      if (goal == nullptr) {
        return NotFound("no goal " + std::to_string(req.goal_id()) + " in the plan");
      }
      if (req.assignee_handle().empty() && req.assignee_team_id() == 0) {
        return InvalidArgument("an action is assigned to a member or a team of the network");
      }
      KRING_RETURN_IF_ERROR(CheckPlanActionRequest(req, /*adding=*/true));
      if (CountPlanActions(plan) >= kMaxPlanActions) {
        return InvalidArgument("a plan holds at most " + std::to_string(kMaxPlanActions) +
                               " actions");
      }
      action = goal->add_actions();
      action->set_id(record.next_item_id());
      record.set_next_item_id(record.next_item_id() + 1);
      action->set_goal_id(goal->id());
    } else {
      action = FindPlanAction(plan, req.action_id());
      if (action == nullptr) {
        return NotFound("no action " + std::to_string(req.action_id()) + " in the plan");
      }
      KRING_RETURN_IF_ERROR(
          AuthorizePlanActionUpdate(permitted.actor, permitted.standing, action->assignee_id(),
                                    action->assignee_is_team(), OnlyStatusAndNote(req)));
      if (req.goal_id() != 0 && req.goal_id() != action->goal_id()) {
        return InvalidArgument("an action stays under its goal; add a new one under the other");
      }
      KRING_RETURN_IF_ERROR(CheckPlanActionRequest(req, /*adding=*/false));
    }
    ctx.audit().event.set_object_id(action->id());
    if (!req.assignee_handle().empty() || req.assignee_team_id() != 0) {
      KRING_ASSIGN_OR_RETURN(
          Assignee assignee,
          FindAssignee(txn, req.network_id(), req.assignee_handle(), req.assignee_team_id()));
      action->set_assignee_id(assignee.id);
      action->set_assignee_handle(assignee.name);
      action->set_assignee_is_team(assignee.team);
    }
    MergePlanAction(*action, req, adding);
    action->set_updated_at_ms(now);
    action->set_updated_by(permitted.actor.account_id);
    action->set_updated_by_handle(permitted.actor.handle);
    v1::PlanChange change;
    change.set_kind(adding ? v1::PLAN_CHANGE_KIND_ACTION_ADDED
                           : v1::PLAN_CHANGE_KIND_ACTION_UPDATED);
    *change.mutable_action() = *action;
    return StagePlanChange(ctx, txn, permitted, record, std::move(change), out,
                           out.response.mutable_set_plan_action()->mutable_change());
  });
  return Status::Ok();
}

Status MakePlanVersion(RequestContext& ctx, const v1::MakePlanVersionRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(Permitted permitted, ctx.Permit(txn, req.network_id(),
                                                           Operation::kEditPlan, {}, &ctx.audit()));
    if (!v1::PlanVersionReason_IsValid(req.reason()) ||
        req.reason() == v1::PLAN_VERSION_REASON_UNSPECIFIED) {
      return InvalidArgument(
          "a version needs its reason: intake, learning route changed, move or evaluation");
    }
    if (!IsValidUtf8(req.note())) return InvalidArgument("note is not valid UTF-8");
    if (req.note().size() > kMaxPlanVersionNoteBytes) {
      return InvalidArgument("note is longer than " + std::to_string(kMaxPlanVersionNoteBytes) +
                             " bytes");
    }
    KRING_ASSIGN_OR_RETURN(store::PlanRecord record, records::GetPlan(txn, req.network_id()));
    v1::Plan& plan = *record.mutable_plan();
    const uint32_t number = plan.version() + 1;
    plan.set_version(number);
    v1::PlanChange change;
    change.set_kind(v1::PLAN_CHANGE_KIND_VERSION_MADE);
    change.set_version(number);
    v1::PlanChange staged;
    KRING_RETURN_IF_ERROR(
        StagePlanChange(ctx, txn, permitted, record, std::move(change), out, &staged));
    v1::PlanVersion version;
    version.set_network_id(req.network_id());
    version.set_number(number);
    version.set_reason(req.reason());
    version.set_note(req.note());
    version.set_made_by(staged.by());
    version.set_made_by_handle(staged.by_handle());
    version.set_made_at_ms(staged.at_ms());
    *version.mutable_plan() = record.plan();  // as it is now, this change included
    records::PutPlanVersion(txn, version);
    *out.response.mutable_make_plan_version()->mutable_version() = std::move(version);
    return Status::Ok();
  });
  return Status::Ok();
}

Status AcknowledgePlanVersion(RequestContext& ctx, const v1::AcknowledgePlanVersionRequest& req) {
  ctx.Write([req](RequestContext& ctx, storage::Transaction& txn, WriteOutcome& out) -> Status {
    KRING_ASSIGN_OR_RETURN(
        Permitted permitted,
        ctx.Permit(txn, req.network_id(), Operation::kAcknowledgePlan, {}, &ctx.audit()));
    if (req.version() == 0) return InvalidArgument("name the version to acknowledge");
    ctx.audit().event.set_plan_version(req.version());
    KRING_ASSIGN_OR_RETURN(auto version,
                           records::GetPlanVersion(txn, req.network_id(), req.version()));
    if (!version) return NotFound("the plan has no version " + std::to_string(req.version()));
    auto* result = out.response.mutable_acknowledge_plan_version();
    if (version->acknowledged_by() != 0) {  // already: the same answer, nothing written
      version->clear_plan();
      *result->mutable_version() = std::move(*version);
      return Status::Ok();
    }
    version->set_acknowledged_by(permitted.actor.account_id);
    version->set_acknowledged_by_handle(permitted.actor.handle);
    version->set_acknowledged_at_ms(permitted.standing.now_ms);
    version->set_acknowledged_by_representative(permitted.standing.role ==
                                                v1::MEMBER_ROLE_REPRESENTATIVE);
    records::PutPlanVersion(txn, *version);
    KRING_ASSIGN_OR_RETURN(store::PlanRecord record, records::GetPlan(txn, req.network_id()));
    v1::PlanChange change;
    change.set_kind(v1::PLAN_CHANGE_KIND_VERSION_ACKNOWLEDGED);
    change.set_version(req.version());
    KRING_RETURN_IF_ERROR(StagePlanChange(ctx, txn, permitted, record, std::move(change), out));
    ctx.audit().event.set_plan_version(req.version());
    version->clear_plan();
    *result->mutable_version() = std::move(*version);
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace kring::service
