// A Service over a MemoryStore (optionally behind a FaultyStore) with a manual clock, and
// helpers that build the usual cast: an admin, a client, a case manager and two helpers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/core/clock.h"
#include "server/core/random.h"
#include "server/service/audit.h"
#include "server/service/service.h"
#include "server/storage/memory_store.h"
#include "tests/server/service/test_app.h"
#include "tests/server/storage/faulty_store.h"

namespace kring::service::testing {

inline constexpr char kPassword[] = "correct horse battery";

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : faulty_(memory_) {}

  void SetUp() override {
    options_.password = PasswordPolicy{1, 1024, 1};  // fast hashing in tests
    options_.throttle.free_failures = 3;
    // The manual clock never refills a bucket: tests of the request rate set their own.
    options_.connection_rate = {};
    options_.account_rate = {};
    service_ = std::make_unique<Service>(faulty_, clock_, random_, options_);
    ASSERT_TRUE(service_->Start().ok());
    ASSERT_TRUE(CreateAccount("admin", v1::ACCOUNT_KIND_ADMIN).ok());
  }
  void TearDown() override { service_->Stop(); }

  StatusOr<v1::Account> CreateAccount(const std::string& handle, v1::AccountKind kind,
                                      const std::string& profession = "") {
    v1::CreateAccountRequest req;
    req.set_handle(handle);
    req.set_kind(kind);
    req.set_profession(profession);
    req.set_password(kPassword);
    return service_->CreateAccountOffline(req);
  }

  // The seq of the newest access-log record (0: none), and the records after `seq`: what a
  // request left is Since(Head() before it).
  uint64_t Head() {
    audit::Query all;
    all.limit = 1'000'000;
    auto page = audit::Find(memory_, all, 1'000'000);
    return page.ok() && !page->events.empty() ? page->events.back().seq() : 0;
  }
  std::vector<v1::AuditEvent> Since(uint64_t seq) {
    audit::Query q;
    q.after_seq = seq;
    q.limit = 1000;
    return audit::Find(memory_, q)->events;
  }

  std::unique_ptr<TestApp> Connect(const std::string& address = "192.0.2.10:40000") {
    return std::make_unique<TestApp>(*service_, address);
  }

  v1::Response Login(TestApp& app, const std::string& handle,
                     const std::string& password = kPassword) {
    v1::ClientFrame f;
    f.mutable_login()->set_handle(handle);
    f.mutable_login()->set_password(password);
    return app.Call(f);
  }

  // A connected, logged-in app for a new account of `kind`.
  std::unique_ptr<TestApp> Person(const std::string& handle, v1::AccountKind kind,
                                  const std::string& profession = "") {
    EXPECT_TRUE(CreateAccount(handle, kind, profession).ok()) << handle;
    auto app = Connect();
    v1::Response r = Login(*app, handle);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    return app;
  }

  std::unique_ptr<TestApp> LoggedIn(const std::string& handle) {
    auto app = Connect();
    v1::Response r = Login(*app, handle);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    return app;
  }

  // Opens a network for `client_handle` through `opener`. One a member opens waits for the
  // client: unless `accept` is false, the client accepts it at once with the opener's access of
  // before networks waited (every thread, read, post, coordinate, history).
  v1::Network OpenNetwork(TestApp& opener, const std::string& client_handle, bool accept = true) {
    v1::ClientFrame f;
    f.mutable_open_network()->set_client_handle(client_handle);
    v1::Response r = opener.Call(f);
    EXPECT_FALSE(r.has_error()) << r.error().detail();
    v1::Network network = r.open_network().network();
    if (accept && network.state() == v1::NETWORK_STATE_PENDING) {
      auto client = LoggedIn(client_handle);
      v1::Response accepted = client->Call(AcceptAsOpenedBefore(network.id()));
      EXPECT_FALSE(accepted.has_error()) << accepted.error().detail();
    }
    return network;
  }

  // The client's acceptance of a pending network that gives the opener what opening a network
  // gave before networks waited for the client.
  static v1::ClientFrame AcceptAsOpenedBefore(uint64_t network_id) {
    v1::ClientFrame f;
    f.mutable_accept_network()->set_network_id(network_id);
    v1::ConsentProvision* p = f.mutable_accept_network()->mutable_provision();
    p->set_all_threads(true);
    p->add_actions(v1::CONSENT_ACTION_READ);
    p->add_actions(v1::CONSENT_ACTION_POST);
    p->add_actions(v1::CONSENT_ACTION_COORDINATE);
    p->set_history_visible(true);
    return f;
  }

  // Invites `handle` through `inviter` and has `client` approve it.
  void AddMember(TestApp& inviter, TestApp& client, uint64_t network_id,
                 const std::string& handle) {
    v1::ClientFrame invite;
    invite.mutable_invite()->set_network_id(network_id);
    invite.mutable_invite()->set_invitee_handle(handle);
    v1::Response r = inviter.Call(invite);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    v1::ClientFrame approve;
    approve.mutable_approve_invitation()->set_invitation_id(r.invite().invitation().id());
    r = client.Call(approve);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
  }

  v1::Response Post(TestApp& app, uint64_t network_id, uint64_t thread_id, const std::string& text,
                    const std::string& client_msg_id = "") {
    v1::ClientFrame f;
    auto* p = f.mutable_post_message();
    p->set_network_id(network_id);
    p->set_thread_id(thread_id);
    p->set_text(text);
    p->set_client_msg_id(client_msg_id.empty() ? "m-" + std::to_string(++msg_counter_)
                                               : client_msg_id);
    return app.Call(f);
  }

  v1::Response History(TestApp& app, uint64_t network_id, uint64_t thread_id,
                       uint64_t after_seq = 0) {
    v1::ClientFrame f;
    f.mutable_fetch_history()->set_network_id(network_id);
    f.mutable_fetch_history()->set_thread_id(thread_id);
    f.mutable_fetch_history()->set_after_seq(after_seq);
    return app.Call(f);
  }

  v1::Response Subscribe(TestApp& app, uint64_t network_id, uint64_t thread_id,
                         uint64_t after_seq) {
    v1::ClientFrame f;
    f.mutable_subscribe()->set_network_id(network_id);
    auto* c = f.mutable_subscribe()->add_threads();
    c->set_thread_id(thread_id);
    c->set_after_seq(after_seq);
    return app.Call(f);
  }

  storage::MemoryStore memory_;
  storage::FaultyStore faulty_;
  ManualClock clock_;
  SystemRandom random_;
  ServiceOptions options_;
  std::unique_ptr<Service> service_;
  int msg_counter_ = 0;
};

inline v1::Error::Code CodeOf(const v1::Response& r) {
  return r.has_error() ? r.error().code() : v1::Error::CODE_UNSPECIFIED;
}

}  // namespace kring::service::testing
