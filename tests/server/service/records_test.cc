// The records layer keeps each record and its index rows together: every function that writes
// more than one row is checked for exactly the rows it stages, and read back through the named
// reads, so a forgotten or misplaced row fails here.
#include "server/service/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/storage/keys.h"
#include "server/storage/memory_store.h"

namespace kring::service::records {
namespace {

using storage::Table;
using testing::ElementsAre;
using testing::IsEmpty;

class RecordsTest : public ::testing::Test {
 protected:
  // The tables `txn` staged writes to (a table twice if it staged two keys there).
  static std::multiset<Table> Tables(const Transaction& txn) {
    std::multiset<Table> out;
    const storage::WriteBatch batch = txn.batch();  // a copy: keep it alive while visited
    for (const storage::Mutation& m : batch.mutations()) out.insert(m.table);
    return out;
  }
  // The deletes among them.
  static size_t Deletes(const Transaction& txn) {
    size_t n = 0;
    const storage::WriteBatch batch = txn.batch();
    for (const storage::Mutation& m : batch.mutations()) n += !m.value.has_value();
    return n;
  }
  void Commit(const Transaction& txn) { ASSERT_TRUE(store_.Write(txn.batch(), true).ok()); }

  storage::MemoryStore store_;
};

store::AccountRecord Account(uint64_t id, std::string handle) {
  store::AccountRecord record;
  record.mutable_account()->set_id(id);
  record.mutable_account()->set_handle(std::move(handle));
  record.set_password_hash("hash");
  return record;
}

store::MemberRecord Member(uint64_t account_id) {
  store::MemberRecord member;
  member.set_account_id(account_id);
  member.set_role(v1::MEMBER_ROLE_MEMBER);
  return member;
}

v1::Invitation Invitation(uint64_t id, uint64_t network_id, uint64_t invitee_id) {
  v1::Invitation invitation;
  invitation.set_id(id);
  invitation.set_network_id(network_id);
  invitation.set_invitee_id(invitee_id);
  invitation.set_state(v1::INVITATION_STATE_PENDING);
  return invitation;
}

v1::Message Message(uint64_t thread_id, uint64_t seq, uint64_t sender_id, std::string msg_id) {
  v1::Message message;
  message.set_network_id(1);
  message.set_thread_id(thread_id);
  message.set_seq(seq);
  message.set_sender_id(sender_id);
  message.set_client_msg_id(std::move(msg_id));
  message.set_text("text " + std::to_string(seq));
  message.set_posted_at_ms(1000 + static_cast<int64_t>(seq));
  return message;
}

// (seq, text) of the messages HistoryPage visits.
std::vector<std::pair<uint64_t, std::string>> Page(const ReadView& view, uint64_t thread_id,
                                                   uint64_t after_seq, size_t limit) {
  std::vector<std::pair<uint64_t, std::string>> out;
  Status status =
      HistoryPage(view, thread_id, after_seq, limit, [&](uint64_t seq, std::string_view bytes) {
        v1::Message m;
        EXPECT_TRUE(m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
        EXPECT_EQ(m.seq(), seq);
        out.emplace_back(seq, m.text());
        return true;
      });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

TEST_F(RecordsTest, AddAccountWritesTheRecordAndItsHandle) {
  EXPECT_FALSE(*AnyAccount(store_));
  Transaction txn(store_);
  AddAccount(txn, Account(7, "amira"));
  EXPECT_EQ(Tables(txn), (std::multiset<Table>{Table::kAccounts, Table::kHandles}));
  Commit(txn);
  EXPECT_EQ(FindAccountId(store_, "amira")->value_or(0), 7u);
  EXPECT_EQ((*GetAccount(store_, 7))->account().handle(), "amira");
  EXPECT_TRUE(*AnyAccount(store_));
}

TEST_F(RecordsTest, PutAccountRewritesOnlyTheRecord) {
  Transaction txn(store_);
  store::AccountRecord record = Account(7, "amira");
  AddAccount(txn, record);
  Commit(txn);
  Transaction change(store_);
  record.mutable_account()->set_disabled(true);
  PutAccount(change, record);
  EXPECT_EQ(Tables(change), (std::multiset<Table>{Table::kAccounts}));
  Commit(change);
  EXPECT_TRUE((*GetAccount(store_, 7))->account().disabled());
  EXPECT_EQ(FindAccountId(store_, "amira")->value_or(0), 7u);
}

TEST_F(RecordsTest, SessionsArePutAndDeletedUnderTheirKey) {
  Transaction txn(store_);
  store::SessionRecord session;
  session.set_account_id(7);
  PutSession(txn, "sha of token", session);
  Commit(txn);
  EXPECT_EQ((*GetSession(store_, "sha of token"))->account_id(), 7u);
  Transaction logout(store_);
  DeleteSession(logout, "sha of token");
  EXPECT_EQ(Tables(logout), (std::multiset<Table>{Table::kSessions}));
  Commit(logout);
  EXPECT_FALSE(GetSession(store_, "sha of token")->has_value());
}

TEST_F(RecordsTest, AddMemberWritesTheMemberAndTheAccountsNetwork) {
  Transaction txn(store_);
  AddMember(txn, 3, Member(7));
  EXPECT_EQ(Tables(txn), (std::multiset<Table>{Table::kMembers, Table::kAccountNetworks}));
  Commit(txn);
  EXPECT_TRUE(GetMember(store_, 3, 7)->has_value());
  EXPECT_THAT(*NetworksOf(store_, 7), ElementsAre(3u));
  std::vector<store::MemberRecord> members = *Members(store_, 3);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].account_id(), 7u);
}

TEST_F(RecordsTest, RemoveMemberRemovesBothRows) {
  Transaction txn(store_);
  AddMember(txn, 3, Member(7));
  AddMember(txn, 3, Member(8));
  AddMember(txn, 4, Member(7));
  Commit(txn);
  Transaction removal(store_);
  RemoveMember(removal, 3, 7);
  EXPECT_EQ(Tables(removal), (std::multiset<Table>{Table::kMembers, Table::kAccountNetworks}));
  EXPECT_EQ(Deletes(removal), 2u);
  Commit(removal);
  EXPECT_FALSE(GetMember(store_, 3, 7)->has_value());
  EXPECT_THAT(*NetworksOf(store_, 7), ElementsAre(4u));  // still a member elsewhere
  EXPECT_TRUE(GetMember(store_, 3, 8)->has_value());
  EXPECT_THAT(*NetworksOf(store_, 8), ElementsAre(3u));
}

TEST_F(RecordsTest, MembersLeavesOutARecordThatDoesNotParse) {
  Transaction txn(store_);
  AddMember(txn, 3, Member(7));
  AddMember(txn, 3, Member(9));
  Commit(txn);
  storage::WriteBatch broken;
  broken.Put(Table::kMembers, storage::keys::U64U64(3, 8), "\xff not a record");
  ASSERT_TRUE(store_.Write(broken, true).ok());
  std::vector<store::MemberRecord> members = *Members(store_, 3);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].account_id(), 7u);
  EXPECT_EQ(members[1].account_id(), 9u);
}

