// correct, retract, versions, changes: corrections and retractions of messages (issue 15,
// item 3; docs/protocol.md, "Corrections and retractions").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <random>

#include "client-sdk/cli/commands.h"

namespace kring::cli {
namespace {

// 128 random bits in hex, as `send` makes them: a resend with --id is safe, two runs never
// collide by chance.
std::string RandomId() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(random()));
    id += buf;
  }
  return id;
}

int EmitChanged(Invocation& inv, const v1::Message& m, bool duplicate) {
  JsonObject json = MessageJson(m);
  json.Bool("duplicate", duplicate);
  inv.out().Emit(MessageText(m), json);
  return kExitOk;
}

}  // namespace

int Correct(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq,
            const std::string& text, std::string client_msg_id) {
  if (client_msg_id.empty()) client_msg_id = RandomId();
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto corrected = conn->CorrectMessage(network_id, thread_id, seq, client_msg_id, text);
  if (!corrected.ok()) return inv.Failed(corrected.error());
  return EmitChanged(inv, corrected->message(), corrected->duplicate());
}

int Retract(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq,
            std::string client_msg_id) {
  if (client_msg_id.empty()) client_msg_id = RandomId();
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto retracted = conn->RetractMessage(network_id, thread_id, seq, client_msg_id);
  if (!retracted.ok()) return inv.Failed(retracted.error());
  return EmitChanged(inv, retracted->message(), retracted->duplicate());
}

int Versions(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t seq) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto listed = conn->ListMessageVersions(network_id, thread_id, seq);
  if (!listed.ok()) return inv.Failed(listed.error());
  for (const v1::Message& m : listed->versions()) {
    const int64_t at = m.corrected_at_ms() != 0 ? m.corrected_at_ms() : m.posted_at_ms();
    inv.out().Emit(std::to_string(std::max<uint32_t>(m.version(), 1)) + "  " + FormatTime(at) +
                       "  " + OneLine(m.text()),
                   MessageJson(m));
  }
  return kExitOk;
}

int Changes(Invocation& inv, uint64_t network_id, uint64_t thread_id, uint64_t after_change) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  uint64_t after = after_change;
  for (;;) {
    auto page = conn->FetchMessageChanges(network_id, thread_id, after);
    if (!page.ok()) return inv.Failed(page.error());
    for (const v1::Message& m : page->messages()) inv.out().Emit(MessageText(m), MessageJson(m));
    const bool more =
        page->through_change() < page->last_change() && page->through_change() > after;
    after = page->through_change();
    if (!more) break;
  }
  inv.out().Emit("(changes through " + std::to_string(after) + ")",
                 JsonObject()
                     .Uint("network_id", network_id)
                     .Uint("thread_id", thread_id)
                     .Uint("through_change", after));
  return kExitOk;
}

void AddCorrectionCommands(CLI::App& app, Command* run) {
  struct Args {
    uint64_t network = 0, thread = 0, seq = 0, after = 0;
    std::string text, id;
  };
  auto args = std::make_shared<Args>();
  Args& a = *args;
  CLI::App* correct =
      app.add_subcommand("correct",
                         "Correct a message of yours: the new text is shown, earlier versions stay "
                         "readable (prints the message as it is now)");
  correct->add_option("NETWORK", a.network, "Network id")->required();
  correct->add_option("THREAD", a.thread, "Thread id")->required();
  correct->add_option("SEQ", a.seq, "The message's seq")->required();
  correct->add_option("TEXT", a.text, "The corrected text")->required();
  correct->add_option("--id", a.id, "client_msg_id, for a safe resend (default: random)");
  OnRun(correct, run, [args](Invocation& inv) {
    return Correct(inv, args->network, args->thread, args->seq, args->text, args->id);
  });
  CLI::App* retract = app.add_subcommand(
      "retract",
      "Retract a message of yours: shown as \"retracted by the author\", its text no "
      "longer to anyone");
  retract->add_option("NETWORK", a.network, "Network id")->required();
  retract->add_option("THREAD", a.thread, "Thread id")->required();
  retract->add_option("SEQ", a.seq, "The message's seq")->required();
  retract->add_option("--id", a.id, "client_msg_id, for a safe resend (default: random)");
  OnRun(retract, run, [args](Invocation& inv) {
    return Retract(inv, args->network, args->thread, args->seq, args->id);
  });
  CLI::App* versions = app.add_subcommand(
      "versions", "Every version of a message, oldest first: VERSION  TIME  TEXT");
  versions->add_option("NETWORK", a.network, "Network id")->required();
  versions->add_option("THREAD", a.thread, "Thread id")->required();
  versions->add_option("SEQ", a.seq, "The message's seq")->required();
  OnRun(versions, run,
        [args](Invocation& inv) { return Versions(inv, args->network, args->thread, args->seq); });
  CLI::App* changes = app.add_subcommand(
      "changes", "Messages corrected or retracted after a change number, as history shows them");
  changes->add_option("NETWORK", a.network, "Network id")->required();
  changes->add_option("THREAD", a.thread, "Thread id")->required();
  changes->add_option("--after", a.after, "Change number to continue after (default: 0)");
  OnRun(changes, run,
        [args](Invocation& inv) { return Changes(inv, args->network, args->thread, args->after); });
}

}  // namespace kring::cli
