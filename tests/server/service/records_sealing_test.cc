// SealedStore (server/service/records_sealing.h): content is stored sealed with its network's
// key and bound to its record, read back as it was written, and a value that does not open is a
// FAILED_PRECONDITION, never garbled text. Also the start-up migration and master-key rotation.
#include "server/service/records_sealing.h"

#include <gtest/gtest.h>

#include <string>

#include "kring/store/records.pb.h"
#include "kring/v1/kring.pb.h"
#include "server/storage/keys.h"
#include "server/storage/memory_store.h"

namespace kring::service::records {
namespace {

using storage::Table;
using storage::keys::U64;
using storage::keys::U64U64;

constexpr uint64_t kNetwork = 7;
constexpr uint64_t kOtherNetwork = 8;
constexpr uint64_t kThread = 12;

v1::Message Message(uint64_t network_id, uint64_t seq, const std::string& text) {
  v1::Message m;
  m.set_network_id(network_id);
  m.set_thread_id(kThread);
  m.set_seq(seq);
  m.set_text(text);
  return m;
}

class SealedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenNetwork(sealed_, kNetwork);
    OpenNetwork(sealed_, kOtherNetwork);
  }

  static void OpenNetwork(storage::Store& store, uint64_t network_id) {
    v1::Network network;
    network.set_id(network_id);
    storage::WriteBatch batch;
    batch.Put(Table::kNetworks, U64(network_id), network.SerializeAsString());
    ASSERT_TRUE(store.Write(batch, true).ok());
  }

  Status Put(storage::Store& store, Table table, const std::string& key, const std::string& v) {
    storage::WriteBatch batch;
    batch.Put(table, key, v);
    return store.Write(batch, true);
  }

  std::string Raw(Table table, const std::string& key) {
    auto value = inner_.Get(table, key);
    EXPECT_TRUE(value.ok() && value->has_value());
    return value.ok() && value->has_value() ? **value : "";
  }

  SystemRandom random_;
  SealingKey master_ = SealingKey::Generate(random_);
  storage::MemoryStore inner_;
  SealedStore sealed_{inner_, master_, random_};
};

