// The shared plan (PIP; issue 15, item 1; docs/plan.md) through the service: built by the client
// and the coordinator, assigned, updated by an assignee, versioned and read back as it was;
// every change one write with its record, and PlanChanged only to those who may read the plan.
#include <gtest/gtest.h>

#include <string>

#include "proto/kring/v1/audit_event_types.h"
#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

namespace type = v1::event_type;

class PlanTest : public ConsentTest {
 protected:
  // amir joins with every thread and `plan` (the scope of his consent).
  void AddBuddy(v1::PlanScope plan) {
    v1::ConsentProvision p = Scope({});
    p.set_plan(plan);
    v1::Response r = InviteBuddy(*client_, &p);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
  }
  v1::Response Frame(TestApp& by, const std::string& start, const std::string& deadline,
                     v1::PlanLearningRoute route = v1::PLAN_LEARNING_ROUTE_B1) {
    v1::ClientFrame f;
    auto* req = f.mutable_set_plan_frame();
    req->set_network_id(network_.id());
    req->mutable_frame()->set_learning_route(route);
    req->mutable_frame()->set_period_start(start);
    req->mutable_frame()->set_integration_deadline(deadline);
    req->mutable_frame()->set_preconditions("kinderopvang op dinsdag");
    req->mutable_frame()->set_guidance("elke twee weken een gesprek met jo");
    return by.Call(f);
  }
  v1::Response AddGoal(TestApp& by, const std::string& title) {
    v1::ClientFrame f;
    f.mutable_set_plan_goal()->set_network_id(network_.id());
    f.mutable_set_plan_goal()->set_title(title);
    return by.Call(f);
  }
  static v1::ClientFrame ActionFrame(uint64_t network_id, uint64_t action_id) {
    v1::ClientFrame f;
    f.mutable_set_plan_action()->set_network_id(network_id);
    f.mutable_set_plan_action()->set_action_id(action_id);
    return f;
  }
  v1::Response AddAction(TestApp& by, uint64_t goal_id, const std::string& what,
                         const std::string& assignee, const std::string& due = "") {
    v1::ClientFrame f = ActionFrame(network_.id(), 0);
    auto* req = f.mutable_set_plan_action();
    req->set_goal_id(goal_id);
    req->set_what(what);
    req->set_assignee_handle(assignee);
    if (!due.empty()) req->set_due_date(due);
    return by.Call(f);
  }
  v1::Response SetStatus(TestApp& by, uint64_t action_id, v1::PlanActionStatus status,
                         const std::string& note) {
    v1::ClientFrame f = ActionFrame(network_.id(), action_id);
    f.mutable_set_plan_action()->set_status(status);
    f.mutable_set_plan_action()->set_note(note);
    return by.Call(f);
  }
  v1::Response MakeVersion(TestApp& by, v1::PlanVersionReason reason) {
    v1::ClientFrame f;
    f.mutable_make_plan_version()->set_network_id(network_.id());
    f.mutable_make_plan_version()->set_reason(reason);
    f.mutable_make_plan_version()->set_note("intakegesprek");
    return by.Call(f);
  }
  v1::Response Acknowledge(TestApp& by, uint32_t version) {
    v1::ClientFrame f;
    f.mutable_acknowledge_plan_version()->set_network_id(network_.id());
    f.mutable_acknowledge_plan_version()->set_version(version);
    return by.Call(f);
  }
  v1::Response Read(TestApp& by, uint32_t version = 0) {
    v1::ClientFrame f;
    f.mutable_get_plan()->set_network_id(network_.id());
    f.mutable_get_plan()->set_version(version);
    return by.Call(f);
  }
  // The plan as the client reads it now.
  v1::Plan PlanNow() {
    v1::Response r = Read(*client_);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    return r.get_plan().plan();
  }
  v1::ClientFrame Subscribe(uint64_t thread_id) const {
    v1::ClientFrame f;
    f.mutable_subscribe()->set_network_id(network_.id());
    f.mutable_subscribe()->add_threads()->set_thread_id(thread_id);
    return f;
  }
  // PlanChanged frames the app received after its frame number `from` (1-based; 0: all).
  static size_t PlanFramesAfter(TestApp& app, size_t from) {
    const auto log = app.sink().Log();
    size_t n = 0;
    for (size_t i = from; i < log.size(); ++i) {
      n += log[i].has_event() && log[i].event().has_plan_changed();
    }
    return n;
  }
  // The frame number (1-based) of the app's first PlanAccessEnded; 0: none.
  static size_t PlanAccessEndedAt(TestApp& app) {
    const auto log = app.sink().Log();
    for (size_t i = 0; i < log.size(); ++i) {
      if (log[i].has_event() && log[i].event().has_plan_access_ended()) return i + 1;
    }
    return 0;
  }
  static std::string Error(const v1::Response& r) {
    return r.has_error() ? v1::Error::Code_Name(r.error().code()) + ": " + r.error().detail()
                         : "OK";
  }

