// Consent through the service: grants, scopes, expiry on a manual clock, history visibility,
// withdrawal, the consent history, representatives and team-only threads.
#include <gtest/gtest.h>

#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

TEST_F(ConsentTest, ApprovalIsConsentAndItsScopeIsEnforced) {
  v1::ConsentProvision work_only = Scope({work_});
  v1::Response approved = InviteBuddy(*client_, &work_only);
  ASSERT_FALSE(approved.has_error()) << approved.error().detail();
  const v1::Consent& consent = approved.approve_invitation().member().consent();
  EXPECT_EQ(consent.reason(), "invitation approved");
  EXPECT_EQ(consent.recorded_by_handle(), "ruth");
  EXPECT_FALSE(consent.by_representative());

  EXPECT_EQ(ThreadIds(*buddy_), (std::vector<uint64_t>{work_}));
  EXPECT_EQ(CodeOf(History(*buddy_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Post(*buddy_, network_.id(), general_, "hoi")), v1::Error::PERMISSION_DENIED);
  EXPECT_FALSE(Post(*buddy_, network_.id(), work_, "hoi").has_error());
  v1::Response sub = Subscribe(*buddy_, network_.id(), general_, 0);
  ASSERT_FALSE(sub.has_error());
  EXPECT_EQ(sub.subscribe().threads(0).error().code(), v1::Error::PERMISSION_DENIED);
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "not for amir").has_error());
  EXPECT_FALSE(GotMessage(*buddy_));
}

TEST_F(ConsentTest, NarrowingCutsTheThreadsThatFellOutBeforeTheResponse) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), work_, 0).has_error());
  ASSERT_FALSE(Grant(*client_, "amir", Scope({work_})).has_error());
  auto ended = buddy_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); });
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(std::vector<uint64_t>(ended->access_ended().thread_ids().begin(),
                                  ended->access_ended().thread_ids().end()),
            (std::vector<uint64_t>{general_}));
  buddy_->sink().TakeEvents();
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "after").has_error());
  EXPECT_FALSE(GotMessage(*buddy_));
  ASSERT_FALSE(Post(*coach_, network_.id(), work_, "still yours").has_error());
  EXPECT_EQ(buddy_->WaitMessages(work_, 1).size(), 1u);
}

TEST_F(ConsentTest, ExpiryTakesEffectWithoutAnyJobRunning) {
  const int64_t end = clock_.NowMs() + 60'000;
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Grant(*client_, "amir", Scope({}, false, end)).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), general_, 0).has_error());
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "before").has_error());
  EXPECT_EQ(buddy_->WaitMessages(general_, 1).size(), 1u);

  clock_.Set(end);  // the end is exclusive
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "after").has_error());
  auto ended = buddy_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); });
  ASSERT_TRUE(ended.has_value());
  EXPECT_FALSE(GotMessage(*buddy_));
  v1::Response history = History(*buddy_, network_.id(), general_);
  EXPECT_EQ(CodeOf(history), v1::Error::PERMISSION_DENIED);
  EXPECT_NE(history.error().detail().find("consent ended at"), std::string::npos);
}

TEST_F(ConsentTest, AGrantThatMovesTheEndMovesRunningSubscriptions) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), general_, 0).has_error());
  const int64_t end = clock_.NowMs() + 1000;
  ASSERT_FALSE(Grant(*client_, "amir", Scope({}, false, end)).has_error());
  clock_.Set(end + 1);
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "after the new end").has_error());
  EXPECT_TRUE(buddy_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); }));
  EXPECT_FALSE(GotMessage(*buddy_));
}

TEST_F(ConsentTest, HistoryFromBeforeTheGrantIsHiddenAndSaidSo) {
  for (int i = 0; i < 3; ++i)
    ASSERT_FALSE(Post(*coach_, network_.id(), general_, "old").has_error());
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "new").has_error());
  v1::Response history = History(*buddy_, network_.id(), general_);
  ASSERT_FALSE(history.has_error());
  EXPECT_EQ(history.fetch_history().hidden_through_seq(), 3u);
  ASSERT_EQ(history.fetch_history().messages_size(), 1);
  EXPECT_EQ(history.fetch_history().messages(0).seq(), 4u);
  v1::Response sub = Subscribe(*buddy_, network_.id(), general_, 0);
  EXPECT_EQ(sub.subscribe().threads(0).hidden_through_seq(), 3u);
  auto delivered = buddy_->WaitMessages(general_, 1);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].seq(), 4u);
  // Replying to a message one cannot see is refused like replying to none.
  v1::ClientFrame reply;
  auto* p = reply.mutable_post_message();
  p->set_network_id(network_.id());
  p->set_thread_id(general_);
  p->set_client_msg_id("reply-1");
  p->set_text("re");
  p->set_reply_to_seq(2);
  EXPECT_EQ(CodeOf(buddy_->Call(reply)), v1::Error::NOT_FOUND);

  // With history visible, nothing is hidden.
  ASSERT_FALSE(Grant(*client_, "amir", Scope({}, /*history=*/true)).has_error());
  history = History(*buddy_, network_.id(), general_);
  EXPECT_EQ(history.fetch_history().hidden_through_seq(), 0u);
  EXPECT_EQ(history.fetch_history().messages_size(), 4);
}

