// audit query/mine/verify/checkpoint: the access log (NEN 7513) for auditors, and for a client
// (or their representative) the client's own access overview.
#include <cstdio>
#include <string_view>

#include "client-sdk/cli/commands.h"
#include "client-sdk/cli/output.h"

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
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  return Pages(
      inv, args.all, 0,
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

}  // namespace kring::cli
