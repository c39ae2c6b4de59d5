// The access log of a real kringd: an auditor verifies it over TLS; after a byte of one record
// is altered in the RocksDB value on disk, both `kringd audit verify` and the protocol name
// that record; a signed checkpoint proves a later log still holds what it signed.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "server/storage/keys.h"
#include "server/storage/rocks_store.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class AuditTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    auditor_ = world_->AddAccount("inspector", v1::ACCOUNT_KIND_AUDITOR);
  }

  v1::VerifyAuditChainResult VerifyOverTls() {
    v1::ClientFrame f;
    f.mutable_verify_audit_chain();
    auto r = auditor_->Call(f);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
    if (!r.ok()) return {};
    EXPECT_FALSE(r->has_error()) << r->error().detail();
    return r->verify_audit_chain();
  }

  std::string DataDirArgs() { return "--data-dir " + kringd_.data_dir(); }

  Person auditor_;
};

TEST_F(AuditTest, AnAlteredRecordIsFoundOnDiskAndOverTheProtocol) {
  for (int i = 0; i < 5; ++i) {
    Must(coach_->PostMessage(net_.id(), thread_, "m-" + std::to_string(i), "Afspraak"), "post");
  }
  Must(buddy_->FetchHistory(net_.id(), thread_), "history");
  v1::VerifyAuditChainResult intact = VerifyOverTls();
  EXPECT_TRUE(intact.intact()) << intact.problem();
  EXPECT_GT(intact.records(), 10u);

  // Offline, with a checkpoint taken first.
  kringd_.Stop();
  KringdRun checkpoint = RunKringdCommand("audit checkpoint " + DataDirArgs());
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.out;
  const std::string checkpoint_file = kringd_.dir() + "/checkpoint.json";
  std::ofstream(checkpoint_file) << checkpoint.out;
  KringdRun verified =
      RunKringdCommand("audit verify --checkpoint " + checkpoint_file + " " + DataDirArgs());
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_NE(verified.out.find("checkpoint holds"), std::string::npos) << verified.out;

  // Someone with access to the disk changes one byte of record 7's value.
  const uint64_t victim = 7;
  {
    auto store = storage::RocksStore::Open(kringd_.data_dir() + "/db", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto bytes = (*store)->Get(storage::Table::kAudit, storage::keys::U64(victim));
    ASSERT_TRUE(bytes.ok() && bytes->has_value());
    std::string altered = **bytes;
    altered[altered.size() / 2] ^= 0x20;
    storage::WriteBatch batch;
    batch.Put(storage::Table::kAudit, storage::keys::U64(victim), altered);
    ASSERT_TRUE((*store)->Write(batch, /*sync=*/true).ok());
  }
  KringdRun broken = RunKringdCommand("audit verify " + DataDirArgs());
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("broken at record 7 "), std::string::npos) << broken.out;

  ASSERT_TRUE(kringd_.Start());
  world_->LogIn(auditor_);
  v1::VerifyAuditChainResult found = VerifyOverTls();
  EXPECT_FALSE(found.intact());
  EXPECT_EQ(found.first_bad_seq(), victim) << found.problem();
}

TEST_F(AuditTest, AForgedCheckpointDoesNotHold) {
  kringd_.Stop();
  KringdRun checkpoint = RunKringdCommand("audit checkpoint " + DataDirArgs());
  ASSERT_EQ(checkpoint.exit_code, 0);
  // Claim one record fewer than was signed.
  std::string forged = checkpoint.out;
  const size_t count = forged.find("\"count\": \"");
  ASSERT_NE(count, std::string::npos) << forged;
  const size_t digit = count + std::string("\"count\": \"").size();
  forged[digit] = forged[digit] == '1' ? '2' : '1';
  const std::string file = kringd_.dir() + "/forged.json";
  std::ofstream(file) << forged;
  KringdRun verified = RunKringdCommand("audit verify --checkpoint " + file + " " + DataDirArgs());
  EXPECT_EQ(verified.exit_code, 1);
  EXPECT_NE(verified.out.find("signature does not hold"), std::string::npos) << verified.out;
}

TEST_F(AuditTest, TheAuditorSeesWhoDidWhatButNoContent) {
  Must(coach_->PostMessage(net_.id(), thread_, "secret-1", "Uitslag bloedonderzoek"), "post");
  Must(buddy_->FetchHistory(net_.id(), thread_), "history");
  v1::ClientFrame f;
  f.mutable_query_audit()->set_client_handle("ruth");
  f.mutable_query_audit()->set_event_type("history.read");
  auto r = auditor_->Call(f);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->has_error()) << r->error().detail();
  ASSERT_EQ(r->query_audit().events_size(), 1);
  const v1::AuditEvent& e = r->query_audit().events(0);
  EXPECT_EQ(e.actor_handle(), "amir");
  EXPECT_EQ(e.count(), 1u);
  EXPECT_EQ(e.source_address(), "127.0.0.1");
  EXPECT_EQ(r->SerializeAsString().find("bloedonderzoek"), std::string::npos);
  // The query itself is on the record.
  f.Clear();
  f.mutable_query_audit()->set_user_handle("inspector");
  f.mutable_query_audit()->set_event_type("audit.queried");
  r = auditor_->Call(f);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->query_audit().events_size(), 1);
  // Members and clients cannot query.
  EXPECT_EQ(Must(coach_->Call(f), "member query").error().code(), v1::Error::PERMISSION_DENIED);
}

}  // namespace
}  // namespace kring::integration
