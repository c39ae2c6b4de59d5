// RocksStore on disk: reopen, the data dir lock, column families from a newer build, and crash
// durability with a real process killed mid-stream.
//
// The crash tests fork and exec this same test binary as the writer (RocksStoreChild.Run below,
// selected by an environment variable). Exec rather than plain fork: a forked child of a
// multithreaded process inherits RocksDB's global thread pools and locks in whatever state
// other threads left them, so doing RocksDB work there could hang. A fresh process cannot.
#include "server/storage/rocks_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace kring::storage {
namespace {

using ::testing::HasSubstr;

constexpr char kChildEnv[] = "KRING_ROCKS_STORE_CHILD";  // "MODE FD COUNT DIR"
constexpr int kKeysPerBatch = 16;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "kring_rocks_test_XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<RocksStore> OpenOrDie(const std::string& dir) {
  auto opened = RocksStore::Open(dir, RocksStoreOptions{});
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

std::string CrashKey(uint32_t batch, int key) {
  char buf[32];
  snprintf(buf, sizeof buf, "b%08u/k%02d", batch, key);
  return buf;
}

std::string CrashValue(uint32_t batch, int key) {
  return CrashKey(batch, key) + std::string(500, static_cast<char>('a' + (batch + key) % 26));
}

// Batch i: kKeysPerBatch messages, a thread head, and "last_batch" overwritten in meta.
WriteBatch CrashBatch(uint32_t i) {
  WriteBatch batch;
  for (int k = 0; k < kKeysPerBatch; ++k)
    batch.Put(Table::kMessages, CrashKey(i, k), CrashValue(i, k));
  batch.Put(Table::kThreadHeads, CrashKey(i, 0), std::to_string(i));
  batch.Put(Table::kMeta, "last_batch", std::to_string(i));
  return batch;
}

// The child process. "write FD COUNT DIR": writes batches 0, 1, ... with sync=true, reports each
// acknowledged index on FD, and after COUNT batches exits without closing the store.
// "hold FD 0 DIR": opens the store, reports 1 on FD and waits to be killed.
[[noreturn]] void RunChild(const std::string& spec) {
  std::istringstream in(spec);
  std::string mode, dir;
  int fd = -1;
  uint32_t count = 0;
  in >> mode >> fd >> count;
  std::getline(in >> std::ws, dir);
  auto opened = RocksStore::Open(dir, RocksStoreOptions{});
  if (!opened.ok()) {
    fprintf(stderr, "child: %s\n", opened.status().ToString().c_str());
    _exit(2);
  }
  if (mode == "hold") {
    uint32_t ready = 1;
    if (write(fd, &ready, sizeof ready) != sizeof ready) _exit(4);
    for (;;) pause();
  }
  for (uint32_t i = 0; i < count; ++i) {
    if (!(*opened)->Write(CrashBatch(i), /*sync=*/true).ok()) _exit(3);
    if (write(fd, &i, sizeof i) != sizeof i) _exit(4);
  }
  _exit(0);  // on purpose: no destructor, no Close, no flush of the memtable
}

TEST(RocksStoreChild, Run) {
  const char* spec = getenv(kChildEnv);
  if (spec == nullptr) GTEST_SKIP() << "only runs as the child process of RocksStoreCrashTest";
  RunChild(spec);
}

// A running child process and the read end of its report pipe.
class Child {
 public:
  // Everything exec needs is built before fork: between fork and exec the child may only make
  // async-signal-safe calls.
  Child(const std::string& mode, uint32_t count, const std::string& dir) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    read_fd_ = fds[0];
    const int write_fd = fds[1];
    const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      // The child must not write the parent's --gtest_output report, for one.
      if (strncmp(*e, "GTEST_", 6) != 0) env_strings.emplace_back(*e);
    }
    env_strings.push_back(std::string(kChildEnv) + "=" + mode + " " + std::to_string(write_fd) +
                          " " + std::to_string(count) + " " + dir);
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    char exe[] = "/proc/self/exe";
    char filter[] = "--gtest_filter=RocksStoreChild.Run";
    char* argv[] = {exe, filter, nullptr};

    pid_ = fork();
    if (pid_ == 0) {
      if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
      fcntl(write_fd, F_SETFD, 0);  // keep the report pipe open across exec
      execve(exe, argv, envp.data());
      _exit(127);
    }
    close(write_fd);
    if (devnull >= 0) close(devnull);
  }

  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
    if (read_fd_ >= 0) close(read_fd_);
  }

  bool started() const { return pid_ > 0 && read_fd_ >= 0; }

  // Reads reports until `want` of them arrived, the pipe closed, or the deadline passed.
  // Returns false only on the deadline.
  bool ReadReports(size_t want, std::chrono::steady_clock::time_point deadline,
                   std::vector<uint32_t>* reports) {
    while (reports->size() < want) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{read_fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(read_fd_, buf, sizeof buf);
      if (n <= 0) return true;  // EOF: the child is gone
      pending_.append(buf, static_cast<size_t>(n));
      while (pending_.size() >= sizeof(uint32_t)) {
        uint32_t v;
        memcpy(&v, pending_.data(), sizeof v);
        reports->push_back(v);
        pending_.erase(0, sizeof v);
      }
    }
    return true;
  }

  void Kill() { kill(pid_, SIGKILL); }

  // Blocks until the child is gone; returns its wait status.
  int Wait() {
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string pending_;
};

