// Membership and consent: only members the client approved read or receive anything; removal
// takes effect before RemoveMember answers.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class MembershipTest : public CareNetworkTest {
 protected:
  MembershipTest() : CareNetworkTest(/*buddy_joins=*/false) {}

  sdk::Result<v1::SubscribeResult> SubscribeGeneral(Person& p, uint64_t after_seq = 0) {
    v1::ThreadCursor cursor;
    cursor.set_thread_id(thread_);
    cursor.set_after_seq(after_seq);
    return p->Subscribe(net_.id(), {cursor});
  }

  void ExpectLockedOut(Person& p) {
    EXPECT_TRUE(IsError(p->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED))
        << p.handle;
    EXPECT_TRUE(IsError(SubscribeGeneral(p), v1::Error::PERMISSION_DENIED)) << p.handle;
    EXPECT_TRUE(IsError(p->PostMessage(net_.id(), thread_, "x-" + p.handle, "let me in"),
                        v1::Error::PERMISSION_DENIED))
        << p.handle;
    EXPECT_TRUE(IsError(p->ListMembers(net_.id()), v1::Error::PERMISSION_DENIED)) << p.handle;
    EXPECT_TRUE(IsError(p->ListThreads(net_.id()), v1::Error::PERMISSION_DENIED)) << p.handle;
  }
};

TEST_F(MembershipTest, PendingInviteeReceivesNothingAndIsDenied) {
  ASSERT_TRUE(IsOk(SubscribeGeneral(coach_)));
  v1::Invitation inv =
      Must(client_->Invite(net_.id(), "amir", "language buddy"), "invite").invitation();
  EXPECT_EQ(inv.state(), v1::INVITATION_STATE_PENDING);
  std::optional<v1::Event> received = WaitForEvent(*buddy_, [&](const v1::Event& e) {
    return e.has_invitation_received() && e.invitation_received().invitation().id() == inv.id();
  });
  EXPECT_TRUE(received.has_value()) << "the invitee got no InvitationReceived";
  std::optional<v1::Event> invited = WaitForEvent(*client_, [&](const v1::Event& e) {
    return e.has_membership_changed() &&
           e.membership_changed().change() == v1::MEMBERSHIP_CHANGE_INVITED;
  });
  EXPECT_TRUE(invited.has_value()) << "the client got no MembershipChanged INVITED";

  ExpectLockedOut(buddy_);
  Must(client_->PostMessage(net_.id(), thread_, "p1", "only for members"), "post");
  ASSERT_EQ(WaitForMessages(*coach_, thread_, 1).size(), 1u);
  for (const v1::Event& e : EventsUntilRoundTrip(*buddy_)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "pending invitee got: " << e.DebugString();
  }
  EXPECT_TRUE(IsError(client_->Invite(net_.id(), "amir", "again"), v1::Error::ALREADY_EXISTS));
  EXPECT_TRUE(IsError(client_->Invite(net_.id(), "jo", "again"), v1::Error::ALREADY_EXISTS));

  // Once the client approves, the member reads the thread.
  Must(client_->ApproveInvitation(inv.id()), "approve");
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
  EXPECT_TRUE(IsError(client_->ApproveInvitation(inv.id()), v1::Error::FAILED_PRECONDITION));
}