TEST_F(RecordsTest, PutInvitationIndexesItByNetworkAndByInvitee) {
  Transaction txn(store_);
  PutInvitation(txn, Invitation(20, 3, 7));
  EXPECT_EQ(Tables(txn), (std::multiset<Table>{Table::kInvitations, Table::kNetworkInvitations,
                                               Table::kInviteeInvitations}));
  Commit(txn);
  EXPECT_EQ((*LatestInvitation(store_, 3, 7))->id(), 20u);
  EXPECT_THAT(*InvitationIdsTo(store_, 7), ElementsAre(20u));
  EXPECT_THAT(*InvitationIdsIn(store_, 3), ElementsAre(20u));
  EXPECT_FALSE(LatestInvitation(store_, 3, 8)->has_value());
  EXPECT_FALSE(LatestInvitation(store_, 4, 7)->has_value());
}

TEST_F(RecordsTest, ANewInvitationOfTheSamePairBecomesTheLatest) {
  Transaction txn(store_);
  PutInvitation(txn, Invitation(20, 3, 7));
  PutInvitation(txn, Invitation(21, 3, 8));
  PutInvitation(txn, Invitation(22, 4, 7));
  PutInvitation(txn, Invitation(30, 3, 7));
  Commit(txn);
  EXPECT_EQ((*LatestInvitation(store_, 3, 7))->id(), 30u);
  EXPECT_THAT(*InvitationIdsTo(store_, 7), ElementsAre(30u, 22u));  // by network
  EXPECT_THAT(*InvitationIdsIn(store_, 3), ElementsAre(30u, 21u));  // by invitee
}

