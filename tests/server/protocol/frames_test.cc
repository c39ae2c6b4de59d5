#include "server/protocol/frames.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kring {
namespace {

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

// Each event's one builder: a ServerFrame carrying exactly that event.
TEST(EventFramesTest, EachBuilderMakesAServerFrameOfItsEvent) {
  auto event_of = [](const Frame& frame) {
    v1::ServerFrame parsed;
    EXPECT_TRUE(parsed.ParseFromString(*frame));
    EXPECT_TRUE(parsed.has_event());
    return parsed.event();
  };
  v1::Member member;
  member.set_account_id(7);
  v1::Event e = event_of(MembershipChangedFrame(3, v1::MEMBERSHIP_CHANGE_JOINED, &member, nullptr));
  EXPECT_EQ(e.membership_changed().network_id(), 3u);
  EXPECT_EQ(e.membership_changed().member().account_id(), 7u);
  EXPECT_FALSE(e.membership_changed().has_invitation());

  e = event_of(AccessEndedFrame(3, {4, 5}, "your consent ended"));
  EXPECT_EQ(e.access_ended().network_id(), 3u);
  EXPECT_EQ(e.access_ended().thread_ids_size(), 2);
  EXPECT_EQ(e.access_ended().reason(), "your consent ended");
  EXPECT_EQ(event_of(AccessEndedFrame(3, {}, "removed")).access_ended().thread_ids_size(), 0);

  v1::ReadMarker marker;
  marker.set_seq(9);
  e = event_of(ReadMarkerUpdatedFrame(3, marker));
  EXPECT_EQ(e.read_marker_updated().network_id(), 3u);
  EXPECT_EQ(e.read_marker_updated().marker().seq(), 9u);

  v1::Thread thread;
  thread.set_id(4);
  EXPECT_EQ(event_of(ThreadCreatedFrame(thread)).thread_created().thread().id(), 4u);
  v1::Invitation invitation;
  invitation.set_id(11);
  EXPECT_EQ(event_of(InvitationReceivedFrame(invitation)).invitation_received().invitation().id(),
            11u);
  v1::Consent consent;
  consent.set_id(12);
  EXPECT_EQ(event_of(ConsentChangedFrame(consent)).consent_changed().consent().id(), 12u);
  EXPECT_EQ(event_of(SessionEndedFrame("logged out")).session_ended().reason(), "logged out");
}

TEST(ErrorProtoTest, CarriesCodeDetailAndRetryAfter) {
  v1::Error error =
      ErrorProto(ResourceExhausted("too many requests on this connection").set_retry_after_ms(250));
  EXPECT_EQ(error.code(), v1::Error::RESOURCE_EXHAUSTED);
  EXPECT_EQ(error.retry_after_ms(), 250);
  EXPECT_EQ(error.detail(), "too many requests on this connection");
}

}  // namespace
}  // namespace kring
