// HTTPS on kringd's port: health endpoints, 404s, and that apps verify the certificate.
#include <gtest/gtest.h>

#include "client-sdk/src/frame_channel.h"
#include "kring/connection.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class HttpTest : public KringTest {};

TEST_F(HttpTest, HealthzAnswersOk) {
  sdk::Result<sdk::HttpReply> reply = sdk::HttpsGet(kringd_.ConnectOptions(), "/healthz");
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply->status, 200u);
  EXPECT_EQ(reply->body, "ok");
}

TEST_F(HttpTest, ReadyzAnswersReady) {
  sdk::Result<sdk::HttpReply> reply = sdk::HttpsGet(kringd_.ConnectOptions(), "/readyz");
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply->status, 200u);
  EXPECT_EQ(reply->body, "ready");
}

TEST_F(HttpTest, UnknownPathIs404) {
  for (const char* target : {"/", "/v1", "/v2/ws", "/healthz/x"}) {
    sdk::Result<sdk::HttpReply> reply = sdk::HttpsGet(kringd_.ConnectOptions(), target);
    ASSERT_TRUE(IsOk(reply)) << target;
    EXPECT_EQ(reply->status, 404u) << target;
  }
}

TEST_F(HttpTest, WebSocketConnectsWithPinnedCertificate) {
  sdk::Result<std::unique_ptr<sdk::Connection>> conn =
      sdk::Connection::Open(kringd_.ConnectOptions());
  ASSERT_TRUE(IsOk(conn));
  EXPECT_FALSE((*conn)->closed());
}

TEST_F(HttpTest, IpAddressIsVerifiedAgainstTheCertificate) {
  sdk::ConnectOptions options = kringd_.ConnectOptions();
  options.server_name.clear();  // verify "127.0.0.1" (an IP SAN of the dev certificate)
  EXPECT_TRUE(IsOk(sdk::Connection::Open(options)));
}

TEST_F(HttpTest, UntrustedCertificateFailsToConnect) {
  sdk::ConnectOptions options = kringd_.ConnectOptions();
  options.ca_file.clear();  // the system CAs do not know the self-signed dev certificate
  sdk::Result<std::unique_ptr<sdk::Connection>> conn = sdk::Connection::Open(options);
  ASSERT_FALSE(conn.ok());
  EXPECT_TRUE(conn.error().transport);
  EXPECT_NE(conn.error().detail.find("TLS handshake"), std::string::npos) << conn.error().detail;

  sdk::Result<sdk::HttpReply> reply = sdk::HttpsGet(options, "/healthz");
  EXPECT_FALSE(reply.ok());
}

TEST_F(HttpTest, WrongServerNameFailsToConnect) {
  sdk::ConnectOptions options = kringd_.ConnectOptions();
  options.server_name = "kring.example.org";  // trusted CA, but not the certificate's name
  sdk::Result<std::unique_ptr<sdk::Connection>> conn = sdk::Connection::Open(options);
  ASSERT_FALSE(conn.ok());
  EXPECT_TRUE(conn.error().transport);
  EXPECT_FALSE(sdk::HttpsGet(options, "/healthz").ok());
}

TEST_F(HttpTest, MissingCaFileFailsToConnect) {
  sdk::ConnectOptions options = kringd_.ConnectOptions();
  options.ca_file = kringd_.dir() + "/no-such-ca.pem";
  sdk::Result<std::unique_ptr<sdk::Connection>> conn = sdk::Connection::Open(options);
  ASSERT_FALSE(conn.ok());
  EXPECT_TRUE(conn.error().transport);
}

}  // namespace
}  // namespace kring::integration
