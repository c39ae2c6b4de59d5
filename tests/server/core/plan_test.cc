#include "server/core/plan.h"

#include <gtest/gtest.h>

#include <string>

namespace kring {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

TEST(PlanDateTest, AcceptsCalendarDaysFrom2000To2100) {
  EXPECT_TRUE(CheckPlanDate("2026-03-01", "d").ok());
  EXPECT_TRUE(CheckPlanDate("2028-02-29", "d").ok());  // a leap year
  EXPECT_TRUE(CheckPlanDate("2000-02-29", "d").ok());  // divisible by 400
  EXPECT_TRUE(CheckPlanDate("", "d").ok());
  EXPECT_FALSE(CheckPlanDate("", "d", /*optional=*/false).ok());
  for (const char* bad : {"2027-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
                          "2026-4-01", "26-04-01", "1999-12-31", "2101-01-01", "2026/04/01",
                          "2026-04-01T00:00", "２０２６-04-01", "2026-04-0a"}) {
    Status s = CheckPlanDate(bad, "due_date");
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(s.detail().find("due_date"), std::string::npos) << s.detail();
  }
}

TEST(PlanFrameTest, TheDeadlineComesAfterTheStart) {
  v1::PlanFrame frame;
  frame.set_learning_route(v1::PLAN_LEARNING_ROUTE_B1);
  frame.set_period_start("2026-03-01");
  frame.set_integration_deadline("2029-03-01");
  EXPECT_TRUE(CheckPlanFrame(frame).ok());
  frame.set_integration_deadline("2026-03-01");
  EXPECT_EQ(CheckPlanFrame(frame).code(), Code::kInvalidArgument);
  frame.set_integration_deadline("2025-12-31");
  EXPECT_NE(CheckPlanFrame(frame).detail().find("after the period's start"), std::string::npos);
  frame.set_integration_deadline("2029-03-01");
  frame.set_learning_route(static_cast<v1::PlanLearningRoute>(7));
  EXPECT_EQ(CheckPlanFrame(frame).code(), Code::kInvalidArgument);
  frame.set_learning_route(v1::PLAN_LEARNING_ROUTE_Z);
  frame.set_guidance(std::string(kMaxPlanFrameTextBytes + 1, 'x'));
  EXPECT_EQ(CheckPlanFrame(frame).code(), Code::kInvalidArgument);
  frame.set_guidance("weekly\nwith the job coach");
  frame.set_preconditions("\xff\xfe");
  EXPECT_NE(CheckPlanFrame(frame).detail().find("UTF-8"), std::string::npos);
}

TEST(PlanGoalTest, AddsWithNewIdsAndUpdatesOnlyWhatIsSet) {
  v1::Plan plan;
  uint64_t next = 1;
  v1::SetPlanGoalRequest add;
  add.set_title("Taalexamen B1");
  auto goal = ApplyPlanGoal(plan, next, add, kNow);
  ASSERT_TRUE(goal.ok()) << goal.status().ToString();
  EXPECT_EQ(goal->id(), 1u);
  EXPECT_EQ(goal->status(), v1::PLAN_GOAL_STATUS_OPEN);
  EXPECT_EQ(next, 2u);
  v1::SetPlanGoalRequest update;
  update.set_goal_id(1);
  update.set_status(v1::PLAN_GOAL_STATUS_REACHED);
  goal = ApplyPlanGoal(plan, next, update, kNow + 1);
  ASSERT_TRUE(goal.ok());
  EXPECT_EQ(goal->title(), "Taalexamen B1");
  EXPECT_EQ(goal->status(), v1::PLAN_GOAL_STATUS_REACHED);
  EXPECT_EQ(plan.goals_size(), 1);
}

TEST(PlanGoalTest, RefusesBadInputAndLeavesThePlanAsItWas) {
  v1::Plan plan;
  uint64_t next = 1;
  const auto refused = [&](const v1::SetPlanGoalRequest& req) {
    const std::string before = plan.SerializeAsString();
    const uint64_t next_before = next;
    Status s = ApplyPlanGoal(plan, next, req, kNow).status();
    EXPECT_EQ(plan.SerializeAsString(), before);
    EXPECT_EQ(next, next_before);
    return s.code();
  };
  v1::SetPlanGoalRequest req;
  EXPECT_EQ(refused(req), Code::kInvalidArgument);  // no title
  req.set_title(std::string(kMaxPlanGoalTitleBytes + 1, 'a'));
  EXPECT_EQ(refused(req), Code::kInvalidArgument);
  req.set_title("\xc3\x28");
  EXPECT_EQ(refused(req), Code::kInvalidArgument);
  req.set_title("werk\u202e");
  EXPECT_EQ(refused(req), Code::kInvalidArgument);  // a name-like line: no bidi override
  req.set_title("Werk");
  req.set_status(static_cast<v1::PlanGoalStatus>(12));
  EXPECT_EQ(refused(req), Code::kInvalidArgument);
  v1::SetPlanGoalRequest unknown;
  unknown.set_goal_id(5);
  unknown.set_status(v1::PLAN_GOAL_STATUS_STOPPED);
  EXPECT_EQ(refused(unknown), Code::kNotFound);
}

TEST(PlanActionTest, ChecksFieldsAndTellsAnAssigneesRequestApart) {
  v1::SetPlanActionRequest req;
  req.set_action_id(3);
  req.set_status(v1::PLAN_ACTION_STATUS_DONE);
  req.set_note("Certificaat binnen");
  EXPECT_TRUE(OnlyStatusAndNote(req));
  EXPECT_TRUE(CheckPlanActionRequest(req, false).ok());
  EXPECT_EQ(CheckPlanActionRequest(req, /*adding=*/true).code(), Code::kInvalidArgument);  // what
  req.set_due_date("2026-02-30");
  EXPECT_FALSE(OnlyStatusAndNote(req));
  EXPECT_EQ(CheckPlanActionRequest(req, false).code(), Code::kInvalidArgument);
  req.clear_due_date();
  req.set_note(std::string(kMaxPlanNoteBytes + 1, 'n'));
  EXPECT_EQ(CheckPlanActionRequest(req, false).code(), Code::kInvalidArgument);
  req.set_note("ok");
  req.set_status(static_cast<v1::PlanActionStatus>(40));
  EXPECT_EQ(CheckPlanActionRequest(req, false).code(), Code::kInvalidArgument);
  v1::SetPlanActionRequest reassign;
  reassign.set_action_id(3);
  reassign.set_assignee_handle("jo");
  EXPECT_FALSE(OnlyStatusAndNote(reassign));

  v1::PlanAction action;
  v1::SetPlanActionRequest add;
  add.set_what("CV schrijven");
  add.set_due_date("2026-05-01");
  MergePlanAction(action, add, /*adding=*/true);
  EXPECT_EQ(action.status(), v1::PLAN_ACTION_STATUS_OPEN);
  v1::SetPlanActionRequest clear;
  clear.set_due_date("");
  MergePlanAction(action, clear, false);
  EXPECT_EQ(action.due_date(), "");
  EXPECT_EQ(action.what(), "CV schrijven");
}

}  // namespace
}  // namespace kring
