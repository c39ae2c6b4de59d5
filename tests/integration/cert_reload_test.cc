// Certificate renewal without downtime: a new pair written over kringd's files (as an ACME client
// does) is served to new connections after SIGHUP (`systemctl reload kringd`); connections open
// before it carry on; a bad pair is refused with a log line and the old one stays.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/world.h"
#include "tests/support/child_process.h"

namespace kring::integration {
namespace {

namespace fs = std::filesystem;

class CertReloadTest : public KringTest {
 protected:
  // A new self-signed pair for 127.0.0.1 and localhost, made by Debian's openssl.
  void MakePair(const std::string& cert, const std::string& key) {
    process::SpawnOptions options;
    options.stderr_path = kringd_.dir() + "/openssl.log";
    std::string error;
    auto child = process::Spawn(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
         "subjectAltName=IP:127.0.0.1,DNS:localhost"},
        options, &error);
    ASSERT_TRUE(child) << error;
    auto status = process::WaitForExit(child->pid, std::chrono::steady_clock::now() + 30s);
    ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }
  sdk::ConnectOptions Trusting(const std::string& ca_file) const {
    sdk::ConnectOptions options = kringd_.ConnectOptions();
    options.ca_file = ca_file;
    return options;
  }
};

TEST_F(CertReloadTest, SighupServesTheRenewedPairAndKeepsOpenConnections) {
  Person ruth = world_->AddClient("ruth");
  const std::string old_cert = kringd_.dir() + "/old-cert.pem";
  fs::copy_file(kringd_.ca_file(), old_cert);
  const std::string renewed_cert = kringd_.dir() + "/renewed-cert.pem";
  const std::string renewed_key = kringd_.dir() + "/renewed-key.pem";
  MakePair(renewed_cert, renewed_key);
  const std::string tls_dir = kringd_.data_dir() + "/tls";
  const auto overwrite = fs::copy_options::overwrite_existing;
  fs::copy_file(renewed_key, tls_dir + "/key.pem", overwrite);
  fs::copy_file(renewed_cert, tls_dir + "/cert.pem", overwrite);
  // Not yet reloaded: still the old certificate.
  EXPECT_FALSE(sdk::HttpsGet(Trusting(renewed_cert), "/healthz").ok());

  kringd_.Signal(SIGHUP);
  EXPECT_TRUE(PollUntil([&] { return sdk::HttpsGet(Trusting(renewed_cert), "/healthz").ok(); }));
  EXPECT_FALSE(sdk::HttpsGet(Trusting(old_cert), "/healthz").ok());
  // Ruth's connection, opened before, carries on.
  EXPECT_TRUE(IsOk(ruth->WhoAmI()));

  // A broken key: refused with a log line; the renewed pair stays.
  std::ofstream(tls_dir + "/key.pem", std::ios::trunc) << "-----BEGIN PRIVATE KEY-----\nbroken\n";
  kringd_.Signal(SIGHUP);
  EXPECT_TRUE(PollUntil(
      [&] { return kringd_.StderrLog().find("TLS reload refused") != std::string::npos; }));
  EXPECT_TRUE(sdk::HttpsGet(Trusting(renewed_cert), "/healthz").ok());
  EXPECT_TRUE(IsOk(ruth->WhoAmI()));
  EXPECT_TRUE(kringd_.running());
}

}  // namespace
}  // namespace kring::integration
