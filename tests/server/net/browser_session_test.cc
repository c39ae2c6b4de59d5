// The cookie and Origin rules of the browser's session, without sockets.
#include "server/net/browser_session.h"

#include <gtest/gtest.h>

namespace kring::net {
namespace {

TEST(SessionCookieTest, FoundAmongOthers) {
  EXPECT_EQ(SessionCookieFrom("kring_session=abc-_12"), "abc-_12");
  EXPECT_EQ(SessionCookieFrom("a=1; kring_session=tok; b=2"), "tok");
  EXPECT_EQ(SessionCookieFrom("a=1;kring_session=\"tok\""), "tok");
  EXPECT_EQ(SessionCookieFrom("kring_session=first; kring_session=second"), "first");
}

TEST(SessionCookieTest, AbsentEmptyOrOdd) {
  EXPECT_EQ(SessionCookieFrom(""), std::nullopt);
  EXPECT_EQ(SessionCookieFrom("a=1; b=2"), std::nullopt);
  EXPECT_EQ(SessionCookieFrom("kring_session="), std::nullopt);
  EXPECT_EQ(SessionCookieFrom("xkring_session=tok"), std::nullopt);
  EXPECT_EQ(SessionCookieFrom("kring_sessionx=tok"), std::nullopt);
  EXPECT_EQ(SessionCookieFrom("kring_session=a b"), std::nullopt);
  EXPECT_EQ(SessionCookieFrom("kring_session=a,b"), std::nullopt);
}

TEST(SessionCookieTest, SetCookieIsHttpOnlySecureStrict) {
  EXPECT_EQ(SessionCookie("tok", 3600),
            "kring_session=tok; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionCookie("tok", -5),
            "kring_session=tok; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
  EXPECT_EQ(ClearedSessionCookie(),
            "kring_session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
}

TEST(OriginTest, ExactMatchOnly) {
  const std::vector<std::string> allowed = {"https://kring.example.org", "https://localhost:8443"};
  EXPECT_TRUE(OriginAllowed(allowed, "https://kring.example.org"));
  EXPECT_TRUE(OriginAllowed(allowed, "https://KRING.example.org"));
  EXPECT_TRUE(OriginAllowed(allowed, "https://localhost:8443"));
  EXPECT_FALSE(OriginAllowed(allowed, "http://kring.example.org"));
  EXPECT_FALSE(OriginAllowed(allowed, "https://kring.example.org:8443"));
  EXPECT_FALSE(OriginAllowed(allowed, "https://kring.example.org.evil.test"));
  EXPECT_FALSE(OriginAllowed(allowed, "https://evil.test"));
  EXPECT_FALSE(OriginAllowed(allowed, "https://localhost:8444"));
  EXPECT_FALSE(OriginAllowed(allowed, "null"));
  EXPECT_FALSE(OriginAllowed(allowed, ""));
  EXPECT_FALSE(OriginAllowed({}, "https://kring.example.org"));
}

TEST(OriginTest, LocalOriginsOfThePort) {
  const std::vector<std::string> local = LocalOrigins(8443);
  EXPECT_TRUE(OriginAllowed(local, "https://localhost:8443"));
  EXPECT_TRUE(OriginAllowed(local, "https://127.0.0.1:8443"));
  EXPECT_TRUE(OriginAllowed(local, "https://[::1]:8443"));
  EXPECT_FALSE(OriginAllowed(local, "https://localhost:9000"));
  EXPECT_FALSE(OriginAllowed(local, "http://localhost:8443"));
}

TEST(HttpStatusTest, TypedErrorsMapToStatuses) {
  EXPECT_EQ(HttpStatusFor(v1::Error::UNAUTHENTICATED), 401u);
  EXPECT_EQ(HttpStatusFor(v1::Error::RESOURCE_EXHAUSTED), 429u);
  EXPECT_EQ(HttpStatusFor(v1::Error::INVALID_ARGUMENT), 400u);
  EXPECT_EQ(HttpStatusFor(v1::Error::PERMISSION_DENIED), 403u);
  EXPECT_EQ(HttpStatusFor(v1::Error::INTERNAL), 500u);
}

}  // namespace
}  // namespace kring::net
