// The browser's session against a real kringd over TLS: login by POST /v1/session into an
// HttpOnly cookie, the Origin rule, the cookie-authenticated WebSocket, logout by DELETE.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client-sdk/src/frame_channel.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

// The cookie's token from a Set-Cookie value, or "".
std::string CookieToken(const std::string& set_cookie) {
  const std::string prefix = "kring_session=";
  if (set_cookie.rfind(prefix, 0) != 0) return {};
  return set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
}

class BrowserSessionTest : public KringTest {
 protected:
  explicit BrowserSessionTest(KringdConfig config = {}) : KringTest(config) {}

  void SetUp() override {
    KringTest::SetUp();
    if (HasFatalFailure()) return;
    jo_ = world_->AddMember("jo", "job coach");
  }

  std::string Origin() const { return "https://localhost:" + std::to_string(kringd_.port()); }

  sdk::HttpReply Call(const std::string& method, const std::string& origin,
                      const std::string& body = {}, const std::string& cookie = {},
                      const std::string& content_type = "application/x-protobuf") {
    sdk::HttpRequestSpec spec;
    spec.method = method;
    spec.target = "/v1/session";
    if (!origin.empty()) spec.headers.emplace_back("Origin", origin);
    if (!cookie.empty()) spec.headers.emplace_back("Cookie", "kring_session=" + cookie);
    if (method == "POST") spec.headers.emplace_back("Content-Type", content_type);
    spec.body = body;
    return Must(sdk::HttpsRequest(kringd_.ConnectOptions(), spec), method + " /v1/session");
  }

  static std::string LoginBody(const std::string& handle, const std::string& password) {
    v1::LoginRequest login;
    login.set_handle(handle);
    login.set_password(password);
    login.set_app("kring-web/test");
    return login.SerializeAsString();
  }

  sdk::HttpReply PostLogin(const std::string& handle, const std::string& password,
                           const std::string& origin) {
    return Call("POST", origin, LoginBody(handle, password));
  }

  // Logs jo in by cookie; the token the cookie carries.
  std::string CookieLogin() {
    sdk::HttpReply reply = PostLogin("jo", World::PasswordFor("jo"), Origin());
    if (reply.status != 200)
      throw std::runtime_error("cookie login: " + std::to_string(reply.status));
    return CookieToken(reply.Header("Set-Cookie"));
  }

  // A WebSocket as a browser opens it: with the cookie (if any) and `origin` (if any).
  sdk::Result<std::unique_ptr<sdk::FrameChannel>> OpenSocket(const std::string& cookie,
                                                             const std::string& origin) {
    sdk::ConnectOptions options = kringd_.ConnectOptions();
    if (!origin.empty()) options.upgrade_headers.emplace_back("Origin", origin);
    if (!cookie.empty()) options.upgrade_headers.emplace_back("Cookie", "kring_session=" + cookie);
    return sdk::FrameChannel::Open(options);
  }

  // The raw HTTP answer to a WebSocket upgrade with these headers.
  sdk::HttpReply Upgrade(const std::string& cookie, const std::string& origin) {
    sdk::HttpRequestSpec spec;
    spec.target = "/v1/ws";
    spec.headers = {{"Connection", "Upgrade"},
                    {"Upgrade", "websocket"},
                    {"Sec-WebSocket-Version", "13"},
                    {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    if (!origin.empty()) spec.headers.emplace_back("Origin", origin);
    if (!cookie.empty()) spec.headers.emplace_back("Cookie", "kring_session=" + cookie);
    return Must(sdk::HttpsRequest(kringd_.ConnectOptions(), spec), "upgrade");
  }

  static std::optional<v1::Response> WhoAmI(sdk::FrameChannel& channel) {
    v1::ClientFrame frame;
    frame.set_request_id(7);
    frame.mutable_who_am_i();
    return RawCall(channel, frame);
  }

  Person jo_;
};

v1::Response ParseResponse(const sdk::HttpReply& reply) {
  v1::Response response;
  EXPECT_TRUE(response.ParseFromString(reply.body)) << "body is not a kring.v1.Response";
  return response;
}

TEST_F(BrowserSessionTest, LoginSetsAnHttpOnlyCookieAndNoTokenInTheBody) {
  sdk::HttpReply reply = PostLogin("jo", World::PasswordFor("jo"), Origin());
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"), "application/x-protobuf");
  const std::string cookie = reply.Header("Set-Cookie");
  const std::string token = CookieToken(cookie);
  ASSERT_GE(token.size(), 40u) << cookie;
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict",
                                "; Max-Age=43"}) {  // 12 hours: 432xx seconds
    EXPECT_NE(cookie.find(attribute), std::string::npos) << attribute << " in " << cookie;
  }
  EXPECT_EQ(reply.body.find(token), std::string::npos);
  v1::Response response = ParseResponse(reply);
  ASSERT_TRUE(response.has_login());
  EXPECT_EQ(response.login().token(), "");
  EXPECT_EQ(response.login().account().handle(), "jo");
  EXPECT_GT(response.login().expires_at_ms(), NowMs());

