// The shared plan (PIP; docs/plan.md) as plain text, for a terminal, an e-mail or a printout:
// the frame, each goal with its actions (who, when due, status, note), and the version. A pure
// function over protobuf values: no I/O, safe from any thread.
//
//   auto plan = conn->GetPlan(network_id);
//   std::cout << kring::sdk::PlanText(plan->plan(), nullptr);
#pragma once

#include <string>
#include <string_view>

#include "kring/v1/kring.pb.h"

namespace kring::sdk {

// The plan in plain text (English labels), lines ending in '\n'. `version`: the formal version
// it shows (without its plan), or null for the plan as it is now. Always valid UTF-8, whatever
// the input holds: a byte that does not begin a valid character becomes U+FFFD; control
// characters (and the bidi controls that could reorder a line) become a space, except the
// newlines of multi-line fields (preconditions, guidance, notes), which are kept and indented.
std::string PlanText(const v1::Plan& plan, const v1::PlanVersion* version);

// Words for the plan's enums, as PlanText prints them ("B1 route", "doing", "intake", ...).
std::string_view LearningRouteName(v1::PlanLearningRoute route);
std::string_view GoalStatusName(v1::PlanGoalStatus status);
std::string_view ActionStatusName(v1::PlanActionStatus status);
std::string_view VersionReasonName(v1::PlanVersionReason reason);
std::string_view PlanChangeName(v1::PlanChangeKind kind);

}  // namespace kring::sdk
