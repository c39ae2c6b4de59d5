// `kring plan ...`: the shared plan (PIP; docs/plan.md). show (now or at a version), frame, goal
// add/set, action add/set, version, acknowledge, history. The plain text comes from the SDK
// (kring/plan_text.h); --json prints the protobuf fields as JSON objects.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "client-sdk/cli/commands.h"
#include "kring/plan_text.h"

namespace kring::cli {

namespace {

struct PlanArgs {
  uint64_t network = 0, goal = 0, action = 0, team = 0, after = 0;
  uint32_t version = 0;
  std::string title, status, what, to, due, note, route, start, deadline, preconditions, guidance,
      reason;
  std::optional<std::string> opt_title, opt_what, opt_due, opt_note;
};

bool ParseRoute(const std::string& s, v1::PlanLearningRoute* out) {
  if (s == "b1")
    *out = v1::PLAN_LEARNING_ROUTE_B1;
  else if (s == "education")
    *out = v1::PLAN_LEARNING_ROUTE_EDUCATION;
  else if (s == "z")
    *out = v1::PLAN_LEARNING_ROUTE_Z;
  else if (s.empty())
    *out = v1::PLAN_LEARNING_ROUTE_UNSPECIFIED;
  else
    return false;
  return true;
}

bool ParseGoalStatus(const std::string& s, v1::PlanGoalStatus* out) {
  if (s == "open")
    *out = v1::PLAN_GOAL_STATUS_OPEN;
  else if (s == "in-progress")
    *out = v1::PLAN_GOAL_STATUS_IN_PROGRESS;
  else if (s == "reached")
    *out = v1::PLAN_GOAL_STATUS_REACHED;
  else if (s == "stopped")
    *out = v1::PLAN_GOAL_STATUS_STOPPED;
  else if (s.empty())
    *out = v1::PLAN_GOAL_STATUS_UNSPECIFIED;
  else
    return false;
  return true;
}

bool ParseActionStatus(const std::string& s, v1::PlanActionStatus* out) {
  if (s == "open")
    *out = v1::PLAN_ACTION_STATUS_OPEN;
  else if (s == "doing")
    *out = v1::PLAN_ACTION_STATUS_DOING;
  else if (s == "done")
    *out = v1::PLAN_ACTION_STATUS_DONE;
  else if (s == "stopped")
    *out = v1::PLAN_ACTION_STATUS_STOPPED;
  else if (s.empty())
    *out = v1::PLAN_ACTION_STATUS_UNSPECIFIED;
  else
    return false;
  return true;
}

bool ParseReason(const std::string& s, v1::PlanVersionReason* out) {
  if (s == "intake")
    *out = v1::PLAN_VERSION_REASON_INTAKE;
  else if (s == "route")
    *out = v1::PLAN_VERSION_REASON_LEARNING_ROUTE_CHANGED;
  else if (s == "move")
    *out = v1::PLAN_VERSION_REASON_MOVE;
  else if (s == "evaluation")
    *out = v1::PLAN_VERSION_REASON_EVALUATION;
  else
    return false;
  return true;
}

JsonObject ChangeJson(const v1::PlanChange& c) {
  JsonObject j;
  j.Uint("network_id", c.network_id())
      .Uint("seq", c.seq())
      .Str("at", FormatTime(c.at_ms()))
      .Str("by", c.by_handle())
      .Str("kind", sdk::PlanChangeName(c.kind()));
  if (c.has_goal()) {
    j.Uint("goal_id", c.goal().id())
        .Str("title", c.goal().title())
        .Str("status", sdk::GoalStatusName(c.goal().status()));
  }
  if (c.has_action()) {
    j.Uint("action_id", c.action().id())
        .Uint("goal_id", c.action().goal_id())
        .Str("what", c.action().what())
        .Str("assignee", c.action().assignee_handle())
        .Str("due_date", c.action().due_date())
        .Str("status", sdk::ActionStatusName(c.action().status()))
        .Str("note", c.action().note());
  }
  if (c.version() != 0) j.Uint("version", c.version());
  return j;
}

// "#SEQ  TIME  BY  KIND  WHAT".
std::string ChangeText(const v1::PlanChange& c) {
  std::string s = "#" + std::to_string(c.seq()) + "  " + FormatTime(c.at_ms()) + "  " +
                  OneLine(c.by_handle()) + "  " + std::string(sdk::PlanChangeName(c.kind()));
  if (c.has_goal()) {
    s += "  goal " + std::to_string(c.goal().id()) + " \"" + OneLine(c.goal().title()) + "\" " +
         std::string(sdk::GoalStatusName(c.goal().status()));
  }
  if (c.has_action()) {
    s += "  action " + std::to_string(c.action().id()) + " \"" + OneLine(c.action().what()) +
         "\" " + std::string(sdk::ActionStatusName(c.action().status())) + " (" +
         OneLine(c.action().assignee_handle()) + ")";
  }
  if (c.version() != 0) s += "  version " + std::to_string(c.version());
  return s;
}

int EmitChange(Invocation& inv, const v1::PlanChange& change) {
  inv.out().Emit(ChangeText(change), ChangeJson(change));
  return kExitOk;
}

int Show(Invocation& inv, uint64_t network_id, uint32_t version) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto got = conn->GetPlan(network_id, version);
  if (!got.ok()) return inv.Failed(got.error());
  if (inv.out().json()) {
    JsonObject j;
    j.Uint("network_id", network_id)
        .Uint("version", version != 0 ? version : got->plan().version())
        .Uint("change_seq", got->plan().change_seq())
        .Str("text", sdk::PlanText(got->plan(), version != 0 ? &got->version() : nullptr));
    inv.out().Emit("", j);
    return kExitOk;
  }
  std::string text = sdk::PlanText(got->plan(), version != 0 ? &got->version() : nullptr);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  inv.out().Line(text);
  for (const v1::PlanVersion& v : got->versions()) {
    inv.out().Line("version " + std::to_string(v.number()) + "  " + FormatTime(v.made_at_ms()) +
                   "  " + std::string(sdk::VersionReasonName(v.reason())) + "  " +
                   (v.acknowledged_by() != 0
                        ? "acknowledged by " + OneLine(v.acknowledged_by_handle())
                        : std::string("not acknowledged")));
  }
  return kExitOk;
}

int Frame(Invocation& inv, const PlanArgs& a) {
  v1::PlanFrame frame;
  v1::PlanLearningRoute route{};
  if (!ParseRoute(a.route, &route)) return inv.UsageError("--route must be b1, education or z");
  frame.set_learning_route(route);
  frame.set_period_start(a.start);
  frame.set_integration_deadline(a.deadline);
  frame.set_preconditions(a.preconditions);
  frame.set_guidance(a.guidance);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto set = conn->SetPlanFrame(a.network, frame);
  if (!set.ok()) return inv.Failed(set.error());
  return EmitChange(inv, set->change());
}

int Goal(Invocation& inv, const PlanArgs& a, bool adding) {
  v1::SetPlanGoalRequest req;
  req.set_network_id(a.network);
  req.set_goal_id(adding ? 0 : a.goal);
  if (adding) req.set_title(a.title);
  if (!adding && a.opt_title) req.set_title(*a.opt_title);
  v1::PlanGoalStatus status{};
  if (!ParseGoalStatus(a.status, &status)) {
    return inv.UsageError("--status must be open, in-progress, reached or stopped");
  }
  req.set_status(status);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto set = conn->SetPlanGoal(req);
  if (!set.ok()) return inv.Failed(set.error());
  return EmitChange(inv, set->change());
}

int Action(Invocation& inv, const PlanArgs& a, bool adding) {
  v1::SetPlanActionRequest req;
  req.set_network_id(a.network);
  if (adding) {
    req.set_goal_id(a.goal);
    req.set_what(a.what);
  } else {
    req.set_action_id(a.action);
    if (a.opt_what) req.set_what(*a.opt_what);
  }
  req.set_assignee_handle(a.to);
  req.set_assignee_team_id(a.team);
  if (a.opt_due) req.set_due_date(*a.opt_due);
  if (a.opt_note) req.set_note(*a.opt_note);
  v1::PlanActionStatus status{};
  if (!ParseActionStatus(a.status, &status)) {
    return inv.UsageError("--status must be open, doing, done or stopped");
  }
  req.set_status(status);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto set = conn->SetPlanAction(req);
  if (!set.ok()) return inv.Failed(set.error());
  return EmitChange(inv, set->change());
}

JsonObject VersionJson(const v1::PlanVersion& v) {
  JsonObject j;
  j.Uint("network_id", v.network_id())
      .Uint("version", v.number())
      .Str("reason", sdk::VersionReasonName(v.reason()))
      .Str("made_by", v.made_by_handle())
      .Str("made_at", FormatTime(v.made_at_ms()));
  if (v.acknowledged_by() != 0) {
    j.Str("acknowledged_by", v.acknowledged_by_handle())
        .Str("acknowledged_at", FormatTime(v.acknowledged_at_ms()));
  }
  return j;
}

int Version(Invocation& inv, const PlanArgs& a) {
  v1::PlanVersionReason reason{};
  if (!ParseReason(a.reason, &reason)) {
    return inv.UsageError("--reason must be intake, route, move or evaluation");
  }
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto made = conn->MakePlanVersion(a.network, reason, a.note);
  if (!made.ok()) return inv.Failed(made.error());
  const v1::PlanVersion& v = made->version();
  inv.out().Emit("version " + std::to_string(v.number()) + " (" +
                     std::string(sdk::VersionReasonName(v.reason())) +
                     "): waits for the client's acknowledgement",
                 VersionJson(v));
  return kExitOk;
}

int Acknowledge(Invocation& inv, const PlanArgs& a) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto acked = conn->AcknowledgePlanVersion(a.network, a.version);
  if (!acked.ok()) return inv.Failed(acked.error());
  const v1::PlanVersion& v = acked->version();
  inv.out().Emit("version " + std::to_string(v.number()) + " acknowledged by " +
                     OneLine(v.acknowledged_by_handle()) + " at " +
                     FormatTime(v.acknowledged_at_ms()),
                 VersionJson(v));
  return kExitOk;
}

