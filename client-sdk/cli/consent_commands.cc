// consent grant/withdraw/list/team-threads, and the provision flags `approve` shares.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#include "client-sdk/cli/commands.h"
#include "kring/consent.h"

namespace kring::cli {
namespace {

// "12,15" to {12, 15}; false for anything else (empty items, signs, junk).
bool ParseIds(std::string_view text, std::vector<uint64_t>* ids) {
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || id == 0) {
      return false;
    }
    ids->push_back(id);
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

// Prints the record a grant or withdrawal made.
int EmitRecord(Invocation& inv, sdk::Connection& conn, const v1::Consent& c) {
  const Handles handles = c.by_representative() ? MemberHandles(conn, c.network_id()) : Handles{};
  const int64_t now = NowMs();
  inv.out().Emit(ConsentText(c, now, handles), ConsentJson(c, now));
  return kExitOk;
}

}  // namespace

bool BuildProvision(const ProvisionFlags& flags, v1::ConsentProvision* out, std::string* error) {
  sdk::Grant grant;
  if (!flags.threads.empty() && !ParseIds(flags.threads, &grant.thread_ids)) {
    *error = "--threads must be thread ids separated by commas, e.g. 12,15";
    return false;
  }
  grant.all_threads = flags.all;
  grant.post = flags.post;
  grant.history = flags.history;
  grant.coordinate = flags.coordinate;
  if (flags.plan == "read") {
    grant.plan = v1::PLAN_SCOPE_READ;
  } else if (flags.plan == "update") {
    grant.plan = v1::PLAN_SCOPE_UPDATE_ASSIGNED;
  } else if (!flags.plan.empty() && flags.plan != "none") {
    *error = "--plan must be none, read or update (read, and update one's own actions)";
    return false;
  }
  if (!flags.from.empty() && !ParseTime(flags.from, &grant.start_ms)) {
    *error = "--from must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z";
    return false;
  }
  if (!flags.until.empty() && !ParseTime(flags.until, &grant.end_ms)) {
    *error = "--until must be an RFC 3339 time, e.g. 2026-12-31T17:00:00Z";
    return false;
  }
  *out = sdk::ToProvision(grant);
  return true;
}

int GrantConsent(Invocation& inv, uint64_t network_id, const std::string& handle,
                 const ProvisionFlags& flags) {
  v1::ConsentProvision provision;
  std::string error;
  if (!BuildProvision(flags, &provision, &error)) return inv.UsageError(error);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto granted = conn->GrantConsent(network_id, handle, provision);
  if (!granted.ok()) return inv.Failed(granted.error());
  // First what it means, in one plain line; then the record itself.
  if (!inv.out().json()) {
    inv.out().Line(AccessLine(granted->consent(), ThreadTitles(*conn, network_id)));
  }
  return EmitRecord(inv, *conn, granted->consent());
}

int WithdrawConsent(Invocation& inv, uint64_t network_id, const std::string& handle) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto withdrawn = conn->WithdrawConsent(network_id, handle);
  if (!withdrawn.ok()) return inv.Failed(withdrawn.error());
  return EmitRecord(inv, *conn, withdrawn->consent());
}

int ListConsents(Invocation& inv, uint64_t network_id, bool history) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListConsents(network_id, history);
  if (!listed.ok()) return inv.Failed(listed.error());
  // In a history, a record that a later one supersedes no longer counts, whatever it said.
  std::set<uint64_t> superseded;
  for (const v1::Consent& c : listed->consents()) {
    if (c.supersedes() != 0) superseded.insert(c.supersedes());
  }
  const bool any_by_representative =
      std::any_of(listed->consents().begin(), listed->consents().end(),
                  [](const v1::Consent& c) { return c.by_representative(); });
  const Handles handles = any_by_representative ? MemberHandles(*conn, network_id) : Handles{};
  const int64_t now = NowMs();
  for (const v1::Consent& c : listed->consents()) {
    const std::string_view state = superseded.count(c.id()) != 0 ? "superseded" : "";
    const Titles titles(listed->thread_titles().begin(), listed->thread_titles().end());
    inv.out().Emit(ConsentText(c, now, handles, state, &titles), ConsentJson(c, now, state));
  }
  return kExitOk;
}

