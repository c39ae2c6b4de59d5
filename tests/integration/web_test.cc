// The web app's files served by a real kringd over TLS: types, caching, the security headers on
// every response, the app's routes, and paths that try to leave the web root.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "client-sdk/src/frame_channel.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

namespace fs = std::filesystem;

constexpr char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
constexpr char kIndex[] = "<!doctype html><script src=\"/assets/app-3F2A1B9C.js\"></script>";
constexpr char kSecret[] = "the secret outside the web root";

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A web root like the app's build output, beside a file that must never be served.
std::string MakeWebRoot() {
  std::string tmpl = (fs::temp_directory_path() / "kring-web-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
  const fs::path dir = tmpl;
  const fs::path root = dir / "dist";
  WriteFile(root / "index.html", kIndex);
  WriteFile(root / "assets/app-3F2A1B9C.js", "console.log('kring')");
  WriteFile(root / "assets/app-3F2A1B9C.css", "body{}");
  WriteFile(root / "assets/noto-3F2A.woff2", std::string("wOF2\0\1", 6));
  WriteFile(root / "manifest.webmanifest", "{}");
  WriteFile(root / "favicon.ico", "ico");
  WriteFile(root / "icon.svg", "<svg/>");
  WriteFile(root / "icon.png", "png");
  WriteFile(root / "messages.json", "{}");
  WriteFile(root / "robots.txt", "User-agent: *");
  WriteFile(dir / "secret.txt", kSecret);
  fs::create_symlink(dir / "secret.txt", root / "leak.txt");
  fs::create_directory_symlink(dir, root / "up");
  return root.string();
}

KringdConfig WebConfig(const std::string& root) {
  KringdConfig config;
  config.web_root = root;
  return config;
}

class WebTest : public KringTest {
 protected:
  WebTest() : WebTest(MakeWebRoot()) {}
  explicit WebTest(std::string root) : KringTest(WebConfig(root)), root_(std::move(root)) {}
  ~WebTest() override {
    std::error_code ec;
    fs::remove_all(fs::path(root_).parent_path(), ec);
  }

  sdk::HttpReply Request(const std::string& method, const std::string& target) {
    sdk::HttpRequestSpec spec;
    spec.method = method;
    spec.target = target;
    return Must(sdk::HttpsRequest(kringd_.ConnectOptions(), spec), method + " " + target);
  }
  sdk::HttpReply Get(const std::string& target) { return Request("GET", target); }

  const std::string root_;
};

::testing::AssertionResult HasSecurityHeaders(const sdk::HttpReply& reply) {
  if (reply.Header("Content-Security-Policy") != kCsp) {
    return ::testing::AssertionFailure() << "CSP: " << reply.Header("Content-Security-Policy");
  }
  if (reply.Header("X-Content-Type-Options") != "nosniff") {
    return ::testing::AssertionFailure() << "no X-Content-Type-Options: nosniff";
  }
  if (reply.Header("Referrer-Policy") != "no-referrer") {
    return ::testing::AssertionFailure() << "no Referrer-Policy: no-referrer";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(WebTest, IndexAtTheRootRevalidatesEveryTime) {
  sdk::HttpReply reply = Get("/");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, kIndex);
  EXPECT_EQ(reply.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(reply.Header("Cache-Control"), "no-cache");
  EXPECT_TRUE(HasSecurityHeaders(reply));
  EXPECT_EQ(Get("/index.html").body, kIndex);
}

TEST_F(WebTest, HashedAssetsAreImmutable) {
  sdk::HttpReply js = Get("/assets/app-3F2A1B9C.js");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.body, "console.log('kring')");
  EXPECT_EQ(js.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_TRUE(HasSecurityHeaders(js));
  EXPECT_EQ(Get("/assets/noto-3F2A.woff2").body, std::string("wOF2\0\1", 6));
}

TEST_F(WebTest, MimeTypes) {
  const std::pair<const char*, const char*> cases[] = {
      {"/assets/app-3F2A1B9C.css", "text/css; charset=utf-8"},
      {"/assets/noto-3F2A.woff2", "font/woff2"},
      {"/manifest.webmanifest", "application/manifest+json"},
      {"/favicon.ico", "image/x-icon"},
      {"/icon.svg", "image/svg+xml"},
      {"/icon.png", "image/png"},
      {"/messages.json", "application/json"},
      {"/robots.txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [target, type] : cases) {
    sdk::HttpReply reply = Get(target);
    EXPECT_EQ(reply.status, 200u) << target;
    EXPECT_EQ(reply.Header("Content-Type"), type) << target;
  }
}

TEST_F(WebTest, AppRoutesLoadTheAppButFilesAndTheApiDoNot) {
  sdk::HttpReply route = Get("/networks/12/threads/3?x=1");
  EXPECT_EQ(route.status, 200u);
  EXPECT_EQ(route.body, kIndex);
  EXPECT_EQ(route.Header("Cache-Control"), "no-cache");
  for (const char* target : {"/missing.js", "/assets/app-00000000.js", "/v1", "/v1/x", "/v1/ws"}) {
    sdk::HttpReply reply = Get(target);
    EXPECT_EQ(reply.status, 404u) << target;
    EXPECT_TRUE(HasSecurityHeaders(reply)) << target;
  }
}

TEST_F(WebTest, PathsOutOfTheRootAreRefused) {
  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/index.html%00.png",
        "/assets%5c..%5c..%5csecret.txt", "//secret.txt", "/leak.txt", "/up/secret.txt"}) {
    sdk::HttpReply reply = Get(target);
    EXPECT_TRUE(reply.status == 400u || reply.status == 404u) << target << ": " << reply.status;
    EXPECT_EQ(reply.body.find(kSecret), std::string::npos) << target;
    EXPECT_TRUE(HasSecurityHeaders(reply)) << target;
  }
}

TEST_F(WebTest, OnlyGetAndHead) {
  sdk::HttpReply head = Request("HEAD", "/assets/app-3F2A1B9C.js");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("Content-Length"), "20");
  EXPECT_EQ(head.Header("Content-Type"), "text/javascript; charset=utf-8");
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    sdk::HttpReply reply = Request(method, "/index.html");
    EXPECT_EQ(reply.status, 405u) << method;
    EXPECT_EQ(reply.Header("Allow"), "GET, HEAD") << method;
    EXPECT_TRUE(HasSecurityHeaders(reply)) << method;
  }
}

