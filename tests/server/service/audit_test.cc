// The access log's chain and queries, over a MemoryStore.
#include "server/service/audit.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kring/store/records.pb.h"
#include "server/core/crypto.h"
#include "server/core/text.h"
#include "server/storage/keys.h"
#include "server/storage/memory_store.h"

namespace kring::service::audit {
namespace {

using storage::Table;
using storage::keys::U64;
using storage::keys::U64U64;

std::vector<uint64_t> Seqs(const Page& page) {
  std::vector<uint64_t> out;
  for (const auto& e : page.events) out.push_back(e.seq());
  return out;
}

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

  // Appends `e` as a kringd from before Stage mended text did: its stored bytes are `bytes`
  // with `from` replaced by `to` (same length), chained and indexed as Stage would.
  void AppendAsOldKringd(v1::AuditEvent e, const std::string& from, const std::string& to) {
    auto head_bytes = store_.Get(Table::kMeta, kHeadKey);
    store::AuditHead head;
    ASSERT_TRUE(head_bytes.ok());
    if (*head_bytes) ASSERT_TRUE(head.ParseFromString(**head_bytes));
    e.set_seq(head.seq() + 1);
    e.set_time_ms(head.time_ms());
    e.set_prev_hash(head.hash());
    std::string bytes = e.SerializeAsString();
    const size_t at = bytes.find(from);
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, from.size(), to);
    storage::WriteBatch batch;
    batch.Put(Table::kAudit, U64(e.seq()), bytes);
    if (e.client_id() != 0) batch.Put(Table::kAuditByClient, U64U64(e.client_id(), e.seq()), "");
    if (e.actor_id() != 0) batch.Put(Table::kAuditByActor, U64U64(e.actor_id(), e.seq()), "");
    store::AuditHead next;
    next.set_seq(e.seq());
    next.set_hash(Sha256(bytes));
    next.set_time_ms(e.time_ms());
    batch.Put(Table::kMeta, std::string(kHeadKey), next.SerializeAsString());
    ASSERT_TRUE(store_.Write(batch, false).ok());
  }

  storage::MemoryStore store_;
};

TEST_F(AuditLogTest, EveryTextFieldIsStoredAsValidUtf8) {
  // Whatever a caller puts in a record (a User-Agent of FF FE, one cut inside a character),
  // the stored record parses: every string field, also ones added later, is mended in Stage.
  const google::protobuf::Descriptor* d = v1::AuditEvent::descriptor();
  int text_fields = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) continue;
    ++text_fields;
    SCOPED_TRACE(f->name());
    v1::AuditEvent e;
    e.set_event_type("login");
    e.GetReflection()->SetString(&e, f, std::string(99, 'a') + "\xC3");
    storage::Transaction txn(store_);
    auto staged = Stage(txn, e, 1000, f->name() == "server_id" ? "\xFF\xFE" : "kringd-test");
    ASSERT_TRUE(staged.ok()) << staged.status().ToString();
    ASSERT_TRUE(store_.Write(txn.batch(), false).ok());
    auto bytes = store_.Get(Table::kAudit, U64(staged->seq()));
    v1::AuditEvent stored;
    ASSERT_TRUE(bytes.ok() && *bytes && stored.ParseFromString(**bytes));
    const std::string& text = stored.GetReflection()->GetString(stored, f);
    EXPECT_TRUE(IsValidUtf8(text));
    if (f->name() != "server_id") EXPECT_EQ(text, std::string(99, 'a') + "\xEF\xBF\xBD");
  }
  EXPECT_GE(text_fields, 7);
  auto v = VerifyChain(store_);
  EXPECT_TRUE(v->intact) << v->problem;
}

TEST_F(AuditLogTest, ARecordThatDoesNotParseIsReportedAndTheQueryGoesOn) {
  v1::AuditEvent old;
  old.set_event_type("history.read");
  old.set_client_id(7);
  old.set_actor_id(1);
  old.set_app("XX-agent");
  AppendAsOldKringd(old, "XX", "\xFF\xFE");  // as kringd stored it before: invalid UTF-8
  Append("history.read", 7, 1, 2000);
  Append("history.read", 7, 1, 3000);
  for (Query q : {Query{}, Query{.client_id = 7}}) {
    SCOPED_TRACE(q.client_id);
    auto page = Find(store_, q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();  // was INTERNAL: corrupt audit record 2
    EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{1, 2, 3}));
    EXPECT_EQ(page->events[0].app(), "\xEF\xBF\xBD\xEF\xBF\xBD-agent");
    ASSERT_EQ(page->problems.size(), 1u);
    EXPECT_EQ(page->problems[0].seq, 1u);
  }
  auto v = VerifyChain(store_);
  EXPECT_TRUE(v->intact) << v->problem;  // the chain holds: only the text is bad
  EXPECT_EQ(v->repaired, 1u);

  // Bytes that are no record at all are reported too, and the rest is still shown.
  storage::WriteBatch batch;
  batch.Put(Table::kAudit, U64(1), "\xFF\xFF\xFF");
  ASSERT_TRUE(store_.Write(batch, false).ok());
  auto page = Find(store_, Query{.client_id = 7});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{2, 3}));
  ASSERT_EQ(page->problems.size(), 1u);
  EXPECT_EQ(page->problems[0].problem, "record 1 does not parse");
}

TEST_F(AuditLogTest, RecordsLinkToTheClientsAndActorsRecordBefore) {
  v1::AuditEvent a = Append("history.read", 7, 100, 1000);
  v1::AuditEvent b = Append("history.read", 8, 100, 1000);
  v1::AuditEvent c = Append("history.read", 7, 101, 1000);
  EXPECT_EQ(a.prev_client_seq(), 0u);
  EXPECT_EQ(b.prev_client_seq(), 0u);
  EXPECT_EQ(c.prev_client_seq(), a.seq());
  EXPECT_EQ(b.prev_actor_seq(), a.seq());
  EXPECT_EQ(c.prev_actor_seq(), 0u);
}

TEST_F(AuditLogTest, AQueryByClientFindsWhatItsIndexLacks) {
  for (int i = 0; i < 10; ++i) Append("history.read", i % 2 ? 7 : 8, 100, 1000 + i);
  // Client 7 has 2, 4, 6, 8, 10. Someone removes entries from the index, the newest among them.
  storage::WriteBatch batch;
  for (uint64_t seq : {4u, 6u, 10u}) batch.Delete(Table::kAuditByClient, U64U64(7, seq));
  ASSERT_TRUE(store_.Write(batch, false).ok());
  auto page = Find(store_, Query{.client_id = 7});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{2, 4, 6, 8, 10}));  // found through the chain
  std::vector<uint64_t> reported;
  for (const Problem& p : page->problems) reported.push_back(p.seq);
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, (std::vector<uint64_t>{4, 6, 10}));
  // Paged, too: each page proves itself from where it starts.
  Query paged{.client_id = 7, .after_seq = 2, .limit = 2};
  page = Find(store_, paged);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{4, 6, 8}));

  // An entry that names another client's record is not shown to them.
  batch.Clear();
  batch.Put(Table::kAuditByClient, U64U64(7, 3), "");
  ASSERT_TRUE(store_.Write(batch, false).ok());
  page = Find(store_, Query{.client_id = 7, .after_seq = 2, .limit = 1});
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{4, 6, 8}));
  ASSERT_FALSE(page->problems.empty());
  EXPECT_EQ(page->problems[0].seq, 3u);
}

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
