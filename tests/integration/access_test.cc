// Who may do what: requests before authentication, unknown ids, other networks' ids, and the
// admin and auditor who never read message content.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/integration/world.h"

namespace kring::integration {
namespace {

class AccessTest : public KringTest {};

// Every network-scoped request, against (network, thread), through the SDK.
struct ScopedRequest {
  const char* name;
  std::function<sdk::Error(sdk::Connection&, uint64_t, uint64_t)> call;  // error, or code 0
};

template <typename T>
sdk::Error ErrorOf(const sdk::Result<T>& r) {
  return r.ok() ? sdk::Error{} : r.error();
}

const std::vector<ScopedRequest>& NetworkScopedRequests() {
  static const std::vector<ScopedRequest> requests = {
      {"ListMembers",
       [](sdk::Connection& c, uint64_t n, uint64_t) { return ErrorOf(c.ListMembers(n)); }},
      {"ListThreads",
       [](sdk::Connection& c, uint64_t n, uint64_t) { return ErrorOf(c.ListThreads(n)); }},
      {"CreateThread", [](sdk::Connection& c, uint64_t n,
                          uint64_t) { return ErrorOf(c.CreateThread(n, "Appointments")); }},
      {"PostMessage", [](sdk::Connection& c, uint64_t n,
                         uint64_t t) { return ErrorOf(c.PostMessage(n, t, "probe-1", "hello")); }},
      {"FetchHistory",
       [](sdk::Connection& c, uint64_t n, uint64_t t) { return ErrorOf(c.FetchHistory(n, t)); }},
      {"Subscribe",
       [](sdk::Connection& c, uint64_t n, uint64_t t) {
         v1::ThreadCursor cursor;
         cursor.set_thread_id(t);
         return ErrorOf(c.Subscribe(n, {cursor}));
       }},
      {"MarkRead",
       [](sdk::Connection& c, uint64_t n, uint64_t t) { return ErrorOf(c.MarkRead(n, t, 1)); }},
      {"ListReadMarkers",
       [](sdk::Connection& c, uint64_t n, uint64_t t) { return ErrorOf(c.ListReadMarkers(n, t)); }},
      {"Invite", [](sdk::Connection& c, uint64_t n,
                    uint64_t) { return ErrorOf(c.Invite(n, "someone", "neighbour")); }},
  };
  return requests;
}

TEST_F(AccessTest, EveryRequestBeforeAuthenticationIsUnauthenticated) {
  auto conn = world_->Connect();
  const google::protobuf::OneofDescriptor* oneof =
      v1::ClientFrame::descriptor()->FindOneofByName("request");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = oneof->field(i);
    if (field->name() == "login" || field->name() == "resume_session") continue;
    v1::ClientFrame frame;
    frame.GetReflection()->MutableMessage(&frame, field);  // an empty request of this kind
    sdk::Result<v1::Response> r = conn->Call(frame);
    ASSERT_TRUE(IsOk(r)) << field->name();
    EXPECT_EQ(r->error().code(), v1::Error::UNAUTHENTICATED)
        << field->name() << ": " << r->DebugString();
  }
  EXPECT_FALSE(conn->closed());
}

TEST_F(AccessTest, FailedLoginLeavesTheConnectionUnauthenticated) {
  Person client = world_->AddClient("ruth");
  auto conn = world_->Connect();
  EXPECT_TRUE(IsError(conn->Login("ruth", "not-the-password"), v1::Error::UNAUTHENTICATED));
  EXPECT_TRUE(IsError(conn->WhoAmI(), v1::Error::UNAUTHENTICATED));
  EXPECT_TRUE(IsError(conn->ListNetworks(), v1::Error::UNAUTHENTICATED));
}

TEST_F(AccessTest, UnknownNetworkIsNotFound) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  const uint64_t unknown = net.id() + 1'000'000;
  for (const ScopedRequest& req : NetworkScopedRequests()) {
    sdk::Error e = req.call(*client.conn, unknown, net.general_thread_id());
    EXPECT_FALSE(e.transport) << req.name << ": " << e.ToString();
    EXPECT_EQ(e.code, v1::Error::NOT_FOUND) << req.name << ": " << e.ToString();
  }
}

