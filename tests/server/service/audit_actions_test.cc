// The access log through the service: every protocol operation, allowed and denied, leaves
// exactly the records listed here; a failed write leaves neither change nor record; auditors
// never see content; a client sees their own records only.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "server/core/ed25519.h"
#include "server/service/audit.h"
#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

using Outcome = v1::AuditOutcome;
constexpr Outcome OK = v1::AUDIT_OUTCOME_SUCCESS;
constexpr Outcome DENIED = v1::AUDIT_OUTCOME_DENIED;
constexpr Outcome ERROR = v1::AUDIT_OUTCOME_ERROR;

using Expected = std::vector<std::pair<std::string, Outcome>>;

class AuditHandlersTest : public ConsentTest {
 protected:
  void SetUp() override {
    auto key = ed25519::GeneratePrivateKeyPem();
    ASSERT_TRUE(key.ok());
    options_.audit_signing_key_pem = *key;
    options_.server_id = "kringd-unit";
    ConsentTest::SetUp();
    auditor_ = Person("inspector", v1::ACCOUNT_KIND_AUDITOR);
    admin_ = LoggedIn("admin");
    second_admin_ = Person("admin2", v1::ACCOUNT_KIND_ADMIN);
    stranger_ = Person("stranger", v1::ACCOUNT_KIND_MEMBER, "GP");
  }

  // Runs `action` and checks the records it left, in order.
  void ExpectRecords(const std::string& what, const std::function<void()>& action,
                     const Expected& expected) {
    SCOPED_TRACE(what);
    const uint64_t before = Head();
    action();
    Expected got;
    for (const auto& e : Since(before)) got.emplace_back(e.event_type(), e.outcome());
    EXPECT_EQ(got, expected);
  }
  v1::Response Call(TestApp& app, const std::function<void(v1::ClientFrame&)>& fill) {
    v1::ClientFrame f;
    fill(f);
    return app.Call(f);
  }

  std::unique_ptr<TestApp> auditor_, admin_, second_admin_, stranger_;
};