// Reopens `dir` and checks the crash contract: every acknowledged batch is there, and every batch
// that is there is whole. Batches were written in order, so the survivors are 0..n-1.
void ExpectAcknowledgedBatchesWhole(const std::string& dir, const std::vector<uint32_t>& acked) {
  ASSERT_FALSE(acked.empty());
  for (size_t i = 0; i < acked.size(); ++i) ASSERT_EQ(acked[i], i) << "acks out of order";
  auto store = OpenOrDie(dir);
  ASSERT_NE(store, nullptr);

  std::map<uint32_t, int> keys_per_batch;
  Status s = store->Scan(Table::kMessages, "", "", 0, [&](std::string_view k, std::string_view v) {
    const uint32_t batch = static_cast<uint32_t>(std::stoul(std::string(k.substr(1, 8))));
    const int key = std::stoi(std::string(k.substr(11, 2)));
    EXPECT_EQ(v, CrashValue(batch, key)) << k;
    ++keys_per_batch[batch];
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();

  ASSERT_GE(keys_per_batch.size(), acked.size()) << "an acknowledged batch was lost";
  uint32_t expected = 0;
  for (const auto& [batch, keys] : keys_per_batch) {
    EXPECT_EQ(batch, expected++) << "a hole in the recovered batches";
    EXPECT_EQ(keys, kKeysPerBatch) << "batch " << batch << " recovered partially";
    auto head = store->Get(Table::kThreadHeads, CrashKey(batch, 0));
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, std::to_string(batch)) << "batch " << batch << " recovered partially";
  }
  auto last = store->Get(Table::kMeta, "last_batch");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, std::to_string(keys_per_batch.size() - 1));
}

TEST(RocksStoreTest, DataSurvivesCloseAndReopen) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  {
    auto store = OpenOrDie(dir);
    ASSERT_NE(store, nullptr);
    WriteBatch batch;
    for (size_t i = 0; i < kTableCount; ++i) {
      batch.Put(static_cast<Table>(i), "key", std::string(TableName(static_cast<Table>(i))));
    }
    batch.Put(Table::kMessages, "gone", "x");
    ASSERT_TRUE(store->Write(batch, /*sync=*/true).ok());
    WriteBatch del;
    del.Delete(Table::kMessages, "gone");
    ASSERT_TRUE(store->Write(del, /*sync=*/false).ok());
  }
  auto store = OpenOrDie(dir);
  ASSERT_NE(store, nullptr);
  for (size_t i = 0; i < kTableCount; ++i) {
    const auto table = static_cast<Table>(i);
    auto got = store->Get(table, "key");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, std::string(TableName(table)));
  }
  auto gone = store->Get(Table::kMessages, "gone");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, std::nullopt);
}

// What encryption at rest relies on (docs/data-rights.md): after CompactAll no file of the
// store, WAL included, still holds a value that was overwritten or deleted.
TEST(RocksStoreTest, CompactAllLeavesNoOverwrittenOrDeletedValueInAnyFile) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  const std::string old_value = "Oudewaardevanvoor";
  const std::string deleted = "Verwijderdewaarde";
  WriteBatch first;
  first.Put(Table::kMessages, "a", old_value);
  first.Put(Table::kPlans, "b", deleted);
  ASSERT_TRUE(store->Write(first, true).ok());
  ASSERT_TRUE(store->CompactAll().ok());  // both now in SST files
  WriteBatch second;
  second.Put(Table::kMessages, "a", "new");
  second.Delete(Table::kPlans, "b");
  ASSERT_TRUE(store->Write(second, true).ok());
  ASSERT_TRUE(store->CompactAll().ok());
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str().find(old_value), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.str().find(deleted), std::string::npos) << entry.path();
  }
  EXPECT_EQ(**store->Get(Table::kMessages, "a"), "new");
}

TEST(RocksStoreTest, SecondOpenInSameProcessSaysDirIsInUse) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  auto first = OpenOrDie(dir);
  ASSERT_NE(first, nullptr);
  auto second = RocksStore::Open(dir, RocksStoreOptions{});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(second.status().detail(),
            "data dir " + dir + " is in use by another kringd (RocksDB lock)");
  // The failed open must not have released the first store's lock.
  EXPECT_FALSE(RocksStore::Open(dir, RocksStoreOptions{}).ok());
  first.reset();
  EXPECT_NE(OpenOrDie(dir), nullptr);
}

