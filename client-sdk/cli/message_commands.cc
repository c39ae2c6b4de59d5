// thread create, threads, send, history, mark-read. (tail: tail_command.cc)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>

#include "client-sdk/cli/commands.h"

namespace kring::cli {
namespace {

constexpr uint32_t kMaxPage = 500;  // kringd's cap on FetchHistory's limit

// 128 random bits in hex: unique enough that two sends never collide by chance.
std::string RandomClientMsgId() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(random()));
    id += buf;
  }
  return id;
}

}  // namespace

int CreateThread(Invocation& inv, uint64_t network_id, const std::string& title, bool team_only,
                 bool sensitive) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto created = conn->CreateThread(network_id, title, team_only, sensitive);
  if (!created.ok()) return inv.Failed(created.error());
  inv.out().Emit(std::to_string(created->thread().id()), ThreadJson(created->thread()));
  return kExitOk;
}

int SetThreadSensitive(Invocation& inv, uint64_t network_id, uint64_t thread_id, bool sensitive) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto set = conn->SetThreadSensitive(network_id, thread_id, sensitive);
  if (!set.ok()) return inv.Failed(set.error());
  const v1::Thread& t = set->thread();
  const std::string text =
      sensitive ? "thread " + std::to_string(t.id()) +
                      " is sensitive: only you, your representatives and the people you name "
                      "in their consent read it"
                : "thread " + std::to_string(t.id()) +
                      " is not sensitive: everyone with consent for all threads reads it";
  inv.out().Emit(text, ThreadJson(t));
  return kExitOk;
}

int ListThreads(Invocation& inv, uint64_t network_id) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListThreads(network_id);
  if (!listed.ok()) return inv.Failed(listed.error());
  // Participants come as account ids: name them when any thread lists some.
  Handles handles;
  const bool named = std::any_of(listed->threads().begin(), listed->threads().end(),
                                 [](const v1::Thread& t) { return !t.participant_ids().empty(); });
  if (named) handles = MemberHandles(*conn, network_id);
  for (const v1::Thread& t : listed->threads()) {
    inv.out().Emit(ThreadText(t, &handles), ThreadJson(t, named ? &handles : nullptr));
  }
  return kExitOk;
}

int Send(Invocation& inv, uint64_t network_id, uint64_t thread_id, const std::string& text,
         std::string client_msg_id, const std::vector<uint64_t>& attachment_ids) {
  if (client_msg_id.empty()) client_msg_id = RandomClientMsgId();
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto posted = conn->PostMessage(network_id, thread_id, client_msg_id, text, 0, attachment_ids);
  if (!posted.ok()) return inv.Failed(posted.error());
  inv.out().Emit(std::to_string(posted->seq()),
                 JsonObject()
                     .Uint("network_id", network_id)
                     .Uint("thread_id", thread_id)
                     .Uint("seq", posted->seq())
                     .Str("client_msg_id", client_msg_id)
                     .Bool("duplicate", posted->duplicate())
                     .Str("posted_at", FormatTime(posted->posted_at_ms())));
  return kExitOk;
}

int History(Invocation& inv, const HistoryArgs& args) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  uint64_t after = args.after_seq;
  uint64_t printed = 0;
  bool first_page = true;
  // Pages of at most kMaxPage until the thread's last_seq (as of each read) or the limit.
  while (args.limit == 0 || printed < args.limit) {
    const uint64_t want =
        args.limit == 0 ? kMaxPage : std::min<uint64_t>(kMaxPage, args.limit - printed);
    auto page =
        conn->FetchHistory(args.network_id, args.thread_id, after, static_cast<uint32_t>(want));
    if (!page.ok()) return inv.Failed(page.error());
    // Never skipped silently: say that the first messages exist but are not the caller's to
    // read (their consent does not include history from before the thread was in scope).
    const uint64_t hidden = page->hidden_through_seq();
    if (first_page && hidden > args.after_seq) {
      inv.out().Emit(hidden == 1
                         ? "(message 1 is not visible to you)"
                         : "(messages 1-" + std::to_string(hidden) + " are not visible to you)",
                     JsonObject()
                         .Uint("network_id", args.network_id)
                         .Uint("thread_id", args.thread_id)
                         .Uint("hidden_through_seq", hidden));
    }
    first_page = false;
    for (const v1::Message& m : page->messages()) {
      inv.out().Emit(MessageText(m), MessageJson(m));
      after = m.seq();
      ++printed;
    }
    if (page->messages().empty() || after >= page->last_seq()) break;
  }
  return kExitOk;
}