  // The cookie's token is a real session: the SDK can resume it.
  auto conn = world_->Connect();
  auto resumed = conn->ResumeSession(token);
  ASSERT_TRUE(IsOk(resumed));
  EXPECT_EQ(resumed->account().handle(), "jo");
}

TEST_F(BrowserSessionTest, WrongPasswordIs401WithTheTypedError) {
  sdk::HttpReply reply = PostLogin("jo", "wrong-password-123", Origin());
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(reply.Header("Set-Cookie"), "");
  v1::Response response = ParseResponse(reply);
  EXPECT_EQ(response.error().code(), v1::Error::UNAUTHENTICATED);
  EXPECT_FALSE(response.has_login());
}

TEST_F(BrowserSessionTest, OtherOriginsAreRefused) {
  for (const std::string origin :
       {std::string("https://evil.example"), std::string("null"), std::string(),
        "http://localhost:" + std::to_string(kringd_.port()), std::string("https://localhost:1")}) {
    sdk::HttpReply reply = PostLogin("jo", World::PasswordFor("jo"), origin);
    EXPECT_EQ(reply.status, 403u) << origin;
    EXPECT_EQ(reply.Header("Set-Cookie"), "") << origin;
    EXPECT_EQ(ParseResponse(reply).error().code(), v1::Error::PERMISSION_DENIED) << origin;
  }
  // 127.0.0.1 is one of the default origins too.
  sdk::HttpReply ip = PostLogin("jo", World::PasswordFor("jo"),
                                "https://127.0.0.1:" + std::to_string(kringd_.port()));
  EXPECT_EQ(ip.status, 200u);
}

TEST_F(BrowserSessionTest, MalformedRequestsAre4xxWithTypedErrors) {
  sdk::HttpReply garbage = Call("POST", Origin(), std::string("\xff\xff\xff\x01", 4));
  EXPECT_EQ(garbage.status, 400u);
  EXPECT_EQ(ParseResponse(garbage).error().code(), v1::Error::INVALID_ARGUMENT);

  sdk::HttpReply json = Call("POST", Origin(), "{\"handle\":\"jo\"}", {}, "application/json");
  EXPECT_EQ(json.status, 415u);
  EXPECT_EQ(ParseResponse(json).error().code(), v1::Error::INVALID_ARGUMENT);

  sdk::HttpReply get = Call("GET", Origin());
  EXPECT_EQ(get.status, 405u);
  EXPECT_EQ(get.Header("Allow"), "POST, DELETE");

  sdk::HttpReply huge = Call("POST", Origin(), LoginBody("jo", std::string(8 * 1024, 'p')));
  EXPECT_EQ(huge.status, 413u);
}

TEST_F(BrowserSessionTest, LoginIsRecordedInTheAccessLog) {
  CookieLogin();
  Person auditor = world_->AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);
  v1::QueryAuditRequest query;
  query.set_user_handle("jo");
  query.set_event_type("login");
  auto log = auditor->QueryAudit(query);
  ASSERT_TRUE(IsOk(log));
  bool found = false;
  for (const auto& e : log->events()) {
    found = found || (e.app() == "kring-web/test" && e.outcome() == v1::AUDIT_OUTCOME_SUCCESS);
  }
  EXPECT_TRUE(found) << log->DebugString();
}

