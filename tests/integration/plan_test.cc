// The shared plan (PIP; docs/plan.md) through the real kringd and the SDK: a plan built by the
// client, actions assigned to members, one updated by its assignee, a formal version made,
// acknowledged and read back exactly as it was after later changes; and a consent narrowing
// that hides the plan cuts its live events before the grant's response.
#include <gtest/gtest.h>

#include <string>

#include "kring/consent.h"
#include "kring/plan_text.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class PlanTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    sdk::Grant coach;
    coach.post = true;
    coach.plan = v1::PLAN_SCOPE_UPDATE_ASSIGNED;
    GrantConsent(client_, net_.id(), "jo", coach);
    sdk::Grant buddy;
    buddy.post = true;
    buddy.plan = v1::PLAN_SCOPE_READ;
    GrantConsent(client_, net_.id(), "amir", buddy);
  }

  v1::PlanFrame FrameOf(v1::PlanLearningRoute route, const std::string& deadline) {
    v1::PlanFrame frame;
    frame.set_learning_route(route);
    frame.set_period_start("2026-03-01");
    frame.set_integration_deadline(deadline);
    frame.set_preconditions("Kinderopvang op dinsdag en donderdag");
    frame.set_guidance("Elke twee weken een gesprek met de klantmanager");
    return frame;
  }
};