int History(Invocation& inv, const PlanArgs& a) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  uint64_t after = a.after;
  do {
    auto page = conn->ListPlanChanges(a.network, after);
    if (!page.ok()) return inv.Failed(page.error());
    for (const v1::PlanChange& c : page->changes()) EmitChange(inv, c);
    after = page->next_after_seq();
  } while (after != 0);
  return kExitOk;
}

}  // namespace

void AddPlanCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<PlanArgs>();
  PlanArgs& a = *args;
  CLI::App* plan = app.add_subcommand(
      "plan", "The network's shared plan (PIP): its frame, goals, actions and versions");
  plan->require_subcommand(1);

  CLI::App* show = plan->add_subcommand("show", "The plan as it is now, or at --version N");
  show->add_option("NETWORK", a.network, "Network id")->required();
  show->add_option("--version", a.version, "A formal version (default: as it is now)");
  OnRun(show, run, [args](Invocation& inv) { return Show(inv, args->network, args->version); });

  CLI::App* frame = plan->add_subcommand(
      "frame",
      "Set the plan's frame, replacing it whole (the client, a representative, a "
      "coordinator)");
  frame->add_option("NETWORK", a.network, "Network id")->required();
  frame->add_option("--route", a.route, "Learning route: b1, education or z");
  frame->add_option("--start", a.start, "The period's start, YYYY-MM-DD");
  frame->add_option("--deadline", a.deadline, "The integration deadline, YYYY-MM-DD");
  frame->add_option("--preconditions", a.preconditions, "Childcare, health, ...");
  frame->add_option("--guidance", a.guidance, "The agreed guidance");
  OnRun(frame, run, [args](Invocation& inv) { return Frame(inv, *args); });

  CLI::App* goal = plan->add_subcommand("goal", "Add or change a goal");
  goal->require_subcommand(1);
  CLI::App* goal_add = goal->add_subcommand("add", "Add a goal (prints the change)");
  goal_add->add_option("NETWORK", a.network, "Network id")->required();
  goal_add->add_option("TITLE", a.title, "e.g. \"language exam at B1\"")->required();
  goal_add->add_option("--status", a.status, "open (default), in-progress, reached, stopped");
  OnRun(goal_add, run, [args](Invocation& inv) { return Goal(inv, *args, true); });
  CLI::App* goal_set = goal->add_subcommand("set", "Change a goal's title or status");
  goal_set->add_option("NETWORK", a.network, "Network id")->required();
  goal_set->add_option("GOAL", a.goal, "Goal id")->required();
  goal_set->add_option("--title", a.opt_title, "The new title");
  goal_set->add_option("--status", a.status, "open, in-progress, reached, stopped");
  OnRun(goal_set, run, [args](Invocation& inv) { return Goal(inv, *args, false); });

  CLI::App* action = plan->add_subcommand("action", "Add or change an action under a goal");
  action->require_subcommand(1);
  CLI::App* action_add = action->add_subcommand("add", "Add an action to a goal");
  action_add->add_option("NETWORK", a.network, "Network id")->required();
  action_add->add_option("GOAL", a.goal, "Goal id")->required();
  action_add->add_option("WHAT", a.what, "What is to be done")->required();
  action_add->add_option("--to", a.to, "The member it is assigned to, by handle");
  action_add->add_option("--team", a.team, "Or the team (id) it is assigned to");
  action_add->add_option("--due", a.opt_due, "Due date, YYYY-MM-DD");
  action_add->add_option("--note", a.opt_note, "A short note");
  action_add->add_option("--status", a.status, "open (default), doing, done, stopped");
  OnRun(action_add, run, [args](Invocation& inv) { return Action(inv, *args, true); });
  CLI::App* action_set = action->add_subcommand(
      "set", "Change an action; its assignee may set only --status and --note");
  action_set->add_option("NETWORK", a.network, "Network id")->required();
  action_set->add_option("ACTION", a.action, "Action id")->required();
  action_set->add_option("--status", a.status, "open, doing, done, stopped");
  action_set->add_option("--note", a.opt_note, "A short note (\"\" clears it)");
  action_set->add_option("--what", a.opt_what, "What is to be done");
  action_set->add_option("--to", a.to, "Assign it to this member");
  action_set->add_option("--team", a.team, "Assign it to this team (id)");
  action_set->add_option("--due", a.opt_due, "Due date, YYYY-MM-DD (\"\" clears it)");
  OnRun(action_set, run, [args](Invocation& inv) { return Action(inv, *args, false); });

  CLI::App* version = plan->add_subcommand(
      "version", "Make a formal version of the plan as it is now (the client acknowledges it)");
  version->add_option("NETWORK", a.network, "Network id")->required();
  version->add_option("--reason", a.reason, "intake, route, move or evaluation")->required();
  version->add_option("--note", a.note, "A short note");
  OnRun(version, run, [args](Invocation& inv) { return Version(inv, *args); });

  CLI::App* acknowledge =
      plan->add_subcommand("acknowledge", "Acknowledge a version (the client or a representative)");
  acknowledge->add_option("NETWORK", a.network, "Network id")->required();
  acknowledge->add_option("VERSION", a.version, "Version number")->required();
  OnRun(acknowledge, run, [args](Invocation& inv) { return Acknowledge(inv, *args); });

  CLI::App* history =
      plan->add_subcommand("history", "The plan's dated changes: #SEQ  TIME  BY  KIND  WHAT");
  history->add_option("NETWORK", a.network, "Network id")->required();
  history->add_option("--after", a.after, "Only changes after this one");
  OnRun(history, run, [args](Invocation& inv) { return History(inv, *args); });
}

}  // namespace kring::cli
