// audit query/mine/verify/checkpoint: the access log (NEN 7513) for auditors, and for a client
// (or their representative) the client's own access overview.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string_view>

#include "client-sdk/cli/commands.h"
#include "client-sdk/cli/output.h"
#include "proto/kring/v1/audit_event_types.h"

namespace kring::cli {
namespace {

// Records kringd could not show as stored, or found missing from an index: on stderr, so that
// stdout stays one record per line; *count makes the exit status say so at the end.
void ReportProblems(const google::protobuf::RepeatedPtrField<v1::AuditProblem>& problems,
                    size_t* count) {
  for (const v1::AuditProblem& p : problems) {
    std::fprintf(stderr, "kring: warning: %s\n", OneLine(p.problem()).c_str());
    ++*count;
  }
  std::fflush(stderr);
}

// --since/--until into *since_ms/*until_ms; false with *error set when one does not parse.
bool ParsePeriod(const std::string& since, const std::string& until, int64_t* since_ms,
                 int64_t* until_ms, std::string* error) {
  if (!since.empty() && !ParseTime(since, since_ms)) {
    *error = "--since must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z";
    return false;
  }
  if (!until.empty() && !ParseTime(until, until_ms)) {
    *error = "--until must be an RFC 3339 time, e.g. 2026-12-31T17:00:00Z";
    return false;
  }
  return true;
}

// A listing cut at a page says so, and where to go on: on stderr in text mode (stdout stays
// one record per line), as a last {"more_after": N} line in JSON mode.
void ReportMore(Invocation& inv, uint64_t next_after_seq) {
  if (inv.out().json()) {
    inv.out().Emit("", JsonObject().Uint("more_after", next_after_seq));
    return;
  }
  std::fprintf(stderr,
               "kring: more records follow: --after %llu for the next page, --all for all\n",
               static_cast<unsigned long long>(next_after_seq));  // NOLINT(runtime/int)
  std::fflush(stderr);
}

// The known event types, for a usage error that lists them.
std::string KnownEventTypes() {
  std::string list;
  for (std::string_view type : v1::event_type::kAll) {
    if (!list.empty()) list += ", ";
    list += type;
  }
  return list;
}

// Pages through `fetch(after_seq)` while `all` asks for it: each page is printed by `emit`
// (which returns the page's next_after_seq) and its problems are reported. A refusal on a later
// page still ends with its exit code; what was printed stays printed. Problems make the exit
// status 1 once every page is printed, as a broken chain does for `audit verify`.
template <typename Fetch, typename Emit>
int Pages(Invocation& inv, bool all, uint64_t after_seq, const Fetch& fetch, const Emit& emit) {
  size_t problems = 0;
  while (true) {
    auto page = fetch(after_seq);
    if (!page.ok()) return inv.Failed(page.error());
    const uint64_t next = emit(*page);
    ReportProblems(page->problems(), &problems);
    if (!all && next != 0) ReportMore(inv, next);
    if (!all || next == 0) return problems == 0 ? kExitOk : kExitServerError;
    if (next <= after_seq) {  // a server that does not advance would loop forever
      return inv.Failed(
          sdk::Error{v1::Error::INTERNAL,
                     "next_after_seq did not advance past " + std::to_string(after_seq), 0, false});
    }
    after_seq = next;
  }
}

}  // namespace

int QueryAudit(Invocation& inv, const AuditQueryArgs& args) {
  v1::QueryAuditRequest query;
  std::string error;
  int64_t since_ms = 0, until_ms = 0;
  if (!ParsePeriod(args.since, args.until, &since_ms, &until_ms, &error)) {
    return inv.UsageError(error);
  }
  query.set_since_ms(since_ms);
  query.set_until_ms(until_ms);
  if (!args.action.empty()) {
    v1::AuditAction action;
    if (!ParseAction(args.action, &action)) {
      return inv.UsageError("--action must be create, read, update, delete or execute");
    }
    query.set_action(action);
  }
  if (!args.outcome.empty()) {
    v1::AuditOutcome outcome;
    if (!ParseOutcome(args.outcome, &outcome)) {
      return inv.UsageError("--outcome must be success, denied or error");
    }
    query.set_outcome(outcome);
  }
  if (args.limit > 1000) return inv.UsageError("--limit is at most 1000");
  if (!args.event_type.empty() && !v1::event_type::IsKnown(args.event_type)) {
    return inv.UsageError("--type \"" + OneLine(args.event_type) +
                          "\" is not an event type; known: " + KnownEventTypes());
  }
  query.set_client_handle(args.client);
  query.set_user_handle(args.user);
  query.set_event_type(args.event_type);
  query.set_limit(static_cast<uint32_t>(args.limit));
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  return Pages(
      inv, args.all, args.after,
      [&](uint64_t after_seq) {
        query.set_after_seq(after_seq);
        return conn->QueryAudit(query);
      },
      [&](const v1::QueryAuditResult& page) {
        for (const v1::AuditEvent& e : page.events()) {
          inv.out().Emit(AuditEventText(e), AuditEventJson(e));
        }
        return page.next_after_seq();
      });
}

int MyAccessLog(Invocation& inv, const AccessLogArgs& args) {
  v1::MyAccessLogRequest request;
  std::string error;
  int64_t since_ms = 0, until_ms = 0;
  if (!ParsePeriod(args.since, args.until, &since_ms, &until_ms, &error)) {
    return inv.UsageError(error);
  }
  request.set_client_handle(args.client);
  request.set_network_id(args.network_id);
  request.set_since_ms(since_ms);
  request.set_until_ms(until_ms);
  if (args.limit > 1000) return inv.UsageError("--limit is at most 1000");
  request.set_limit(static_cast<uint32_t>(args.limit));
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  return Pages(
      inv, args.all, args.after,
      [&](uint64_t after_seq) {
        request.set_after_seq(after_seq);
        return conn->MyAccessLog(request);
      },
      [&](const v1::MyAccessLogResult& page) {
        for (const v1::AccessLogEntry& entry : page.entries()) {
          inv.out().Emit(AccessLogEntryText(entry), AccessLogEntryJson(entry));
        }
        return page.next_after_seq();
      });
}

int VerifyAuditChain(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto verified = conn->VerifyAuditChain();
  if (!verified.ok()) return inv.Failed(verified.error());
  inv.out().Emit(VerifyText(*verified), VerifyJson(*verified));
  // A broken chain is a finding, not a failure to ask: stdout says where, the status says that.
  return verified->intact() ? kExitOk : kExitServerError;
}

int AuditCheckpoint(Invocation& inv) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto signed_head = conn->AuditCheckpoint();
  if (!signed_head.ok()) return inv.Failed(signed_head.error());
  inv.out().Emit(CheckpointText(signed_head->checkpoint()),
                 CheckpointJson(signed_head->checkpoint()));
  return kExitOk;
}

