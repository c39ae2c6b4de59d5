#include "server/core/password.h"

#include <gtest/gtest.h>

#include <string>

#include "server/core/random.h"

namespace kring {
namespace {

// Cheap enough for unit tests; the defaults take tens of milliseconds per hash.
constexpr PasswordPolicy kCheap{.time_cost = 1, .memory_kib = 1024, .parallelism = 1};

constexpr char kPassword[] = "correct horse battery";

// Deterministic bytes: each call continues one counter, or repeats `fill` when set.
class CountingRandom final : public Random {
 public:
  explicit CountingRandom(int fill = -1) : fill_(fill) {}
  std::string Bytes(size_t n) override {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(fill_ >= 0 ? fill_ : next_++);
    return out;
  }

 private:
  int fill_;
  unsigned char next_ = 0;
};

std::string MustHash(std::string_view password, Random& random) {
  StatusOr<std::string> hash = HashPassword(password, kCheap, random);
  EXPECT_TRUE(hash.ok()) << hash.status().ToString();
  return hash.ok() ? *hash : std::string();
}

TEST(PasswordTest, HashIsAnArgon2idPhcStringThatVerifies) {
  SystemRandom random;
  std::string hash = MustHash(kPassword, random);
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << hash;
  EXPECT_EQ(hash.find('\0'), std::string::npos);
  EXPECT_TRUE(VerifyPassword(kPassword, hash));
}

TEST(PasswordTest, WrongPasswordIsRejected) {
  SystemRandom random;
  std::string hash = MustHash(kPassword, random);
  EXPECT_FALSE(VerifyPassword("correct horse battery!", hash));
  EXPECT_FALSE(VerifyPassword("correct horse batter", hash));  // a prefix
  EXPECT_FALSE(VerifyPassword("Correct horse battery", hash));
  EXPECT_FALSE(VerifyPassword("", hash));
}

TEST(PasswordTest, SameTwiceGivesDifferentHashesBecauseOfTheSalt) {
  SystemRandom random;
  std::string a = MustHash(kPassword, random);
  std::string b = MustHash(kPassword, random);
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyPassword(kPassword, a));
  EXPECT_TRUE(VerifyPassword(kPassword, b));
}

TEST(PasswordTest, SameSaltGivesTheSameHash) {
  CountingRandom r1(/*fill=*/7), r2(/*fill=*/7);
  EXPECT_EQ(MustHash(kPassword, r1), MustHash(kPassword, r2));
}

TEST(PasswordTest, SaltWithZeroBytesStillWorks) {
  // The salt is binary; a NUL in it must not truncate anything.
  CountingRandom zeros(/*fill=*/0);
  std::string hash = MustHash(kPassword, zeros);
  EXPECT_TRUE(VerifyPassword(kPassword, hash));
  EXPECT_FALSE(VerifyPassword("another password", hash));
}

TEST(PasswordTest, PasswordsAreBytesAndMayHoldAnything) {
  CountingRandom random;
  // 12 bytes of Tigrinya (4 characters of 3 bytes), and a password with a NUL in it.
  const std::string tigrinya = "ሰላምሰ";
  ASSERT_EQ(tigrinya.size(), 12u);
  std::string hash = MustHash(tigrinya, random);
  EXPECT_TRUE(VerifyPassword(tigrinya, hash));

  const std::string with_nul("twelve\0bytes!", 13);
  std::string hash2 = MustHash(with_nul, random);
  EXPECT_TRUE(VerifyPassword(with_nul, hash2));
  EXPECT_FALSE(VerifyPassword("twelve", hash2));  // what a C string would have seen
}

TEST(PasswordTest, MalformedEncodedIsRejectedNotACrash) {
  SystemRandom random;
  const std::string good = MustHash(kPassword, random);
  std::string flipped_hash = good;
  flipped_hash.back() = flipped_hash.back() == 'A' ? 'B' : 'A';
  std::string flipped_salt = good;
  // The salt is the field before the last '$'.
  size_t salt_at = good.rfind('$', good.rfind('$') - 1) + 1;
  flipped_salt[salt_at] = flipped_salt[salt_at] == 'A' ? 'B' : 'A';

  const std::string kMalformed[] = {
      "",
      "not a hash",
      "$",
      "$argon2id$",
      "$argon2id$v=19$m=1024,t=1,p=1$",
      "$argon2id$v=19$m=1024,t=1,p=1$$",
      good.substr(0, good.size() / 2),      // truncated
      good.substr(0, good.rfind('$') + 1),  // hash field empty
      good + "$extra",
      "$argon2i" + good.substr(9),  // a different Argon2 variant
      "$argon2d" + good.substr(9),
      std::string(good).replace(good.find("m=1024"), 6, "m=abcd"),
      std::string(good).replace(good.find("t=1"), 3, "t=0"),
      std::string(good.data(), 10) + '\0' + good.substr(10),  // NUL inside
      flipped_hash,
      flipped_salt,
      std::string(4096, '$'),
  };
  for (const std::string& encoded : kMalformed) {
    SCOPED_TRACE(encoded);
    EXPECT_FALSE(VerifyPassword(kPassword, encoded));
  }
  EXPECT_TRUE(VerifyPassword(kPassword, good));
}

TEST(PasswordTest, LengthLimitsAreInBytes) {
  EXPECT_EQ(CodeName(CheckPasswordLength("").code()), CodeName(Code::kInvalidArgument));
  EXPECT_EQ(CodeName(CheckPasswordLength(std::string(11, 'x')).code()),
            CodeName(Code::kInvalidArgument));
  EXPECT_TRUE(CheckPasswordLength(std::string(12, 'x')).ok());
  EXPECT_TRUE(CheckPasswordLength(std::string(1024, 'x')).ok());
  EXPECT_EQ(CodeName(CheckPasswordLength(std::string(1025, 'x')).code()),
            CodeName(Code::kInvalidArgument));
  // Three 3-byte characters are 9 bytes: too short, though they may look like a word.
  EXPECT_EQ(CodeName(CheckPasswordLength("ሰላም").code()), CodeName(Code::kInvalidArgument));
}

TEST(PasswordTest, HashPasswordEnforcesTheLengthLimits) {
  CountingRandom random;
  struct Case {
    size_t length;
    Code expected;
  };
  const Case kCases[] = {
      {0, Code::kInvalidArgument}, {11, Code::kInvalidArgument},   {12, Code::kOk},
      {1024, Code::kOk},           {1025, Code::kInvalidArgument},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE("length " + std::to_string(c.length));
    const std::string password(c.length, 'p');
    StatusOr<std::string> hash = HashPassword(password, kCheap, random);
    EXPECT_EQ(CodeName(hash.status().code()), CodeName(c.expected)) << hash.status().ToString();
    if (hash.ok()) {
      EXPECT_TRUE(VerifyPassword(password, *hash));
    }
  }
}

}  // namespace
}  // namespace kring