TEST_F(BrowserSessionTest, ConcurrentLoginsAreThrottledOrGetTheirOwnSession) {
  constexpr int kLogins = 6;
  std::vector<sdk::HttpReply> replies(kLogins);
  std::vector<std::thread> threads;
  for (int i = 0; i < kLogins; ++i) {
    threads.emplace_back(
        [&, i] { replies[i] = PostLogin("jo", World::PasswordFor("jo"), Origin()); });
  }
  for (auto& t : threads) t.join();
  // One password check per handle at a time (the login throttle): the others hear 429, as a
  // WebSocket login would; each that got in has a session of its own.
  std::set<std::string> tokens;
  size_t logged_in = 0;
  for (const auto& reply : replies) {
    EXPECT_TRUE(reply.status == 200u || reply.status == 429u) << reply.status;
    if (reply.status != 200u) continue;
    ++logged_in;
    tokens.insert(CookieToken(reply.Header("Set-Cookie")));
  }
  EXPECT_GE(logged_in, 1u);
  EXPECT_EQ(tokens.size(), logged_in);
  for (const std::string& token : tokens) {
    auto channel = OpenSocket(token, Origin());
    ASSERT_TRUE(IsOk(channel));
    std::optional<v1::Response> me = WhoAmI(**channel);
    ASSERT_TRUE(me && me->has_who_am_i());
  }
}

TEST_F(BrowserSessionTest, CookieSocketIsAuthenticatedFromTheStart) {
  const std::string token = CookieLogin();
  auto channel = OpenSocket(token, Origin());
  ASSERT_TRUE(IsOk(channel));
  std::optional<v1::Response> me = WhoAmI(**channel);
  ASSERT_TRUE(me);
  ASSERT_TRUE(me->has_who_am_i()) << me->DebugString();
  EXPECT_EQ(me->who_am_i().account().handle(), "jo");
}

TEST_F(BrowserSessionTest, CookieWithAForeignOriginIsRefusedBeforeTheUpgrade) {
  const std::string token = CookieLogin();
  // Cross-site WebSocket hijacking: a page of another site opens a socket with our cookie.
  EXPECT_EQ(Upgrade(token, "https://evil.example").status, 403u);
  EXPECT_EQ(Upgrade(token, "").status, 403u);
  EXPECT_EQ(Upgrade(token, "null").status, 403u);
  auto channel = OpenSocket(token, "https://evil.example");
  EXPECT_FALSE(channel.ok());
  // The allowed origin upgrades.
  EXPECT_EQ(Upgrade(token, Origin()).status, 101u);
}

TEST_F(BrowserSessionTest, SocketsWithoutACookieAreUnchanged) {
  for (const std::string origin : {std::string(), std::string("https://evil.example"), Origin()}) {
    auto channel = OpenSocket("", origin);
    ASSERT_TRUE(IsOk(channel)) << origin;
    std::optional<v1::Response> me = WhoAmI(**channel);
    ASSERT_TRUE(me);
    EXPECT_EQ(me->error().code(), v1::Error::UNAUTHENTICATED) << origin;
    // Token login works on it as always.
    v1::ClientFrame login;
    login.set_request_id(8);
    login.mutable_login()->set_handle("jo");
    login.mutable_login()->set_password(World::PasswordFor("jo"));
    std::optional<v1::Response> in = RawCall(**channel, login);
    ASSERT_TRUE(in);
    EXPECT_TRUE(in->has_login()) << in->DebugString();
  }
}

TEST_F(BrowserSessionTest, ABadOrEndedCookieLeavesTheSocketLoggedOut) {
  const std::string token = CookieLogin();
  ASSERT_EQ(Call("DELETE", Origin(), {}, token).status, 204u);
  for (const std::string cookie : {std::string("not-a-token"), token}) {
    auto channel = OpenSocket(cookie, Origin());
    ASSERT_TRUE(IsOk(channel)) << cookie;
    std::optional<v1::Response> me = WhoAmI(**channel);
    ASSERT_TRUE(me);
    EXPECT_EQ(me->error().code(), v1::Error::UNAUTHENTICATED) << cookie;
  }
}

