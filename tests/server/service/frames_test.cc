#include "server/service/frames.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/service/audit.h"

namespace kring::service {
namespace {

// FIPS 180-2 test vectors, in hex.
TEST(Sha256Test, MatchesTheStandardsVectors) {
  EXPECT_EQ(audit::Hex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(audit::Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(audit::Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// The context is reused per thread: one digest must not leak into the next, on any thread.
TEST(Sha256Test, RepeatedAndConcurrentCallsAgree) {
  const std::string expected = Sha256("abc");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        Sha256(std::string(i % 200, 'x'));
        if (Sha256("abc") != expected) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// The batch is built from serialized frames without parsing them; protobuf must read it back
// as the same frames, in order.
TEST(BatchFramesTest, ParsesAsAServerFrameBatchOfTheSameFramesInOrder) {
  v1::ServerFrame response;
  response.mutable_response()->set_request_id(41);
  v1::Message message;
  message.set_thread_id(3);
  message.set_seq(12);
  message.set_text(std::string(300, 't'));  // a length that needs a two-byte varint
  const std::string first = response.SerializeAsString();
  const std::string second = *MessagePostedFrame(message.SerializeAsString());
  std::string batch;
  BatchFrames({first, second}, batch);

  v1::ServerFrame parsed;
  ASSERT_TRUE(parsed.ParseFromString(batch));
  ASSERT_TRUE(parsed.has_batch());
  ASSERT_EQ(parsed.batch().frames_size(), 2);
  EXPECT_EQ(parsed.batch().frames(0).response().request_id(), 41u);
  EXPECT_EQ(parsed.batch().frames(1).event().message_posted().message().seq(), 12u);
  EXPECT_EQ(parsed.batch().frames(1).event().message_posted().message().text(), message.text());
}

TEST(BatchFramesTest, ReplacesWhatTheBufferHeld) {
  std::string batch = "left over";
  BatchFrames({}, batch);
  v1::ServerFrame parsed;
  ASSERT_TRUE(parsed.ParseFromString(batch));
  EXPECT_TRUE(parsed.has_batch());
  EXPECT_EQ(parsed.batch().frames_size(), 0);
}

}  // namespace
}  // namespace kring::service