TEST_F(WebTest, SecurityHeadersOnEveryResponse) {
  for (const char* target : {"/healthz", "/readyz", "/no-such.file"}) {
    EXPECT_TRUE(HasSecurityHeaders(Get(target))) << target;
  }
  sdk::HttpRequestSpec big;
  big.method = "POST";
  big.target = "/v1/session";
  big.body = std::string(16 * 1024, 'x');
  auto reply = sdk::HttpsRequest(kringd_.ConnectOptions(), big);
  ASSERT_TRUE(IsOk(reply));
  EXPECT_EQ(reply->status, 413u);
  EXPECT_TRUE(HasSecurityHeaders(*reply));
}

// Without a web root (the directory does not exist) nothing else changes.
class NoWebRootTest : public KringTest {};

TEST_F(NoWebRootTest, RootIsNotFoundAndTheRestWorks) {
  auto root = sdk::HttpsGet(kringd_.ConnectOptions(), "/");
  ASSERT_TRUE(IsOk(root));
  EXPECT_EQ(root->status, 404u);
  EXPECT_TRUE(HasSecurityHeaders(*root));
  auto health = sdk::HttpsGet(kringd_.ConnectOptions(), "/healthz");
  ASSERT_TRUE(IsOk(health));
  EXPECT_EQ(health->status, 200u);
  EXPECT_TRUE(IsOk(sdk::Connection::Open(kringd_.ConnectOptions())));
}

}  // namespace
}  // namespace kring::integration