TEST(RocksStoreTest, OpenWhileAnotherProcessHoldsDirSaysDirIsInUse) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Child holder("hold", 0, dir);
  ASSERT_TRUE(holder.started());
  std::vector<uint32_t> ready;
  ASSERT_TRUE(holder.ReadReports(1, deadline, &ready));
  ASSERT_EQ(ready.size(), 1u) << "the holder did not open the store";

  auto second = RocksStore::Open(dir, RocksStoreOptions{});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(second.status().detail(),
            "data dir " + dir + " is in use by another kringd (RocksDB lock)");

  holder.Kill();
  holder.Wait();
  EXPECT_NE(OpenOrDie(dir), nullptr) << "the lock must go with the process";
}

TEST(RocksStoreTest, UnusableDirIsInternalWithRocksDbMessage) {
  TempDir tmp;
  const std::string file = tmp.path() + "/plain-file";
  std::ofstream(file) << "not a directory";
  auto opened = RocksStore::Open(file + "/db", RocksStoreOptions{});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kInternal);
  EXPECT_THAT(opened.status().detail(), HasSubstr("RocksDB open"));
  EXPECT_THAT(opened.status().detail(), HasSubstr("IO error"));
}

// A newer kringd may add tables. An older one must still open the data dir, and leave the new
// column family and its data alone.
TEST(RocksStoreTest, OpensColumnFamiliesFromANewerBuild) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  {
    auto store = OpenOrDie(dir);
    ASSERT_NE(store, nullptr);
    WriteBatch batch;
    batch.Put(Table::kAccounts, "1", "ada");
    ASSERT_TRUE(store->Write(batch, true).ok());
  }
  auto raw_open = [&](std::vector<rocksdb::ColumnFamilyHandle*>* handles,
                      std::vector<std::string>* names) -> std::unique_ptr<rocksdb::DB> {
    rocksdb::Options options;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(options, dir, names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : *names) descriptors.emplace_back(name, options);
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, descriptors, handles, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::unique_ptr<rocksdb::DB>(db);
  };
  {
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    std::vector<std::string> names;
    auto db = raw_open(&handles, &names);
    ASSERT_NE(db, nullptr);
    rocksdb::ColumnFamilyHandle* future = nullptr;
    ASSERT_TRUE(
        db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "from_the_future", &future).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), future, "k", "v").ok());
    handles.push_back(future);
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  {
    auto store = OpenOrDie(dir);
    ASSERT_NE(store, nullptr);
    auto got = store->Get(Table::kAccounts, "1");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, "ada");
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::vector<std::string> names;
  auto db = raw_open(&handles, &names);
  ASSERT_NE(db, nullptr);
  auto it = std::find(names.begin(), names.end(), "from_the_future");
  ASSERT_NE(it, names.end());
  std::string value;
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), handles[it - names.begin()], "k", &value).ok());
  EXPECT_EQ(value, "v");
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(db->Close().ok());
}

// The writer exits after its last acknowledged batch without closing the store: recovery must
// come from the WAL alone.
TEST(RocksStoreCrashTest, ExitWithoutCloseKeepsEveryAcknowledgedBatch) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  constexpr uint32_t kBatches = 100;
  std::vector<uint32_t> acked;
  {
    Child writer("write", kBatches, dir);
    ASSERT_TRUE(writer.started());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    ASSERT_TRUE(writer.ReadReports(kBatches + 1, deadline, &acked)) << "writer timed out";
    int status = writer.Wait();
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
  }
  ASSERT_EQ(acked.size(), kBatches);
  ExpectAcknowledgedBatchesWhole(dir, acked);
}

// The writer is SIGKILLed while writing: a batch may be in flight. Every acknowledged one must
// survive, and the one in flight must be whole or absent.
TEST(RocksStoreCrashTest, KillMidStreamKeepsEveryAcknowledgedBatchAndNoPartialOne) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  std::vector<uint32_t> acked;
  {
    Child writer("write", 1000000, dir);
    ASSERT_TRUE(writer.started());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    ASSERT_TRUE(writer.ReadReports(40, deadline, &acked)) << "writer timed out";
    // One read may bring more than the 40 asked for; fewer means the writer stopped.
    ASSERT_GE(acked.size(), 40u) << "the writer stopped early";
    writer.Kill();
    int status = writer.Wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    // Acks the writer sent before it died count too.
    ASSERT_TRUE(writer.ReadReports(SIZE_MAX, deadline, &acked));
  }
  ExpectAcknowledgedBatchesWhole(dir, acked);
}

}  // namespace
}  // namespace kring::storage
