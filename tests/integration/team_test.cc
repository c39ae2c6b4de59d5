// Teams through the real kringd and the SDK (docs/consent.md, "Teams"): a team admitted to
// ruth's network; each way a person of the team loses access there (removed from the team,
// excluded by the client, the team's consent withdrawn, a stand-in's period running out) stops
// their live delivery, and no message posted after the change reaches them.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/integration/racing_reads.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class TeamTest : public CareNetworkTest {
 protected:
  void SetUp() override {
    CareNetworkTest::SetUp();
    if (HasFatalFailure()) return;
    lead_ = world_->AddMember("kees", "team lead");
    sanne_ = world_->AddMember("sanne", "case manager");
    team_ = Must(world_->admin()->CreateTeam("Wijkteam Noord", "Gemeente"), "create team").team();
    Must(world_->admin()->SetTeamPerson(team_.id(), "kees", /*coordinator=*/true), "coordinator");
    Must(lead_->SetTeamPerson(team_.id(), "sanne"), "add sanne");
    v1::Invitation invitation =
        Must(client_->InviteTeam(net_.id(), team_.id(), "wijkteam"), "invite team").invitation();
    v1::Member admitted =
        Must(client_->ApproveInvitation(invitation.id()), "approve team").member();
    ASSERT_TRUE(admitted.consent().grantee_is_team());
  }

  // Sanne receives the general thread live; `cut` (one request) ends her access. Afterwards she
  // has AccessEnded and no message that was posted after `cut` returned, and is refused.
  void ExpectCutBeforeTheResponse(const std::function<void()>& cut) {
    const uint64_t head = ThreadHead(client_, net_.id(), thread_);
    ASSERT_TRUE(IsOk(SubscribeTo(sanne_, net_.id(), {thread_}, head)));
    Must(coach_->PostMessage(net_.id(), thread_, "before-" + std::to_string(NowMs()), "before"),
         "post before");
    ASSERT_EQ(WaitForMessages(*sanne_, thread_, 1).size(), 1u) << "sanne was not receiving";
    cut();
    const uint64_t head_at_cut = ThreadHead(client_, net_.id(), thread_);
    uint64_t last = 0;
    for (int i = 0; i < 3; ++i) {
      last = Must(coach_->PostMessage(net_.id(), thread_, "after-" + std::to_string(i), "after"),
                  "post after")
                 .seq();
    }
    ASSERT_TRUE(IsOk(SubscribeTo(client_, net_.id(), {thread_}, head_at_cut)));
    ASSERT_EQ(WaitForMessages(*client_, thread_, 3).size(), 3u);  // fan-out of `last` is done
    bool ended = false;
    for (const v1::Event& e : EventsUntilRoundTrip(*sanne_)) {
      if (e.has_access_ended() && EndsThread(e.access_ended(), net_.id(), thread_)) ended = true;
      if (!IsMessageIn(e, net_.id())) continue;
      EXPECT_LE(e.message_posted().message().seq(), head_at_cut)
          << "delivered a message posted after the cut: " << e.DebugString();
      EXPECT_LT(e.message_posted().message().seq(), last);
    }
    EXPECT_TRUE(ended) << "sanne got no AccessEnded";
    EXPECT_TRUE(IsError(sanne_->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
    EXPECT_TRUE(SubscribeDenied(SubscribeTo(sanne_, net_.id(), {thread_}), thread_));
  }

  Person lead_, sanne_;
  v1::Team team_;
};

TEST_F(TeamTest, APersonOfTheTeamHasTheTeamsAccess) {
  Must(coach_->PostMessage(net_.id(), thread_, "hello-team", "voor het team"), "post");
  v1::FetchHistoryResult history = Must(sanne_->FetchHistory(net_.id(), thread_), "history");
  EXPECT_GE(history.messages_size(), 0);
  Must(sanne_->PostMessage(net_.id(), thread_, "from-sanne", "namens het team"), "sanne posts");
  const v1::ListMembersResult members = Must(client_->ListMembers(net_.id()), "members");
  bool listed = false;
  for (const v1::Member& m : members.members()) {
    if (m.team().id() != team_.id()) continue;
    listed = true;
    ASSERT_EQ(m.team_people_size(), 2);
  }
  EXPECT_TRUE(listed);
}

TEST_F(TeamTest, RemovalFromTheTeamStopsDeliveryBeforeTheResponse) {
  ExpectCutBeforeTheResponse(
      [&] { ASSERT_TRUE(IsOk(lead_->RemoveTeamPerson(team_.id(), "sanne"))); });
}

TEST_F(TeamTest, ExclusionStopsDeliveryBeforeTheResponse) {
  ExpectCutBeforeTheResponse(
      [&] { ASSERT_TRUE(IsOk(client_->SetTeamExclusion(net_.id(), team_.id(), "sanne", true))); });
  // Kees, in the same team, keeps his access.
  EXPECT_TRUE(IsOk(lead_->FetchHistory(net_.id(), thread_)));
}

TEST_F(TeamTest, WithdrawingTheTeamsConsentStopsDeliveryBeforeTheResponse) {
  ExpectCutBeforeTheResponse(
      [&] { ASSERT_TRUE(IsOk(client_->WithdrawTeamConsent(net_.id(), team_.id()))); });
  EXPECT_TRUE(IsError(lead_->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
}

TEST_F(TeamTest, MarkingTheThreadSensitiveStopsDeliveryBeforeTheResponse) {
  // Jo, who posts, names the thread in her consent, so it stays hers once sensitive.
  sdk::Grant named;
  named.thread_ids = {thread_};
  named.all_threads = true;
  GrantConsent(client_, net_.id(), "jo", named);
  ExpectCutBeforeTheResponse([&] {
    ASSERT_TRUE(IsOk(client_->SetThreadSensitive(net_.id(), thread_, /*sensitive=*/true)));
  });
}

TEST_F(TeamTest, RemovingTheTeamStopsDeliveryBeforeTheResponse) {
  ExpectCutBeforeTheResponse(
      [&] { ASSERT_TRUE(IsOk(client_->RemoveTeam(net_.id(), team_.id()))); });
  EXPECT_TRUE(IsError(lead_->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  const v1::ListMembersResult members = Must(client_->ListMembers(net_.id()), "members");
  for (const v1::Member& m : members.members()) {
    EXPECT_NE(m.team().id(), team_.id()) << "the removed team is still listed";
  }
}

// Sanne pipelines reads on a second connection while the client excludes her (and takes her
// back, for the next round), and at last removes the whole team: once her AccessEnded arrived,
// no answer carries messages and no Subscribe answers OK.
TEST_F(TeamTest, PipelinedReadsRacingAnExclusionOrARemovalDiscloseNothingAfterAccessEnded) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(IsOk(coach_->PostMessage(net_.id(), thread_, "m-" + std::to_string(i), "hallo")));
  }
  auto raw = world_->ConnectRawAs(sanne_);
  constexpr int kRounds = 8;
  constexpr uint64_t kReads = 200;
  uint64_t next_id = 100;
  for (int round = 0; round <= kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool last = round == kRounds;
    const RaceOutcome race = PipelineReadsAcross(*raw, net_.id(), thread_, kReads, &next_id, [&] {
      if (last) {
        ASSERT_TRUE(IsOk(client_->RemoveTeam(net_.id(), team_.id())));
      } else {
        ASSERT_TRUE(IsOk(client_->SetTeamExclusion(net_.id(), team_.id(), "sanne", true)));
      }
    });
    ASSERT_EQ(race.answered, kReads);
    EXPECT_TRUE(race.ended);
    EXPECT_TRUE(race.after_end.empty())
        << race.after_end.size() << " after AccessEnded, e.g. " << race.after_end.front();
    if (HasFailure() || last) return;
    ASSERT_TRUE(IsOk(client_->SetTeamExclusion(net_.id(), team_.id(), "sanne", false)));
  }
}

TEST_F(TeamTest, AStandInsPeriodRunsOutWithoutARestart) {
  const uint64_t head = ThreadHead(client_, net_.id(), thread_);
  const int64_t until = NowMs() + 1500;
  Must(lead_->SetTeamPerson(team_.id(), "sanne", false, 0, until), "stand-in until");
  ASSERT_TRUE(IsOk(SubscribeTo(sanne_, net_.id(), {thread_}, head)));
  // No background job: the first request after the end is refused, never one before it.
  int64_t denied_at = 0;
  ASSERT_TRUE(PollUntil(
      [&] {
        if (sanne_->FetchHistory(net_.id(), thread_).ok()) return false;
        denied_at = NowMs();
        return true;
      },
      10s));
  EXPECT_GE(denied_at, until);
  v1::PostMessageResult after =
      Must(coach_->PostMessage(net_.id(), thread_, "after-period", "na de vervanging"), "post");
  std::vector<v1::Event> events;
  std::optional<v1::Event> ended = WaitForEvent(*sanne_, [&](const v1::Event& e) {
    events.push_back(e);
    return e.has_access_ended() && e.access_ended().network_id() == net_.id();
  });
  ASSERT_TRUE(ended.has_value()) << "sanne got no AccessEnded after her period ended";
  for (v1::Event& e : EventsUntilRoundTrip(*sanne_)) events.push_back(std::move(e));
  for (const v1::Event& e : events) {
    EXPECT_FALSE(IsMessageIn(e, net_.id()) && e.message_posted().message().seq() == after.seq())
        << "delivered after the period ended";
  }
}

}  // namespace
}  // namespace kring::integration
