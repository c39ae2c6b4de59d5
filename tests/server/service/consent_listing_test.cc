// What a consent listing tells the client besides the records: the titles of the threads they
// name, and when each record stopped counting (docs/protocol.md, ListConsents).
#include <gtest/gtest.h>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

class ConsentListingTest : public CareNetworkTest {};

TEST_F(ConsentListingTest, ListsThreadTitlesAndWhenEachRecordEnded) {
  const uint64_t work = NewThread(client_, "Werk");
  Grant only_work;
  only_work.thread_ids = {work};
  const v1::Consent narrowed = GrantConsent(client_, "amir", only_work);
  const v1::Consent withdrawn = WithdrawConsent(client_, "amir");

  const v1::Response current = Must(client_->Call(frames::ListConsents(net_.id())), "list");
  for (const v1::Consent& c : current.list_consents().consents()) {
    if (c.grantee_handle() == "jo") {
      EXPECT_EQ(c.ended_at_ms(), 0) << "jo's consent counts";
    }
    if (c.grantee_handle() == "amir") {
      EXPECT_EQ(c.id(), withdrawn.id());
      EXPECT_EQ(c.ended_at_ms(), withdrawn.recorded_at_ms());
    }
  }
  EXPECT_EQ(current.list_consents().thread_titles().at(work), "Werk");

  const v1::Response history =
      Must(client_->Call(frames::ListConsents(net_.id(), /*history=*/true)), "history");
  bool saw_narrowed = false;
  for (const v1::Consent& c : history.list_consents().consents()) {
    if (c.id() == narrowed.id()) {
      saw_narrowed = true;
      EXPECT_EQ(c.ended_at_ms(), withdrawn.recorded_at_ms()) << "superseded by the withdrawal";
    }
  }
  EXPECT_TRUE(saw_narrowed);
  EXPECT_EQ(history.list_consents().thread_titles().count(work), 1u);
}

}  // namespace
}  // namespace kring::service::testing
