// consent grant/withdraw/list/team-threads, and the provision flags `approve` shares.
#include <algorithm>
#include <charconv>
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
  grant.post = flags.post;
  grant.history = flags.history;
  grant.coordinate = flags.coordinate;
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
    inv.out().Emit(ConsentText(c, now, handles, state), ConsentJson(c, now, state));
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

}  // namespace kring::cli
