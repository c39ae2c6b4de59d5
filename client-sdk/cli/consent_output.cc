// How kring prints consent records: text lines for people, JSON objects (output.h) for scripts.
#include <algorithm>
#include <utility>
#include <vector>

#include "client-sdk/cli/output.h"
#include "kring/consent.h"

namespace kring::cli {
namespace {

std::string ActionName(int action) {
  switch (action) {
    case v1::CONSENT_ACTION_READ:
      return "read";
    case v1::CONSENT_ACTION_POST:
      return "post";
    case v1::CONSENT_ACTION_COORDINATE:
      return "coordinate";
    case v1::CONSENT_ACTION_TEAM_THREADS:
      return "team_threads";
    default:
      return "action_" + std::to_string(action);
  }
}

// The record about the team as a whole (team-only threads) has no grantee.
bool IsTeam(const v1::Consent& c) { return c.grantee_id() == 0; }

// "all threads; read, post; history not visible", or for the team's record "team-only threads
// allowed".
std::string ProvisionSummary(const v1::Consent& c) {
  if (IsTeam(c)) return "team-only threads allowed";
  const v1::ConsentProvision& p = c.provision();
  const std::string scope =
      p.all_threads()
          ? "all threads"
          : "threads " + Join(p.thread_ids(), [](uint64_t id) { return std::to_string(id); });
  return scope + "; " + Join(p.actions(), ActionName) + "; " +
         (p.history_visible() ? "history visible" : "history not visible");
}

// "from 2026-11-22T17:00:00.000Z until withdrawn"
std::string Period(const v1::ConsentProvision& p) {
  return "from " + Field(FormatTime(p.start_ms())) + " until " +
         (p.end_ms() == 0 ? "withdrawn" : FormatTime(p.end_ms()));
}

std::string StatusName(v1::ConsentStatus status) {
  switch (status) {
    case v1::CONSENT_STATUS_ACTIVE:
      return "active";
    case v1::CONSENT_STATUS_WITHDRAWN:
      return "withdrawn";
    default:
      return "";
  }
}

// {"12":3,"15":7}, by thread id, so that the output does not depend on the map's order.
std::string HiddenJson(const google::protobuf::Map<uint64_t, uint64_t>& hidden) {
  std::vector<std::pair<uint64_t, uint64_t>> sorted(hidden.begin(), hidden.end());
  std::sort(sorted.begin(), sorted.end());
  std::string out = "{";
  for (const auto& [thread_id, seq] : sorted) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(std::to_string(thread_id), &out);
    out += ":" + std::to_string(seq);
  }
  return out + "}";
}

}  // namespace

std::string ConsentState(const v1::Consent& c, int64_t now_ms) {
  if (c.status() == v1::CONSENT_STATUS_WITHDRAWN) return "withdrawn";
  if (sdk::InForce(c, now_ms)) return "in force";
  if (c.status() != v1::CONSENT_STATUS_ACTIVE) return "unknown";
  return c.provision().start_ms() > now_ms ? "not yet" : "expired";
}

std::string ConsentSummary(const v1::Consent& c, int64_t now_ms) {
  return ProvisionSummary(c) + "; " + Period(c.provision()) + "; " + ConsentState(c, now_ms);
}

JsonObject ConsentJson(const v1::Consent& c, int64_t now_ms, std::string_view state) {
  const v1::ConsentProvision& p = c.provision();
  // JSON states are tokens: "in force" is "in_force".
  std::string state_token(state.empty() ? ConsentState(c, now_ms) : state);
  std::replace(state_token.begin(), state_token.end(), ' ', '_');
  std::vector<std::string> actions;
  for (int a : p.actions()) actions.push_back(ActionName(a));
  JsonObject j;
  j.Uint("id", c.id())
      .Uint("network_id", c.network_id())
      .Str("grantee", c.grantee_handle())
      .Uint("grantee_id", c.grantee_id())
      .Uint("client_id", c.client_id())
      .Str("recorded_by", c.recorded_by_handle())
      .Uint("recorded_by_id", c.recorded_by())
      .Bool("by_representative", c.by_representative())
      .Str("status", StatusName(c.status()))
      .Str("state", state_token)
      .Bool("all_threads", p.all_threads())
      .Raw("thread_ids", JsonUintArray(p.thread_ids()))
      .Raw("actions", JsonStringArray(actions))
      .Bool("history_visible", p.history_visible())
      .Str("start", FormatTime(p.start_ms()))
      .Str("end", FormatTime(p.end_ms()))
      .Uint("supersedes", c.supersedes())
      .Str("recorded_at", FormatTime(c.recorded_at_ms()))
      .Str("reason", c.reason())
      .Str("access_since", FormatTime(c.access_since_ms()))
      .Raw("hidden_through_seq", HiddenJson(c.hidden_through_seq()));
  return j;
}

std::string ConsentText(const v1::Consent& c, int64_t now_ms, const Handles& handles,
                        std::string_view state) {
  const std::string who = IsTeam(c) ? "team" : Field(c.grantee_handle());
  std::string s = "#" + std::to_string(c.id()) + "  " + who + "  " + ProvisionSummary(c) + "  " +
                  Period(c.provision()) + "  " +
                  std::string(state.empty() ? ConsentState(c, now_ms) : state) + "  recorded by " +
                  Field(c.recorded_by_handle());
  if (c.by_representative()) s += " for " + HandleOf(c.client_id(), handles);
  s += "  " + Field(OneLine(c.reason()));
  if (c.supersedes() != 0) s += "  supersedes #" + std::to_string(c.supersedes());
  return s;
}

}  // namespace kring::cli
