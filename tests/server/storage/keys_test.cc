#include "server/storage/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/storage/memory_store.h"

namespace kring::storage::keys {
namespace {

using namespace std::string_literals;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// RocksDB's default comparator: bytes compared as unsigned, shorter prefix first.
bool BytewiseLess(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  });
}

const std::vector<uint64_t> kNumbers = {
    0,
    1,
    127,
    128,
    255,
    256,
    257,
    65'535,
    65'536,
    (1ull << 32) - 1,
    1ull << 32,
    1ull << 40,
    (1ull << 40) + 1,
    1ull << 63,
    kMax - 1,
    kMax,
};

TEST(KeysTest, U64IsEightBigEndianBytes) {
  EXPECT_EQ(U64(0), std::string(8, '\0'));
  EXPECT_EQ(U64(0x0102030405060708), "\x01\x02\x03\x04\x05\x06\x07\x08"s);
  EXPECT_EQ(U64(255), "\0\0\0\0\0\0\0\xFF"s);
  EXPECT_EQ(U64(256), "\0\0\0\0\0\0\x01\0"s);
  EXPECT_EQ(U64(kMax), std::string(8, '\xFF'));
  EXPECT_EQ(U64U64(1, 2).size(), 16u);
  EXPECT_EQ(U64U64(1, 2), U64(1) + U64(2));
  EXPECT_EQ(U64Bytes(3, "abc"), U64(3) + "abc");
  EXPECT_EQ(U64Bytes(3, ""), U64(3));
}

TEST(KeysTest, U64SortsBytewiseInNumericOrder) {
  std::vector<std::string> encoded;
  for (uint64_t n : kNumbers) encoded.push_back(U64(n));
  std::shuffle(encoded.begin(), encoded.end(), std::mt19937(42));
  std::sort(encoded.begin(), encoded.end(), BytewiseLess);
  std::vector<uint64_t> decoded;
  for (const std::string& k : encoded) decoded.push_back(ReadU64(k));
  EXPECT_EQ(decoded, kNumbers);  // kNumbers is in ascending order
}

TEST(KeysTest, U64NeighboursCompareRight) {
  EXPECT_TRUE(BytewiseLess(U64(255), U64(256)));
  EXPECT_TRUE(BytewiseLess(U64(127), U64(128)));  // no sign trouble at 0x80
  EXPECT_TRUE(BytewiseLess(U64((1ull << 40) - 1), U64(1ull << 40)));
  EXPECT_TRUE(BytewiseLess(U64((1ull << 63) - 1), U64(1ull << 63)));
  EXPECT_TRUE(BytewiseLess(U64(kMax - 1), U64(kMax)));
  EXPECT_FALSE(BytewiseLess(U64(7), U64(7)));
}

TEST(KeysTest, U64U64SortsByFirstThenSecond) {
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (uint64_t a : std::vector<uint64_t>{0, 1, 255, 256, 1ull << 40, kMax}) {
    for (uint64_t b : std::vector<uint64_t>{0, 1, 255, 256, 1ull << 40, kMax})
      pairs.emplace_back(a, b);
  }
  std::vector<std::string> encoded;
  for (auto [a, b] : pairs) encoded.push_back(U64U64(a, b));
  std::shuffle(encoded.begin(), encoded.end(), std::mt19937(7));
  std::sort(encoded.begin(), encoded.end(), BytewiseLess);
  std::vector<std::pair<uint64_t, uint64_t>> decoded;
  for (const std::string& k : encoded) decoded.emplace_back(ReadU64(k, 0), ReadU64(k, 8));
  EXPECT_EQ(decoded, pairs);  // built in ascending (a, b) order

  // A message scan by (thread, seq): thread 1's last message sorts before thread 2's first.
  EXPECT_TRUE(BytewiseLess(U64U64(1, kMax), U64U64(2, 0)));
  EXPECT_TRUE(BytewiseLess(U64U64(1, 255), U64U64(1, 256)));
}

