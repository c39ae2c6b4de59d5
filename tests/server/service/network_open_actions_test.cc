// Networks opened for a client (network_open_actions.cc): one a member opens waits, holding
// nothing, until the client or a representative accepts it with the consent they choose; one a
// representative opens is the client's, and the representative's access ends with the
// appointment.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/service/records.h"
#include "server/storage/transaction.h"
#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

class PendingNetworkTest : public CareNetworkTest {
 protected:
  PendingNetworkTest() : CareNetworkTest(/*buddy_joins=*/false) {}

  void SetUp() override {
    CareNetworkTest::SetUp();
    omar_ = AddClient("omar");
  }

  // jo (a job coach, no relation to omar) opens a network for omar.
  v1::Network CoachOpensForOmar() {
    return Must(coach_->Call(frames::OpenNetwork("omar")), "jo opens for omar")
        .open_network()
        .network();
  }

  static std::vector<v1::Network> Listed(Actor& who) {
    const v1::Response r = Must(who->Call(frames::ListNetworks()), "list networks");
    return {r.list_networks().networks().begin(), r.list_networks().networks().end()};
  }
  static const v1::Network* Find(const std::vector<v1::Network>& networks, uint64_t id) {
    for (const v1::Network& n : networks) {
      if (n.id() == id) return &n;
    }
    return nullptr;
  }

  Actor omar_;
};

