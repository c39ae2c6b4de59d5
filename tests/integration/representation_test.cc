// Through the real kringd and the SDK: four eyes on representatives, a representative's access
// ending with the appointment (also in a network they opened), and a network a member opened for
// a client waiting for the client (docs/consent.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class RepresentationTest : public CareNetworkTest {
 protected:
  RepresentationTest() : CareNetworkTest(/*buddy_joins=*/false) {}
};

TEST_F(RepresentationTest, AnAppointmentNeedsASecondAdminAndTheClientIsToldAtOnce) {
  Person stooge = world_->AddMember("stooge", "mentor");
  const v1::Representation asked =
      Must(world_->admin()->AppointRepresentative("ruth", "stooge", "court order 2026/77"), "ask")
          .representation();
  EXPECT_TRUE(asked.pending());
  auto told = WaitForEvent(*client_, [](const v1::Event& e) {
    return e.has_representation_changed() &&
           e.representation_changed().change() == v1::REPRESENTATION_CHANGE_REQUESTED;
  });
  ASSERT_TRUE(told.has_value());

  // Logged in for real, the appointee has nothing yet.
  EXPECT_EQ(Must(stooge->ListNetworks(), "list").networks_size(), 0);
  EXPECT_TRUE(IsError(stooge->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(world_->admin()->ConfirmRepresentative("ruth", "stooge"),
                      v1::Error::PERMISSION_DENIED));

  Must(world_->second_admin()->ConfirmRepresentative("ruth", "stooge"), "confirm");
  EXPECT_TRUE(IsOk(stooge->FetchHistory(net_.id(), thread_)));
  auto confirmed = WaitForEvent(*stooge, [](const v1::Event& e) {
    return e.has_representation_changed() &&
           e.representation_changed().change() == v1::REPRESENTATION_CHANGE_CONFIRMED;
  });
  EXPECT_TRUE(confirmed.has_value());
}

TEST_F(RepresentationTest, ARepresentativesAccessToANetworkTheyOpenedEndsWithTheAppointment) {
  Person mentor = world_->AddRepresentative(client_, "mentor");
  const v1::Network net = Must(mentor->OpenNetwork("ruth"), "mentor opens").network();
  EXPECT_EQ(net.my_role(), v1::MEMBER_ROLE_REPRESENTATIVE);
  const uint64_t general = net.general_thread_id();
  ASSERT_TRUE(IsOk(SubscribeTo(mentor, net.id(), {general})));
  Must(client_->PostMessage(net.id(), general, "r1", "for my mentor"), "ruth posts");
  ASSERT_EQ(WaitForMessages(*mentor, general, 1).size(), 1u);

  Must(world_->admin()->EndRepresentation("ruth", "mentor"), "end");
  // Delivery stopped before the admin had the answer: the AccessEnded is already queued.
  bool ended = false;
  for (const v1::Event& e : EventsUntilRoundTrip(*mentor)) {
    if (e.has_access_ended() && e.access_ended().network_id() == net.id()) ended = true;
  }
  EXPECT_TRUE(ended);
  Must(client_->PostMessage(net.id(), general, "r2", "after the end"), "ruth posts again");
  EXPECT_TRUE(IsError(mentor->PostMessage(net.id(), general, "m1", "still here"),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->FetchHistory(net.id(), general), v1::Error::PERMISSION_DENIED));
  for (const v1::Event& e : EventsUntilRoundTrip(*mentor)) {
    EXPECT_FALSE(IsMessageIn(e, net.id())) << e.DebugString();
  }
}

TEST_F(RepresentationTest, AMemberOpenedNetworkWaitsForTheClient) {
  Person omar = world_->AddClient("omar");
  const v1::Network net = Must(coach_->OpenNetwork("omar"), "jo opens").network();
  EXPECT_EQ(net.state(), v1::NETWORK_STATE_PENDING);
  auto requested = WaitForEventOfKind(*omar, v1::Event::kNetworkRequested);
  ASSERT_TRUE(requested.has_value());
  const auto post = coach_->PostMessage(net.id(), net.general_thread_id(), "j1", "your BSN?");
  ASSERT_TRUE(IsError(post, v1::Error::FAILED_PRECONDITION));
  EXPECT_EQ(post.error().detail, "waiting for omar to accept this network");

  Must(omar->AcceptNetwork(net.id()), "omar accepts");
  auto answered = WaitForEventOfKind(*coach_, v1::Event::kNetworkAnswered);
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->network_answered().network().state(), v1::NETWORK_STATE_ACCEPTED);
  EXPECT_TRUE(IsOk(coach_->PostMessage(net.id(), net.general_thread_id(), "j2", "hello")));
}

}  // namespace
}  // namespace kring::integration