TEST_F(RecordsTest, UpdateInvitationLeavesTheIndexesToTheLatest) {
  Transaction txn(store_);
  v1::Invitation old = Invitation(20, 3, 7);
  PutInvitation(txn, old);
  PutInvitation(txn, Invitation(30, 3, 7));
  Commit(txn);
  Transaction decline(store_);
  old.set_state(v1::INVITATION_STATE_DECLINED);
  UpdateInvitation(decline, old);
  EXPECT_EQ(Tables(decline), (std::multiset<Table>{Table::kInvitations}));
  Commit(decline);
  EXPECT_EQ((*GetInvitation(store_, 20))->state(), v1::INVITATION_STATE_DECLINED);
  EXPECT_EQ((*LatestInvitation(store_, 3, 7))->id(), 30u);
}

TEST_F(RecordsTest, AddThreadListsItInItsNetwork) {
  Transaction txn(store_);
  v1::Thread thread;
  thread.set_id(11);
  thread.set_network_id(3);
  thread.set_title("General");
  AddThread(txn, thread);
  EXPECT_EQ(Tables(txn), (std::multiset<Table>{Table::kThreads, Table::kNetworkThreads}));
  Commit(txn);
  EXPECT_THAT(*NetworkThreadIds(store_, 3), ElementsAre(11u));
  EXPECT_EQ(GetThreadIn(store_, 3, 11)->title(), "General");
  EXPECT_EQ(GetThreadIn(store_, 3, 11)->last_seq(), 0u);
  EXPECT_FALSE(GetThreadIn(store_, 4, 11).ok());
}

TEST_F(RecordsTest, AppendMessageWritesTheMessageTheHeadAndTheIdempotencyEntry) {
  Transaction txn(store_);
  const v1::Message message = Message(11, 1, 7, "m-1");
  const std::string bytes = AppendMessage(txn, message, "sha");
  EXPECT_EQ(Tables(txn),
            (std::multiset<Table>{Table::kMessages, Table::kThreadHeads, Table::kIdempotency}));
  Commit(txn);
  v1::Message stored;
  ASSERT_TRUE(stored.ParseFromString(bytes));
  EXPECT_EQ(stored.text(), "text 1");
  EXPECT_EQ(*GetThreadHead(store_, 11), 1u);
  std::optional<store::PostedRef> ref = *GetPostedRef(store_, 7, "m-1");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->thread_id(), 11u);
  EXPECT_EQ(ref->seq(), 1u);
  EXPECT_EQ(ref->posted_at_ms(), 1001);
  EXPECT_EQ(ref->text_sha256(), "sha");
  EXPECT_FALSE(GetPostedRef(store_, 8, "m-1")->has_value());  // per sender
  EXPECT_THAT(Page(store_, 11, 0, 0), ElementsAre(std::make_pair(1u, std::string("text 1"))));
}

