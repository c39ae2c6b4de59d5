// Four eyes on representatives (representative_actions.cc): an appointment takes effect only
// when a second admin confirms it; the client is told at once, by an event and in their access
// log; the basis is a reference one can look up.
#include "server/service/representative_actions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

class FourEyesTest : public CareNetworkTest {
 protected:
  FourEyesTest() : CareNetworkTest(/*buddy_joins=*/false) {}

  // The summaries of the client's access log, oldest first.
  std::vector<std::string> AccessLogOf(Actor& client) {
    v1::ClientFrame f;
    f.mutable_my_access_log();
    const v1::Response r = Must(client->Call(f), "access log");
    std::vector<std::string> out;
    for (const auto& entry : r.my_access_log().entries()) out.push_back(entry.summary());
    return out;
  }
  static bool Mentions(const std::vector<std::string>& lines, const std::string& text) {
    for (const std::string& line : lines) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  static std::optional<v1::RepresentationChanged> WaitChange(Actor& who,
                                                             v1::RepresentationChange change) {
    auto e = who->sink().WaitEvent([change](const v1::Event& e) {
      return e.has_representation_changed() && e.representation_changed().change() == change;
    });
    if (!e) return std::nullopt;
    return e->representation_changed();
  }
};

TEST_F(FourEyesTest, AnAppointmentTakesEffectOnlyWhenASecondAdminConfirmsIt) {
  // The scenario of issue 14: an admin makes an account of his own and appoints it.
  ASSERT_TRUE(CreateAccount("stooge", v1::ACCOUNT_KIND_MEMBER, "mentor").ok());
  const v1::Representation asked =
      Must(admin()->Call(frames::AppointRepresentative("ruth", "stooge", "court order 2026/123")),
           "appoint")
          .appoint_representative()
          .representation();
  EXPECT_TRUE(asked.pending());
  EXPECT_EQ(asked.since_ms(), 0);
  EXPECT_EQ(asked.appointed_by_handle(), "admin");

  // The client is told at once: an event, and a line in her access log.
  auto told = WaitChange(client_, v1::REPRESENTATION_CHANGE_REQUESTED);
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->representation().representative_handle(), "stooge");
  EXPECT_TRUE(Mentions(AccessLogOf(client_), "asked to appoint stooge"));

