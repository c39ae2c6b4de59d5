// A connection started resumed from a browser's session cookie (cookie_session.h): nothing is
// sent on it before the record of its resumption is durable.
#include "server/service/cookie_session.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

class CookieSessionTest : public ServiceTest {
 protected:
  // A session token of a new member "jo", from a login on another connection.
  std::string JoToken() {
    EXPECT_TRUE(CreateAccount("jo", v1::ACCOUNT_KIND_MEMBER, "job coach").ok());
    auto app = Connect();
    v1::Response login = Login(*app, "jo");
    EXPECT_TRUE(login.has_login()) << login.DebugString();
    return login.login().token();
  }

  // A connection as the transport opens it for an upgrade that carried `token`.
  std::shared_ptr<Connection> Open(const std::string& token) {
    return service_->Accept(sink_, PeerInfo{"192.0.2.20:40000", "browser", token});
  }

  static std::string WhoAmIFrame(uint64_t request_id) {
    v1::ClientFrame frame;
    frame.set_request_id(request_id);
    frame.mutable_who_am_i();
    return frame.SerializeAsString();
  }

  std::shared_ptr<RecordingSink> sink_ = std::make_shared<RecordingSink>();
};

TEST_F(CookieSessionTest, RequestsAreAnsweredOnlyOnceTheResumeIsRecorded) {
  const std::string token = JoToken();
  faulty_.HoldWrites();
  auto connection = Open(token);
  ASSERT_TRUE(faulty_.WaitWriteHeld()) << "the session.resumed record was not written";
  // Nothing is answered while the resume's record waits (WhoAmI's own record queues behind it).
  connection->OnFrame(WhoAmIFrame(1));
  connection->OnFrame(WhoAmIFrame(2));
  EXPECT_TRUE(sink_->Log().empty()) << "answered before the resume was on record";

  faulty_.ReleaseWrites();
  v1::Response first = sink_->WaitResponse(1);
  ASSERT_TRUE(first.has_who_am_i()) << first.DebugString();
  EXPECT_EQ(first.who_am_i().account().handle(), "jo");
  EXPECT_TRUE(sink_->WaitResponse(2).has_who_am_i());
  // And from then on as on any connection, once each request's own record is durable.
  connection->OnFrame(WhoAmIFrame(3));
  EXPECT_TRUE(sink_->WaitResponse(3).has_who_am_i());
  EXPECT_EQ(sink_->Log().size(), 3u);
  connection->OnClosed();
}

TEST_F(CookieSessionTest, WhenTheRecordCannotBeWrittenNothingHeldIsSentAndTheSessionEnds) {
  const std::string token = JoToken();
  faulty_.HoldWrites();
  auto connection = Open(token);
  ASSERT_TRUE(faulty_.WaitWriteHeld());
  connection->OnFrame(WhoAmIFrame(1));
  faulty_.FailNextWrite();
  faulty_.ReleaseWrites();

  EXPECT_EQ(sink_->WaitClosed(), CloseCode::kSessionEnded);
  for (const v1::ServerFrame& frame : sink_->Log()) {
    EXPECT_FALSE(frame.response().has_who_am_i()) << "answered a session that is not on record";
  }
  EXPECT_TRUE(sink_->WaitEvent([](const v1::Event& e) { return e.has_session_ended(); }));
  connection->OnClosed();
}

TEST_F(CookieSessionTest, AnInvalidTokenStartsLoggedOut) {
  auto connection = Open("not-a-session");
  connection->OnFrame(WhoAmIFrame(1));
  v1::Response answer = sink_->WaitResponse(1);
  EXPECT_EQ(CodeOf(answer), v1::Error::UNAUTHENTICATED);
  connection->OnClosed();
}

}  // namespace
}  // namespace kring::service::testing