TEST_F(RecordsTest, HistoryPageStartsAfterTheSeqAndStaysInItsThread) {
  Transaction txn(store_);
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    AppendMessage(txn, Message(11, seq, 7, "a" + std::to_string(seq)), "sha");
    AppendMessage(txn, Message(12, seq, 7, "b" + std::to_string(seq)), "sha");
  }
  Commit(txn);
  EXPECT_EQ(*GetThreadHead(store_, 11), 4u);
  using Seen = std::pair<uint64_t, std::string>;
  EXPECT_THAT(Page(store_, 11, 2, 0), ElementsAre(Seen{3, "text 3"}, Seen{4, "text 4"}));
  EXPECT_THAT(Page(store_, 11, 0, 2), ElementsAre(Seen{1, "text 1"}, Seen{2, "text 2"}));
  EXPECT_THAT(Page(store_, 11, 4, 0), IsEmpty());
  EXPECT_THAT(Page(store_, 13, 0, 0), IsEmpty());
}

TEST_F(RecordsTest, ReadMarkersAreKeptPerThreadAndAccount) {
  Transaction txn(store_);
  for (uint64_t account : {8, 7}) {
    v1::ReadMarker marker;
    marker.set_thread_id(11);
    marker.set_account_id(account);
    marker.set_seq(account);
    PutReadMarker(txn, marker);
  }
  Commit(txn);
  EXPECT_EQ((*GetReadMarker(store_, 11, 7))->seq(), 7u);
  EXPECT_FALSE(GetReadMarker(store_, 12, 7)->has_value());
  std::vector<v1::ReadMarker> markers = *ReadMarkersOf(store_, 11);
  ASSERT_EQ(markers.size(), 2u);
  EXPECT_EQ(markers[0].account_id(), 7u);
  EXPECT_EQ(markers[1].account_id(), 8u);
}

TEST_F(RecordsTest, RepresentationIsIndexedBothWaysAndRemovedBothWays) {
  Transaction txn(store_);
  v1::Representation representation;
  representation.set_client_id(5);
  representation.set_representative_id(9);
  representation.set_basis("guardian");
  AddRepresentation(txn, representation);
  EXPECT_EQ(Tables(txn), (std::multiset<Table>{Table::kRepresentatives, Table::kRepresentedBy}));
  Commit(txn);
  EXPECT_EQ((*GetRepresentation(store_, 5, 9))->basis(), "guardian");
  EXPECT_THAT(*RepresentativesOf(store_, 5), ElementsAre(9u));
  EXPECT_THAT(*ClientsRepresentedBy(store_, 9), ElementsAre(5u));

  Transaction end(store_);
  RemoveRepresentation(end, 5, 9);
  EXPECT_EQ(Deletes(end), 2u);
  Commit(end);
  EXPECT_FALSE(GetRepresentation(store_, 5, 9)->has_value());
  EXPECT_THAT(*RepresentativesOf(store_, 5), IsEmpty());
  EXPECT_THAT(*ClientsRepresentedBy(store_, 9), IsEmpty());
}

TEST_F(RecordsTest, AnExpiryIsSeenForTheFirstTimeOnce) {
  Transaction txn(store_);
  EXPECT_TRUE(*FirstSightOfExpiry(txn, 40));
  EXPECT_FALSE(*FirstSightOfExpiry(txn, 40));  // read-your-writes in the same transaction
  EXPECT_TRUE(*FirstSightOfExpiry(txn, 41));
  Commit(txn);
  Transaction later(store_);
  EXPECT_FALSE(*FirstSightOfExpiry(later, 40));
  EXPECT_FALSE(*FirstSightOfExpiry(later, 41));
  EXPECT_TRUE(later.empty());  // nothing more to note
  EXPECT_TRUE(*FirstSightOfExpiry(later, 42));
}

}  // namespace
}  // namespace kring::service::records