TEST_F(MembershipTest, OnlyTheClientApproves) {
  // jo opens a network for omar; omar accepts it and lets jo coordinate it; only omar can
  // approve invitations in it.
  Person omar = world_->AddClient("omar");
  v1::Network net = Must(coach_->OpenNetwork("omar"), "open").network();
  EXPECT_TRUE(IsError(coach_->Invite(net.id(), "amir", "buddy"), v1::Error::FAILED_PRECONDITION));
  sdk::Grant coordinate;
  coordinate.coordinate = true;
  Must(omar->AcceptNetwork(net.id(), sdk::ToProvision(coordinate)), "omar accepts");
  v1::Invitation inv = Must(coach_->Invite(net.id(), "amir", "buddy"), "invite").invitation();
  EXPECT_TRUE(IsError(coach_->ApproveInvitation(inv.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->ApproveInvitation(inv.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(buddy_->FetchHistory(net.id(), net.general_thread_id()),
                      v1::Error::PERMISSION_DENIED));
  v1::ListInvitationsResult waiting = Must(omar->ListInvitations(), "list invitations");
  ASSERT_EQ(waiting.invitations_size(), 1);
  EXPECT_EQ(waiting.invitations(0).id(), inv.id());
  EXPECT_TRUE(IsOk(omar->ApproveInvitation(inv.id())));
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net.id(), net.general_thread_id())));
  // Members cannot invite; non-members cannot be invited.
  Person gp = world_->AddMember("dr.bakker", "GP");
  EXPECT_TRUE(IsError(buddy_->Invite(net.id(), "dr.bakker", "GP"), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(omar->Invite(net.id(), "ruth", "friend"), v1::Error::INVALID_ARGUMENT));
}

TEST_F(MembershipTest, DeclinedInviteeStaysOut) {
  v1::Invitation inv = Must(client_->Invite(net_.id(), "amir", "buddy"), "invite").invitation();
  EXPECT_TRUE(IsError(coach_->DeclineInvitation(inv.id()), v1::Error::PERMISSION_DENIED));
  ASSERT_TRUE(IsOk(buddy_->DeclineInvitation(inv.id())));
  ExpectLockedOut(buddy_);
  EXPECT_TRUE(IsError(client_->ApproveInvitation(inv.id()), v1::Error::FAILED_PRECONDITION));
}

TEST_F(MembershipTest, RemovalStopsLiveDeliveryAtOnce) {
  Must(client_->Invite(net_.id(), "amir", "buddy"), "invite");
  v1::ListInvitationsResult pending = Must(client_->ListInvitations(), "invitations");
  ASSERT_EQ(pending.invitations_size(), 1);
  Must(client_->ApproveInvitation(pending.invitations(0).id()), "approve");
  ASSERT_TRUE(IsOk(SubscribeGeneral(coach_)));
  ASSERT_TRUE(IsOk(SubscribeGeneral(buddy_)));

  Must(client_->PostMessage(net_.id(), thread_, "before", "before removal"), "post");
  ASSERT_EQ(WaitForMessages(*coach_, thread_, 1).size(), 1u);
  ASSERT_EQ(WaitForMessages(*buddy_, thread_, 1).size(), 1u);

  ASSERT_TRUE(IsOk(client_->RemoveMember(net_.id(), "jo")));
  v1::PostMessageResult after =
      Must(client_->PostMessage(net_.id(), thread_, "after", "after removal"), "post");
  std::vector<v1::Message> buddy_got = WaitForMessages(*buddy_, thread_, 1);
  ASSERT_EQ(buddy_got.size(), 1u);
  EXPECT_EQ(buddy_got[0].seq(), after.seq());

  bool access_ended = false;
  std::vector<v1::Event> events = EventsUntilRoundTrip(*coach_);
  for (const v1::Event& e : events) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "removed member got: " << e.DebugString();
    if (e.has_access_ended() && e.access_ended().network_id() == net_.id()) access_ended = true;
  }
  EXPECT_TRUE(access_ended) << "no AccessEnded for the removed member";
  ExpectLockedOut(coach_);
  EXPECT_TRUE(IsError(client_->RemoveMember(net_.id(), "ruth"), v1::Error::FAILED_PRECONDITION));
  EXPECT_TRUE(IsError(buddy_->RemoveMember(net_.id(), "ruth"), v1::Error::PERMISSION_DENIED));
}

TEST_F(MembershipTest, NothingSentAfterRemovalReachesTheRemovedMember) {
  ASSERT_TRUE(IsOk(SubscribeGeneral(coach_)));
  // The client posts without pause while removing jo. Every post *sent* after RemoveMember
  // answered must not reach jo.
  std::atomic<bool> removed{false};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<uint64_t> after_removal;  // guarded by mu
  Person poster;
  poster.handle = client_.handle;
  poster.password = client_.password;
  world_->LogIn(poster);
  std::thread posting([&] {
    for (int i = 0; !stop.load(); ++i) {
      const bool sent_after = removed.load();
      auto r = poster->PostMessage(net_.id(), thread_, "live-" + std::to_string(i), "tick");
      if (!r.ok()) break;
      if (sent_after) {
        std::lock_guard lock(mu);
        after_removal.insert(r->seq());
        if (after_removal.size() >= 10) stop = true;
      }
    }
  });
  // Let some messages flow to jo first.
  ASSERT_GE(WaitForMessages(*coach_, thread_, 5).size(), 5u);
  ASSERT_TRUE(IsOk(client_->RemoveMember(net_.id(), "jo")));
  removed = true;
  posting.join();
  {
    std::lock_guard lock(mu);
    ASSERT_GE(after_removal.size(), 10u);
  }
  bool access_ended = false;
  for (const v1::Event& e : EventsUntilRoundTrip(*coach_)) {
    if (e.has_access_ended() && e.access_ended().network_id() == net_.id()) access_ended = true;
    if (!IsMessageIn(e, net_.id())) continue;
    EXPECT_FALSE(access_ended) << "message after AccessEnded: " << e.DebugString();
    std::lock_guard lock(mu);
    EXPECT_EQ(after_removal.count(e.message_posted().message().seq()), 0u)
        << "sent after removal, yet delivered: " << e.DebugString();
  }
  EXPECT_TRUE(access_ended);
}

TEST_F(MembershipTest, MemberMayLeave) {
  ASSERT_TRUE(IsOk(coach_->RemoveMember(net_.id(), "jo")));
  ExpectLockedOut(coach_);
  std::optional<v1::Event> change = WaitForEvent(*client_, [&](const v1::Event& e) {
    return e.has_membership_changed() &&
           e.membership_changed().change() == v1::MEMBERSHIP_CHANGE_REMOVED &&
           e.membership_changed().member().handle() == "jo";
  });
  EXPECT_TRUE(change.has_value()) << "the client got no MembershipChanged REMOVED";
  v1::ListMembersResult members = Must(client_->ListMembers(net_.id()), "members");
  for (const v1::Member& m : members.members()) EXPECT_NE(m.handle(), "jo");
}

}  // namespace
}  // namespace kring::integration