TEST_F(ConsentTest, WithdrawalIsOneIdempotentRequestOnTheRecord) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Subscribe(*buddy_, network_.id(), general_, 0).has_error());
  v1::Response first = Withdraw(*client_, "amir");
  ASSERT_FALSE(first.has_error()) << first.error().detail();
  EXPECT_EQ(first.withdraw_consent().consent().status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_TRUE(buddy_->sink().WaitEvent([](const v1::Event& e) { return e.has_access_ended(); }));
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "after").has_error());
  EXPECT_FALSE(GotMessage(*buddy_));
  EXPECT_EQ(CodeOf(Subscribe(*buddy_, network_.id(), general_, 0)), v1::Error::PERMISSION_DENIED);
  // Again: the same record, nothing new.
  v1::Response again = Withdraw(*client_, "amir");
  EXPECT_EQ(again.withdraw_consent().consent().id(), first.withdraw_consent().consent().id());

  // The history: ruth accepting the network jo opened, amir's approval, amir's withdrawal.
  v1::Response history = Consents(*client_, /*history=*/true);
  ASSERT_FALSE(history.has_error());
  const auto& records = history.list_consents().consents();
  ASSERT_EQ(records.size(), 3);
  EXPECT_EQ(records[0].reason(), "network accepted");
  EXPECT_EQ(records[0].grantee_handle(), "jo");
  EXPECT_EQ(records[1].reason(), "invitation approved");
  EXPECT_EQ(records[2].reason(), "withdrawn");
  EXPECT_EQ(records[2].supersedes(), records[1].id());
  EXPECT_EQ(Consents(*client_, false).list_consents().consents_size(), 2);  // one per grantee
  // Only the client (or a representative) sees it; members and staff do not.
  EXPECT_EQ(CodeOf(Consents(*coach_, true)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Withdraw(*coach_, "amir")), v1::Error::PERMISSION_DENIED);
  auto admin = LoggedIn("admin");
  EXPECT_EQ(CodeOf(Consents(*admin, true)), v1::Error::PERMISSION_DENIED);
}

TEST_F(ConsentTest, TheClientCanWithdrawTheOpenersAccessToo) {
  ASSERT_FALSE(Withdraw(*client_, "jo").has_error());
  EXPECT_EQ(CodeOf(History(*coach_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Post(*coach_, network_.id(), general_, "x")), v1::Error::PERMISSION_DENIED);
  // Still listed, with the withdrawn record, for the client to grant again.
  ASSERT_FALSE(Grant(*client_, "jo", Scope({work_})).has_error());
  EXPECT_EQ(ThreadIds(*coach_), (std::vector<uint64_t>{work_}));
}

TEST_F(ConsentTest, GrantsNameMembersAndRealThreads) {
  EXPECT_EQ(CodeOf(Grant(*client_, "amir", Scope({}))), v1::Error::NOT_FOUND);  // not a member
  EXPECT_EQ(CodeOf(Grant(*client_, "ruth", Scope({}))), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(Grant(*client_, "jo", Scope({999}))), v1::Error::NOT_FOUND);
  v1::ConsentProvision backwards = Scope({});
  backwards.set_start_ms(clock_.NowMs());
  backwards.set_end_ms(clock_.NowMs() - 1);
  EXPECT_EQ(CodeOf(Grant(*client_, "jo", backwards)), v1::Error::INVALID_ARGUMENT);
}

TEST_F(ConsentTest, MembersSeeTheirOwnConsentAndNotOthers) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  v1::ClientFrame f;
  f.mutable_list_members()->set_network_id(network_.id());
  const v1::Response as_buddy = buddy_->Call(f);
  for (const auto& m : as_buddy.list_members().members()) {
    EXPECT_EQ(m.has_consent(), m.handle() == "amir") << m.handle();
  }
  const v1::Response as_client = client_->Call(f);
  for (const auto& m : as_client.list_members().members()) {
    EXPECT_EQ(m.has_consent(), m.handle() != "ruth") << m.handle();
  }
}

}  // namespace
}  // namespace kring::service::testing
