// The attachment endpoints' paths, credentials and download headers
// (server/net/attachment_rules.h).
#include "server/net/attachment_rules.h"

#include <gtest/gtest.h>

namespace kring::net {
namespace {

const std::vector<std::string> kOrigins = {"https://localhost:8443"};

TEST(AttachmentRulesTest, UploadTargets) {
  auto t = ParseUploadTarget("/v1/networks/12/threads/34/attachments?name=mijn%20cv.pdf");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->network_id, 12u);
  EXPECT_EQ(t->thread_id, 34u);
  EXPECT_EQ(t->name, "mijn cv.pdf");
  EXPECT_EQ(ParseUploadTarget("/v1/networks/12/threads/34/attachments?name=%E2%82%AC.txt")->name,
            "\xe2\x82\xac.txt");
  for (const char* bad :
       {"/v1/networks/0/threads/34/attachments", "/v1/networks/x/threads/34/attachments",
        "/v1/networks/12/threads/34/attachments/5", "/v1/networks/12/threads/34",
        "/v1/networks/12/threads/34/attachments?name=%zz",
        "/v1/networks/12/threads/34/attachments?name=%4", "/v1/networks/-1/threads/34/attachments",
        "/v1/networks/99999999999999999999/threads/1/attachments"}) {
    EXPECT_FALSE(ParseUploadTarget(bad)) << bad;
  }
}

TEST(AttachmentRulesTest, DownloadTargets) {
  auto t = ParseDownloadTarget("/v1/networks/12/attachments/56");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->network_id, 12u);
  EXPECT_EQ(t->attachment_id, 56u);
  EXPECT_FALSE(t->thumbnail);
  EXPECT_TRUE(ParseDownloadTarget("/v1/networks/12/attachments/56/thumbnail")->thumbnail);
  for (const char* bad : {"/v1/networks/12/attachments", "/v1/networks/12/attachments/56/x",
                          "/v1/networks/12/attachments/0", "/v1/networks//attachments/5"}) {
    EXPECT_FALSE(ParseDownloadTarget(bad)) << bad;
  }
}

TEST(AttachmentRulesTest, ABearerTokenOrTheCookieFromAnAllowedOrigin) {
  EXPECT_EQ(CredentialsOf("Bearer abc", "", "", kOrigins, true).token, "abc");
  EXPECT_FALSE(CredentialsOf("Bearer ", "", "", kOrigins, true).token);
  EXPECT_FALSE(CredentialsOf("Basic abc", "", "", kOrigins, true).token);
  EXPECT_EQ(CredentialsOf("", "kring_session=t1", "https://localhost:8443", kOrigins, true).token,
            "t1");
  // Another site's page: refused, upload or download.
  Credentials forged =
      CredentialsOf("", "kring_session=t1", "https://evil.example", kOrigins, false);
  EXPECT_FALSE(forged.token);
  EXPECT_TRUE(forged.refused);
  // No Origin: a download link may be followed (SameSite=Strict keeps other sites out); an upload
  // may not.
  EXPECT_EQ(CredentialsOf("", "kring_session=t1", "", kOrigins, false).token, "t1");
  EXPECT_FALSE(CredentialsOf("", "kring_session=t1", "", kOrigins, true).token);
  EXPECT_FALSE(CredentialsOf("", "", "", kOrigins, false).token);
}

TEST(AttachmentRulesTest, TheNameIsEncodedForContentDisposition) {
  EXPECT_EQ(ContentDisposition("cv.pdf"), "attachment; filename*=UTF-8''cv.pdf");
  EXPECT_EQ(ContentDisposition("a b\";\r\n.pdf"),
            "attachment; filename*=UTF-8''a%20b%22%3B%0D%0A.pdf");
  EXPECT_EQ(ContentDisposition("\xe2\x82\xac"), "attachment; filename*=UTF-8''%E2%82%AC");
}

}  // namespace
}  // namespace kring::net
