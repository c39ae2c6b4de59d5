#include "kring/plan_text.h"

#include <cstdint>
#include <ctime>
#include <string>

namespace kring::sdk {

namespace {

// The length of the valid UTF-8 character at s[i] (RFC 3629), or 0.
size_t CharLength(std::string_view s, size_t i, uint32_t* code_point) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) {
    *code_point = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return n;
}

bool IsControl(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
         cp == 0x2028 || cp == 0x2029;
}

// `text` made safe to print; newlines kept (each followed by `indent`) when `indent` is given.
std::string Clean(std::string_view text, const char* indent = nullptr) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = CharLength(text, i, &cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (cp == '\n' && indent != nullptr) {
      out += '\n';
      out += indent;
    } else if (cp == '\r' && indent != nullptr) {
      // dropped: "\r\n" is one line break
    } else if (IsControl(cp)) {
      out += ' ';
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string Utc(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

void Block(std::string& out, const char* label, const std::string& text) {
  if (text.empty()) return;
  out += label;
  out += ":\n    ";
  out += Clean(text, "    ");
  out += '\n';
}

}  // namespace

std::string_view LearningRouteName(v1::PlanLearningRoute route) {
  switch (route) {
    case v1::PLAN_LEARNING_ROUTE_B1:
      return "B1 route";
    case v1::PLAN_LEARNING_ROUTE_EDUCATION:
      return "education route";
    case v1::PLAN_LEARNING_ROUTE_Z:
      return "Z-route";
    default:
      return "not set";
  }
}

std::string_view GoalStatusName(v1::PlanGoalStatus status) {
  switch (status) {
    case v1::PLAN_GOAL_STATUS_OPEN:
      return "open";
    case v1::PLAN_GOAL_STATUS_IN_PROGRESS:
      return "in progress";
    case v1::PLAN_GOAL_STATUS_REACHED:
      return "reached";
    case v1::PLAN_GOAL_STATUS_STOPPED:
      return "stopped";
    default:
      return "?";
  }
}

std::string_view ActionStatusName(v1::PlanActionStatus status) {
  switch (status) {
    case v1::PLAN_ACTION_STATUS_OPEN:
      return "open";
    case v1::PLAN_ACTION_STATUS_DOING:
      return "doing";
    case v1::PLAN_ACTION_STATUS_DONE:
      return "done";
    case v1::PLAN_ACTION_STATUS_STOPPED:
      return "stopped";
    default:
      return "?";
  }
}

std::string_view VersionReasonName(v1::PlanVersionReason reason) {
  switch (reason) {
    case v1::PLAN_VERSION_REASON_INTAKE:
      return "intake";
    case v1::PLAN_VERSION_REASON_LEARNING_ROUTE_CHANGED:
      return "change of learning route";
    case v1::PLAN_VERSION_REASON_MOVE:
      return "move";
    case v1::PLAN_VERSION_REASON_EVALUATION:
      return "evaluation";
    default:
      return "?";
  }
}

std::string_view PlanChangeName(v1::PlanChangeKind kind) {
  switch (kind) {
    case v1::PLAN_CHANGE_KIND_FRAME_SET:
      return "frame set";
    case v1::PLAN_CHANGE_KIND_GOAL_ADDED:
      return "goal added";
    case v1::PLAN_CHANGE_KIND_GOAL_UPDATED:
      return "goal updated";
    case v1::PLAN_CHANGE_KIND_ACTION_ADDED:
      return "action added";
    case v1::PLAN_CHANGE_KIND_ACTION_UPDATED:
      return "action updated";
    case v1::PLAN_CHANGE_KIND_VERSION_MADE:
      return "version made";
    case v1::PLAN_CHANGE_KIND_VERSION_ACKNOWLEDGED:
      return "version acknowledged";
    default:
      return "?";
  }
}

std::string PlanText(const v1::Plan& plan, const v1::PlanVersion* version) {
  std::string out = "Plan of network " + std::to_string(plan.network_id());
  if (version != nullptr) {
    out += ", version " + std::to_string(version->number()) + " (" +
           std::string(VersionReasonName(version->reason())) + ", made " +
           Utc(version->made_at_ms()) + " by " + Clean(version->made_by_handle()) + ")";
  } else if (plan.version() != 0) {
    out += ", as it is now (last version: " + std::to_string(plan.version()) + ")";
  }
  out += '\n';
  if (version != nullptr) {
    out += version->acknowledged_by() != 0
               ? "Acknowledged " + Utc(version->acknowledged_at_ms()) + " by " +
                     Clean(version->acknowledged_by_handle()) + "\n"
               : std::string("Not acknowledged yet\n");
    Block(out, "Version note", version->note());
  }
  if (plan.change_seq() == 0) return out + "Nothing in the plan yet.\n";
  const v1::PlanFrame& frame = plan.frame();
  out += "Learning route: " + std::string(LearningRouteName(frame.learning_route())) + "\n";
  out += "Period: " + (frame.period_start().empty() ? "?" : Clean(frame.period_start())) + " to " +
         (frame.integration_deadline().empty() ? "?" : Clean(frame.integration_deadline())) +
         " (integration deadline)\n";
  Block(out, "Preconditions", frame.preconditions());
  Block(out, "Agreed guidance", frame.guidance());
  for (const v1::PlanGoal& goal : plan.goals()) {
    out += "\nGoal " + std::to_string(goal.id()) + ": " + Clean(goal.title()) + " [" +
           std::string(GoalStatusName(goal.status())) + "]\n";
    if (goal.actions().empty()) out += "  (no actions yet)\n";
    for (const v1::PlanAction& action : goal.actions()) {
      out += "  " + std::to_string(action.id()) + ". [" +
             std::string(ActionStatusName(action.status())) + "] " + Clean(action.what()) + " - " +
             (action.assignee_is_team() ? "team " : "") + Clean(action.assignee_handle());
      if (!action.due_date().empty()) out += ", due " + Clean(action.due_date());
      out += '\n';
      if (!action.note().empty())
        out += "       note: " + Clean(action.note(), "             ") + "\n";
    }
  }
  out += "\nLast change: #" + std::to_string(plan.change_seq()) + ", " + Utc(plan.updated_at_ms()) +
         " by " + Clean(plan.updated_by_handle()) + "\n";
  return out;
}

}  // namespace kring::sdk