TEST_F(BrowserSessionTest, DeleteEndsTheSessionAndItsSockets) {
  const std::string token = CookieLogin();
  auto channel = OpenSocket(token, Origin());
  ASSERT_TRUE(IsOk(channel));
  ASSERT_TRUE(WhoAmI(**channel)->has_who_am_i());

  // Another site cannot log the person out.
  EXPECT_EQ(Call("DELETE", "https://evil.example", {}, token).status, 403u);
  ASSERT_TRUE(WhoAmI(**channel)->has_who_am_i());

  sdk::HttpReply reply = Call("DELETE", Origin(), {}, token);
  EXPECT_EQ(reply.status, 204u);
  const std::string cleared = reply.Header("Set-Cookie");
  EXPECT_EQ(cleared.rfind("kring_session=;", 0), 0u) << cleared;
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;

  bool ended = false;
  while (auto frame = (*channel)->NextServerFrame(kWait)) {
    if (frame->has_event() && frame->event().has_session_ended()) {
      ended = true;
      break;
    }
  }
  EXPECT_TRUE(ended);
  std::optional<sdk::CloseInfo> closed = (*channel)->WaitClosed(kWait);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_SESSION_ENDED);

  auto conn = world_->Connect();
  EXPECT_TRUE(IsError(conn->ResumeSession(token), v1::Error::UNAUTHENTICATED));
  // Without a cookie there is nothing to end; the cookie is cleared all the same.
  EXPECT_EQ(Call("DELETE", Origin()).status, 204u);
}

TEST_F(BrowserSessionTest, DisablingTheAccountEndsTheCookieSocket) {
  const std::string token = CookieLogin();
  auto channel = OpenSocket(token, Origin());
  ASSERT_TRUE(IsOk(channel));
  ASSERT_TRUE(WhoAmI(**channel)->has_who_am_i());
  ASSERT_TRUE(IsOk(world_->admin()->DisableAccount("jo")));
  std::optional<sdk::CloseInfo> closed = (*channel)->WaitClosed(kWait);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, v1::CLOSE_CODE_SESSION_ENDED);
}

// The login throttle counts POST /v1/session and WebSocket logins together.
class BrowserSessionThrottleTest : public BrowserSessionTest {
 protected:
  static KringdConfig Throttled() {
    KringdConfig config;
    config.free_failures = 2;
    config.base_delay_ms = 600'000;  // nobody waits this out in a test
    return config;
  }
  BrowserSessionThrottleTest() : BrowserSessionTest(Throttled()) {}
};

TEST_F(BrowserSessionThrottleTest, FailedCookieLoginsAreThrottledLikeSocketLogins) {
  auto conn = world_->Connect();
  EXPECT_TRUE(IsError(conn->Login("jo", "wrong-password-1"), v1::Error::UNAUTHENTICATED));
  EXPECT_EQ(PostLogin("jo", "wrong-password-2", Origin()).status, 401u);
  // The third failure is past the two free ones: from here the handle waits.
  EXPECT_EQ(PostLogin("jo", "wrong-password-3", Origin()).status, 401u);
  sdk::HttpReply throttled = PostLogin("jo", World::PasswordFor("jo"), Origin());
  EXPECT_EQ(throttled.status, 429u);
  v1::Response response = ParseResponse(throttled);
  EXPECT_EQ(response.error().code(), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_GT(response.error().retry_after_ms(), 0u);
  EXPECT_EQ(throttled.Header("Set-Cookie"), "");
  // And the socket login is throttled by the cookie login's failure as well.
  EXPECT_TRUE(IsError(world_->Connect()->Login("jo", World::PasswordFor("jo")),
                      v1::Error::RESOURCE_EXHAUSTED));
}

}  // namespace
}  // namespace kring::integration
