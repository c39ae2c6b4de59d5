// Encryption at rest (issue 16, item 1; docs/data-rights.md): nothing people wrote is anywhere
// under kringd's data dir in the clear, not in the WAL after a SIGKILL, not in the SST files
// after a flush and compaction; all of it reads back after a restart. The master key is checked
// before anything is touched, and rotating it keeps every network readable.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "server/storage/rocks_store.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

namespace fs = std::filesystem;

// Words nothing else in a data dir holds.
constexpr char kMessageWord[] = "Zonnebloemveld";
constexpr char kCorrectionWord[] = "Kwartelkoning";
constexpr char kTitleWord[] = "Schuldhulpmaatje";
constexpr char kPlanWord[] = "Fietsenmakerij";
constexpr char kGoalWord[] = "Taalcafeavond";
constexpr char kRoleWord[] = "Buurtvaderrol";
// A handle is not content (docs/data-rights.md): it stays in the clear, so finding it shows the
// search would find a word that is there.
constexpr char kControlHandle[] = "kimberlyvanloon";

// The files under `dir` that hold `word`, as paths relative to it.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& word) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(word) != std::string::npos) {
      found.push_back(fs::relative(entry.path(), dir).string());
    }
  }
  return found;
}

// The tables of the store in `db_dir` (kringd stopped) whose keys or values hold `word`, as
// RocksDB returns them: decompressed. After a compaction the bottommost files are ZSTD-compressed,
// so a search of the files' bytes alone would miss a word that is there in the clear.
std::vector<std::string> TablesHolding(const std::string& db_dir, const std::string& word) {
  std::vector<std::string> found;
  auto store = storage::RocksStore::Open(db_dir, {});
  if (!store.ok()) {
    ADD_FAILURE() << "cannot open the store: " << store.status().ToString();
    return found;
  }
  for (size_t t = 0; t < storage::kTableCount; ++t) {
    const auto table = static_cast<storage::Table>(t);
    bool holds = false;
    Status scanned =
        (*store)->Scan(table, "", "", 0, [&](std::string_view key, std::string_view value) {
          holds = key.find(word) != std::string_view::npos ||
                  value.find(word) != std::string_view::npos;
          return !holds;  // stop at the first
        });
    EXPECT_TRUE(scanned.ok()) << scanned.ToString();
    if (holds) found.emplace_back(storage::TableName(table));
  }
  return found;
}

std::string Joined(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) out += " " + f;
  return out;
}

// `kringd ARGS` with its stderr in `out`, stopped after 30 s if it does not exit by itself (a
// kringd that wrongly starts would otherwise serve for ever).
KringdRun RunWithStderr(const std::string& args) {
  KringdRun ran;
  const std::string command = "timeout 30 " + std::string(KRINGD_PATH) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return ran;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) ran.out.append(buf, n);
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

class AtRestTest : public CareNetworkTest {
 protected:
  // Searches every file's bytes; and, with `decoded`, every table's keys and values as RocksDB
  // decompresses them (kringd must be stopped). The control handle, which is there in the clear,
  // must be found by the search that matters: the files' bytes while everything is in the
  // (uncompressed) WAL, the decoded tables once compaction has compressed the files.
  void ExpectNoContentOnDisk(const std::string& when, bool decoded) {
    for (const char* word :
         {kMessageWord, kCorrectionWord, kTitleWord, kPlanWord, kGoalWord, kRoleWord}) {
      std::vector<std::string> files = FilesHolding(kringd_.data_dir(), word);
      EXPECT_TRUE(files.empty()) << when << ": \"" << word << "\" is in" << Joined(files);
      if (!decoded) continue;
      std::vector<std::string> tables = TablesHolding(kringd_.data_dir() + "/db", word);
      EXPECT_TRUE(tables.empty()) << when << ": \"" << word << "\" is in table(s)"
                                  << Joined(tables);
    }
    const bool control_found =
        decoded ? !TablesHolding(kringd_.data_dir() + "/db", kControlHandle).empty()
                : !FilesHolding(kringd_.data_dir(), kControlHandle).empty();
    EXPECT_TRUE(control_found) << when << ": the search does not even find a handle";
  }

