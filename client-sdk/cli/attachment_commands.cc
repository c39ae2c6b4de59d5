// attach, download (issue 15, item 2): files over HTTPS with the saved session's token.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "client-sdk/cli/commands.h"
#include "kring/attachments.h"

namespace kring::cli {

int Attach(Invocation& inv, const std::string& file, uint64_t network_id, uint64_t thread_id,
           const std::string& name) {
  if (!std::ifstream(file, std::ios::binary)) return inv.UsageError("cannot read " + file);
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);  // checks the session; its options name the server
  if (conn == nullptr) return exit_code;
  const std::string shown = name.empty() ? std::filesystem::path(file).filename().string() : name;
  // Streamed from disk, and sent only once kringd has said yes.
  auto uploaded =
      sdk::UploadAttachmentFile(conn->options(), inv.token(), network_id, thread_id, shown, file);
  if (!uploaded.ok()) return inv.Failed(uploaded.error());
  inv.out().Emit(std::to_string(uploaded->id()), AttachmentJson(*uploaded));
  return kExitOk;
}

int Download(Invocation& inv, uint64_t network_id, uint64_t attachment_id, const std::string& to,
             bool thumbnail) {
  int exit_code = kExitOk;
  auto conn = inv.Resume(&exit_code);
  if (conn == nullptr) return exit_code;
  auto bytes =
      sdk::DownloadAttachment(conn->options(), inv.token(), network_id, attachment_id, thumbnail);
  if (!bytes.ok()) return inv.Failed(bytes.error());
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << *bytes;
  out.close();
  if (!out) return inv.UsageError("cannot write " + to);
  inv.out().Emit(to + "  " + std::to_string(bytes->size()) + " bytes",
                 JsonObject().Str("file", to).Uint("size", bytes->size()));
  return kExitOk;
}

namespace {

struct AttachmentArgs {
  std::string file, name, to;
  uint64_t network = 0, thread = 0, id = 0;
  bool thumbnail = false;
};

}  // namespace

void AddAttachmentCommands(CLI::App& app, Command* run) {
  auto args = std::make_shared<AttachmentArgs>();
  AttachmentArgs& a = *args;
  CLI::App* attach = app.add_subcommand(
      "attach", "Upload a file to a thread (prints its attachment id, for `send --attach`)");
  attach->add_option("FILE", a.file, "The file (PDF, PNG, JPEG, plain text, DOCX, ODT)")
      ->required();
  attach->add_option("--network", a.network, "Network id")->required();
  attach->add_option("--thread", a.thread, "Thread id")->required();
  attach->add_option("--name", a.name, "The name others see (default: the file's)");
  OnRun(attach, run, [args](Invocation& inv) {
    return Attach(inv, args->file, args->network, args->thread, args->name);
  });

  CLI::App* download = app.add_subcommand("download", "Download an attachment into a file");
  download->add_option("ID", a.id, "Attachment id")->required();
  download->add_option("--network", a.network, "Network id")->required();
  download->add_option("--to", a.to, "The file to write")->required();
  download->add_flag("--thumbnail", a.thumbnail, "The image's thumbnail (a PNG) instead");
  OnRun(download, run, [args](Invocation& inv) {
    return Download(inv, args->network, args->id, args->to, args->thumbnail);
  });
}

}  // namespace kring::cli
