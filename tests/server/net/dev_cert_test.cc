#include "server/net/dev_cert.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace kring::net {
namespace {

class DevCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/kring-devcert-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    root_ = dir_template;
    data_dir_ = root_ + "/data";  // not there yet: EnsureDevCertificate creates it
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static mode_t Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }

  std::string root_;
  std::string data_dir_;
};

TEST_F(DevCertTest, CreatesAnEcP256CertificateForLocalhost) {
  auto cert = EnsureDevCertificate(data_dir_);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_TRUE(cert->created);
  EXPECT_EQ(cert->cert_file, data_dir_ + "/tls/cert.pem");
  EXPECT_EQ(cert->key_file, data_dir_ + "/tls/key.pem");
  EXPECT_EQ(Mode(cert->key_file), 0600u);
  EXPECT_EQ(Mode(cert->cert_file), 0600u);
  EXPECT_EQ(Mode(data_dir_ + "/tls"), 0700u);
  EXPECT_EQ(Mode(data_dir_), 0700u);

  FILE* f = fopen(cert->cert_file.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> x509(PEM_read_X509(f, nullptr, nullptr, nullptr),
                                                   &X509_free);
  fclose(f);
  ASSERT_NE(x509, nullptr);

  EVP_PKEY* key = X509_get0_pubkey(x509.get());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  char group[64] = {};
  size_t group_len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof(group), &group_len), 1);
  EXPECT_STREQ(group, "prime256v1");

  EXPECT_EQ(X509_check_host(x509.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x509.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x509.get(), "::1", 0), 1);
  EXPECT_NE(X509_check_host(x509.get(), "example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_verify(x509.get(), key), 1);  // self-signed
}

TEST_F(DevCertTest, ReusesAnExistingCertificate) {
  auto first = EnsureDevCertificate(data_dir_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const std::string pem = Slurp(first->cert_file);
  auto second = EnsureDevCertificate(data_dir_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(Slurp(second->cert_file), pem);
}

TEST_F(DevCertTest, LeavesUnreadableFilesAloneWithAClearError) {
  std::filesystem::create_directories(data_dir_ + "/tls");
  std::ofstream(data_dir_ + "/tls/cert.pem") << "not a certificate";
  auto cert = EnsureDevCertificate(data_dir_);
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(cert.status().detail().find("remove"), std::string::npos);
  EXPECT_EQ(Slurp(data_dir_ + "/tls/cert.pem"), "not a certificate");
}

}  // namespace
}  // namespace kring::net