  // Writes a master key file of `mode` holding `bytes` random-ish bytes; returns its path.
  std::string KeyFile(const std::string& name, size_t bytes, mode_t mode) {
    const std::string path = kringd_.dir() + "/" + name;
    std::ofstream out(path, std::ios::binary);
    for (size_t i = 0; i < bytes; ++i) out.put(static_cast<char>(i * 37 + name.size()));
    out.close();
    ::chmod(path.c_str(), mode);
    return path;
  }

  // The data dir and config of the test's kringd, for one-shot commands.
  std::string Flags() const {
    return "--data-dir " + kringd_.data_dir() + " --config " + kringd_.config_file();
  }

  // Names `path` as [storage] master_key_file from now on.
  void ConfigureMasterKey(const std::string& path) {
    std::ofstream config(kringd_.config_file(), std::ios::app);
    config << "[storage]\nmaster_key_file = \"" << path << "\"\n";
  }
};

TEST_F(AtRestTest, NothingPeopleWroteIsOnDiskAfterAKillOrACompactionAndAllReadsBack) {
  Person kim = world_->AddMember(kControlHandle, "neighbour");
  Must(client_->PostMessage(net_.id(), thread_, "m-1",
                            std::string("Vandaag naar het ") + kMessageWord),
       "post");
  const v1::Message posted = Must(client_->FetchHistory(net_.id(), thread_), "history").messages(0);
  Must(client_->CorrectMessage(net_.id(), thread_, posted.seq(), "c-1",
                               std::string("Morgen naar de ") + kCorrectionWord),
       "correct");
  const uint64_t titled =
      Must(client_->CreateThread(net_.id(), std::string("Over ") + kTitleWord), "thread")
          .thread()
          .id();
  v1::PlanFrame frame;
  frame.set_learning_route(v1::PLAN_LEARNING_ROUTE_B1);
  frame.set_preconditions(std::string("fiets van de ") + kPlanWord);
  Must(client_->SetPlanFrame(net_.id(), frame), "plan frame");
  Must(client_->AddPlanGoal(net_.id(), std::string("naar het ") + kGoalWord), "plan goal");
  Must(client_->Invite(net_.id(), kim.handle, kRoleWord), "invite");

  kringd_.Crash();  // SIGKILL: all of it is in the WAL only
  ExpectNoContentOnDisk("after SIGKILL", /*decoded=*/false);
  KringdRun compact = RunKringdCommand("compact " + Flags());
  ASSERT_EQ(compact.exit_code, 0) << compact.out;
  ExpectNoContentOnDisk("after flush and compaction", /*decoded=*/true);

  ASSERT_TRUE(kringd_.Restart());
  world_->LogIn(client_);
  v1::FetchHistoryResult history = Must(client_->FetchHistory(net_.id(), thread_), "history");
  ASSERT_EQ(history.messages_size(), 1);
  EXPECT_EQ(history.messages(0).text(), std::string("Morgen naar de ") + kCorrectionWord);
  v1::ListMessageVersionsResult versions =
      Must(client_->ListMessageVersions(net_.id(), thread_, posted.seq()), "versions");
  bool original = false;
  for (const v1::Message& m : versions.versions()) {
    original = original || m.text() == std::string("Vandaag naar het ") + kMessageWord;
  }
  EXPECT_TRUE(original) << versions.DebugString();
  bool title = false;
  const v1::ListThreadsResult threads = Must(client_->ListThreads(net_.id()), "threads");
  for (const v1::Thread& t : threads.threads()) {
    title = title || (t.id() == titled && t.title() == std::string("Over ") + kTitleWord);
  }
  EXPECT_TRUE(title);
  v1::GetPlanResult plan = Must(client_->GetPlan(net_.id()), "plan");
  EXPECT_EQ(plan.plan().frame().preconditions(), std::string("fiets van de ") + kPlanWord);
  ASSERT_EQ(plan.plan().goals_size(), 1);
  EXPECT_EQ(plan.plan().goals(0).title(), std::string("naar het ") + kGoalWord);
  world_->LogIn(kim);
  v1::ListInvitationsResult invitations = Must(kim->ListInvitations(), "invitations");
  ASSERT_EQ(invitations.invitations_size(), 1);
  EXPECT_EQ(invitations.invitations(0).role_label(), kRoleWord);
  // A resend of the post is still told from a reuse (the idempotency record is sealed too).
  auto resend = Must(client_->PostMessage(net_.id(), titled, "m-2", "x"), "post");
  EXPECT_FALSE(resend.duplicate());
  EXPECT_TRUE(Must(client_->PostMessage(net_.id(), titled, "m-2", "x"), "resend").duplicate());
}