TEST_F(AccessTest, UnknownThreadIsNotFound) {
  Person client = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(client, {});
  const uint64_t unknown = net.general_thread_id() + 1'000'000;
  EXPECT_TRUE(IsError(client->PostMessage(net.id(), unknown, "m1", "hi"), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client->FetchHistory(net.id(), unknown), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client->MarkRead(net.id(), unknown, 1), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(client->ListReadMarkers(net.id(), unknown), v1::Error::NOT_FOUND));

  // Subscribe reports per-thread failures inside a successful result.
  v1::ThreadCursor good, bad;
  good.set_thread_id(net.general_thread_id());
  bad.set_thread_id(unknown);
  sdk::Result<v1::SubscribeResult> sub = client->Subscribe(net.id(), {good, bad});
  ASSERT_TRUE(IsOk(sub));
  ASSERT_EQ(sub->threads_size(), 2);
  for (const v1::ThreadSubscription& ts : sub->threads()) {
    if (ts.thread_id() == unknown) {
      EXPECT_EQ(ts.error().code(), v1::Error::NOT_FOUND);
    } else {
      EXPECT_EQ(ts.thread_id(), net.general_thread_id());
      EXPECT_FALSE(ts.has_error() && ts.error().code() != v1::Error::CODE_UNSPECIFIED)
          << ts.DebugString();
    }
  }
}

TEST_F(AccessTest, AnotherNetworksIdsArePermissionDenied) {
  Person ruth = world_->AddClient("ruth");
  Person omar = world_->AddClient("omar");
  v1::Network ruths = world_->OpenNetwork(ruth, {});
  v1::Network omars = world_->OpenNetwork(omar, {});
  Must(ruth->PostMessage(ruths.id(), ruths.general_thread_id(), "r1", "private"), "post");

  for (const ScopedRequest& req : NetworkScopedRequests()) {
    sdk::Error e = req.call(*omar.conn, ruths.id(), ruths.general_thread_id());
    EXPECT_FALSE(e.transport) << req.name << ": " << e.ToString();
    EXPECT_EQ(e.code, v1::Error::PERMISSION_DENIED) << req.name << ": " << e.ToString();
  }
  // A thread of another network, named under one's own network, does not exist there.
  EXPECT_TRUE(IsError(omar->PostMessage(omars.id(), ruths.general_thread_id(), "o1", "hi"),
                      v1::Error::NOT_FOUND));
  EXPECT_TRUE(
      IsError(omar->FetchHistory(omars.id(), ruths.general_thread_id()), v1::Error::NOT_FOUND));
  // Nothing of ruth's network is listed for omar.
  v1::ListNetworksResult list = Must(omar->ListNetworks(), "list networks");
  ASSERT_EQ(list.networks_size(), 1);
  EXPECT_EQ(list.networks(0).id(), omars.id());
}

TEST_F(AccessTest, AdminAndAuditorNeverReadMessages) {
  Person ruth = world_->AddClient("ruth");
  v1::Network net = world_->OpenNetwork(ruth, {});
  Must(ruth->PostMessage(net.id(), net.general_thread_id(), "r1", "private"), "post");
  Person auditor = world_->AddAccount("audrey", v1::ACCOUNT_KIND_AUDITOR);

  for (Person* p : {&world_->admin(), &auditor}) {
    for (const ScopedRequest& req : NetworkScopedRequests()) {
      sdk::Error e = req.call(*p->conn, net.id(), net.general_thread_id());
      EXPECT_EQ(e.code, v1::Error::PERMISSION_DENIED)
          << p->handle << " " << req.name << ": " << e.ToString();
    }
    EXPECT_TRUE(IsError((*p)->OpenNetwork("ruth"), v1::Error::PERMISSION_DENIED)) << p->handle;
  }
}

TEST_F(AccessTest, OnlyAdminManagesAccounts) {
  Person ruth = world_->AddClient("ruth");
  Person coach = world_->AddMember("jo", "job coach");
  for (Person* p : {&ruth, &coach}) {
    EXPECT_TRUE(IsError((*p)->CreateAccount("newbie", v1::ACCOUNT_KIND_MEMBER, "a-long-password"),
                        v1::Error::PERMISSION_DENIED))
        << p->handle;
    EXPECT_TRUE(IsError((*p)->DisableAccount("ruth"), v1::Error::PERMISSION_DENIED)) << p->handle;
  }
}

TEST_F(AccessTest, OpenNetworkRules) {
  Person ruth = world_->AddClient("ruth");
  Person coach = world_->AddMember("jo", "job coach");
  EXPECT_TRUE(IsError(ruth->OpenNetwork("nobody"), v1::Error::NOT_FOUND));
  EXPECT_TRUE(IsError(coach->OpenNetwork("jo"), v1::Error::INVALID_ARGUMENT));
  // A member opening a client's network becomes its coordinator at once.
  sdk::Result<v1::OpenNetworkResult> opened = coach->OpenNetwork("ruth");
  ASSERT_TRUE(IsOk(opened));
  v1::ListMembersResult members = Must(coach->ListMembers(opened->network().id()), "members");
  bool coach_is_coordinator = false;
  for (const v1::Member& m : members.members()) {
    if (m.handle() == "jo") coach_is_coordinator = m.role() == v1::MEMBER_ROLE_COORDINATOR;
  }
  EXPECT_TRUE(coach_is_coordinator) << members.DebugString();
  // The client has several networks now; each has its General thread.
  ASSERT_TRUE(IsOk(ruth->OpenNetwork("ruth")));
  v1::ListNetworksResult list = Must(ruth->ListNetworks(), "list");
  EXPECT_EQ(list.networks_size(), 2);
  v1::ListThreadsResult threads = Must(ruth->ListThreads(opened->network().id()), "threads");
  ASSERT_EQ(threads.threads_size(), 1);
  EXPECT_EQ(threads.threads(0).title(), "General");
  EXPECT_EQ(threads.threads(0).id(), opened->network().general_thread_id());
}

}  // namespace
}  // namespace kring::integration
