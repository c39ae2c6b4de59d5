// Requests refused by their cheap checks (an empty text, a name with a bidi override, a bad
// ResumeSession, ...) leave exactly one access-log record, as docs/audit.md promises for every
// request whatever the outcome: they were once answered before the record was opened.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "server/service/audit.h"
#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

class RefusalRecordsTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    admin_ = LoggedIn("admin");
    ASSERT_TRUE(CreateAccount("mentor", v1::ACCOUNT_KIND_MEMBER).ok());
  }

  std::unique_ptr<TestApp> admin_;
};

struct Refusal {
  const char* what;
  std::function<v1::ClientFrame(uint64_t network_id, uint64_t thread_id)> frame;
  // Who sends it: "coach" (logged in, allowed the operation), "admin", or "anonymous".
  const char* sender;
  v1::Error::Code code;
  const char* event_type;
  v1::AuditOutcome outcome;
};

v1::ClientFrame PostFrame(uint64_t net, uint64_t thread, std::string text,
                          std::string client_msg_id = "m-1") {
  v1::ClientFrame f;
  auto* p = f.mutable_post_message();
  p->set_network_id(net);
  p->set_thread_id(thread);
  p->set_text(std::move(text));
  p->set_client_msg_id(std::move(client_msg_id));
  return f;
}

v1::ClientFrame ThreadFrame(uint64_t net, std::string title) {
  v1::ClientFrame f;
  f.mutable_create_thread()->set_network_id(net);
  f.mutable_create_thread()->set_title(std::move(title));
  return f;
}

v1::ClientFrame InviteFrame(uint64_t net, std::string role_label) {
  v1::ClientFrame f;
  f.mutable_invite()->set_network_id(net);
  f.mutable_invite()->set_invitee_handle("amir");
  f.mutable_invite()->set_role_label(std::move(role_label));
  return f;
}

v1::ClientFrame AppointFrame(std::string basis) {
  v1::ClientFrame f;
  f.mutable_appoint_representative()->set_client_handle("ruth");
  f.mutable_appoint_representative()->set_representative_handle("mentor");
  f.mutable_appoint_representative()->set_basis(std::move(basis));
  return f;
}

constexpr auto kError = v1::AUDIT_OUTCOME_ERROR;
constexpr auto kDenied = v1::AUDIT_OUTCOME_DENIED;
constexpr auto kInvalid = v1::Error::INVALID_ARGUMENT;

const std::vector<Refusal>& Refusals() {
  static const std::vector<Refusal> kRefusals = {
      // The eight kinds of issue 11, item 9.
      {"empty text", [](uint64_t n, uint64_t t) { return PostFrame(n, t, ""); }, "coach", kInvalid,
       "message.posted", kError},
      {"65-byte client_msg_id",
       [](uint64_t n, uint64_t t) { return PostFrame(n, t, "hoi", std::string(65, 'm')); }, "coach",
       kInvalid, "message.posted", kError},
      {"text over the limit",
       [](uint64_t n, uint64_t t) { return PostFrame(n, t, std::string(16 * 1024 + 1, 'a')); },
       "coach", kInvalid, "message.posted", kError},
      {"empty thread title", [](uint64_t n, uint64_t) { return ThreadFrame(n, ""); }, "coach",
       kInvalid, "thread.created", kError},
      {"over-long role label",
       [](uint64_t n, uint64_t) { return InviteFrame(n, std::string(101, 'r')); }, "coach",
       kInvalid, "invitation.created", kError},
      {"empty legal basis", [](uint64_t, uint64_t) { return AppointFrame(""); }, "admin", kInvalid,
       "representative.requested", kError},
      {"too-short new password",
       [](uint64_t, uint64_t) {
         v1::ClientFrame f;
         f.mutable_change_password()->set_old_password(kPassword);
         f.mutable_change_password()->set_new_password("short");
         return f;
       },
       "coach", kInvalid, "password.changed", kError},
      {"bad ResumeSession",
       [](uint64_t, uint64_t) {
         v1::ClientFrame f;
         f.mutable_resume_session()->set_token("not-a-token");
         return f;
       },
       "anonymous", v1::Error::UNAUTHENTICATED, "session.resumed", kDenied},
      // Names that would disguise a person or reorder a line (item 11), refused the same way.
      {"title with a right-to-left override",
       [](uint64_t n, uint64_t) { return ThreadFrame(n, "Werk\u202Egnilpas"); }, "coach", kInvalid,
       "thread.created", kError},
      {"role label with an escape",
       [](uint64_t n, uint64_t) { return InviteFrame(n, "buddy\x1b[2J"); }, "coach", kInvalid,
       "invitation.created", kError},
      {"basis with a line separator",
       [](uint64_t, uint64_t) { return AppointFrame("guardianship\u2028court order"); }, "admin",
       kInvalid, "representative.requested", kError},
      {"display name with a right-to-left isolate",
       [](uint64_t, uint64_t) {
         v1::ClientFrame f;
         f.mutable_create_account()->set_handle("newcomer");
         f.mutable_create_account()->set_kind(v1::ACCOUNT_KIND_MEMBER);
         f.mutable_create_account()->set_display_name("Jo\u2067 (admin)");
         f.mutable_create_account()->set_password(kPassword);
         return f;
       },
       "admin", kInvalid, "account.created", kError},
  };
  return kRefusals;
}