// --- Registration ---

namespace {

struct AuditArgs {
  AuditQueryArgs audit_query;
  AccessLogArgs access_log;
};

}  // namespace

void AddAuditCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<AuditArgs>();
  AuditArgs& a = *args;
  CLI::App* audit = app.add_subcommand(
      "audit",
      "The access log (NEN 7513): auditors query, verify and sign it; a client reads "
      "who accessed their data");
  audit->require_subcommand(1);
  const std::vector<std::string> actions = {"create", "read", "update", "delete", "execute"};
  const std::vector<std::string> outcomes = {"success", "denied", "error"};

  AuditQueryArgs& q = a.audit_query;
  CLI::App* query = audit->add_subcommand(
      "query",
      "Auditors: records, oldest first: #SEQ  TIME  OUTCOME  EVENT_TYPE  ACTOR (ROLE)  OBJECT  "
      "[(DETAIL)]");
  query->add_option("--client", q.client, "About this client's data (handle)");
  query->add_option("--user", q.user, "Done by this account (handle)");
  query->add_option("--since", q.since, "At or after this RFC 3339 time");
  query->add_option("--until", q.until, "Before this RFC 3339 time");
  query->add_option("--action", q.action, "create, read, update, delete or execute")
      ->check(CLI::IsMember(actions));
  query->add_option("--outcome", q.outcome, "success, denied or error")
      ->check(CLI::IsMember(outcomes));
  query->add_option("--type", q.event_type,
                    "Event type, e.g. history.read (docs/audit.md lists them all)");
  query->add_option("--after", q.after, "Only records with a higher seq");
  query->add_option("--limit", q.limit, "At most this many per page (default 100, at most 1000)")
      ->check(CLI::Range(1, 1000));
  query->add_flag("--all", q.all, "Every page, not only the first");
  OnRun(query, run, [args](Invocation& inv) { return QueryAudit(inv, args->audit_query); });

  AccessLogArgs& m = a.access_log;
  CLI::App* mine = audit->add_subcommand(
      "mine",
      "Who accessed your data (a client), or your client's (a representative, with --client): "
      "#SEQ  TIME  OUTCOME  EVENT_TYPE  ACTOR (ROLE)  OBJECT  SUMMARY");
  mine->add_option("--client", m.client, "The client you represent (handle)");
  mine->add_option("--network", m.network_id, "Only this network");
  mine->add_option("--since", m.since, "At or after this RFC 3339 time");
  mine->add_option("--until", m.until, "Before this RFC 3339 time");
  mine->add_option("--after", m.after, "Only records with a higher seq");
  mine->add_option("--limit", m.limit, "At most this many per page (default 100, at most 1000)")
      ->check(CLI::Range(1, 1000));
  mine->add_flag("--all", m.all, "Every page, not only the first");
  OnRun(mine, run, [args](Invocation& inv) { return MyAccessLog(inv, args->access_log); });

  OnRun(audit->add_subcommand("verify",
                              "Auditors: check the whole hash chain (exit 1 and \"broken at "
                              "record N: PROBLEM\" when it is not intact)"),
        run, VerifyAuditChain);
  OnRun(audit->add_subcommand("checkpoint",
                              "Auditors: the chain's head signed by kringd (Ed25519), to keep "
                              "outside the server"),
        run, AuditCheckpoint);
}

}  // namespace kring::cli
