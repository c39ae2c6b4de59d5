// The access log against a member who tries to break it or read through it: text that is not
// UTF-8 on the connection, and thread ids of another network in her requests.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/core/text.h"
#include "server/service/audit.h"
#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

class AuditAbuseTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    auditor_ = Person("inspector", v1::ACCOUNT_KIND_AUDITOR);
  }

  v1::Response AccessLog(TestApp& app) {
    v1::ClientFrame f;
    f.mutable_my_access_log()->set_limit(1000);
    return app.Call(f);
  }

  std::unique_ptr<TestApp> auditor_;
};

TEST_F(AuditAbuseTest, AUserAgentThatIsNotUtf8LeavesRecordsThatEveryoneCanRead) {
  for (const std::string& agent : {std::string("\xFF\xFE"), std::string(99, 'a') + "\xC3\xA9"}) {
    SCOPED_TRACE(agent.size());
    TestApp jo(*service_, "192.0.2.10:40000", agent);
    ASSERT_FALSE(Login(jo, "jo").has_error());
    ASSERT_FALSE(History(jo, network_.id(), general_).has_error());

    v1::Response log = AccessLog(*client_);
    ASSERT_FALSE(log.has_error()) << log.error().detail();  // was INTERNAL
    EXPECT_TRUE(log.my_access_log().problems().empty());
    v1::ClientFrame q;
    q.mutable_query_audit()->set_client_handle("ruth");
    q.mutable_query_audit()->set_event_type("history.read");
    q.mutable_query_audit()->set_limit(1000);
    v1::Response found = auditor_->Call(q);
    ASSERT_FALSE(found.has_error()) << found.error().detail();
    const v1::AuditEvent& last = found.query_audit().events(found.query_audit().events_size() - 1);
    EXPECT_TRUE(IsValidUtf8(last.app()));
    EXPECT_LE(last.app().size(), 100u);
    if (agent.size() > 100) {
      EXPECT_EQ(last.app(), std::string(99, 'a'));  // not cut inside "é"
    }

    auto verified = audit::VerifyChain(memory_);
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->intact) << verified->problem;  // was "does not parse"
  }
}

TEST_F(AuditAbuseTest, ARefusalNamingAnotherNetworksThreadDoesNotShowItsTitle) {
  // jo also coordinates farah's network, where a thread's title is farah's business alone.
  auto farah = Person("farah", v1::ACCOUNT_KIND_CLIENT);
  v1::Network theirs = OpenNetwork(*coach_, "farah");
  v1::ClientFrame create;
  create.mutable_create_thread()->set_network_id(theirs.id());
  create.mutable_create_thread()->set_title("Schuldhulp: beslag op loon");
  v1::Response created = coach_->Call(create);
  ASSERT_FALSE(created.has_error()) << created.error().detail();
  const uint64_t foreign = created.create_thread().thread().id();

  // In ruth's network, naming farah's thread: each is refused, and each leaves a record.
  EXPECT_EQ(CodeOf(History(*coach_, network_.id(), foreign)), v1::Error::NOT_FOUND);
  v1::Response sub = Subscribe(*coach_, network_.id(), foreign, 0);
  ASSERT_EQ(sub.subscribe().threads_size(), 1);
  EXPECT_TRUE(sub.subscribe().threads(0).has_error());
  v1::ClientFrame mark;
  mark.mutable_mark_read()->set_network_id(network_.id());
  mark.mutable_mark_read()->set_thread_id(foreign);
  mark.mutable_mark_read()->set_seq(0);
  EXPECT_EQ(CodeOf(coach_->Call(mark)), v1::Error::NOT_FOUND);

  v1::Response log = AccessLog(*client_);
  ASSERT_FALSE(log.has_error()) << log.error().detail();
  int refused = 0;
  for (const auto& entry : log.my_access_log().entries()) {
    const v1::AuditEvent& e = entry.event();
    if (e.outcome() == v1::AUDIT_OUTCOME_SUCCESS) continue;
    ++refused;
    EXPECT_EQ(e.thread_id(), 0u) << e.event_type();  // never an unchecked id to resolve
    EXPECT_EQ(e.requested_thread_id(), foreign) << e.event_type();
    EXPECT_EQ(entry.thread_title(), "") << e.event_type();
  }
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(log.SerializeAsString().find("Schuldhulp"), std::string::npos);
}

TEST_F(AuditAbuseTest, ARefusalBeforeTheThreadIsLookedUpRecordsOnlyAThreadOfTheNetwork) {
  // amir is no member: refused before the thread is looked up. His record names ruth's thread
  // (checked to be hers) but farah's thread only as the number he asked for.
  auto farah = Person("farah", v1::ACCOUNT_KIND_CLIENT);
  v1::Network theirs = OpenNetwork(*coach_, "farah");
  const uint64_t before = audit::Find(memory_, {.limit = 100000}, 100000)->events.size();
  EXPECT_EQ(CodeOf(History(*buddy_, network_.id(), work_)), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(History(*buddy_, network_.id(), theirs.general_thread_id())),
            v1::Error::PERMISSION_DENIED);
  auto records = audit::Find(memory_, {.after_seq = before, .limit = 100})->events;
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].thread_id(), work_);
  EXPECT_EQ(records[0].requested_thread_id(), 0u);
  EXPECT_EQ(records[1].thread_id(), 0u);
  EXPECT_EQ(records[1].requested_thread_id(), theirs.general_thread_id());
}

}  // namespace
}  // namespace kring::service::testing