int TeamThreads(Invocation& inv, uint64_t network_id, const std::string& action) {
  if (action != "allow" && action != "withdraw") {
    return inv.UsageError("team-threads takes allow or withdraw");
  }
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  // The team as a whole is addressed by an empty grantee handle.
  if (action == "allow") {
    auto granted = conn->GrantConsent(network_id, "", sdk::TeamThreadsProvision());
    if (!granted.ok()) return inv.Failed(granted.error());
    return EmitRecord(inv, *conn, granted->consent());
  }
  auto withdrawn = conn->WithdrawConsent(network_id, "");
  if (!withdrawn.ok()) return inv.Failed(withdrawn.error());
  return EmitRecord(inv, *conn, withdrawn->consent());
}

// --- Registration ---

namespace {

struct ConsentArgs {
  std::string handle, action;
  uint64_t network = 0;
  bool history = false;
  ProvisionFlags provision;
};

}  // namespace

void AddProvisionFlags(CLI::App* sub, ProvisionFlags& p) {
  sub->add_option("--threads", p.threads, "Only these threads, e.g. 12,15 (default: --all)");
  sub->add_flag("--all", p.all,
                "Every thread that is not sensitive, also threads created later (the default); "
                "with --threads, every thread and those (the way to name sensitive threads)");
  sub->add_flag("--post", p.post, "May post (and create threads, with every thread)");
  sub->add_flag("--history", p.history, "May read what was posted before (default: from now)");
  sub->add_flag("--coordinate", p.coordinate, "May invite others into the network");
  sub->add_option("--plan", p.plan,
                  "The shared plan: none (default), read, or update (read, and update the status "
                  "and note of one's own actions)");
  sub->add_option("--from", p.from, "In force from this RFC 3339 time (default: now)");
  sub->add_option("--until", p.until, "In force until this RFC 3339 time (default: withdrawn)");
}

void AddConsentCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<ConsentArgs>();
  ConsentArgs& a = *args;
  CLI::App* consent = app.add_subcommand(
      "consent", "What members may see and do in a network (the client or a representative)");
  consent->require_subcommand(1);
  CLI::App* grant = consent->add_subcommand(
      "grant",
      "Grant HANDLE a new consent, replacing their current one (prints the record). Reading is "
      "always included; each flag adds what it names");
  grant->add_option("NETWORK", a.network, "Network id")->required();
  grant->add_option("HANDLE", a.handle, "The member's handle")->required();
  AddProvisionFlags(grant, a.provision);
  OnRun(grant, run, [args](Invocation& inv) {
    return GrantConsent(inv, args->network, args->handle, args->provision);
  });
  CLI::App* withdraw = consent->add_subcommand(
      "withdraw", "Withdraw HANDLE's consent: their access ends at once (prints the record)");
  withdraw->add_option("NETWORK", a.network, "Network id")->required();
  withdraw->add_option("HANDLE", a.handle, "The member's handle")->required();
  OnRun(withdraw, run,
        [args](Invocation& inv) { return WithdrawConsent(inv, args->network, args->handle); });
  CLI::App* list = consent->add_subcommand(
      "list",
      "Consent records: #ID  GRANTEE  WHAT  PERIOD  STATE  RECORDED_BY  REASON  [SUPERSEDES]");
  list->add_option("NETWORK", a.network, "Network id")->required();
  list->add_flag("--history", a.history, "Every record ever made, oldest first");
  OnRun(list, run,
        [args](Invocation& inv) { return ListConsents(inv, args->network, args->history); });
  CLI::App* team = consent->add_subcommand(
      "team-threads", "Allow or withdraw threads of the team without the client");
  team->add_option("NETWORK", a.network, "Network id")->required();
  team->add_option("ACTION", a.action, "allow or withdraw")
      ->required()
      ->check(CLI::IsMember({"allow", "withdraw"}));
  OnRun(team, run,
        [args](Invocation& inv) { return TeamThreads(inv, args->network, args->action); });
}

}  // namespace kring::cli
