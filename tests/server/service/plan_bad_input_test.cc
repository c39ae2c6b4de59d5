// Bad input to the shared plan (issue 15, item 4): invalid dates, an assignment to someone who
// is not a member, an edit without the plan scope, unknown goal and action ids, oversized text,
// invalid UTF-8. Each is a typed error with one access-log record and nothing of the plan
// written, also when sent pipelined, and concurrent edits each get their own change.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

class PlanBadInputTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    v1::ConsentProvision p = Scope({});
    p.set_plan(v1::PLAN_SCOPE_UPDATE_ASSIGNED);
    ASSERT_FALSE(InviteBuddy(*client_, &p).has_error());
    lena_ = Person("lena", v1::ACCOUNT_KIND_MEMBER, "work supervisor");        // not in the network
    ASSERT_FALSE(client_->Call(Goal(0, "Taalexamen B1")).has_error());         // goal 1
    ASSERT_FALSE(client_->Call(Action(0, 1, "Oefenen", "amir")).has_error());  // action 2
  }

  v1::ClientFrame FrameOf(const std::string& start, const std::string& deadline) const {
    v1::ClientFrame f;
    f.mutable_set_plan_frame()->set_network_id(network_.id());
    f.mutable_set_plan_frame()->mutable_frame()->set_period_start(start);
    f.mutable_set_plan_frame()->mutable_frame()->set_integration_deadline(deadline);
    return f;
  }
  v1::ClientFrame Goal(uint64_t goal_id, const std::string& title) const {
    v1::ClientFrame f;
    f.mutable_set_plan_goal()->set_network_id(network_.id());
    f.mutable_set_plan_goal()->set_goal_id(goal_id);
    f.mutable_set_plan_goal()->set_title(title);
    return f;
  }
  v1::ClientFrame Action(uint64_t action_id, uint64_t goal_id, const std::string& what,
                         const std::string& assignee) const {
    v1::ClientFrame f;
    auto* req = f.mutable_set_plan_action();
    req->set_network_id(network_.id());
    req->set_action_id(action_id);
    req->set_goal_id(goal_id);
    if (!what.empty()) req->set_what(what);
    req->set_assignee_handle(assignee);
    return f;
  }
  v1::ClientFrame Note(uint64_t action_id, const std::string& note) const {
    v1::ClientFrame f;
    f.mutable_set_plan_action()->set_network_id(network_.id());
    f.mutable_set_plan_action()->set_action_id(action_id);
    f.mutable_set_plan_action()->set_note(note);
    return f;
  }
  v1::ClientFrame Due(uint64_t action_id, const std::string& due) const {
    v1::ClientFrame f;
    f.mutable_set_plan_action()->set_network_id(network_.id());
    f.mutable_set_plan_action()->set_action_id(action_id);
    f.mutable_set_plan_action()->set_due_date(due);
    return f;
  }
  // The plan's stored bytes as the client reads them now.
  std::string PlanBytes() {
    v1::ClientFrame f;
    f.mutable_get_plan()->set_network_id(network_.id());
    v1::Response r = client_->Call(f);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    return r.get_plan().SerializeAsString();
  }

  struct Case {
    const char* name;
    TestApp* by;
    v1::ClientFrame frame;
    v1::Error::Code code;
    // Invalid UTF-8 in a string field: protobuf refuses the whole frame, so kringd answers it as
    // an undecodable frame (docs/protocol.md): INVALID_ARGUMENT, no request, so no record; the
    // third such frame on a connection closes it. The plan's own UTF-8 checks stand behind it.
    bool undecodable = false;
  };
  std::vector<Case> Cases() {
    v1::ClientFrame bad_route = FrameOf("2026-03-01", "2029-03-01");
    bad_route.mutable_set_plan_frame()->mutable_frame()->set_learning_route(
        static_cast<v1::PlanLearningRoute>(42));
    v1::ClientFrame long_guidance = FrameOf("2026-03-01", "2029-03-01");
    long_guidance.mutable_set_plan_frame()->mutable_frame()->set_guidance(std::string(2001, 'g'));
    v1::ClientFrame team_assignee = Action(0, 1, "Gesprek", "");
    team_assignee.mutable_set_plan_action()->set_assignee_team_id(999'999);
    v1::ClientFrame no_reason;
    no_reason.mutable_make_plan_version()->set_network_id(network_.id());
    v1::ClientFrame no_version;
    no_version.mutable_acknowledge_plan_version()->set_network_id(network_.id());
    no_version.mutable_acknowledge_plan_version()->set_version(7);
    using E = v1::Error;
    return {
        {"deadline before start", client_.get(), FrameOf("2026-03-01", "2026-02-28"),
         E::INVALID_ARGUMENT},
        {"deadline equal to start", client_.get(), FrameOf("2026-03-01", "2026-03-01"),
         E::INVALID_ARGUMENT},
        {"start out of range", client_.get(), FrameOf("1999-12-31", "2026-03-01"),
         E::INVALID_ARGUMENT},
        {"no such day", client_.get(), Due(2, "2026-02-30"), E::INVALID_ARGUMENT},
        {"due out of range", coach_.get(), Due(2, "2101-01-01"), E::INVALID_ARGUMENT},
        {"not a date", coach_.get(), Due(2, "1 mei"), E::INVALID_ARGUMENT},
        {"unknown route", client_.get(), bad_route, E::INVALID_ARGUMENT},
        {"assignee not a member", coach_.get(), Action(0, 1, "Stage", "lena"), E::INVALID_ARGUMENT},
        {"assignee no account", coach_.get(), Action(0, 1, "Stage", "nobody"), E::INVALID_ARGUMENT},
        {"assignee team not admitted", coach_.get(), team_assignee, E::INVALID_ARGUMENT},
        {"reassigned to a non-member", client_.get(), Action(2, 0, "", "lena"),
         E::INVALID_ARGUMENT},
        {"no assignee", coach_.get(), Action(0, 1, "Stage", ""), E::INVALID_ARGUMENT},
        {"goal by an assignee", buddy_.get(), Goal(0, "Werk"), E::PERMISSION_DENIED},
        {"action by an assignee", buddy_.get(), Action(0, 1, "Stage", "amir"),
         E::PERMISSION_DENIED},
        {"due date by an assignee", buddy_.get(), Due(2, "2026-06-01"), E::PERMISSION_DENIED},
        {"frame by a stranger", lena_.get(), FrameOf("2026-03-01", "2029-03-01"),
         E::PERMISSION_DENIED},
        {"version without reason", client_.get(), no_reason, E::INVALID_ARGUMENT},
        {"acknowledge unknown version", client_.get(), no_version, E::NOT_FOUND},
        {"unknown goal", coach_.get(), Goal(77, "Werk"), E::NOT_FOUND},
        {"action under unknown goal", coach_.get(), Action(0, 77, "Stage", "amir"), E::NOT_FOUND},
        {"unknown action", client_.get(), Note(77, "x"), E::NOT_FOUND},
        {"a goal's id as action", client_.get(), Note(1, "x"), E::NOT_FOUND},
        {"oversized title", coach_.get(), Goal(0, std::string(201, 't')), E::INVALID_ARGUMENT},
        {"oversized what", coach_.get(), Action(0, 1, std::string(501, 'w'), "amir"),
         E::INVALID_ARGUMENT},
        {"oversized note", buddy_.get(), Note(2, std::string(1001, 'n')), E::INVALID_ARGUMENT},
        {"oversized guidance", client_.get(), long_guidance, E::INVALID_ARGUMENT},
        {"invalid UTF-8 note", buddy_.get(), Note(2, "klaar \xc3\x28"), E::INVALID_ARGUMENT, true},
        {"invalid UTF-8 title", coach_.get(), Goal(0, "\xed\xa0\x80"), E::INVALID_ARGUMENT, true},
        {"invalid UTF-8 what", client_.get(), Action(0, 1, "\xff", "amir"), E::INVALID_ARGUMENT,
         true},
    };
  }

  std::unique_ptr<TestApp> lena_;
};

