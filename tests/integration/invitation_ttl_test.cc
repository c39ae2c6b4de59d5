// The invitation TTL as kringd applies it: its default and the configured [invitations]
// ttl_hours. The rules of consent and invitations are tested against the service in
// tests/server/service/ (consent_rules_test.cc, consent_scope_test.cc, consent_records_test.cc).
#include <gtest/gtest.h>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class InvitationTtlTest : public CareNetworkTest {
 protected:
  InvitationTtlTest() : CareNetworkTest(/*buddy_joins=*/false) {}
};

TEST_F(InvitationTtlTest, InvitationCarriesItsDefaultExpiry) {
  const int64_t before = NowMs();
  v1::Invitation inv = Must(client_->Invite(net_.id(), "amir", "buddy"), "invite").invitation();
  EXPECT_GE(inv.created_at_ms(), before);
  // The default TTL: 336 hours (14 days).
  EXPECT_EQ(inv.expires_at_ms(), inv.created_at_ms() + 336LL * 3600 * 1000) << inv.DebugString();
}

// [invitations] ttl_hours is whole hours (at least 1), so a test cannot wait for an invitation to
// expire here; the expiry itself is tested with a manual clock in the service's unit tests.
// This checks that the configured TTL reaches the server.
class ConfiguredInvitationTtlTest : public CareNetworkTest {
 protected:
  static KringdConfig OneHour() {
    KringdConfig config;
    config.invitation_ttl_hours = 1;
    return config;
  }
  ConfiguredInvitationTtlTest() : CareNetworkTest(/*buddy_joins=*/false, OneHour()) {}
};

TEST_F(ConfiguredInvitationTtlTest, InvitationExpiresAfterTheConfiguredHours) {
  v1::Invitation inv = Must(client_->Invite(net_.id(), "amir", "buddy"), "invite").invitation();
  EXPECT_EQ(inv.expires_at_ms(), inv.created_at_ms() + 3600LL * 1000) << inv.DebugString();
  EXPECT_EQ(inv.state(), v1::INVITATION_STATE_PENDING);
}

}  // namespace
}  // namespace kring::integration
