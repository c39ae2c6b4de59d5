// kring tail: live messages of one thread or of a whole network.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <vector>

#include "client-sdk/cli/commands.h"

namespace kring::cli {
namespace {

using namespace std::chrono_literals;

// How often the event loop looks at the stop flag.
constexpr auto kPollInterval = 200ms;

volatile sig_atomic_t g_stop = 0;

void RequestStop(int) { g_stop = 1; }

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Subscribes to `threads` of `network_id` and adds them to *subscribed. A thread kringd refused
// is a failure of the whole command, except with `skip_denied` a PERMISSION_DENIED one: tailing
// a whole network, the client lists team-only threads whose messages are not theirs to read.
bool SubscribeAll(Invocation& inv, sdk::Connection& conn, uint64_t network_id,
                  const std::vector<v1::ThreadCursor>& threads, bool skip_denied,
                  std::set<uint64_t>* subscribed, int* exit_code) {
  if (threads.empty()) return true;
  auto result = conn.Subscribe(network_id, threads);
  if (!result.ok()) {
    *exit_code = inv.Failed(result.error());
    return false;
  }
  for (const v1::ThreadSubscription& s : result->threads()) {
    if (s.has_error() && s.error().code() != v1::Error::CODE_UNSPECIFIED) {
      if (skip_denied && s.error().code() == v1::Error::PERMISSION_DENIED) continue;
      sdk::Error error = sdk::Error::FromProto(s.error());
      error.detail = "thread " + std::to_string(s.thread_id()) + ": " + error.detail;
      *exit_code = inv.Failed(error);
      return false;
    }
    subscribed->insert(s.thread_id());
  }
  return true;
}

// Cursors at the current end of each thread not yet subscribed (of `only` if not 0), so only
// messages from now on are printed; a message posted meanwhile comes as backlog.
bool NewCursors(Invocation& inv, sdk::Connection& conn, uint64_t network_id, uint64_t only,
                const std::set<uint64_t>& subscribed, std::vector<v1::ThreadCursor>* cursors,
                int* exit_code) {
  auto listed = conn.ListThreads(network_id);
  if (!listed.ok()) {
    *exit_code = inv.Failed(listed.error());
    return false;
  }
  bool found = false;
  for (const v1::Thread& t : listed->threads()) {
    if ((only != 0 && t.id() != only) || subscribed.count(t.id()) != 0) continue;
    found = true;
    v1::ThreadCursor cursor;
    cursor.set_thread_id(t.id());
    cursor.set_after_seq(t.last_seq());
    cursors->push_back(cursor);
  }
  if (only != 0 && !found && subscribed.count(only) == 0) {
    // Let kringd say what is wrong with the thread (NOT_FOUND) through Subscribe.
    v1::ThreadCursor cursor;
    cursor.set_thread_id(only);
    cursors->push_back(cursor);
  }
  return true;
}

}  // namespace

int Tail(Invocation& inv, const TailArgs& args) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  InstallStopHandlers();

  std::set<uint64_t> subscribed;
  std::vector<v1::ThreadCursor> cursors;
  if (!NewCursors(inv, *conn, args.network_id, args.thread_id, subscribed, &cursors, &exit_code) ||
      !SubscribeAll(inv, *conn, args.network_id, cursors, args.thread_id == 0, &subscribed,
                    &exit_code)) {
    return exit_code;
  }
  if (args.thread_id == 0) {
    // A thread created between the listing and the subscription sent its ThreadCreated to no
    // one here: list once more now that ThreadCreated events reach this connection.
    cursors.clear();
    if (!NewCursors(inv, *conn, args.network_id, 0, subscribed, &cursors, &exit_code) ||
        !SubscribeAll(inv, *conn, args.network_id, cursors, args.thread_id == 0, &subscribed,
                      &exit_code)) {
      return exit_code;
    }
  }
  // Scripts (and the tests) wait for this line before expecting messages.
  std::fprintf(stderr, "kring: tailing %zu thread(s) of network %llu\n", subscribed.size(),
               static_cast<unsigned long long>(args.network_id));  // NOLINT(runtime/int)
  std::fflush(stderr);

  uint64_t printed = 0;
  while (g_stop == 0 && (args.count == 0 || printed < args.count)) {
    std::optional<v1::Event> event = conn->NextEvent(kPollInterval);
    if (!event) {
      if (auto closed = conn->WaitClosed(0ms)) {
        return inv.Failed(sdk::Error::Transport(
            "connection closed (" + std::to_string(closed->code) + ") " + closed->reason));
      }
      continue;
    }
    if (event->has_message_posted()) {
      const v1::Message& m = event->message_posted().message();
      if (m.network_id() != args.network_id || subscribed.count(m.thread_id()) == 0) continue;
      const std::string text = args.thread_id == 0
                                   ? std::to_string(m.thread_id()) + "  " + MessageText(m)
                                   : MessageText(m);
      inv.out().Emit(text, MessageJson(m));
      ++printed;
    } else if (event->has_thread_created() && args.thread_id == 0) {
      const v1::Thread& t = event->thread_created().thread();
      if (t.network_id() != args.network_id || subscribed.count(t.id()) != 0) continue;
      v1::ThreadCursor cursor;
      cursor.set_thread_id(t.id());  // from seq 0: every message of the new thread
      if (!SubscribeAll(inv, *conn, args.network_id, {cursor}, true, &subscribed, &exit_code)) {
        return exit_code;
      }
    } else if (event->has_access_ended()) {
      const v1::AccessEnded& ended = event->access_ended();
      if (ended.network_id() != args.network_id) continue;
      for (uint64_t id : ended.thread_ids()) subscribed.erase(id);
      if (ended.thread_ids().empty() || subscribed.empty()) {
        return inv.Failed(sdk::Error{
            v1::Error::PERMISSION_DENIED,
            "access to network " + std::to_string(args.network_id) + " ended: " + ended.reason()});
      }
    } else if (event->has_session_ended()) {
      return inv.Failed(sdk::Error{v1::Error::UNAUTHENTICATED,
                                   "session ended: " + event->session_ended().reason()});
    }
  }
  return kExitOk;
}

}  // namespace kring::cli
