// A member pipelines reads over TLS while the client withdraws his consent: once his AccessEnded
// arrived, no response carries messages and no Subscribe answers OK (docs/protocol.md,
// guarantee 7). Reads are decided on the writer, in order with the withdrawal (issue 11, item 4);
// they were once authorized on the io thread and answered after it.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/racing_reads.h"
#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class ReadsAfterWithdrawalTest : public CareNetworkTest {};

TEST_F(ReadsAfterWithdrawalTest, PipelinedReadsRacingAWithdrawalDiscloseNothingAfterAccessEnded) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(IsOk(coach_->PostMessage(net_.id(), thread_, "m-" + std::to_string(i), "hallo")));
  }
  auto amir = world_->ConnectRawAs(buddy_);
  constexpr int kRounds = 20;
  constexpr uint64_t kReads = 200;
  uint64_t next_id = 100;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const RaceOutcome race = PipelineReadsAcross(*amir, net_.id(), thread_, kReads, &next_id, [&] {
      WithdrawConsent(client_, net_.id(), "amir");
    });
    ASSERT_EQ(race.answered, kReads);
    EXPECT_TRUE(race.ended);
    EXPECT_TRUE(race.after_end.empty())
        << race.after_end.size() << " after AccessEnded, e.g. " << race.after_end.front();
    if (HasFailure()) return;
    // Amir gets his access back for the next round; his old subscriptions ended with it.
    GrantConsent(client_, net_.id(), "amir", sdk::Grant{.history = true});
  }
}

}  // namespace
}  // namespace kring::integration
