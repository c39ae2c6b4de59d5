#include "server/net/admission.h"

#include <gtest/gtest.h>

#include <vector>

namespace kring::net {
namespace {

std::vector<Admission::Ticket> AdmitAll(Admission& admission, const std::string& group, int n) {
  std::vector<Admission::Ticket> tickets;
  for (int i = 0; i < n; ++i) {
    auto ticket = admission.Admit(group);
    EXPECT_TRUE(ticket.ok()) << i << ": " << ticket.status().ToString();
    if (ticket.ok()) tickets.push_back(std::move(*ticket));
  }
  return tickets;
}

TEST(AdmissionTest, CapsConnectionsPerAddressAndGivesPlacesBack) {
  auto admission = std::make_shared<Admission>(AdmissionLimits{.max_per_address = 3});
  auto tickets = AdmitAll(*admission, "192.0.2.7", 3);
  auto refused = admission->Admit("192.0.2.7");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_NE(refused.status().detail().find("192.0.2.7"), std::string::npos);
  EXPECT_TRUE(admission->Admit("192.0.2.8").ok());  // another address still gets in
  EXPECT_EQ(admission->from("192.0.2.7"), 3u);
  tickets.pop_back();  // one closes
  EXPECT_EQ(admission->from("192.0.2.7"), 2u);
  EXPECT_TRUE(admission->Admit("192.0.2.7").ok());
}

TEST(AdmissionTest, CapsUnauthenticatedConnectionsButNotAuthenticatedOnes) {
  auto admission = std::make_shared<Admission>(AdmissionLimits{.max_unauthenticated = 2});
  auto tickets = AdmitAll(*admission, "a", 2);
  EXPECT_FALSE(admission->Admit("b").ok());
  tickets[0].SetAuthenticated(true);
  EXPECT_EQ(admission->unauthenticated(), 1u);
  auto third = admission->Admit("b");
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(admission->Admit("c").ok());
  // Losing the session counts it again; closing gives the place back either way.
  tickets[0].SetAuthenticated(false);
  EXPECT_EQ(admission->unauthenticated(), 3u);
  tickets.clear();
  EXPECT_EQ(admission->unauthenticated(), 1u);
  EXPECT_EQ(admission->connections(), 1u);
}

TEST(AdmissionTest, CapsConnectionsInAll) {
  auto admission = std::make_shared<Admission>(AdmissionLimits{.max_connections = 2});
  auto tickets = AdmitAll(*admission, "a", 1);
  auto more = AdmitAll(*admission, "b", 1);
  tickets[0].SetAuthenticated(true);
  EXPECT_FALSE(admission->Admit("c").ok());
  more.clear();
  EXPECT_TRUE(admission->Admit("c").ok());
}

TEST(AdmissionTest, TicketsMoveAndResetOnce) {
  auto admission = std::make_shared<Admission>(AdmissionLimits{.max_per_address = 1});
  auto first = admission->Admit("a");
  ASSERT_TRUE(first.ok());
  Admission::Ticket moved = std::move(*first);
  EXPECT_TRUE(moved.held());
  EXPECT_EQ(admission->connections(), 1u);
  moved = Admission::Ticket();
  EXPECT_EQ(admission->connections(), 0u);
  EXPECT_EQ(admission->unauthenticated(), 0u);
  EXPECT_EQ(admission->from("a"), 0u);
  EXPECT_TRUE(admission->Admit("a").ok());
}

TEST(AdmissionTest, NoCapsAdmitEveryone) {
  auto admission = std::make_shared<Admission>(AdmissionLimits{});
  auto tickets = AdmitAll(*admission, "a", 1000);
  EXPECT_EQ(admission->connections(), 1000u);
}

TEST(AddressGroupTest, IPv4AsItIsIPv6ByItsSlash64) {
  EXPECT_EQ(AddressGroup("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressGroup("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressGroup("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressGroup("2001:db8:1:2::1"), AddressGroup("2001:db8:1:2:ffff::9"));
  EXPECT_NE(AddressGroup("2001:db8:1:2::1"), AddressGroup("2001:db8:1:3::1"));
  EXPECT_EQ(AddressGroup("::1"), "::/64");
  EXPECT_EQ(AddressGroup("not an address"), "not an address");
}

}  // namespace
}  // namespace kring::net