int MarkRead(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto marked = conn->MarkRead(network_id, thread_id, seq);
  if (!marked.ok()) return inv.Failed(marked.error());
  inv.out().Emit(std::to_string(marked->marker().seq()), ReadMarkerJson(marked->marker()));
  return kExitOk;
}

// --- Registration ---

namespace {

struct MessageArgs {
  std::string text, id;
  uint64_t network = 0, thread = 0, seq = 0, after = 0, limit = 0, count = 0;
  std::vector<uint64_t> attach;
  bool team_only = false;
  bool sensitive = false;
  std::string on_off;
};

}  // namespace

void AddMessageCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<MessageArgs>();
  MessageArgs& a = *args;
  CLI::App* thread = app.add_subcommand("thread", "Create threads, mark them sensitive");
  thread->require_subcommand(1);
  CLI::App* create = thread->add_subcommand("create", "Create a thread (prints its id)");
  create->add_option("NETWORK", a.network, "Network id")->required();
  create->add_option("TITLE", a.text, "Title")->required();
  create->add_flag("--team-only", a.team_only,
                   "Without the client (only while the client allows team-only threads)");
  create->add_flag("--sensitive", a.sensitive,
                   "Sensitive: a consent for all threads does not cover it; the client names "
                   "who reads it");
  OnRun(create, run, [args](Invocation& inv) {
    return CreateThread(inv, args->network, args->text, args->team_only, args->sensitive);
  });
  CLI::App* sensitive = thread->add_subcommand(
      "sensitive", "Mark a thread sensitive (on) or not (off): client or representative");
  sensitive->add_option("NETWORK", a.network, "Network id")->required();
  sensitive->add_option("THREAD", a.thread, "Thread id")->required();
  sensitive->add_option("ON_OFF", a.on_off, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));
  OnRun(sensitive, run, [args](Invocation& inv) {
    return SetThreadSensitive(inv, args->network, args->thread, args->on_off == "on");
  });

  CLI::App* threads = app.add_subcommand(
      "threads",
      "Threads: ID  LAST_SEQ  TITLE  [(team-only)]  [(sensitive)]  [participants: HANDLE, ...]");
  threads->add_option("NETWORK", a.network, "Network id")->required();
  OnRun(threads, run, [args](Invocation& inv) { return ListThreads(inv, args->network); });

  CLI::App* send = app.add_subcommand("send", "Post a message (prints its seq)");
  send->add_option("NETWORK", a.network, "Network id")->required();
  send->add_option("THREAD", a.thread, "Thread id")->required();
  send->add_option("TEXT", a.text, "The message")->required();
  send->add_option("--id", a.id, "client_msg_id, for a safe resend (default: random)");
  send->add_option("--attach", a.attach, "An attachment id from `kring attach` (repeatable)");
  OnRun(send, run, [args](Invocation& inv) {
    return Send(inv, args->network, args->thread, args->text, args->id, args->attach);
  });

  CLI::App* history = app.add_subcommand(
      "history",
      "Messages: SEQ  HANDLE  TIME  TEXT, after \"(messages 1-N are not visible to you)\" when "
      "your consent hides the first ones");
  history->add_option("NETWORK", a.network, "Network id")->required();
  history->add_option("THREAD", a.thread, "Thread id")->required();
  history->add_option("--after", a.after, "Only messages with a higher seq");
  history->add_option("--limit", a.limit, "At most this many (default: all)");
  OnRun(history, run, [args](Invocation& inv) {
    return History(inv, {args->network, args->thread, args->after, args->limit});
  });

  CLI::App* tail = app.add_subcommand(
      "tail",
      "Print new messages as they arrive, until interrupted: SEQ  HANDLE  TIME  TEXT "
      "(without THREAD: THREAD  SEQ  HANDLE  TIME  TEXT, every thread of the network)");
  tail->add_option("NETWORK", a.network, "Network id")->required();
  tail->add_option("THREAD", a.thread, "Thread id (default: every thread)");
  tail->add_option("--count", a.count, "Stop after this many messages");
  OnRun(tail, run, [args](Invocation& inv) {
    return Tail(inv, {args->network, args->thread, args->count});
  });

  CLI::App* mark = app.add_subcommand("mark-read", "Move your read marker (prints its seq)");
  mark->add_option("NETWORK", a.network, "Network id")->required();
  mark->add_option("THREAD", a.thread, "Thread id")->required();
  mark->add_option("SEQ", a.seq, "Last seq read")->required();
  OnRun(mark, run,
        [args](Invocation& inv) { return MarkRead(inv, args->network, args->thread, args->seq); });
}

}  // namespace kring::cli
