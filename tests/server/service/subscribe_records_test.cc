// One Subscribe frame leaves a bounded number of access-log records (issue 11, item 5): at most
// kMaxSubscribeCursors cursors, no thread twice, and the threads it refuses on one record with
// their count rather than one record each. A 36 KB frame naming one thread 9,000 times once
// left 17,999 records.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/service/audit.h"
#include "tests/server/service/consent_fixture.h"

namespace kring::service::testing {
namespace {

class SubscribeRecordsTest : public ConsentTest {
 protected:
  void SetUp() override {
    ConsentTest::SetUp();
    ASSERT_FALSE(InviteBuddy(*client_).has_error());
    buddy_ = LoggedIn("amir");
    head_ = Head();
  }

  // The records made since SetUp.
  std::vector<v1::AuditEvent> Records() {
    audit::Query q;
    q.after_seq = head_;
    q.limit = 100'000;
    return audit::Find(memory_, q, 100'000)->events;
  }

  v1::Response SubscribeTo(TestApp& app, const std::vector<uint64_t>& thread_ids) {
    v1::ClientFrame f;
    f.mutable_subscribe()->set_network_id(network_.id());
    for (uint64_t id : thread_ids) f.mutable_subscribe()->add_threads()->set_thread_id(id);
    return app.Call(f);
  }

  std::unique_ptr<TestApp> buddy_;
  uint64_t head_ = 0;
};

TEST_F(SubscribeRecordsTest, OneThreadNamedNineThousandTimesIsRefusedOnOneRecord) {
  const v1::Response r = SubscribeTo(*buddy_, std::vector<uint64_t>(9000, general_));
  EXPECT_EQ(CodeOf(r), v1::Error::INVALID_ARGUMENT) << r.DebugString().substr(0, 300);
  const auto records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_type(), "live.started");
  EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_ERROR);
}

TEST_F(SubscribeRecordsTest, AThreadNamedTwiceIsRefused) {
  const v1::Response r = SubscribeTo(*buddy_, {general_, work_, general_});
  EXPECT_EQ(CodeOf(r), v1::Error::INVALID_ARGUMENT);
  EXPECT_NE(r.error().detail().find(std::to_string(general_)), std::string::npos)
      << r.error().detail();
  EXPECT_EQ(Records().size(), 1u);
  // Nothing was subscribed: the post's MessagePosted events are sent before its response, and
  // none came to amir.
  ASSERT_FALSE(Post(*coach_, network_.id(), general_, "na de weigering").has_error());
  for (const v1::Event& e : buddy_->sink().TakeEvents()) {
    EXPECT_FALSE(e.has_message_posted()) << e.DebugString();
  }
}

TEST_F(SubscribeRecordsTest, MoreCursorsThanTheLimitAreRefusedOnOneRecord) {
  std::vector<uint64_t> ids{general_};
  for (uint64_t i = 1; ids.size() <= kMaxSubscribeCursors; ++i) ids.push_back(900'000 + i);
  ASSERT_EQ(ids.size(), kMaxSubscribeCursors + 1);
  const v1::Response r = SubscribeTo(*buddy_, ids);
  EXPECT_EQ(CodeOf(r), v1::Error::INVALID_ARGUMENT);
  EXPECT_NE(r.error().detail().find(std::to_string(kMaxSubscribeCursors)), std::string::npos)
      << r.error().detail();
  EXPECT_EQ(Records().size(), 1u);
}

TEST_F(SubscribeRecordsTest, RefusedThreadsShareOneRecordWithTheirCount) {
  std::vector<uint64_t> ids{general_};
  for (uint64_t i = 1; ids.size() < kMaxSubscribeCursors; ++i) ids.push_back(900'000 + i);
  const v1::Response r = SubscribeTo(*buddy_, ids);
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  ASSERT_EQ(r.subscribe().threads_size(), static_cast<int>(kMaxSubscribeCursors));
  EXPECT_FALSE(r.subscribe().threads(0).has_error());
  for (int i = 1; i < r.subscribe().threads_size(); ++i) {
    EXPECT_EQ(r.subscribe().threads(i).error().code(), v1::Error::NOT_FOUND);
  }
  const auto records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].event_type(), "live.started");
  EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(records[0].thread_id(), general_);
  EXPECT_EQ(records[1].event_type(), "live.started");
  EXPECT_NE(records[1].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(records[1].count(), kMaxSubscribeCursors - 1);
  EXPECT_EQ(records[1].thread_id(), 0u);  // none of them was checked to be a thread here
  EXPECT_EQ(records[1].requested_thread_id(), 900'001u);  // the first, as asked
}

TEST_F(SubscribeRecordsTest, OneRefusedThreadIsNamedOnItsRecordAfterTheSubscribedOnes) {
  ASSERT_FALSE(Grant(*client_, "amir", Scope({work_})).has_error());
  head_ = Head();
  const v1::Response r = SubscribeTo(*buddy_, {general_, work_});
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(r.subscribe().threads(0).error().code(), v1::Error::PERMISSION_DENIED);
  const auto records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].thread_id(), work_);
  EXPECT_EQ(records[0].outcome(), v1::AUDIT_OUTCOME_SUCCESS);
  EXPECT_EQ(records[1].thread_id(), general_);
  EXPECT_EQ(records[1].outcome(), v1::AUDIT_OUTCOME_DENIED);
  EXPECT_EQ(records[1].count(), 1u);
}

}  // namespace
}  // namespace kring::service::testing
