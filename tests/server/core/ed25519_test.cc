#include "server/core/ed25519.h"

#include <gtest/gtest.h>

namespace kring::ed25519 {
namespace {

TEST(Ed25519Test, SignsAndVerifies) {
  auto key = GeneratePrivateKeyPem();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto pub = PublicKeyPem(*key);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  auto sig = Sign(*key, "kring-audit-checkpoint/v1\nkringd\n42\n");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(Verify(*pub, "kring-audit-checkpoint/v1\nkringd\n42\n", *sig).ok());
}

TEST(Ed25519Test, AChangedMessageOrAnotherKeyFails) {
  auto key = GeneratePrivateKeyPem();
  auto other = GeneratePrivateKeyPem();
  ASSERT_TRUE(key.ok() && other.ok());
  auto sig = Sign(*key, "count 42");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(Verify(*PublicKeyPem(*key), "count 43", *sig).code(), Code::kPermissionDenied);
  EXPECT_EQ(Verify(*PublicKeyPem(*other), "count 42", *sig).code(), Code::kPermissionDenied);
  std::string flipped = *sig;
  flipped[10] ^= 1;
  EXPECT_EQ(Verify(*PublicKeyPem(*key), "count 42", flipped).code(), Code::kPermissionDenied);
}

TEST(Ed25519Test, RefusesWhatIsNotAnEd25519Key) {
  EXPECT_EQ(Sign("not a key", "x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(PublicKeyPem("").status().code(), Code::kInvalidArgument);
  auto key = GeneratePrivateKeyPem();
  ASSERT_TRUE(key.ok());
  // A private key where a public one belongs.
  EXPECT_EQ(Verify(*key, "x", std::string(64, '\0')).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kring::ed25519
