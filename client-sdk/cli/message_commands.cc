// thread create, threads, send, history, mark-read. (tail: tail_command.cc)
#include <algorithm>
#include <cstdio>
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

int CreateThread(Invocation& inv, uint64_t network_id, const std::string& title, bool team_only) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto created = conn->CreateThread(network_id, title, team_only);
  if (!created.ok()) return inv.Failed(created.error());
  inv.out().Emit(std::to_string(created->thread().id()), ThreadJson(created->thread()));
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
         std::string client_msg_id) {
  if (client_msg_id.empty()) client_msg_id = RandomClientMsgId();
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto posted = conn->PostMessage(network_id, thread_id, client_msg_id, text);
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

}  // namespace kring::cli