TEST_F(AtRestTest, AnUnsafeOrMissingMasterKeyStopsKringdBeforeItTouchesAnything) {
  kringd_.Stop();
  const std::string group_readable = KeyFile("group.key", 32, 0640);
  const std::string short_key = KeyFile("short.key", 31, 0600);
  struct Case {
    std::string file;
    std::string says;
  };
  for (const Case& c :
       {Case{group_readable, "readable by group or others"}, Case{short_key, "exactly 32 bytes"},
        Case{kringd_.dir() + "/missing.key", "No such file"}}) {
    const std::string config = kringd_.dir() + "/bad-key.toml";
    fs::copy_file(kringd_.config_file(), config, fs::copy_options::overwrite_existing);
    std::ofstream(config, std::ios::app) << "[storage]\nmaster_key_file = \"" << c.file << "\"\n";
    const KringdRun serve = RunWithStderr("serve --listen 127.0.0.1:0 --data-dir " +
                                          kringd_.data_dir() + " --config " + config);
    EXPECT_EQ(serve.exit_code, 2) << c.file << ": " << serve.out;
    EXPECT_NE(serve.out.find(c.says), std::string::npos) << serve.out;
    EXPECT_EQ(serve.out.find("listening"), std::string::npos) << serve.out;
  }
  // The right key (dev mode's) still starts it.
  ASSERT_TRUE(kringd_.Start());
}

TEST_F(AtRestTest, RotatingTheMasterKeyKeepsEveryNetworkReadableAndRetiresTheOldKey) {
  Must(client_->PostMessage(net_.id(), thread_, "m-1", kMessageWord), "post");
  kringd_.Stop();
  const std::string next = KeyFile("next.key", 32, 0600);
  KringdRun rotate = RunKringdCommand("rotate-master-key --new " + next + " " + Flags());
  ASSERT_EQ(rotate.exit_code, 0) << rotate.out;
  EXPECT_NE(rotate.out.find("rewrapped 1 network keys"), std::string::npos) << rotate.out;

  // With the old (dev) key kringd refuses to start.
  KringdRun old = RunWithStderr("serve --listen 127.0.0.1:0 " + Flags());
  EXPECT_EQ(old.exit_code, 1) << old.out;
  EXPECT_NE(old.out.find("wrapped by master key id"), std::string::npos) << old.out;

  ConfigureMasterKey(next);
  ASSERT_TRUE(kringd_.Start());
  world_->LogIn(client_);
  v1::FetchHistoryResult history = Must(client_->FetchHistory(net_.id(), thread_), "history");
  ASSERT_EQ(history.messages_size(), 1);
  EXPECT_EQ(history.messages(0).text(), kMessageWord);
  // New networks get keys under the new master too.
  world_->LogIn(world_->admin());
  world_->LogIn(coach_);
  Person other = world_->AddClient("other");
  v1::Network second = world_->OpenNetwork(other, {&coach_});
  Must(other->PostMessage(second.id(), second.general_thread_id(), "o-1", "hallo"), "post");
}

}  // namespace
}  // namespace kring::integration