TEST_F(PlanBadInputTest, EachIsATypedErrorWithOneRecordAndNothingWritten) {
  for (Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const std::string before = PlanBytes();
    const uint64_t head = Head();
    v1::Response r = c.by->Call(c.frame);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(v1::Error::Code_Name(r.error().code()), v1::Error::Code_Name(c.code))
        << r.error().detail();
    EXPECT_FALSE(r.error().detail().empty());
    const std::vector<v1::AuditEvent> records = Since(head);
    ASSERT_EQ(records.size(), c.undecodable ? 0u : 1u);
    if (!c.undecodable) {
      EXPECT_NE(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
    }
    EXPECT_EQ(PlanBytes(), before);
  }
}

TEST_F(PlanBadInputTest, PipelinedTheyAreRefusedInOrderAndOnlyTheGoodOnesWritten) {
  const std::string before = PlanBytes();
  std::vector<std::pair<uint64_t, Case>> sent;
  for (int round = 0; round < 3; ++round) {
    for (Case& c : Cases()) {
      if (!c.undecodable) sent.emplace_back(c.by->Send(c.frame), c);
    }
  }
  uint64_t good = coach_->Send(Goal(0, "Werk"));  // behind them all on jo's connection
  for (auto& [id, c] : sent) {
    v1::Response r = c.by->sink().WaitResponse(id);
    EXPECT_EQ(v1::Error::Code_Name(r.error().code()), v1::Error::Code_Name(c.code)) << c.name;
  }
  v1::Response r = coach_->sink().WaitResponse(good);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.set_plan_goal().change().seq(), 3u);  // the two of SetUp, then this one
  EXPECT_EQ(r.set_plan_goal().change().goal().id(), 3u);
  EXPECT_NE(PlanBytes(), before);
}

TEST_F(PlanBadInputTest, ConcurrentEditsEachGetTheirOwnChangeAndId) {
  constexpr int kEach = 20;
  std::vector<std::pair<TestApp*, uint64_t>> sent;
  for (int i = 0; i < kEach; ++i) {
    sent.emplace_back(client_.get(), client_->Send(Goal(0, "ruth " + std::to_string(i))));
    sent.emplace_back(coach_.get(), coach_->Send(Goal(0, "jo " + std::to_string(i))));
    sent.emplace_back(buddy_.get(), buddy_->Send(Note(2, "amir " + std::to_string(i))));
  }
  std::set<uint64_t> seqs, ids;
  for (auto& [app, id] : sent) {
    v1::Response r = app->sink().WaitResponse(id);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    const v1::PlanChange& change =
        r.has_set_plan_goal() ? r.set_plan_goal().change() : r.set_plan_action().change();
    seqs.insert(change.seq());
    if (r.has_set_plan_goal()) ids.insert(change.goal().id());
  }
  EXPECT_EQ(seqs.size(), sent.size());
  EXPECT_EQ(*seqs.rbegin(), sent.size() + 2);
  EXPECT_EQ(ids.size(), 2u * kEach);
}

}  // namespace
}  // namespace kring::service::testing
