#include "kring/plan_text.h"

#include <gtest/gtest.h>

#include <string>

namespace kring::sdk {
namespace {

// True if `s` is well-formed UTF-8 without control characters other than newlines.
bool CleanUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (n == 1 && c < 0x20 && c != '\n') return false;
    if (n == 3 && s.compare(i, 3, "\xE2\x80\xAE") == 0) return false;  // U+202E
    i += n;
  }
  return true;
}

v1::Plan APlan() {
  v1::Plan plan;
  plan.set_network_id(12);
  plan.set_version(1);
  plan.set_change_seq(5);
  plan.set_updated_at_ms(1'772'528'100'000);
  plan.set_updated_by_handle("amir");
  v1::PlanFrame* f = plan.mutable_frame();
  f->set_learning_route(v1::PLAN_LEARNING_ROUTE_B1);
  f->set_period_start("2026-03-01");
  f->set_integration_deadline("2029-03-01");
  f->set_preconditions("Kinderopvang op dinsdag\nHuisarts: rugklachten");
  f->set_guidance("رحلة العمل");  // right-to-left text passes as it is
  v1::PlanGoal* g = plan.add_goals();
  g->set_id(1);
  g->set_title("Taalexamen B1");
  g->set_status(v1::PLAN_GOAL_STATUS_IN_PROGRESS);
  v1::PlanAction* a = g->add_actions();
  a->set_id(2);
  a->set_what("Oefenexamen lezen");
  a->set_assignee_handle("amir");
  a->set_due_date("2026-05-01");
  a->set_status(v1::PLAN_ACTION_STATUS_DOING);
  a->set_note("donderdag\nin de bibliotheek");
  return plan;
}

TEST(PlanText, SaysThePlanInWords) {
  const std::string text = PlanText(APlan(), nullptr);
  EXPECT_NE(text.find("Plan of network 12, as it is now (last version: 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Learning route: B1 route\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Period: 2026-03-01 to 2029-03-01"), std::string::npos) << text;
  EXPECT_NE(text.find("Preconditions:\n    Kinderopvang op dinsdag\n    Huisarts"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("رحلة العمل"), std::string::npos);
  EXPECT_NE(text.find("Goal 1: Taalexamen B1 [in progress]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  2. [doing] Oefenexamen lezen - amir, due 2026-05-01\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("note: donderdag\n             in de bibliotheek"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Last change: #5, 2026-03-03 08:55 UTC by amir"), std::string::npos) << text;
  EXPECT_TRUE(CleanUtf8(text));
}

TEST(PlanText, AVersionSaysWhyAndWhetherItWasAcknowledged) {
  v1::PlanVersion version;
  version.set_number(1);
  version.set_reason(v1::PLAN_VERSION_REASON_INTAKE);
  version.set_made_by_handle("jo");
  version.set_made_at_ms(1'772'528'100'000);
  std::string text = PlanText(APlan(), &version);
  EXPECT_NE(text.find("version 1 (intake, made 2026-03-03 08:55 UTC by jo)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Not acknowledged yet"), std::string::npos);
  version.set_acknowledged_by(5);
  version.set_acknowledged_by_handle("ruth");
  version.set_acknowledged_at_ms(1'772'528'160'000);
  text = PlanText(APlan(), &version);
  EXPECT_NE(text.find("Acknowledged 2026-03-03 08:56 UTC by ruth"), std::string::npos) << text;
}

TEST(PlanText, AnEmptyPlanSaysSo) {
  v1::Plan plan;
  plan.set_network_id(3);
  EXPECT_EQ(PlanText(plan, nullptr), "Plan of network 3\nNothing in the plan yet.\n");
}

TEST(PlanText, IsValidUtf8WhateverTheInputHolds) {
  v1::Plan plan = APlan();
  v1::PlanGoal* g = plan.mutable_goals(0);
  g->set_title("bad \xC3\x28 cut \xE2\x82 end \xFF and \xED\xA0\x80 surrogate");
  g->mutable_actions(0)->set_what("bell\a tab\t esc\x1b[31m red \xE2\x80\xAE override");
  g->mutable_actions(0)->set_assignee_handle("x\ny");
  plan.mutable_frame()->set_guidance(std::string("nul\0byte\r\nline", 14));
  const std::string text = PlanText(plan, nullptr);
  EXPECT_TRUE(CleanUtf8(text)) << text;
  EXPECT_NE(text.find("bad \xEF\xBF\xBD( cut "), std::string::npos) << text;
  EXPECT_NE(text.find("bell  tab  esc [31m red   override"), std::string::npos) << text;
  EXPECT_NE(text.find("x y"), std::string::npos);  // a one-line field stays one line
  EXPECT_NE(text.find("nul byte\n    line"), std::string::npos) << text;
}

TEST(PlanText, NamesEveryEnumValue) {
  EXPECT_EQ(LearningRouteName(v1::PLAN_LEARNING_ROUTE_Z), "Z-route");
  EXPECT_EQ(ActionStatusName(v1::PLAN_ACTION_STATUS_STOPPED), "stopped");
  EXPECT_EQ(GoalStatusName(v1::PLAN_GOAL_STATUS_REACHED), "reached");
  EXPECT_EQ(VersionReasonName(v1::PLAN_VERSION_REASON_LEARNING_ROUTE_CHANGED),
            "change of learning route");
  EXPECT_EQ(PlanChangeName(v1::PLAN_CHANGE_KIND_VERSION_ACKNOWLEDGED), "version acknowledged");
}

}  // namespace
}  // namespace kring::sdk