  // A plan with a frame, one goal and one action for amir (UPDATE_ASSIGNED): ids goal 1, action 2.
  void BuildPlan() {
    AddBuddy(v1::PLAN_SCOPE_UPDATE_ASSIGNED);
    ASSERT_EQ(Error(Frame(*client_, "2026-03-01", "2029-03-01")), "OK");
    ASSERT_EQ(Error(AddGoal(*coach_, "Taalexamen B1")), "OK");
    ASSERT_EQ(Error(AddAction(*coach_, 1, "Oefenexamen lezen", "amir", "2026-05-01")), "OK");
  }
};

TEST_F(PlanTest, ClientAndCoordinatorBuildItAndAnAssigneeUpdatesTheirAction) {
  BuildPlan();
  v1::Response r = SetStatus(*buddy_, 2, v1::PLAN_ACTION_STATUS_DOING, "we oefenen op donderdag");
  ASSERT_EQ(Error(r), "OK");
  EXPECT_EQ(r.set_plan_action().change().kind(), v1::PLAN_CHANGE_KIND_ACTION_UPDATED);
  EXPECT_EQ(r.set_plan_action().change().action().updated_by_handle(), "amir");

  const v1::Plan plan = PlanNow();
  EXPECT_EQ(plan.frame().learning_route(), v1::PLAN_LEARNING_ROUTE_B1);
  EXPECT_EQ(plan.frame().integration_deadline(), "2029-03-01");
  ASSERT_EQ(plan.goals_size(), 1);
  ASSERT_EQ(plan.goals(0).actions_size(), 1);
  const v1::PlanAction& action = plan.goals(0).actions(0);
  EXPECT_EQ(action.id(), 2u);
  EXPECT_EQ(action.assignee_handle(), "amir");
  EXPECT_EQ(action.status(), v1::PLAN_ACTION_STATUS_DOING);
  EXPECT_EQ(action.note(), "we oefenen op donderdag");
  EXPECT_EQ(action.due_date(), "2026-05-01");
  EXPECT_EQ(plan.change_seq(), 4u);  // frame, goal, action, status

  // The assignee reads it too; the dated changes tell its progress.
  EXPECT_EQ(Error(Read(*buddy_)), "OK");
  v1::ClientFrame changes;
  changes.mutable_list_plan_changes()->set_network_id(network_.id());
  r = buddy_->Call(changes);
  ASSERT_EQ(Error(r), "OK");
  ASSERT_EQ(r.list_plan_changes().changes_size(), 4);
  EXPECT_EQ(r.list_plan_changes().changes(0).kind(), v1::PLAN_CHANGE_KIND_FRAME_SET);
  EXPECT_EQ(r.list_plan_changes().changes(3).by_handle(), "amir");
}