TEST_F(PendingNetworkTest, AMemberOpenedNetworkWaitsAndHoldsNothingUntilTheClientAccepts) {
  const v1::Network net = CoachOpensForOmar();
  EXPECT_EQ(net.state(), v1::NETWORK_STATE_PENDING);
  EXPECT_EQ(net.my_role(), v1::MEMBER_ROLE_COORDINATOR);
  EXPECT_EQ(net.opened_by_handle(), "jo");

  // The client is told at once, and sees it as a request to answer.
  auto requested =
      omar_->sink().WaitEvent([](const v1::Event& e) { return e.has_network_requested(); });
  ASSERT_TRUE(requested.has_value());
  EXPECT_EQ(requested->network_requested().network().id(), net.id());
  const v1::Network* listed = Find(Listed(omar_), net.id());
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->state(), v1::NETWORK_STATE_PENDING);
  EXPECT_EQ(listed->my_role(), v1::MEMBER_ROLE_CLIENT);
  ASSERT_NE(Find(Listed(coach_), net.id()), nullptr);
  // Nobody else knows it exists.
  Actor other = AddMember("sam", "debt counsellor");
  EXPECT_EQ(Find(Listed(other), net.id()), nullptr);

  // The opener can do nothing in it yet, and is told why.
  const uint64_t general = net.general_thread_id();
  const v1::Response post = coach_->Call(frames::PostMessage(net.id(), general, "m1", "BSN?"));
  ASSERT_TRUE(IsError(post, v1::Error::FAILED_PRECONDITION));
  EXPECT_EQ(post.error().detail(), "waiting for omar to accept this network");
  EXPECT_TRUE(IsError(coach_->Call(frames::CreateThread(net.id(), "Geld")),
                      v1::Error::FAILED_PRECONDITION));
  EXPECT_TRUE(IsError(coach_->Call(frames::Invite(net.id(), "sam", "debt counsellor")),
                      v1::Error::FAILED_PRECONDITION));
  EXPECT_TRUE(IsError(coach_->Call(frames::ListMembers(net.id())), v1::Error::FAILED_PRECONDITION));
  // Nor does the client, who answers first.
  EXPECT_TRUE(IsError(omar_->Call(frames::PostMessage(net.id(), general, "o1", "hi")),
                      v1::Error::FAILED_PRECONDITION));
  // Only the client (or a representative) answers.
  EXPECT_TRUE(IsError(coach_->Call(frames::AcceptNetwork(net.id())), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(other->Call(frames::AcceptNetwork(net.id())), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(admin()->Call(frames::AcceptNetwork(net.id())), v1::Error::PERMISSION_DENIED));

  // Accepted without a provision: every thread, read and post, no history, no inviting.
  const v1::AcceptNetworkResult accepted =
      Must(omar_->Call(frames::AcceptNetwork(net.id())), "omar accepts").accept_network();
  EXPECT_EQ(accepted.network().state(), v1::NETWORK_STATE_ACCEPTED);
  EXPECT_EQ(accepted.network().answered_by(), omar_.account.id());
  const v1::Consent& consent = accepted.consent();
  EXPECT_EQ(consent.grantee_id(), coach_.account.id());
  EXPECT_EQ(consent.recorded_by(), omar_.account.id());
  EXPECT_EQ(consent.reason(), "network accepted");
  EXPECT_TRUE(consent.provision().all_threads());
  EXPECT_FALSE(consent.provision().history_visible());
  auto answered =
      coach_->sink().WaitEvent([](const v1::Event& e) { return e.has_network_answered(); });
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->network_answered().network().state(), v1::NETWORK_STATE_ACCEPTED);

  EXPECT_TRUE(IsOk(coach_->Call(frames::PostMessage(net.id(), general, "m2", "hello omar"))));
  EXPECT_TRUE(IsError(coach_->Call(frames::Invite(net.id(), "sam", "debt counsellor")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(omar_->Call(frames::AcceptNetwork(net.id())), v1::Error::FAILED_PRECONDITION));
}

TEST_F(PendingNetworkTest, TheClientChoosesTheOpenersConsent) {
  const v1::Network net = CoachOpensForOmar();
  Grant grant;
  grant.post = false;
  grant.coordinate = true;
  const v1::ConsentProvision provision = ToProvision(grant);
  const v1::Consent consent =
      Must(omar_->Call(frames::AcceptNetwork(net.id(), &provision)), "omar accepts, read only")
          .accept_network()
          .consent();
  EXPECT_EQ(consent.provision().actions_size(), 2);
  EXPECT_TRUE(
      IsError(coach_->Call(frames::PostMessage(net.id(), net.general_thread_id(), "m", "may I?")),
              v1::Error::PERMISSION_DENIED));
  Actor sam = AddMember("sam", "debt counsellor");
  EXPECT_TRUE(IsOk(coach_->Call(frames::Invite(net.id(), "sam", "debt counsellor"))));
}

TEST_F(PendingNetworkTest, ADeclinedNetworkIsGoneForEveryone) {
  const v1::Network net = CoachOpensForOmar();
  ASSERT_TRUE(IsOk(omar_->Call(frames::DeclineNetwork(net.id()))));
  auto answered =
      coach_->sink().WaitEvent([](const v1::Event& e) { return e.has_network_answered(); });
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->network_answered().network().state(), v1::NETWORK_STATE_DECLINED);
  EXPECT_EQ(Find(Listed(coach_), net.id()), nullptr);
  EXPECT_EQ(Find(Listed(omar_), net.id()), nullptr);
  EXPECT_TRUE(IsError(
      coach_->Call(frames::PostMessage(net.id(), net.general_thread_id(), "m", "still there?")),
      v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(omar_->Call(frames::AcceptNetwork(net.id())), v1::Error::NOT_FOUND));
}

TEST_F(PendingNetworkTest, ARepresentativeAnswersForTheClient) {
  Actor mentor = AddRepresentative(omar_, "mentor");
  const v1::Network net = CoachOpensForOmar();
  auto requested =
      mentor->sink().WaitEvent([](const v1::Event& e) { return e.has_network_requested(); });
  ASSERT_TRUE(requested.has_value());
  const v1::Consent consent = Must(mentor->Call(frames::AcceptNetwork(net.id())), "mentor accepts")
                                  .accept_network()
                                  .consent();
  EXPECT_TRUE(consent.by_representative());
  EXPECT_EQ(consent.recorded_by(), mentor.account.id());
  EXPECT_EQ(consent.client_id(), omar_.account.id());
}

// The hole of issue 14: a representative who opened a network kept a consent recorded by
// themself, and with it their access after the appointment ended.
TEST_F(PendingNetworkTest,
       ARepresentativesNetworkIsTheClientsAndTheirAccessEndsWithTheAppointment) {
  Actor mentor = AddRepresentative(omar_, "mentor");
  const v1::Network net =
      Must(mentor->Call(frames::OpenNetwork("omar")), "mentor opens").open_network().network();
  EXPECT_EQ(net.state(), v1::NETWORK_STATE_UNSPECIFIED);  // in use at once
  EXPECT_EQ(net.my_role(), v1::MEMBER_ROLE_REPRESENTATIVE);
  const uint64_t general = net.general_thread_id();
  ASSERT_TRUE(IsOk(mentor->Call(frames::PostMessage(net.id(), general, "m1", "for omar"))));
  // No consent of their own on record.
  const v1::Response consents = Must(omar_->Call(frames::ListConsents(net.id())), "consents");
  for (const v1::Consent& c : consents.list_consents().consents()) {
    EXPECT_NE(c.grantee_id(), mentor.account.id()) << c.DebugString();
  }

  Must(admin()->Call(frames::EndRepresentation("omar", "mentor")), "end");
  EXPECT_TRUE(IsError(mentor->Call(frames::PostMessage(net.id(), general, "m2", "still?")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->Call(frames::ListThreads(net.id())), v1::Error::PERMISSION_DENIED));
  EXPECT_EQ(Find(Listed(mentor), net.id()), nullptr);
  // The client's network stays the client's.
  EXPECT_TRUE(IsOk(omar_->Call(frames::PostMessage(net.id(), general, "o1", "mine"))));
}

TEST_F(PendingNetworkTest, PipelinedAnswersAreDecidedOnceInOrder) {
  Actor mentor = AddRepresentative(omar_, "mentor");
  const v1::Network net = CoachOpensForOmar();
  // The client and the representative answer at once, each pipelining more answers.
  const uint64_t accept = omar_->Send(frames::AcceptNetwork(net.id()));
  const uint64_t decline = mentor->Send(frames::DeclineNetwork(net.id()));
  const uint64_t again = omar_->Send(frames::AcceptNetwork(net.id()));
  const v1::Response accepted = omar_->sink().WaitResponse(accept);
  const v1::Response declined = mentor->sink().WaitResponse(decline);
  const v1::Response repeated = omar_->sink().WaitResponse(again);
  // Exactly one answer took effect; the others found the network no longer waiting.
  EXPECT_NE(accepted.has_error(), declined.has_error()) << accepted.ShortDebugString() << "\n"
                                                        << declined.ShortDebugString();
  EXPECT_TRUE(repeated.has_error());
  if (!accepted.has_error()) {
    EXPECT_TRUE(IsError(declined, v1::Error::FAILED_PRECONDITION));
    const v1::Response consents = Must(omar_->Call(frames::ListConsents(net.id(), true)), "list");
    EXPECT_EQ(consents.list_consents().consents_size(), 1);
  } else {
    EXPECT_TRUE(IsError(accepted, v1::Error::NOT_FOUND));
  }
}

// A store written by an older kringd, where a representative who opened a network holds a
// coordinator membership and a consent recorded by themself: both end with the appointment.
TEST_F(PendingNetworkTest, AnOlderRepresentativesSelfRecordedAccessEndsWithTheAppointment) {
  Actor mentor = AddRepresentative(omar_, "mentor");
  const v1::Network opened =
      Must(omar_->Call(frames::OpenNetwork("omar")), "omar opens").open_network().network();
  const int64_t now = clock_.NowMs();
  {
    // What OpenNetwork by the representative stored before: opener, membership, consent.
    storage::Transaction txn(memory_);
    v1::Network old = opened;
    old.clear_my_role();
    old.set_opened_by(mentor.account.id());
    records::PutNetwork(txn, old);
    store::MemberRecord coordinator;
    coordinator.set_account_id(mentor.account.id());
    coordinator.set_role(v1::MEMBER_ROLE_COORDINATOR);
    coordinator.set_since_ms(now);
    records::AddMember(txn, opened.id(), coordinator);
    v1::Consent consent;
    StatusOr<uint64_t> id = records::AllocateId(txn);
    ASSERT_TRUE(id.ok());
    consent.set_id(*id);
    consent.set_network_id(opened.id());
    consent.set_grantee_id(mentor.account.id());
    consent.set_grantee_handle("mentor");
    consent.set_client_id(omar_.account.id());
    consent.set_recorded_by(mentor.account.id());
    consent.set_status(v1::CONSENT_STATUS_ACTIVE);
    consent.set_reason("network opened");
    consent.set_recorded_at_ms(now);
    consent.set_access_since_ms(now);
    Grant everything;
    everything.coordinate = true;
    everything.history = true;
    *consent.mutable_provision() = ToProvision(everything);
    consent.mutable_provision()->set_start_ms(now);
    records::PutConsent(txn, consent);
    ASSERT_TRUE(memory_.Write(txn.batch(), true).ok());
  }
  const uint64_t general = opened.general_thread_id();
  Must(admin()->Call(frames::EndRepresentation("omar", "mentor")), "end");
  EXPECT_TRUE(IsError(mentor->Call(frames::PostMessage(opened.id(), general, "m", "still?")),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_EQ(Find(Listed(mentor), opened.id()), nullptr);
  const v1::Response history =
      Must(omar_->Call(frames::ListConsents(opened.id(), true)), "omar's consent history");
  ASSERT_EQ(history.list_consents().consents_size(), 2);
  const v1::Consent& ended = history.list_consents().consents(1);
  EXPECT_EQ(ended.reason(), "representation ended");
  EXPECT_EQ(ended.status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(ended.grantee_id(), mentor.account.id());
}

// The network names its opener by name and profession to those who may see them (who sees whom),
// so the client knows whom she answers without reading her access log.
TEST_F(PendingNetworkTest, TheOpenersNameAndProfessionGoWithTheNetworkToThoseWhoSeeThem) {
  v1::CreateAccountRequest create;
  create.set_handle("noor");
  create.set_kind(v1::ACCOUNT_KIND_MEMBER);
  create.set_display_name("Noor Haddad");
  create.set_profession("casemanager");
  create.set_password(kPassword);
  ASSERT_TRUE(service_->CreateAccountOffline(create).ok());
  auto noor = LoggedIn("noor");
  const auto named = [](const v1::Network& n) {
    return n.opened_by_display_name() == "Noor Haddad" && n.opened_by_profession() == "casemanager";
  };
  const v1::Response opened = noor->Call(frames::OpenNetwork("omar"));
  ASSERT_TRUE(IsOk(opened));
  const v1::Network& net = opened.open_network().network();
  EXPECT_TRUE(named(net)) << net.DebugString();
  auto requested =
      omar_->sink().WaitEvent([](const v1::Event& e) { return e.has_network_requested(); });
  ASSERT_TRUE(requested.has_value());
  EXPECT_TRUE(named(requested->network_requested().network()));
  const std::vector<v1::Network> omars = Listed(omar_);
  const v1::Network* pending = Find(omars, net.id());
  ASSERT_NE(pending, nullptr);
  EXPECT_TRUE(named(*pending)) << "the client always sees whom she answers";
  // Not kept in the store: the account says it when shown.
  auto stored = records::GetNetwork(memory_, net.id());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->opened_by_display_name(), "");

  const v1::Response accepted = omar_->Call(frames::AcceptNetwork(net.id()));
  ASSERT_TRUE(IsOk(accepted));
  EXPECT_TRUE(named(accepted.accept_network().network()));
  auto answered =
      noor->sink().WaitEvent([](const v1::Event& e) { return e.has_network_answered(); });
  ASSERT_TRUE(answered.has_value());
  EXPECT_TRUE(named(answered->network_answered().network()));

  // amir, a member, shares every thread with her: he sees who opened it.
  const uint64_t inv =
      Must(omar_->Call(frames::Invite(net.id(), "amir", "")), "invite").invite().invitation().id();
  Must(omar_->Call(frames::ApproveInvitation(inv)), "approve");
  std::vector<v1::Network> listed = Listed(buddy_);
  const v1::Network* amirs = Find(listed, net.id());
  ASSERT_NE(amirs, nullptr);
  EXPECT_TRUE(named(*amirs));
  // Once her access is withdrawn she is listed to him no longer, nor named on the network.
  Must(omar_->Call(frames::WithdrawConsent(net.id(), "noor")), "withdraw");
  listed = Listed(buddy_);
  amirs = Find(listed, net.id());
  ASSERT_NE(amirs, nullptr);
  EXPECT_EQ(amirs->opened_by_display_name(), "");
  EXPECT_EQ(amirs->opened_by_profession(), "");
  EXPECT_EQ(amirs->opened_by_handle(), "noor") << "the handle, as before";
  listed = Listed(omar_);
  ASSERT_NE(Find(listed, net.id()), nullptr);
  EXPECT_TRUE(named(*Find(listed, net.id())));
}

}  // namespace
}  // namespace kring::service::testing