TEST_F(SealedStoreTest, ContentIsStoredSealedAndReadBackAsWritten) {
  const std::string bytes = Message(kNetwork, 1, "de uitslag van de huisarts").SerializeAsString();
  ASSERT_TRUE(Put(sealed_, Table::kMessages, U64U64(kThread, 1), bytes).ok());
  EXPECT_EQ(Raw(Table::kMessages, U64U64(kThread, 1)).find("huisarts"), std::string::npos);
  auto read = sealed_.Get(Table::kMessages, U64U64(kThread, 1));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(**read, bytes);
  std::string scanned;
  ASSERT_TRUE(sealed_
                  .Scan(Table::kMessages, U64(kThread), "", 0,
                        [&](std::string_view, std::string_view v) {
                          scanned = std::string(v);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(scanned, bytes);
  // Tables without content stay as they were written.
  ASSERT_TRUE(Put(sealed_, Table::kThreadHeads, U64(kThread), U64(1)).ok());
  EXPECT_EQ(Raw(Table::kThreadHeads, U64(kThread)), U64(1));
}

TEST_F(SealedStoreTest, EachNetworkGetsAKeyOfItsOwnStoredOnlyWrapped) {
  auto wrapped = inner_.Get(Table::kNetworkKeys, U64(kNetwork));
  ASSERT_TRUE(wrapped.ok() && wrapped->has_value());
  store::WrappedKey record;
  ASSERT_TRUE(record.ParseFromString(**wrapped));
  EXPECT_EQ(record.master_id(), MasterKeyId(master_));
  EXPECT_TRUE(UnwrapNetworkKey(master_, kNetwork, record.wrapped()).ok());
  EXPECT_FALSE(UnwrapNetworkKey(master_, kOtherNetwork, record.wrapped()).ok());
}

TEST_F(SealedStoreTest, ACiphertextMovedToAnotherRecordDoesNotOpen) {
  ASSERT_TRUE(Put(sealed_, Table::kMessages, U64U64(kThread, 1),
                  Message(kNetwork, 1, "first").SerializeAsString())
                  .ok());
  ASSERT_TRUE(Put(sealed_, Table::kMessages, U64U64(kThread, 2),
                  Message(kNetwork, 2, "second").SerializeAsString())
                  .ok());
  const std::string first = Raw(Table::kMessages, U64U64(kThread, 1));
  // To another seq of the same thread, and to another table keyed alike.
  ASSERT_TRUE(Put(inner_, Table::kMessages, U64U64(kThread, 2), first).ok());
  auto moved = sealed_.Get(Table::kMessages, U64U64(kThread, 2));
  EXPECT_EQ(moved.status().code(), Code::kFailedPrecondition);
  // A scan stops at it with the same error rather than hand out anything.
  Status scan = sealed_.Scan(Table::kMessages, U64(kThread), "", 0,
                             [](std::string_view, std::string_view) { return true; });
  EXPECT_EQ(scan.code(), Code::kFailedPrecondition);
  // Relabelled as another network's value: that network's key does not open it either.
  std::string relabelled = first;
  relabelled.replace(1, 8, U64(kOtherNetwork));
  ASSERT_TRUE(Put(inner_, Table::kMessages, U64U64(kThread, 1), relabelled).ok());
  EXPECT_EQ(sealed_.Get(Table::kMessages, U64U64(kThread, 1)).status().code(),
            Code::kFailedPrecondition);
  // A flipped byte.
  std::string flipped = first;
  flipped.back() ^= 1;
  ASSERT_TRUE(Put(inner_, Table::kMessages, U64U64(kThread, 1), flipped).ok());
  EXPECT_EQ(sealed_.Get(Table::kMessages, U64U64(kThread, 1)).status().code(),
            Code::kFailedPrecondition);
}

TEST_F(SealedStoreTest, ContentOfANetworkWithoutAKeyIsNotWritten) {
  Status status = Put(sealed_, Table::kMessages, U64U64(kThread, 1),
                      Message(99, 1, "nowhere").SerializeAsString());
  EXPECT_EQ(status.code(), Code::kFailedPrecondition);
  EXPECT_FALSE(inner_.Get(Table::kMessages, U64U64(kThread, 1))->has_value());
}

TEST_F(SealedStoreTest, ADamagedWrappedKeyFailsItsNetworkOnly) {
  ASSERT_TRUE(Put(sealed_, Table::kPlans, U64(kNetwork), "plan seven").ok());
  ASSERT_TRUE(Put(sealed_, Table::kPlans, U64(kOtherNetwork), "plan eight").ok());
  std::string wrapped = Raw(Table::kNetworkKeys, U64(kNetwork));
  wrapped[wrapped.size() - 1] ^= 1;
  ASSERT_TRUE(Put(inner_, Table::kNetworkKeys, U64(kNetwork), wrapped).ok());
  SealedStore restarted(inner_, master_, random_);  // no key in memory yet
  ASSERT_TRUE(restarted.Prepare().ok());
  EXPECT_EQ(restarted.Get(Table::kPlans, U64(kNetwork)).status().code(), Code::kFailedPrecondition);
  auto other = restarted.Get(Table::kPlans, U64(kOtherNetwork));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(**other, "plan eight");
}

TEST_F(SealedStoreTest, ADeletedKeyIsForgottenAndItsNetworksContentNoLongerOpens) {
  ASSERT_TRUE(Put(sealed_, Table::kPlans, U64(kNetwork), "plan").ok());
  ASSERT_TRUE(sealed_.Get(Table::kPlans, U64(kNetwork)).ok());  // the key is in memory now
  storage::WriteBatch erase;
  erase.Delete(Table::kNetworkKeys, U64(kNetwork));
  ASSERT_TRUE(sealed_.Write(erase, true).ok());
  EXPECT_EQ(sealed_.Get(Table::kPlans, U64(kNetwork)).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(Put(sealed_, Table::kPlans, U64(kNetwork), "again").code(), Code::kFailedPrecondition);
}

TEST_F(SealedStoreTest, AnotherMasterKeyIsRefusedAtStartAndTouchesNothing) {
  ASSERT_TRUE(Put(sealed_, Table::kPlans, U64(kNetwork), "plan").ok());
  const std::string before = Raw(Table::kPlans, U64(kNetwork));
  SealedStore wrong(inner_, SealingKey::Generate(random_), random_);
  auto prepared = wrong.Prepare();
  EXPECT_EQ(prepared.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(prepared.status().detail().find("master_key_file"), std::string::npos);
  EXPECT_EQ(Raw(Table::kPlans, U64(kNetwork)), before);
}

TEST_F(SealedStoreTest, RotationRewrapsTheKeysAndLeavesContentAlone) {
  ASSERT_TRUE(Put(sealed_, Table::kPlans, U64(kNetwork), "plan").ok());
  const std::string content = Raw(Table::kPlans, U64(kNetwork));
  const SealingKey next = SealingKey::Generate(random_);
  auto rewrapped = RewrapNetworkKeys(inner_, master_, next, random_);
  ASSERT_TRUE(rewrapped.ok()) << rewrapped.status().ToString();
  EXPECT_EQ(*rewrapped, 2u);
  EXPECT_EQ(Raw(Table::kPlans, U64(kNetwork)), content);
  // Run again (as after a cut): nothing left to do.
  EXPECT_EQ(*RewrapNetworkKeys(inner_, master_, next, random_), 0u);

  SealedStore with_next(inner_, next, random_);
  ASSERT_TRUE(with_next.Prepare().ok());
  EXPECT_EQ(**with_next.Get(Table::kPlans, U64(kNetwork)), "plan");
  SealedStore with_old(inner_, master_, random_);
  EXPECT_EQ(with_old.Prepare().status().code(), Code::kFailedPrecondition);
  // A third key wrapped none of them: refused, nothing written.
  EXPECT_EQ(
      RewrapNetworkKeys(inner_, SealingKey::Generate(random_), master_, random_).status().code(),
      Code::kFailedPrecondition);
}

TEST_F(SealedStoreTest, PrepareSealsWhatAnEarlierKringdStoredInTheClear) {
  storage::MemoryStore old;
  v1::Network network;
  network.set_id(3);
  v1::Thread thread;
  thread.set_id(kThread);
  thread.set_network_id(3);
  thread.set_title("schulden");
  store::PostedRef ref;  // without its network: it came later
  ref.set_thread_id(kThread);
  ref.set_seq(1);
  ref.set_text_sha256("hash of the text");
  const std::string message = Message(3, 1, "huisarts").SerializeAsString();
  storage::WriteBatch batch;
  batch.Put(Table::kNetworks, U64(3), network.SerializeAsString());
  batch.Put(Table::kThreads, U64(kThread), thread.SerializeAsString());
  batch.Put(Table::kMessages, U64U64(kThread, 1), message);
  batch.Put(Table::kIdempotency, U64(5) + "m-1", ref.SerializeAsString());
  ASSERT_TRUE(old.Write(batch, true).ok());

  SealedStore sealed(old, master_, random_);
  auto migrated = sealed.Prepare();
  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  EXPECT_EQ(*migrated, 3u);
  for (auto [table, key] :
       {std::pair{Table::kThreads, U64(kThread)}, std::pair{Table::kMessages, U64U64(kThread, 1)},
        std::pair{Table::kIdempotency, U64(5) + "m-1"}}) {
    const std::string raw = **old.Get(table, key);
    EXPECT_EQ(raw[0], '\0') << storage::TableName(table);
    EXPECT_EQ(raw.find("schulden"), std::string::npos);
    EXPECT_EQ(raw.find("huisarts"), std::string::npos);
    EXPECT_EQ(raw.find("hash of the text"), std::string::npos);
  }
  EXPECT_EQ(**sealed.Get(Table::kMessages, U64U64(kThread, 1)), message);
  store::PostedRef read;
  ASSERT_TRUE(read.ParseFromString(**sealed.Get(Table::kIdempotency, U64(5) + "m-1")));
  EXPECT_EQ(read.network_id(), 3u);
  EXPECT_EQ(read.text_sha256(), "hash of the text");
  EXPECT_EQ(*sealed.Prepare(), 0u);  // once
}

}  // namespace
}  // namespace kring::service::records
