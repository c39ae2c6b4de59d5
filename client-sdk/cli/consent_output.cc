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

// "12 (Werk)", or "12" when the title is not known.
std::string ThreadName(uint64_t id, const Titles* titles) {
  if (titles == nullptr) return std::to_string(id);
  auto it = titles->find(id);
  return it == titles->end() ? std::to_string(id)
                             : std::to_string(id) + " (" + OneLine(it->second) + ")";
}

// "all threads; read, post; history not visible", or for the team's record "team-only threads
// allowed".
std::string ProvisionSummary(const v1::Consent& c, const Titles* titles = nullptr) {
  if (IsTeam(c)) return "team-only threads allowed";
  const v1::ConsentProvision& p = c.provision();
  const std::string ids =
      Join(p.thread_ids(), [titles](uint64_t id) { return ThreadName(id, titles); });
  // With all threads, the ids name the sensitive threads it covers too.
  const std::string scope = !p.all_threads()         ? "threads " + ids
                            : p.thread_ids().empty() ? "all threads"
                                                     : "all threads and threads " + ids;
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
  if (c.ended_at_ms() != 0) j.Str("ended_at", FormatTime(c.ended_at_ms()));
  return j;
}

namespace {

// "2026-12-31" for a midnight (UTC), the full time otherwise.
std::string Day(int64_t unix_ms) {
  const std::string t = FormatTime(unix_ms);
  const size_t at = t.find("T00:00:00.000Z");
  return at == std::string::npos ? t : t.substr(0, at);
}

}  // namespace

std::string AccessLine(const v1::Consent& c, const Titles& titles) {
  if (IsTeam(c)) return "the team may hold threads without the client";
  const std::string who = Field(c.grantee_handle());
  if (c.status() == v1::CONSENT_STATUS_WITHDRAWN) return who + " may no longer read anything";
  const v1::ConsentProvision& p = c.provision();
  auto allows = [&p](v1::ConsentAction a) {
    return std::find(p.actions().begin(), p.actions().end(), a) != p.actions().end();
  };
  std::string s =
      who + (allows(v1::CONSENT_ACTION_POST) ? " may read and post" : " may read (read only)");
  if (allows(v1::CONSENT_ACTION_COORDINATE)) s += ", and invite others,";
  auto title = [&titles](uint64_t id) {
    auto it = titles.find(id);
    return it == titles.end() ? "thread " + std::to_string(id) : OneLine(it->second);
  };
  const std::string named = Join(p.thread_ids(), title);
  if (!p.all_threads()) {
    s += " in " + named;
  } else if (p.thread_ids().empty()) {
    s += " in every thread but sensitive ones";
  } else {
    s += " in every thread but sensitive ones, and in " + named;
  }
  s += p.history_visible() ? "; earlier messages visible" : "; earlier messages hidden";
  if (p.plan() == v1::PLAN_SCOPE_READ) s += "; reads the plan";
  if (p.plan() == v1::PLAN_SCOPE_UPDATE_ASSIGNED) s += "; reads the plan and updates own actions";
  if (p.start_ms() > NowMs()) s += "; from " + Day(p.start_ms());
  s += p.end_ms() == 0 ? "; until withdrawn" : "; until " + Day(p.end_ms());
  return s;
}

std::string ConsentText(const v1::Consent& c, int64_t now_ms, const Handles& handles,
                        std::string_view state, const Titles* titles) {
  const std::string who = IsTeam(c) ? "team" : Field(c.grantee_handle());
  std::string s = "#" + std::to_string(c.id()) + "  " + who + "  " + ProvisionSummary(c, titles) +
                  "  " + Period(c.provision()) + "  " +
                  std::string(state.empty() ? ConsentState(c, now_ms) : state) + "  recorded by " +
                  Field(c.recorded_by_handle());
  if (c.by_representative()) s += " for " + HandleOf(c.client_id(), handles);
  s += "  " + Field(OneLine(c.reason()));
  if (c.supersedes() != 0) s += "  supersedes #" + std::to_string(c.supersedes());
  if (c.ended_at_ms() != 0) s += "  ended " + FormatTime(c.ended_at_ms());
  return s;
}

}  // namespace kring::cli