TEST_F(RefusalRecordsTest, EachRefusedRequestLeavesExactlyOneRecord) {
  for (const Refusal& r : Refusals()) {
    SCOPED_TRACE(r.what);
    const std::string sender = r.sender;
    std::unique_ptr<TestApp> anonymous;
    TestApp* app = coach_.get();
    if (sender == "admin") app = admin_.get();
    if (sender == "anonymous") app = (anonymous = Connect()).get();
    const uint64_t before = Head();
    v1::Response response = app->Call(r.frame(network_.id(), general_));
    EXPECT_EQ(CodeOf(response), r.code) << response.error().detail();
    const std::vector<v1::AuditEvent> records = Since(before);
    EXPECT_EQ(records.size(), 1u);
    if (records.empty()) continue;
    const v1::AuditEvent& e = records[0];
    EXPECT_EQ(e.event_type(), r.event_type);
    EXPECT_EQ(e.outcome(), r.outcome);
    EXPECT_EQ(e.outcome_detail(), response.error().detail());
    EXPECT_EQ(e.source_address(), "192.0.2.10");
    if (sender == "coach") {
      EXPECT_EQ(e.actor_handle(), "jo");
      EXPECT_EQ(e.actor_profession(), "job coach");
    }
    if (sender == "admin") {
      EXPECT_EQ(e.actor_handle(), "admin");
    }
  }
}

TEST_F(RefusalRecordsTest, ARefusedPostInTheClientsNetworkIsOnTheClientsAccessLog) {
  // The record carries the network and client, so the client sees the attempt.
  ASSERT_EQ(CodeOf(coach_->Call(PostFrame(network_.id(), general_, ""))), kInvalid);
  v1::ClientFrame log;
  log.mutable_my_access_log()->set_limit(1000);
  v1::Response r = client_->Call(log);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  bool seen = false;
  for (const auto& entry : r.my_access_log().entries()) {
    seen |= entry.event().event_type() == "message.posted" && entry.event().outcome() == kError &&
            entry.event().actor_handle() == "jo";
  }
  EXPECT_TRUE(seen);
}

TEST_F(RefusalRecordsTest, BadResumesAreRecordedOnlyWhileTheThrottleLetsThemThrough) {
  // Like failed logins: an anonymous connection must not be able to fill the log. The answer
  // stays UNAUTHENTICATED (apps then log in), only the recording stops.
  const uint64_t before = Head();
  auto app = Connect("198.51.100.7:5000");
  for (int i = 0; i < 20; ++i) {
    v1::ClientFrame f;
    f.mutable_resume_session()->set_token("guess-" + std::to_string(i));
    EXPECT_EQ(CodeOf(app->Call(f)), v1::Error::UNAUTHENTICATED);
  }
  const auto records = Since(before);
  // free_failures (3) cost nothing; the one after them starts the delay.
  EXPECT_EQ(records.size(), options_.throttle.free_failures + 1);
  for (const auto& e : records) {
    EXPECT_EQ(e.event_type(), "session.resumed");
    EXPECT_EQ(e.outcome(), kDenied);
    EXPECT_EQ(e.source_address(), "198.51.100.7");
  }
  // Other addresses are unaffected.
  const uint64_t after = Head();
  auto other = Connect("203.0.113.9:5000");
  v1::ClientFrame f;
  f.mutable_resume_session()->set_token("stale");
  EXPECT_EQ(CodeOf(other->Call(f)), v1::Error::UNAUTHENTICATED);
  EXPECT_EQ(Since(after).size(), 1u);
}

TEST_F(RefusalRecordsTest, AnExpiredSessionsResumeNamesItsAccount) {
  auto first = Connect();
  const v1::Response login = Login(*first, "amir");
  const std::string token = login.login().token();
  ASSERT_FALSE(token.empty());
  clock_.Advance(options_.session_ttl_ms + 1);
  const uint64_t before = Head();
  v1::ClientFrame f;
  f.mutable_resume_session()->set_token(token);
  EXPECT_EQ(CodeOf(Connect()->Call(f)), v1::Error::UNAUTHENTICATED);
  const auto records = Since(before);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), "session.resumed");
  EXPECT_EQ(records[0].outcome(), kDenied);
  EXPECT_EQ(records[0].actor_id(), login.login().account().id());
}

}  // namespace
}  // namespace kring::service::testing
