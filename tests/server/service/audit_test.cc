// The access log's chain and queries, over a MemoryStore.
#include "server/service/audit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kring/store/records.pb.h"
#include "server/service/frames.h"
#include "server/storage/keys.h"
#include "server/storage/memory_store.h"

namespace kring::service::audit {
namespace {

using storage::Table;
using storage::keys::U64;

class AuditLogTest : public ::testing::Test {
 protected:
  // Stages and writes one record, as a request's write would.
  v1::AuditEvent Append(const std::string& type, uint64_t client, uint64_t actor, int64_t now,
                        v1::AuditOutcome outcome = v1::AUDIT_OUTCOME_SUCCESS) {
    storage::Transaction txn(store_);
    v1::AuditEvent e;
    e.set_event_type(type);
    e.set_client_id(client);
    e.set_actor_id(actor);
    e.set_outcome(outcome);
    e.set_action(type == "history.read" ? v1::AUDIT_ACTION_READ : v1::AUDIT_ACTION_CREATE);
    auto staged = Stage(txn, e, now, "kringd-test");
    EXPECT_TRUE(staged.ok()) << staged.status().ToString();
    EXPECT_TRUE(store_.Write(txn.batch(), false).ok());
    return staged.ok() ? *staged : v1::AuditEvent();
  }

  // Overwrites the stored bytes of record `seq`, as someone with disk access would.
  void Tamper(uint64_t seq, size_t byte) {
    auto bytes = store_.Get(Table::kAudit, U64(seq));
    ASSERT_TRUE(bytes.ok() && bytes->has_value());
    std::string changed = **bytes;
    changed[byte % changed.size()] ^= 0x01;
    storage::WriteBatch batch;
    batch.Put(Table::kAudit, U64(seq), changed);
    ASSERT_TRUE(store_.Write(batch, false).ok());
  }

  storage::MemoryStore store_;
};

TEST_F(AuditLogTest, RecordsChainInOrder) {
  v1::AuditEvent a = Append("login", 0, 1, 1000);
  v1::AuditEvent b = Append("history.read", 7, 1, 2000);
  EXPECT_EQ(a.seq(), 1u);
  EXPECT_EQ(b.seq(), 2u);
  EXPECT_TRUE(a.prev_hash().empty());
  EXPECT_EQ(b.prev_hash(), Sha256(a.SerializeAsString()));
  EXPECT_EQ(b.server_id(), "kringd-test");
}

TEST_F(AuditLogTest, TimeNeverGoesBackAlongTheChain) {
  Append("login", 0, 1, 5000);
  v1::AuditEvent later = Append("logout", 0, 1, 4000);  // the clock stepped back
  EXPECT_EQ(later.time_ms(), 5000);
}

TEST_F(AuditLogTest, AnEmptyOrIntactLogVerifies) {
  auto empty = VerifyChain(store_);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->intact);
  EXPECT_EQ(empty->records, 0u);
  for (int i = 0; i < 20; ++i) Append("history.read", 7, 1, 1000 + i);
  auto v = VerifyChain(store_);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->intact) << v->problem;
  EXPECT_EQ(v->records, 20u);
}

TEST_F(AuditLogTest, AChangedByteIsFoundAtItsRecord) {
  for (int i = 0; i < 20; ++i) Append("history.read", 7, 1, 1000 + i);
  for (uint64_t seq : {1u, 9u, 20u}) {
    SCOPED_TRACE(seq);
    Tamper(seq, 7);
    auto v = VerifyChain(store_);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->intact);
    EXPECT_EQ(v->first_bad_seq, seq) << v->problem;
    Tamper(seq, 7);  // put it back
    EXPECT_TRUE(VerifyChain(store_)->intact);
  }
}

TEST_F(AuditLogTest, ARemovedRecordIsFound) {
  for (int i = 0; i < 5; ++i) Append("login", 0, 1, 1000 + i);
  storage::WriteBatch batch;
  batch.Delete(Table::kAudit, U64(3));
  ASSERT_TRUE(store_.Write(batch, false).ok());
  auto v = VerifyChain(store_);
  EXPECT_FALSE(v->intact);
  EXPECT_EQ(v->first_bad_seq, 3u);
  // Cutting the tail off is found too: the head remembers how many there were.
  batch.Clear();
  for (uint64_t seq = 3; seq <= 5; ++seq) batch.Delete(Table::kAudit, U64(seq));
  ASSERT_TRUE(store_.Write(batch, false).ok());
  v = VerifyChain(store_);
  EXPECT_FALSE(v->intact);
  EXPECT_EQ(v->first_bad_seq, 3u);
}

TEST_F(AuditLogTest, FindFiltersAndPages) {
  for (int i = 0; i < 10; ++i) {
    Append("history.read", /*client=*/i % 2 ? 7 : 8, /*actor=*/100 + i % 3, 1000 + i * 10,
           i == 4 ? v1::AUDIT_OUTCOME_DENIED : v1::AUDIT_OUTCOME_SUCCESS);
  }
  auto seqs = [](const Page& page) {
    std::vector<uint64_t> out;
    for (const auto& e : page.events) out.push_back(e.seq());
    return out;
  };
  Query by_client;
  by_client.client_id = 7;
  EXPECT_EQ(seqs(*Find(store_, by_client)), (std::vector<uint64_t>{2, 4, 6, 8, 10}));
  Query by_actor;
  by_actor.actor_id = 101;
  EXPECT_EQ(seqs(*Find(store_, by_actor)), (std::vector<uint64_t>{2, 5, 8}));
  Query by_time;
  by_time.since_ms = 1030;
  by_time.until_ms = 1060;
  EXPECT_EQ(seqs(*Find(store_, by_time)), (std::vector<uint64_t>{4, 5, 6}));
  Query denied;
  denied.outcome = v1::AUDIT_OUTCOME_DENIED;
  EXPECT_EQ(seqs(*Find(store_, denied)), (std::vector<uint64_t>{5}));

  Query paged;
  paged.limit = 4;
  Page first = *Find(store_, paged);
  EXPECT_EQ(seqs(first), (std::vector<uint64_t>{1, 2, 3, 4}));
  paged.after_seq = first.next_after_seq;
  Page second = *Find(store_, paged);
  EXPECT_EQ(seqs(second), (std::vector<uint64_t>{5, 6, 7, 8}));
  paged.after_seq = second.next_after_seq;
  Page last = *Find(store_, paged);
  EXPECT_EQ(seqs(last), (std::vector<uint64_t>{9, 10}));
  EXPECT_EQ(last.next_after_seq, 0u);
}

TEST_F(AuditLogTest, FindLooksAtABoundedNumberOfRecordsPerCall) {
  for (int i = 0; i < 30; ++i) Append("login", 0, 1, 1000 + i);
  Query rare;
  rare.event_type = "history.read";  // matches nothing
  Page page = *Find(store_, rare, /*max_visited=*/10);
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.next_after_seq, 10u);  // go on from here
}

TEST(AuditOutcomeTest, DeniedIsRefusalAndErrorIsFailure) {
  EXPECT_EQ(OutcomeOf(Status::Ok()), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(OutcomeOf(PermissionDenied("x")), v1::AUDIT_OUTCOME_DENIED);
  EXPECT_EQ(OutcomeOf(Unauthenticated("x")), v1::AUDIT_OUTCOME_DENIED);
  EXPECT_EQ(OutcomeOf(NotFound("x")), v1::AUDIT_OUTCOME_ERROR);
  EXPECT_EQ(OutcomeOf(Internal("x")), v1::AUDIT_OUTCOME_ERROR);
}

}  // namespace
}  // namespace kring::service::audit