TEST_F(AuditHandlersTest, EveryOperationAllowedAndDeniedLeavesItsRecords) {
  const uint64_t net = network_.id();
  ExpectRecords("login", [&] { LoggedIn("amir"); }, {{"login", OK}});
  ExpectRecords("failed login", [&] { Login(*Connect(), "amir", "wrong password!!"); },
                {{"login", DENIED}});
  ExpectRecords("who am i", [&] { Call(*buddy_, [](auto& f) { f.mutable_who_am_i(); }); },
                {{"session.checked", OK}});
  v1::Network pending;
  ExpectRecords("open network", [&] { pending = OpenNetwork(*buddy_, "ruth", /*accept=*/false); },
                {{"network.opened", OK}});
  ExpectRecords("accept network, by the opener",
                [&] { buddy_->Call(AcceptAsOpenedBefore(pending.id())); },
                {{"network.accepted", DENIED}});
  ExpectRecords("accept network", [&] { client_->Call(AcceptAsOpenedBefore(pending.id())); },
                {{"network.accepted", OK}});
  ExpectRecords("decline network, no longer pending",
                [&] {
                  Call(*client_,
                       [&](auto& f) { f.mutable_decline_network()->set_network_id(pending.id()); });
                },
                {{"network.declined", ERROR}});
  ExpectRecords(
      "open network, admin",
      [&] { Call(*admin_, [](auto& f) { f.mutable_open_network()->set_client_handle("ruth"); }); },
      {{"network.opened", DENIED}});
  ExpectRecords("list networks",
                [&] { Call(*client_, [](auto& f) { f.mutable_list_networks(); }); },
                {{"networks.listed", OK}});
  ExpectRecords("invite and approve", [&] { InviteBuddy(*client_); },
                {{"invitation.created", OK}, {"invitation.approved", OK}});
  ExpectRecords("invite, stranger",
                [&] {
                  Call(*stranger_, [&](auto& f) {
                    f.mutable_invite()->set_network_id(net);
                    f.mutable_invite()->set_invitee_handle("stranger");
                  });
                },
                {{"invitation.created", DENIED}});
  ExpectRecords("list invitations",
                [&] { Call(*client_, [](auto& f) { f.mutable_list_invitations(); }); },
                {{"invitations.listed", OK}});
  ExpectRecords("list members",
                [&] {
                  Call(*buddy_, [&](auto& f) { f.mutable_list_members()->set_network_id(net); });
                  Call(*stranger_, [&](auto& f) { f.mutable_list_members()->set_network_id(net); });
                },
                {{"members.listed", OK}, {"members.listed", DENIED}});
  ExpectRecords("create thread",
                [&] {
                  Call(*coach_, [&](auto& f) {
                    f.mutable_create_thread()->set_network_id(net);
                    f.mutable_create_thread()->set_title("Taal");
                  });
                  Call(*stranger_, [&](auto& f) {
                    f.mutable_create_thread()->set_network_id(net);
                    f.mutable_create_thread()->set_title("x");
                  });
                },
                {{"thread.created", OK}, {"thread.created", DENIED}});
  ExpectRecords("list threads", [&] { ThreadIds(*buddy_); }, {{"threads.listed", OK}});
  ExpectRecords("post",
                [&] {
                  Post(*coach_, net, general_, "Afspraak dinsdag");
                  Post(*stranger_, net, general_, "x");
                },
                {{"message.posted", OK}, {"message.posted", DENIED}});
  ExpectRecords("history",
                [&] {
                  History(*buddy_, net, general_);
                  History(*stranger_, net, general_);
                },
                {{"history.read", OK}, {"history.read", DENIED}});
  ExpectRecords(
      "subscribe and unsubscribe",
      [&] {
        Subscribe(*buddy_, net, general_, 0);
        Call(*buddy_, [&](auto& f) { f.mutable_unsubscribe()->set_network_id(net); });
        ThreadIds(*buddy_);  // through the writer after the live.ended record
      },
      {{"live.started", OK}, {"live.stopped", OK}, {"live.ended", OK}, {"threads.listed", OK}});
  ExpectRecords("subscribe, stranger", [&] { Subscribe(*stranger_, net, general_, 0); },
                {{"live.started", DENIED}});
  ExpectRecords("read markers",
                [&] {
                  Call(*buddy_, [&](auto& f) {
                    f.mutable_mark_read()->set_network_id(net);
                    f.mutable_mark_read()->set_thread_id(general_);
                    f.mutable_mark_read()->set_seq(1);
                  });
                  Call(*buddy_, [&](auto& f) {
                    f.mutable_list_read_markers()->set_network_id(net);
                    f.mutable_list_read_markers()->set_thread_id(general_);
                  });
                },
                {{"read_marker.updated", OK}, {"read_markers.listed", OK}});
  ExpectRecords("sensitive threads",
                [&] {
                  const std::pair<TestApp*, bool> steps[] = {
                      {client_.get(), true}, {coach_.get(), false}, {client_.get(), false}};
                  for (const auto& [by, on] : steps) {
                    Call(*by, [&, on = on](auto& f) {
                      f.mutable_set_thread_sensitive()->set_network_id(net);
                      f.mutable_set_thread_sensitive()->set_thread_id(work_);
                      f.mutable_set_thread_sensitive()->set_sensitive(on);
                    });
                  }
                },
                {{"thread.marked_sensitive", OK},
                 {"thread.unmarked_sensitive", DENIED},
                 {"thread.unmarked_sensitive", OK}});
  ExpectRecords("consent",
                [&] {
                  Grant(*client_, "amir", Scope({work_}));
                  Grant(*coach_, "amir", Scope({}));
                  Consents(*client_, true);
                  Consents(*coach_, true);
                  Withdraw(*client_, "amir");
                },
                {{"consent.granted", OK},
                 {"consent.granted", DENIED},
                 {"consents.listed", OK},
                 {"consents.listed", DENIED},
                 {"consent.withdrawn", OK}});
  ExpectRecords("representatives",
                [&] {
                  Call(*admin_, [](auto& f) {
                    f.mutable_appoint_representative()->set_client_handle("ruth");
                    f.mutable_appoint_representative()->set_representative_handle("stranger");
                    f.mutable_appoint_representative()->set_basis("guardianship 2026/1");
                  });
                  Call(*admin_, [](auto& f) {
                    f.mutable_confirm_representative()->set_client_handle("ruth");
                    f.mutable_confirm_representative()->set_representative_handle("stranger");
                  });
                  Call(*admin_, [](auto& f) { f.mutable_list_representations(); });
                  Call(*second_admin_, [](auto& f) {
                    f.mutable_confirm_representative()->set_client_handle("ruth");
                    f.mutable_confirm_representative()->set_representative_handle("stranger");
                  });
                  Call(*admin_, [](auto& f) {
                    f.mutable_refuse_representative()->set_client_handle("ruth");
                    f.mutable_refuse_representative()->set_representative_handle("stranger");
                  });
                  Call(*admin_, [](auto& f) {
                    f.mutable_end_representation()->set_client_handle("ruth");
                    f.mutable_end_representation()->set_representative_handle("stranger");
                  });
                },
                {{"representative.requested", OK},
                 {"representative.confirmed", DENIED},
                 {"representations.listed", OK},
                 {"representative.confirmed", OK},
                 {"representative.refused", ERROR},
                 {"representative.ended", OK}});
  ExpectRecords("remove",
                [&] {
                  Call(*coach_, [&](auto& f) {
                    f.mutable_remove_member()->set_network_id(net);
                    f.mutable_remove_member()->set_handle("amir");
                  });
                  Call(*client_, [&](auto& f) {
                    f.mutable_remove_member()->set_network_id(net);
                    f.mutable_remove_member()->set_handle("amir");
                  });
                },
                {{"member.removed", DENIED}, {"member.removed", OK}});
  ExpectRecords(
      "accounts",
      [&] {
        ASSERT_TRUE(CreateAccount("unused", v1::ACCOUNT_KIND_MEMBER).ok());  // kringd admin create
        Call(*admin_, [](auto& f) { f.mutable_disable_account()->set_handle("unused"); });
        Call(*client_, [](auto& f) { f.mutable_disable_account()->set_handle("jo"); });
        for (TestApp* by : {admin_.get(), coach_.get()}) {
          Call(*by, [](auto& f) {
            f.mutable_create_account()->set_handle("viaapp");
            f.mutable_create_account()->set_kind(v1::ACCOUNT_KIND_MEMBER);
            f.mutable_create_account()->set_password(kPassword);
          });
        }
      },
      {{"account.created", OK},
       {"account.disabled", OK},
       {"account.disabled", DENIED},
       {"account.created", OK},
       {"account.created", DENIED}});
  ExpectRecords("the log itself",
                [&] {
                  Call(*auditor_,
                       [](auto& f) { f.mutable_query_audit()->set_client_handle("ruth"); });
                  Call(*coach_, [](auto& f) { f.mutable_query_audit(); });
                  Call(*client_, [](auto& f) { f.mutable_my_access_log(); });
                  Call(*coach_, [](auto& f) { f.mutable_my_access_log(); });
                  Call(*auditor_, [](auto& f) { f.mutable_verify_audit_chain(); });
                  Call(*auditor_, [](auto& f) { f.mutable_audit_checkpoint(); });
                },
                {{"audit.queried", OK},
                 {"audit.queried", DENIED},
                 {"access_log.read", OK},
                 {"access_log.read", DENIED},
                 {"audit.verified", OK},
                 {"audit.checkpoint", OK}});
  ExpectRecords("logout", [&] { Call(*stranger_, [](auto& f) { f.mutable_logout(); }); },
                {{"logout", OK}});
}