TEST_F(PlanTest, AnAssigneeChangesOnlyStatusAndNoteOfTheirOwnActions) {
  BuildPlan();
  ASSERT_EQ(Error(AddAction(*coach_, 1, "Inschrijven examen", "jo")), "OK");  // action 3
  // Not theirs.
  EXPECT_EQ(SetStatus(*buddy_, 3, v1::PLAN_ACTION_STATUS_DONE, "").error().code(),
            v1::Error::PERMISSION_DENIED);
  // Theirs, but more than status and note.
  v1::ClientFrame f = ActionFrame(network_.id(), 2);
  f.mutable_set_plan_action()->set_due_date("2026-12-01");
  EXPECT_EQ(buddy_->Call(f).error().code(), v1::Error::PERMISSION_DENIED);
  // Editing the plan itself.
  EXPECT_EQ(AddGoal(*buddy_, "Werk").error().code(), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(MakeVersion(*buddy_, v1::PLAN_VERSION_REASON_INTAKE).error().code(),
            v1::Error::PERMISSION_DENIED);
  // The coordinator may change anything, but acknowledging is the client's.
  EXPECT_EQ(Error(SetStatus(*coach_, 2, v1::PLAN_ACTION_STATUS_STOPPED, "")), "OK");
  ASSERT_EQ(Error(MakeVersion(*coach_, v1::PLAN_VERSION_REASON_INTAKE)), "OK");
  EXPECT_EQ(Acknowledge(*coach_, 1).error().code(), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(PlanNow().change_seq(), 6u);  // the refusals wrote nothing
}

TEST_F(PlanTest, AVersionReadsBackExactlyAsItWasAndTheClientAcknowledgesIt) {
  BuildPlan();
  v1::Response made = MakeVersion(*coach_, v1::PLAN_VERSION_REASON_INTAKE);
  ASSERT_EQ(Error(made), "OK");
  const v1::PlanVersion& v1_made = made.make_plan_version().version();
  EXPECT_EQ(v1_made.number(), 1u);
  EXPECT_EQ(v1_made.plan().version(), 1u);
  const std::string v1_plan = v1_made.plan().SerializeAsString();

  // Progress after the version: it stays out of version 1.
  ASSERT_EQ(Error(SetStatus(*buddy_, 2, v1::PLAN_ACTION_STATUS_DONE, "gehaald!")), "OK");
  ASSERT_EQ(Error(Frame(*client_, "2026-03-01", "2029-09-01", v1::PLAN_LEARNING_ROUTE_EDUCATION)),
            "OK");
  v1::Response ack = Acknowledge(*client_, 1);
  ASSERT_EQ(Error(ack), "OK");
  EXPECT_EQ(ack.acknowledge_plan_version().version().acknowledged_by_handle(), "ruth");
  // Again: the same answer, nothing written.
  const uint64_t seq = PlanNow().change_seq();
  EXPECT_EQ(Error(Acknowledge(*client_, 1)), "OK");
  EXPECT_EQ(PlanNow().change_seq(), seq);

  v1::Response at1 = Read(*buddy_, 1);
  ASSERT_EQ(Error(at1), "OK");
  EXPECT_EQ(at1.get_plan().plan().SerializeAsString(), v1_plan);
  EXPECT_EQ(at1.get_plan().version().number(), 1u);
  EXPECT_EQ(at1.get_plan().version().reason(), v1::PLAN_VERSION_REASON_INTAKE);
  EXPECT_EQ(at1.get_plan().version().acknowledged_by_handle(), "ruth");
  EXPECT_FALSE(at1.get_plan().version().has_plan());
  ASSERT_EQ(at1.get_plan().versions_size(), 1);
  EXPECT_EQ(at1.get_plan().plan().goals(0).actions(0).status(), v1::PLAN_ACTION_STATUS_OPEN);
  EXPECT_EQ(PlanNow().goals(0).actions(0).status(), v1::PLAN_ACTION_STATUS_DONE);
  EXPECT_EQ(Read(*client_, 2).error().code(), v1::Error::NOT_FOUND);
}

TEST_F(PlanTest, OnlyThoseWhoMayReadThePlanGetItsEvents) {
  AddBuddy(v1::PLAN_SCOPE_READ);
  auto lena = Person("lena", v1::ACCOUNT_KIND_MEMBER, "work supervisor");
  AddMember(*coach_, *client_, network_.id(), "lena");  // default consent: no plan
  ASSERT_EQ(Error(lena->Call(Subscribe(general_))), "OK");
  ASSERT_EQ(Error(AddGoal(*client_, "Betaald werk binnen 18 maanden")), "OK");
  auto got = buddy_->sink().WaitEvent([](const v1::Event& e) { return e.has_plan_changed(); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->plan_changed().change().goal().title(), "Betaald werk binnen 18 maanden");
  // lena may not read the plan: nothing of it reaches her before the next message.
  ASSERT_EQ(Error(Post(*coach_, network_.id(), general_, "hallo")), "OK");
  ASSERT_EQ(lena->WaitMessages(general_, 1).size(), 1u);
  EXPECT_EQ(PlanFramesAfter(*lena, 0), 0u);
  EXPECT_EQ(Read(*lena).error().code(), v1::Error::PERMISSION_DENIED);
}

TEST_F(PlanTest, ANarrowingThatHidesThePlanCutsItsEventsBeforeTheResponse) {
  AddBuddy(v1::PLAN_SCOPE_READ);
  ASSERT_EQ(Error(buddy_->Call(Subscribe(general_))), "OK");
  ASSERT_EQ(Error(AddGoal(*client_, "KNM")), "OK");
  ASSERT_TRUE(buddy_->sink()
                  .WaitEvent([](const v1::Event& e) { return e.has_plan_changed(); })
                  .has_value());

  v1::Response narrowed = Grant(*client_, "amir", Scope({}));  // threads, no plan
  ASSERT_EQ(Error(narrowed), "OK");
  // Queued to amir before the client's response came back (the effect ran before it was sent).
  const size_t ended_at = PlanAccessEndedAt(*buddy_);
  ASSERT_NE(ended_at, 0u) << "amir got no PlanAccessEnded before the grant's response";
  EXPECT_EQ(Read(*buddy_).error().code(), v1::Error::PERMISSION_DENIED);

  ASSERT_EQ(Error(AddGoal(*client_, "Werk")), "OK");
  ASSERT_EQ(Error(Post(*client_, network_.id(), general_, "na de wijziging")), "OK");
  ASSERT_EQ(buddy_->WaitMessages(general_, 1).size(), 1u);
  EXPECT_EQ(PlanFramesAfter(*buddy_, ended_at), 0u);
}

TEST_F(PlanTest, EveryRequestLeavesOneRecordAndReadsAreRecordedLikeMessages) {
  BuildPlan();
  const uint64_t head = Head();
  ASSERT_EQ(Error(Read(*buddy_)), "OK");
  ASSERT_EQ(Error(SetStatus(*buddy_, 2, v1::PLAN_ACTION_STATUS_DONE, "klaar")), "OK");
  EXPECT_EQ(SetStatus(*buddy_, 99, v1::PLAN_ACTION_STATUS_DONE, "").error().code(),
            v1::Error::NOT_FOUND);
  std::vector<v1::AuditEvent> records = Since(head);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].event_type(), type::kPlanRead);
  EXPECT_EQ(records[0].actor_handle(), "amir");
  EXPECT_EQ(records[0].client_id(), network_.client_id());
  EXPECT_EQ(records[0].count(), 1u);  // the actions disclosed
  EXPECT_EQ(records[1].event_type(), type::kPlanActionSet);
  EXPECT_EQ(records[1].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(records[1].object_id(), 2u);
  EXPECT_EQ(records[1].plan_change_seq(), 4u);
  EXPECT_EQ(records[2].outcome(), v1::AUDIT_OUTCOME_ERROR);
}

TEST_F(PlanTest, AFailedStoreWriteLeavesNothingOfTheChange) {
  BuildPlan();
  faulty_.FailNextWrite();
  EXPECT_EQ(AddGoal(*coach_, "Werk").error().code(), v1::Error::INTERNAL);
  const v1::Plan plan = PlanNow();
  EXPECT_EQ(plan.change_seq(), 3u);
  EXPECT_EQ(plan.goals_size(), 1);
  // The next goal gets the id the failed one would have had: nothing of it was kept.
  v1::Response r = AddGoal(*coach_, "Werk");
  ASSERT_EQ(Error(r), "OK");
  EXPECT_EQ(r.set_plan_goal().change().goal().id(), 3u);
}

}  // namespace
}  // namespace kring::service::testing
