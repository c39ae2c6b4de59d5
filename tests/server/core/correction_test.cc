#include "server/core/correction.h"

#include <gtest/gtest.h>

namespace kring {
namespace {

v1::Message Posted() {
  v1::Message m;
  m.set_network_id(1);
  m.set_thread_id(2);
  m.set_seq(3);
  m.set_sender_id(7);
  m.set_sender_handle("coach");
  m.set_client_msg_id("m-1");
  m.set_text("Afspraak om 10 uur");
  m.set_reply_to_seq(1);
  m.set_posted_at_ms(1000);
  return m;
}

TEST(CorrectionTest, OnlyTheAuthorMayChangeAMessageAndNotOnceRetracted) {
  EXPECT_TRUE(CheckMessageChange(7, Posted()).ok());
  EXPECT_EQ(CheckMessageChange(8, Posted()).code(), Code::kPermissionDenied);
  v1::Message retracted = RetractedMessage(Posted(), 2000, 1);
  EXPECT_EQ(CheckMessageChange(7, retracted).code(), Code::kFailedPrecondition);
  // Someone else is refused for being someone else, whatever the state.
  EXPECT_EQ(CheckMessageChange(8, retracted).code(), Code::kPermissionDenied);
}

TEST(CorrectionTest, AMessageStoredBeforeVersionsReadsAsVersionOne) {
  v1::Message m = Posted();
  EXPECT_EQ(VersionOf(m), 1u);
  m.set_version(4);
  EXPECT_EQ(VersionOf(m), 4u);
  EXPECT_EQ(CorrectedMessage(Posted(), "x", 1, 1).version(), 2u);
}

TEST(CorrectionTest, ACorrectionReplacesTheTextAndKeepsThePlace) {
  v1::Message next = CorrectedMessage(Posted(), "Afspraak om 11 uur", 2000, 5);
  EXPECT_EQ(next.text(), "Afspraak om 11 uur");
  EXPECT_EQ(next.version(), 2u);
  EXPECT_EQ(next.corrected_at_ms(), 2000);
  EXPECT_EQ(next.change(), 5u);
  EXPECT_EQ(next.seq(), 3u);
  EXPECT_EQ(next.posted_at_ms(), 1000);
  EXPECT_FALSE(next.retracted());
}

TEST(CorrectionTest, ARetractionKeepsNothingOfWhatTheMessageSaid) {
  v1::Message m = CorrectedMessage(Posted(), "Afspraak om 11 uur", 2000, 1);
  v1::Message next = RetractedMessage(m, 3000, 2);
  EXPECT_TRUE(next.retracted());
  EXPECT_EQ(next.retracted_at_ms(), 3000);
  EXPECT_EQ(next.text(), "");
  EXPECT_EQ(next.version(), 3u);
  EXPECT_EQ(next.change(), 2u);
  EXPECT_EQ(next.corrected_at_ms(), 2000);
  EXPECT_EQ(next.seq(), 3u);
  EXPECT_EQ(next.sender_id(), 7u);
  EXPECT_EQ(next.reply_to_seq(), 1u);
  EXPECT_EQ(next.posted_at_ms(), 1000);
  // Only the fields that place it: a field added later is not carried over by accident.
  v1::Message expected;
  expected.set_network_id(1);
  expected.set_thread_id(2);
  expected.set_seq(3);
  expected.set_sender_id(7);
  expected.set_sender_handle("coach");
  expected.set_client_msg_id("m-1");
  expected.set_reply_to_seq(1);
  expected.set_posted_at_ms(1000);
  expected.set_version(3);
  expected.set_corrected_at_ms(2000);
  expected.set_retracted(true);
  expected.set_retracted_at_ms(3000);
  expected.set_change(2);
  EXPECT_EQ(next.SerializeAsString(), expected.SerializeAsString());
}

}  // namespace
}  // namespace kring