TEST_F(AuditHandlersTest, AnEndedConsentIsRecordedOnceWhenFirstSeen) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  const int64_t end = clock_.NowMs() + 1000;
  ASSERT_FALSE(Grant(*client_, "amir", Scope({}, false, end)).has_error());
  clock_.Set(end);
  ExpectRecords("first refusal", [&] { History(*buddy_, network_.id(), general_); },
                {{"consent.expired", OK}, {"history.read", DENIED}});
  ExpectRecords("second refusal", [&] { History(*buddy_, network_.id(), general_); },
                {{"history.read", DENIED}});
}

TEST_F(AuditHandlersTest, AReadRecordSaysWhatWasDisclosedAndOnWhatGrounds) {
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(Post(*coach_, network_.id(), general_, "m").has_error());
  const uint64_t before = Head();
  ASSERT_FALSE(History(*buddy_, network_.id(), general_).has_error());
  auto records = Since(before);
  ASSERT_EQ(records.size(), 1u);
  const v1::AuditEvent& e = records[0];
  EXPECT_EQ(e.action(), v1::AUDIT_ACTION_READ);
  EXPECT_EQ(e.actor_handle(), "amir");
  EXPECT_EQ(e.actor_role(), v1::MEMBER_ROLE_MEMBER);
  EXPECT_EQ(e.actor_profession(), "language buddy");
  EXPECT_EQ(e.client_id(), network_.client_id());
  EXPECT_EQ(e.network_id(), network_.id());
  EXPECT_EQ(e.thread_id(), general_);
  EXPECT_EQ(e.seq_from(), 1u);
  EXPECT_EQ(e.seq_to(), 3u);
  EXPECT_EQ(e.count(), 3u);
  EXPECT_NE(e.consent_id(), 0u);
  EXPECT_EQ(e.source_address(), "192.0.2.10");
  EXPECT_EQ(e.server_id(), "kringd-unit");
}