  // A real session of the appointee: nothing yet.
  Actor stooge = LogIn("stooge");
  EXPECT_EQ(Must(stooge->Call(frames::ListNetworks()), "list").list_networks().networks_size(), 0);
  EXPECT_TRUE(IsError(stooge->Call(frames::ListMembers(net_.id())), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(stooge->Call(frames::FetchHistory(net_.id(), thread_)),
                      v1::Error::PERMISSION_DENIED));

  // The admin who asked cannot confirm it.
  const v1::Response self = admin()->Call(frames::ConfirmRepresentative("ruth", "stooge"));
  ASSERT_TRUE(IsError(self, v1::Error::PERMISSION_DENIED));
  EXPECT_NE(self.error().detail().find("second admin"), std::string::npos);
  // Nor can anyone but an admin.
  EXPECT_TRUE(IsError(client_->Call(frames::ConfirmRepresentative("ruth", "stooge")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(stooge->Call(frames::ConfirmRepresentative("ruth", "stooge")),
                      v1::Error::PERMISSION_DENIED));

  // A second admin sees what waits, and confirms it.
  const v1::Response pending = Must(second_admin()->Call(frames::ListRepresentations()), "list");
  ASSERT_EQ(pending.list_representations().representations_size(), 1);
  EXPECT_TRUE(pending.list_representations().representations(0).pending());
  const v1::Representation confirmed =
      Must(second_admin()->Call(frames::ConfirmRepresentative("ruth", "stooge")), "confirm")
          .confirm_representative()
          .representation();
  EXPECT_FALSE(confirmed.pending());
  EXPECT_EQ(confirmed.confirmed_by_handle(), "admin2");
  EXPECT_GT(confirmed.since_ms(), 0);
  ASSERT_TRUE(WaitChange(client_, v1::REPRESENTATION_CHANGE_CONFIRMED).has_value());
  ASSERT_TRUE(WaitChange(stooge, v1::REPRESENTATION_CHANGE_CONFIRMED).has_value());
  EXPECT_TRUE(Mentions(AccessLogOf(client_), "confirmed the appointment of stooge"));

  EXPECT_TRUE(IsOk(stooge->Call(frames::ListMembers(net_.id()))));
  EXPECT_TRUE(IsOk(stooge->Call(frames::FetchHistory(net_.id(), thread_))));
  EXPECT_EQ(Must(second_admin()->Call(frames::ListRepresentations()), "list")
                .list_representations()
                .representations_size(),
            0);
  const v1::Response of_ruth =
      Must(second_admin()->Call(frames::ListRepresentations("ruth")), "list ruth");
  ASSERT_EQ(of_ruth.list_representations().representations_size(), 1);
  EXPECT_FALSE(of_ruth.list_representations().representations(0).pending());
  EXPECT_TRUE(IsError(second_admin()->Call(frames::ConfirmRepresentative("ruth", "stooge")),
                      v1::Error::FAILED_PRECONDITION));
}

TEST_F(FourEyesTest, APendingAppointmentCanBeRefusedOrWithdrawn) {
  ASSERT_TRUE(CreateAccount("mentor", v1::ACCOUNT_KIND_MEMBER, "mentor").ok());
  Must(admin()->Call(frames::AppointRepresentative("ruth", "mentor", "decision 2026-0042")), "ask");
  EXPECT_TRUE(
      IsError(admin()->Call(frames::AppointRepresentative("ruth", "mentor", "decision 2026-0042")),
              v1::Error::ALREADY_EXISTS));
  // Not in force, so there is nothing to end.
  EXPECT_TRUE(IsError(admin()->Call(frames::EndRepresentation("ruth", "mentor")),
                      v1::Error::FAILED_PRECONDITION));
  Must(second_admin()->Call(frames::RefuseRepresentative("ruth", "mentor")), "refuse");
  ASSERT_TRUE(WaitChange(client_, v1::REPRESENTATION_CHANGE_REFUSED).has_value());
  EXPECT_TRUE(IsError(second_admin()->Call(frames::ConfirmRepresentative("ruth", "mentor")),
                      v1::Error::NOT_FOUND));
  EXPECT_TRUE(Mentions(AccessLogOf(client_), "refused the appointment of mentor"));

  // The admin who asked may withdraw their own request.
  Must(admin()->Call(frames::AppointRepresentative("ruth", "mentor", "decision 2026-0043")), "ask");
  EXPECT_TRUE(IsOk(admin()->Call(frames::RefuseRepresentative("ruth", "mentor"))));
  EXPECT_TRUE(
      IsError(admin()->Call(frames::RefuseRepresentative("ruth", "mentor")), v1::Error::NOT_FOUND));
}

TEST_F(FourEyesTest, EndingAnAppointmentTellsTheClient) {
  Actor mentor = AddRepresentative(client_, "mentor");
  Must(admin()->Call(frames::EndRepresentation("ruth", "mentor")), "end");
  ASSERT_TRUE(WaitChange(client_, v1::REPRESENTATION_CHANGE_ENDED).has_value());
  ASSERT_TRUE(WaitChange(mentor, v1::REPRESENTATION_CHANGE_ENDED).has_value());
}

TEST(RepresentationBasisTest, IsAReferenceOneCanLookUp) {
  for (const char* bad :
       {"", "x", "guardianship", "1234567", "  1234567  ", "mentorship", "\xff\xfe court 12345"}) {
    EXPECT_EQ(CheckRepresentationBasis(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CheckRepresentationBasis(std::string(195, 'a') + " 2026/1").status().code(),
            Code::kInvalidArgument);  // 202 bytes
  EXPECT_EQ(*CheckRepresentationBasis("12345678"), "12345678");
  EXPECT_EQ(*CheckRepresentationBasis("  court order 2026/123\n"), "court order 2026/123");
  // Eight characters, whatever their bytes.
  EXPECT_EQ(*CheckRepresentationBasis("Besluit 7"), "Besluit 7");
  EXPECT_EQ(*CheckRepresentationBasis("قرار ٢٠٢٦ 9"), "قرار ٢٠٢٦ 9");
  EXPECT_EQ(CheckRepresentationBasis("قرار 9").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kring::service::testing
