// The web root's decisions without sockets: which paths are safe, MIME types, caching, the app's
// routes falling back to index.html, and symlinks that lead out of the root.
#include "server/net/static_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace kring::net {
namespace {

namespace fs = std::filesystem;

TEST(SafeRelativePathTest, PlainPathsAreDecodedOnce) {
  EXPECT_EQ(SafeRelativePath("/"), "");
  EXPECT_EQ(SafeRelativePath(""), "");
  EXPECT_EQ(SafeRelativePath("/index.html"), "index.html");
  EXPECT_EQ(SafeRelativePath("/assets/app-3F2A1B9C.js"), "assets/app-3F2A1B9C.js");
  EXPECT_EQ(SafeRelativePath("/assets/"), "assets/");
  EXPECT_EQ(SafeRelativePath("/networks/12"), "networks/12");
  EXPECT_EQ(SafeRelativePath("/a%20b.txt"), "a b.txt");
  EXPECT_EQ(SafeRelativePath("/%252e%252e/x"), "%2e%2e/x");  // decoded once only: a plain name
}

TEST(SafeRelativePathTest, TraversalAndOddBytesAreRefused) {
  for (const char* path : {"/..",
                           "/../etc/passwd",
                           "/assets/../../etc/passwd",
                           "/%2e%2e/etc/passwd",
                           "/%2E%2E%2Fetc%2Fpasswd",
                           "/..%2fetc",
                           "/.%2e/x",
                           "/./index.html",
                           "/.git/config",
                           "/assets/.hidden",
                           "/index.html%00.png",
                           "/a%0ab",
                           "/a\\..\\b",
                           "/a%5c..%5cb",
                           "//etc/passwd",
                           "/a//b",
                           "/%",
                           "/%2",
                           "/%zz",
                           "index.html"}) {
    EXPECT_EQ(SafeRelativePath(path), std::nullopt) << path;
  }
  EXPECT_EQ(SafeRelativePath(std::string_view("/a\0b", 4)), std::nullopt);
}

TEST(MimeTypeTest, TheAppsFileTypes) {
  EXPECT_EQ(MimeTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("assets/app-3F2A.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("assets/app-3F2A.css"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("messages.json"), "application/json");
  EXPECT_EQ(MimeTypeFor("icon.svg"), "image/svg+xml");
  EXPECT_EQ(MimeTypeFor("icon-192.png"), "image/png");
  EXPECT_EQ(MimeTypeFor("assets/noto-ethiopic.woff2"), "font/woff2");
  EXPECT_EQ(MimeTypeFor("manifest.webmanifest"), "application/manifest+json");
  EXPECT_EQ(MimeTypeFor("favicon.ico"), "image/x-icon");
  EXPECT_EQ(MimeTypeFor("robots.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("data.bin"), "application/octet-stream");
  EXPECT_EQ(MimeTypeFor("Makefile"), "application/octet-stream");
  EXPECT_EQ(MimeTypeFor("v1.2/README"), "application/octet-stream");
}

TEST(CacheControlTest, HashedAssetsAreImmutableTheRestRevalidates) {
  EXPECT_EQ(CacheControlFor("assets/app-3F2A1B9C.js"), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor("assets/fonts/x.woff2"), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor("index.html"), "no-cache");
  EXPECT_EQ(CacheControlFor("manifest.webmanifest"), "no-cache");
  EXPECT_EQ(CacheControlFor("assetsx/app.js"), "no-cache");
}

TEST(SecurityHeadersTest, TheContractsPolicy) {
  std::string csp;
  for (const auto& [name, value] : kSecurityHeaders) {
    if (name == "Content-Security-Policy") csp = value;
  }
  EXPECT_EQ(csp,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'");
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
}

class WebRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kring-webroot-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/dist";
    fs::create_directories(root_ + "/assets");
    Write(root_ + "/index.html", "<!doctype html><title>Kring</title>");
    Write(root_ + "/assets/app-3F2A1B9C.js", "console.log(1)");
    Write(dir_ + "/secret.txt", "outside");
    fs::create_directories(dir_ + "/dist-other");
    Write(dir_ + "/dist-other/x.txt", "sibling");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  std::string dir_;
  std::string root_;
};

TEST_F(WebRootTest, ServesFilesWithTypeAndCaching) {
  WebRoot web(root_);
  StaticFile index = web.Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>Kring</title>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.cache_control, "no-cache");

  StaticFile js = web.Get("/assets/app-3F2A1B9C.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.cache_control, "public, max-age=31536000, immutable");
}

TEST_F(WebRootTest, AppRoutesLoadIndexFilesAndApiDoNot) {
  WebRoot web(root_);
  for (const char* route : {"/networks", "/networks/12/threads/3", "/login"}) {
    StaticFile file = web.Get(route);
    EXPECT_EQ(file.status, 200) << route;
    EXPECT_EQ(file.relative_path, "index.html") << route;
    EXPECT_EQ(file.cache_control, "no-cache") << route;
  }
  for (const char* missing :
       {"/missing.js", "/assets/app-00000000.js", "/assets/", "/v1", "/v1/ws", "/v1/other"}) {
    EXPECT_EQ(web.Get(missing).status, 404) << missing;
  }
}

TEST_F(WebRootTest, TraversalIsRefused) {
  WebRoot web(root_);
  for (const char* path :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt", "/../dist-other/x.txt"}) {
    StaticFile file = web.Get(path);
    EXPECT_EQ(file.status, 400) << path;
    EXPECT_EQ(file.body.find("outside"), std::string::npos) << path;
  }
}

TEST_F(WebRootTest, SymlinksOutOfTheRootAreNotFollowed) {
  fs::create_symlink(dir_ + "/secret.txt", root_ + "/leak.txt");
  fs::create_directory_symlink(dir_, root_ + "/up");
  fs::create_symlink(root_ + "/index.html", root_ + "/inside.html");
  WebRoot web(root_);
  EXPECT_EQ(web.Get("/leak.txt").status, 404);
  EXPECT_EQ(web.Get("/up/secret.txt").status, 404);
  EXPECT_EQ(web.Get("/up/dist-other/x.txt").status, 404);
  // A symlink that stays inside is fine.
  EXPECT_EQ(web.Get("/inside.html").status, 200);
}

TEST_F(WebRootTest, AMissingRootIsNotFound) {
  WebRoot web(dir_ + "/no-such-dir");
  EXPECT_EQ(web.Get("/").status, 404);
  EXPECT_EQ(web.Get("/networks").status, 404);
  EXPECT_EQ(web.Get("/index.html").status, 404);
}

TEST_F(WebRootTest, ARootThatIsASymlinkWorks) {
  fs::create_directory_symlink(root_, dir_ + "/current");
  WebRoot web(dir_ + "/current");
  EXPECT_EQ(web.Get("/").status, 200);
  EXPECT_EQ(web.Get("/assets/app-3F2A1B9C.js").status, 200);
}

}  // namespace
}  // namespace kring::net
