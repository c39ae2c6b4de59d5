// The shared plan's rules (PIP; docs/plan.md), with no I/O: what a valid date, frame, goal and
// action are, and how a request changes the plan. Who may do what is in authorize.h
// (Operation::kReadPlan ...); the service stores the result (server/service/plan_actions.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"

namespace kring {

inline constexpr size_t kMaxPlanFrameTextBytes = 2000;  // preconditions, guidance
inline constexpr size_t kMaxPlanGoalTitleBytes = 200;
inline constexpr size_t kMaxPlanActionWhatBytes = 500;
inline constexpr size_t kMaxPlanNoteBytes = 1000;
inline constexpr size_t kMaxPlanVersionNoteBytes = 500;
// A plan is read whole: these keep it (and each formal version) well under a frame's size.
inline constexpr int kMaxPlanGoals = 50;
inline constexpr int kMaxPlanActions = 300;

// OK if `date` is a calendar day "YYYY-MM-DD" from 2000-01-01 to 2100-12-31 (or empty when
// `optional`); else INVALID_ARGUMENT naming `what`. Such dates compare as strings.
Status CheckPlanDate(std::string_view date, std::string_view what, bool optional = true);

// The frame's route is known, its dates valid with the deadline after the start, its texts
// valid UTF-8 within kMaxPlanFrameTextBytes. INVALID_ARGUMENT with the reason.
Status CheckPlanFrame(const v1::PlanFrame& frame);

// The goal or action in the plan, or null.
v1::PlanGoal* FindPlanGoal(v1::Plan& plan, uint64_t goal_id);
v1::PlanAction* FindPlanAction(v1::Plan& plan, uint64_t action_id);
int CountPlanActions(const v1::Plan& plan);

// Adds (goal_id 0) or updates a goal of `plan` as `req` asks; `next_item_id` gives a new goal its
// id. Returns the goal as it is now, without its actions. INVALID_ARGUMENT (bad text, status,
// too many goals) or NOT_FOUND (no such goal); on error the plan is unchanged.
StatusOr<v1::PlanGoal> ApplyPlanGoal(v1::Plan& plan, uint64_t& next_item_id,
                                     const v1::SetPlanGoalRequest& req, int64_t now_ms);

// Whether an action request asks to change only the status and note (what an assignee may do).
bool OnlyStatusAndNote(const v1::SetPlanActionRequest& req);

// Checks an action request's own fields (what, due date, status, note), not its assignee or
// goal: INVALID_ARGUMENT with the reason. `adding`: what is required.
Status CheckPlanActionRequest(const v1::SetPlanActionRequest& req, bool adding);

// Sets the fields `req` sets (what, due date, status, note) on `action`; on add, an unset status
// becomes OPEN. The assignee is the caller's (it needs the network's members).
void MergePlanAction(v1::PlanAction& action, const v1::SetPlanActionRequest& req, bool adding);

}  // namespace kring
