#include "server/core/plan.h"

#include <string>

#include "server/core/text.h"

namespace kring {

namespace {

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int ToInt(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

Status CheckText(std::string_view text, std::string_view what, size_t max_bytes, bool required) {
  if (!IsValidUtf8(text)) return InvalidArgument(std::string(what) + " is not valid UTF-8");
  if (required && text.empty()) return InvalidArgument(std::string(what) + " is required");
  if (text.size() > max_bytes) {
    return InvalidArgument(std::string(what) + " is longer than " + std::to_string(max_bytes) +
                           " bytes");
  }
  return Status::Ok();
}

// A goal's title or an action's what: one line, shown among others like a name.
Status CheckLine(std::string_view text, std::string_view what, size_t max_bytes, bool required) {
  KRING_RETURN_IF_ERROR(CheckText(text, what, max_bytes, required));
  return CheckNameCharacters(text, what);
}

}  // namespace

Status CheckPlanDate(std::string_view date, std::string_view what, bool optional) {
  if (date.empty()) {
    if (optional) return Status::Ok();
    return InvalidArgument(std::string(what) + " is required");
  }
  const auto bad = [&] {
    return InvalidArgument(std::string(what) + " must be a date YYYY-MM-DD from 2000 to 2100");
  };
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return bad();
  const std::string_view y = date.substr(0, 4), m = date.substr(5, 2), d = date.substr(8, 2);
  if (!IsDigits(y) || !IsDigits(m) || !IsDigits(d)) return bad();
  const int year = ToInt(y), month = ToInt(m), day = ToInt(d);
  if (year < 2000 || year > 2100 || month < 1 || month > 12) return bad();
  if (day < 1 || day > DaysInMonth(year, month)) {
    return InvalidArgument(std::string(what) + ": " + std::string(date) + " is not a day");
  }
  return Status::Ok();
}

Status CheckPlanFrame(const v1::PlanFrame& frame) {
  if (!v1::PlanLearningRoute_IsValid(frame.learning_route())) {
    return InvalidArgument("unknown learning route " + std::to_string(frame.learning_route()));
  }
  KRING_RETURN_IF_ERROR(CheckPlanDate(frame.period_start(), "period_start"));
  KRING_RETURN_IF_ERROR(CheckPlanDate(frame.integration_deadline(), "integration_deadline"));
  if (!frame.period_start().empty() && !frame.integration_deadline().empty() &&
      frame.integration_deadline() <= frame.period_start()) {
    return InvalidArgument("the integration deadline must come after the period's start");
  }
  KRING_RETURN_IF_ERROR(CheckText(frame.preconditions(), "preconditions", kMaxPlanFrameTextBytes,
                                  /*required=*/false));
  return CheckText(frame.guidance(), "guidance", kMaxPlanFrameTextBytes, /*required=*/false);
}

v1::PlanGoal* FindPlanGoal(v1::Plan& plan, uint64_t goal_id) {
  for (v1::PlanGoal& goal : *plan.mutable_goals()) {
    if (goal.id() == goal_id) return &goal;
  }
  return nullptr;
}

v1::PlanAction* FindPlanAction(v1::Plan& plan, uint64_t action_id) {
  for (v1::PlanGoal& goal : *plan.mutable_goals()) {
    for (v1::PlanAction& action : *goal.mutable_actions()) {
      if (action.id() == action_id) return &action;
    }
  }
  return nullptr;
}

int CountPlanActions(const v1::Plan& plan) {
  int n = 0;
  for (const v1::PlanGoal& goal : plan.goals()) n += goal.actions_size();
  return n;
}

StatusOr<v1::PlanGoal> ApplyPlanGoal(v1::Plan& plan, uint64_t& next_item_id,
                                     const v1::SetPlanGoalRequest& req, int64_t now_ms) {
  const bool adding = req.goal_id() == 0;
  if (!v1::PlanGoalStatus_IsValid(req.status())) {
    return InvalidArgument("unknown goal status " + std::to_string(req.status()));
  }
  if (adding || req.has_title()) {
    KRING_RETURN_IF_ERROR(CheckLine(req.title(), "title", kMaxPlanGoalTitleBytes, true));
  }
  v1::PlanGoal* goal = nullptr;
  if (adding) {
    if (plan.goals_size() >= kMaxPlanGoals) {
      return InvalidArgument("a plan holds at most " + std::to_string(kMaxPlanGoals) + " goals");
    }
    goal = plan.add_goals();
    goal->set_id(next_item_id++);
    goal->set_status(v1::PLAN_GOAL_STATUS_OPEN);
  } else {
    goal = FindPlanGoal(plan, req.goal_id());
    if (goal == nullptr)
      return NotFound("no goal " + std::to_string(req.goal_id()) + " in the plan");
  }
  if (req.has_title()) goal->set_title(req.title());
  if (req.status() != v1::PLAN_GOAL_STATUS_UNSPECIFIED) goal->set_status(req.status());
  goal->set_updated_at_ms(now_ms);
  v1::PlanGoal out = *goal;
  out.clear_actions();
  return out;
}

bool OnlyStatusAndNote(const v1::SetPlanActionRequest& req) {
  return req.goal_id() == 0 && !req.has_what() && req.assignee_handle().empty() &&
         req.assignee_team_id() == 0 && !req.has_due_date();
}

Status CheckPlanActionRequest(const v1::SetPlanActionRequest& req, bool adding) {
  if (!v1::PlanActionStatus_IsValid(req.status())) {
    return InvalidArgument("unknown action status " + std::to_string(req.status()));
  }
  if (adding || req.has_what()) {
    KRING_RETURN_IF_ERROR(CheckLine(req.what(), "what", kMaxPlanActionWhatBytes, true));
  }
  if (req.has_due_date()) KRING_RETURN_IF_ERROR(CheckPlanDate(req.due_date(), "due_date"));
  if (req.has_note()) {
    KRING_RETURN_IF_ERROR(CheckText(req.note(), "note", kMaxPlanNoteBytes, /*required=*/false));
  }
  return Status::Ok();
}

void MergePlanAction(v1::PlanAction& action, const v1::SetPlanActionRequest& req, bool adding) {
  if (req.has_what()) action.set_what(req.what());
  if (req.has_due_date()) action.set_due_date(req.due_date());
  if (req.has_note()) action.set_note(req.note());
  if (req.status() != v1::PLAN_ACTION_STATUS_UNSPECIFIED) {
    action.set_status(req.status());
  } else if (adding) {
    action.set_status(v1::PLAN_ACTION_STATUS_OPEN);
  }
}

}  // namespace kring