TEST_F(AuditHandlersTest, AFailedWriteLeavesNeitherTheChangeNorItsRecord) {
  const uint64_t before = Head();
  faulty_.FailNextWrite();
  v1::Response r = Post(*coach_, network_.id(), general_, "lost");
  EXPECT_EQ(CodeOf(r), v1::Error::INTERNAL);
  EXPECT_EQ(Head(), before);
  EXPECT_EQ(History(*coach_, network_.id(), general_).fetch_history().messages_size(), 0);
  // A read whose record cannot be written discloses nothing.
  faulty_.FailNextWrite();
  EXPECT_EQ(CodeOf(History(*coach_, network_.id(), general_)), v1::Error::INTERNAL);
}

TEST_F(AuditHandlersTest, AuditorsNeverSeeContent) {
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "Vertrouwelijk: uitslag").has_error());
  EXPECT_EQ(CodeOf(History(*auditor_, network_.id(), general_)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Subscribe(*auditor_, network_.id(), general_, 0)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(Call(*auditor_,
                        [&](auto& f) { f.mutable_list_threads()->set_network_id(network_.id()); })),
            v1::Error::PERMISSION_DENIED);
  v1::Response all = Call(*auditor_, [](auto& f) { f.mutable_query_audit()->set_limit(1000); });
  ASSERT_FALSE(all.has_error());
  EXPECT_GT(all.query_audit().events_size(), 5);
  const std::string bytes = all.SerializeAsString();
  EXPECT_EQ(bytes.find("Vertrouwelijk"), std::string::npos);
  EXPECT_EQ(bytes.find("Werk"), std::string::npos);  // thread titles are content too
}

TEST_F(AuditHandlersTest, AClientSeesTheirOwnRecordsInPlainWordsAndNothingElse) {
  auto other = Person("farah", v1::ACCOUNT_KIND_CLIENT);
  v1::Network theirs = OpenNetwork(*coach_, "farah");
  ASSERT_FALSE(Post(*coach_, theirs.id(), theirs.general_thread_id(), "x").has_error());
  ASSERT_FALSE(InviteBuddy(*client_).has_error());
  ASSERT_FALSE(Post(*coach_, network_.id(), work_, "y").has_error());
  ASSERT_FALSE(History(*buddy_, network_.id(), work_).has_error());
  v1::Response log = Call(*client_, [](auto& f) { f.mutable_my_access_log()->set_limit(1000); });
  ASSERT_FALSE(log.has_error()) << log.error().detail();
  bool saw_read = false;
  for (const auto& entry : log.my_access_log().entries()) {
    EXPECT_EQ(entry.event().client_id(), network_.client_id());
    EXPECT_TRUE(entry.event().source_address().empty());
    if (entry.event().event_type() == "history.read" && entry.event().actor_handle() == "amir") {
      saw_read = true;
      EXPECT_EQ(entry.summary(), "amir (language buddy) read 1 message in thread Werk");
    }
  }
  EXPECT_TRUE(saw_read);
  // A member sees none of it; another client sees only theirs.
  EXPECT_EQ(CodeOf(Call(*buddy_, [](auto& f) { f.mutable_my_access_log(); })),
            v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(
      CodeOf(Call(*other, [](auto& f) { f.mutable_my_access_log()->set_client_handle("ruth"); })),
      v1::Error::PERMISSION_DENIED);
}

TEST_F(AuditHandlersTest, ACheckpointIsSignedOverTheHead) {
  v1::Response r = Call(*auditor_, [](auto& f) { f.mutable_audit_checkpoint(); });
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  const v1::AuditCheckpoint& c = r.audit_checkpoint().checkpoint();
  EXPECT_EQ(c.server_id(), "kringd-unit");
  EXPECT_GT(c.count(), 0u);
  EXPECT_EQ(c.algorithm(), "Ed25519");
  EXPECT_TRUE(ed25519::Verify(c.public_key_pem(), audit::CheckpointMessage(c), c.signature()).ok());
  v1::AuditCheckpoint forged = c;
  forged.set_count(c.count() - 1);
  EXPECT_FALSE(
      ed25519::Verify(c.public_key_pem(), audit::CheckpointMessage(forged), c.signature()).ok());
  v1::Response verified = Call(*auditor_, [](auto& f) { f.mutable_verify_audit_chain(); });
  EXPECT_TRUE(verified.verify_audit_chain().intact());
  EXPECT_EQ(CodeOf(Call(*coach_, [](auto& f) { f.mutable_audit_checkpoint(); })),
            v1::Error::PERMISSION_DENIED);
}

}  // namespace
}  // namespace kring::service::testing
