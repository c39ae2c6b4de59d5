// Verification of the access log over a MemoryStore: a change is reported at the first record
// whose own bytes, links or index entries are wrong, with the log's size; the indexes must
// agree with the chain.
#include <gtest/gtest.h>

#include <string>

#include "kring/store/records.pb.h"
#include "server/service/audit.h"
#include "server/storage/keys.h"
#include "server/storage/memory_store.h"

namespace kring::service::audit {
namespace {

using storage::Table;
using storage::keys::U64;
using storage::keys::U64U64;

class AuditVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 20 records: clients 7 and 8 in turn, actors 100..102.
    for (int i = 0; i < 20; ++i) Append(i % 2 ? 7 : 8, 100 + i % 3, 1000 + i);
  }

  v1::AuditEvent Append(uint64_t client, uint64_t actor, int64_t now) {
    storage::Transaction txn(store_);
    v1::AuditEvent e;
    e.set_event_type("history.read");
    e.set_action(v1::AUDIT_ACTION_READ);
    e.set_outcome(v1::AUDIT_OUTCOME_SUCCESS);
    e.set_client_id(client);
    e.set_actor_id(actor);
    auto staged = Stage(txn, e, now, "kringd-test");
    EXPECT_TRUE(staged.ok()) << staged.status().ToString();
    EXPECT_TRUE(store_.Write(txn.batch(), false).ok());
    return staged.ok() ? *staged : v1::AuditEvent();
  }

  v1::AuditEvent Record(uint64_t seq) {
    auto bytes = store_.Get(Table::kAudit, U64(seq));
    v1::AuditEvent e;
    EXPECT_TRUE(bytes.ok() && bytes->has_value() && e.ParseFromString(**bytes));
    return e;
  }
  void Put(Table table, const std::string& key, const std::string& value) {
    storage::WriteBatch batch;
    batch.Put(table, key, value);
    ASSERT_TRUE(store_.Write(batch, false).ok());
  }
  void Delete(Table table, const std::string& key) {
    storage::WriteBatch batch;
    batch.Delete(table, key);
    ASSERT_TRUE(store_.Write(batch, false).ok());
  }

  Verification Verify() {
    auto v = VerifyChain(store_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : Verification{};
  }

  storage::MemoryStore store_;
};

TEST_F(AuditVerifyTest, AnIntactLogWithItsIndexesVerifies) {
  Verification v = Verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 20u);
  EXPECT_EQ(v.repaired, 0u);
}

TEST_F(AuditVerifyTest, AChangedPrevHashIsReportedAtItsOwnRecord) {
  v1::AuditEvent seven = Record(7);
  std::string hash = seven.prev_hash();
  hash[3] ^= 0x01;
  seven.set_prev_hash(hash);
  Put(Table::kAudit, U64(7), seven.SerializeAsString());
  Verification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 7u) << v.problem;  // not 6, which is untouched
  EXPECT_EQ(v.records, 20u);                    // the log's size, not how far the walk got
}

TEST_F(AuditVerifyTest, AChangedRecordIsReportedAtItselfNotItsSuccessor) {
  v1::AuditEvent six = Record(6);
  six.set_count(99);  // its own bytes change; its link to 5 does not
  Put(Table::kAudit, U64(6), six.SerializeAsString());
  Verification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 6u) << v.problem;
  EXPECT_EQ(v.records, 20u);
}

TEST_F(AuditVerifyTest, AChangedLastRecordIsReportedAtItself) {
  v1::AuditEvent last = Record(20);
  std::string hash = last.prev_hash();
  hash[0] ^= 0x01;
  last.set_prev_hash(hash);
  Put(Table::kAudit, U64(20), last.SerializeAsString());
  Verification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 20u) << v.problem;
}

TEST_F(AuditVerifyTest, ARemovedIndexEntryIsFound) {
  for (const auto& [table, id, what] :
       {std::tuple{Table::kAuditByClient, uint64_t{7}, "client 7"},
        std::tuple{Table::kAuditByActor, uint64_t{101}, "actor 101"}}) {
    SCOPED_TRACE(what);
    // Record 8 is client 7's (seq 8: i = 7, odd) and actor 101's (7 % 3 == 1).
    Delete(table, U64U64(id, 8));
    Verification v = Verify();
    EXPECT_FALSE(v.intact);
    EXPECT_EQ(v.first_bad_seq, 8u) << v.problem;
    EXPECT_NE(v.problem.find(what), std::string::npos) << v.problem;
    Put(table, U64U64(id, 8), "");
    EXPECT_TRUE(Verify().intact);
  }
}

TEST_F(AuditVerifyTest, AnIndexEntryWithoutItsRecordIsFound) {
  Put(Table::kAuditByClient, U64U64(7, 3), "");  // record 3 is client 8's
  Verification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 3u) << v.problem;
  Delete(Table::kAuditByClient, U64U64(7, 3));
  Put(Table::kAuditByClient, U64U64(7, 42), "");  // past the end of the log
  v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 42u) << v.problem;
}

TEST_F(AuditVerifyTest, ARemovedNewestEntryAndItsKeyAreFound) {
  // Client 7's newest record is 20: without its entry and with the newest-entry key set back
  // to 18, a query would end at 18; the chain's links and the key tell.
  Delete(Table::kAuditByClient, U64U64(7, 20));
  Put(Table::kMeta, "audit_last_client:" + U64(7), U64(18));
  Verification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 20u) << v.problem;
}

}  // namespace
}  // namespace kring::service::audit
