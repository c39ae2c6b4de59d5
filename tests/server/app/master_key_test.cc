// The master key (server/app/master_key.h): refused when missing, not 32 bytes or readable by
// group or others; found in config, in systemd's credentials, or made once in dev mode.
#include "server/app/master_key.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace kring::app {
namespace {

namespace fs = std::filesystem;

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kring-master-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ::unsetenv("CREDENTIALS_DIRECTORY");
  }
  void TearDown() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string KeyFile(const std::string& name, const std::string& bytes, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::string ErrorOf(const std::string& path) {
    StatusOr<SealingKey> key = ReadMasterKeyFile(path);
    EXPECT_FALSE(key.ok()) << path;
    EXPECT_EQ(key.status().code(), Code::kInvalidArgument);
    return key.ok() ? "" : key.status().detail();
  }

  std::string dir_;
  SystemRandom random_;
};

TEST_F(MasterKeyTest, AGoodFileIsRead) {
  const std::string raw(32, 'k');
  StatusOr<SealingKey> key = ReadMasterKeyFile(KeyFile("good.key", raw, 0600));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(std::string(key->bytes.begin(), key->bytes.end()), raw);
  EXPECT_TRUE(ReadMasterKeyFile(KeyFile("owner-only.key", raw, 0400)).ok());
}

TEST_F(MasterKeyTest, AnUnsafeOrWrongFileIsRefusedSayingWhy) {
  EXPECT_NE(ErrorOf(KeyFile("group.key", std::string(32, 'k'), 0640)).find("group or others"),
            std::string::npos);
  EXPECT_NE(ErrorOf(KeyFile("world.key", std::string(32, 'k'), 0604)).find("chmod 600"),
            std::string::npos);
  EXPECT_NE(ErrorOf(KeyFile("short.key", std::string(31, 'k'), 0600)).find("exactly 32 bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(KeyFile("long.key", std::string(64, 'k'), 0600)).find("exactly 32 bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dir_ + "/absent.key").find("absent.key"), std::string::npos);
  EXPECT_NE(ErrorOf(dir_).find("not a regular file"), std::string::npos);
}

TEST_F(MasterKeyTest, DevModeMakesOneBesideTheCertificateOnceAndKeepsIt) {
  Config config;
  config.server.data_dir = dir_ + "/data";
  bool made = false;
  StatusOr<SealingKey> first = LoadMasterKey(config, random_, &made);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(made);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/data/tls/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  StatusOr<SealingKey> second = LoadMasterKey(config, random_, &made);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(made);
  EXPECT_EQ(first->bytes, second->bytes);
}

TEST_F(MasterKeyTest, OutsideDevModeOneMustBeGiven) {
  Config config;
  config.server.data_dir = dir_ + "/data";
  config.tls.cert_file = dir_ + "/cert.pem";
  StatusOr<SealingKey> none = LoadMasterKey(config, random_);
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_NE(none.status().detail().find("master_key_file"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/data"));  // nothing made

  const std::string raw(32, 'c');
  KeyFile("kring-master-key", raw, 0400);
  ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
  StatusOr<SealingKey> credential = LoadMasterKey(config, random_);
  ASSERT_TRUE(credential.ok()) << credential.status().ToString();
  EXPECT_EQ(std::string(credential->bytes.begin(), credential->bytes.end()), raw);

  config.storage.master_key_file = KeyFile("configured.key", std::string(32, 'f'), 0600);
  EXPECT_EQ(LoadMasterKey(config, random_)->bytes[0], 'f');  // the config wins
}

}  // namespace
}  // namespace kring::app
