// Who may do what (server/core/authorize.cc): requests before authentication, unknown ids, other
// networks' ids, and the admin and auditor who never read message content.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/server/service/care_network_fixture.h"

namespace kring::service::testing {
namespace {

class AccessRulesTest : public CareNetworkTest {
 protected:
  AccessRulesTest() : CareNetworkTest(/*buddy_joins=*/false) {}
};

// Every network-scoped request, against (network, thread).
struct ScopedRequest {
  const char* name;
  std::function<v1::ClientFrame(uint64_t, uint64_t)> frame;
};

const std::vector<ScopedRequest>& NetworkScopedRequests() {
  static const std::vector<ScopedRequest> requests = {
      {"ListMembers", [](uint64_t n, uint64_t) { return frames::ListMembers(n); }},
      {"ListThreads", [](uint64_t n, uint64_t) { return frames::ListThreads(n); }},
      {"CreateThread",
       [](uint64_t n, uint64_t) { return frames::CreateThread(n, "Appointments"); }},
      {"PostMessage",
       [](uint64_t n, uint64_t t) { return frames::PostMessage(n, t, "probe-1", "hello"); }},
      {"FetchHistory", [](uint64_t n, uint64_t t) { return frames::FetchHistory(n, t); }},
      {"Subscribe", [](uint64_t n, uint64_t t) { return frames::Subscribe(n, {t}); }},
      {"MarkRead", [](uint64_t n, uint64_t t) { return frames::MarkRead(n, t, 1); }},
      {"ListReadMarkers", [](uint64_t n, uint64_t t) { return frames::ListReadMarkers(n, t); }},
      {"Invite", [](uint64_t n, uint64_t) { return frames::Invite(n, "someone", "neighbour"); }},
  };
  return requests;
}

TEST_F(AccessRulesTest, EveryRequestBeforeAuthenticationIsUnauthenticated) {
  auto app = Connect();
  const google::protobuf::OneofDescriptor* oneof =
      v1::ClientFrame::descriptor()->FindOneofByName("request");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = oneof->field(i);
    if (field->name() == "login" || field->name() == "resume_session") continue;
    v1::ClientFrame frame;
    frame.GetReflection()->MutableMessage(&frame, field);  // an empty request of this kind
    const v1::Response r = app->Call(frame);
    EXPECT_TRUE(IsError(r, v1::Error::UNAUTHENTICATED)) << field->name();
  }
  EXPECT_FALSE(app->sink().closed());
}

TEST_F(AccessRulesTest, FailedLoginLeavesTheConnectionUnauthenticated) {
  auto app = Connect();
  EXPECT_TRUE(IsError(Login(*app, "ruth", "not-the-password"), v1::Error::UNAUTHENTICATED));
  EXPECT_TRUE(IsError(app->Call(frames::WhoAmI()), v1::Error::UNAUTHENTICATED));
  EXPECT_TRUE(IsError(app->Call(frames::ListNetworks()), v1::Error::UNAUTHENTICATED));
}

TEST_F(AccessRulesTest, UnknownNetworkIsNotFound) {
  const uint64_t unknown = net_.id() + 1'000'000;
  for (const ScopedRequest& req : NetworkScopedRequests()) {
    EXPECT_TRUE(IsError(client_->Call(req.frame(unknown, thread_)), v1::Error::NOT_FOUND))
        << req.name;
  }
}

TEST_F(AccessRulesTest, UnknownThreadIsNotFound) {
  const uint64_t n = net_.id();
  const uint64_t unknown = thread_ + 1'000'000;
  EXPECT_TRUE(
      IsError(client_->Call(frames::PostMessage(n, unknown, "m1", "hi")), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client_->Call(frames::FetchHistory(n, unknown)), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client_->Call(frames::MarkRead(n, unknown, 1)), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client_->Call(frames::ListReadMarkers(n, unknown)), v1::Error::NOT_FOUND));

  // Subscribe reports per-thread failures inside a successful result.
  const v1::Response sub = client_->Call(frames::Subscribe(n, {thread_, unknown}));
  ASSERT_TRUE(IsOk(sub));
  ASSERT_EQ(sub.subscribe().threads_size(), 2);
  for (const v1::ThreadSubscription& ts : sub.subscribe().threads()) {
    if (ts.thread_id() == unknown) {
      EXPECT_EQ(ts.error().code(), v1::Error::NOT_FOUND);
    } else {
      EXPECT_EQ(ts.thread_id(), thread_);
      EXPECT_FALSE(ts.has_error() && ts.error().code() != v1::Error::CODE_UNSPECIFIED)
          << ts.DebugString();
    }
  }
}

TEST_F(AccessRulesTest, AnotherNetworksIdsArePermissionDenied) {
  Actor omar = AddClient("omar");
  const v1::Network omars = OpenNetworkOf(omar, {});
  PostSeq(client_, thread_, "r1", "private");

  for (const ScopedRequest& req : NetworkScopedRequests()) {
    EXPECT_TRUE(IsError(omar->Call(req.frame(net_.id(), thread_)), v1::Error::PERMISSION_DENIED))
        << req.name;
  }
  // A thread of another network, named under one's own network, does not exist there.
  EXPECT_TRUE(IsError(omar->Call(frames::PostMessage(omars.id(), thread_, "o1", "hi")),
                      v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(omar->Call(frames::FetchHistory(omars.id(), thread_)), v1::Error::NOT_FOUND));
  // Nothing of ruth's network is listed for omar.
  const v1::Response list = Must(omar->Call(frames::ListNetworks()), "list networks");
  ASSERT_EQ(list.list_networks().networks_size(), 1);
  EXPECT_EQ(list.list_networks().networks(0).id(), omars.id());
}

TEST_F(AccessRulesTest, AdminAndAuditorNeverReadMessages) {
  PostSeq(client_, thread_, "r1", "private");
  Actor auditor = AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);

  for (Actor* p : {&admin(), &auditor}) {
    for (const ScopedRequest& req : NetworkScopedRequests()) {
      EXPECT_TRUE(IsError((*p)->Call(req.frame(net_.id(), thread_)), v1::Error::PERMISSION_DENIED))
          << p->handle << " " << req.name;
    }
    EXPECT_TRUE(IsError((*p)->Call(frames::OpenNetwork("ruth")), v1::Error::PERMISSION_DENIED))
        << p->handle;
  }
}

TEST_F(AccessRulesTest, OnlyAdminManagesAccounts) {
  for (Actor* p : {&client_, &coach_}) {
    EXPECT_TRUE(IsError(
        (*p)->Call(frames::CreateAccount("newbie", v1::ACCOUNT_KIND_MEMBER, "a-long-password")),
        v1::Error::PERMISSION_DENIED))
        << p->handle;
    EXPECT_TRUE(IsError((*p)->Call(frames::DisableAccount("ruth")), v1::Error::PERMISSION_DENIED))
        << p->handle;
  }
}

TEST_F(AccessRulesTest, OpenNetworkRules) {
  Actor omar = AddClient("omar");
  EXPECT_TRUE(IsError(omar->Call(frames::OpenNetwork("nobody")), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(coach_->Call(frames::OpenNetwork("jo")), v1::Error::INVALID_ARGUMENT));
  // A member opening a client's network becomes its coordinator once the client accepts it.
  const v1::Response opened = coach_->Call(frames::OpenNetwork("omar"));
  ASSERT_TRUE(IsOk(opened));
  const v1::Network& net = opened.open_network().network();
  EXPECT_TRUE(IsError(coach_->Call(frames::ListMembers(net.id())), v1::Error::FAILED_PRECONDITION));
  Must(omar->Call(frames::AcceptNetwork(net.id())), "omar accepts");
  const v1::Response members = Must(coach_->Call(frames::ListMembers(net.id())), "members");
  bool coach_is_coordinator = false;
  for (const v1::Member& m : members.list_members().members()) {
    if (m.handle() == "jo") coach_is_coordinator = m.role() == v1::MEMBER_ROLE_COORDINATOR;
  }
  EXPECT_TRUE(coach_is_coordinator) << members.DebugString();
  // The client has several networks now; each has its General thread.
  ASSERT_TRUE(IsOk(omar->Call(frames::OpenNetwork("omar"))));
  const v1::Response list = Must(omar->Call(frames::ListNetworks()), "list");
  EXPECT_EQ(list.list_networks().networks_size(), 2);
  const v1::Response threads = Must(omar->Call(frames::ListThreads(net.id())), "threads");
  ASSERT_EQ(threads.list_threads().threads_size(), 1);
  EXPECT_EQ(threads.list_threads().threads(0).title(), "General");
  EXPECT_EQ(threads.list_threads().threads(0).id(), net.general_thread_id());
}

}  // namespace
}  // namespace kring::service::testing
