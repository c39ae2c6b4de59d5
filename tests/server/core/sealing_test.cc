// Sealing (server/core/sealing.h): what goes in comes out only with the same key and the same
// record identity; anything else, or any changed byte, is refused rather than returned garbled.
#include "server/core/sealing.h"

#include <gtest/gtest.h>

#include <string>

namespace kring {
namespace {

const std::string kText = "Ik heb de uitslag van de huisarts: عربى ትግርኛ";

class SealingTest : public ::testing::Test {
 protected:
  SystemRandom random_;
  SealingKey key_ = SealingKey::Generate(random_);
};

TEST_F(SealingTest, WhatIsSealedOpensWithTheSameKeyAndRecord) {
  const std::string sealed = Seal(key_, kText, "message 7/12/3", random_);
  EXPECT_EQ(sealed.size(), kText.size() + kSealOverhead);
  EXPECT_EQ(sealed.find("huisarts"), std::string::npos) << "the text is in the clear";
  StatusOr<std::string> opened = Open(key_, sealed, "message 7/12/3");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, kText);
  EXPECT_EQ(*Open(key_, Seal(key_, "", "empty", random_), "empty"), "");
}

TEST_F(SealingTest, TheSameTextSealsDifferentlyEachTime) {
  EXPECT_NE(Seal(key_, kText, "a", random_), Seal(key_, kText, "a", random_));
}

TEST_F(SealingTest, AValueMovedToAnotherRecordDoesNotOpen) {
  const std::string sealed = Seal(key_, kText, "message 7/12/3", random_);
  EXPECT_EQ(Open(key_, sealed, "message 7/12/4").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(Open(key_, sealed, "").status().code(), Code::kFailedPrecondition);
}

TEST_F(SealingTest, AnotherKeyDoesNotOpenIt) {
  const std::string sealed = Seal(key_, kText, "r", random_);
  const SealingKey other = SealingKey::Generate(random_);
  EXPECT_EQ(Open(other, sealed, "r").status().code(), Code::kFailedPrecondition);
}

TEST_F(SealingTest, AnyChangedOrMissingByteIsRefused) {
  const std::string sealed = Seal(key_, kText, "r", random_);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string damaged = sealed;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    EXPECT_FALSE(Open(key_, damaged, "r").ok()) << "byte " << i;
  }
  for (size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_FALSE(Open(key_, sealed.substr(0, n), "r").ok()) << "first " << n << " bytes";
  }
  EXPECT_FALSE(Open(key_, sealed + "x", "r").ok());
}

TEST_F(SealingTest, ANetworkKeyUnwrapsOnlyForItsNetworkUnderItsMaster) {
  const SealingKey master = SealingKey::Generate(random_);
  const SealingKey network_key = SealingKey::Generate(random_);
  const std::string wrapped = WrapNetworkKey(master, 42, network_key, random_);
  StatusOr<SealingKey> unwrapped = UnwrapNetworkKey(master, 42, wrapped);
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_EQ(unwrapped->bytes, network_key.bytes);
  EXPECT_FALSE(UnwrapNetworkKey(master, 43, wrapped).ok());
  EXPECT_FALSE(UnwrapNetworkKey(SealingKey::Generate(random_), 42, wrapped).ok());
  // Rotation: the same network key wrapped under a new master, content untouched.
  const SealingKey next_master = SealingKey::Generate(random_);
  const std::string rewrapped = WrapNetworkKey(next_master, 42, *unwrapped, random_);
  EXPECT_EQ(UnwrapNetworkKey(next_master, 42, rewrapped)->bytes, network_key.bytes);
}

TEST_F(SealingTest, AKeyIsExactly32Bytes) {
  EXPECT_FALSE(SealingKey::FromBytes(std::string(31, 'k')).ok());
  EXPECT_FALSE(SealingKey::FromBytes(std::string(33, 'k')).ok());
  EXPECT_TRUE(SealingKey::FromBytes(std::string(32, 'k')).ok());
}

}  // namespace
}  // namespace kring
