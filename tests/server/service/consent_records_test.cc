// Who decides, and the record of it: representatives acting for the client, declined
// invitations, and the consent history (docs/consent.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

using ConsentRecords = std::vector<v1::Consent>;

// Records about `grantee_id`, in listed order.
ConsentRecords RecordsOf(const v1::ListConsentsResult& list, uint64_t grantee_id) {
  ConsentRecords out;
  for (const v1::Consent& c : list.consents()) {
    if (c.grantee_id() == grantee_id) out.push_back(c);
  }
  return out;
}

const v1::Consent* FindRecord(const v1::ListConsentsResult& list, uint64_t id) {
  for (const v1::Consent& c : list.consents()) {
    if (c.id() == id) return &c;
  }
  return nullptr;
}

bool HasAction(const v1::ConsentProvision& p, v1::ConsentAction action) {
  for (int a : p.actions()) {
    if (a == action) return true;
  }
  return false;
}

// --- Representatives ---

class RepresentationRulesTest : public CareNetworkTest {
 protected:
  v1::ListConsentsResult History(Actor& by) {
    return Must(by->Call(frames::ListConsents(net_.id(), true)), by.handle + " lists consents")
        .list_consents();
  }
};

TEST_F(RepresentationRulesTest, ActsForTheClientUntilTheRepresentationEnds) {
  const uint64_t n = net_.id();
  // Appointment is an admin task, and it needs its legal basis.
  Actor mentor = AddMember("mentor", "mentor");
  for (Actor* p : {&client_, &coach_, &buddy_}) {
    EXPECT_TRUE(IsError((*p)->Call(frames::AppointRepresentative("ruth", "mentor", "self-chosen")),
                        v1::Error::PERMISSION_DENIED))
        << p->handle;
  }
  EXPECT_TRUE(IsError(admin()->Call(frames::AppointRepresentative("ruth", "mentor", "")),
                      v1::Error::INVALID_ARGUMENT));
  const v1::Representation rep = Must(admin()->Call(frames::AppointRepresentative(
                                          "ruth", "mentor", "mentorship, court order 2026/123")),
                                      "appoint")
                                     .appoint_representative()
                                     .representation();
  Must(second_admin()->Call(frames::ConfirmRepresentative("ruth", "mentor")), "confirm");
  EXPECT_EQ(rep.client_id(), client_.account.id());
  EXPECT_EQ(rep.representative_id(), mentor.account.id());
  EXPECT_EQ(rep.appointed_by(), admin().account.id());

  // Every network of the client, including one a coordinator opened for her later.
  const uint64_t second =
      Must(coach_->Call(frames::OpenNetwork("ruth")), "jo opens").open_network().network().id();
  Must(client_->Call(frames::AcceptNetwork(second)), "ruth accepts");
  std::vector<uint64_t> listed;
  const v1::Response networks = Must(mentor->Call(frames::ListNetworks()), "mentor lists");
  for (const v1::Network& net : networks.list_networks().networks()) {
    listed.push_back(net.id());
    EXPECT_EQ(net.my_role(), v1::MEMBER_ROLE_REPRESENTATIVE) << net.DebugString();
  }
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (std::vector<uint64_t>{n, second}));
  bool shown = false;
  const v1::Response members = Must(client_->Call(frames::ListMembers(n)), "members");
  for (const v1::Member& m : members.list_members().members()) {
    if (m.handle() == "mentor") shown = m.role() == v1::MEMBER_ROLE_REPRESENTATIVE;
  }
  EXPECT_TRUE(shown) << "the representative is not listed with role REPRESENTATIVE";
  ASSERT_TRUE(IsOk(mentor->Call(frames::Subscribe(n, {thread_}))));

  // The representative withdraws and grants amir's consent; the records say who decided.
  const v1::Consent withdrawn = WithdrawConsent(mentor, "amir");
  EXPECT_TRUE(
      IsError(buddy_->Call(frames::FetchHistory(n, thread_)), v1::Error::PERMISSION_DENIED));
  Grant grant;
  grant.thread_ids = {thread_};
  const v1::Consent granted = GrantConsent(mentor, "amir", grant);
  EXPECT_TRUE(IsOk(buddy_->Call(frames::FetchHistory(n, thread_))));
  const v1::ListConsentsResult history = History(client_);
  for (uint64_t id : {withdrawn.id(), granted.id()}) {
    const v1::Consent* c = FindRecord(history, id);
    ASSERT_NE(c, nullptr) << "record " << id << " missing from " << history.DebugString();
    EXPECT_EQ(c->recorded_by(), mentor.account.id()) << c->DebugString();
    EXPECT_EQ(c->recorded_by_handle(), "mentor") << c->DebugString();
    EXPECT_TRUE(c->by_representative()) << c->DebugString();
    EXPECT_EQ(c->client_id(), client_.account.id()) << c->DebugString();
    EXPECT_EQ(c->grantee_id(), buddy_.account.id()) << c->DebugString();
  }
  EXPECT_EQ(FindRecord(history, granted.id())->supersedes(), withdrawn.id());
  EXPECT_EQ(History(mentor).consents_size(), history.consents_size());

  // The representative approves and removes members too, on the record.
  Actor gp = AddMember("dr.bakker", "GP");
  const uint64_t inv =
      Must(mentor->Call(frames::Invite(n, "dr.bakker", "GP")), "invite").invite().invitation().id();
  const v1::ConsentProvision provision = ToProvision(grant);
  ASSERT_TRUE(IsOk(mentor->Call(frames::ApproveInvitation(inv, &provision))));
  ASSERT_TRUE(IsOk(mentor->Call(frames::RemoveMember(n, "dr.bakker"))));
  const ConsentRecords gp_records = RecordsOf(History(client_), gp.account.id());
  ASSERT_EQ(gp_records.size(), 2u);
  EXPECT_EQ(gp_records[0].reason(), "invitation approved");
  EXPECT_EQ(gp_records[1].reason(), "removed");
  for (const v1::Consent& c : gp_records) {
    EXPECT_EQ(c.recorded_by(), mentor.account.id()) << c.DebugString();
    EXPECT_TRUE(c.by_representative()) << c.DebugString();
  }

  // Ending the representation takes effect before the admin's response.
  ASSERT_TRUE(IsOk(client_->Call(frames::Subscribe(n, {thread_}))));
  EXPECT_TRUE(IsError(coach_->Call(frames::EndRepresentation("ruth", "mentor")),
                      v1::Error::PERMISSION_DENIED));
  mentor->sink().TakeEvents();
  ASSERT_TRUE(IsOk(admin()->Call(frames::EndRepresentation("ruth", "mentor"))));
  bool ended = false;
  for (const v1::Event& e : mentor->sink().TakeEvents()) {
    if (e.has_access_ended() && e.access_ended().network_id() == n) ended = true;
  }
  EXPECT_TRUE(ended) << "the former representative got no AccessEnded before the response";
  const uint64_t after = PostSeq(coach_, thread_, "after-rep", "not for mentor");
  ASSERT_TRUE(WaitForEvent(*client_, [&](const v1::Event& e) {
                return e.has_message_posted() && e.message_posted().message().seq() == after;
              }).has_value());
  for (const v1::Event& e : EventsUntilRoundTrip(*mentor)) {
    EXPECT_FALSE(IsMessageIn(e, n)) << "after the representation: " << e.DebugString();
  }
  EXPECT_TRUE(IsError(mentor->Call(frames::GrantConsent(n, "amir", ToProvision(Grant{}))),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(mentor->Call(frames::WithdrawConsent(n, "amir")), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->Call(frames::ListConsents(n)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(
      IsError(mentor->Call(frames::FetchHistory(n, thread_)), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->Call(frames::ListThreads(second)), v1::Error::PERMISSION_DENIED));
  EXPECT_EQ(
      Must(mentor->Call(frames::ListNetworks()), "mentor lists").list_networks().networks_size(),
      0);
}

// --- Invitations ---

class InvitationDecisionTest : public CareNetworkTest {
 protected:
  InvitationDecisionTest() : CareNetworkTest(/*buddy_joins=*/false) {}
};

TEST_F(InvitationDecisionTest, InviteeClientOrRepresentativeDeclines) {
  Actor mentor = AddRepresentative(client_, "mentor");
  Actor gp = AddMember("dr.bakker", "GP");
  Actor neighbour = AddMember("sam", "neighbour");
  struct Case {
    Actor* invitee;
    Actor* decliner;
  };
  for (const Case& c : {Case{&buddy_, &buddy_}, Case{&gp, &client_}, Case{&neighbour, &mentor}}) {
    SCOPED_TRACE(c.invitee->handle + " declined by " + c.decliner->handle);
    const uint64_t inv =
        Must(client_->Call(frames::Invite(net_.id(), c.invitee->handle, "helper")), "invite")
            .invite()
            .invitation()
            .id();
    EXPECT_TRUE(
        IsError(coach_->Call(frames::DeclineInvitation(inv)), v1::Error::PERMISSION_DENIED));
    ASSERT_TRUE(IsOk((*c.decliner)->Call(frames::DeclineInvitation(inv))));
    std::optional<v1::Event> declined = WaitForEvent(*client_, [&](const v1::Event& e) {
      return e.has_membership_changed() &&
             e.membership_changed().change() == v1::MEMBERSHIP_CHANGE_DECLINED &&
             e.membership_changed().invitation().id() == inv;
    });
    EXPECT_TRUE(declined.has_value()) << "the client got no MembershipChanged DECLINED";
    EXPECT_TRUE(
        IsError(client_->Call(frames::ApproveInvitation(inv)), v1::Error::FAILED_PRECONDITION));
    EXPECT_TRUE(IsError((*c.invitee)->Call(frames::FetchHistory(net_.id(), thread_)),
                        v1::Error::PERMISSION_DENIED));
  }
}

// --- The consent history ---

class ConsentHistoryTest : public CareNetworkTest {
 protected:
  v1::ListConsentsResult History(Actor& by, uint64_t network_id) {
    return Must(by->Call(frames::ListConsents(network_id, true)), by.handle + " lists consents")
        .list_consents();
  }
};

TEST_F(ConsentHistoryTest, EveryChangeIsARecordThatSupersedesTheLast) {
  const uint64_t n = net_.id();
  const uint64_t work = NewThread(client_, "Werk");
  Grant werk_only;
  werk_only.thread_ids = {work};
  GrantConsent(client_, "amir", werk_only);
  Grant everything;
  everything.history = true;
  GrantConsent(client_, "amir", everything);
  WithdrawConsent(client_, "amir");
  ASSERT_TRUE(IsOk(coach_->Call(frames::RemoveMember(n, "jo"))));  // jo leaves

  const v1::ListConsentsResult history = History(client_, n);
  for (int i = 1; i < history.consents_size(); ++i) {
    EXPECT_LT(history.consents(i - 1).id(), history.consents(i).id()) << "not oldest first";
    EXPECT_LE(history.consents(i - 1).recorded_at_ms(), history.consents(i).recorded_at_ms());
  }
  for (const v1::Consent& c : history.consents()) {
    EXPECT_EQ(c.network_id(), n);
    EXPECT_EQ(c.client_id(), client_.account.id());
    EXPECT_FALSE(c.by_representative());
  }
  struct Expected {
    const char* reason;
    v1::ConsentStatus status;
    uint64_t recorded_by;
  };
  const uint64_t ruth = client_.account.id();
  const uint64_t jo = coach_.account.id();
  auto check_chain = [&](const Actor& grantee, const std::vector<Expected>& expected) {
    SCOPED_TRACE(grantee.handle);
    const ConsentRecords records = RecordsOf(history, grantee.account.id());
    ASSERT_EQ(records.size(), expected.size()) << history.DebugString();
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(records[i].reason(), expected[i].reason) << records[i].DebugString();
      EXPECT_EQ(records[i].status(), expected[i].status) << records[i].DebugString();
      EXPECT_EQ(records[i].recorded_by(), expected[i].recorded_by) << records[i].DebugString();
      EXPECT_EQ(records[i].grantee_handle(), grantee.handle);
      EXPECT_EQ(records[i].supersedes(), i == 0 ? 0 : records[i - 1].id())
          << records[i].DebugString();
    }
  };
  check_chain(buddy_, {{"invitation approved", v1::CONSENT_STATUS_ACTIVE, ruth},
                       {"granted", v1::CONSENT_STATUS_ACTIVE, ruth},
                       {"granted", v1::CONSENT_STATUS_ACTIVE, ruth},
                       {"withdrawn", v1::CONSENT_STATUS_WITHDRAWN, ruth}});
  check_chain(coach_, {{"invitation approved", v1::CONSENT_STATUS_ACTIVE, ruth},
                       {"left", v1::CONSENT_STATUS_WITHDRAWN, jo}});
  const ConsentRecords amir = RecordsOf(history, buddy_.account.id());
  if (amir.size() == 4) {
    EXPECT_FALSE(amir[1].provision().all_threads());
    EXPECT_TRUE(amir[2].provision().all_threads());
    EXPECT_TRUE(amir[2].provision().history_visible());
  }

  // Without `history`: each grantee's current record only.
  const v1::ListConsentsResult current =
      Must(client_->Call(frames::ListConsents(n)), "current").list_consents();
  const ConsentRecords amir_now = RecordsOf(current, buddy_.account.id());
  ASSERT_EQ(amir_now.size(), 1u) << current.DebugString();
  ASSERT_FALSE(amir.empty());
  EXPECT_EQ(amir_now[0].id(), amir.back().id());

  // Only the client (or a representative) reads or changes consent.
  for (Actor* p : {&coach_, &buddy_}) {
    EXPECT_TRUE(IsError((*p)->Call(frames::ListConsents(n, true)), v1::Error::PERMISSION_DENIED))
        << p->handle;
    EXPECT_TRUE(IsError((*p)->Call(frames::GrantConsent(n, "amir", ToProvision(Grant{}))),
                        v1::Error::PERMISSION_DENIED))
        << p->handle;
  }
}

TEST_F(ConsentHistoryTest, RemovalIsRecorded) {
  ASSERT_TRUE(IsOk(client_->Call(frames::RemoveMember(net_.id(), "amir"))));
  const ConsentRecords amir = RecordsOf(History(client_, net_.id()), buddy_.account.id());
  ASSERT_EQ(amir.size(), 2u);
  EXPECT_EQ(amir[1].reason(), "removed");
  EXPECT_EQ(amir[1].status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(amir[1].supersedes(), amir[0].id());
  EXPECT_EQ(amir[1].recorded_by(), client_.account.id());
}

TEST_F(ConsentHistoryTest, AcceptingANetworkOpenedForAClientIsRecorded) {
  Actor omar = AddClient("omar");
  const v1::Network net =
      Must(coach_->Call(frames::OpenNetwork("omar")), "jo opens for omar").open_network().network();
  // Nothing is on record before the client accepts: the opener has no access.
  EXPECT_TRUE(
      IsError(omar->Call(frames::ListConsents(net.id(), true)), v1::Error::FAILED_PRECONDITION));
  Grant grant;
  grant.coordinate = true;
  grant.history = true;
  const v1::ConsentProvision provision = ToProvision(grant);
  Must(omar->Call(frames::AcceptNetwork(net.id(), &provision)), "omar accepts");
  const v1::ListConsentsResult history = History(omar, net.id());
  ASSERT_GE(history.consents_size(), 1);
  const v1::Consent& first = history.consents(0);
  EXPECT_EQ(first.grantee_id(), coach_.account.id());
  EXPECT_EQ(first.reason(), "network accepted");
  EXPECT_EQ(first.recorded_by(), omar.account.id());
  EXPECT_FALSE(first.by_representative());
  EXPECT_EQ(first.client_id(), omar.account.id());
  EXPECT_EQ(first.status(), v1::CONSENT_STATUS_ACTIVE);
  EXPECT_TRUE(first.provision().all_threads());
  EXPECT_TRUE(first.provision().history_visible());
  EXPECT_TRUE(HasAction(first.provision(), v1::CONSENT_ACTION_POST));
  EXPECT_TRUE(HasAction(first.provision(), v1::CONSENT_ACTION_COORDINATE));
  // The coordinator does not read the consent list of the client.
  EXPECT_TRUE(
      IsError(coach_->Call(frames::ListConsents(net.id(), true)), v1::Error::PERMISSION_DENIED));
}

TEST_F(ConsentHistoryTest, AdminAndAuditorAreRefusedEveryContentRequest) {
  const uint64_t n = net_.id();
  const uint64_t t = thread_;
  PostSeq(client_, t, "r1", "private");
  Actor auditor = AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);
  const std::vector<std::pair<const char*, v1::ClientFrame>> calls = {
      {"ListConsents", frames::ListConsents(n, true)},
      {"GrantConsent", frames::GrantConsent(n, "amir", ToProvision(Grant{}))},
      {"WithdrawConsent", frames::WithdrawConsent(n, "amir")},
      {"WithdrawTeam", frames::WithdrawConsent(n, "")},
      {"FetchHistory", frames::FetchHistory(n, t)},
      {"ListThreads", frames::ListThreads(n)},
      {"ListMembers", frames::ListMembers(n)},
      {"PostMessage", frames::PostMessage(n, t, "x1", "x")},
      {"CreateThread", frames::CreateThread(n, "x", true)},
      {"ListReadMarkers", frames::ListReadMarkers(n, t)},
      {"Subscribe", frames::Subscribe(n, {t})},
  };
  for (Actor* p : {&admin(), &auditor}) {
    for (const auto& [name, frame] : calls) {
      EXPECT_TRUE(IsError((*p)->Call(frame), v1::Error::PERMISSION_DENIED))
          << p->handle << " " << name;
    }
  }
  // Nothing they tried changed anything.
  EXPECT_TRUE(IsOk(buddy_->Call(frames::FetchHistory(n, t))));
}

}  // namespace
}  // namespace kring::service::testing