TEST_F(PlanTest, APipIsBuiltAssignedUpdatedVersionedAndReadBackAtVersionOne) {
  Must(client_->SetPlanFrame(net_.id(), FrameOf(v1::PLAN_LEARNING_ROUTE_B1, "2029-03-01")),
       "frame");
  const uint64_t language =
      Must(client_->AddPlanGoal(net_.id(), "Taalexamen B1"), "goal").change().goal().id();
  const uint64_t work =
      Must(client_->AddPlanGoal(net_.id(), "Betaald werk binnen 18 maanden"), "goal")
          .change()
          .goal()
          .id();
  v1::SetPlanActionRequest cv;
  cv.set_network_id(net_.id());
  cv.set_goal_id(work);
  cv.set_what("CV schrijven");
  cv.set_assignee_handle("jo");
  cv.set_due_date("2026-04-15");
  const uint64_t cv_id = Must(client_->SetPlanAction(cv), "action cv").change().action().id();
  v1::SetPlanActionRequest practice = cv;
  practice.set_goal_id(language);
  practice.set_what("Samen oefenen met lezen");
  practice.set_assignee_handle("amir");
  practice.clear_due_date();
  Must(client_->SetPlanAction(practice), "action practice");
  // A stranger to the network cannot be assigned.
  auto lena = world_->AddMember("lena", "work supervisor");
  v1::SetPlanActionRequest outsider = cv;
  outsider.set_assignee_handle("lena");
  EXPECT_TRUE(IsError(client_->SetPlanAction(outsider), v1::Error::INVALID_ARGUMENT));

  // Version 1 at intake, acknowledged by the client.
  const v1::PlanVersion made =
      Must(client_->MakePlanVersion(net_.id(), v1::PLAN_VERSION_REASON_INTAKE, "intake"), "version")
          .version();
  ASSERT_EQ(made.number(), 1u);
  Must(client_->AcknowledgePlanVersion(net_.id(), 1), "acknowledge");

  // The job coach updates his action; the client sees it live.
  Must(coach_->UpdatePlanActionStatus(net_.id(), cv_id, v1::PLAN_ACTION_STATUS_DONE,
                                      std::string("CV is klaar")),
       "jo updates his action");
  auto live = WaitForEvent(*client_, [&](const v1::Event& e) {
    return e.has_plan_changed() && e.plan_changed().change().action().id() == cv_id &&
           e.plan_changed().change().by_handle() == "jo";
  });
  ASSERT_TRUE(live.has_value()) << "the client got no PlanChanged for jo's update";
  EXPECT_EQ(live->plan_changed().change().action().status(), v1::PLAN_ACTION_STATUS_DONE);
  // jo may not change what the action is, nor touch amir's.
  v1::SetPlanActionRequest rename;
  rename.set_network_id(net_.id());
  rename.set_action_id(cv_id);
  rename.set_what("iets anders");
  EXPECT_TRUE(IsError(coach_->SetPlanAction(rename), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(coach_->AddPlanGoal(net_.id(), "Eigen doel"), v1::Error::PERMISSION_DENIED));

  // The learning route changes: a second version.
  Must(client_->SetPlanFrame(net_.id(), FrameOf(v1::PLAN_LEARNING_ROUTE_EDUCATION, "2029-09-01")),
       "new frame");
  Must(client_->MakePlanVersion(net_.id(), v1::PLAN_VERSION_REASON_LEARNING_ROUTE_CHANGED),
       "version 2");

  // Version 1 reads back exactly as it was, for everyone who may read the plan.
  const v1::GetPlanResult at1 = Must(buddy_->GetPlan(net_.id(), 1), "read version 1");
  EXPECT_EQ(at1.plan().SerializeAsString(), made.plan().SerializeAsString());
  EXPECT_EQ(at1.plan().frame().learning_route(), v1::PLAN_LEARNING_ROUTE_B1);
  EXPECT_EQ(at1.version().acknowledged_by_handle(), "ruth");
  ASSERT_EQ(at1.versions_size(), 2);
  const v1::GetPlanResult now = Must(coach_->GetPlan(net_.id()), "read now");
  EXPECT_EQ(now.plan().frame().learning_route(), v1::PLAN_LEARNING_ROUTE_EDUCATION);
  EXPECT_EQ(now.plan().version(), 2u);

  // The plain text says it in words.
  const std::string text = sdk::PlanText(at1.plan(), &at1.version());
  EXPECT_NE(text.find("version 1 (intake"), std::string::npos) << text;
  EXPECT_NE(text.find("B1 route"), std::string::npos) << text;
  EXPECT_NE(text.find("[open] CV schrijven - jo, due 2026-04-15"), std::string::npos) << text;
  EXPECT_NE(text.find("Acknowledged"), std::string::npos) << text;

  // The dated changes between the versions, and nothing for lena.
  const auto changes = Must(client_->ListPlanChanges(net_.id()), "changes");
  EXPECT_EQ(changes.changes_size(), static_cast<int>(now.plan().change_seq()));
  EXPECT_TRUE(IsError(lena->GetPlan(net_.id()), v1::Error::PERMISSION_DENIED));
}

TEST_F(PlanTest, ANarrowingThatHidesThePlanCutsItsLiveEventsBeforeTheResponse) {
  ASSERT_TRUE(IsOk(SubscribeTo(buddy_, net_.id(), {thread_})));
  Must(client_->AddPlanGoal(net_.id(), "KNM"), "goal");
  ASSERT_TRUE(WaitForEventOfKind(*buddy_, v1::Event::kPlanChanged).has_value())
      << "amir did not receive the plan live";

  sdk::Grant narrowed;
  narrowed.post = true;  // every thread still, no plan
  GrantConsent(client_, net_.id(), "amir", narrowed);
  // Before the grant's response the cut was queued to amir: his next events hold it.
  auto ended = WaitForEventOfKind(*buddy_, v1::Event::kPlanAccessEnded);
  ASSERT_TRUE(ended.has_value()) << "amir got no PlanAccessEnded";
  EXPECT_EQ(ended->plan_access_ended().network_id(), net_.id());

  Must(client_->AddPlanGoal(net_.id(), "Werk"), "goal after the narrowing");
  Must(client_->PostMessage(net_.id(), thread_, "after-narrowing", "na de wijziging"), "post");
  // The message (posted after the plan change) arrives; no plan event came before it.
  bool plan_event = false, message = false;
  for (int i = 0; i < 50 && !message; ++i) {
    auto e = buddy_->NextEvent(kWait);
    ASSERT_TRUE(e.has_value()) << "amir did not receive the message";
    plan_event |= e->has_plan_changed();
    message |= IsMessageIn(*e, net_.id());
  }
  EXPECT_TRUE(message);
  EXPECT_FALSE(plan_event) << "a plan event reached amir after the plan was hidden from him";
  EXPECT_TRUE(IsError(buddy_->GetPlan(net_.id()), v1::Error::PERMISSION_DENIED));
}

}  // namespace
}  // namespace kring::integration