TEST(KeysTest, U64BytesSortsByNumberFirst) {
  EXPECT_TRUE(BytewiseLess(U64Bytes(1, "zzz"), U64Bytes(2, "a")));
  EXPECT_TRUE(BytewiseLess(U64Bytes(1, "a"), U64Bytes(1, "b")));
  EXPECT_TRUE(BytewiseLess(U64Bytes(1, ""), U64Bytes(1, "\x00"s)));
}

TEST(KeysTest, ReadU64RoundTrips) {
  for (uint64_t a : kNumbers) {
    SCOPED_TRACE(a);
    EXPECT_EQ(ReadU64(U64(a)), a);
    EXPECT_EQ(ReadU64(U64U64(a, kMax - a), 0), a);
    EXPECT_EQ(ReadU64(U64U64(a, kMax - a), 8), kMax - a);
    EXPECT_EQ(ReadU64(U64Bytes(a, "tail")), a);
    EXPECT_EQ(ReadU64("xyz" + U64(a), 3), a);
  }
}

TEST(KeysTest, ReadU64OfTooShortAKeyIsZero) {
  EXPECT_EQ(ReadU64(""), 0u);
  EXPECT_EQ(ReadU64(U64(5).substr(0, 7)), 0u);
  EXPECT_EQ(ReadU64(U64U64(5, 6).substr(0, 15), 8), 0u);
  EXPECT_EQ(ReadU64(U64(5), 1), 0u);
  EXPECT_EQ(ReadU64(U64(5), 100), 0u);
}

TEST(KeysTest, PrefixEnd) {
  struct Case {
    std::string prefix;
    std::string end;
  };
  const Case kCases[] = {
      {"ab", "ac"},
      {"a\xFF"s, "b"},
      {"a\xFF\xFF"s, "b"},
      {"a\xFE"s, "a\xFF"s},
      {"\x00"s, "\x01"s},
      {"a\x00"s, "a\x01"s},
      {"\xFF"s, ""},
      {"\xFF\xFF\xFF"s, ""},
      {"", ""},
      {U64(5), U64(6)},
      {U64(255), "\0\0\0\0\0\0\x01"s},  // the trailing 0xFF is dropped, the byte before it bumped
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(testing::PrintToString(c.prefix));
    EXPECT_EQ(PrefixEnd(c.prefix), c.end);
  }
}

TEST(KeysTest, PrefixEndBoundsEveryKeyWithThePrefix) {
  for (const std::string& prefix : {U64(5), U64(255), "a\xFF"s, "ab"s}) {
    SCOPED_TRACE(testing::PrintToString(prefix));
    const std::string end = PrefixEnd(prefix);
    for (const std::string& tail : {""s, "\x00"s, "\xFF"s, std::string(8, '\xFF')}) {
      EXPECT_TRUE(BytewiseLess(prefix + tail, end));
    }
    EXPECT_TRUE(BytewiseLess(prefix, end));
  }
}

TEST(KeysTest, PrefixEndScansExactlyOnePrefix) {
  MemoryStore store;
  WriteBatch batch;
  for (uint64_t network : {4ull, 5ull, 6ull, 255ull, 256ull}) {
    for (uint64_t account : std::vector<uint64_t>{0, 1, 255, kMax}) {
      batch.Put(Table::kMembers, U64U64(network, account), "");
    }
  }
  ASSERT_TRUE(store.Write(batch, false).ok());
  for (uint64_t network : {5ull, 255ull}) {
    SCOPED_TRACE(network);
    std::vector<uint64_t> accounts;
    const std::string begin = U64(network);
    ASSERT_TRUE(store
                    .Scan(Table::kMembers, begin, PrefixEnd(begin), 0,
                          [&](std::string_view key, std::string_view) {
                            EXPECT_EQ(ReadU64(key, 0), network);
                            accounts.push_back(ReadU64(key, 8));
                            return true;
                          })
                    .ok());
    EXPECT_EQ(accounts, (std::vector<uint64_t>{0, 1, 255, kMax}));
  }
}

}  // namespace
}  // namespace kring::storage::keys
