// Who decides, and the record of it: representatives acting for the client, declined and
// expiring invitations, and the consent history (docs/consent.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
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

class RepresentativeTest : public CareNetworkTest {};

TEST_F(RepresentativeTest, ActsForTheClientUntilTheRepresentationEnds) {
  // Appointment is an admin task, and it needs its legal basis.
  Person mentor = world_->AddMember("mentor", "mentor");
  for (Person* p : {&client_, &coach_, &buddy_}) {
    EXPECT_TRUE(IsError((*p)->AppointRepresentative("ruth", "mentor", "self-chosen"),
                        v1::Error::PERMISSION_DENIED))
        << p->handle;
  }
  EXPECT_TRUE(IsError(world_->admin()->AppointRepresentative("ruth", "mentor", ""),
                      v1::Error::INVALID_ARGUMENT));
  v1::Representation rep = Must(world_->admin()->AppointRepresentative(
                                    "ruth", "mentor", "mentorship, court order 2026/123"),
                                "appoint")
                               .representation();
  EXPECT_EQ(rep.client_id(), client_.account.id());
  EXPECT_EQ(rep.representative_id(), mentor.account.id());
  EXPECT_EQ(rep.appointed_by(), world_->admin().account.id());

  // Every network of the client, including one a coordinator opened for her later.
  const uint64_t second = Must(coach_->OpenNetwork("ruth"), "jo opens").network().id();
  std::vector<uint64_t> listed;
  const v1::ListNetworksResult networks = Must(mentor->ListNetworks(), "mentor lists");
  for (const v1::Network& n : networks.networks()) {
    listed.push_back(n.id());
    EXPECT_EQ(n.my_role(), v1::MEMBER_ROLE_REPRESENTATIVE) << n.DebugString();
  }
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (std::vector<uint64_t>{net_.id(), second}));
  bool shown = false;
  const v1::ListMembersResult members = Must(client_->ListMembers(net_.id()), "members");
  for (const v1::Member& m : members.members()) {
    if (m.handle() == "mentor") shown = m.role() == v1::MEMBER_ROLE_REPRESENTATIVE;
  }
  EXPECT_TRUE(shown) << "the representative is not listed with role REPRESENTATIVE";
  ASSERT_TRUE(IsOk(SubscribeTo(mentor, net_.id(), {thread_})));

  // The representative withdraws and grants amir's consent; the records say who decided.
  v1::Consent withdrawn = WithdrawConsent(mentor, net_.id(), "amir");
  EXPECT_TRUE(IsError(buddy_->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  sdk::Grant grant;
  grant.thread_ids = {thread_};
  v1::Consent granted = GrantConsent(mentor, net_.id(), "amir", grant);
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
  v1::ListConsentsResult history = Must(client_->ListConsents(net_.id(), true), "history");
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
  EXPECT_EQ(Must(mentor->ListConsents(net_.id(), true), "mentor lists consents").consents_size(),
            history.consents_size());

  // The representative approves and removes members too, on the record.
  Person gp = world_->AddMember("dr.bakker", "GP");
  v1::Invitation inv = Must(mentor->Invite(net_.id(), "dr.bakker", "GP"), "invite").invitation();
  ASSERT_TRUE(IsOk(mentor->ApproveInvitation(inv.id(), sdk::ToProvision(grant))));
  ASSERT_TRUE(IsOk(mentor->RemoveMember(net_.id(), "dr.bakker")));
  ConsentRecords gp_records =
      RecordsOf(Must(client_->ListConsents(net_.id(), true), "history"), gp.account.id());
  ASSERT_EQ(gp_records.size(), 2u);
  EXPECT_EQ(gp_records[0].reason(), "invitation approved");
  EXPECT_EQ(gp_records[1].reason(), "removed");
  for (const v1::Consent& c : gp_records) {
    EXPECT_EQ(c.recorded_by(), mentor.account.id()) << c.DebugString();
    EXPECT_TRUE(c.by_representative()) << c.DebugString();
  }

  // Ending the representation takes effect before the admin's response.
  ASSERT_TRUE(IsOk(SubscribeTo(client_, net_.id(), {thread_})));
  EXPECT_TRUE(IsError(coach_->EndRepresentation("ruth", "mentor"), v1::Error::PERMISSION_DENIED));
  ASSERT_TRUE(IsOk(world_->admin()->EndRepresentation("ruth", "mentor")));
  bool ended = false;
  for (const v1::Event& e : EventsUntilRoundTrip(*mentor)) {
    if (e.has_access_ended() && e.access_ended().network_id() == net_.id()) ended = true;
  }
  EXPECT_TRUE(ended) << "the former representative got no AccessEnded before the response";
  const uint64_t after =
      Must(coach_->PostMessage(net_.id(), thread_, "after-rep", "not for mentor"), "post").seq();
  ASSERT_TRUE(WaitForEvent(*client_, [&](const v1::Event& e) {
                return e.has_message_posted() && e.message_posted().message().seq() == after;
              }).has_value());
  for (const v1::Event& e : EventsUntilRoundTrip(*mentor)) {
    EXPECT_FALSE(IsMessageIn(e, net_.id())) << "after the representation: " << e.DebugString();
  }
  EXPECT_TRUE(IsError(mentor->GrantConsent(net_.id(), "amir", sdk::ToProvision(sdk::Grant{})),
                      v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->WithdrawConsent(net_.id(), "amir"), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->ListConsents(net_.id()), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  EXPECT_TRUE(IsError(mentor->ListThreads(second), v1::Error::PERMISSION_DENIED));
  EXPECT_EQ(Must(mentor->ListNetworks(), "mentor lists").networks_size(), 0);
}

// --- Invitations ---

class InvitationDecisionTest : public CareNetworkTest {
 protected:
  InvitationDecisionTest() : CareNetworkTest(/*buddy_joins=*/false) {}
};

TEST_F(InvitationDecisionTest, InviteeClientOrRepresentativeDeclines) {
  Person mentor = world_->AddRepresentative(client_, "mentor");
  Person gp = world_->AddMember("dr.bakker", "GP");
  Person neighbour = world_->AddMember("sam", "neighbour");
  struct Case {
    Person* invitee;
    Person* decliner;
  };
  for (const Case& c : {Case{&buddy_, &buddy_}, Case{&gp, &client_}, Case{&neighbour, &mentor}}) {
    SCOPED_TRACE(c.invitee->handle + " declined by " + c.decliner->handle);
    v1::Invitation inv =
        Must(client_->Invite(net_.id(), c.invitee->handle, "helper"), "invite").invitation();
    EXPECT_TRUE(IsError(coach_->DeclineInvitation(inv.id()), v1::Error::PERMISSION_DENIED));
    ASSERT_TRUE(IsOk((*c.decliner)->DeclineInvitation(inv.id())));
    std::optional<v1::Event> declined = WaitForEvent(*client_, [&](const v1::Event& e) {
      return e.has_membership_changed() &&
             e.membership_changed().change() == v1::MEMBERSHIP_CHANGE_DECLINED &&
             e.membership_changed().invitation().id() == inv.id();
    });
    EXPECT_TRUE(declined.has_value()) << "the client got no MembershipChanged DECLINED";
    EXPECT_TRUE(IsError(client_->ApproveInvitation(inv.id()), v1::Error::FAILED_PRECONDITION));
    EXPECT_TRUE(
        IsError((*c.invitee)->FetchHistory(net_.id(), thread_), v1::Error::PERMISSION_DENIED));
  }
}

TEST_F(InvitationDecisionTest, InvitationCarriesItsExpiry) {
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

// --- The consent history ---

class ConsentHistoryTest : public CareNetworkTest {};

TEST_F(ConsentHistoryTest, EveryChangeIsARecordThatSupersedesTheLast) {
  const uint64_t work = Must(client_->CreateThread(net_.id(), "Werk"), "thread").thread().id();
  sdk::Grant werk_only;
  werk_only.thread_ids = {work};
  GrantConsent(client_, net_.id(), "amir", werk_only);
  sdk::Grant everything;
  everything.history = true;
  GrantConsent(client_, net_.id(), "amir", everything);
  WithdrawConsent(client_, net_.id(), "amir");
  ASSERT_TRUE(IsOk(coach_->RemoveMember(net_.id(), "jo")));  // jo leaves

  v1::ListConsentsResult history = Must(client_->ListConsents(net_.id(), true), "history");
  for (int i = 1; i < history.consents_size(); ++i) {
    EXPECT_LT(history.consents(i - 1).id(), history.consents(i).id()) << "not oldest first";
    EXPECT_LE(history.consents(i - 1).recorded_at_ms(), history.consents(i).recorded_at_ms());
  }
  for (const v1::Consent& c : history.consents()) {
    EXPECT_EQ(c.network_id(), net_.id());
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
  auto check_chain = [&](const Person& grantee, const std::vector<Expected>& expected) {
    SCOPED_TRACE(grantee.handle);
    ConsentRecords records = RecordsOf(history, grantee.account.id());
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
  ConsentRecords amir = RecordsOf(history, buddy_.account.id());
  if (amir.size() == 4) {
    EXPECT_FALSE(amir[1].provision().all_threads());
    EXPECT_TRUE(amir[2].provision().all_threads());
    EXPECT_TRUE(amir[2].provision().history_visible());
  }

  // Without `history`: each grantee's current record only.
  v1::ListConsentsResult current = Must(client_->ListConsents(net_.id()), "current");
  ConsentRecords amir_now = RecordsOf(current, buddy_.account.id());
  ASSERT_EQ(amir_now.size(), 1u) << current.DebugString();
  ASSERT_FALSE(amir.empty());
  EXPECT_EQ(amir_now[0].id(), amir.back().id());

  // Only the client (or a representative) reads or changes consent.
  for (Person* p : {&coach_, &buddy_}) {
    EXPECT_TRUE(IsError((*p)->ListConsents(net_.id(), true), v1::Error::PERMISSION_DENIED))
        << p->handle;
    EXPECT_TRUE(IsError((*p)->GrantConsent(net_.id(), "amir", sdk::ToProvision(sdk::Grant{})),
                        v1::Error::PERMISSION_DENIED))
        << p->handle;
  }
}

TEST_F(ConsentHistoryTest, RemovalIsRecorded) {
  ASSERT_TRUE(IsOk(client_->RemoveMember(net_.id(), "amir")));
  ConsentRecords amir =
      RecordsOf(Must(client_->ListConsents(net_.id(), true), "history"), buddy_.account.id());
  ASSERT_EQ(amir.size(), 2u);
  EXPECT_EQ(amir[1].reason(), "removed");
  EXPECT_EQ(amir[1].status(), v1::CONSENT_STATUS_WITHDRAWN);
  EXPECT_EQ(amir[1].supersedes(), amir[0].id());
  EXPECT_EQ(amir[1].recorded_by(), client_.account.id());
}

TEST_F(ConsentHistoryTest, OpeningANetworkForAClientIsRecorded) {
  Person omar = world_->AddClient("omar");
  v1::Network net = Must(coach_->OpenNetwork("omar"), "jo opens for omar").network();
  v1::ListConsentsResult history = Must(omar->ListConsents(net.id(), true), "omar's history");
  ASSERT_GE(history.consents_size(), 1);
  const v1::Consent& first = history.consents(0);
  EXPECT_EQ(first.grantee_id(), coach_.account.id());
  EXPECT_EQ(first.reason(), "network opened");
  EXPECT_EQ(first.recorded_by(), coach_.account.id());
  EXPECT_FALSE(first.by_representative());
  EXPECT_EQ(first.client_id(), omar.account.id());
  EXPECT_EQ(first.status(), v1::CONSENT_STATUS_ACTIVE);
  EXPECT_TRUE(first.provision().all_threads());
  EXPECT_TRUE(first.provision().history_visible());
  EXPECT_TRUE(HasAction(first.provision(), v1::CONSENT_ACTION_POST));
  EXPECT_TRUE(HasAction(first.provision(), v1::CONSENT_ACTION_COORDINATE));
  // The coordinator does not read the consent list of the client.
  EXPECT_TRUE(IsError(coach_->ListConsents(net.id(), true), v1::Error::PERMISSION_DENIED));
}

TEST_F(ConsentHistoryTest, AdminAndAuditorAreRefusedEveryContentRequest) {
  Must(client_->PostMessage(net_.id(), thread_, "r1", "private"), "post");
  Person auditor = world_->AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);
  using Call = std::function<sdk::Error(sdk::Connection&)>;
  auto err = [](const auto& r) { return r.ok() ? sdk::Error{} : r.error(); };
  const uint64_t n = net_.id();
  const uint64_t t = thread_;
  const std::vector<std::pair<const char*, Call>> calls = {
      {"ListConsents", [&](sdk::Connection& c) { return err(c.ListConsents(n, true)); }},
      {"GrantConsent",
       [&](sdk::Connection& c) {
         return err(c.GrantConsent(n, "amir", sdk::ToProvision(sdk::Grant{})));
       }},
      {"WithdrawConsent", [&](sdk::Connection& c) { return err(c.WithdrawConsent(n, "amir")); }},
      {"WithdrawTeam", [&](sdk::Connection& c) { return err(c.WithdrawConsent(n, "")); }},
      {"FetchHistory", [&](sdk::Connection& c) { return err(c.FetchHistory(n, t)); }},
      {"ListThreads", [&](sdk::Connection& c) { return err(c.ListThreads(n)); }},
      {"ListMembers", [&](sdk::Connection& c) { return err(c.ListMembers(n)); }},
      {"PostMessage", [&](sdk::Connection& c) { return err(c.PostMessage(n, t, "x1", "x")); }},
      {"CreateThread", [&](sdk::Connection& c) { return err(c.CreateThread(n, "x", true)); }},
      {"ListReadMarkers", [&](sdk::Connection& c) { return err(c.ListReadMarkers(n, t)); }},
      {"Subscribe",
       [&](sdk::Connection& c) {
         v1::ThreadCursor cursor;
         cursor.set_thread_id(t);
         return err(c.Subscribe(n, {cursor}));
       }},
  };
  for (Person* p : {&world_->admin(), &auditor}) {
    for (const auto& [name, call] : calls) {
      sdk::Error e = call(**p);
      EXPECT_FALSE(e.transport) << p->handle << " " << name << ": " << e.ToString();
      EXPECT_EQ(e.code, v1::Error::PERMISSION_DENIED)
          << p->handle << " " << name << ": " << e.ToString();
    }
  }
  // Nothing they tried changed anything.
  EXPECT_TRUE(IsOk(buddy_->FetchHistory(net_.id(), thread_)));
}

}  // namespace
}  // namespace kring::integration
